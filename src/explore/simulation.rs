//! One run of the settings, stepped a frame's budget at a time on the renderer's
//! device or on the CPU.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use web_time::{Duration, Instant};

use super::{FRAME_BUDGET, MAX_IN_FLIGHT, PLOTTED, PROBE_WORK};
use crate::experiment::curve::CurveRun;
use crate::{CpuPopulation, GpuPopulation, LifPipeline, Readback, Readings, Readout};

/// Where the neurons are stepped.
#[allow(
    clippy::large_enum_variant,
    reason = "one per window; on the web wgpu's handles are larger"
)]
pub enum Engine {
    /// The renderer's device, through the embedding API.
    Gpu {
        /// The renderer's device.
        device: wgpu::Device,
        /// Its queue.
        queue: wgpu::Queue,
        /// gpulif's kernels, built on `device`.
        pipeline: LifPipeline,
        /// The adapter as the window names it.
        adapter: String,
    },
    /// The CPU backend, when there is no GPU renderer.
    Cpu,
}

/// A population on its way: the device's verdict on its buffers is awaited (at once
/// natively; a frame or two later in a browser).
type Building = Pin<Box<dyn Future<Output = crate::Result<GpuPopulation>>>>;

pub(crate) enum Population {
    Building(Building),
    Gpu(Box<GpuPopulation>),
    Cpu(CpuPopulation),
}

/// One run of the current settings.
pub struct Simulation {
    pub(crate) run: CurveRun,
    pub(crate) currents: Vec<f64>,
    /// The analytic rate at the plotted neurons.
    pub(crate) analytic: Vec<[f64; 2]>,
    pub(crate) population: Population,
    /// Steps recorded so far, and the steps the counts in hand are at.
    pub(crate) recorded: u32,
    pub(crate) counted: u32,
    pub(crate) counts: Vec<u32>,
    /// Readbacks on their way, oldest first, each with the steps it is at.
    pub(crate) in_flight: std::collections::VecDeque<(Readback, u32)>,
    /// The steps that measure the device's throughput, when they were sent, until
    /// their counts arrive (in a browser, where nothing may wait for the device).
    pub(crate) probe: Option<(Instant, u32)>,
    pub(crate) started: Instant,
    pub(crate) finished: Option<Duration>,
    pub(crate) frames: u32,
    /// Whether the run is counted from the neurons' periods in one go (constant
    /// currents alone drive them), as `gpulif curve` counts it, rather than stepped a
    /// frame's budget at a time.
    pub(crate) by_period: bool,
}

impl Simulation {
    /// A run of `run` (its currents `currents`) on `population`.
    pub(crate) fn new(run: CurveRun, currents: Vec<f64>, population: Population) -> Self {
        let analytic = Self::plotted(currents.len())
            .map(|k| [currents[k], run.analytic().rate(currents[k])])
            .collect();
        let by_period = run.desc(0, &currents).is_countable();
        Simulation {
            counts: vec![0; currents.len()],
            run,
            currents,
            analytic,
            population,
            recorded: 0,
            counted: 0,
            in_flight: Default::default(),
            probe: None,
            started: Instant::now(),
            finished: None,
            frames: 0,
            by_period,
        }
    }

    /// The run's steps.
    pub fn steps(&self) -> u32 {
        self.run.run().steps()
    }

    /// True once every count is in hand.
    pub fn is_complete(&self) -> bool {
        self.counted == self.steps()
    }

    /// The counts in hand, one per neuron.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// The steps the counts in hand are at.
    pub fn counted(&self) -> u32 {
        self.counted
    }

    /// How long the run took from its start to its last count, once complete.
    pub fn finished(&self) -> Option<Duration> {
        self.finished
    }

    /// The frames the run has been advanced in.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// The run, as the library validated it.
    pub fn run(&self) -> &CurveRun {
        &self.run
    }

    /// The plotted neurons: every one, or [`PLOTTED`] spread evenly.
    pub(crate) fn plotted(neurons: usize) -> impl Iterator<Item = usize> {
        let shown = neurons.min(PLOTTED);
        (0..shown).map(move |k| {
            if shown == 1 {
                0
            } else {
                k * (neurons - 1) / (shown - 1)
            }
        })
    }

    pub(crate) fn rates(&self) -> Vec<[f64; 2]> {
        if self.counted == 0 {
            return Vec::new();
        }
        let seconds = f64::from(self.counted) * self.run.run().params().dt;
        Self::plotted(self.currents.len())
            .map(|k| [self.currents[k], f64::from(self.counts[k]) / seconds])
            .collect()
    }

    /// Polls a population being built, `wake` called when it can go on; true once it
    /// is built. Natively the first poll finishes it.
    pub(crate) fn poll_build(&mut self, wake: &Waker) -> crate::Result<bool> {
        let Population::Building(building) = &mut self.population else {
            return Ok(true);
        };
        match building.as_mut().poll(&mut Context::from_waker(wake)) {
            Poll::Ready(population) => {
                self.population = Population::Gpu(Box::new(population?));
                Ok(true)
            }
            Poll::Pending => Ok(false),
        }
    }

    /// Records the next steps and takes the counts that came back. The first call of a
    /// run measures the device's throughput (`throughput`, neuron-steps per second,
    /// which sizes the next frames' steps): natively it waits for its steps; in a
    /// browser, the next steps wait for its counts. Every other call returns at once.
    ///
    /// Returns whether the next frame should follow at once. Natively it always
    /// should: the frames poll the device. In a browser, a frame while everything
    /// waits on the device would only queue drawing ahead of the neurons' work (on a
    /// software adapter each frame costs as much as a run), so `wake` is called
    /// instead when a population is built or counts arrive.
    pub(crate) fn advance(
        &mut self,
        engine: &Engine,
        throughput: &mut Option<f64>,
        frame_time: Option<Duration>,
        wake: &Waker,
    ) -> crate::Result<bool> {
        self.frames += 1;
        if !self.poll_build(wake)? {
            return Ok(cfg!(not(target_arch = "wasm32")));
        }
        let mut again = true;
        let total = self.steps();
        let neurons = self.currents.len() as f64;
        let budget = FRAME_BUDGET.max(frame_time.unwrap_or_default() / 2);
        let chunk_for =
            |rate: f64| (rate * budget.as_secs_f64() / neurons).clamp(1.0, f64::from(total)) as u32;
        match (&mut self.population, engine) {
            (Population::Gpu(population), Engine::Gpu { device, queue, .. }) => {
                // Polling completes readbacks without blocking the frame.
                let _ = device.poll(wgpu::PollType::Poll);
                while let Some((readback, at)) = self.in_flight.front() {
                    let Some(readings) = readback.try_take() else {
                        break;
                    };
                    if let Readings::Counts(counts) = readings? {
                        self.counts = counts;
                        self.counted = *at;
                    }
                    self.in_flight.pop_front();
                }
                if let Some((sent, steps)) = self.probe
                    && self.counted >= steps
                {
                    *throughput = Some(f64::from(steps) * neurons / sent.elapsed().as_secs_f64());
                    self.probe = None;
                }
                if self.by_period && self.recorded == 0 {
                    // The whole run at once, counted from each neuron's period: one
                    // dispatch whose cost is the neurons' first intervals, not the
                    // steps; the counts arrive a frame or two later.
                    let mut encoder = device.create_command_encoder(&Default::default());
                    population.encode_counts_from_rest(device, &mut encoder, total)?;
                    let readback =
                        population.encode_readback(device, &mut encoder, Readout::Counts);
                    queue.submit([encoder.finish()]);
                    readback.map_then(woken(wake));
                    self.recorded = total;
                    self.in_flight.push_back((readback, total));
                }
                let measuring = self.probe.is_some() && throughput.is_none();
                if self.in_flight.len() < MAX_IN_FLIGHT && self.recorded < total && !measuring {
                    // The first steps of each run measure the device's throughput.
                    let probe = self.recorded == 0;
                    let chunk = match *throughput {
                        Some(rate) => chunk_for(rate),
                        None => (PROBE_WORK as f64 / neurons).clamp(1.0, f64::from(total)) as u32,
                    };
                    #[cfg(target_arch = "wasm32")]
                    let chunk = chunk.max(total.div_ceil(super::MAX_READBACKS));
                    let steps = chunk.min(total - self.recorded);
                    let sent = Instant::now();
                    let mut encoder = device.create_command_encoder(&Default::default());
                    population.encode_steps(&mut encoder, steps);
                    let readback =
                        population.encode_readback(device, &mut encoder, Readout::Counts);
                    queue.submit([encoder.finish()]);
                    readback.map_then(woken(wake));
                    if probe {
                        #[cfg(not(target_arch = "wasm32"))]
                        {
                            device.poll(wgpu::PollType::wait_indefinitely())?;
                            let rate = f64::from(steps) * neurons / sent.elapsed().as_secs_f64();
                            *throughput = Some(rate);
                        }
                        #[cfg(target_arch = "wasm32")]
                        {
                            self.probe = Some((sent, steps));
                        }
                    }
                    self.recorded += steps;
                    self.in_flight.push_back((readback, self.recorded));
                }
                // More steps can be sent next frame, or everything waits on the device.
                again = cfg!(not(target_arch = "wasm32"))
                    || (self.in_flight.len() < MAX_IN_FLIGHT
                        && self.recorded < total
                        && self.probe.is_none());
            }
            (Population::Cpu(population), _) => {
                if self.by_period && self.recorded == 0 {
                    // The whole run at once, advanced from each neuron's period.
                    population.step(total);
                    self.recorded = total;
                    self.counts = population.counts();
                    self.counted = total;
                } else if self.recorded < total {
                    let steps = match *throughput {
                        Some(rate) => chunk_for(rate),
                        None => (PROBE_WORK as f64 / neurons).clamp(1.0, f64::from(total)) as u32,
                    }
                    .min(total - self.recorded);
                    let sent = Instant::now();
                    population.step(steps);
                    *throughput = Some(f64::from(steps) * neurons / sent.elapsed().as_secs_f64());
                    self.recorded += steps;
                    self.counts = population.counts();
                    self.counted = self.recorded;
                }
            }
            (Population::Gpu(_), Engine::Cpu) => unreachable!("a GPU population needs a device"),
            (Population::Building(_), _) => unreachable!("polled to the end above"),
        }
        if self.is_complete() && self.finished.is_none() {
            self.finished = Some(self.started.elapsed());
        }
        Ok(again)
    }
}

/// A callback that wakes `wake`'s task.
fn woken(wake: &Waker) -> impl FnOnce() + wgpu::WasmNotSend + 'static {
    let wake = wake.clone();
    move || wake.wake()
}
