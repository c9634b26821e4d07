//! One run of the settings, stepped a frame's budget at a time on the renderer's
//! device or on the CPU.

use std::time::{Duration, Instant};

use gpulif::experiment::curve::CurveRun;
use gpulif::{CpuPopulation, GpuPopulation, LifPipeline, Readback, Readings, Readout};

use super::{FRAME_BUDGET, MAX_IN_FLIGHT, PLOTTED, PROBE_WORK};

/// Where the neurons are stepped.
pub enum Engine {
    /// The renderer's device, through the embedding API.
    Gpu {
        device: wgpu::Device,
        queue: wgpu::Queue,
        pipeline: LifPipeline,
        adapter: String,
    },
    /// The CPU backend, when there is no GPU renderer.
    Cpu,
}

pub enum Population {
    Gpu(Box<GpuPopulation>),
    Cpu(CpuPopulation),
}

/// One run of the current settings.
pub struct Simulation {
    pub run: CurveRun,
    pub currents: Vec<f64>,
    /// The analytic rate at the plotted neurons.
    pub analytic: Vec<[f64; 2]>,
    pub population: Population,
    /// Steps recorded so far, and the steps the counts in hand are at.
    pub recorded: u32,
    pub counted: u32,
    pub counts: Vec<u32>,
    /// Readbacks on their way, oldest first, each with the steps it is at.
    pub in_flight: std::collections::VecDeque<(Readback, u32)>,
    pub started: Instant,
    pub finished: Option<Duration>,
    pub frames: u32,
    /// Whether the run is counted from the neurons' periods in one go (constant
    /// currents alone drive them), as `gpulif curve` counts it, rather than stepped a
    /// frame's budget at a time.
    pub by_period: bool,
}

impl Simulation {
    pub fn steps(&self) -> u32 {
        self.run.run().steps()
    }

    pub fn is_complete(&self) -> bool {
        self.counted == self.steps()
    }

    /// The plotted neurons: every one, or [`PLOTTED`] spread evenly.
    pub fn plotted(neurons: usize) -> impl Iterator<Item = usize> {
        let shown = neurons.min(PLOTTED);
        (0..shown).map(move |k| {
            if shown == 1 {
                0
            } else {
                k * (neurons - 1) / (shown - 1)
            }
        })
    }

    pub fn rates(&self) -> Vec<[f64; 2]> {
        if self.counted == 0 {
            return Vec::new();
        }
        let seconds = f64::from(self.counted) * self.run.run().params().dt;
        Self::plotted(self.currents.len())
            .map(|k| [self.currents[k], f64::from(self.counts[k]) / seconds])
            .collect()
    }

    /// Records the next steps and takes the counts that came back. The first call of a
    /// run waits for its steps, to measure the device's throughput (`throughput`,
    /// neuron-steps per second, which sizes the next frames' steps); every other call
    /// returns at once.
    pub fn advance(
        &mut self,
        engine: &Engine,
        throughput: &mut Option<f64>,
        frame_time: Option<Duration>,
    ) -> gpulif::Result<()> {
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
                if self.by_period && self.recorded == 0 {
                    // The whole run at once, counted from each neuron's period: one
                    // dispatch whose cost is the neurons' first intervals, not the
                    // steps; the counts arrive a frame or two later.
                    let mut encoder = device.create_command_encoder(&Default::default());
                    population.encode_counts_from_rest(device, &mut encoder, total)?;
                    let readback =
                        population.encode_readback(device, &mut encoder, Readout::Counts);
                    queue.submit([encoder.finish()]);
                    readback.map();
                    self.recorded = total;
                    self.in_flight.push_back((readback, total));
                }
                if self.in_flight.len() < MAX_IN_FLIGHT && self.recorded < total {
                    // The first steps of each run measure the device's throughput.
                    let probe = self.recorded == 0;
                    let chunk = match *throughput {
                        Some(rate) => chunk_for(rate),
                        None => (PROBE_WORK as f64 / neurons).clamp(1.0, f64::from(total)) as u32,
                    };
                    let steps = chunk.min(total - self.recorded);
                    let sent = Instant::now();
                    let mut encoder = device.create_command_encoder(&Default::default());
                    population.encode_steps(&mut encoder, steps);
                    let readback =
                        population.encode_readback(device, &mut encoder, Readout::Counts);
                    queue.submit([encoder.finish()]);
                    readback.map();
                    if probe {
                        device.poll(wgpu::PollType::wait_indefinitely())?;
                        let rate = f64::from(steps) * neurons / sent.elapsed().as_secs_f64();
                        *throughput = Some(rate);
                    }
                    self.recorded += steps;
                    self.in_flight.push_back((readback, self.recorded));
                }
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
        }
        self.frames += 1;
        if self.is_complete() && self.finished.is_none() {
            self.finished = Some(self.started.elapsed());
        }
        Ok(())
    }
}
