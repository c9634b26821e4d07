//! The GPU as a [`Stepper`]: populations in batches, steps in submissions.

use std::time::Instant;

use super::context::GpuContext;
use super::pipeline::LifPipeline;
use super::population::{GpuPopulation, PopulationDesc, PopulationOptions};
use crate::backend::{BackendKind, Progress, Stepper, check_inputs};
use crate::error::Result;
use crate::params::{NeuronParams, Run};

/// Neurons per batch unless the device's storage binding limit is smaller: 2²⁴ neurons
/// take 448 MiB of GPU memory across the seven per-neuron buffers of a homogeneous Euler
/// population (512 MiB exact; 256 MiB more with per-neuron parameters).
pub const DEFAULT_MAX_BATCH_NEURONS: usize = 1 << 24;

/// How long one dispatch should run once the device's speed is known: long enough that
/// launching it costs little, short enough that no driver watchdog (about 2 s on
/// desktops) comes near and progress is reported often.
pub const TARGET_DISPATCH_SECONDS: f64 = 0.05;

/// The fewest steps a tuned dispatch advances: each dispatch reads and writes every
/// neuron's state once (28 bytes), which fewer steps would not amortise.
pub const MIN_STEPS_PER_DISPATCH: u32 = 16;

/// Dispatches per submission, once the device's speed is known: the unit of progress
/// reports. Two submissions are in flight at a time so that the GPU never waits for the
/// host.
pub const DISPATCHES_PER_SUBMISSION: u32 = 8;

/// A timing shorter than this says more about launch overhead than about the device.
const CALIBRATION_SECONDS: f64 = 0.005;

/// Tuning for a [`GpuStepper`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuOptions {
    /// The most neurons simulated at once; larger sweeps run in batches. Also capped by
    /// the device's `max_storage_buffer_binding_size`.
    pub max_batch_neurons: usize,
    /// Tuning of each batch's population. With `max_steps_per_dispatch` left `None`,
    /// the stepper measures the device and sizes dispatches to
    /// [`TARGET_DISPATCH_SECONDS`].
    pub population: PopulationOptions,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions {
            max_batch_neurons: DEFAULT_MAX_BATCH_NEURONS,
            population: PopulationOptions::default(),
        }
    }
}

/// The GPU backend on one device.
#[derive(Debug)]
pub struct GpuStepper {
    context: GpuContext,
    pipeline: LifPipeline,
    options: GpuOptions,
    /// Neuron-steps per second, once measured.
    throughput: Option<f64>,
}

impl GpuStepper {
    /// The backend on `context`'s device, with default tuning.
    pub fn new(context: GpuContext) -> Self {
        Self::with_options(context, GpuOptions::default())
    }

    /// The backend with explicit tuning.
    pub fn with_options(context: GpuContext, options: GpuOptions) -> Self {
        let pipeline = LifPipeline::new(&context.device);
        GpuStepper {
            context,
            pipeline,
            options,
            throughput: None,
        }
    }

    /// The device this backend runs on.
    pub fn context(&self) -> &GpuContext {
        &self.context
    }

    /// The compiled kernel, for populations made outside the stepper.
    pub fn pipeline(&self) -> &LifPipeline {
        &self.pipeline
    }

    /// The device's speed in neuron-steps per second, once a run has measured it.
    pub fn measured_throughput(&self) -> Option<f64> {
        self.throughput
    }

    /// Neurons per batch on this device.
    pub fn batch_neurons(&self) -> usize {
        let limits = self.context.device.limits();
        let binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            / 4;
        let binding = usize::try_from(binding).unwrap_or(usize::MAX);
        self.options.max_batch_neurons.clamp(1, binding.max(1))
    }

    /// A population of `run`'s neurons and method for `currents` on this stepper's
    /// device, at rest, with the parameters `each` gives per neuron.
    pub fn population(
        &self,
        run: &Run,
        currents: &[f64],
        each: &NeuronParams<'_>,
    ) -> Result<GpuPopulation> {
        let desc = PopulationDesc {
            params: run.params(),
            method: run.method(),
            each: *each,
            currents,
        };
        GpuPopulation::from_desc(
            &self.context.device,
            &self.pipeline,
            &desc,
            &self.options.population,
        )
    }

    /// Advances `population` (made on this stepper's device) by `steps` steps and waits
    /// until the GPU has done them, reporting progress after each submission.
    ///
    /// Unless the options fix the dispatch length, the first call measures the device:
    /// it runs the first steps in single-dispatch submissions of growing length until one
    /// takes a few milliseconds, then sizes every dispatch to
    /// [`TARGET_DISPATCH_SECONDS`]. The measured steps are steps of the run, not extra
    /// work.
    pub fn advance(
        &mut self,
        population: &mut GpuPopulation,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<()> {
        let neurons = population.len() as u64;
        let mut remaining = steps;
        let tuned = self.options.population.max_steps_per_dispatch.is_none();
        if tuned && self.throughput.is_none() {
            // The first submission pays for first use (shader compilation, buffer
            // initialisation) and is not timed; the others grow until one is long
            // enough to measure.
            let mut chunk = population.steps_per_dispatch();
            let mut first = true;
            while remaining > 0 {
                let steps = chunk.min(remaining);
                population.set_steps_per_dispatch(steps);
                let started = Instant::now();
                let submission = self.submit(population, steps);
                self.wait(submission)?;
                let seconds = started.elapsed().as_secs_f64();
                remaining -= steps;
                progress(u64::from(steps) * neurons);
                if !first && seconds >= CALIBRATION_SECONDS {
                    self.throughput = Some((u64::from(steps) * neurons) as f64 / seconds);
                    break;
                }
                if !first {
                    chunk = chunk.saturating_mul(4);
                }
                first = false;
            }
        }
        if let (true, Some(throughput)) = (tuned, self.throughput) {
            let chunk = throughput * TARGET_DISPATCH_SECONDS / neurons as f64;
            let chunk = chunk.clamp(f64::from(MIN_STEPS_PER_DISPATCH), f64::from(u32::MAX));
            population.set_steps_per_dispatch(chunk as u32);
        }
        // Whole dispatch chunks per submission, so that only the run's last submission
        // carries the dispatches of a remainder.
        let chunk = population.steps_per_dispatch();
        let steps_per_submission = chunk.saturating_mul(DISPATCHES_PER_SUBMISSION);
        let mut in_flight = None;
        while remaining > 0 {
            let steps = remaining.min(steps_per_submission);
            let submission = self.submit(population, steps);
            if let Some((previous, done)) = in_flight.replace((submission, steps)) {
                self.wait(previous)?;
                progress(u64::from(done) * neurons);
            }
            remaining -= steps;
        }
        if let Some((last, done)) = in_flight {
            self.wait(last)?;
            progress(u64::from(done) * neurons);
        }
        self.context.check_errors()
    }

    fn submit(&self, population: &GpuPopulation, steps: u32) -> wgpu::SubmissionIndex {
        let mut encoder =
            self.context
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("gpulif steps"),
                });
        population.encode_steps(&mut encoder, steps);
        self.context.queue.submit([encoder.finish()])
    }

    fn run_batch(
        &mut self,
        run: &Run,
        currents: &[f64],
        each: &NeuronParams<'_>,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        let mut population = self.population(run, currents, each)?;
        self.advance(&mut population, run.steps(), progress)?;
        let GpuContext { device, queue, .. } = &self.context;
        let counts = population.read_counts(device, queue)?;
        self.context.check_errors()?;
        Ok(counts)
    }

    fn wait(&self, submission: wgpu::SubmissionIndex) -> Result<()> {
        self.context.device.poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: None,
        })?;
        self.context.check_errors()
    }
}

impl Stepper for GpuStepper {
    fn kind(&self) -> BackendKind {
        BackendKind::Gpu
    }

    fn device(&self) -> String {
        self.context.summary().describe()
    }

    fn batch_neurons(&self) -> usize {
        GpuStepper::batch_neurons(self)
    }

    fn simulate(
        &mut self,
        run: &Run,
        currents: &[f64],
        each: &NeuronParams<'_>,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        check_inputs(run, currents, each)?;
        let mut counts = Vec::with_capacity(currents.len());
        let batch = self.batch_neurons();
        for (b, currents) in currents.chunks(batch).enumerate() {
            let each = each.slice(b * batch..b * batch + currents.len());
            counts.extend(self.run_batch(run, currents, &each, progress)?);
        }
        Ok(counts)
    }
}
