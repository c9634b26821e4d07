//! A population of neurons on the CPU: blocks of [`LANES`] neurons as struct of arrays,
//! stepped on all of rayon's threads by the [`Kernel`] the processor runs best.

use rayon::prelude::*;

use super::NEURONS_PER_TASK;
use super::exact::{ExactBlock, step_exact_lanes};
use super::kernel::{Block, Kernel, LANES, LaneConstants};
use crate::backend::{Population, PopulationDesc, Progress, check_currents};
use crate::error::Result;
use crate::input::Lowering;
use crate::model::euler::{EulerConstants, NeuronState};
use crate::model::exact::ExactConstants;
use crate::model::params::{LifParams, Method, NeuronParams, OwnedNeuronParams};

/// Blocks handed to one rayon task.
const BLOCKS_PER_TASK: usize = NEURONS_PER_TASK / LANES;

/// A population of neurons on the CPU with the same life cycle as
/// [`crate::GpuPopulation`]: inputs that may change between runs of steps, state that
/// persists, counts that accumulate. Any method, shared or per-neuron parameters.
///
/// Its Euler counts, voltages and spike flags are bit-identical to a `GpuPopulation`
/// given the same parameters, currents and steps; its exact counts agree with the
/// GPU's within one spike.
#[derive(Clone, Debug)]
pub struct CpuPopulation {
    params: LifParams,
    method: Method,
    each: OwnedNeuronParams,
    kernel: Kernel,
    len: usize,
    blocks: Blocks,
}

/// The neurons' state, by method; `lanes` holds each block's per-lane constants when
/// some parameter is given per neuron.
#[derive(Clone, Debug)]
enum Blocks {
    Euler {
        blocks: Vec<Block>,
        shared: EulerConstants,
        lanes: Option<Vec<LaneConstants>>,
    },
    Exact {
        blocks: Vec<ExactBlock>,
        shared: ExactConstants,
        lanes: Option<Vec<[ExactConstants; LANES]>>,
    },
}

impl CpuPopulation {
    /// Euler neurons sharing `params`, one per entry of `currents` (model units), at
    /// rest.
    pub fn new(params: &LifParams, currents: &[f64]) -> Result<Self> {
        Self::with_kernel(params, currents, Kernel::detect())
    }

    /// [`CpuPopulation::new`] with a chosen kernel (one of [`Kernel::available`]).
    pub fn with_kernel(params: &LifParams, currents: &[f64], kernel: Kernel) -> Result<Self> {
        Self::from_desc(&PopulationDesc::new(params, currents), kernel)
    }

    /// A population integrated with `desc.method`, whose neurons may have their own
    /// parameters, stepped by `kernel` (one of [`Kernel::available`]).
    pub fn from_desc(desc: &PopulationDesc<'_>, kernel: Kernel) -> Result<Self> {
        desc.validate()?;
        let PopulationDesc {
            params,
            method,
            each,
            currents,
        } = *desc;
        let lowering = Lowering::new(method, params, each);
        let per_neuron = !each.is_shared();
        let block_params =
            |b: usize| each.slice(b * LANES..(b * LANES + LANES).min(currents.len()));
        let blocks = match method {
            Method::Euler => Blocks::Euler {
                blocks: currents
                    .par_chunks(LANES)
                    .enumerate()
                    .map(|(b, currents)| {
                        let (current, gap_th, _) = lane_inputs(&lowering, b, currents);
                        let n = currents.len();
                        Block::at_rest(&current[..n], &gap_th[..n])
                    })
                    .collect(),
                shared: EulerConstants::new(params),
                lanes: per_neuron.then(|| {
                    (0..currents.len().div_ceil(LANES))
                        .map(|b| euler_lanes(params, &block_params(b)))
                        .collect()
                }),
            },
            Method::Exact => Blocks::Exact {
                blocks: currents
                    .par_chunks(LANES)
                    .enumerate()
                    .map(|(b, currents)| {
                        let (current, gap_th, period) = lane_inputs(&lowering, b, currents);
                        let n = currents.len();
                        ExactBlock::at_rest(&current[..n], &gap_th[..n], &period[..n])
                    })
                    .collect(),
                shared: ExactConstants::new(params),
                lanes: per_neuron.then(|| {
                    (0..currents.len().div_ceil(LANES))
                        .map(|b| exact_lanes(params, &block_params(b)))
                        .collect()
                }),
            },
        };
        Ok(CpuPopulation {
            params: *params,
            method,
            each: OwnedNeuronParams::from(&each),
            kernel,
            len: currents.len(),
            blocks,
        })
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a population has at least one neuron.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How the population is integrated.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The kernel that steps it.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// New input currents, one per neuron, for the steps that follow. Each neuron's
    /// voltage carries over unchanged (its gap moves by the change in current), as
    /// [`crate::GpuPopulation::write_currents`] does.
    pub fn write_currents(&mut self, currents: &[f64]) -> Result<()> {
        check_currents(currents, self.len)?;
        let each = self.each.borrow();
        let lowering = Lowering::new(self.method, &self.params, each);
        match &mut self.blocks {
            Blocks::Euler { blocks, .. } => blocks
                .par_iter_mut()
                .zip(currents.par_chunks(LANES))
                .enumerate()
                .for_each(|(b, (block, currents))| {
                    let (current, gap_th, _) = lane_inputs(&lowering, b, currents);
                    let n = currents.len();
                    block.current[..n].copy_from_slice(&current[..n]);
                    block.gap_th[..n].copy_from_slice(&gap_th[..n]);
                }),
            Blocks::Exact { blocks, .. } => blocks
                .par_iter_mut()
                .zip(currents.par_chunks(LANES))
                .enumerate()
                .for_each(|(b, (block, currents))| {
                    let (current, gap_th, period) = lane_inputs(&lowering, b, currents);
                    let n = currents.len();
                    block.current[..n].copy_from_slice(&current[..n]);
                    block.gap_th[..n].copy_from_slice(&gap_th[..n]);
                    block.period[..n].copy_from_slice(&period[..n]);
                }),
        }
        Ok(())
    }

    /// Advances every neuron by `steps` steps on all of rayon's threads.
    pub fn step(&mut self, steps: u32) {
        self.step_reporting(steps, &|_| {});
    }

    /// [`CpuPopulation::step`], reporting the neuron-steps of each task as it ends.
    fn step_reporting(&mut self, steps: u32, progress: Progress<'_>) {
        let kernel = self.kernel;
        let report = |blocks: usize| progress((blocks * LANES) as u64 * u64::from(steps));
        match &mut self.blocks {
            Blocks::Euler {
                blocks,
                shared,
                lanes: None,
            } => blocks.par_chunks_mut(BLOCKS_PER_TASK).for_each(|task| {
                task.iter_mut().for_each(|b| kernel.step(b, shared, steps));
                report(task.len());
            }),
            Blocks::Euler {
                blocks,
                lanes: Some(lanes),
                ..
            } => blocks
                .par_chunks_mut(BLOCKS_PER_TASK)
                .zip(lanes.par_chunks(BLOCKS_PER_TASK))
                .for_each(|(task, lanes)| {
                    for (block, lanes) in task.iter_mut().zip(lanes) {
                        kernel.step_each(block, lanes, steps);
                    }
                    report(task.len());
                }),
            Blocks::Exact {
                blocks,
                shared,
                lanes: None,
            } => blocks.par_chunks_mut(BLOCKS_PER_TASK).for_each(|task| {
                task.iter_mut()
                    .for_each(|b| kernel.step_exact(b, shared, steps));
                report(task.len());
            }),
            Blocks::Exact {
                blocks,
                lanes: Some(lanes),
                ..
            } => blocks
                .par_chunks_mut(BLOCKS_PER_TASK)
                .zip(lanes.par_chunks(BLOCKS_PER_TASK))
                .for_each(|(task, lanes)| {
                    for (block, lanes) in task.iter_mut().zip(lanes) {
                        step_exact_lanes(block, lanes, steps);
                    }
                    report(task.len());
                }),
        }
    }

    /// Every neuron back to rest (`v = 0`, not refractory) under its current input,
    /// with no spikes counted.
    pub fn reset(&mut self) {
        match &mut self.blocks {
            Blocks::Euler { blocks, .. } => blocks.iter_mut().for_each(|block| {
                block.gap = block.current;
                block.drive = block.current;
                block.refractory_left = [0; LANES];
                block.spike_count = [0; LANES];
                block.spiked = [0; LANES];
            }),
            Blocks::Exact { blocks, .. } => blocks.iter_mut().for_each(|block| {
                block.gap = block.current;
                block.drive = block.current;
                block.refractory = [0.0; LANES];
                block.spike_count = [0; LANES];
                block.spiked = [0; LANES];
            }),
        }
    }

    /// Spike counts back to zero; the neurons' state is kept.
    pub fn clear_counts(&mut self) {
        match &mut self.blocks {
            Blocks::Euler { blocks, .. } => {
                blocks.iter_mut().for_each(|b| b.spike_count = [0; LANES])
            }
            Blocks::Exact { blocks, .. } => {
                blocks.iter_mut().for_each(|b| b.spike_count = [0; LANES])
            }
        }
    }

    /// Spikes of each neuron since the start or the last reset or clear.
    pub fn counts(&self) -> Vec<u32> {
        self.gather(|b| b.spike_count, |b| b.spike_count)
    }

    /// Spikes of each neuron on the last step: 0 or 1 for Euler (more only with the
    /// exact method when `tau_ref < dt`).
    pub fn spiked(&self) -> Vec<u32> {
        self.gather(|b| b.spiked, |b| b.spiked)
    }

    /// Each neuron's membrane voltage, `v = I − u`, with the current its gap is
    /// measured from.
    pub fn voltages(&self) -> Vec<f32> {
        let voltage = |drive: [f32; LANES], gap: [f32; LANES]| {
            std::array::from_fn::<f32, LANES, _>(|lane| drive[lane] - gap[lane])
        };
        self.gather(|b| voltage(b.drive, b.gap), |b| voltage(b.drive, b.gap))
    }

    /// Each neuron's state: its gap, the whole steps left in its refractory period
    /// (the exact method counts seconds; here they are rounded up to steps of dt) and
    /// its spikes.
    pub fn states(&self) -> Vec<NeuronState> {
        let steps_left = |seconds: f32| (f64::from(seconds) / self.params.dt).ceil() as u32;
        let mut states: Vec<NeuronState> = match &self.blocks {
            Blocks::Euler { blocks, .. } => blocks
                .iter()
                .flat_map(|b| {
                    (0..LANES).map(|lane| NeuronState {
                        gap: b.gap[lane],
                        refractory_left: b.refractory_left[lane],
                        spike_count: b.spike_count[lane],
                    })
                })
                .collect(),
            Blocks::Exact { blocks, .. } => blocks
                .iter()
                .flat_map(|b| {
                    (0..LANES).map(move |lane| NeuronState {
                        gap: b.gap[lane],
                        refractory_left: steps_left(b.refractory[lane]),
                        spike_count: b.spike_count[lane],
                    })
                })
                .collect(),
        };
        states.truncate(self.len);
        states
    }

    /// One value per neuron, read from each block by the method's accessor.
    fn gather<T: Copy>(
        &self,
        euler: impl Fn(&Block) -> [T; LANES],
        exact: impl Fn(&ExactBlock) -> [T; LANES],
    ) -> Vec<T> {
        let mut values: Vec<T> = match &self.blocks {
            Blocks::Euler { blocks, .. } => blocks.iter().flat_map(euler).collect(),
            Blocks::Exact { blocks, .. } => blocks.iter().flat_map(exact).collect(),
        };
        values.truncate(self.len);
        values
    }
}

impl Population for CpuPopulation {
    fn len(&self) -> usize {
        self.len
    }

    fn method(&self) -> Method {
        self.method
    }

    fn write_currents(&mut self, currents: &[f64]) -> Result<()> {
        CpuPopulation::write_currents(self, currents)
    }

    fn advance(&mut self, steps: u32, progress: Progress<'_>) -> Result<()> {
        self.step_reporting(steps, progress);
        Ok(())
    }

    fn counts(&self) -> Result<Vec<u32>> {
        Ok(CpuPopulation::counts(self))
    }

    fn spiked(&self) -> Result<Vec<u32>> {
        Ok(CpuPopulation::spiked(self))
    }

    fn voltages(&self) -> Result<Vec<f64>> {
        Ok(CpuPopulation::voltages(self)
            .into_iter()
            .map(f64::from)
            .collect())
    }

    fn reset(&mut self) -> Result<()> {
        CpuPopulation::reset(self);
        Ok(())
    }

    fn clear_counts(&mut self) -> Result<()> {
        CpuPopulation::clear_counts(self);
        Ok(())
    }
}

/// The inputs of block `b`'s lanes (up to [`LANES`] currents; the rest zero).
fn lane_inputs(
    lowering: &Lowering<'_>,
    b: usize,
    currents: &[f64],
) -> ([f32; LANES], [f32; LANES], [f32; LANES]) {
    let mut current = [0.0f32; LANES];
    let mut gap_th = [0.0f32; LANES];
    let mut period = [0.0f32; LANES];
    for (lane, &i) in currents.iter().enumerate() {
        let input = lowering.neuron(b * LANES + lane, i);
        (current[lane], gap_th[lane], period[lane]) = (input.current, input.gap_th, input.period);
    }
    (current, gap_th, period)
}

/// Each lane's Euler constants from its own parameters; idle lanes get the shared ones.
fn euler_lanes(params: &LifParams, each: &NeuronParams<'_>) -> LaneConstants {
    let shared = EulerConstants::new(params);
    let mut lanes = LaneConstants {
        decay: [shared.decay; LANES],
        frozen_steps: [shared.frozen_steps; LANES],
    };
    let len = each_len(each);
    for lane in 0..len {
        let own = EulerConstants::new(&each.of(params, lane));
        lanes.decay[lane] = own.decay;
        lanes.frozen_steps[lane] = own.frozen_steps;
    }
    lanes
}

/// Each lane's exact constants from its own parameters; idle lanes get the shared ones.
fn exact_lanes(params: &LifParams, each: &NeuronParams<'_>) -> [ExactConstants; LANES] {
    let shared = ExactConstants::new(params);
    let len = each_len(each);
    std::array::from_fn(|lane| {
        if lane < len {
            ExactConstants::new(&each.of(params, lane))
        } else {
            shared
        }
    })
}

/// The neurons a slice of per-neuron parameters covers (it is never all shared here).
fn each_len(each: &NeuronParams<'_>) -> usize {
    [each.tau_rc, each.tau_ref, each.v_th]
        .into_iter()
        .flatten()
        .map(<[f64]>::len)
        .next()
        .unwrap_or(0)
}
