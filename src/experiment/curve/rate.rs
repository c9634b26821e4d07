//! The rate a curve's neurons are compared with.

use crate::input::poisson::Poisson;
use crate::model::analytic;
use crate::model::noise::Noise;
use crate::model::params::LifParams;

/// The rate a curve's neurons are compared with: [`analytic::rate`], or under noise
/// [`analytic::noisy_rate`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Analytic {
    dt_correction: bool,
    /// The rate under a constant current, its parts that do not depend on the current
    /// formed once.
    model: analytic::NoisyRate,
    /// With a stimulus: the means of its values in [`STIMULUS_LEVELS`] equal-count
    /// bins, over which the rate is averaged.
    levels: Option<[f64; STIMULUS_LEVELS]>,
}

/// How many levels of a stimulus the analytic rate averages over.
pub const STIMULUS_LEVELS: usize = 8;

impl Analytic {
    /// The analytic rate of neurons with `params` under `noise`, with or without the
    /// finite-step correction. The noise is the run's; the rate keeps only what it
    /// computes with.
    pub fn new(params: LifParams, noise: Noise, dt_correction: bool) -> Self {
        Self::driven(params, noise, Poisson::NONE, dt_correction)
    }

    /// [`Analytic::new`] with Poisson input too: the diffusion approximation of
    /// [`analytic::NoisyRate::with_poisson`].
    pub fn driven(params: LifParams, noise: Noise, poisson: Poisson, dt_correction: bool) -> Self {
        Analytic {
            dt_correction,
            model: analytic::NoisyRate::with_poisson(&params, &noise, &poisson, dt_correction),
            levels: None,
        }
    }

    /// The same rate for neurons whose input also carries `stimulus`: the quasi-static
    /// rate, the rate under each level of the stimulus (the means of
    /// [`STIMULUS_LEVELS`] equal-count bins of its values) averaged. Exact for a
    /// stimulus slow against the neuron's time constants.
    pub fn with_stimulus(self, stimulus: &[f64]) -> Self {
        let mut sorted = stimulus.to_vec();
        sorted.sort_by(f64::total_cmp);
        let levels = std::array::from_fn(|k| {
            let bin = &sorted[k * sorted.len() / STIMULUS_LEVELS
                ..((k + 1) * sorted.len() / STIMULUS_LEVELS)
                    .max(k * sorted.len() / STIMULUS_LEVELS + 1)];
            bin.iter().sum::<f64>() / bin.len() as f64
        });
        Analytic {
            levels: (!stimulus.is_empty()).then_some(levels),
            ..self
        }
    }

    /// The analytic rate of a neuron under `current`, Hz.
    pub fn rate(&self, current: f64) -> f64 {
        let rate = |i| self.model.rate(i);
        match &self.levels {
            None => rate(current),
            Some(levels) => {
                levels.iter().map(|x| rate(current + x)).sum::<f64>() / levels.len() as f64
            }
        }
    }

    /// True when the rate is averaged over a stimulus's levels.
    pub fn has_stimulus(&self) -> bool {
        self.levels.is_some()
    }

    /// Whether white noise's threshold is raised for the finite step.
    pub fn dt_correction(&self) -> bool {
        self.dt_correction
    }
}
