// The exact method's countdown in fixed point (2⁻³² step): vec2(low word, high word),
// its arithmetic, and its conversions to and from float32 steps, as `steps_f32` and
// `units_of` in src/model/exact.rs form them. Shared by shaders/lif_exact.wgsl,
// shaders/inputs.wgsl and shaders/count.wgsl.

// The high word of a countdown that never ends.
const NEVER_HI: u32 = 0xFFFFFFFFu;

// Countdowns as vec2(low, high).
fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

fn sub64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}

fn greater64(a: vec2<u32>, b: vec2<u32>) -> bool {
    return a.y > b.y || (a.y == b.y && a.x > b.x);
}

// units / 2³² in float32, from exact conversions and correctly rounded adds.
fn steps_f32(units: vec2<u32>) -> f32 {
    let whole = f32(units.y >> 16u) * 65536.0 + f32(units.y & 0xFFFFu);
    return whole + f32(units.x >> 8u) * (1.0 / 16777216.0);
}

// `steps` (≥ 0, below 2³²) in countdown units.
fn units_of(steps: f32) -> vec2<u32> {
    let whole = floor(steps);
    return vec2<u32>(u32((steps - whole) * 4294967296.0), u32(whole));
}

// a / b (b nonzero, below 2⁶³): the quotient's low word (the quotient modulo 2³²) and
// the whole remainder, by restoring division, one bit of `a` at a time.
struct DivMod {
    quotient: u32,
    remainder: vec2<u32>,
}

fn div64(a: vec2<u32>, b: vec2<u32>) -> DivMod {
    var rem = vec2<u32>(0u, 0u);
    var quotient = 0u;
    for (var bit = 63i; bit >= 0i; bit -= 1i) {
        let word = select(a.x, a.y, bit >= 32i);
        let next = (word >> u32(bit & 31i)) & 1u;
        rem = vec2<u32>((rem.x << 1u) | next, (rem.y << 1u) | (rem.x >> 31u));
        if !greater64(b, rem) {
            rem = sub64(rem, b);
            if bit < 32i {
                quotient |= 1u << u32(bit);
            }
        }
    }
    return DivMod(quotient, rem);
}
