//! Neuron parameters, run length, validation, and every constant derived from them.
//!
//! Each derived constant is computed here, once, in float64, and used by every
//! backend: the step count, the frozen refractory steps, the float32 decay factor and
//! the per-neuron float32 gap threshold. Backends never recompute them.

use crate::error::{Error, Result};
// Where they were before each method had a module of its own.

/// Largest input current magnitude accepted (model units). Keeps every float32 the
/// kernel forms finite and normal.
pub const MAX_CURRENT: f64 = 1e30;

/// Accepted firing thresholds (model units). Bounded away from zero so that no gap
/// threshold is a float32 subnormal, which some GPUs flush to zero.
pub const V_TH_RANGE: (f64, f64) = (1e-20, 1e20);

/// Smallest accepted `dt / tau_rc`. Below it the float32 decay factor `1 − dt/tau_rc`
/// rounds to within a few units in the last place of 1 and no longer describes the leak.
pub const MIN_DT_OVER_TAU_RC: f64 = 1e-6;

/// Largest accepted refractory period, in steps (`tau_ref / dt`). The frozen-step count
/// is found by replaying the tutorial's float64 countdown, one subtraction per step.
pub const MAX_REFRACTORY_STEPS: f64 = 1e8;

/// Largest step count of one run: spike counts and step counters are `u32`.
pub const MAX_STEPS: u64 = u32::MAX as u64;

/// Relative tolerance for "the duration is a whole number of steps".
pub(crate) const WHOLE_STEPS_TOLERANCE: f64 = 1e-9;

/// The parameters of the tutorial's `FirstOrderLIF` neuron, plus the time step.
///
/// The defaults are the tutorial class's: `tau_rc = 0.2 s`, `tau_ref = 0.002 s`,
/// `v_th = 1`, and its `dt = 0.001 s`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LifParams {
    /// Membrane (leak) time constant, seconds.
    pub tau_rc: f64,
    /// Refractory period after a spike, seconds.
    pub tau_ref: f64,
    /// Firing threshold, in the model's voltage units (currents share them).
    pub v_th: f64,
    /// Integration time step, seconds.
    pub dt: f64,
}

impl Default for LifParams {
    fn default() -> Self {
        LifParams {
            tau_rc: 0.2,
            tau_ref: 0.002,
            v_th: 1.0,
            dt: 0.001,
        }
    }
}

impl LifParams {
    /// Checks every parameter and their relations; the error names the parameter and
    /// the accepted range.
    pub fn validate(&self) -> Result<()> {
        let LifParams {
            tau_rc,
            tau_ref,
            v_th,
            dt,
        } = *self;
        if !(tau_rc.is_finite() && tau_rc > 0.0) {
            return Err(Error::parameter(
                "tau_rc",
                tau_rc,
                "a finite number > 0 (seconds)",
            ));
        }
        if !(dt.is_finite() && dt > 0.0) {
            return Err(Error::parameter("dt", dt, "a finite number > 0 (seconds)"));
        }
        if dt > tau_rc {
            return Err(Error::parameter(
                "dt",
                dt,
                format!(
                    "at most the membrane time constant tau_rc = {tau_rc} s \
                     (the Euler step is meaningless beyond it)"
                ),
            ));
        }
        if dt / tau_rc < MIN_DT_OVER_TAU_RC {
            return Err(Error::parameter(
                "dt",
                dt,
                format!(
                    "at least {MIN_DT_OVER_TAU_RC:e}·tau_rc = {:e} s (float32 cannot \
                     resolve a smaller leak per step)",
                    MIN_DT_OVER_TAU_RC * tau_rc
                ),
            ));
        }
        if !(tau_ref.is_finite() && tau_ref >= 0.0) {
            return Err(Error::parameter(
                "tau_ref",
                tau_ref,
                "a finite number ≥ 0 (seconds)",
            ));
        }
        if tau_ref / dt > MAX_REFRACTORY_STEPS {
            return Err(Error::parameter(
                "tau_ref",
                tau_ref,
                format!(
                    "at most {MAX_REFRACTORY_STEPS:e} steps of dt = {dt} s, i.e. {:e} s",
                    MAX_REFRACTORY_STEPS * dt
                ),
            ));
        }
        let (lo, hi) = V_TH_RANGE;
        if !(v_th.is_finite() && (lo..=hi).contains(&v_th)) {
            return Err(Error::parameter(
                "v_th",
                v_th,
                format!("a number from {lo:e} to {hi:e}"),
            ));
        }
        Ok(())
    }

    /// The same neuron frozen for exactly `steps` steps after each spike (Euler): its
    /// `tau_ref` becomes `(steps + ½)·dt`, which the tutorial's countdown turns into
    /// `steps` frozen steps whatever the rounding (it stops half a step from zero).
    ///
    /// Brian2 freezes `round(refractory/dt) − 1` steps: a Brian2 refractory period of
    /// `(steps + 1)·dt` gives the same Euler counts.
    pub fn with_refractory_steps(self, steps: u32) -> LifParams {
        LifParams {
            tau_ref: (f64::from(steps) + 0.5) * self.dt,
            ..self
        }
    }

    /// The number of steps after a spike on which the neuron is frozen, found by
    /// replaying the tutorial's float64 countdown (`refractory_time -= dt` until it is
    /// `< 0`). It is a rounding fact, not `round(tau_ref/dt)`: 199 for
    /// `tau_ref = 0.2, dt = 0.001`, 2 for `0.002`. Independent of the input current.
    ///
    /// Call on validated parameters; the replay is bounded by [`MAX_REFRACTORY_STEPS`].
    pub fn frozen_steps(&self) -> u32 {
        let mut refractory_time = self.tau_ref;
        let mut frozen: u32 = 0;
        loop {
            refractory_time -= self.dt;
            if refractory_time < 0.0 || frozen as f64 > MAX_REFRACTORY_STEPS {
                return frozen;
            }
            frozen += 1;
        }
    }

    /// The float32 factor by which the gap `u = I − v` shrinks on each integrating step:
    /// `1 − dt/tau_rc`, formed in float64 and rounded once.
    pub fn decay(&self) -> f32 {
        (1.0 - self.dt / self.tau_rc) as f32
    }

    /// The float32 gap threshold of a neuron driven by `current`: it spikes on the
    /// integrating step where its gap `u` falls below this.
    ///
    /// In exact arithmetic this is `current − v_th` (formed here in float64, so near
    /// threshold it keeps full relative precision). Rounding `1 − dt/tau_rc` to float32
    /// changes the decay rate by up to `2⁻²⁵ / (dt/tau_rc)` relative, which at
    /// `dt = 0.1 ms, tau_rc = 1 s` moves a 10,000-step interval by about 2 steps. So for
    /// a neuron that can fire, the threshold is placed where the float32 decay crosses it
    /// on the same step as the exact decay crosses `current − v_th`, counted from a reset
    /// (`u = current`): `I₃₂ · ((I − v_th)/I)^(ln decay₃₂ / ln(1 − dt/tau_rc))`.
    pub fn gap_threshold(&self, current: f64) -> f32 {
        self.gap_threshold_with(self.euler_rate_ratio(), current)
    }

    /// [`LifParams::gap_threshold`] with the parameters' [`LifParams::euler_rate_ratio`]
    /// formed once, for many currents.
    pub(crate) fn gap_threshold_with(&self, rate_ratio: Option<f64>, current: f64) -> f32 {
        let gap_th = current - self.v_th;
        match rate_ratio {
            Some(rate_ratio) if gap_th > 0.0 => {
                let start = f64::from(current as f32);
                (start * (rate_ratio * (gap_th / current).ln()).exp()) as f32
            }
            _ => gap_th as f32,
        }
    }

    /// How much faster the float32 decay relaxes than the exact one,
    /// `ln decay₃₂ / ln(1 − dt/tau_rc)`: `None` where the float32 decay is exact (or
    /// the step is not a decay), and the gap threshold needs no correction.
    pub(crate) fn euler_rate_ratio(&self) -> Option<f64> {
        let exact_decay = 1.0 - self.dt / self.tau_rc;
        let decay = f64::from(self.decay());
        if !(exact_decay > 0.0 && exact_decay < 1.0) || decay == exact_decay {
            return None;
        }
        Some(decay.ln() / (-self.dt / self.tau_rc).ln_1p())
    }

    /// The rate ratio of [`LifParams::gap_threshold`] less 1: 0 where the float32 decay
    /// is exact. What the device needs to form the same threshold itself.
    pub(crate) fn euler_rate_ratio_m1(&self) -> f64 {
        self.euler_rate_ratio().map_or(0.0, |r| r - 1.0)
    }
}

/// How the neuron is integrated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Method {
    /// The tutorial's forward Euler step, with its refractory countdown in whole steps.
    #[default]
    Euler,
    /// Exact integration for piecewise-constant input: the membrane relaxes
    /// exponentially over the non-refractory part of each step, the spike time is
    /// located inside the step, the refractory period starts there (the overshoot
    /// charged to it), and several spikes fit in one step when `tau_ref < dt`. The
    /// inter-spike interval is the analytic one, `tau_ref + tau_rc·ln(I/(I − v_th))`.
    Exact,
}

impl Method {
    /// The lowercase name used on the command line and in output files.
    pub fn name(self) -> &'static str {
        match self {
            Method::Euler => "euler",
            Method::Exact => "exact",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Checks one input current; `name` is the parameter the caller knows it by.
pub fn validate_current(name: &'static str, current: f64) -> Result<()> {
    if current.is_finite() && current.abs() <= MAX_CURRENT {
        Ok(())
    } else {
        Err(Error::parameter(
            name,
            current,
            format!("a finite number from -{MAX_CURRENT:e} to {MAX_CURRENT:e}"),
        ))
    }
}

/// Per-neuron parameters: `tau_rc`, `tau_ref` and `v_th` either shared by every neuron
/// (the run's [`LifParams`]) or given one per neuron. `dt` is always shared.
///
/// ```
/// use gpulif::{CpuStepper, LifParams, Method, NeuronParams, PopulationDesc, Run, Stepper};
///
/// let run = Run::new(LifParams::default(), 1.0)?.with_method(Method::Exact);
/// let currents = [2.0, 2.0, 2.0];
/// let tau_rc = [0.02, 0.2, 1.0];
/// let each = NeuronParams { tau_rc: Some(&tau_rc), ..NeuronParams::SHARED };
/// let desc = PopulationDesc::for_run(&run, &currents, each);
/// let counts = CpuStepper::new().simulate(&desc, run.steps(), &|_| {})?;
/// assert!(counts[0] > counts[1] && counts[1] > counts[2], "a faster leak charges faster");
/// # Ok::<(), gpulif::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NeuronParams<'a> {
    /// Membrane time constants, one per neuron, or `None` for the run's.
    pub tau_rc: Option<&'a [f64]>,
    /// Refractory periods, one per neuron, or `None` for the run's.
    pub tau_ref: Option<&'a [f64]>,
    /// Thresholds, one per neuron, or `None` for the run's.
    pub v_th: Option<&'a [f64]>,
}

impl<'a> NeuronParams<'a> {
    /// Every parameter shared.
    pub const SHARED: NeuronParams<'static> = NeuronParams {
        tau_rc: None,
        tau_ref: None,
        v_th: None,
    };

    /// True when no parameter is given per neuron.
    pub fn is_shared(&self) -> bool {
        self.tau_rc.is_none() && self.tau_ref.is_none() && self.v_th.is_none()
    }

    /// Neuron `k`'s parameters, the shared ones taken from `shared`.
    pub fn of(&self, shared: &LifParams, k: usize) -> LifParams {
        LifParams {
            tau_rc: self.tau_rc.map_or(shared.tau_rc, |v| v[k]),
            tau_ref: self.tau_ref.map_or(shared.tau_ref, |v| v[k]),
            v_th: self.v_th.map_or(shared.v_th, |v| v[k]),
            dt: shared.dt,
        }
    }

    /// The parameters of neurons `range` only.
    pub fn slice(&self, range: std::ops::Range<usize>) -> NeuronParams<'a> {
        NeuronParams {
            tau_rc: self.tau_rc.map(|v| &v[range.clone()]),
            tau_ref: self.tau_ref.map(|v| &v[range.clone()]),
            v_th: self.v_th.map(|v| &v[range]),
        }
    }

    /// Checks that each per-neuron slice has one value per neuron and that every
    /// neuron's parameters are valid; the error names the parameter and the neuron.
    pub fn validate(&self, shared: &LifParams, neurons: usize) -> Result<()> {
        for (name, values) in [
            ("tau_rc", self.tau_rc),
            ("tau_ref", self.tau_ref),
            ("v_th", self.v_th),
        ] {
            if let Some(values) = values
                && values.len() != neurons
            {
                return Err(Error::parameter(
                    name,
                    values.len(),
                    format!("one value per neuron, {neurons}"),
                ));
            }
        }
        if self.is_shared() {
            return shared.validate();
        }
        for k in 0..neurons {
            self.of(shared, k).validate().map_err(|e| match e {
                Error::InvalidParameter {
                    name,
                    value,
                    expected,
                } => Error::InvalidParameter {
                    name,
                    value: format!("{value} (neuron {k})"),
                    expected,
                },
                other => other,
            })?;
        }
        Ok(())
    }
}

/// Per-neuron parameters kept by a population, for its later `write_currents`.
#[derive(Clone, Debug, Default)]
pub(crate) struct OwnedNeuronParams {
    tau_rc: Option<Vec<f64>>,
    tau_ref: Option<Vec<f64>>,
    v_th: Option<Vec<f64>>,
}

impl OwnedNeuronParams {
    pub(crate) fn from(each: &NeuronParams<'_>) -> Self {
        OwnedNeuronParams {
            tau_rc: each.tau_rc.map(<[f64]>::to_vec),
            tau_ref: each.tau_ref.map(<[f64]>::to_vec),
            v_th: each.v_th.map(<[f64]>::to_vec),
        }
    }

    pub(crate) fn borrow(&self) -> NeuronParams<'_> {
        NeuronParams {
            tau_rc: self.tau_rc.as_deref(),
            tau_ref: self.tau_ref.as_deref(),
            v_th: self.v_th.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::run::Run;

    fn with(tau_ref: f64, dt: f64) -> LifParams {
        LifParams {
            tau_ref,
            dt,
            ..LifParams::default()
        }
    }

    #[test]
    fn frozen_steps_replay_the_float64_countdown() {
        // The tutorial's countdown, not round(tau_ref/dt): 0.2 - 200·0.001 in float64
        // lands just below zero on the 200th subtraction.
        assert_eq!(with(0.2, 0.001).frozen_steps(), 199);
        assert_eq!(with(0.002, 0.001).frozen_steps(), 2);
        assert_eq!(with(0.005, 0.001).frozen_steps(), 5);
        assert_eq!(with(0.0, 0.001).frozen_steps(), 0);
        assert_eq!(with(0.0005, 0.001).frozen_steps(), 0);
    }

    #[test]
    fn refractory_steps_give_exactly_that_many_frozen_steps() {
        for dt in [0.001, 0.0001, 0.0005, 0.1 / 3.0] {
            let p = with(0.0, dt);
            for steps in (0..3000).chain([99_999, 1_000_000, 100_000_000]) {
                assert_eq!(
                    p.with_refractory_steps(steps).frozen_steps(),
                    steps,
                    "dt {dt}"
                );
            }
        }
        // The tutorial's countdown for tau_ref = 1..=20 ms at dt = 1 ms: tau_ref/dt
        // frozen steps up to 10 ms, one fewer from 11 ms (a float64 rounding fact).
        let frozen: Vec<u32> = (1..=20)
            .map(|ms| with(f64::from(ms) / 1000.0, 0.001).frozen_steps())
            .collect();
        assert_eq!(
            frozen,
            [
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19
            ]
        );
    }

    #[test]
    fn steps_are_whole() {
        let p = LifParams::default();
        assert_eq!(Run::new(p, 10.0).unwrap().steps(), 10_000);
        assert_eq!(Run::new(p, 0.1).unwrap().steps(), 100);
        let err = Run::new(p, 0.0105).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidParameter {
                    name: "duration",
                    ..
                }
            ),
            "{err}"
        );
        assert!(Run::new(p, 0.0).is_err());
        assert!(Run::new(p, f64::NAN).is_err());
        assert!(
            Run::new(p, 1e7).is_err(),
            "1e10 steps overflow the counters"
        );
    }

    #[test]
    fn invalid_parameters_name_themselves() {
        let cases = [
            (
                "tau_rc",
                LifParams {
                    tau_rc: 0.0,
                    ..LifParams::default()
                },
            ),
            (
                "tau_rc",
                LifParams {
                    tau_rc: f64::INFINITY,
                    ..LifParams::default()
                },
            ),
            (
                "tau_ref",
                LifParams {
                    tau_ref: -1.0,
                    ..LifParams::default()
                },
            ),
            (
                "tau_ref",
                LifParams {
                    tau_ref: 1e9,
                    ..LifParams::default()
                },
            ),
            (
                "v_th",
                LifParams {
                    v_th: 0.0,
                    ..LifParams::default()
                },
            ),
            (
                "v_th",
                LifParams {
                    v_th: f64::NAN,
                    ..LifParams::default()
                },
            ),
            (
                "dt",
                LifParams {
                    dt: -0.001,
                    ..LifParams::default()
                },
            ),
            (
                "dt",
                LifParams {
                    dt: 0.5,
                    ..LifParams::default()
                },
            ),
            (
                "dt",
                LifParams {
                    dt: 1e-9,
                    ..LifParams::default()
                },
            ),
        ];
        for (name, p) in cases {
            match p.validate() {
                Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name, "{p:?}"),
                other => panic!("{p:?}: expected an error naming {name}, got {other:?}"),
            }
        }
        assert!(LifParams::default().validate().is_ok());
    }

    #[test]
    fn gap_threshold_is_current_minus_threshold_where_decay_is_exact() {
        // dt/tau_rc = 1/2 makes 1 − dt/tau_rc exact in float32: no correction.
        let p = LifParams {
            tau_rc: 0.002,
            ..LifParams::default()
        };
        assert_eq!(p.gap_threshold(1.1), (1.1f64 - 1.0) as f32);
        // Neurons that cannot fire keep the plain gap threshold.
        let p = LifParams::default();
        assert_eq!(p.gap_threshold(0.5), -0.5);
        assert_eq!(p.gap_threshold(1.0), 0.0);
    }

    #[test]
    fn gap_threshold_correction_is_small() {
        // The correction only compensates float32 rounding of the decay: a relative
        // change of (rate_ratio − 1)·ln(gap/I), at most a few parts in 10^3 here.
        let p = LifParams {
            tau_rc: 1.0,
            dt: 1e-4,
            ..LifParams::default()
        };
        for current in [1.0000001, 1.001, 1.5, 10.0, 1e6] {
            let plain = current - p.v_th;
            let corrected = f64::from(p.gap_threshold(current));
            let rel = (corrected - plain).abs() / plain;
            assert!(rel < 5e-3, "I = {current}: {corrected} vs {plain}");
        }
    }
}
