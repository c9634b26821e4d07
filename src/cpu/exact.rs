//! The exact method ([`Method::Exact`](crate::params::Method::Exact)) on the CPU: in
//! float64 for the reference, and in float32 as `shaders/lif_exact.wgsl` computes it.
//!
//! Within a step the input is constant, so the membrane relaxes exponentially towards
//! it: `v(t) = I + (v − I)·exp(−t/tau_rc)`. A step first spends whatever is left of the
//! refractory period, then integrates; if the voltage reaches `v_th` inside the step,
//! the spike time is located there, the refractory period starts at it, and what is
//! left of the step is used again — several spikes fit in a step when `tau_ref < dt`.

use crate::params::{ExactConstants, LifParams};

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
fn exact_step(
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
