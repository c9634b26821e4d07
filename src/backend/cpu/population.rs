//! A population of neurons on the CPU: blocks of [`LANES`] neurons as struct of arrays,
//! stepped on all of rayon's threads by the [`Kernel`] the processor runs best.

use rayon::prelude::*;

use super::LANES;
use super::NEURONS_PER_TASK;
use super::exact_block::CountdownBlock;
use super::kernel::{Block, Kernel, LaneConstants};
use super::noisy_block::{Drive, NoisyLanes};
use crate::backend::{Population, Progress, check_stop};
use crate::error::Result;
use crate::input::lower::{Lowering, poisson_drive, stimulus_gain, stimulus_signal};
use crate::input::poisson::PoissonDrive;
use crate::input::{PopulationDesc, check_currents};
use crate::model::euler::{EulerConstants, NeuronState};
use crate::model::exact::{ExactLane, ExactTimes};
use crate::model::noise::{Noise, NoiseConstants};
use crate::model::params::{LifParams, Method, NeuronParams, OwnedNeuronParams};

/// A population of neurons on the CPU with the same life cycle as
/// [`crate::GpuPopulation`]: inputs that may change between runs of steps, state that
/// persists, counts that accumulate. Any method, shared or per-neuron parameters.
///
/// Its Euler counts, voltages and spike flags are bit-identical to a `GpuPopulation`
/// given the same parameters, currents and steps; so are its exact counts under
/// constant currents, and within one spike after a change of current (the exact
/// countdown is then formed with a float32 division, which a GPU may round otherwise).
#[derive(Clone, Debug)]
pub struct CpuPopulation {
    params: LifParams,
    method: Method,
    each: OwnedNeuronParams,
    kernel: Kernel,
    len: usize,
    /// The neurons in tasks of [`NEURONS_PER_TASK`], each a unit of rayon's work.
    tasks: Vec<Task>,
    noise: Noise,
    /// Poisson input, lowered, if any (its table boxed: a population stays small).
    poisson: Option<Box<PoissonDrive>>,
    /// The stimulus, one float32 value per step.
    stimulus: Option<std::sync::Arc<[f32]>>,
    /// Steps since the start or the last reset: the noise streams' counter.
    clock: u64,
    /// Whether a run of steps is counted from each neuron's period
    /// ([`PopulationDesc::is_countable`]).
    by_period: bool,
}

/// The blocks of up to [`NEURONS_PER_TASK`] neurons, by method; `lanes` holds each
/// block's per-lane constants when some parameter is given per neuron.
#[derive(Clone, Debug)]
enum Task {
    Euler {
        blocks: Vec<Block>,
        shared: EulerConstants,
        lanes: Option<Vec<LaneConstants>>,
    },
    Exact {
        blocks: Vec<CountdownBlock>,
        shared: ExactLane,
        lanes: Option<Vec<[ExactLane; LANES]>>,
    },
    /// Euler with noise or a stimulus: every block has its lanes' constants.
    Noisy {
        blocks: Vec<Block>,
        lanes: Vec<NoisyLanes>,
    },
}

/// Neuron-steps a task does between two looks at its progress sink: milliseconds of
/// work, so that a caller's request to stop is seen soon, and few enough looks that
/// they cost nothing.
const NEURON_STEPS_PER_CHUNK: u64 = 1 << 26;

impl Task {
    /// Neurons `first..first + currents.len()` of `desc`, at rest under `currents`
    /// (`first` a multiple of [`LANES`]).
    fn at_rest(
        desc: &PopulationDesc<'_>,
        lowering: &Lowering<'_>,
        first: usize,
        currents: &[f64],
    ) -> Task {
        let params = desc.params;
        let per_neuron = !desc.each.is_shared();
        let block_params = |b: usize| {
            let start = first + b * LANES;
            desc.each
                .slice(start..(start + LANES).min(first + currents.len()))
        };
        let blocks = currents.chunks(LANES).enumerate();
        match desc.method {
            Method::Euler if !desc.is_deterministic_constant() => {
                let blocks: Vec<Block> = blocks
                    .map(|(b, currents)| {
                        let (current, gap_th) = lane_inputs(lowering, first + b * LANES, currents);
                        let n = currents.len();
                        Block::at_rest(&current[..n], &gap_th[..n])
                    })
                    .collect();
                let lanes = (0..blocks.len())
                    .map(|b| {
                        let start = first + b * LANES;
                        let len = LANES.min(first + currents.len() - start);
                        NoisyLanes::new(desc.first_index + start as u64, len, |lane| {
                            let p = desc.each.of(params, start + lane);
                            let euler = EulerConstants::new(&p);
                            let noise = NoiseConstants::new(&desc.noise, &p);
                            let stimulus_gain = stimulus_gain(desc.stimulus, &p, start + lane);
                            (euler.decay, euler.frozen_steps, noise, stimulus_gain)
                        })
                    })
                    .collect();
                Task::Noisy { blocks, lanes }
            }
            Method::Euler => Task::Euler {
                blocks: blocks
                    .map(|(b, currents)| {
                        let (current, gap_th) = lane_inputs(lowering, first + b * LANES, currents);
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
            Method::Exact => Task::Exact {
                blocks: blocks
                    .map(|(b, currents)| {
                        let (current, times) = exact_inputs(lowering, first + b * LANES, currents);
                        CountdownBlock::at_rest(&current, &times)
                    })
                    .collect(),
                shared: ExactLane::new(params),
                lanes: per_neuron.then(|| {
                    (0..currents.len().div_ceil(LANES))
                        .map(|b| exact_lanes(params, &block_params(b)))
                        .collect()
                }),
            },
        }
    }

    /// New inputs for the task's neurons, the first of them neuron `first`.
    fn write_currents(&mut self, lowering: &Lowering<'_>, first: usize, currents: &[f64]) {
        let chunks = currents.chunks(LANES).enumerate();
        match self {
            Task::Euler { blocks, .. } | Task::Noisy { blocks, .. } => {
                for ((b, currents), block) in chunks.zip(blocks) {
                    let (current, gap_th) = lane_inputs(lowering, first + b * LANES, currents);
                    let n = currents.len();
                    block.current[..n].copy_from_slice(&current[..n]);
                    block.gap_th[..n].copy_from_slice(&gap_th[..n]);
                }
            }
            Task::Exact { blocks, .. } => {
                for ((b, currents), block) in chunks.zip(blocks) {
                    let (current, times) = exact_inputs(lowering, first + b * LANES, currents);
                    block.set_inputs(&current, &times);
                }
            }
        }
    }

    /// The spike counts of a task at rest after `steps` steps under its constant
    /// currents, counted from each neuron's period rather than stepped (the same
    /// counts): Euler blocks by [`Kernel::count_from_rest`], exact neurons by
    /// [`ExactTimes::spikes_from_rest`]. `None` for a noisy task, which must step.
    fn counts_from_rest(&self, kernel: Kernel, steps: u32) -> Option<Vec<u32>> {
        let counts = match self {
            Task::Noisy { .. } => return None,
            Task::Euler {
                blocks,
                shared,
                lanes: None,
            } => blocks
                .iter()
                .flat_map(|b| kernel.count_from_rest(b, shared, steps))
                .collect(),
            Task::Euler {
                blocks,
                lanes: Some(lanes),
                ..
            } => blocks
                .iter()
                .zip(lanes)
                .flat_map(|(b, lanes)| kernel.count_each_from_rest(b, lanes, steps))
                .collect(),
            Task::Exact { blocks, .. } => blocks
                .iter()
                .flat_map(|b| (0..LANES).map(|lane| b.times(lane).spikes_from_rest(steps)))
                .collect(),
        };
        Some(counts)
    }

    /// Advances every neuron of a task driven by constant currents alone by `steps`
    /// steps, counted from each neuron's period: [`Task::step`]'s state, bit for bit
    /// ([`Kernel::advance_by_period`], [`Kernel::advance_countdown_by_period`]).
    fn advance_by_period(&mut self, kernel: Kernel, steps: u32) {
        match self {
            Task::Noisy { .. } => unreachable!("a noisy population is stepped"),
            Task::Euler {
                blocks,
                shared,
                lanes: None,
            } => blocks
                .iter_mut()
                .for_each(|b| kernel.advance_by_period(b, shared, steps)),
            Task::Euler {
                blocks,
                lanes: Some(lanes),
                ..
            } => blocks
                .iter_mut()
                .zip(lanes.iter())
                .for_each(|(b, lanes)| kernel.advance_each_by_period(b, lanes, steps)),
            Task::Exact {
                blocks,
                shared,
                lanes: None,
            } => blocks
                .iter_mut()
                .for_each(|b| kernel.advance_countdown_by_period(b, |_| *shared, steps)),
            Task::Exact {
                blocks,
                lanes: Some(lanes),
                ..
            } => blocks.iter_mut().zip(lanes.iter()).for_each(|(b, lanes)| {
                kernel.advance_countdown_by_period(b, |lane| lanes[lane], steps)
            }),
        }
    }

    /// Advances every neuron of the task by `steps` steps, from step `clock`.
    fn step(&mut self, kernel: Kernel, drive: &Drive<'_>, clock: u64, steps: u32) {
        match self {
            Task::Noisy { blocks, lanes } => blocks
                .iter_mut()
                .zip(lanes.iter_mut())
                .for_each(|(b, lanes)| kernel.step_noisy(b, lanes, drive, clock, steps)),
            Task::Euler {
                blocks,
                shared,
                lanes: None,
            } => blocks
                .iter_mut()
                .for_each(|b| kernel.step(b, shared, steps)),
            Task::Euler {
                blocks,
                lanes: Some(lanes),
                ..
            } => blocks
                .iter_mut()
                .zip(lanes.iter())
                .for_each(|(b, lanes)| kernel.step_each(b, lanes, steps)),
            Task::Exact {
                blocks,
                shared,
                lanes: None,
            } => blocks
                .iter_mut()
                .for_each(|b| kernel.step_countdown(b, |_| *shared, steps)),
            Task::Exact {
                blocks,
                lanes: Some(lanes),
                ..
            } => blocks
                .iter_mut()
                .zip(lanes.iter())
                .for_each(|(b, lanes)| kernel.step_countdown(b, |lane| lanes[lane], steps)),
        }
    }

    /// [`Task::step`] in chunks of about [`NEURON_STEPS_PER_CHUNK`] neuron-steps,
    /// reporting each to `progress` and stopping before the next when it asks to stop.
    fn step_in_chunks(
        &mut self,
        kernel: Kernel,
        drive: &Drive<'_>,
        clock: u64,
        steps: u32,
        neurons: usize,
        progress: Progress<'_>,
    ) {
        let chunk = (NEURON_STEPS_PER_CHUNK / neurons.max(1) as u64).clamp(1, u64::from(u32::MAX));
        let mut done = 0;
        while done < steps {
            if progress.stop() {
                return;
            }
            let now = (steps - done).min(chunk as u32);
            self.step(kernel, drive, clock + u64::from(done), now);
            done += now;
            progress.done(neurons as u64 * u64::from(now));
        }
    }

    fn reset(&mut self) {
        if let Task::Noisy { lanes, .. } = self {
            lanes.iter_mut().for_each(|lanes| lanes.eta = [0.0; LANES]);
        }
        match self {
            Task::Euler { blocks, .. } | Task::Noisy { blocks, .. } => {
                blocks.iter_mut().for_each(|block| {
                    block.gap = block.current;
                    block.drive = block.current;
                    block.refractory_left = [0; LANES];
                    block.spike_count = [0; LANES];
                    block.spiked = [0; LANES];
                })
            }
            Task::Exact { blocks, .. } => blocks.iter_mut().for_each(CountdownBlock::reset),
        }
    }

    fn clear_counts(&mut self) {
        match self {
            Task::Euler { blocks, .. } | Task::Noisy { blocks, .. } => {
                blocks.iter_mut().for_each(|b| b.spike_count = [0; LANES])
            }
            Task::Exact { blocks, .. } => {
                blocks.iter_mut().for_each(|b| b.spike_count = [0; LANES])
            }
        }
    }

    /// One value per lane of every block, read by the method's accessor.
    fn gather<T: Copy>(
        &self,
        euler: impl Fn(&Block) -> [T; LANES],
        exact: impl Fn(&CountdownBlock) -> [T; LANES],
        out: &mut Vec<T>,
    ) {
        match self {
            Task::Euler { blocks, .. } | Task::Noisy { blocks, .. } => {
                out.extend(blocks.iter().flat_map(euler))
            }
            Task::Exact { blocks, .. } => out.extend(blocks.iter().flat_map(exact)),
        }
    }
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
        let lowering = Lowering::new(desc.method, desc.params, desc.each);
        let tasks = desc
            .currents
            .par_chunks(NEURONS_PER_TASK)
            .enumerate()
            .map(|(t, currents)| Task::at_rest(desc, &lowering, t * NEURONS_PER_TASK, currents))
            .collect();
        Ok(CpuPopulation {
            params: *desc.params,
            method: desc.method,
            each: OwnedNeuronParams::from(&desc.each),
            kernel,
            len: desc.currents.len(),
            tasks,
            noise: desc.noise,
            poisson: poisson_drive(desc).map(Box::new),
            stimulus: stimulus_signal(desc),
            clock: 0,
            by_period: desc.is_countable(),
        })
    }

    /// The spike counts of `desc`'s neurons after `steps` steps from rest: what a
    /// population made, advanced and read gives, computed task by task so that each
    /// task's neurons are made, stepped and counted while they are in cache, and
    /// memory stays small. Reports each task's neuron-steps as it ends.
    pub(crate) fn counts_after(
        desc: &PopulationDesc<'_>,
        kernel: Kernel,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        desc.validate()?;
        desc.check_stimulus_covers(0, steps)?;
        let lowering = Lowering::new(desc.method, desc.params, desc.each);
        let stimulus = stimulus_signal(desc);
        let poisson = poisson_drive(desc);
        let drive = Drive::new(&desc.noise, stimulus.as_deref(), poisson.as_ref());
        let mut counts = vec![0; desc.currents.len()];
        counts
            .par_chunks_mut(NEURONS_PER_TASK)
            .zip(desc.currents.par_chunks(NEURONS_PER_TASK))
            .enumerate()
            .for_each(|(t, (counts, currents))| {
                if progress.stop() {
                    return;
                }
                let mut task = Task::at_rest(desc, &lowering, t * NEURONS_PER_TASK, currents);
                if let Some(all) = desc
                    .is_countable()
                    .then(|| task.counts_from_rest(kernel, steps))
                    .flatten()
                {
                    counts.copy_from_slice(&all[..counts.len()]);
                    progress.done(currents.len() as u64 * u64::from(steps));
                    return;
                }
                task.step_in_chunks(kernel, &drive, 0, steps, currents.len(), progress);
                let mut all = Vec::with_capacity(currents.len().next_multiple_of(LANES));
                task.gather(|b| b.spike_count, |b| b.spike_count, &mut all);
                counts.copy_from_slice(&all[..counts.len()]);
            });
        check_stop(progress)?;
        Ok(counts)
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

    /// Whether its runs of steps are counted from each neuron's period rather than
    /// stepped every step, with the same state after them, bit for bit: for a
    /// population driven by constant currents alone whose description did not ask to
    /// step every step ([`PopulationDesc::is_countable`]).
    pub fn counts_by_period(&self) -> bool {
        self.by_period
    }

    /// New input currents, one per neuron, for the steps that follow. Each neuron's
    /// voltage carries over unchanged (its gap moves by the change in current), as
    /// [`crate::GpuPopulation::write_currents`] does.
    pub fn write_currents(&mut self, currents: &[f64]) -> Result<()> {
        check_currents(currents, self.len)?;
        let lowering = Lowering::new(self.method, &self.params, self.each.borrow());
        self.tasks
            .par_iter_mut()
            .zip(currents.par_chunks(NEURONS_PER_TASK))
            .enumerate()
            .for_each(|(t, (task, currents))| {
                task.write_currents(&lowering, t * NEURONS_PER_TASK, currents)
            });
        Ok(())
    }

    /// Advances every neuron by `steps` steps on all of rayon's threads: counted from
    /// each neuron's period where [`CpuPopulation::counts_by_period`], else stepped
    /// (the same state either way, bit for bit).
    ///
    /// # Panics
    ///
    /// If a stimulus ends before the last of these steps ([`Population::advance`]
    /// returns that as an error instead).
    pub fn step(&mut self, steps: u32) {
        if let Err(error) = self.step_reporting(steps, &|_| {}) {
            panic!("{error}");
        }
    }

    /// [`CpuPopulation::step`], reporting the neuron-steps of each task as it ends.
    fn step_reporting(&mut self, steps: u32, progress: Progress<'_>) -> Result<()> {
        crate::input::check_stimulus_covers(
            self.stimulus.as_ref().map(|s| s.len()),
            self.clock,
            steps,
        )?;
        let (kernel, len, clock) = (self.kernel, self.len, self.clock);
        let drive = Drive::new(
            &self.noise,
            self.stimulus.as_deref(),
            self.poisson.as_deref(),
        );
        let by_period = self.by_period;
        self.tasks.par_iter_mut().enumerate().for_each(|(t, task)| {
            let neurons = NEURONS_PER_TASK.min(len - t * NEURONS_PER_TASK);
            if !by_period {
                task.step_in_chunks(kernel, &drive, clock, steps, neurons, progress);
            } else if !progress.stop() {
                task.advance_by_period(kernel, steps);
                progress.done(neurons as u64 * u64::from(steps));
            }
        });
        self.clock += u64::from(steps);
        check_stop(progress)
    }

    /// Every neuron back to rest (`v = 0`, not refractory) under its current input,
    /// with no spikes counted.
    pub fn reset(&mut self) {
        self.tasks.iter_mut().for_each(Task::reset);
        self.clock = 0;
    }

    /// Spike counts back to zero; the neurons' state is kept.
    pub fn clear_counts(&mut self) {
        self.tasks.iter_mut().for_each(Task::clear_counts);
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
        let dt = self.params.dt;
        let steps_left = |seconds: f32| (f64::from(seconds) / dt).ceil() as u32;
        let gaps = self.gather(|b| b.gap, |b| b.gap);
        let counts = self.counts();
        let left = self.gather(|b| b.refractory_left, |b| b.refractory.map(steps_left));
        (0..self.len)
            .map(|k| NeuronState {
                gap: gaps[k],
                refractory_left: left[k],
                spike_count: counts[k],
            })
            .collect()
    }

    /// One value per neuron, read from each block by the method's accessor.
    fn gather<T: Copy>(
        &self,
        euler: impl Fn(&Block) -> [T; LANES],
        exact: impl Fn(&CountdownBlock) -> [T; LANES],
    ) -> Vec<T> {
        let mut values = Vec::with_capacity(self.len.next_multiple_of(LANES));
        for task in &self.tasks {
            task.gather(&euler, &exact, &mut values);
        }
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
        self.step_reporting(steps, progress)
    }

    fn counts_by_period(&self) -> bool {
        self.by_period
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

/// The inputs of the block whose first lane is neuron `first` (up to [`LANES`]
/// currents; the rest zero).
fn lane_inputs(
    lowering: &Lowering<'_>,
    first: usize,
    currents: &[f64],
) -> ([f32; LANES], [f32; LANES]) {
    let mut current = [0.0f32; LANES];
    let mut gap_th = [0.0f32; LANES];
    for (lane, &i) in currents.iter().enumerate() {
        let input = lowering.neuron(first + lane, i);
        (current[lane], gap_th[lane]) = (input.current, input.gap_th);
    }
    (current, gap_th)
}

/// The exact inputs of a block's neurons, the first of them neuron `first`.
fn exact_inputs(
    lowering: &Lowering<'_>,
    first: usize,
    currents: &[f64],
) -> (Vec<f32>, Vec<ExactTimes>) {
    currents
        .iter()
        .enumerate()
        .map(|(lane, &i)| {
            let input = lowering.neuron(first + lane, i);
            (input.current, input.times)
        })
        .unzip()
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
fn exact_lanes(params: &LifParams, each: &NeuronParams<'_>) -> [ExactLane; LANES] {
    let shared = ExactLane::new(params);
    let len = each_len(each);
    std::array::from_fn(|lane| {
        if lane < len {
            ExactLane::new(&each.of(params, lane))
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
