//! `ln` and `exp` in float32 from multiplies, adds and bit operations only, so that a
//! loop over lanes vectorises on the CPU and `shaders/fastmath.wgsl` computes the same
//! bits on a GPU (WGSL rounds `+`, `−` and `×` correctly, and no kernel here uses `fma`;
//! a driver that contracts `a·b + c` may move a result by an ulp).
//!
//! Bounds, asserted by the tests below over every input range: relative error below
//! 2.5×10⁻⁷ for [`exp`] on `(−87, 88]` and 1.8×10⁻⁷ for [`ln`] on the positive normal
//! floats outside `[0.5, 2)`, absolute error below 1.2×10⁻⁷ inside it, where `ln` is
//! near 0 (measured: 1.16×10⁻⁷, 1.42×10⁻⁷ and 9.2×10⁻⁸).

// ln(1 + x) / x on [√½ − 1, √2 − 1]: a Chebyshev fit of degree 7, coefficients rounded
// to float32 (largest error of ln(1 + x) there, evaluated in float64: 8.3×10⁻⁸, and
// smaller in proportion to |x| near 0, so the relative error of ln u stays small).
pub(crate) const LN_P: [f32; 8] = [
    0.999_999_94,
    -0.500_003_64,
    0.333_351_14,
    -0.249_700_71,
    0.198_985_65,
    -0.172_470_14,
    0.162_341_9,
    -0.101_340_57,
];

// exp(f) on [−ln 2/2, ln 2/2]: a Chebyshev fit of degree 6, coefficients rounded to
// float32 (largest relative error, evaluated in float32: 9.6×10⁻⁸).
pub(crate) const EXP_P: [f32; 7] = [
    1.0,
    1.0,
    0.5,
    0.166_664_15,
    0.041_666_217,
    0.008_375_129,
    0.001_394_858_1,
];

/// ln 2, split: `LN2_HI` has 8 significant bits, so `e·LN2_HI` is exact for |e| < 2¹⁶.
pub(crate) const LN2_HI: f32 = 0.69140625;
pub(crate) const LN2_LO: f32 = 0.001_740_930_6;
const LOG2_E: f32 = std::f32::consts::LOG2_E;

/// `p[0] + x·(p[1] + x·(…))`, each step a multiply then an add.
#[inline(always)]
pub(crate) fn horner<const N: usize>(p: &[f32; N], x: f32) -> f32 {
    let mut acc = p[N - 1];
    for k in (0..N - 1).rev() {
        acc = acc * x + p[k];
    }
    acc
}

/// `ln x` for a positive normal `x`, from the float's exponent and a polynomial in its
/// significand.
#[inline(always)]
pub fn ln(x: f32) -> f32 {
    let bits = x.to_bits();
    // The significand in [√½, √2) and the exponent that goes with it.
    let above = (bits & 0x007F_FFFF) > 0x0035_04F3;
    let m = f32::from_bits((bits & 0x007F_FFFF) | if above { 0x3F00_0000 } else { 0x3F80_0000 });
    let e = ((bits >> 23) as i32 - 127 + i32::from(above)) as f32;
    let y = m - 1.0;
    let ln_m = y * horner(&LN_P, y);
    e * LN2_HI + (e * LN2_LO + ln_m)
}

/// `e^x` for `x` in `(−87, 88]`; 0 for `x ≤ −87` (where `e^x < 1.7×10⁻³⁸`).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let low = x <= -87.0;
    let x = if low { 0.0 } else { x.min(88.0) };
    // x = n·ln 2 + f with |f| ≤ ln 2 / 2.
    let n = (x * LOG2_E + 0.5).floor();
    let f = (x - n * LN2_HI) - n * LN2_LO;
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    let y = horner(&EXP_P, f) * scale;
    if low { 0.0 } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every float32 of `[lo, hi]` with a stride that visits each binade's significands.
    fn floats(lo: f32, hi: f32, stride: usize) -> impl Iterator<Item = f32> {
        let (a, b) = (lo.to_bits(), hi.to_bits());
        (a.min(b)..=a.max(b)).step_by(stride).map(f32::from_bits)
    }

    #[test]
    fn ln_holds_its_bound_on_every_positive_normal_float() {
        let mut worst_relative = 0.0f64;
        let mut worst_absolute = 0.0f64;
        for x in floats(f32::MIN_POSITIVE, f32::MAX, 61).chain([1.0, f32::MAX]) {
            let exact = f64::from(x).ln();
            let error = (f64::from(ln(x)) - exact).abs();
            if (0.5..2.0).contains(&x) {
                worst_absolute = worst_absolute.max(error);
            } else {
                worst_relative = worst_relative.max(error / exact.abs());
            }
        }
        println!("ln: relative {worst_relative:e}, absolute near 1 {worst_absolute:e}");
        assert!(
            worst_relative < 1.8e-7,
            "ln: relative error {worst_relative:e}"
        );
        assert!(
            worst_absolute < 1.2e-7,
            "ln: absolute error {worst_absolute:e}"
        );
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn exp_holds_its_bound_on_its_whole_range() {
        let mut worst = 0.0f64;
        let negative = floats(-0.0, -87.0, 13);
        let positive = floats(0.0, 88.0, 13);
        for x in negative.chain(positive).filter(|&x| x > -87.0) {
            let exact = f64::from(x).exp();
            worst = worst.max((f64::from(exp(x)) - exact).abs() / exact);
        }
        println!("exp: relative {worst:e}");
        assert!(worst < 2.5e-7, "exp: relative error {worst:e}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-87.0), 0.0);
        assert_eq!(exp(-1e30), 0.0);
    }

    #[test]
    fn the_shader_evaluates_the_same_polynomials() {
        // Each polynomial of shaders/fastmath.wgsl, highest coefficient first, parsed as
        // float32 the way WGSL does (the nearest float32): bit for bit the Rust ones.
        for source in [
            include_str!("../../shaders/fastmath.wgsl"),
            include_str!("../../shaders/philox.wgsl"),
        ] {
            let coefficients = |var: &str| -> Vec<u32> {
                let mut values: Vec<u32> = source
                    .lines()
                    .map(str::trim)
                    .filter_map(|line| {
                        let value = line
                            .strip_prefix(&format!("var {var} = "))
                            .or_else(|| line.strip_prefix(&format!("{var} = {var} * ")))?;
                        let value = value.rsplit(' ').next()?.trim_end_matches(';');
                        Some(value.parse::<f32>().ok()?.to_bits())
                    })
                    .collect();
                values.reverse();
                values
            };
            let bits = |p: &[f32]| p.iter().map(|c| c.to_bits()).collect::<Vec<_>>();
            assert_eq!(coefficients("p"), bits(&LN_P));
            if source.contains("fn exp_f32") {
                assert_eq!(coefficients("q"), bits(&EXP_P));
                assert!(source.contains(&format!("x * {LOG2_E} + 0.5")));
                assert!(source.contains(&format!("n * {LN2_HI}) - n * {LN2_LO}")));
            }
        }
    }
}
