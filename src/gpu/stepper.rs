//! The GPU as a [`Stepper`]: populations in batches, steps in submissions.

use super::context::GpuContext;
use super::pipeline::LifPipeline;
use super::population::{GpuPopulation, PopulationOptions};
use crate::backend::{BackendKind, Progress, Stepper};
use crate::error::Result;
use crate::params::Run;

/// Neurons per batch unless the device's storage binding limit is smaller: 2²⁴ neurons
/// take 320 MiB of GPU memory across the five per-neuron buffers.
pub const DEFAULT_MAX_BATCH_NEURONS: usize = 1 << 24;

/// Neuron-steps per submission: the unit of progress reports. Two submissions are in
/// flight at a time so that the GPU never waits for the host.
pub const SUBMISSION_NEURON_STEPS: u64 = 1 << 30;

/// Tuning for a [`GpuStepper`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuOptions {
    /// The most neurons simulated at once; larger sweeps run in batches. Also capped by
    /// the device's `max_storage_buffer_binding_size`.
    pub max_batch_neurons: usize,
    /// Tuning of each batch's population.
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
        }
    }

    /// The device this backend runs on.
    pub fn context(&self) -> &GpuContext {
        &self.context
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

    fn run_batch(&self, run: &Run, currents: &[f64], progress: Progress<'_>) -> Result<Vec<u32>> {
        let GpuContext { device, queue, .. } = &self.context;
        let population = GpuPopulation::with_options(
            device,
            &self.pipeline,
            run.params(),
            currents,
            &self.options.population,
        )?;
        let neurons = currents.len() as u64;
        // Whole dispatch chunks per submission, so that only the run's last submission
        // carries the dispatches of a remainder.
        let chunk = u64::from(population.steps_per_dispatch());
        let steps_per_submission = ((SUBMISSION_NEURON_STEPS / neurons / chunk).max(1) * chunk)
            .min(u64::from(u32::MAX)) as u32;
        let mut in_flight = None;
        let mut remaining = run.steps();
        while remaining > 0 {
            let steps = remaining.min(steps_per_submission);
            let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("gpulif steps"),
            });
            population.encode_steps(&mut encoder, steps);
            let submission = queue.submit([encoder.finish()]);
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

    fn spike_counts(
        &mut self,
        run: &Run,
        currents: &[f64],
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        let mut counts = Vec::with_capacity(currents.len());
        for batch in currents.chunks(self.batch_neurons()) {
            counts.extend(self.run_batch(run, batch, progress)?);
        }
        Ok(counts)
    }
}
