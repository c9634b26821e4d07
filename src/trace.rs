//! One neuron (or a few) followed step by step: the membrane voltage after every step
//! and the steps on which it fired, as the tutorial's `fullPlot` and `plotSpikes` draw
//! them.

use crate::backend::{BackendKind, Stepper};
use crate::cpu::reference::FirstOrderLif;
use crate::cpu::{ExactLif, ExactState, NeuronState, step_euler, step_exact};
use crate::error::{Error, Result};
use crate::gpu::{GpuContext, GpuPopulation, LifPipeline, PopulationDesc, PopulationOptions};
use crate::params::{ExactConstants, Method, NeuronInputs, NeuronParams, Run, validate_current};

/// The most samples (steps × neurons) one trace records: each is kept in memory and
/// becomes a row of the CSV output.
pub const MAX_TRACE_SAMPLES: u64 = 20_000_000;

/// Steps recorded per GPU submission.
const GPU_STEPS_PER_SUBMISSION: u32 = 1024;

/// Voltages and spikes of a few neurons, each under its own constant input, from rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    run: Run,
    currents: Vec<f64>,
    /// `voltages[n][k]`: neuron `n`'s voltage after step `k`.
    voltages: Vec<Vec<f64>>,
    /// The steps (0-based) on which each neuron fired.
    spikes: Vec<Vec<u32>>,
    backend: BackendKind,
    device: String,
}

/// Checks the currents and that the trace fits in [`MAX_TRACE_SAMPLES`].
fn check(run: &Run, currents: &[f64]) -> Result<()> {
    if currents.is_empty() {
        return Err(Error::parameter("current", 0usize, "at least one current"));
    }
    for &current in currents {
        validate_current("current", current)?;
    }
    let samples = u64::from(run.steps()) * currents.len() as u64;
    if samples > MAX_TRACE_SAMPLES {
        return Err(Error::parameter(
            "duration",
            run.duration(),
            format!(
                "at most {MAX_TRACE_SAMPLES} recorded steps over all currents: {} steps × {} \
                 currents is {samples} (use `gpulif curve` for counts alone)",
                run.steps(),
                currents.len()
            ),
        ));
    }
    Ok(())
}

impl Trace {
    /// The tutorial's neuron in float64 (`FirstOrderLif`), step by step.
    pub fn reference(run: &Run, currents: &[f64]) -> Result<Trace> {
        check(run, currents)?;
        let p = run.params();
        let mut voltages = Vec::with_capacity(currents.len());
        let mut spikes = Vec::with_capacity(currents.len());
        for &current in currents {
            let mut v = Vec::with_capacity(run.steps() as usize);
            let mut fired = Vec::new();
            match run.method() {
                Method::Euler => {
                    let mut neuron = FirstOrderLif::new(p);
                    for k in 0..run.steps() {
                        if neuron.step(current, p.dt) > 0.0 {
                            fired.push(k);
                        }
                        v.push(neuron.v);
                    }
                }
                Method::Exact => {
                    let mut neuron = ExactLif::new(p);
                    for k in 0..run.steps() {
                        let spikes = neuron.step(current);
                        fired.extend(std::iter::repeat_n(k, spikes as usize));
                        v.push(neuron.v);
                    }
                }
            }
            voltages.push(v);
            spikes.push(fired);
        }
        Ok(Trace {
            run: *run,
            currents: currents.to_vec(),
            voltages,
            spikes,
            backend: BackendKind::Reference,
            device: crate::cpu::ReferenceStepper.device(),
        })
    }

    /// The float32 kernel on the CPU, one step at a time; the voltage is `I − u`.
    pub fn cpu(run: &Run, currents: &[f64]) -> Result<Trace> {
        check(run, currents)?;
        let p = run.params();
        let inputs = NeuronInputs::new(p, currents);
        let constants = run.constants();
        let exact = ExactConstants::new(p);
        let mut voltages = Vec::with_capacity(currents.len());
        let mut spikes = Vec::with_capacity(currents.len());
        for (n, (&current, &gap_th)) in inputs.current.iter().zip(&inputs.gap_th).enumerate() {
            let mut v = Vec::with_capacity(run.steps() as usize);
            let mut fired = Vec::new();
            match run.method() {
                Method::Euler => {
                    let mut state = NeuronState::at_rest(current);
                    for k in 0..run.steps() {
                        let before = state.spike_count;
                        step_euler(&mut state, current, gap_th, constants, 1);
                        if state.spike_count != before {
                            fired.push(k);
                        }
                        v.push(f64::from(current - state.gap));
                    }
                }
                Method::Exact => {
                    let (gap_th, period) = exact.inputs(p, currents[n]);
                    let mut state = ExactState::at_rest(current);
                    for k in 0..run.steps() {
                        step_exact(&mut state, current, gap_th, period, &exact, 1);
                        fired.extend(std::iter::repeat_n(k, state.spiked as usize));
                        v.push(f64::from(current - state.gap));
                    }
                }
            }
            voltages.push(v);
            spikes.push(fired);
        }
        Ok(Trace {
            run: *run,
            currents: currents.to_vec(),
            voltages,
            spikes,
            backend: BackendKind::Cpu,
            device: crate::cpu::CpuStepper::with_kernel(crate::cpu::Kernel::Baseline).device(),
        })
    }

    /// The WGSL kernel on `context`'s device: one dispatch per step, each followed by a
    /// copy of the gap and the spike flags into a recording buffer.
    pub fn gpu(context: &GpuContext, run: &Run, currents: &[f64]) -> Result<Trace> {
        check(run, currents)?;
        let (device, queue) = (&context.device, &context.queue);
        let pipeline = LifPipeline::new(device);
        let desc = PopulationDesc {
            params: run.params(),
            method: run.method(),
            each: NeuronParams::SHARED,
            currents,
        };
        let population =
            GpuPopulation::from_desc(device, &pipeline, &desc, &PopulationOptions::default())?;
        let neurons = currents.len();
        let row = (neurons * 4) as u64;
        let steps = run.steps();
        let recording = |label| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: row * u64::from(steps),
                usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        };
        let gaps = recording("gpulif trace gaps");
        let flags = recording("gpulif trace spike flags");
        let mut step = 0;
        while step < steps {
            let end = steps.min(step + GPU_STEPS_PER_SUBMISSION);
            let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("gpulif trace"),
            });
            for k in step..end {
                population.encode_steps(&mut encoder, 1);
                let at = u64::from(k) * row;
                encoder.copy_buffer_to_buffer(population.gap_buffer(), 0, &gaps, at, row);
                encoder.copy_buffer_to_buffer(population.spiked_buffer(), 0, &flags, at, row);
            }
            queue.submit([encoder.finish()]);
            device.poll(wgpu::PollType::wait_indefinitely())?;
            context.check_errors()?;
            step = end;
        }
        let total = neurons * steps as usize;
        let gaps: Vec<f32> = crate::gpu::population::read_values(device, queue, &gaps, total)?;
        let flags: Vec<u32> = crate::gpu::population::read_values(device, queue, &flags, total)?;
        context.check_errors()?;
        let inputs = NeuronInputs::new(run.params(), currents);
        let voltages = (0..neurons)
            .map(|n| {
                (0..steps as usize)
                    .map(|k| f64::from(inputs.current[n] - gaps[k * neurons + n]))
                    .collect()
            })
            .collect();
        let spikes = (0..neurons)
            .map(|n| {
                (0..steps)
                    .filter(|&k| flags[k as usize * neurons + n] != 0)
                    .collect()
            })
            .collect();
        Ok(Trace {
            run: *run,
            currents: currents.to_vec(),
            voltages,
            spikes,
            backend: BackendKind::Gpu,
            device: context.summary().describe(),
        })
    }

    /// The run.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// The input currents, one neuron each.
    pub fn currents(&self) -> &[f64] {
        &self.currents
    }

    /// Neuron `n`'s voltage after each step.
    pub fn voltages(&self, n: usize) -> &[f64] {
        &self.voltages[n]
    }

    /// The steps (0-based) on which neuron `n` fired, a step repeated for each spike it
    /// holds (the exact method fires several times in a step when `tau_ref < dt`).
    pub fn spike_steps(&self, n: usize) -> &[u32] {
        &self.spikes[n]
    }

    /// The time at the end of step `k`, seconds: `(k + 1)·dt`.
    pub fn time(&self, k: u32) -> f64 {
        f64::from(k + 1) * self.run.params().dt
    }

    /// Spikes of neuron `n`.
    pub fn count(&self, n: usize) -> usize {
        self.spikes[n].len()
    }

    /// The backend that ran it.
    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The device it ran on.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The tutorial's sentence for neuron `n`, e.g. `An input of 1.1 produces 82 spikes
    /// in 20 seconds (4.10 Hz)`.
    pub fn sentence(&self, n: usize) -> String {
        let duration = self.run.duration();
        format!(
            "An input of {} produces {} spikes in {} seconds ({:.2} Hz)",
            self.currents[n],
            self.count(n),
            duration,
            self.count(n) as f64 / duration
        )
    }
}
