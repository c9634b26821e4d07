//! Noise: the counter-based random numbers every backend draws, the Gaussian transform,
//! and the noise models' per-neuron constants.
//!
//! # The stream
//!
//! Neuron `n` of seed `s` draws one standard normal `N(n, t)` per step `t` (counted
//! from the population's start or last reset). Four consecutive steps share one call
//! of Philox4x32-10 (Salmon et al. 2011, the generator of Random123, cuRAND and JAX):
//!
//! ```text
//! key     = [s mod 2³², s div 2³²]
//! counter = [t div 4 mod 2³², n mod 2³², n div 2³², (t div 2³⁴) mod 2³⁰ + 2³⁰·stream]
//! ```
//!
//! `stream` is 0 for the steps' normals, 2 for the draw that starts an
//! Ornstein–Uhlenbeck current in its stationary distribution, and 1 for the words that
//! give Poisson input its events ([`crate::input::poisson`]). (`t div 2³⁴` is below 2³⁰
//! for every 64-bit step.) The four 32-bit words
//! become four normals by two Box–Muller transforms ([`normals`]), and step `t` takes
//! normal `t mod 4`. A draw depends on `(s, n, t)` alone: not on the backend, the
//! batch a neuron is simulated in, the dispatch or the thread.
//!
//! # Bit for bit on the CPU and the GPU
//!
//! The transform uses only integer operations and float32 multiplies and adds, each
//! exactly rounded by IEEE 754: its own logarithm, reciprocal square root and sine and
//! cosine polynomials, no library function whose accuracy a driver chooses, and no
//! fused multiply-add (WGSL's `fma` is not fused everywhere: Mesa's lavapipe evaluates
//! it as a multiply and an add). Rust never fuses a multiply and an add, so the CPU's
//! normals and noisy Euler counts are bit-identical to those of any GPU whose compiler
//! does not contract `a·b + c` either: lavapipe's are (`tests/noise.rs` checks 49,152
//! normals). A compiler that contracts (WGSL allows it) moves a normal by an ulp now
//! and then, and a count only where that ulp decides a threshold crossing.

use crate::error::{Error, Result};
use crate::model::fastmath::{self, horner};
use crate::model::params::LifParams;

/// Philox4x32's round multipliers.
const PHILOX_M: [u32; 2] = [0xD251_1F53, 0xCD9E_8D57];
/// Philox4x32's key increments (the golden ratio and √3 − 1, as 32-bit fractions).
const PHILOX_W: [u32; 2] = [0x9E37_79B9, 0xBB67_AE85];

/// The high and low 32 bits of `a·b`.
#[inline(always)]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let product = u64::from(a) * u64::from(b);
    ((product >> 32) as u32, product as u32)
}

/// Philox4x32-10: ten rounds of the counter-based generator of Random123.
#[inline(always)]
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k = [
                k[0].wrapping_add(PHILOX_W[0]),
                k[1].wrapping_add(PHILOX_W[1]),
            ];
        }
        let (hi0, lo0) = mulhilo(PHILOX_M[0], c[0]);
        let (hi1, lo1) = mulhilo(PHILOX_M[1], c[2]);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// Which of a neuron's streams a draw comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// One normal per step.
    Steps,
    /// The draw that starts an Ornstein–Uhlenbeck current.
    Start,
    /// One word per step, which gives the step's Poisson events.
    Poisson,
}

/// The Philox key of `seed`.
#[inline(always)]
pub fn key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

/// The Philox counter of the four steps `4·block .. 4·block + 3` of neuron `neuron`.
#[inline(always)]
pub fn counter(block: u64, neuron: u64, stream: Stream) -> [u32; 4] {
    let tag = match stream {
        Stream::Steps => 0,
        Stream::Poisson => 1 << 30,
        Stream::Start => 2 << 30,
    };
    [
        block as u32,
        neuron as u32,
        (neuron >> 32) as u32,
        ((block >> 32) as u32 & 0x3FFF_FFFF) | tag,
    ]
}

/// The four 32-bit words of neuron `neuron`'s steps `4·block ..= 4·block + 3`.
pub fn words(seed: u64, neuron: u64, block: u64, stream: Stream) -> [u32; 4] {
    philox4x32_10(counter(block, neuron, stream), key(seed))
}

// sin(π/2·√t)/√t on t ∈ [0, 1]: a Chebyshev fit of degree 4 in t, coefficients
// rounded to float32 (largest error of sin(π/2·f) = f·P(f²), in float64: 3.1×10⁻⁸).
const SIN_P: [f32; 5] = [
    1.570_796_4,
    -0.645_963_8,
    0.079_689_92,
    -0.004_674_150_6,
    0.000_151_675_12,
];
// cos(π/2·√t) on t ∈ [0, 1]: degree 4 (largest error 1.1×10⁻⁷, two float32 ulps of 1).
const COS_P: [f32; 5] = [
    0.999_999_94,
    -1.233_698_2,
    0.253_650_7,
    -0.020_810_57,
    0.000_858_162_53,
];
/// `−2·ln(u)` for `u` in `(0, 1)`.
#[inline(always)]
fn minus_two_ln(u: f32) -> f32 {
    -2.0 * fastmath::ln(u)
}

/// `√y` for `y` in `[2⁻²⁴, 2⁸]`: a reciprocal square root refined by three Newton
/// steps from the integer estimate, then multiplied by `y` (`√0` is 0).
#[inline(always)]
fn sqrt(y: f32) -> f32 {
    let mut r = f32::from_bits(0x5F37_5A86u32.wrapping_sub(y.to_bits() >> 1));
    let half = 0.5 * y;
    for _ in 0..3 {
        // r ← r·(3/2 − y/2·r²)
        let r2 = r * r;
        r *= 1.5 - half * r2;
    }
    y * r
}

/// Four standard normals from four uniform 32-bit words: Box–Muller on the pairs
/// `(w0, w1)` and `(w2, w3)`.
///
/// The radius word's top 24 bits give `u = (k + ½)·2⁻²⁴` in `(0, 1)`, so the largest
/// normal is `√(2·ln 2²⁵) ≈ 5.9`: a sample beyond 5.9 standard deviations (probability
/// 4×10⁻⁹) is never drawn. The angle word's top two bits pick the quadrant and the
/// next 24 the angle within it.
#[inline(always)]
pub fn normals(w: [u32; 4]) -> [f32; 4] {
    let (a0, a1) = box_muller(w[0], w[1]);
    let (b0, b1) = box_muller(w[2], w[3]);
    [a0, a1, b0, b1]
}

/// One Box–Muller pair: `(r·cos θ, r·sin θ)`.
#[inline(always)]
fn box_muller(radius: u32, angle: u32) -> (f32, f32) {
    const TWO_M24: f32 = 1.0 / 16_777_216.0;
    let u = ((radius >> 8) as f32 + 0.5) * TWO_M24;
    let r = sqrt(minus_two_ln(u));
    let f = ((angle >> 6) & 0x00FF_FFFF) as f32 * TWO_M24;
    let t = f * f;
    let s = f * horner(&SIN_P, t);
    let c = horner(&COS_P, t);
    // Rotate by the quadrant, θ = π/2·(quadrant + f): a quarter turn for bit 30, a half
    // turn (both signs) for bit 31. Selects and an exact sign change, so that the
    // compiler keeps every lane on the vector path.
    let (cos, sin) = if angle & (1 << 30) != 0 {
        (-s, c)
    } else {
        (c, s)
    };
    let half_turn = if angle & (1 << 31) != 0 { -1.0 } else { 1.0 };
    (r * (half_turn * cos), r * (half_turn * sin))
}

/// The float64 Box–Muller of the same words, with the library's `ln`, `sqrt`, `cos`
/// and `sin`: what the float64 reference draws.
pub fn normals_f64(w: [u32; 4]) -> [f64; 4] {
    let pair = |radius: u32, angle: u32| {
        let u = (f64::from(radius >> 8) + 0.5) / 16_777_216.0;
        let r = (-2.0 * u.ln()).sqrt();
        let theta = std::f64::consts::FRAC_PI_2
            * (f64::from(angle >> 30) + f64::from((angle >> 6) & 0x00FF_FFFF) / 16_777_216.0);
        (r * theta.cos(), r * theta.sin())
    };
    let (a0, a1) = pair(w[0], w[1]);
    let (b0, b1) = pair(w[2], w[3]);
    [a0, a1, b0, b1]
}

/// Neuron `neuron`'s float32 normal on step `step`.
pub fn normal(seed: u64, neuron: u64, step: u64) -> f32 {
    normals(words(seed, neuron, step / 4, Stream::Steps))[(step % 4) as usize]
}

/// The normal that starts neuron `neuron`'s Ornstein–Uhlenbeck current.
pub fn start_normal(seed: u64, neuron: u64) -> f32 {
    normals(words(seed, neuron, 0, Stream::Start))[0]
}

/// Refuses inputs that change in time (`what`: noise, a stimulus) with any method but
/// Euler: the exact method integrates a constant current in closed form.
pub(crate) fn euler_only(method: crate::model::params::Method, what: &str) -> Result<()> {
    if method == crate::model::params::Method::Euler {
        return Ok(());
    }
    Err(Error::parameter(
        "method",
        method.name(),
        format!(
            "euler with {what} (the exact method integrates a constant current in closed form)"
        ),
    ))
}

/// SplitMix64's output function: a 64-bit value mixed so that nearby inputs give
/// unrelated outputs.
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed for a run not given one: the time and the process mixed, so that runs
/// started together get different seeds. Report it, so that the run can be repeated.
pub fn draw_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    splitmix64((nanos ^ (u64::from(std::process::id()) << 32)).wrapping_add(0x9E37_79B9_7F4A_7C15))
}

/// The seed a run records: `seed` where given; otherwise drawn ([`draw_seed`]) where
/// something random drives the run (`random`: noise or Poisson input), and 0 where
/// nothing does, so that a noise-free run's files are the same every time.
pub fn seed_for(seed: Option<u64>, random: bool) -> u64 {
    match seed {
        Some(seed) => seed,
        None if random => draw_seed(),
        None => 0,
    }
}

/// Noise added to every neuron's input current.
///
/// With `sigma > 0` and `tau == 0`, white noise: each Euler step adds
/// `sigma·√(dt/tau_rc)·N` to the voltage (Euler–Maruyama for
/// `tau_rc·dv/dt = −v + I + sigma·√tau_rc·ξ(t)`). With `tau > 0`, an
/// Ornstein–Uhlenbeck current `η` of time constant `tau` and stationary standard
/// deviation `sigma·√(tau_rc/(2·tau))` is added to the input, updated exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Noise {
    /// The noise amplitude, model units (0: no noise).
    pub sigma: f64,
    /// The correlation time of the noise current, seconds (0: white noise).
    pub tau: f64,
    /// The seed of the random streams.
    pub seed: u64,
}

impl Noise {
    /// No noise.
    pub const NONE: Noise = Noise {
        sigma: 0.0,
        tau: 0.0,
        seed: 0,
    };

    /// White noise of amplitude `sigma` from `seed`.
    pub fn white(sigma: f64, seed: u64) -> Noise {
        Noise {
            sigma,
            tau: 0.0,
            seed,
        }
    }

    /// An Ornstein–Uhlenbeck current of amplitude `sigma` and time constant `tau`.
    pub fn coloured(sigma: f64, tau: f64, seed: u64) -> Noise {
        Noise { sigma, tau, seed }
    }

    /// True when there is noise.
    pub fn is_on(&self) -> bool {
        self.sigma > 0.0
    }

    /// True for an Ornstein–Uhlenbeck current.
    pub fn is_coloured(&self) -> bool {
        self.is_on() && self.tau > 0.0
    }

    /// Checks `sigma` and `tau`, and that `method` takes noise (only Euler does).
    pub fn validate_for(&self, method: crate::model::params::Method) -> Result<()> {
        self.validate()?;
        if self.is_on() {
            euler_only(method, "noise")?;
        }
        Ok(())
    }

    /// Checks that the noise stays within float32 for a neuron of `params`: its
    /// amplitude (the white noise's voltage step per unit normal `sigma·√(dt/tau_rc)`,
    /// or the coloured noise's stationary spread `sigma·√(tau_rc/(2·tau))`) at most
    /// [`MAX_CURRENT`], as large as the largest current. Beyond it the kernels' float32
    /// voltages overflow into infinities and NaN.
    ///
    /// [`MAX_CURRENT`]: crate::model::params::MAX_CURRENT
    pub fn validate_amplitude(&self, params: &LifParams) -> Result<()> {
        use crate::error::shortest;
        use crate::model::params::MAX_CURRENT;
        if !self.is_on() {
            return Ok(());
        }
        // The amplitude of one unit of sigma.
        let (per_sigma, formula) = if self.is_coloured() {
            (
                (params.tau_rc / (2.0 * self.tau)).sqrt(),
                "its stationary spread sigma·√(tau_rc/(2·noise-tau))",
            )
        } else {
            (
                (params.dt / params.tau_rc).sqrt(),
                "its voltage step sigma·√(dt/tau_rc)",
            )
        };
        if self.sigma * per_sigma <= MAX_CURRENT {
            return Ok(());
        }
        Err(Error::parameter(
            "noise",
            self.sigma,
            format!(
                "at most {} with tau_rc = {} s, dt = {} s{} ({formula} at most {MAX_CURRENT:e})",
                shortest(MAX_CURRENT / per_sigma),
                shortest(params.tau_rc),
                shortest(params.dt),
                if self.is_coloured() {
                    format!(", noise-tau = {} s", shortest(self.tau))
                } else {
                    String::new()
                }
            ),
        ))
    }

    /// Checks `sigma` and `tau`.
    pub fn validate(&self) -> Result<()> {
        if !(self.sigma.is_finite() && self.sigma >= 0.0) {
            return Err(Error::parameter(
                "noise",
                self.sigma,
                "a finite number ≥ 0 (model units)",
            ));
        }
        if !(self.tau.is_finite() && self.tau >= 0.0) {
            return Err(Error::parameter(
                "noise-tau",
                self.tau,
                "a finite number ≥ 0 (seconds; 0 for white noise)",
            ));
        }
        Ok(())
    }
}

/// A neuron's float32 noise and stimulus constants, formed in float64 from its
/// parameters (see [`NoiseConstants::new`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NoiseConstants {
    /// White: `sigma·√(dt/tau_rc)`, the voltage step per unit normal. Coloured: the
    /// Ornstein–Uhlenbeck increment `sigma·√(tau_rc/(2τ))·√(1 − e^(−2dt/τ))`.
    pub gain: f32,
    /// Coloured: `e^(−dt/τ)`; white: 0.
    pub decay: f32,
    /// Coloured: the stationary standard deviation `sigma·√(tau_rc/(2τ))`; white: 0.
    pub spread: f32,
    /// `dt/tau_rc`: how much of the input current (stimulus, coloured noise) one step
    /// adds to the voltage.
    pub drive: f32,
}

impl NoiseConstants {
    /// The constants of `noise` for a neuron with `params`.
    pub fn new(noise: &Noise, params: &LifParams) -> Self {
        let ratio = params.dt / params.tau_rc;
        let (gain, decay, spread) = if noise.is_coloured() {
            let spread = noise.sigma * (params.tau_rc / (2.0 * noise.tau)).sqrt();
            let decay = (-params.dt / noise.tau).exp();
            let gain = spread * (-(-2.0 * params.dt / noise.tau).exp_m1()).sqrt();
            (gain, decay, spread)
        } else {
            (noise.sigma * ratio.sqrt(), 0.0, 0.0)
        };
        NoiseConstants {
            gain: gain as f32,
            decay: decay as f32,
            spread: spread as f32,
            drive: ratio as f32,
        }
    }
}

/// One noisy Euler step of a neuron in float32, the operations of the shader and the
/// CPU kernels: returns whether it fired.
///
/// `u` is the gap `I − v` to the neuron's constant current `current`; `eta` its
/// Ornstein–Uhlenbeck current (coloured noise only); `z` this step's normal; `e` the
/// voltage the stimulus adds this step (`stimulus gain·x(t)`), `None` without one (the
/// add is then left out, here and in the shader); `p` the voltage this step's Poisson
/// events add (`weight·K` in float32), `None` without Poisson input (likewise).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn noisy_step(
    u: &mut f32,
    left: &mut u32,
    eta: &mut f32,
    z: f32,
    e: Option<f32>,
    p: Option<f32>,
    current: f32,
    gap_th: f32,
    decay: f32,
    frozen_steps: u32,
    noise: &NoiseConstants,
    coloured: bool,
) -> bool {
    let w = if coloured {
        let w = noise.drive * *eta;
        *eta = *eta * noise.decay + noise.gain * z;
        w
    } else {
        noise.gain * z
    };
    let w = match e {
        Some(e) => w + e,
        None => w,
    };
    let w = match p {
        Some(p) => w + p,
        None => w,
    };
    let refractory = *left > 0;
    let next = *u * decay - w;
    let fire = !refractory && next < gap_th;
    *u = if fire {
        current
    } else if refractory {
        *u
    } else {
        next
    };
    *left = if fire {
        frozen_steps
    } else {
        left.saturating_sub(1)
    };
    fire
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123's known-answer vectors for Philox4x32-10 (`kat_vectors`): counter,
    /// key, output.
    const KAT: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
        (
            [0, 0, 0, 0],
            [0, 0],
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
        ),
        (
            [u32::MAX; 4],
            [u32::MAX; 2],
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
        ),
        (
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
        ),
    ];

    #[test]
    fn the_shader_evaluates_the_same_polynomials() {
        // Each polynomial of shaders/philox.wgsl, highest coefficient first, parsed as
        // float32 the way WGSL does (the nearest float32): bit for bit the Rust ones.
        let source = include_str!("../../shaders/philox.wgsl");
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
        assert_eq!(coefficients("p"), bits(&fastmath::LN_P));
        assert_eq!(coefficients("sp"), bits(&SIN_P));
        assert_eq!(coefficients("c"), bits(&COS_P));
    }

    #[test]
    fn philox_matches_random123() {
        for (counter, key, expected) in KAT {
            assert_eq!(philox4x32_10(counter, key), expected);
        }
    }

    #[test]
    fn the_logarithm_and_square_root_hold_their_bounds() {
        // Every u the transform can see: (k + ½)·2⁻²⁴, k < 2²⁴; a stride covers the
        // significands of every binade.
        let mut worst_ln = 0.0f64;
        let mut worst_sqrt = 0.0f64;
        for k in (0u32..1 << 24).step_by(97).chain([0, 1, 2, (1 << 24) - 1]) {
            let u = (k as f32 + 0.5) / 16_777_216.0;
            let y = minus_two_ln(u);
            let exact = -2.0 * f64::from(u).ln();
            worst_ln = worst_ln.max((f64::from(y) - exact).abs() / exact.max(1e-30));
            let r = sqrt(y);
            let exact = f64::from(y).sqrt();
            worst_sqrt = worst_sqrt.max((f64::from(r) - exact).abs() / exact);
        }
        // The degree-7 polynomial (8.3×10⁻⁸ absolute in ln(1 + x), shrinking with |x|)
        // and float32 rounding: measured at most 2.7×10⁻⁷ relative for −2 ln u and
        // 1.7×10⁻⁷ for √y, a few float32 ulps.
        assert!(worst_ln < 1e-6, "−2 ln u: relative error {worst_ln:e}");
        assert!(worst_sqrt < 3e-7, "√y: relative error {worst_sqrt:e}");
    }

    #[test]
    fn the_sine_and_cosine_hold_their_bounds() {
        let mut worst = 0.0f64;
        for k in (0u32..1 << 24).step_by(13) {
            let f = k as f32 / 16_777_216.0;
            let t = f * f;
            let x = std::f64::consts::FRAC_PI_2 * f64::from(f);
            worst = worst
                .max((f64::from(f * horner(&SIN_P, t)) - x.sin()).abs())
                .max((f64::from(horner(&COS_P, t)) - x.cos()).abs());
        }
        assert!(worst < 2.5e-7, "absolute error {worst:e}");
    }

    #[test]
    fn float32_normals_follow_the_float64_transform() {
        let mut worst = 0.0f64;
        for neuron in 0..2000u64 {
            let w = words(7, neuron, neuron / 3, Stream::Steps);
            for (a, b) in normals(w).iter().zip(normals_f64(w)) {
                worst = worst.max((f64::from(*a) - b).abs());
            }
        }
        assert!(worst < 2e-6, "largest difference {worst:e}");
    }

    #[test]
    fn normals_have_the_moments_and_tails_of_a_standard_normal() {
        // 4×10⁶ draws. Under N(0, 1) the sample mean has standard error 1/√n = 5×10⁻⁴,
        // the sample variance √(2/n) = 7.1×10⁻⁴; bounds are five standard errors, so a
        // correct transform fails them with probability below 10⁻⁶.
        let n = 4_000_000usize;
        let (mut sum, mut sum2) = (0.0f64, 0.0f64);
        let mut beyond = [0usize; 3];
        for k in 0..(n / 4) as u64 {
            for z in normals(words(12345, k % 1000, k / 1000, Stream::Steps)) {
                let z = f64::from(z);
                sum += z;
                sum2 += z * z;
                for (j, limit) in [1.0, 2.0, 3.0].iter().enumerate() {
                    beyond[j] += usize::from(z.abs() > *limit);
                }
            }
        }
        let mean = sum / n as f64;
        let var = sum2 / n as f64 - mean * mean;
        assert!(mean.abs() < 5.0 * 5e-4, "mean {mean}");
        assert!((var - 1.0).abs() < 5.0 * 7.1e-4, "variance {var}");
        // Two-sided tail probabilities of N(0, 1) beyond 1, 2 and 3; each count is
        // binomial, bounded at five of its standard deviations.
        for (j, p) in [
            0.317_310_507_862_914_1,
            0.045_500_263_896_358_4,
            0.002_699_796_063_260_2,
        ]
        .into_iter()
        .enumerate()
        {
            let expected = p * n as f64;
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (beyond[j] as f64 - expected).abs() < 5.0 * sd,
                "beyond {}σ: {} draws, {expected:.0} expected",
                j + 1,
                beyond[j]
            );
        }
    }

    /// The Kolmogorov–Smirnov statistic of `samples` (in [0, 1)) against the uniform
    /// distribution.
    fn ks_uniform(samples: &mut [f64]) -> f64 {
        samples.sort_by(f64::total_cmp);
        let n = samples.len() as f64;
        samples
            .iter()
            .enumerate()
            .map(|(k, &x)| (x - k as f64 / n).abs().max(((k + 1) as f64 / n - x).abs()))
            .fold(0.0, f64::max)
    }

    /// The sample correlation of two sequences.
    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn the_words_are_uniform_and_the_streams_uncorrelated() {
        // 10⁶ words of one neuron's steps, 10⁶ of many neurons' step 0: each against
        // the uniform distribution by Kolmogorov–Smirnov. The bound is the statistic's
        // 1 − 10⁻⁶ quantile, √(ln(2/10⁻⁶)/(2n)) (the Dvoretzky–Kiefer–Wolfowitz
        // inequality), 3.8×10⁻³ for n = 10⁶.
        let n = 1_000_000usize;
        let bound = ((2.0f64 / 1e-6).ln() / (2.0 * n as f64)).sqrt();
        let uniform = |w: u32| f64::from(w) / 4_294_967_296.0;
        let mut along: Vec<f64> = (0..(n / 4) as u64)
            .flat_map(|quad| words(42, 7, quad, Stream::Steps))
            .map(uniform)
            .collect();
        let mut across: Vec<f64> = (0..(n / 4) as u64)
            .flat_map(|neuron| words(42, neuron, 0, Stream::Steps))
            .map(uniform)
            .collect();
        let (d_along, d_across) = (ks_uniform(&mut along), ks_uniform(&mut across));
        assert!(
            d_along < bound,
            "one neuron's stream: D = {d_along}, bound {bound}"
        );
        assert!(
            d_across < bound,
            "across neurons: D = {d_across}, bound {bound}"
        );

        // Neighbouring neurons, neighbouring seeds, and a neuron's consecutive steps:
        // their normals' correlations. Under independence a sample correlation of n
        // pairs has standard deviation 1/√n; the bound is five of them.
        let m = 200_000u64;
        let normals_of = |seed: u64, neuron: u64| -> Vec<f64> {
            (0..m).map(|t| f64::from(normal(seed, neuron, t))).collect()
        };
        let base = normals_of(1, 100);
        let bound = 5.0 / (m as f64).sqrt();
        for (what, other) in [
            ("the next neuron", normals_of(1, 101)),
            ("neuron 2³²", normals_of(1, 100 + (1 << 32))),
            ("the next seed", normals_of(2, 100)),
        ] {
            let r = correlation(&base, &other);
            assert!(r.abs() < bound, "{what}: correlation {r}, bound {bound}");
        }
        let r = correlation(&base[..base.len() - 1], &base[1..]);
        assert!(
            r.abs() < bound,
            "consecutive steps: correlation {r}, bound {bound}"
        );
    }

    #[test]
    fn the_stream_does_not_depend_on_how_steps_are_grouped() {
        for step in [0u64, 1, 2, 3, 4, 5, 1 << 33, (1 << 34) + 3] {
            let w = words(99, 5, step / 4, Stream::Steps);
            assert_eq!(normal(99, 5, step), normals(w)[(step % 4) as usize]);
        }
        assert_ne!(normal(99, 5, 0), normal(99, 6, 0));
        assert_ne!(normal(99, 5, 0), normal(98, 5, 0));
        assert_ne!(start_normal(99, 5), normal(99, 5, 0));
    }
}
