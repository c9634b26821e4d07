//! What drives the neurons, described once and lowered, per method, into the float32
//! per-neuron inputs that every backend's kernel reads.
//!
//! Today a population is driven by one constant current per neuron, which the caller
//! may replace between runs of steps (`Population::write_currents`); the current is
//! piecewise constant in time. Each method turns a current into the float32 values its
//! step compares against, here and only here, in float64:
//!
//! * Euler: the gap threshold of [`LifParams::gap_threshold`];
//! * exact: the times to the first spike from rest and between spikes, in the
//!   countdown's fixed point, of [`ExactTimes::new`].
//!
//! A stimulus is lowered here too: its signal in float32, formed once per population
//! ([`stimulus_signal`]), and each neuron's factor on it ([`stimulus_gain`]); and
//! Poisson input: its table of the Poisson law and its weight in float32
//! ([`poisson_drive`]).

use std::sync::Arc;

use rayon::prelude::*;

use super::poisson::PoissonDrive;
use super::{PopulationDesc, Stimulus};
use crate::model::exact::ExactTimes;
use crate::model::params::{LifParams, Method, NeuronParams};

/// One neuron's float32 inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct NeuronInput {
    /// `current as f32`, model units.
    pub current: f32,
    /// Euler: the gap `u = I − v` below which the neuron fires.
    pub gap_th: f32,
    /// Exact: the neuron's times ([`ExactTimes::NEVER`] for Euler).
    pub times: ExactTimes,
}

/// How currents become kernel inputs for one population: its method, its shared
/// parameters and those given per neuron.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lowering<'a> {
    method: Method,
    params: LifParams,
    each: NeuronParams<'a>,
    /// The Euler gap threshold's correction for the shared parameters, formed once.
    rate_ratio: Option<f64>,
}

impl<'a> Lowering<'a> {
    /// The lowering for validated parameters.
    pub fn new(method: Method, params: &LifParams, each: NeuronParams<'a>) -> Self {
        Lowering {
            method,
            params: *params,
            each,
            rate_ratio: params.euler_rate_ratio(),
        }
    }

    /// Neuron `k`'s inputs under `current` (`k` indexes the per-neuron parameters).
    pub fn neuron(&self, k: usize, current: f64) -> NeuronInput {
        let shared = self.each.is_shared();
        let (gap_th, times) = match self.method {
            Method::Euler if shared => (
                self.params.gap_threshold_with(self.rate_ratio, current),
                ExactTimes::NEVER,
            ),
            Method::Euler => (
                self.each.of(&self.params, k).gap_threshold(current),
                ExactTimes::NEVER,
            ),
            Method::Exact => (
                0.0,
                ExactTimes::new(&self.each.of(&self.params, k), current),
            ),
        };
        NeuronInput {
            current: current as f32,
            gap_th,
            times,
        }
    }

    /// Every neuron's inputs, neuron `k` under `currents[k]`, formed on all of rayon's
    /// threads.
    pub fn all(&self, currents: &[f64]) -> Vec<NeuronInput> {
        currents
            .par_iter()
            .enumerate()
            .map(|(k, &i)| self.neuron(k, i))
            .collect()
    }
}

/// The signal of `desc`'s stimulus, if any, in float32, as every float32 kernel reads
/// it.
pub(crate) fn stimulus_signal(desc: &PopulationDesc<'_>) -> Option<Arc<[f32]>> {
    desc.stimulus.map(|s| s.values.float32())
}

/// Neuron `k`'s factor on the signal of `stimulus` in its Euler step, `gain·dt/tau_rc`
/// in float32 for its parameters `p`: its gain is 1 unless the stimulus gives one per
/// neuron.
pub(crate) fn stimulus_gain(stimulus: Option<Stimulus<'_>>, p: &LifParams, k: usize) -> f32 {
    let gain = stimulus.and_then(|s| s.gain).map_or(1.0, |g| g[k]);
    (gain * p.dt / p.tau_rc) as f32
}

/// `desc`'s Poisson input lowered, if any: the table of its mean events per step and
/// its weight in float32.
pub(crate) fn poisson_drive(desc: &PopulationDesc<'_>) -> Option<PoissonDrive> {
    PoissonDrive::new(&desc.poisson, desc.params.dt)
}
