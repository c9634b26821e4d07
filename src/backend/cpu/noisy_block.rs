//! The noisy Euler kernel on the CPU: Philox4x32-10 and the Box–Muller transform of
//! [`crate::model::noise`] and the Poisson events of [`crate::input::poisson`] for a
//! block of [`LANES`] neurons at once, then the step of [`noisy_step`], operation for
//! operation as `shaders/lif_noisy.wgsl` writes them, so the counts are bit-identical
//! to the GPU's.
//!
//! Written as loops over lanes of plain integer and float32 operations, which the
//! compiler turns into vector instructions for each `#[target_feature]` copy; on
//! AVX-512, Philox's 32×32→64-bit products are written by hand ([`Avx512`]).

use super::LANES;
use super::isa::set;
use super::kernel::{Block, Kernel};
use crate::input::poisson::PoissonDrive;
use crate::model::noise::{self, NoiseConstants, Stream, noisy_step};

/// Per-lane constants and state of a noisy block, beside its [`Block`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NoisyLanes {
    /// Each lane's Ornstein–Uhlenbeck current (coloured noise only).
    pub eta: [f32; LANES],
    /// Each lane's Euler decay `1 − dt/tau_rc`.
    pub decay: [f32; LANES],
    /// Each lane's refractory steps.
    pub frozen_steps: [u32; LANES],
    /// [`NoiseConstants::gain`].
    pub gain: [f32; LANES],
    /// [`NoiseConstants::decay`].
    pub noise_decay: [f32; LANES],
    /// [`NoiseConstants::drive`].
    pub drive: [f32; LANES],
    /// [`NoiseConstants::spread`].
    pub spread: [f32; LANES],
    /// The stimulus's voltage per unit stimulus and step: `gain·dt/tau_rc`.
    pub stimulus_gain: [f32; LANES],
    /// Each lane's global neuron index, low and high words (the Philox counter).
    pub index_lo: [u32; LANES],
    pub index_hi: [u32; LANES],
}

impl NoisyLanes {
    /// Lanes whose constants are `lane(k)` for `k < len`, idle past it (they draw and
    /// never fire: their block's threshold is −1), indexed from `first`.
    pub fn new(
        first: u64,
        len: usize,
        lane: impl Fn(usize) -> (f32, u32, NoiseConstants, f32),
    ) -> Self {
        let mut lanes = NoisyLanes {
            eta: [0.0; LANES],
            decay: [1.0; LANES],
            frozen_steps: [0; LANES],
            gain: [0.0; LANES],
            noise_decay: [0.0; LANES],
            drive: [0.0; LANES],
            spread: [0.0; LANES],
            stimulus_gain: [0.0; LANES],
            index_lo: [0; LANES],
            index_hi: [0; LANES],
        };
        for k in 0..LANES {
            let index = first + k as u64;
            lanes.index_lo[k] = index as u32;
            lanes.index_hi[k] = (index >> 32) as u32;
            if k < len {
                let (decay, frozen, noise, stimulus_gain) = lane(k);
                lanes.decay[k] = decay;
                lanes.frozen_steps[k] = frozen;
                lanes.gain[k] = noise.gain;
                lanes.noise_decay[k] = noise.decay;
                lanes.drive[k] = noise.drive;
                lanes.spread[k] = noise.spread;
                lanes.stimulus_gain[k] = stimulus_gain;
            }
        }
        lanes
    }
}

/// What drives a noisy block besides its currents: the seed, the kind of noise, the
/// stimulus (one value per step from step 0, model units) and the Poisson input, if
/// any.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Drive<'a> {
    pub seed: u64,
    /// Whether there is noise to draw (without, every normal is 0).
    pub draws: bool,
    pub coloured: bool,
    pub stimulus: Option<&'a [f32]>,
    pub poisson: Option<&'a PoissonDrive>,
}

impl<'a> Drive<'a> {
    /// What `noise`, `stimulus` and `poisson` drive a block with.
    pub fn new(
        noise: &crate::model::noise::Noise,
        stimulus: Option<&'a [f32]>,
        poisson: Option<&'a PoissonDrive>,
    ) -> Self {
        Drive {
            seed: noise.seed,
            draws: noise.is_on(),
            coloured: noise.is_coloured(),
            stimulus,
            poisson,
        }
    }
}

impl Kernel {
    /// Advances a noisy block from step `first_step` by `steps` steps.
    ///
    /// # Panics
    ///
    /// If this processor does not run this kernel, or the stimulus is shorter than
    /// `first_step + steps` (the population checks it first).
    pub(crate) fn step_noisy(
        self,
        block: &mut Block,
        lanes: &mut NoisyLanes,
        drive: &Drive<'_>,
        first_step: u64,
        steps: u32,
    ) {
        isa_dispatch!(
            self,
            |block: &mut Block,
             lanes: &mut NoisyLanes,
             drive: &Drive<'_>,
             first_step: u64,
             steps: u32| Set => {
                step_noisy_block::<<Set as Drawn>::Draw>(block, lanes, drive, first_step, steps)
            }
        )
    }
}

/// Which [`Draw`] each instruction set uses: the hand-written AVX-512 Philox where
/// there is AVX-512, the portable one (which the compiler vectorises) elsewhere.
trait Drawn {
    type Draw: Draw;
}

impl Drawn for set::Avx512 {
    #[cfg(target_arch = "x86_64")]
    type Draw = Avx512;
    #[cfg(not(target_arch = "x86_64"))]
    type Draw = Portable;
}

impl Drawn for set::Avx2 {
    type Draw = Portable;
}

impl Drawn for set::Baseline {
    type Draw = Portable;
}

/// How a kernel draws each lane's four normals of the steps `4·quad ..= 4·quad + 3`,
/// by step, or their four 32-bit words: the same numbers, with or without
/// hand-written vector instructions.
trait Draw {
    fn draw(lanes: &NoisyLanes, seed: u64, quad: u64, stream: Stream, z: &mut [[f32; LANES]; 4]);

    fn words(
        lanes: &NoisyLanes,
        seed: u64,
        quad: u64,
        stream: Stream,
        words: &mut [[u32; LANES]; 4],
    );
}

/// Philox and the transform lane by lane, as the compiler vectorises them.
struct Portable;

impl Draw for Portable {
    #[inline(always)]
    fn draw(lanes: &NoisyLanes, seed: u64, quad: u64, stream: Stream, z: &mut [[f32; LANES]; 4]) {
        let key = noise::key(seed);
        let tag = noise::counter(quad, 0, stream)[3];
        for lane in 0..LANES {
            let counter = [quad as u32, lanes.index_lo[lane], lanes.index_hi[lane], tag];
            let normals = noise::normals(noise::philox4x32_10(counter, key));
            for (z, normal) in z.iter_mut().zip(normals) {
                z[lane] = normal;
            }
        }
    }

    #[inline(always)]
    fn words(
        lanes: &NoisyLanes,
        seed: u64,
        quad: u64,
        stream: Stream,
        words: &mut [[u32; LANES]; 4],
    ) {
        let key = noise::key(seed);
        let tag = noise::counter(quad, 0, stream)[3];
        for lane in 0..LANES {
            let counter = [quad as u32, lanes.index_lo[lane], lanes.index_hi[lane], tag];
            for (words, word) in words.iter_mut().zip(noise::philox4x32_10(counter, key)) {
                words[lane] = word;
            }
        }
    }
}

/// Philox on AVX-512 by hand, sixteen lanes to a register: each 32×32→64-bit product
/// from two `vpmuludq` (even and odd lanes), the halves put back with blends, the
/// three-way XORs one `vpternlogd`. The compiler's own version widens every lane to 64
/// bits and narrows it back, at twice the instructions. The transform stays portable.
#[cfg(target_arch = "x86_64")]
struct Avx512;

#[cfg(target_arch = "x86_64")]
impl Draw for Avx512 {
    #[inline(always)]
    fn draw(lanes: &NoisyLanes, seed: u64, quad: u64, stream: Stream, z: &mut [[f32; LANES]; 4]) {
        let mut words = [[0u32; LANES]; 4];
        // SAFETY: only the AVX-512 kernel uses this strategy, and it runs only where
        // `Kernel::Avx512.is_supported()` said so.
        unsafe { philox_avx512(lanes, seed, quad, stream, &mut words) };
        for lane in 0..LANES {
            let normals = noise::normals([
                words[0][lane],
                words[1][lane],
                words[2][lane],
                words[3][lane],
            ]);
            for (z, normal) in z.iter_mut().zip(normals) {
                z[lane] = normal;
            }
        }
    }

    #[inline(always)]
    fn words(
        lanes: &NoisyLanes,
        seed: u64,
        quad: u64,
        stream: Stream,
        words: &mut [[u32; LANES]; 4],
    ) {
        // SAFETY: as in `draw`.
        unsafe { philox_avx512(lanes, seed, quad, stream, words) };
    }
}

/// Philox4x32-10 of every lane of a block, by word.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
fn philox_avx512(
    lanes: &NoisyLanes,
    seed: u64,
    quad: u64,
    stream: Stream,
    words: &mut [[u32; LANES]; 4],
) {
    use std::arch::x86_64::{
        __m512i, _mm512_loadu_si512, _mm512_mask_blend_epi32, _mm512_mul_epu32, _mm512_set1_epi32,
        _mm512_slli_epi64, _mm512_srli_epi64, _mm512_storeu_si512, _mm512_ternarylogic_epi32,
    };
    const GROUPS: usize = LANES / 16;
    let key = noise::key(seed);
    let tag = noise::counter(quad, 0, stream)[3];
    let odd = 0xAAAA;
    // The high and low words of m·x, lane by lane.
    let mulhilo = |m: __m512i, x: __m512i| {
        let even = _mm512_mul_epu32(x, m);
        let odd_products = _mm512_mul_epu32(_mm512_srli_epi64::<32>(x), m);
        let hi = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64::<32>(even), odd_products);
        let lo = _mm512_mask_blend_epi32(odd, even, _mm512_slli_epi64::<32>(odd_products));
        (hi, lo)
    };
    let load = |a: &[u32; LANES], g: usize| {
        // SAFETY: 16 u32 of the 64 of `a`, from lane 16·g (g < 4).
        unsafe { _mm512_loadu_si512(a.as_ptr().add(16 * g).cast()) }
    };
    let m0 = _mm512_set1_epi32(0xD251_1F53u32 as i32);
    let m1 = _mm512_set1_epi32(0xCD9E_8D57u32 as i32);
    let mut c: [[__m512i; 4]; GROUPS] = std::array::from_fn(|g| {
        [
            _mm512_set1_epi32(quad as u32 as i32),
            load(&lanes.index_lo, g),
            load(&lanes.index_hi, g),
            _mm512_set1_epi32(tag as i32),
        ]
    });
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k = [
                k[0].wrapping_add(0x9E37_79B9),
                k[1].wrapping_add(0xBB67_AE85),
            ];
        }
        let (k0, k1) = (
            _mm512_set1_epi32(k[0] as i32),
            _mm512_set1_epi32(k[1] as i32),
        );
        for c in &mut c {
            let (hi0, lo0) = mulhilo(m0, c[0]);
            let (hi1, lo1) = mulhilo(m1, c[2]);
            // 0x96: a ^ b ^ c.
            *c = [
                _mm512_ternarylogic_epi32::<0x96>(hi1, c[1], k0),
                lo1,
                _mm512_ternarylogic_epi32::<0x96>(hi0, c[3], k1),
                lo0,
            ];
        }
    }
    for (g, c) in c.iter().enumerate() {
        for (word, value) in words.iter_mut().zip(c) {
            // SAFETY: 16 u32 of the 64 of `word`, from lane 16·g.
            unsafe { _mm512_storeu_si512(word.as_mut_ptr().add(16 * g).cast(), *value) };
        }
    }
}

/// The noisy loop over a block. Always inlined, so that each `#[target_feature]` copy
/// compiles it for its own instruction set.
#[inline(always)]
fn step_noisy_block<D: Draw>(
    block: &mut Block,
    lanes: &mut NoisyLanes,
    drive: &Drive<'_>,
    first: u64,
    steps: u32,
) {
    if steps == 0 {
        return;
    }
    match (
        drive.coloured,
        drive.stimulus.is_some(),
        drive.poisson.is_some(),
    ) {
        (true, true, false) => run::<true, true, false, D>(block, lanes, drive, first, steps),
        (true, false, false) => run::<true, false, false, D>(block, lanes, drive, first, steps),
        (false, true, false) => run::<false, true, false, D>(block, lanes, drive, first, steps),
        (false, false, false) => run::<false, false, false, D>(block, lanes, drive, first, steps),
        (true, true, true) => run::<true, true, true, D>(block, lanes, drive, first, steps),
        (true, false, true) => run::<true, false, true, D>(block, lanes, drive, first, steps),
        (false, true, true) => run::<false, true, true, D>(block, lanes, drive, first, steps),
        (false, false, true) => run::<false, false, true, D>(block, lanes, drive, first, steps),
    }
}

/// Each lane's Poisson events of one step, from its word: the entries of `drive`'s
/// table that the word exceeds, counted for every lane at once until no lane exceeds
/// the next entry (the table rises, so none exceeds a later one either). The count is
/// [`PoissonTable::count`](crate::input::poisson::PoissonTable::count)'s.
#[inline(always)]
fn poisson_events(drive: &PoissonDrive, words: &[u32; LANES]) -> [u32; LANES] {
    let mut events = [0u32; LANES];
    let entries = drive.table.entries();
    for &entry in &entries[..drive.table.len() as usize] {
        let mut any = false;
        for lane in 0..LANES {
            let above = words[lane] > entry;
            events[lane] += u32::from(above);
            any |= above;
        }
        if !any {
            break;
        }
    }
    events
}

#[inline(always)]
fn run<const COLOURED: bool, const STIMULUS: bool, const POISSON: bool, D: Draw>(
    block: &mut Block,
    lanes: &mut NoisyLanes,
    drive: &Drive<'_>,
    first: u64,
    steps: u32,
) {
    super::kernel::apply_currents(block);
    if COLOURED && first == 0 {
        // Step 0 starts each current in its stationary distribution.
        let mut z = [[0.0; LANES]; 4];
        D::draw(lanes, drive.seed, 0, Stream::Start, &mut z);
        lanes.eta = std::array::from_fn(|lane| lanes.spread[lane] * z[0][lane]);
    }
    let current = block.current;
    let gap_th = block.gap_th;
    let mut u = block.gap;
    let mut left = block.refractory_left;
    let mut spikes = block.spike_count;
    let mut eta = lanes.eta;
    let mut fired = [false; LANES];
    let mut z = [[0.0f32; LANES]; 4];
    let mut words = [[0u32; LANES]; 4];
    let mut p = [0.0f32; LANES];
    for s in 0..u64::from(steps) {
        let t = first + s;
        if drive.draws && (s == 0 || t.is_multiple_of(4)) {
            D::draw(lanes, drive.seed, t / 4, Stream::Steps, &mut z);
        }
        if let Some(poisson) = drive.poisson.filter(|_| POISSON) {
            if s == 0 || t.is_multiple_of(4) {
                D::words(lanes, drive.seed, t / 4, Stream::Poisson, &mut words);
            }
            let events = poisson_events(poisson, &words[(t % 4) as usize]);
            p = events.map(|k| poisson.weight * k as f32);
        }
        let z = &z[(t % 4) as usize];
        let x = drive.stimulus.map_or(0.0, |values| values[t as usize]);
        for lane in 0..LANES {
            let constants = NoiseConstants {
                gain: lanes.gain[lane],
                decay: lanes.noise_decay[lane],
                spread: 0.0,
                drive: lanes.drive[lane],
            };
            let e = STIMULUS.then(|| lanes.stimulus_gain[lane] * x);
            fired[lane] = noisy_step(
                &mut u[lane],
                &mut left[lane],
                &mut eta[lane],
                z[lane],
                e,
                POISSON.then_some(p[lane]),
                current[lane],
                gap_th[lane],
                lanes.decay[lane],
                lanes.frozen_steps[lane],
                &constants,
                COLOURED,
            );
            spikes[lane] = spikes[lane].wrapping_add(u32::from(fired[lane]));
        }
    }
    block.gap = u;
    block.refractory_left = left;
    block.spike_count = spikes;
    block.spiked = fired.map(u32::from);
    lanes.eta = eta;
}
