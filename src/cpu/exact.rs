//! The exact method ([`Method::Exact`](crate::params::Method::Exact)) on the CPU: in
//! float64 for the reference, and in float32 as `shaders/lif_exact.wgsl` computes it.
//!
//! Within a step the input is constant, so the membrane relaxes exponentially towards
//! it: `v(t) = I + (v − I)·exp(−t/tau_rc)`. A step first spends whatever is left of the
//! refractory period, then integrates; if the voltage reaches `v_th` inside the step,
//! the spike time is located there, the refractory period starts at it, and what is
//! left of the step is used again — several spikes fit in a step when `tau_ref < dt`.

use super::kernel::LANES;
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

/// [`LANES`] neurons of the exact kernel, as struct of arrays, sharing one set of
/// constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExactBlock {
    /// Each neuron's gap `u = I − v`.
    pub gap: [f32; LANES],
    /// Refractory time left, seconds.
    pub refractory: [f32; LANES],
    /// Spikes so far.
    pub spike_count: [u32; LANES],
    /// Spikes on the last step.
    pub spiked: [u32; LANES],
    /// Input currents.
    pub current: [f32; LANES],
    /// Gap thresholds ([`ExactConstants::inputs`]); lanes past the neurons never fire.
    pub gap_th: [f32; LANES],
    /// Inter-spike intervals ([`ExactConstants::inputs`]).
    pub period: [f32; LANES],
}

impl ExactBlock {
    /// A block at rest for up to [`LANES`] neurons; the other lanes are idle.
    pub fn at_rest(current: &[f32], gap_th: &[f32], period: &[f32]) -> Self {
        let mut block = ExactBlock {
            gap: [0.0; LANES],
            refractory: [0.0; LANES],
            spike_count: [0; LANES],
            spiked: [0; LANES],
            current: [0.0; LANES],
            // A gap of 0 never falls below −1.
            gap_th: [-1.0; LANES],
            period: [f32::MAX; LANES],
        };
        let n = current.len();
        block.current[..n].copy_from_slice(current);
        block.gap[..n].copy_from_slice(current);
        block.gap_th[..n].copy_from_slice(gap_th);
        block.period[..n].copy_from_slice(period);
        block
    }
}

/// Advances a block by `steps` exact steps: [`step_exact`] on every lane, with the two
/// common cases (a whole step integrated without reaching threshold, a whole step
/// refractory) done for all lanes at once, and each remaining lane — a spike, or the
/// end of a refractory period — by the scalar step. The same operations as
/// [`step_exact`], so the same results bit for bit.
#[inline(always)]
pub(crate) fn step_exact_block(block: &mut ExactBlock, c: &ExactConstants, steps: u32) {
    let (decay, dt) = (c.decay, c.dt);
    for _ in 0..steps {
        let mut slow = [false; LANES];
        for (lane, slow) in slow.iter_mut().enumerate() {
            let r = block.refractory[lane];
            let u = block.gap[lane];
            let relaxed = u * decay;
            let th = block.gap_th[lane];
            let whole = r >= dt;
            let simple = (r == 0.0) & ((th <= 0.0) | (relaxed >= th));
            block.gap[lane] = if simple { relaxed } else { u };
            block.refractory[lane] = if whole { r - dt } else { r };
            block.spiked[lane] = 0;
            *slow = !(simple | whole);
        }
        // The slow lanes as a bit mask, visited lowest first.
        let mut mask = slow
            .iter()
            .enumerate()
            .fold(0u64, |mask, (lane, &s)| mask | (u64::from(s) << lane));
        while mask != 0 {
            let lane = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let mut state = ExactState {
                gap: block.gap[lane],
                refractory: block.refractory[lane],
                spike_count: 0,
                spiked: 0,
            };
            let spikes = exact_step(
                &mut state,
                block.current[lane],
                block.gap_th[lane],
                block.period[lane],
                c,
            );
            block.gap[lane] = state.gap;
            block.refractory[lane] = state.refractory;
            block.spike_count[lane] = block.spike_count[lane].wrapping_add(spikes);
            block.spiked[lane] = spikes;
        }
    }
}
