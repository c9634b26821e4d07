//! The analytic LIF response: the firing rate of the continuous-time neuron under a
//! constant input, and its inverse.

use crate::input::poisson::Poisson;
use crate::model::noise::Noise;
use crate::model::params::LifParams;

/// `|ζ(1/2)|`, the constant of the discretely monitored barrier.
const ZETA_HALF: f64 = 1.460_354_508_809_586_8;

/// How far a threshold checked once per step of white noise effectively rises, in units
/// of the noise's voltage step `sigma·√(dt/tau_rc)`: `|ζ(1/2)|/√(2π) ≈ 0.5826`
/// (Broadie, Glasserman & Kou 1997).
pub const DISCRETE_BARRIER_SHIFT: f64 = ZETA_HALF / 2.506_628_274_631_000_2;

/// The largest `dt/tau_rc` at which the step-corrected Siegert rate ([`noisy_rate`]
/// with `dt_correction`) is checked against simulation (`tests/noise.rs`); above it the
/// correction is an extrapolation, and the simulated curve may sit a few Hz off it
/// (about 3 Hz below at dt/tau_rc = 0.05, sigma 0.3, 50–100 Hz).
pub const CHECKED_DT_RATIO: f64 = 0.005;

/// `Some(dt/tau_rc)` where a run's analytic rate is the step-corrected Siegert rate of
/// white noise (`noise` white and on, `dt_correction`) at a step above
/// [`CHECKED_DT_RATIO`], where that rate is not checked.
pub fn unchecked_step(params: &LifParams, noise: &Noise, dt_correction: bool) -> Option<f64> {
    let corrected = noise.is_on() && !noise.is_coloured() && dt_correction;
    let ratio = params.dt / params.tau_rc;
    (corrected && ratio > CHECKED_DT_RATIO).then_some(ratio)
}

/// The analytic firing rate (Hz) of the continuous-time LIF neuron under a constant
/// `current`: `r(I) = 1 / (tau_ref − tau_rc·ln(1 − v_th/I))` for `I > v_th`, else 0.
///
/// `ln(1 − x)` is evaluated as `ln_1p(−x)`, which stays accurate for large currents.
pub fn rate(params: &LifParams, current: f64) -> f64 {
    if current <= params.v_th {
        return 0.0;
    }
    1.0 / (params.tau_ref - params.tau_rc * (-params.v_th / current).ln_1p())
}

/// The constant current that makes the analytic neuron fire at `rate` Hz, the inverse
/// of [`rate`]: `I = v_th / (1 − exp((tau_ref − 1/r)/tau_rc))`.
///
/// `None` unless `0 < rate < 1/tau_ref` (no current reaches the refractory ceiling).
pub fn current_for_rate(params: &LifParams, rate: f64) -> Option<f64> {
    if !(rate > 0.0 && rate.is_finite() && rate * params.tau_ref < 1.0) {
        return None;
    }
    let exponent = (params.tau_ref - 1.0 / rate) / params.tau_rc;
    Some(params.v_th / -exponent.exp_m1())
}

/// The scaled complementary error function `erfcx(x) = e^(x²)·erfc(x)`, accurate to a
/// few float64 ulps for every `x` (infinite once `e^(x²)` overflows, `x < −26.6`).
pub fn erfcx(x: f64) -> f64 {
    if x < 0.0 {
        2.0 * (x * x).exp() - erfcx(-x)
    } else if x < 25.0 {
        (x * x).exp() * libm::erfc(x)
    } else {
        // The asymptotic series; its first omitted term is below 2×10⁻¹¹ here.
        let y = 1.0 / (x * x);
        let series = 1.0 - y * (0.5 - y * (0.75 - y * 1.875));
        series / (x * std::f64::consts::PI.sqrt())
    }
}

/// `∫ₐᵇ e^(u²)·(1 + erf u) du = ∫ₐᵇ erfcx(−u) du` by ten-point Gauss–Legendre on panels
/// a quarter of the integrand's scale wide (`|u|` where it falls as `1/|u|`, `1/u` where
/// it grows as `e^(u²)`).
fn siegert_integral(a: f64, b: f64) -> f64 {
    const X: [f64; 5] = [
        0.148_874_338_981_631_2,
        0.433_395_394_129_247_2,
        0.679_409_568_299_024_4,
        0.865_063_366_688_984_5,
        0.973_906_528_517_171_7,
    ];
    const W: [f64; 5] = [
        0.295_524_224_714_752_9,
        0.269_266_719_309_996_4,
        0.219_086_362_515_982,
        0.149_451_349_150_580_6,
        0.066_671_344_308_688_1,
    ];
    let mut total = 0.0;
    let mut lo = a;
    while lo < b {
        let width = if lo < 0.0 {
            0.25 * lo.abs().max(1.0)
        } else {
            0.25 / lo.max(1.0)
        };
        let hi = (lo + width).min(b);
        let (mid, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
        let panel: f64 = X
            .iter()
            .zip(W)
            .map(|(&x, w)| w * (erfcx(-(mid - half * x)) + erfcx(-(mid + half * x))))
            .sum();
        total += half * panel;
        lo = hi;
    }
    total
}

/// The Siegert rate (Hz): the diffusion approximation's firing rate of the LIF neuron
/// `tau_rc·dv/dt = −v + I + sigma·√tau_rc·ξ(t)` with threshold `theta` and reset
/// `reset`:
/// `1 / (tau_ref + tau_rc·√π·∫ e^(u²)(1 + erf u) du)` from `(reset − I)/sigma` to
/// `(theta − I)/sigma`.
pub fn siegert(params: &LifParams, current: f64, sigma: f64, theta: f64, reset: f64) -> f64 {
    if sigma <= 0.0 {
        return rate(
            &LifParams {
                v_th: theta - reset,
                ..*params
            },
            current - reset,
        );
    }
    let (a, b) = ((reset - current) / sigma, (theta - current) / sigma);
    if b > 26.0 {
        // e^(b²) overflows: the rate is below 10⁻²⁹⁰ Hz.
        return 0.0;
    }
    1.0 / (params.tau_ref + params.tau_rc * std::f64::consts::PI.sqrt() * siegert_integral(a, b))
}

/// The analytic rate (Hz) under `noise`: [`rate`] without noise, else the Siegert rate.
///
/// Without `dt_correction`, the Siegert rate of the continuous neuron. With it (the
/// default of `gpulif curve`), the rate of the neuron the Euler step simulates, which
/// differs from the continuous one in three ways, each accounted for:
///
/// * its voltage is an exact sampling of a continuous Ornstein–Uhlenbeck process, with
///   time constant `tau' = −dt/ln(1 − dt/tau_rc)` and noise `sigma' =
///   sigma/√(1 − dt/(2·tau_rc))` (the AR(1) recursion `v ← (1 − a)·v + a·I + s·N` has
///   that process's step-to-step law), so the Siegert rate is taken with those;
/// * a neuron stays at rest for a whole number of steps, `frozen_steps·dt`
///   ([`LifParams::frozen_steps`]), which stands for `tau_ref`;
/// * the threshold is checked only at the end of each step, which finds crossings late:
///   under white noise the threshold is raised by
///   [`DISCRETE_BARRIER_SHIFT`]`·sigma'·√(dt/tau')` (Broadie, Glasserman & Kou 1997).
///
/// With coloured noise, the Siegert rate with threshold and reset raised by
/// `sigma·(α/2)·√(tau/tau_rc)`, `α = √2·|ζ(1/2)|` (Fourcaud & Brunel 2002, an
/// approximation for `tau ≪ tau_rc`), with the whole-step refractory period when
/// `dt_correction`.
pub fn noisy_rate(params: &LifParams, current: f64, noise: &Noise, dt_correction: bool) -> f64 {
    NoisyRate::new(params, noise, dt_correction).rate(current)
}

/// [`noisy_rate`] with everything that does not depend on the current formed once:
/// for curves, which ask it of every neuron.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NoisyRate {
    /// The parameters the Siegert rate is taken with (or [`rate`]'s without noise).
    params: LifParams,
    /// The noise amplitude, 0 without noise.
    sigma: f64,
    /// Threshold and reset, shifted.
    theta: f64,
    reset: f64,
    /// The mean current Poisson input adds, 0 without.
    #[cfg_attr(feature = "serde", serde(skip))]
    poisson_current: f64,
}

impl NoisyRate {
    /// The rate of neurons with `params` under `noise`; see [`noisy_rate`].
    pub fn new(params: &LifParams, noise: &Noise, dt_correction: bool) -> Self {
        let plain = |params: LifParams, sigma: f64, theta: f64, reset: f64| NoisyRate {
            params,
            sigma,
            theta,
            reset,
            poisson_current: 0.0,
        };
        if !noise.is_on() {
            return plain(*params, 0.0, params.v_th, 0.0);
        }
        let sigma = noise.sigma;
        let dead = LifParams {
            tau_ref: if dt_correction {
                f64::from(params.frozen_steps()) * params.dt
            } else {
                params.tau_ref
            },
            ..*params
        };
        if noise.is_coloured() {
            let shift = sigma
                * (std::f64::consts::SQRT_2 * ZETA_HALF / 2.0)
                * (noise.tau / params.tau_rc).sqrt();
            return plain(dead, sigma, params.v_th + shift, shift);
        }
        if !dt_correction {
            return plain(*params, sigma, params.v_th, 0.0);
        }
        let a = params.dt / params.tau_rc;
        let tau = -params.dt / (-a).ln_1p();
        let sigma = sigma / (1.0 - a / 2.0).sqrt();
        let shift = DISCRETE_BARRIER_SHIFT * sigma * (params.dt / tau).sqrt();
        plain(
            LifParams {
                tau_rc: tau,
                ..dead
            },
            sigma,
            params.v_th + shift,
            0.0,
        )
    }

    /// The rate of neurons with `params` under `noise` and Poisson input `poisson`, by
    /// the diffusion approximation: the events act as the mean current
    /// [`Poisson::mean_current`] and white noise of amplitude [`Poisson::sigma`], whose
    /// variance adds to the noise's (with coloured noise, the sum is taken as the
    /// coloured noise's amplitude: a rough approximation). Good where many small events
    /// arrive in a membrane time constant; it fails for large weights (a few events
    /// cross the threshold: `weight` a sizeable fraction of `v_th`) and low rates
    /// (`rate·tau_rc` of order 1 or less), where the input is a train of distinct jumps.
    pub fn with_poisson(
        params: &LifParams,
        noise: &Noise,
        poisson: &Poisson,
        dt_correction: bool,
    ) -> Self {
        if !poisson.is_on() {
            return NoisyRate::new(params, noise, dt_correction);
        }
        let sigma = poisson.sigma(params.tau_rc);
        let tau = if noise.is_on() { noise.tau } else { 0.0 };
        let both = Noise::coloured(noise.sigma.hypot(sigma), tau, noise.seed);
        NoisyRate {
            poisson_current: poisson.mean_current(params.tau_rc),
            ..NoisyRate::new(params, &both, dt_correction)
        }
    }

    /// The rate (Hz) of a neuron under `current`.
    pub fn rate(&self, current: f64) -> f64 {
        let current = if self.poisson_current != 0.0 {
            current + self.poisson_current
        } else {
            current
        };
        if self.sigma == 0.0 {
            return rate(&self.params, current);
        }
        siegert(&self.params, current, self.sigma, self.theta, self.reset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn rate_matches_the_tutorial_formula() {
        let p = LifParams {
            tau_rc: 0.3,
            tau_ref: 0.2,
            ..LifParams::default()
        };
        // The tutorial's analyticalRate, evaluated here by hand in float64.
        let expected = 1.0 / (0.2 - 0.3 * (1.0f64 - 1.0 / 2.0).ln());
        assert_relative_eq!(rate(&p, 2.0), expected, max_relative = 1e-15);
        assert_eq!(rate(&p, 1.0), 0.0, "at threshold the neuron is silent");
        assert_eq!(rate(&p, 0.5), 0.0);
        assert_eq!(rate(&p, -3.0), 0.0);
        // Saturates at 1/tau_ref.
        assert_relative_eq!(rate(&p, 1e12), 5.0, max_relative = 1e-9);
    }

    #[test]
    fn inverse_round_trips() {
        let p = LifParams::default();
        for r in [0.5, 10.0, 100.0, 400.0, 499.0] {
            let current = current_for_rate(&p, r).unwrap();
            // Only float64 rounding separates the two: a few ulps of amplification.
            assert_relative_eq!(rate(&p, current), r, max_relative = 1e-12);
        }
        assert_eq!(current_for_rate(&p, 0.0), None);
        assert_eq!(
            current_for_rate(&p, 500.0),
            None,
            "1/tau_ref is unreachable"
        );
    }

    #[test]
    fn erfcx_matches_its_definition_and_its_asymptote() {
        for x in [-3.0f64, -1.0, -0.1, 0.0, 0.3, 1.0, 4.0, 10.0] {
            let direct = (x * x).exp() * libm::erfc(x);
            assert_relative_eq!(erfcx(x), direct, max_relative = 1e-14);
        }
        // Continuous where the series takes over.
        assert_relative_eq!(erfcx(25.0 - 1e-12), erfcx(25.0), max_relative = 1e-10);
        // erfcx(x)·x·√π → 1.
        assert_relative_eq!(
            erfcx(1e6) * 1e6 * std::f64::consts::PI.sqrt(),
            1.0,
            max_relative = 1e-12
        );
    }

    #[test]
    fn siegert_tends_to_the_noise_free_rate() {
        // Small noise far above threshold: the diffusion rate is the deterministic one
        // to first order in sigma² (relative corrections of order (sigma/(I − v_th))²).
        let p = LifParams {
            tau_rc: 0.02,
            tau_ref: 0.002,
            ..LifParams::default()
        };
        for current in [1.5, 3.0, 10.0] {
            let noisy = siegert(&p, current, 1e-3, 1.0, 0.0);
            assert_relative_eq!(noisy, rate(&p, current), max_relative = 1e-5);
        }
        // Far below threshold with small noise: silent.
        assert!(siegert(&p, 0.5, 0.01, 1.0, 0.0) < 1e-100);
    }

    #[test]
    fn siegert_matches_published_values() {
        // The values the noise model's specification quotes for tau_rc 20 ms,
        // tau_ref 2 ms, mu 0.9, sigma 0.3: 17.04 Hz raw, and with the threshold raised by
        // 0.5826·sigma·√(dt/tau_rc) alone 16.40 Hz at dt 0.1 ms and 15.05 Hz at dt 1 ms
        // (rounded to 0.01 Hz).
        let p = |dt| LifParams {
            tau_rc: 0.02,
            tau_ref: 0.002,
            v_th: 1.0,
            dt,
        };
        let noise = Noise::white(0.3, 0);
        let raw = noisy_rate(&p(1e-3), 0.9, &noise, false);
        assert!((raw - 17.04).abs() < 0.005, "raw {raw}");
        let barrier = |dt: f64| {
            let shift = DISCRETE_BARRIER_SHIFT * 0.3 * (dt / 0.02f64).sqrt();
            siegert(&p(dt), 0.9, 0.3, 1.0 + shift, 0.0)
        };
        assert!(
            (barrier(1e-4) - 16.40).abs() < 0.005,
            "dt 0.1 ms: {}",
            barrier(1e-4)
        );
        assert!(
            (barrier(1e-3) - 15.05).abs() < 0.005,
            "dt 1 ms: {}",
            barrier(1e-3)
        );
    }
}
