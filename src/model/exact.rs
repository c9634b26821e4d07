//! The exact method ([`Method::Exact`](crate::params::Method::Exact)) on the CPU: in
//! float64 for the reference, and in float32 as `shaders/lif_exact.wgsl` computes it.
//!
//! Within a step the input is constant, so the membrane relaxes exponentially towards
//! it: `v(t) = I + (v − I)·exp(−t/tau_rc)`. A step first spends whatever is left of the
//! refractory period, then integrates; if the voltage reaches `v_th` inside the step,
//! the spike time is located there, the refractory period starts at it, and what is
//! left of the step is used again — several spikes fit in a step when `tau_ref < dt`.

use crate::model::params::LifParams;

/// One neuron of the float64 exact reference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExactLif {
    /// The neuron's parameters.
    pub params: LifParams,
    /// Membrane voltage.
    pub v: f64,
    /// Refractory time left, seconds.
    pub refractory_time: f64,
}

impl ExactLif {
    /// A neuron at rest.
    pub fn new(params: &LifParams) -> Self {
        ExactLif {
            params: *params,
            v: 0.0,
            refractory_time: 0.0,
        }
    }

    /// Advances one step of `params.dt` under input `current`; returns the spikes fired
    /// in it.
    pub fn step(&mut self, current: f64) -> u32 {
        let LifParams {
            tau_rc,
            tau_ref,
            v_th,
            dt,
        } = self.params;
        if self.refractory_time >= dt {
            self.refractory_time -= dt;
            return 0;
        }
        let mut left = dt - self.refractory_time;
        self.refractory_time = 0.0;
        let mut spikes = 0;
        loop {
            if current > v_th && self.v < v_th {
                // Time to threshold: tau·ln((I − v)/(I − v_th)).
                let to_threshold = tau_rc * ((v_th - self.v) / (current - v_th)).ln_1p();
                if to_threshold <= left {
                    spikes += 1;
                    left -= to_threshold;
                    self.v = 0.0;
                    if tau_ref >= left {
                        self.refractory_time = tau_ref - left;
                        return spikes;
                    }
                    left -= tau_ref;
                    continue;
                }
            }
            self.v += (current - self.v) * -(-left / tau_rc).exp_m1();
            return spikes;
        }
    }
}

/// One neuron's state in the float32 exact kernel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExactState {
    /// The gap `u = I − v`.
    pub gap: f32,
    /// Refractory time left, seconds.
    pub refractory: f32,
    /// Spikes so far.
    pub spike_count: u32,
    /// Spikes on the last step.
    pub spiked: u32,
}

impl ExactState {
    /// At rest under `current`.
    pub fn at_rest(current: f32) -> Self {
        ExactState {
            gap: current,
            refractory: 0.0,
            spike_count: 0,
            spiked: 0,
        }
    }
}

/// Advances a neuron by `steps` exact steps in float32: `exact_step` of
/// `shaders/lif_exact.wgsl`, with Rust's `exp` and `ln` in place of the GPU's.
///
/// `gap_th` and `period` are the neuron's [`ExactConstants::inputs`].
pub fn step_exact(
    state: &mut ExactState,
    current: f32,
    gap_th: f32,
    period: f32,
    c: &ExactConstants,
    steps: u32,
) {
    for _ in 0..steps {
        let spikes = exact_step(state, current, gap_th, period, c);
        state.spike_count = state.spike_count.wrapping_add(spikes);
        state.spiked = spikes;
    }
}

/// One exact step; returns the spikes fired in it. The common cases come first:
/// integrating a whole step without reaching threshold, and a whole refractory step.
pub(crate) fn exact_step(
    state: &mut ExactState,
    current: f32,
    gap_th: f32,
    period: f32,
    c: &ExactConstants,
) -> u32 {
    let r = state.refractory;
    let u = state.gap;
    if r == 0.0 {
        let relaxed = u * c.decay;
        if gap_th <= 0.0 || relaxed >= gap_th {
            state.gap = relaxed;
            return 0;
        }
        return fire(state, current, gap_th, period, c, u, c.dt);
    }
    if r >= c.dt {
        state.refractory = r - c.dt;
        return 0;
    }
    // The refractory period ends inside this step; integrate the rest of it.
    let t = c.dt - r;
    state.refractory = 0.0;
    let relaxed = u * (-t / c.tau).exp();
    if gap_th <= 0.0 || relaxed >= gap_th {
        state.gap = relaxed;
        return 0;
    }
    fire(state, current, gap_th, period, c, u, t)
}

/// The neuron reaches threshold within the `t` seconds that start with gap `u`: the
/// first spike, then whole periods, then the rest of the step.
fn fire(
    state: &mut ExactState,
    current: f32,
    gap_th: f32,
    period: f32,
    c: &ExactConstants,
    u: f32,
    t: f32,
) -> u32 {
    let to_threshold = (c.tau * (u / gap_th).ln()).max(0.0);
    let left = (t - to_threshold).max(0.0);
    let more = (left / period).floor();
    let left = left - more * period;
    if left < c.tau_ref {
        state.refractory = c.tau_ref - left;
        state.gap = current;
    } else {
        state.refractory = 0.0;
        state.gap = current * (-(left - c.tau_ref) / c.tau).exp();
    }
    1 + more as u32
}

/// The float32 constants of the exact kernel for one parameter set, formed in float64.
///
/// Between events the gap `u = I − v` is multiplied by `decay = exp(−dt/tau_rc)`
/// rounded to float32. That rounding changes the time constant the multiplications
/// realise, so every time inside a step is measured with that realised constant,
/// `tau = −dt / ln(decay)`, and each neuron's threshold is placed where this decay
/// reaches it after exactly the analytic time to threshold (see
/// [`ExactConstants::inputs`]): the float32 neuron then fires at the analytic times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExactConstants {
    /// `exp(−dt/tau_rc)` in float32.
    pub decay: f32,
    /// The time constant that `decay` realises, `−dt / ln(decay)`, seconds.
    pub tau: f32,
    /// The refractory period, seconds.
    pub tau_ref: f32,
    /// The time step, seconds.
    pub dt: f32,
}

impl ExactConstants {
    /// The constants for validated `params`.
    pub fn new(params: &LifParams) -> Self {
        let decay = (-params.dt / params.tau_rc).exp_m1() + 1.0;
        let decay = decay as f32;
        ExactConstants {
            decay,
            tau: (-params.dt / f64::from(decay).ln()) as f32,
            tau_ref: params.tau_ref as f32,
            dt: params.dt as f32,
        }
    }

    /// `tau_rc / tau − 1`: how much faster the float32 decay relaxes than the exact one.
    /// What the device needs to form [`ExactConstants::inputs`] itself.
    pub(crate) fn rate_ratio_m1(&self, params: &LifParams) -> f64 {
        params.tau_rc / f64::from(self.tau) - 1.0
    }

    /// The exact kernel's threshold and period for a neuron driven by `current`.
    pub fn inputs(&self, params: &LifParams, current: f64) -> (f32, f32) {
        if current <= params.v_th {
            // Never fires: the plain gap threshold, which a decaying gap never crosses.
            return ((current - params.v_th) as f32, f32::MAX);
        }
        // The analytic time from v = 0 to threshold, and the gap the float32 decay
        // reaches after exactly that time.
        let to_threshold = -params.tau_rc * (-params.v_th / current).ln_1p();
        let start = f64::from(current as f32);
        let gap_th = start * (-to_threshold / f64::from(self.tau)).exp();
        (gap_th as f32, (params.tau_ref + to_threshold) as f32)
    }
}
