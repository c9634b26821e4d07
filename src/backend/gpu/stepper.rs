//! The GPU as a [`Stepper`]: [`GpuRunner`] populations on a device the library opened,
//! stepped in submissions sized to the device, in batches when a sweep is larger than
//! one population may be.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::context::GpuContext;
use super::layout::STIMULUS_WINDOW;
use super::pipeline::LifPipeline;
use super::population::{
    GpuPopulation, PopulationOptions, largest_buffer_per_neuron, map_blocking,
};
use crate::backend::{BackendKind, Population, Progress, StepSink, Stepper, check_stop};
use crate::error::Result;
use crate::input::PopulationDesc;
use crate::model::params::{Method, NeuronParams};

/// Neurons per batch unless the device's storage binding limit is smaller: 2²⁴ neurons
/// take 448 MiB of GPU memory across the seven per-neuron buffers of a homogeneous Euler
/// population (512 MiB exact; 512 MiB more with per-neuron parameters).
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

/// Steps recorded per submission by [`GpuRunner`]'s `record`.
const RECORDED_STEPS_PER_SUBMISSION: u32 = 1024;

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

/// The device's measured speed in neuron-steps per second, shared by a stepper and the
/// populations it made.
type Throughput = Arc<Mutex<Option<f64>>>;

/// The GPU backend on one device. Cloning it is cheap: the clones share the device,
/// the compiled kernels and the measured throughput.
#[derive(Clone, Debug)]
pub struct GpuStepper {
    context: GpuContext,
    pipeline: LifPipeline,
    options: GpuOptions,
    throughput: Throughput,
}

impl GpuStepper {
    /// The backend on `context`'s device, with default tuning.
    ///
    /// # Panics
    ///
    /// As [`LifPipeline::new`]; [`GpuStepper::try_new`] returns the error instead.
    pub fn new(context: GpuContext) -> Self {
        Self::with_options(context, GpuOptions::default())
    }

    /// The backend on `context`'s device, or why its kernels cannot run there.
    pub fn try_new(context: GpuContext) -> Result<Self> {
        Self::try_with_options(context, GpuOptions::default())
    }

    /// The backend with explicit tuning.
    ///
    /// # Panics
    ///
    /// As [`LifPipeline::new`].
    pub fn with_options(context: GpuContext, options: GpuOptions) -> Self {
        Self::try_with_options(context, options).unwrap_or_else(|error| panic!("gpulif: {error}"))
    }

    /// The backend with explicit tuning, or why its kernels cannot run there.
    pub fn try_with_options(context: GpuContext, options: GpuOptions) -> Result<Self> {
        let pipeline = LifPipeline::try_new(&context.device)?;
        Ok(GpuStepper {
            context,
            pipeline,
            options,
            throughput: Arc::new(Mutex::new(None)),
        })
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
        *self.throughput.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Neurons per batch on this device for the largest population of any method: the
    /// options' cap, and the device's binding limit for a population with per-neuron
    /// parameters.
    pub fn batch_neurons(&self) -> usize {
        self.batch_for(largest_buffer_per_neuron(
            Method::Exact,
            &NeuronParams::SHARED,
        ))
    }

    fn batch_for(&self, bytes_per_neuron: u64) -> usize {
        let limits = self.context.device.limits();
        let binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            / bytes_per_neuron;
        let binding = usize::try_from(binding).unwrap_or(usize::MAX);
        self.options.max_batch_neurons.clamp(1, binding.max(1))
    }

    /// The population `desc` describes on this stepper's device, at rest, for a host
    /// that records its work into encoders of its own.
    pub fn gpu_population(&self, desc: &PopulationDesc<'_>) -> Result<GpuPopulation> {
        let population = GpuPopulation::from_desc(
            &self.context.device,
            &self.pipeline,
            desc,
            &self.options.population,
        );
        self.context.explain(population)
    }

    /// The population `desc` describes as a [`Population`] the library steps and reads
    /// by itself, with this stepper's device and tuning, writing the stimulus's windows
    /// as it goes: what [`Stepper::population`] makes, with its type.
    pub fn runner(&self, desc: &PopulationDesc<'_>) -> Result<GpuRunner> {
        Ok(GpuRunner {
            population: self.gpu_population(desc)?,
            context: self.context.clone(),
            tuned: self.options.population.max_steps_per_dispatch.is_none(),
            throughput: Arc::clone(&self.throughput),
            stimulus: crate::input::lower::stimulus_signal(desc),
            clock: 0,
            by_period: desc.is_countable(),
        })
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
        let tuned = self.options.population.max_steps_per_dispatch.is_none();
        advance(
            &self.context,
            &self.throughput,
            tuned,
            population,
            steps,
            progress,
        )
    }
}

/// See [`GpuStepper::advance`].
fn advance(
    context: &GpuContext,
    throughput: &Throughput,
    tuned: bool,
    population: &mut GpuPopulation,
    steps: u32,
    progress: Progress<'_>,
) -> Result<()> {
    let neurons = population.len() as u64;
    let mut remaining = steps;
    let measured = || *throughput.lock().unwrap_or_else(|e| e.into_inner());
    if tuned && measured().is_none() {
        // The first submission pays for first use (shader compilation, buffer
        // initialisation) and is not timed; the others grow until one is long enough
        // to measure.
        let mut chunk = population.steps_per_dispatch();
        let mut first = true;
        while remaining > 0 {
            check_stop(progress)?;
            let steps = chunk.min(remaining);
            population.set_steps_per_dispatch(steps);
            let started = Instant::now();
            let submission = submit(context, population, steps);
            wait(context, submission)?;
            let seconds = started.elapsed().as_secs_f64();
            remaining -= steps;
            progress.done(u64::from(steps) * neurons);
            if !first && seconds >= CALIBRATION_SECONDS {
                *throughput.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((u64::from(steps) * neurons) as f64 / seconds);
                break;
            }
            if !first {
                chunk = chunk.saturating_mul(4);
            }
            first = false;
        }
    }
    if let (true, Some(throughput)) = (tuned, measured()) {
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
        if progress.stop() {
            break;
        }
        let steps = remaining.min(steps_per_submission);
        let submission = submit(context, population, steps);
        if let Some((previous, done)) = in_flight.replace((submission, steps)) {
            wait(context, previous)?;
            progress.done(u64::from(done) * neurons);
        }
        remaining -= steps;
    }
    if let Some((last, done)) = in_flight {
        wait(context, last)?;
        progress.done(u64::from(done) * neurons);
    }
    context.check_errors()?;
    check_stop(progress)
}

fn submit(context: &GpuContext, population: &GpuPopulation, steps: u32) -> wgpu::SubmissionIndex {
    let mut encoder = context
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gpulif steps"),
        });
    population.encode_steps(&mut encoder, steps);
    context.queue.submit([encoder.finish()])
}

fn wait(context: &GpuContext, submission: wgpu::SubmissionIndex) -> Result<()> {
    let polled = context.device.poll(wgpu::PollType::Wait {
        submission_index: Some(submission),
        timeout: None,
    });
    context.explain(polled.map(drop).map_err(Into::into))
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

    fn population(&mut self, desc: &PopulationDesc<'_>) -> Result<Box<dyn Population>> {
        Ok(Box::new(self.runner(desc)?))
    }

    fn max_population(&self, desc: &PopulationDesc<'_>) -> usize {
        self.batch_for(super::population::largest_buffer_per_neuron_of(desc))
    }

    /// Every population it may count, of either method: one dispatch in which each
    /// invocation steps its neuron to its first spike (`shaders/count.wgsl`).
    fn counts_by_period(&self, desc: &PopulationDesc<'_>) -> bool {
        desc.is_countable()
    }

    /// In populations of at most [`Stepper::max_population`] neurons, each counted in
    /// one dispatch.
    fn count_by_period(
        &mut self,
        desc: &PopulationDesc<'_>,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        let batch = self.max_population(desc).max(1);
        let mut counts = Vec::with_capacity(desc.currents.len());
        for start in (0..desc.currents.len()).step_by(batch) {
            crate::backend::check_stop(progress)?;
            // A device lost since the last batch fails here, before buffers are made on
            // it.
            self.context.check_errors()?;
            let part = desc.slice(start..(start + batch).min(desc.currents.len()));
            let runner = self.runner(&part)?;
            runner.submit_and_wait(|encoder| {
                runner
                    .population
                    .encode_counts_from_rest(&self.context.device, encoder, steps)
            })?;
            progress.done(part.currents.len() as u64 * u64::from(steps));
            counts.extend(runner.counts()?);
        }
        Ok(counts)
    }
}

/// A [`GpuPopulation`] together with the device it lives on: a [`Population`] that
/// submits its own work and waits for it, made by [`GpuStepper::runner`]. The first run
/// of steps measures the device and sizes dispatches to [`TARGET_DISPATCH_SECONDS`],
/// unless the stepper's options fix them.
#[derive(Debug)]
pub struct GpuRunner {
    population: GpuPopulation,
    context: GpuContext,
    tuned: bool,
    throughput: Throughput,
    /// The stimulus, written to the population window by window.
    stimulus: Option<Arc<[f32]>>,
    /// Steps since the start or the last reset.
    clock: u64,
    /// Whether a run of steps is counted from each neuron's period
    /// ([`PopulationDesc::is_countable`]).
    by_period: bool,
}

impl GpuRunner {
    /// The population, for binding its buffers or recording its steps yourself.
    pub fn population(&self) -> &GpuPopulation {
        &self.population
    }

    /// The device it lives on.
    pub fn context(&self) -> &GpuContext {
        &self.context
    }

    /// Writes the stimulus of the next `steps` steps (at most a window) to the
    /// population.
    fn write_window(&self, stimulus: &[f32], steps: u32) -> Result<()> {
        let from = self.clock as usize;
        self.population.write_stimulus(
            &self.context.queue,
            self.clock,
            &stimulus[from..from + steps as usize],
        )
    }

    /// Runs `record` on a new encoder, submits it and waits; submits nothing when
    /// `record` fails (the error explained, as a lost device where it is one).
    fn submit_and_wait(
        &self,
        record: impl FnOnce(&mut wgpu::CommandEncoder) -> Result<()>,
    ) -> Result<()> {
        let mut encoder =
            self.context
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("gpulif"),
                });
        self.context.explain(record(&mut encoder))?;
        let submission = self.context.queue.submit([encoder.finish()]);
        wait(&self.context, submission)
    }
}

impl Population for GpuRunner {
    fn len(&self) -> usize {
        self.population.len()
    }

    fn method(&self) -> Method {
        self.population.method()
    }

    fn write_currents(&mut self, currents: &[f64]) -> Result<()> {
        self.population
            .write_currents(&self.context.queue, currents)?;
        self.context.check_errors()
    }

    /// One dispatch of [`GpuPopulation::encode_steps_by_period`] where
    /// [`Population::counts_by_period`], else stepped in submissions sized to the
    /// device.
    fn advance(&mut self, steps: u32, progress: Progress<'_>) -> Result<()> {
        if self.by_period {
            check_stop(progress)?;
            self.submit_and_wait(|encoder| {
                self.population
                    .encode_steps_by_period(&self.context.device, encoder, steps)
            })?;
            self.clock += u64::from(steps);
            progress.done(self.population.len() as u64 * u64::from(steps));
            return Ok(());
        }
        crate::input::check_stimulus_covers(
            self.stimulus.as_ref().map(|s| s.len()),
            self.clock,
            steps,
        )?;
        let mut remaining = steps;
        while remaining > 0 {
            let now = match self.stimulus.clone() {
                Some(stimulus) => {
                    let now = remaining.min(STIMULUS_WINDOW as u32);
                    self.write_window(&stimulus, now)?;
                    now
                }
                None => remaining,
            };
            advance(
                &self.context,
                &self.throughput,
                self.tuned,
                &mut self.population,
                now,
                progress,
            )?;
            self.clock += u64::from(now);
            remaining -= now;
        }
        Ok(())
    }

    fn counts_by_period(&self) -> bool {
        self.by_period
    }

    fn counts(&self) -> Result<Vec<u32>> {
        let GpuContext { device, queue, .. } = &self.context;
        self.context
            .explain(self.population.read_counts(device, queue))
    }

    fn spiked(&self) -> Result<Vec<u32>> {
        let GpuContext { device, queue, .. } = &self.context;
        self.context
            .explain(self.population.read_spiked(device, queue))
    }

    fn voltages(&self) -> Result<Vec<f64>> {
        let GpuContext { device, queue, .. } = &self.context;
        let voltages = self
            .context
            .explain(self.population.read_voltages(device, queue))?;
        Ok(voltages.into_iter().map(f64::from).collect())
    }

    fn reset(&mut self) -> Result<()> {
        self.clock = 0;
        self.submit_and_wait(|encoder| {
            self.population.reset(encoder);
            Ok(())
        })
    }

    fn clear_counts(&mut self) -> Result<()> {
        self.submit_and_wait(|encoder| {
            self.population.clear_counts(encoder);
            Ok(())
        })
    }

    /// One dispatch per step, each followed by copies of the gap, the drive and the
    /// spikes into recording buffers on the device; read back every
    /// 1,024 steps.
    fn record(&mut self, steps: u32, sink: StepSink<'_>) -> Result<()> {
        let (device, queue) = (&self.context.device, &self.context.queue);
        let neurons = self.population.len();
        let row = (neurons * 4) as u64;
        let chunk = steps.min(RECORDED_STEPS_PER_SUBMISSION);
        let recording = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("gpulif recording"),
            size: 3 * row * u64::from(chunk),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        crate::input::check_stimulus_covers(
            self.stimulus.as_ref().map(|s| s.len()),
            self.clock,
            steps,
        )?;
        let mut step = 0;
        while step < steps {
            let end = steps.min(step + chunk);
            if let Some(stimulus) = self.stimulus.clone() {
                self.write_window(&stimulus, end - step)?;
            }
            let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("gpulif record"),
            });
            let population = &self.population;
            for k in 0..end - step {
                population.encode_steps(&mut encoder, 1);
                let at = 3 * u64::from(k) * row;
                encoder.copy_buffer_to_buffer(population.gap_buffer(), 0, &recording, at, row);
                encoder.copy_buffer_to_buffer(
                    population.drive_buffer(),
                    0,
                    &recording,
                    at + row,
                    row,
                );
                encoder.copy_buffer_to_buffer(
                    population.spiked_buffer(),
                    0,
                    &recording,
                    at + 2 * row,
                    row,
                );
            }
            queue.submit([encoder.finish()]);
            let size = 3 * row * u64::from(end - step);
            self.context
                .explain(map_blocking(device, &recording.slice(..size)))?;
            {
                let view = recording
                    .slice(..size)
                    .get_mapped_range()
                    .map_err(|e| crate::Error::Gpu(e.to_string()))?;
                for (k, sample) in view.chunks(3 * row as usize).enumerate() {
                    let (gap, rest) = sample.split_at(row as usize);
                    let (drive, spiked) = rest.split_at(row as usize);
                    let gap: Vec<f32> = bytemuck::pod_collect_to_vec(gap);
                    let drive: Vec<f32> = bytemuck::pod_collect_to_vec(drive);
                    let spiked: Vec<u32> = bytemuck::pod_collect_to_vec(spiked);
                    let voltages: Vec<f64> = drive
                        .iter()
                        .zip(&gap)
                        .map(|(i, u)| f64::from(i - u))
                        .collect();
                    sink(step + k as u32, &voltages, &spiked);
                }
            }
            recording.unmap();
            self.clock += u64::from(end - step);
            step = end;
        }
        Ok(())
    }
}
