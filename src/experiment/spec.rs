//! What every experiment shares: one parameter block, [`RunSpec`], that the command
//! line's flags, Python's keywords and the explorer's controls each fill, field for
//! field, and that the experiments ([`CurveSpec`](super::curve::CurveSpec),
//! [`Ensemble::simulate`](super::ensemble::Ensemble::simulate), traces) read.

use crate::error::Result;
use crate::input::{Poisson, PopulationDesc, Signal, Stimulus};
use crate::model::noise::Noise;
use crate::model::params::{LifParams, Method, NeuronParams};
use crate::model::run::Run;

/// The neuron, how it is integrated, for how long, and what drives it besides its own
/// current: noise, Poisson input, and a stimulus shared by every neuron.
///
/// Its [`Default`] is the tutorial's neuron, Euler, 10 s, no noise, no Poisson input,
/// no stimulus. Write
/// the fields you change and `..RunSpec::default()` for the rest, so that a field
/// added later does not break your code.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RunSpec {
    /// The neuron's parameters and the time step.
    pub params: LifParams,
    /// How the neurons are integrated.
    pub method: Method,
    /// Run length, seconds; a whole number of `params.dt` steps.
    pub duration: f64,
    /// Noise added to every neuron's input (Euler only); [`Noise::NONE`] for none. Its
    /// seed is also the Poisson input's.
    pub noise: Noise,
    /// A Poisson spike train into every neuron (Euler only); [`Poisson::NONE`] for none.
    pub poisson: Poisson,
    /// Whether the analytic rate under white noise raises the threshold for the
    /// finite step ([`noisy_rate`](crate::model::analytic::noisy_rate)).
    pub dt_correction: bool,
    /// A signal added to every neuron's input current (Euler only), one value per
    /// step, at least as many as the run's steps.
    #[cfg_attr(feature = "serde", serde(serialize_with = "signal_length"))]
    pub stimulus: Option<Signal>,
}

#[cfg(feature = "serde")]
fn signal_length<S: serde::Serializer>(
    signal: &Option<Signal>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize;
    signal.as_ref().map(|s| s.len()).serialize(serializer)
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec {
            params: LifParams::default(),
            method: Method::Euler,
            duration: 10.0,
            noise: Noise::NONE,
            poisson: Poisson::NONE,
            dt_correction: true,
            stimulus: None,
        }
    }
}

impl RunSpec {
    /// The run: its parameters checked, its steps counted.
    pub fn run(&self) -> Result<Run> {
        Ok(Run::new(self.params, self.duration)?.with_method(self.method))
    }

    /// The population of one neuron per entry of `currents`, every neuron with this
    /// spec's parameters and method, driven by its noise, Poisson input and stimulus:
    /// the description
    /// every backend makes a population from. Add per-neuron parameters with
    /// [`PopulationDesc::with_each`].
    pub fn desc<'a>(&'a self, currents: &'a [f64]) -> PopulationDesc<'a> {
        let desc = PopulationDesc::new(&self.params, currents)
            .with_method(self.method)
            .with_each(NeuronParams::SHARED)
            .with_noise(self.noise)
            .with_poisson(self.poisson);
        match &self.stimulus {
            Some(values) => desc.with_stimulus(Stimulus { values, gain: None }),
            None => desc,
        }
    }

    /// The run, after checking what drives it: the stimulus (Euler only, at least one
    /// value per step), then the noise (Euler only, its amplitude within float32), then
    /// the Poisson input (Euler only, at most
    /// [`MAX_EVENTS_PER_STEP`](crate::input::poisson::MAX_EVENTS_PER_STEP) a step).
    pub fn validate(&self) -> Result<Run> {
        let run = self.run()?;
        self.validate_drive(&run)?;
        Ok(run)
    }

    /// [`RunSpec::validate`]'s checks of the stimulus, the noise and the Poisson input,
    /// for `run`.
    pub(crate) fn validate_drive(&self, run: &Run) -> Result<()> {
        if let Some(stimulus) = &self.stimulus {
            crate::model::noise::euler_only(self.method, "a stimulus")?;
            crate::input::check_stimulus_covers(Some(stimulus.len()), 0, run.steps())?;
        }
        self.noise.validate_for(self.method)?;
        self.noise.validate_amplitude(&self.params)?;
        self.poisson.validate_for(self.method, &self.params)
    }
}
