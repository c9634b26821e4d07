//! Nengo-style ensembles: a population of neurons that each respond to a scalar signal
//! `x ∈ [−1, 1]` through a gain, a bias and an encoder of ±1, and their tuning curves.
//!
//! Each neuron is given a maximum rate and an intercept. Its input current at `x` is
//! `J(x) = gain·encoder·x + bias`, with gain and bias chosen from the analytic LIF rate
//! so that the neuron starts firing where `encoder·x` passes its intercept `c`, and
//! fires at its maximum rate `r_max` at `x = encoder` (its preferred end):
//!
//! ```text
//! J_max = v_th / (1 − exp((tau_ref − 1/r_max)/tau_rc))   (r(J_max) = r_max)
//! gain  = (J_max − v_th) / (1 − c)
//! bias  = v_th − gain·c                                   (J(c·encoder) = v_th)
//! ```
//!
//! With `v_th = 1` these are Nengo's `LIF.gain_bias`. Every neuron at every `x` is one
//! neuron of a single batched run.
//!
//! ```
//! use gpulif::experiment::ensemble::{EnsembleRun, EnsembleSpec};
//! use gpulif::{CpuStepper, LifParams, Method};
//!
//! let spec = EnsembleSpec {
//!     params: LifParams { tau_rc: 0.02, tau_ref: 0.002, ..LifParams::default() },
//!     neurons: 20,
//!     max_rates: (200.0, 400.0),
//!     intercepts: (-1.0, 0.9),
//!     x_points: 11,
//!     seed: 1,
//! };
//! let ensemble = spec.build()?;
//! let how = EnsembleRun { duration: 1.0, method: Method::Exact, ..EnsembleRun::default() };
//! let curves = ensemble.simulate(&mut CpuStepper::new(), &how, &|_| {})?;
//! // Each neuron reaches its maximum rate at its preferred end, x = encoder.
//! let end = if ensemble.encoders[0] > 0.0 { 10 } else { 0 };
//! let rate = f64::from(curves.rate(ensemble.len(), 0, end));
//! assert!((rate - ensemble.max_rates[0]).abs() < 2.0);
//! # Ok::<(), gpulif::Error>(())
//! ```

use std::time::{Duration, Instant};

use crate::backend::{BackendKind, Progress, Stepper, per_second};
use crate::error::{Error, Result};
use crate::input::Poisson;
use crate::input::PopulationDesc;
use crate::model::analytic::current_for_rate;
use crate::model::noise::Noise;
use crate::model::params::{LifParams, Method, NeuronParams};
use crate::model::run::Run;

/// The most neuron-curves (neurons × x points) one ensemble simulates: all of them are
/// held in memory (a current, a count and a rate each, 16 bytes), 800 MB at most.
pub const MAX_NEURON_CURVES: u64 = 50_000_000;

/// What to build: how many neurons, how their rates and intercepts are drawn, and
/// where their curves are sampled.
///
/// Its [`Default`] is `gpulif ensemble`'s (Nengo's neuron and distributions): 50
/// neurons with tau_rc 0.02 s and tau_ref 2 ms, maximum rates from 200 to 400 Hz,
/// intercepts from −1 to 0.9, 101 points of x, seed 0. Write the fields you change and
/// `..EnsembleSpec::default()` for the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleSpec {
    /// The neurons' parameters.
    pub params: LifParams,
    /// Neurons.
    pub neurons: usize,
    /// Maximum rates are drawn uniformly from this range, Hz.
    pub max_rates: (f64, f64),
    /// Intercepts are drawn uniformly from this range.
    pub intercepts: (f64, f64),
    /// Points of `x`, evenly spaced from −1 to 1 (both included).
    pub x_points: usize,
    /// Seed of the draws: the same seed gives the same ensemble.
    pub seed: u64,
}

impl Default for EnsembleSpec {
    fn default() -> Self {
        EnsembleSpec {
            params: LifParams {
                tau_rc: 0.02,
                tau_ref: 0.002,
                ..LifParams::default()
            },
            neurons: 50,
            max_rates: (200.0, 400.0),
            intercepts: (-1.0, 0.9),
            x_points: 101,
            seed: 0,
        }
    }
}

impl EnsembleSpec {
    /// Validates the spec and draws the ensemble.
    pub fn build(&self) -> Result<Ensemble> {
        self.params.validate()?;
        let (lo, hi) = self.max_rates;
        let ceiling = if self.params.tau_ref > 0.0 {
            1.0 / self.params.tau_ref
        } else {
            f64::INFINITY
        };
        if !(lo.is_finite() && hi.is_finite() && 0.0 < lo && lo <= hi && hi < ceiling) {
            return Err(Error::parameter(
                "max_rates",
                format!("{lo}:{hi}"),
                format!(
                    "LO:HI with 0 < LO ≤ HI < 1/tau_ref = {ceiling} Hz (no LIF neuron fires \
                     faster than its refractory period allows)"
                ),
            ));
        }
        let (lo, hi) = self.intercepts;
        if !(lo.is_finite() && hi.is_finite() && -1.0 <= lo && lo <= hi && hi < 1.0) {
            return Err(Error::parameter(
                "intercepts",
                format!("{lo}:{hi}"),
                "LO:HI with −1 ≤ LO ≤ HI < 1",
            ));
        }
        if self.x_points < 2 {
            return Err(Error::parameter(
                "x_points",
                self.x_points,
                "at least 2 (x runs from −1 to 1)",
            ));
        }
        let curves = self.neurons as u64 * self.x_points as u64;
        if self.neurons == 0 || curves > MAX_NEURON_CURVES {
            return Err(Error::parameter(
                "neurons",
                self.neurons,
                format!(
                    "at least 1, and neurons × x points at most {MAX_NEURON_CURVES} \
                     ({} x points here)",
                    self.x_points
                ),
            ));
        }

        let mut random = SplitMix64(self.seed);
        let uniform =
            |random: &mut SplitMix64, (lo, hi): (f64, f64)| lo + (hi - lo) * random.unit();
        let mut ensemble = Ensemble {
            params: self.params,
            x: (0..self.x_points)
                .map(|k| {
                    if k + 1 == self.x_points {
                        1.0
                    } else {
                        -1.0 + 2.0 * k as f64 / (self.x_points - 1) as f64
                    }
                })
                .collect(),
            ..Ensemble::default()
        };
        for _ in 0..self.neurons {
            let max_rate = uniform(&mut random, self.max_rates);
            let intercept = uniform(&mut random, self.intercepts);
            let encoder = if random.unit() < 0.5 { -1.0 } else { 1.0 };
            let (gain, bias) = gain_bias(&self.params, max_rate, intercept)?;
            ensemble.max_rates.push(max_rate);
            ensemble.intercepts.push(intercept);
            ensemble.encoders.push(encoder);
            ensemble.gains.push(gain);
            ensemble.biases.push(bias);
        }
        Ok(ensemble)
    }
}

/// The gain and bias that make a neuron fire at `max_rate` Hz at `x = 1` and start
/// firing at `x = intercept` (see the module documentation).
pub fn gain_bias(params: &LifParams, max_rate: f64, intercept: f64) -> Result<(f64, f64)> {
    let j_max = current_for_rate(params, max_rate).ok_or_else(|| {
        Error::parameter("max_rates", max_rate, "a rate above 0 and below 1/tau_ref")
    })?;
    if intercept.is_nan() || intercept >= 1.0 {
        return Err(Error::parameter("intercepts", intercept, "below 1"));
    }
    let gain = (j_max - params.v_th) / (1.0 - intercept);
    Ok((gain, params.v_th - gain * intercept))
}

/// The neurons of an ensemble: their draws, gains and biases, and the `x` grid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ensemble {
    /// The neurons' parameters.
    pub params: LifParams,
    /// Each neuron's maximum rate, Hz.
    pub max_rates: Vec<f64>,
    /// Each neuron's intercept.
    pub intercepts: Vec<f64>,
    /// Each neuron's encoder, +1 or −1.
    pub encoders: Vec<f64>,
    /// Each neuron's gain.
    pub gains: Vec<f64>,
    /// Each neuron's bias.
    pub biases: Vec<f64>,
    /// The points of `x`, from −1 to 1.
    pub x: Vec<f64>,
}

impl Ensemble {
    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.gains.len()
    }

    /// True when there are no neurons.
    pub fn is_empty(&self) -> bool {
        self.gains.is_empty()
    }

    /// Neuron `n`'s input current at `x`: `gain·encoder·x + bias`.
    pub fn current(&self, n: usize, x: f64) -> f64 {
        self.gains[n] * self.encoders[n] * x + self.biases[n]
    }

    /// Every neuron's current at every point of `x`, x-major: entry `k·N + n` is
    /// neuron `n` at `x[k]`.
    pub fn currents(&self) -> Vec<f64> {
        self.x
            .iter()
            .flat_map(|&x| (0..self.len()).map(move |n| self.current(n, x)))
            .collect()
    }

    /// Simulates every neuron at every `x` as `how` says, in one batched run on
    /// `stepper`: the neuron at `x[k]`, neuron `n` draws the random streams of index
    /// `k·N + n`.
    pub fn simulate(
        &self,
        stepper: &mut dyn Stepper,
        how: &EnsembleRun,
        progress: Progress<'_>,
    ) -> Result<EnsembleCurves> {
        let duration = how.duration;
        let run = Run::new(self.params, duration)?.with_method(how.method);
        let currents = self.currents();
        let started = Instant::now();
        let desc = PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED)
            .with_noise(how.noise)
            .with_poisson(how.poisson)
            .with_stepwise(how.stepwise);
        let counts = stepper.simulate(&desc, run.steps(), progress)?;
        let elapsed = started.elapsed();
        let counted = stepper.counts_by_period(&desc);
        let rates = counts
            .iter()
            .map(|&c| (f64::from(c) / duration) as f32)
            .collect();
        Ok(EnsembleCurves {
            run,
            rates,
            backend: stepper.kind(),
            device: stepper.device(),
            elapsed,
            counted,
        })
    }
}

impl Ensemble {
    /// Each neuron's gain on the input signal: `gain·encoder`.
    pub fn signal_gains(&self) -> Vec<f64> {
        self.gains
            .iter()
            .zip(&self.encoders)
            .map(|(g, e)| g * e)
            .collect()
    }

    /// The ensemble's neurons driven by the signal `x(t)` (one value per step):
    /// `J = gain·encoder·x(t) + bias`, with `noise` (Euler only). `gains` is
    /// [`Ensemble::signal_gains`].
    pub fn driven_by<'a>(
        &'a self,
        run: &'a Run,
        signal: &'a crate::input::Signal,
        gains: &'a [f64],
        noise: Noise,
    ) -> PopulationDesc<'a> {
        PopulationDesc::for_run(run, &self.biases, NeuronParams::SHARED)
            .with_noise(noise)
            .with_stimulus(crate::input::Stimulus {
                values: signal,
                gain: Some(gains),
            })
    }
}

/// Simulated tuning curves of an ensemble.
#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleCurves {
    /// The run.
    pub run: Run,
    /// Rates in Hz, x-major: entry `k·N + n` is neuron `n` at `x[k]`.
    pub rates: Vec<f32>,
    /// The backend that simulated them.
    pub backend: BackendKind,
    /// The device it ran on.
    pub device: String,
    /// Wall time of the simulation.
    pub elapsed: Duration,
    /// Whether the counts were computed from each neuron's period rather than by
    /// stepping every step (the same counts).
    pub counted: bool,
}

impl EnsembleCurves {
    /// Neuron `n`'s rate at `x[k]`, Hz.
    pub fn rate(&self, neurons: usize, n: usize, k: usize) -> f32 {
        self.rates[k * neurons + n]
    }

    /// Neuron `n`'s simulated rate at its preferred end of x (x = its encoder, the
    /// first or the last point), Hz: where its rate should be its maximum rate.
    pub fn rate_at_preferred_end(&self, ensemble: &Ensemble, n: usize) -> f64 {
        let points = ensemble.x.len();
        let k = if ensemble.encoders[n] > 0.0 {
            points - 1
        } else {
            0
        };
        f64::from(self.rate(ensemble.len(), n, k))
    }

    /// How far the simulated rates at the preferred ends are from the maximum rates
    /// asked for: the mean and the largest of |rate − max rate| over the neurons, Hz.
    pub fn max_rate_error(&self, ensemble: &Ensemble) -> (f64, f64) {
        let errors: Vec<f64> = (0..ensemble.len())
            .map(|n| (self.rate_at_preferred_end(ensemble, n) - ensemble.max_rates[n]).abs())
            .collect();
        let mean = errors.iter().sum::<f64>() / ensemble.len().max(1) as f64;
        let largest = errors.iter().fold(0.0f64, |w, &e| w.max(e));
        (mean, largest)
    }

    /// Neuron-steps per second of wall time.
    pub fn neuron_steps_per_second(&self) -> f64 {
        per_second(
            self.rates.len() as f64 * f64::from(self.run.steps()),
            self.elapsed.as_secs_f64(),
        )
    }

    /// Simulated neuron-seconds per second of wall time (the speed of counted curves).
    pub fn neuron_seconds_per_second(&self) -> f64 {
        per_second(
            self.rates.len() as f64 * self.run.duration(),
            self.elapsed.as_secs_f64(),
        )
    }
}

/// How an ensemble's curves are simulated ([`Ensemble::simulate`]): for how long, by
/// which method, what drives the neurons besides their currents (both Euler only), and
/// whether every step is stepped. Its [`Default`] is `gpulif ensemble`'s: 1 s, exact,
/// no noise, no Poisson input, counted from each neuron's period where the backend
/// can.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnsembleRun {
    /// Simulated time, seconds.
    pub duration: f64,
    /// How the neurons are integrated.
    pub method: Method,
    /// Noise added to every neuron's input ([`Noise::NONE`] for none).
    pub noise: Noise,
    /// Poisson input into every neuron ([`Poisson::NONE`] for none).
    pub poisson: Poisson,
    /// Step every step even where the counts may be computed from each neuron's
    /// period ([`PopulationDesc::stepwise`]).
    pub stepwise: bool,
}

impl Default for EnsembleRun {
    fn default() -> Self {
        EnsembleRun {
            duration: 1.0,
            method: Method::Exact,
            noise: Noise::NONE,
            poisson: Poisson::NONE,
            stepwise: false,
        }
    }
}

/// The SplitMix64 generator: small, fast, and the same on every platform, so a seed
/// names an ensemble.
#[derive(Clone, Copy, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        crate::model::noise::splitmix64(self.0)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn gain_and_bias_put_the_intercept_and_the_maximum_where_asked() {
        for v_th in [1.0, 0.7] {
            let params = LifParams {
                tau_rc: 0.02,
                tau_ref: 0.002,
                v_th,
                ..LifParams::default()
            };
            let (gain, bias) = gain_bias(&params, 300.0, -0.4).unwrap();
            assert_relative_eq!(gain * -0.4 + bias, v_th, max_relative = 1e-12);
            let rate = crate::model::analytic::rate(&params, gain + bias);
            assert_relative_eq!(rate, 300.0, max_relative = 1e-9);
        }
    }

    #[test]
    fn nengos_gain_bias_for_unit_threshold() {
        // Nengo's LIF.gain_bias: x = 1/(1 − exp((tau_ref − 1/r)/tau_rc)),
        // gain = (1 − x)/(c − 1), bias = 1 − gain·c.
        let params = LifParams {
            tau_rc: 0.02,
            tau_ref: 0.002,
            ..LifParams::default()
        };
        let (r, c) = (250.0f64, 0.3f64);
        let x = 1.0 / (1.0 - ((0.002 - 1.0 / r) / 0.02).exp());
        let gain = (1.0 - x) / (c - 1.0);
        let (g, b) = gain_bias(&params, r, c).unwrap();
        assert_relative_eq!(g, gain, max_relative = 1e-12);
        assert_relative_eq!(b, 1.0 - gain * c, max_relative = 1e-12);
    }

    #[test]
    fn a_seed_names_an_ensemble() {
        let spec = EnsembleSpec {
            params: LifParams {
                tau_rc: 0.02,
                ..LifParams::default()
            },
            neurons: 50,
            max_rates: (200.0, 400.0),
            intercepts: (-1.0, 0.9),
            x_points: 11,
            seed: 7,
        };
        let a = spec.build().unwrap();
        assert_eq!(a, spec.build().unwrap());
        assert_ne!(
            a,
            EnsembleSpec {
                seed: 8,
                ..spec.clone()
            }
            .build()
            .unwrap()
        );
        assert!(a.max_rates.iter().all(|r| (200.0..400.0).contains(r)));
        assert!(a.intercepts.iter().all(|c| (-1.0..0.9).contains(c)));
        assert!(a.encoders.contains(&1.0) && a.encoders.contains(&-1.0));
        assert_eq!((a.x[0], a.x[5], a.x[10]), (-1.0, 0.0, 1.0));
        assert_eq!(a.currents().len(), 550);
    }
}
