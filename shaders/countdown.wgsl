// The exact method's countdown in fixed point (2⁻³² step): vec2(low word, high word),
// and its conversions to and from float32 steps, as `steps_f32` and `units_of` in
// src/model/exact.rs form them. Shared by shaders/lif_exact.wgsl and
// shaders/inputs.wgsl.

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
