//! The exact method ([`Method::Exact`](crate::model::params::Method::Exact)) on the CPU: in
//! float64 for the reference, and in float32 and integers as `shaders/lif_exact.wgsl`
//! computes it.
//!
//! Within a step the input is constant, so the membrane relaxes exponentially towards
//! it: `v(t) = I + (v − I)·exp(−t/tau_rc)`. A step first spends whatever is left of the
//! refractory period, then integrates; if the voltage reaches `v_th` inside the step,
//! the spike time is located there, the refractory period starts at it, and what is
//! left of the step is used again — several spikes fit in a step when `tau_ref < dt`.
//!
//! The float32 kernels step a neuron driven above threshold as a countdown to its next
//! spike in fixed point ([`ExactTimes`], formed once per current in float64): an
//! integer subtraction per step and an integer addition per spike, so a step costs what
//! an Euler step costs and no rounding accumulates over spikes. The voltage and the
//! refractory time are formed from the countdown when a run of steps ends.

use crate::model::fastmath;
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

/// Advances a neuron by `steps` exact steps in float32 with the countdown the kernels
/// use (see [`ExactTimes`]), from the gap and refractory time in `state` and back to
/// them.
///
/// `gap_th` and `period` are the neuron's [`ExactConstants::inputs`]; the countdown's
/// times are formed from them. The kernels form theirs from the float64 current
/// ([`ExactTimes::new`]), so their counts may differ from these by one where a spike
/// falls within float32 rounding of a step's end.
pub fn step_exact(
    state: &mut ExactState,
    current: f32,
    gap_th: f32,
    period: f32,
    c: &ExactConstants,
    steps: u32,
) {
    let dt = f64::from(c.dt);
    let times = if gap_th <= 0.0 || period == f32::MAX {
        ExactTimes::NEVER
    } else {
        let period = f64::from(period);
        ExactTimes::from_seconds(period - f64::from(c.tau_ref), period, dt)
    };
    let lane = ExactLane {
        decay: c.decay,
        tau: c.tau,
        per_step: (dt / f64::from(c.tau)) as f32,
        dt: c.dt,
    };
    let mut neuron = ExactCountdown::from_state(state, current, &times, &lane);
    for _ in 0..steps {
        let spikes = neuron.step(&times, &lane);
        state.spike_count = state.spike_count.wrapping_add(spikes);
        state.spiked = spikes;
    }
    (state.gap, state.refractory) = neuron.settled(current, &times, &lane);
}

/// Fixed-point units per step of the exact method's countdown: times are counted in
/// 2⁻³² steps, whole steps in the high word and the fraction in the low.
pub const UNITS_PER_STEP: u64 = 1 << 32;

/// A neuron's times under one constant current, in the countdown's fixed point, formed
/// in float64: when it first fires from rest, and how often it fires.
///
/// A neuron at rest fires after `t1 = tau_rc·ln(I/(I − v_th))`, then every
/// `period = tau_ref + t1`. Both are rounded once, to 2⁻³² step, so that spike `k` of a
/// constant current falls within `k·2⁻³³` step of its exact time; validation keeps them
/// below 2²⁸ steps (`t1 ≤ 37·tau_rc` for any float64 current above threshold).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExactTimes {
    /// The countdown of a neuron at rest: units to its first spike, less one (a spike
    /// falls in a step when the countdown is below [`UNITS_PER_STEP`] at its start).
    pub rest: u64,
    /// Units between spikes (at least 2); 0 when the neuron never fires.
    pub period: u64,
}

impl ExactTimes {
    /// A neuron that never fires: a countdown whose high word, all ones, never reaches 0.
    pub const NEVER: ExactTimes = ExactTimes {
        rest: 0xFFFF_FFFF_0000_0000,
        period: 0,
    };

    /// The times of a neuron with validated `params` under `current`.
    pub fn new(params: &LifParams, current: f64) -> Self {
        if current <= params.v_th {
            return Self::NEVER;
        }
        let to_threshold = -params.tau_rc * (-params.v_th / current).ln_1p();
        Self::from_seconds(to_threshold, params.tau_ref + to_threshold, params.dt)
    }

    /// The times of a neuron that fires `to_threshold` seconds after rest and every
    /// `period` seconds.
    fn from_seconds(to_threshold: f64, period: f64, dt: f64) -> Self {
        let units = |seconds: f64| (seconds / dt * UNITS_PER_STEP as f64).round();
        ExactTimes {
            rest: units(to_threshold).max(1.0) as u64 - 1,
            period: units(period).max(2.0) as u64,
        }
    }

    /// True when the neuron fires under its current.
    pub fn fires(&self) -> bool {
        self.period != 0
    }

    /// The spikes of a neuron at rest with these times after `steps` steps of the
    /// countdown (`count_down` from `rest`): its spikes fall at `rest + k·period`
    /// units, and those below `steps` whole steps are counted, in one division.
    pub fn spikes_from_rest(&self, steps: u32) -> u32 {
        let end = u64::from(steps) * UNITS_PER_STEP;
        if !self.fires() || self.rest >= end {
            return 0;
        }
        ((end - 1 - self.rest) / self.period + 1) as u32
    }
}

/// The float32 constants an exact neuron converts its countdown with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ExactLane {
    /// `exp(−dt/tau_rc)`: a neuron below threshold multiplies its gap by it each step.
    pub decay: f32,
    /// The time constant `decay` realises, seconds.
    pub tau: f32,
    /// `dt/tau_rc`.
    pub per_step: f32,
    /// The time step, seconds.
    pub dt: f32,
}

impl ExactLane {
    /// The constants of validated `params`.
    pub fn new(params: &LifParams) -> Self {
        let c = ExactConstants::new(params);
        ExactLane {
            decay: c.decay,
            tau: c.tau,
            per_step: (params.dt / params.tau_rc) as f32,
            dt: c.dt,
        }
    }
}

/// `units / 2³²` in float32 from conversions that are exact and correctly rounded adds,
/// as `shaders/lif_exact.wgsl` forms it.
#[inline(always)]
fn steps_f32(units: u64) -> f32 {
    let hi = (units >> 32) as u32;
    let lo = units as u32;
    let whole = (hi >> 16) as f32 * 65536.0 + (hi & 0xFFFF) as f32;
    whole + (lo >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// `steps` (≥ 0, below 2³²) in countdown units, as the shader forms them.
#[inline(always)]
fn units_of(steps: f32) -> u64 {
    let whole = steps.floor();
    let fraction = ((steps - whole) * 4_294_967_296.0) as u32;
    (u64::from(whole as u32) << 32) | u64::from(fraction)
}

/// One exact neuron as the kernels step it, in integers between events.
///
/// A neuron driven above threshold carries the time to its next spike as a countdown
/// in fixed point ([`UNITS_PER_STEP`]): a step subtracts one step, a spike adds the
/// period; a neuron below threshold multiplies its gap by `exp(−dt/tau_rc)`. The gap
/// and the refractory time left are formed from the countdown when a run of steps ends
/// (one `exp`), and the countdown from them when the current changes (one `ln`).
/// Between changes of current no float rounding accumulates, so the count under a
/// constant current is the exact count except within `k·2⁻³³` step of a step's end,
/// and the same on every backend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ExactCountdown {
    /// Units to the next spike, less one; [`ExactTimes::NEVER`]'s `rest` below
    /// threshold.
    pub due: u64,
    /// The gap `u = I − v` of a neuron below threshold (of one above, formed by
    /// `settled`).
    pub gap: f32,
    /// Refractory time left of a neuron below threshold, seconds.
    pub refractory: f32,
}

impl ExactCountdown {
    /// The countdown of a neuron with `state`'s gap and refractory time under a current
    /// with `times`: one `ln` when it is integrating.
    pub(crate) fn from_state(
        state: &ExactState,
        current: f32,
        times: &ExactTimes,
        lane: &ExactLane,
    ) -> Self {
        let fires = times.fires();
        ExactCountdown {
            due: if fires {
                reckon(state.gap, state.refractory, current, times.rest, lane)
            } else {
                ExactTimes::NEVER.rest
            },
            gap: state.gap,
            refractory: if fires { 0.0 } else { state.refractory },
        }
    }

    /// One step; returns the spikes fired in it.
    #[inline(always)]
    pub(crate) fn step(&mut self, times: &ExactTimes, lane: &ExactLane) -> u32 {
        if times.fires() {
            return count_down(&mut self.due, times.period);
        }
        let r = self.refractory;
        if r == 0.0 {
            self.gap *= lane.decay;
        } else if r >= lane.dt {
            self.refractory = r - lane.dt;
        } else {
            // The refractory period ends inside this step; integrate the rest of it.
            self.refractory = 0.0;
            self.gap *= fastmath::exp(-(lane.dt - r) / lane.tau);
        }
        0
    }

    /// The gap and refractory time left that the countdown stands for.
    pub(crate) fn settled(&self, current: f32, times: &ExactTimes, lane: &ExactLane) -> (f32, f32) {
        if times.fires() {
            settle(self.due, times.rest, current, lane)
        } else {
            (self.gap, self.refractory)
        }
    }
}

/// One step of a firing neuron's countdown `due`; returns the spikes in the step: those
/// at `due`, `due + period`, … below one step.
#[inline(always)]
pub(crate) fn count_down(due: &mut u64, period: u64) -> u32 {
    if *due >= UNITS_PER_STEP {
        *due -= UNITS_PER_STEP;
        return 0;
    }
    let spikes = (UNITS_PER_STEP - 1 - *due) / period + 1;
    *due = *due + spikes * period - UNITS_PER_STEP;
    spikes as u32
}

/// `steps` steps of a firing neuron's countdown `due` at once: [`count_down`] `steps`
/// times, in one division. Returns the spikes in them (the spikes at `due`, `due +
/// period`, … below `steps` whole steps), which may exceed `u32::MAX`.
#[inline(always)]
pub(crate) fn count_down_steps(due: &mut u64, period: u64, steps: u32) -> u64 {
    let end = u64::from(steps) * UNITS_PER_STEP;
    if *due >= end {
        *due -= end;
        return 0;
    }
    // The last spike before the end is `(end − 1 − due) mod period` units before it;
    // the next, that much less one before a period after it.
    let to_end = end - 1 - *due;
    *due = period - 1 - to_end % period;
    to_end / period + 1
}

/// The gap and refractory time left of a firing neuron whose countdown is `due`: while
/// `due` exceeds `rest` the neuron is refractory for the difference, else it has
/// integrated from rest for `rest − due`. Branch-free (both cases are formed, one
/// kept), so that a loop over lanes vectorises, `exp` included.
#[inline(always)]
pub(crate) fn settle(due: u64, rest: u64, current: f32, lane: &ExactLane) -> (f32, f32) {
    let refractory = due > rest;
    let units = if refractory {
        due.wrapping_sub(rest)
    } else {
        rest.wrapping_sub(due)
    };
    let steps = steps_f32(units);
    let relaxed = current * fastmath::exp(-(steps * lane.per_step));
    if refractory {
        (current, steps * lane.dt)
    } else {
        (relaxed, 0.0)
    }
}

/// The countdown of a firing neuron (`rest` its [`ExactTimes::rest`]) with gap `gap` and
/// `refractory` seconds left: the rest of the refractory period then the time from
/// rest, or the time from rest less the time the gap says it has integrated for.
#[inline(always)]
pub(crate) fn reckon(gap: f32, refractory: f32, current: f32, rest: u64, lane: &ExactLane) -> u64 {
    if refractory > 0.0 {
        return rest + units_of(refractory / lane.dt);
    }
    if gap <= 0.0 {
        // At or past threshold: the spike is due at once.
        return 0;
    }
    let elapsed = fastmath::ln(current / gap) / lane.per_step;
    if elapsed >= 0.0 {
        rest.saturating_sub(units_of(elapsed))
    } else {
        // Below rest (a negative voltage): longer than from rest.
        rest + units_of(-elapsed)
    }
}

/// The float32 constants of the exact kernel for one parameter set, formed in float64.
///
/// A neuron below threshold multiplies its gap `u = I − v` by `decay = exp(−dt/tau_rc)`
/// rounded to float32 each step; `tau = −dt / ln(decay)` is the time constant those
/// multiplications realise, with which the end of a refractory period inside a step is
/// integrated. A neuron above threshold counts down to its spikes ([`ExactTimes`]).
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

    /// A neuron's gap threshold (the gap the float32 decay reaches after exactly the
    /// analytic time to threshold) and inter-spike interval in seconds, under `current`:
    /// the inputs of [`step_exact`]. The kernels read [`ExactTimes`] instead.
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
