//! The float64 reference: the tutorial's `FirstOrderLIF`, transcribed line by line, and
//! the exact method in float64 ([`ExactLif`]).
//!
//! Plain, obvious and slow on purpose: it is the oracle every other backend is tested
//! against. It counts the refractory period down in floating point exactly as the
//! tutorial does; the other backends use the equivalent integer count from
//! [`LifParams::frozen_steps`].

use super::exact::ExactLif;
use super::params::LifParams;

/// The tutorial's first-order leaky integrate-and-fire neuron.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirstOrderLif {
    /// Potential decay time constant, seconds.
    pub tau_rc: f64,
    /// Potential value.
    pub v: f64,
    /// Firing threshold.
    pub v_th: f64,
    /// Refractory period time constant, seconds.
    pub tau_ref: f64,
    /// Current output value: `1/t_step` on the step of a spike, else 0.
    pub output: f64,
    /// How long until the neuron can fire again, seconds.
    pub refractory_time: f64,
}

impl FirstOrderLif {
    /// A neuron at rest (`v = 0`, not refractory).
    pub fn new(params: &LifParams) -> Self {
        FirstOrderLif {
            tau_rc: params.tau_rc,
            v: 0.0,
            v_th: params.v_th,
            tau_ref: params.tau_ref,
            output: 0.0,
            refractory_time: 0.0,
        }
    }

    /// Advances one time step with input `i` and step size `t_step`; returns the output.
    pub fn step(&mut self, i: f64, t_step: f64) -> f64 {
        self.step_with_kick(i, t_step, 0.0)
    }

    /// [`FirstOrderLif::step`] with `kick` added to the voltage of a step that is not
    /// refractory: the Euler–Maruyama step of white noise, `kick = sigma·√(dt/tau_rc)·N`.
    pub fn step_with_kick(&mut self, i: f64, t_step: f64, kick: f64) -> f64 {
        self.refractory_time -= t_step;
        if self.refractory_time < 0.0 {
            self.v = self.v * (1.0 - t_step / self.tau_rc) + i * t_step / self.tau_rc + kick;
            if self.v > self.v_th {
                self.refractory_time = self.tau_ref;
                self.output = 1.0 / t_step;
                self.v = 0.0;
            } else {
                self.output = 0.0;
            }
        } else {
            // The tutorial's indentation is ambiguous here; a refractory step emits
            // nothing (DESIGN §1), which is the reading that reproduces its numbers.
            self.output = 0.0;
        }
        self.output
    }
}

/// Spikes of one reference neuron under a constant `current` over `steps` steps.
pub fn spike_count(params: &LifParams, current: f64, steps: u32) -> u32 {
    let mut neuron = FirstOrderLif::new(params);
    let mut count = 0;
    for _ in 0..steps {
        if neuron.step(current, params.dt) > 0.0 {
            count += 1;
        }
    }
    count
}

/// [`spike_count`] at the cost of the neuron's first two spikes: after every spike the
/// tutorial's neuron is in the same state (`v = 0`, the refractory time at `tau_ref`),
/// so once it has fired twice it fires every `n₂ − n₁` steps. It is stepped until its
/// second spike, or until its voltage stops moving without a spike (it never fires), or
/// to the end.
pub fn spike_count_by_period(params: &LifParams, current: f64, steps: u32) -> u32 {
    let mut neuron = FirstOrderLif::new(params);
    let mut spikes = [0u32; 2];
    let mut found = 0;
    let mut before = f64::NAN;
    for step in 1..=steps {
        let v = neuron.v;
        if neuron.step(current, params.dt) > 0.0 {
            spikes[found] = step;
            found += 1;
            if found == 2 {
                let [first, second] = spikes;
                return 1 + (steps - first) / (second - first);
            }
        } else if found == 0 && (neuron.v == v || neuron.v == before) {
            // A fixed point (or a cycle of two values) below threshold: never fires.
            return 0;
        }
        before = v;
    }
    found as u32
}

/// Spikes of one exact float64 neuron ([`ExactLif`]) under a constant `current` over
/// `steps` steps.
pub fn exact_spike_count(params: &LifParams, current: f64, steps: u32) -> u32 {
    let mut neuron = ExactLif::new(params);
    (0..steps).map(|_| neuron.step(current)).sum()
}
