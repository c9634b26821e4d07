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
//! A new kind of input (noise, a stimulus shared by all neurons) is described here and
//! read by each method's step; the experiments and the front ends do not change.

use rayon::prelude::*;

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

    /// The method the inputs are for.
    pub fn method(&self) -> Method {
        self.method
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
