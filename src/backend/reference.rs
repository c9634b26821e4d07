//! The float64 reference backend: the tutorial's neuron ([`FirstOrderLif`]) and the
//! exact method in float64 ([`ExactLif`]), one neuron at a time per thread. Plain and
//! slow on purpose: it is the oracle every other backend is tested against.

use rayon::prelude::*;

use crate::backend::cpu::{NEURONS_PER_TASK, cpu_description};
use crate::backend::{BackendKind, Population, Progress, Stepper, check_stop};
use crate::error::Result;
use crate::input::lower::poisson_drive;
use crate::input::poisson::PoissonDrive;
use crate::input::{PopulationDesc, check_currents};
use crate::model::exact::ExactLif;
use crate::model::noise::{self, Noise, Stream};
use crate::model::params::Method;
use crate::model::reference::{FirstOrderLif, spike_count_by_period};

/// The reference as a [`Stepper`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ReferenceStepper;

impl Stepper for ReferenceStepper {
    fn kind(&self) -> BackendKind {
        BackendKind::Reference
    }

    fn device(&self) -> String {
        format!("{} (float64)", cpu_description())
    }

    fn population(&mut self, desc: &PopulationDesc<'_>) -> Result<Box<dyn Population>> {
        Ok(Box::new(ReferencePopulation::new(desc)?))
    }

    /// Experiments run in populations of 2¹⁶ neurons (about 9 MiB of float64 state).
    fn max_population(&self, _desc: &PopulationDesc<'_>) -> usize {
        1 << 16
    }

    /// Euler populations driven by constant currents alone: the tutorial's neuron is
    /// in the same state after every spike. (The float64 exact neuron is not: its
    /// refractory time after a spike depends on where in the step the spike fell.)
    fn counts_by_period(&self, desc: &PopulationDesc<'_>) -> bool {
        desc.is_countable() && desc.method == Method::Euler
    }

    /// Each neuron stepped to its second spike and counted from its period
    /// ([`spike_count_by_period`]).
    fn count_by_period(
        &mut self,
        desc: &PopulationDesc<'_>,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        let counts = desc
            .currents
            .par_chunks(NEURONS_PER_TASK)
            .enumerate()
            .map(|(t, currents)| {
                let first = t * NEURONS_PER_TASK;
                let counts: Vec<u32> = currents
                    .iter()
                    .enumerate()
                    .map(|(k, &current)| {
                        let p = desc.each.of(desc.params, first + k);
                        spike_count_by_period(&p, current, steps)
                    })
                    .collect();
                progress.done(currents.len() as u64 * u64::from(steps));
                counts
            })
            .flatten()
            .collect();
        check_stop(progress)?;
        Ok(counts)
    }
}

/// One float64 neuron of either method.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Neuron {
    Euler(FirstOrderLif, f64),
    Exact(ExactLif),
}

/// What drives the float64 neurons besides their currents.
#[derive(Clone, Debug, Default)]
struct Drive {
    noise: Noise,
    /// Poisson input, if any.
    poisson: Option<PoissonDrive>,
    /// The stimulus, one value per step.
    stimulus: Option<Vec<f64>>,
    /// Each neuron's `(stimulus gain, global index)`.
    neurons: Vec<(f64, u64)>,
    /// Each neuron's Ornstein–Uhlenbeck current.
    eta: Vec<f64>,
}

/// A population of float64 neurons: the tutorial's class (Euler) or [`ExactLif`]
/// (exact), each with its own current, counted as the tutorial counts (a step whose
/// output is non-zero is a spike).
#[derive(Clone, Debug)]
pub struct ReferencePopulation {
    method: Method,
    neurons: Vec<Neuron>,
    currents: Vec<f64>,
    counts: Vec<u32>,
    spiked: Vec<u32>,
    drive: Drive,
    /// Steps since the start or the last reset.
    clock: u64,
}

impl ReferencePopulation {
    /// A population at rest.
    pub fn new(desc: &PopulationDesc<'_>) -> Result<Self> {
        desc.validate()?;
        let neurons: Vec<Neuron> = (0..desc.currents.len())
            .map(|k| {
                let p = desc.each.of(desc.params, k);
                match desc.method {
                    Method::Euler => Neuron::Euler(FirstOrderLif::new(&p), p.dt),
                    Method::Exact => Neuron::Exact(ExactLif::new(&p)),
                }
            })
            .collect();
        let len = neurons.len();
        let gain = |k: usize| desc.stimulus.and_then(|s| s.gain).map_or(1.0, |g| g[k]);
        Ok(ReferencePopulation {
            method: desc.method,
            neurons,
            currents: desc.currents.to_vec(),
            counts: vec![0; len],
            spiked: vec![0; len],
            drive: Drive {
                noise: desc.noise,
                poisson: poisson_drive(desc),
                stimulus: desc.stimulus.map(|s| s.values.to_vec()),
                neurons: (0..len)
                    .map(|k| (gain(k), desc.first_index + k as u64))
                    .collect(),
                eta: vec![0.0; len],
            },
            clock: 0,
        })
    }
}

/// One float64 neuron's noise, Poisson input and stimulus for the steps from `clock`.
struct NeuronDrive<'a> {
    noise: Noise,
    poisson: Option<PoissonDrive>,
    stimulus: Option<&'a [f64]>,
    gain: f64,
    index: u64,
    eta: &'a mut f64,
    clock: u64,
}

impl NeuronDrive<'_> {
    /// `steps` Euler–Maruyama steps of the tutorial's neuron under `current` plus the
    /// stimulus, the noise and the Poisson events (`weight` each, added to the voltage
    /// of a step that is not refractory), from step `clock`: the count after them and
    /// the last step's spikes.
    fn run(
        &mut self,
        neuron: &mut FirstOrderLif,
        dt: f64,
        current: f64,
        steps: u32,
        mut count: u32,
    ) -> (u32, u32) {
        let (noise, clock) = (self.noise, self.clock);
        let ratio = dt / neuron.tau_rc;
        let coloured = noise.is_coloured();
        let (ou_decay, ou_gain) = if coloured {
            let spread = noise.sigma * (neuron.tau_rc / (2.0 * noise.tau)).sqrt();
            if clock == 0 {
                let w = noise::words(noise.seed, self.index, 0, Stream::Start);
                *self.eta = spread * noise::normals_f64(w)[0];
            }
            (
                (-dt / noise.tau).exp(),
                spread * (-(-2.0 * dt / noise.tau).exp_m1()).sqrt(),
            )
        } else {
            (0.0, 0.0)
        };
        let white = if coloured {
            0.0
        } else {
            noise.sigma * ratio.sqrt()
        };
        let mut z = [0.0; 4];
        let mut events = [0; 4];
        let mut last = 0;
        for s in 0..u64::from(steps) {
            let t = clock + s;
            if noise.is_on() && (s == 0 || t % 4 == 0) {
                z = noise::normals_f64(noise::words(noise.seed, self.index, t / 4, Stream::Steps));
            }
            let n = z[(t % 4) as usize];
            let mut kick = white * n;
            if let Some(poisson) = &self.poisson {
                if s == 0 || t % 4 == 0 {
                    events = noise::words(noise.seed, self.index, t / 4, Stream::Poisson);
                }
                let k = poisson.table.count(events[(t % 4) as usize]);
                kick += poisson.weight_f64 * f64::from(k);
            }
            let x = self.stimulus.map_or(0.0, |values| values[t as usize]);
            let input = current + self.gain * x + *self.eta;
            last = u32::from(neuron.step_with_kick(input, dt, kick) > 0.0);
            count += last;
            if coloured {
                *self.eta = *self.eta * ou_decay + ou_gain * n;
            }
        }
        (count, last)
    }
}

impl Neuron {
    /// `steps` (at least 1) steps under `current`, the neuron in a local: the count
    /// after them, from `count`, and the spikes of the last step.
    fn run(&mut self, current: f64, steps: u32, mut count: u32) -> (u32, u32) {
        let mut last = 0;
        match self {
            Neuron::Euler(neuron, dt) => {
                let (mut local, dt) = (*neuron, *dt);
                for _ in 0..steps {
                    last = u32::from(local.step(current, dt) > 0.0);
                    count += last;
                }
                *neuron = local;
            }
            Neuron::Exact(neuron) => {
                let mut local = *neuron;
                for _ in 0..steps {
                    last = local.step(current);
                    count += last;
                }
                *neuron = local;
            }
        }
        (count, last)
    }

    /// Back to rest (`v = 0`, not refractory), its parameters kept.
    fn reset(&mut self) {
        match self {
            Neuron::Euler(neuron, _) => {
                (neuron.v, neuron.refractory_time, neuron.output) = (0.0, 0.0, 0.0)
            }
            Neuron::Exact(neuron) => (neuron.v, neuron.refractory_time) = (0.0, 0.0),
        }
    }

    fn voltage(&self) -> f64 {
        match self {
            Neuron::Euler(neuron, _) => neuron.v,
            Neuron::Exact(neuron) => neuron.v,
        }
    }
}

impl Population for ReferencePopulation {
    fn len(&self) -> usize {
        self.neurons.len()
    }

    fn method(&self) -> Method {
        self.method
    }

    fn write_currents(&mut self, currents: &[f64]) -> Result<()> {
        // The float64 neurons integrate the voltage itself: it carries over as it is.
        check_currents(currents, self.neurons.len())?;
        self.currents.copy_from_slice(currents);
        Ok(())
    }

    fn advance(&mut self, steps: u32, progress: Progress<'_>) -> Result<()> {
        let drive = &mut self.drive;
        crate::input::check_stimulus_covers(
            drive.stimulus.as_ref().map(Vec::len),
            self.clock,
            steps,
        )?;
        let plain = !drive.noise.is_on() && drive.stimulus.is_none() && drive.poisson.is_none();
        let (noise, poisson, stimulus, clock) = (
            drive.noise,
            drive.poisson,
            drive.stimulus.as_deref(),
            self.clock,
        );
        self.neurons
            .par_chunks_mut(NEURONS_PER_TASK)
            .zip(self.currents.par_chunks(NEURONS_PER_TASK))
            .zip(self.counts.par_chunks_mut(NEURONS_PER_TASK))
            .zip(self.spiked.par_chunks_mut(NEURONS_PER_TASK))
            .zip(drive.neurons.par_chunks(NEURONS_PER_TASK))
            .zip(drive.eta.par_chunks_mut(NEURONS_PER_TASK))
            .for_each(|(((((neurons, currents), counts), spiked), ids), eta)| {
                if progress.stop() {
                    return;
                }
                for (((((neuron, &current), count), spiked), &(gain, index)), eta) in neurons
                    .iter_mut()
                    .zip(currents)
                    .zip(counts)
                    .zip(spiked)
                    .zip(ids)
                    .zip(eta)
                {
                    if steps == 0 {
                        continue;
                    }
                    match neuron {
                        Neuron::Euler(lif, dt) if !plain => {
                            let mut drive = NeuronDrive {
                                noise,
                                poisson,
                                stimulus,
                                gain,
                                index,
                                eta,
                                clock,
                            };
                            (*count, *spiked) = drive.run(lif, *dt, current, steps, *count);
                        }
                        _ => (*count, *spiked) = neuron.run(current, steps, *count),
                    }
                }
                progress.done(neurons.len() as u64 * u64::from(steps));
            });
        self.clock += u64::from(steps);
        check_stop(progress)
    }

    fn counts(&self) -> Result<Vec<u32>> {
        Ok(self.counts.clone())
    }

    fn spiked(&self) -> Result<Vec<u32>> {
        Ok(self.spiked.clone())
    }

    fn voltages(&self) -> Result<Vec<f64>> {
        Ok(self.neurons.iter().map(Neuron::voltage).collect())
    }

    fn reset(&mut self) -> Result<()> {
        self.neurons.iter_mut().for_each(Neuron::reset);
        self.drive.eta.fill(0.0);
        self.clock = 0;
        self.counts.fill(0);
        self.spiked.fill(0);
        Ok(())
    }

    fn clear_counts(&mut self) -> Result<()> {
        self.counts.fill(0);
        Ok(())
    }
}
