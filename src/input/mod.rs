//! What drives the neurons: one constant current per neuron (which the caller may
//! replace between runs of steps), noise, a signal shared by every neuron (a
//! stimulus), and Poisson spike trains ([`poisson`]), described here as a [`PopulationDesc`], checked here, and lowered here,
//! per method, into the float32 values that every backend's kernel reads
//! (`lower`). A backend reads the lowered form; it neither checks nor converts an
//! input again.
//!
//! A new kind of input is described and lowered here and read by each method's step;
//! the experiments and the front ends pass it through.

pub(crate) mod lower;
pub(crate) mod npy;
pub mod poisson;

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::noise::Noise;
use crate::model::params::{LifParams, Method, NeuronParams, validate_current};
use crate::model::run::Run;
pub use poisson::Poisson;

/// The parameters, at least one neuron, every current, and the per-neuron parameters.
pub(crate) fn check_population(
    params: &LifParams,
    currents: &[f64],
    each: &NeuronParams<'_>,
) -> Result<()> {
    params.validate()?;
    if currents.is_empty() {
        return Err(Error::parameter("neurons", 0usize, "at least 1"));
    }
    check_currents(currents, currents.len())?;
    each.validate(params, currents.len())
}

/// One valid current per neuron.
pub(crate) fn check_currents(currents: &[f64], neurons: usize) -> Result<()> {
    if currents.len() != neurons {
        return Err(Error::parameter(
            "currents",
            currents.len(),
            format!("one current per neuron, {neurons}"),
        ));
    }
    currents
        .iter()
        .try_for_each(|&current| validate_current("currents", current))
}

/// A signal sampled at `dt`, one value per step, at least one, every one finite:
/// checked once, where it is made, and converted once to the float32 that the kernels
/// read. It reads as a slice of its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    values: Arc<[f64]>,
    float32: Arc<[f32]>,
}

impl Signal {
    /// The signal of `values`; an [`Error::Stimulus`] names the first value that is
    /// not finite, or says there is none.
    pub fn new(values: impl Into<Arc<[f64]>>) -> Result<Signal> {
        let values = values.into();
        if values.is_empty() {
            return Err(Error::Stimulus("it holds no values".into()));
        }
        if let Some(k) = values.iter().position(|x| !x.is_finite()) {
            return Err(Error::Stimulus(format!(
                "value {} of {} (index {k}, counting from 0) is {}; every value must be \
                 finite",
                k + 1,
                values.len(),
                values[k]
            )));
        }
        let float32 = values.iter().map(|&x| x as f32).collect();
        Ok(Signal { values, float32 })
    }

    /// Its first `steps` values (all of them if it has fewer).
    pub fn prefix(&self, steps: usize) -> Signal {
        if steps >= self.values.len() {
            return self.clone();
        }
        Signal {
            values: self.values[..steps].into(),
            float32: self.float32[..steps].into(),
        }
    }

    /// Its values, model units.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Its values in float32, as every float32 kernel reads them (shared, not copied).
    pub(crate) fn float32(&self) -> Arc<[f32]> {
        Arc::clone(&self.float32)
    }
}

impl std::ops::Deref for Signal {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        &self.values
    }
}

/// A signal added to every neuron's input current, one value per step: `x(t)` of
/// `I(t) = I + gain·x(t)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stimulus<'a> {
    /// The signal, model units, one value per step from step 0 (the population's start
    /// or last reset). A population cannot step past its end.
    pub values: &'a Signal,
    /// Each neuron's gain on the signal (an ensemble's `gain·encoder`), or `None` for 1.
    pub gain: Option<&'a [f64]>,
}

/// What a population simulates: its neurons' parameters and method, their first
/// input currents, and what else drives them (noise, a stimulus, Poisson input). Every backend's
/// population is made from one.
///
/// Made with [`PopulationDesc::new`] or [`PopulationDesc::for_run`] and the `with_`
/// methods, so that new inputs can be added without breaking callers.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct PopulationDesc<'a> {
    /// The neurons' parameters, except those `each` gives per neuron.
    pub params: &'a LifParams,
    /// How they are integrated.
    pub method: Method,
    /// Parameters given per neuron.
    pub each: NeuronParams<'a>,
    /// One input current per neuron, model units.
    pub currents: &'a [f64],
    /// Noise added to every neuron's input (Euler only).
    pub noise: Noise,
    /// A signal added to every neuron's input (Euler only).
    pub stimulus: Option<Stimulus<'a>>,
    /// A Poisson spike train into every neuron (Euler only), drawn with the noise's
    /// seed on a stream of its own.
    pub poisson: Poisson,
    /// Whether [`Stepper::simulate`](crate::Stepper::simulate) must step every step. By
    /// default a population driven by constant currents alone (no noise, no stimulus,
    /// no Poisson input) is counted from each neuron's period instead, with the same
    /// counts, bit for bit, at the cost of its first interval.
    pub stepwise: bool,
    /// The index of the first neuron in the experiment it belongs to: neuron `k` draws
    /// the noise stream of index `first_index + k`, so that an experiment split into
    /// populations draws the same numbers as one population would.
    pub first_index: u64,
}

impl<'a> PopulationDesc<'a> {
    /// Euler neurons sharing `params`, one per current.
    pub fn new(params: &'a LifParams, currents: &'a [f64]) -> Self {
        PopulationDesc {
            params,
            method: Method::Euler,
            each: NeuronParams::SHARED,
            currents,
            noise: Noise::NONE,
            stimulus: None,
            poisson: Poisson::NONE,
            stepwise: false,
            first_index: 0,
        }
    }

    /// `run`'s neurons (its parameters and method) for `currents`, with the parameters
    /// `each` gives per neuron.
    pub fn for_run(run: &'a Run, currents: &'a [f64], each: NeuronParams<'a>) -> Self {
        PopulationDesc {
            method: run.method(),
            each,
            ..PopulationDesc::new(run.params(), currents)
        }
    }

    /// The same population integrated with `method`.
    pub fn with_method(self, method: Method) -> Self {
        PopulationDesc { method, ..self }
    }

    /// The same neurons driven by `currents` (one per neuron) instead.
    pub fn with_currents(self, currents: &'a [f64]) -> Self {
        PopulationDesc { currents, ..self }
    }

    /// The same population with the parameters `each` gives per neuron.
    pub fn with_each(self, each: NeuronParams<'a>) -> Self {
        PopulationDesc { each, ..self }
    }

    /// The same population with noise added to its inputs.
    pub fn with_noise(self, noise: Noise) -> Self {
        PopulationDesc { noise, ..self }
    }

    /// The same population with a stimulus added to its inputs.
    pub fn with_stimulus(self, stimulus: Stimulus<'a>) -> Self {
        PopulationDesc {
            stimulus: Some(stimulus),
            ..self
        }
    }

    /// The same population with a Poisson spike train into each neuron, drawn with the
    /// noise's seed ([`Noise::seed`]; set it with [`PopulationDesc::with_noise`], of
    /// amplitude 0 for Poisson input alone).
    pub fn with_poisson(self, poisson: Poisson) -> Self {
        PopulationDesc { poisson, ..self }
    }

    /// The same population, counted by stepping every step (`true`) or, where its
    /// drive is constant, from each neuron's period (`false`, the default).
    pub fn with_stepwise(self, stepwise: bool) -> Self {
        PopulationDesc { stepwise, ..self }
    }

    /// True when its spike counts may be computed from each neuron's period: only
    /// constant currents drive it, and it is not asked to step every step.
    pub fn is_countable(&self) -> bool {
        !self.stepwise && self.is_deterministic_constant()
    }

    /// The same population, its first neuron at `first_index` of its experiment.
    pub fn with_first_index(self, first_index: u64) -> Self {
        PopulationDesc {
            first_index,
            ..self
        }
    }

    /// True when only constant currents drive it (no noise, no stimulus, no Poisson
    /// input).
    pub fn is_deterministic_constant(&self) -> bool {
        !self.noise.is_on() && self.stimulus.is_none() && !self.poisson.is_on()
    }

    /// Neurons `range` of this population, as a population of their own.
    pub fn slice(&self, range: std::ops::Range<usize>) -> PopulationDesc<'a> {
        PopulationDesc {
            each: self.each.slice(range.clone()),
            currents: &self.currents[range.clone()],
            stimulus: self.stimulus.map(|s| Stimulus {
                values: s.values,
                gain: s.gain.map(|g| &g[range.clone()]),
            }),
            first_index: self.first_index + range.start as u64,
            ..*self
        }
    }

    /// Checks the parameters, the currents, the per-neuron parameters, the noise, the
    /// Poisson input and the stimulus.
    pub fn validate(&self) -> Result<()> {
        check_population(self.params, self.currents, &self.each)?;
        self.noise.validate_for(self.method)?;
        self.poisson.validate_for(self.method, self.params)?;
        if self.noise.is_on() {
            if self.each.is_shared() {
                self.noise.validate_amplitude(self.params)?;
            } else {
                (0..self.currents.len()).try_for_each(|k| {
                    self.noise.validate_amplitude(&self.each.of(self.params, k))
                })?;
            }
        }
        if self.stimulus.is_some() {
            crate::model::noise::euler_only(self.method, "a stimulus")?;
        }
        if let Some(gain) = self.stimulus.and_then(|s| s.gain) {
            if gain.len() != self.currents.len() {
                return Err(Error::parameter(
                    "stimulus gain",
                    gain.len(),
                    format!("one value per neuron, {}", self.currents.len()),
                ));
            }
            if let Some(k) = gain.iter().position(|g| !g.is_finite()) {
                return Err(Error::parameter(
                    "stimulus gain",
                    format!("{} for neuron {k}", gain[k]),
                    "finite values",
                ));
            }
        }
        Ok(())
    }

    /// Checks that a stimulus, if any, covers steps `from .. from + steps`.
    pub(crate) fn check_stimulus_covers(&self, from: u64, steps: u32) -> Result<()> {
        check_stimulus_covers(self.stimulus.map(|s| s.values.len()), from, steps)
    }
}

/// A stimulus of `len` values, if any, covers steps `from .. from + steps`.
pub(crate) fn check_stimulus_covers(len: Option<usize>, from: u64, steps: u32) -> Result<()> {
    match len {
        Some(len) if from + u64::from(steps) > len as u64 => Err(Error::parameter(
            "stimulus",
            format!("{len} steps"),
            format!(
                "at least one value per step simulated ({} asked)",
                from + u64::from(steps)
            ),
        )),
        _ => Ok(()),
    }
}
