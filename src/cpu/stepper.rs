//! The float32 CPU backend: `shaders/lif_euler.wgsl` mirrored in Rust, with the same
//! order of operations, so that its spike counts are bit-identical to the GPU's
//! (multiplies and compares only; Rust never fuses them).
//!
//! [`step_euler`] is the readable one-neuron version; [`CpuStepper`] and
//! [`CpuPopulation`] run the same step on blocks of neurons with the
//! [`Kernel`] the processor runs fastest.

use rayon::prelude::*;

use super::exact::{ExactBlock, ExactState, step_exact};
use super::kernel::{Block, Kernel, LANES, LaneConstants};
use super::{NEURONS_PER_TASK, cpu_description};
use crate::backend::{BackendKind, Progress, Stepper, check_inputs};
use crate::error::{Error, Result};
use crate::params::{
    EulerConstants, ExactConstants, LifParams, Method, NeuronParams, Run, validate_current,
};

/// One neuron's state between dispatches, as the shader keeps it in its storage
/// buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronState {
    /// The gap `u = I − v` between the input current and the voltage.
    pub gap: f32,
    /// Steps left in the refractory period.
    pub refractory_left: u32,
    /// Spikes so far.
    pub spike_count: u32,
}

impl NeuronState {
    /// A neuron at rest (`v = 0`, so `u = I`), not refractory, no spikes.
    pub fn at_rest(current: f32) -> Self {
        NeuronState {
            gap: current,
            refractory_left: 0,
            spike_count: 0,
        }
    }
}

/// Advances one neuron by `steps` Euler steps: the body of `step_euler` in
/// `shaders/lif_euler.wgsl`.
pub fn step_euler(
    state: &mut NeuronState,
    current: f32,
    gap_th: f32,
    constants: &EulerConstants,
    steps: u32,
) {
    let mut u = state.gap;
    let mut left = state.refractory_left;
    let mut spikes = state.spike_count;
    for _ in 0..steps {
        if left > 0 {
            left -= 1;
        } else {
            u *= constants.decay;
            if u < gap_th {
                u = current;
                left = constants.frozen_steps;
                spikes += 1;
            }
        }
    }
    *state = NeuronState {
        gap: u,
        refractory_left: left,
        spike_count: spikes,
    };
}

/// The float32 CPU backend: the [`Kernel`] this processor runs best, on all of
/// rayon's threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuStepper {
    kernel: Kernel,
}

impl Default for CpuStepper {
    fn default() -> Self {
        CpuStepper::new()
    }
}

impl CpuStepper {
    /// The backend with the fastest kernel for this processor.
    pub fn new() -> Self {
        CpuStepper {
            kernel: Kernel::detect(),
        }
    }

    /// The backend with a chosen kernel (one of [`Kernel::available`]).
    pub fn with_kernel(kernel: Kernel) -> Self {
        CpuStepper { kernel }
    }

    /// The kernel it runs.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }
}

impl Stepper for CpuStepper {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn device(&self) -> String {
        format!("{} ({})", cpu_description(), self.kernel.name())
    }

    fn simulate(
        &mut self,
        run: &Run,
        currents: &[f64],
        each: &NeuronParams<'_>,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        check_inputs(run, currents, each)?;
        let params = run.params();
        let constants = run.constants();
        let kernel = self.kernel;
        let method = run.method();
        let exact = ExactConstants::new(params);
        let mut counts = vec![0; currents.len()];
        counts
            .par_chunks_mut(NEURONS_PER_TASK)
            .zip(currents.par_chunks(NEURONS_PER_TASK))
            .enumerate()
            .for_each(|(task, (counts, currents))| {
                let first = task * NEURONS_PER_TASK;
                let each = each.slice(first..first + currents.len());
                if method == Method::Exact && each.is_shared() {
                    let blocks = counts.chunks_mut(LANES).zip(currents.chunks(LANES));
                    for (counts, currents) in blocks {
                        let mut block = exact_block_at_rest(params, &exact, currents);
                        kernel.step_exact(&mut block, &exact, run.steps());
                        counts.copy_from_slice(&block.spike_count[..counts.len()]);
                    }
                } else if method == Method::Exact {
                    for (k, (count, &i)) in counts.iter_mut().zip(currents).enumerate() {
                        let (p, c) = if each.is_shared() {
                            (*params, exact)
                        } else {
                            let p = each.of(params, k);
                            (p, ExactConstants::new(&p))
                        };
                        let (gap_th, period) = c.inputs(&p, i);
                        let mut state = ExactState::at_rest(i as f32);
                        step_exact(&mut state, i as f32, gap_th, period, &c, run.steps());
                        *count = state.spike_count;
                    }
                } else {
                    let blocks = counts.chunks_mut(LANES).zip(currents.chunks(LANES));
                    for (b, (counts, currents)) in blocks.enumerate() {
                        let each = each.slice(b * LANES..b * LANES + currents.len());
                        let mut block = block_at_rest(params, &each, currents);
                        if each.is_shared() {
                            kernel.step(&mut block, constants, run.steps());
                        } else {
                            let lanes = lane_constants(params, &each, currents.len());
                            kernel.step_each(&mut block, &lanes, run.steps());
                        }
                        counts.copy_from_slice(&block.spike_count[..counts.len()]);
                    }
                }
                progress(currents.len() as u64 * u64::from(run.steps()));
            });
        Ok(counts)
    }
}

/// An exact-method block at rest for (up to [`LANES`]) float64 currents.
fn exact_block_at_rest(params: &LifParams, c: &ExactConstants, currents: &[f64]) -> ExactBlock {
    let mut current = [0.0f32; LANES];
    let mut gap_th = [0.0f32; LANES];
    let mut period = [0.0f32; LANES];
    for (lane, &i) in currents.iter().enumerate() {
        current[lane] = i as f32;
        (gap_th[lane], period[lane]) = c.inputs(params, i);
    }
    let n = currents.len();
    ExactBlock::at_rest(&current[..n], &gap_th[..n], &period[..n])
}

/// Each lane's Euler constants from its own parameters; idle lanes get the shared ones.
fn lane_constants(params: &LifParams, each: &NeuronParams<'_>, len: usize) -> LaneConstants {
    let shared = EulerConstants::new(params);
    let mut lanes = LaneConstants {
        decay: [shared.decay; LANES],
        frozen_steps: [shared.frozen_steps; LANES],
    };
    for lane in 0..len {
        let own = EulerConstants::new(&each.of(params, lane));
        lanes.decay[lane] = own.decay;
        lanes.frozen_steps[lane] = own.frozen_steps;
    }
    lanes
}

/// A block at rest for (up to [`LANES`]) float64 currents, its inputs formed as
/// [`NeuronInputs`](crate::params::NeuronInputs) forms them.
fn block_at_rest(params: &LifParams, each: &NeuronParams<'_>, currents: &[f64]) -> Block {
    let mut current = [0.0f32; LANES];
    let mut gap_th = [0.0f32; LANES];
    for (lane, &i) in currents.iter().enumerate() {
        current[lane] = i as f32;
        gap_th[lane] = if each.is_shared() {
            params.gap_threshold(i)
        } else {
            each.of(params, lane).gap_threshold(i)
        };
    }
    Block::at_rest(&current[..currents.len()], &gap_th[..currents.len()])
}

/// A population of neurons on the CPU with the same life cycle as
/// [`crate::GpuPopulation`]: inputs that may change between runs of steps, state that
/// persists, counts that accumulate. Its counts are bit-identical to a `GpuPopulation`
/// given the same parameters, currents and steps.
///
/// It runs the Euler method with shared parameters (the block kernel); the exact method
/// and per-neuron parameters run on the CPU through [`CpuStepper`].
#[derive(Clone, Debug)]
pub struct CpuPopulation {
    params: LifParams,
    constants: EulerConstants,
    kernel: Kernel,
    len: usize,
    blocks: Vec<Block>,
}

impl CpuPopulation {
    /// A population with one neuron per entry of `currents` (model units), at rest.
    pub fn new(params: &LifParams, currents: &[f64]) -> Result<Self> {
        Self::with_kernel(params, currents, Kernel::detect())
    }

    /// [`CpuPopulation::new`] with a chosen kernel (one of [`Kernel::available`]).
    pub fn with_kernel(params: &LifParams, currents: &[f64], kernel: Kernel) -> Result<Self> {
        params.validate()?;
        if currents.is_empty() {
            return Err(Error::parameter("neurons", 0usize, "at least 1"));
        }
        for &current in currents {
            validate_current("currents", current)?;
        }
        let blocks = currents
            .par_chunks(LANES)
            .map(|currents| block_at_rest(params, &NeuronParams::SHARED, currents))
            .collect();
        Ok(CpuPopulation {
            params: *params,
            constants: EulerConstants::new(params),
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

    /// New input currents, one per neuron, for the steps that follow. Each neuron's
    /// voltage carries over unchanged (its gap moves by the change in current), as
    /// [`crate::GpuPopulation::write_currents`] does.
    pub fn write_currents(&mut self, currents: &[f64]) -> Result<()> {
        check_len("currents", currents.len(), self.len)?;
        for &current in currents {
            validate_current("currents", current)?;
        }
        let params = self.params;
        self.blocks
            .par_iter_mut()
            .zip(currents.par_chunks(LANES))
            .for_each(|(block, currents)| {
                for (lane, &i) in currents.iter().enumerate() {
                    block.current[lane] = i as f32;
                    block.gap_th[lane] = params.gap_threshold(i);
                }
            });
        Ok(())
    }

    /// Advances every neuron by `steps` steps on all of rayon's threads.
    pub fn step(&mut self, steps: u32) {
        let (kernel, constants) = (self.kernel, self.constants);
        self.blocks
            .par_iter_mut()
            .with_min_len(NEURONS_PER_TASK / LANES)
            .for_each(|block| kernel.step(block, &constants, steps));
    }

    /// Every neuron back to rest (`v = 0`, not refractory) under its current input,
    /// with no spikes counted.
    pub fn reset(&mut self) {
        for block in &mut self.blocks {
            block.gap = block.current;
            block.drive = block.current;
            block.refractory_left = [0; LANES];
            block.spike_count = [0; LANES];
            block.spiked = [0; LANES];
        }
    }

    /// Spike counts back to zero; the neurons' state is kept.
    pub fn clear_counts(&mut self) {
        for block in &mut self.blocks {
            block.spike_count = [0; LANES];
        }
    }

    /// Spikes of each neuron since the start or the last reset or clear.
    pub fn counts(&self) -> Vec<u32> {
        self.gather(|block| &block.spike_count)
    }

    /// 1 for each neuron that spiked on the last step, else 0.
    pub fn spiked(&self) -> Vec<u32> {
        self.gather(|block| &block.spiked)
    }

    /// Each neuron's membrane voltage, `v = I − u`, with the current its gap is
    /// measured from.
    pub fn voltages(&self) -> Vec<f32> {
        let mut voltages: Vec<f32> = self
            .blocks
            .iter()
            .flat_map(|block| {
                std::array::from_fn::<f32, LANES, _>(|lane| block.drive[lane] - block.gap[lane])
            })
            .collect();
        voltages.truncate(self.len);
        voltages
    }

    /// Each neuron's state.
    pub fn states(&self) -> Vec<NeuronState> {
        let mut states: Vec<NeuronState> = self
            .blocks
            .iter()
            .flat_map(|block| {
                (0..LANES).map(|lane| NeuronState {
                    gap: block.gap[lane],
                    refractory_left: block.refractory_left[lane],
                    spike_count: block.spike_count[lane],
                })
            })
            .collect();
        states.truncate(self.len);
        states
    }

    fn gather<T: Copy>(&self, field: impl Fn(&Block) -> &[T; LANES]) -> Vec<T> {
        let mut values: Vec<T> = self.blocks.iter().flat_map(|b| *field(b)).collect();
        values.truncate(self.len);
        values
    }
}

/// The error for a slice of the wrong length.
fn check_len(name: &'static str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::parameter(
            name,
            got,
            format!("one value per neuron, {expected}"),
        ))
    }
}
