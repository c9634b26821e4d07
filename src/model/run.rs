//! A run: the neuron's parameters checked, its length in whole steps, its method, and
//! the Euler constants every backend steps with.

use crate::error::{Error, Result};
use crate::model::euler::EulerConstants;
use crate::model::params::{LifParams, MAX_STEPS, Method, WHOLE_STEPS_TOLERANCE};

/// A validated run: the neuron parameters, how long it lasts, and the constants every
/// backend steps with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Run {
    params: LifParams,
    duration: f64,
    steps: u32,
    method: Method,
    constants: EulerConstants,
}

impl Run {
    /// A run of `duration` seconds: `round(duration / dt)` steps. A duration that is not
    /// a whole number of steps (relative tolerance 1e-9) is rejected rather than guessed.
    pub fn new(params: LifParams, duration: f64) -> Result<Run> {
        params.validate()?;
        if !(duration.is_finite() && duration > 0.0) {
            return Err(Error::parameter(
                "duration",
                duration,
                "a finite number > 0 (seconds)",
            ));
        }
        let exact_steps = duration / params.dt;
        let steps = exact_steps.round();
        if steps < 1.0 {
            return Err(Error::parameter(
                "duration",
                duration,
                format!("at least one step of dt = {} s", params.dt),
            ));
        }
        if (exact_steps - steps).abs() > WHOLE_STEPS_TOLERANCE * steps {
            return Err(Error::parameter(
                "duration",
                duration,
                format!(
                    "a whole number of steps of dt = {} s (it is {exact_steps} steps)",
                    params.dt
                ),
            ));
        }
        if steps > MAX_STEPS as f64 {
            return Err(Error::parameter(
                "duration",
                duration,
                format!(
                    "at most {MAX_STEPS} steps of dt = {} s, i.e. {:e} s (counters are 32-bit)",
                    params.dt,
                    MAX_STEPS as f64 * params.dt
                ),
            ));
        }
        Ok(Run {
            params,
            duration,
            steps: steps as u32,
            method: Method::Euler,
            constants: EulerConstants::new(&params),
        })
    }

    /// A run of exactly `steps` steps.
    pub fn with_steps(params: LifParams, steps: u32) -> Result<Run> {
        params.validate()?;
        if steps == 0 {
            return Err(Error::parameter("steps", 0u32, "at least 1"));
        }
        Ok(Run {
            params,
            duration: f64::from(steps) * params.dt,
            steps,
            method: Method::Euler,
            constants: EulerConstants::new(&params),
        })
    }

    /// The same run integrated with `method` (runs are Euler unless told otherwise).
    pub fn with_method(mut self, method: Method) -> Run {
        self.method = method;
        self
    }

    /// How the neurons are integrated.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The neuron parameters.
    pub fn params(&self) -> &LifParams {
        &self.params
    }

    /// The run's length in seconds, as given.
    pub fn duration(&self) -> f64 {
        self.duration
    }

    /// The number of steps.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// The float32 kernel's constants.
    pub fn constants(&self) -> &EulerConstants {
        &self.constants
    }
}
