//! The analytic LIF response: the firing rate of the continuous-time neuron under a
//! constant input, and its inverse.

use crate::params::LifParams;

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
}
