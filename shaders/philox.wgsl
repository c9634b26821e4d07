// Philox4x32-10 and the Box–Muller transform of src/model/noise.rs, operation for
// operation: integer operations and float32 multiplies and adds, each exactly rounded,
// no `fma`, so that the normals are bit-identical to the CPU's on a device whose
// compiler does not contract a·b + c (lavapipe's does not).

// The high and low 32 bits of a·b, from 16-bit halves (WGSL has no 64-bit integers).
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
    let a_lo = a & 0xFFFFu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xFFFFu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    // At most 0xFFFF + 0xFFFF + 0xFFFE0001: no overflow.
    let cross = (lo_lo >> 16u) + (hi_lo & 0xFFFFu) + lo_hi;
    let hi = hi_hi + (hi_lo >> 16u) + (cross >> 16u);
    return vec2<u32>(hi, a * b);
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var round = 0u; round < 10u; round += 1u) {
        if round > 0u {
            k += vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
        }
        let p0 = mulhilo(0xD2511F53u, c.x);
        let p1 = mulhilo(0xCD9E8D57u, c.z);
        c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    }
    return c;
}

// −2·ln(u) for u in (0, 1).
fn minus_two_ln(u: f32) -> f32 {
    let bits = bitcast<u32>(u);
    let above = (bits & 0x007FFFFFu) > 0x003504F3u;
    let m = bitcast<f32>((bits & 0x007FFFFFu) | select(0x3F800000u, 0x3F000000u, above));
    let e = f32(i32(bits >> 23u) - 127 + select(0, 1, above));
    let x = m - 1.0;
    var p = -0.10134057;
    p = p * x + 0.1623419;
    p = p * x + -0.17247014;
    p = p * x + 0.19898565;
    p = p * x + -0.24970071;
    p = p * x + 0.33335114;
    p = p * x + -0.50000364;
    p = p * x + 0.99999994;
    let ln_m = x * p;
    let ln_u = e * 0.69140625 + (e * 0.0017409306 + ln_m);
    return -2.0 * ln_u;
}

// √y by three Newton steps of the reciprocal square root.
fn newton_sqrt(y: f32) -> f32 {
    var r = bitcast<f32>(0x5F375A86u - (bitcast<u32>(y) >> 1u));
    let half = 0.5 * y;
    for (var k = 0u; k < 3u; k += 1u) {
        let r2 = r * r;
        r *= 1.5 - half * r2;
    }
    return y * r;
}

// One Box–Muller pair (r·cos θ, r·sin θ).
fn box_muller(radius: u32, angle: u32) -> vec2<f32> {
    let two_m24 = 1.0 / 16777216.0;
    let u = (f32(radius >> 8u) + 0.5) * two_m24;
    let r = newton_sqrt(minus_two_ln(u));
    let f = f32((angle >> 6u) & 0x00FFFFFFu) * two_m24;
    let t = f * f;
    var sp = 0.00015167512;
    sp = sp * t + -0.0046741506;
    sp = sp * t + 0.07968992;
    sp = sp * t + -0.6459638;
    sp = sp * t + 1.5707964;
    let s = f * sp;
    var c = 0.00085816253;
    c = c * t + -0.02081057;
    c = c * t + 0.2536507;
    c = c * t + -1.2336982;
    c = c * t + 0.99999994;
    let quadrant = angle >> 30u;
    var cs = vec2<f32>(c, s);
    if quadrant == 1u {
        cs = vec2<f32>(-s, c);
    } else if quadrant == 2u {
        cs = vec2<f32>(-c, -s);
    } else if quadrant == 3u {
        cs = vec2<f32>(s, -c);
    }
    return vec2<f32>(r * cs.x, r * cs.y);
}

fn normals(w: vec4<u32>) -> vec4<f32> {
    return vec4<f32>(box_muller(w.x, w.y), box_muller(w.z, w.w));
}

// The streams of `noise_counter`: the steps' normals, the Poisson events' words, and
// the Ornstein–Uhlenbeck start draw (`Stream` in src/model/noise.rs).
const STREAM_STEPS: u32 = 0u;
const STREAM_POISSON: u32 = 0x40000000u;
const STREAM_START: u32 = 0x80000000u;

// The counter of the four steps 4·quad ..= 4·quad + 3 (quad as low and high words) of
// the neuron with global index (index_lo, index_hi) on `stream`, one of the above.
fn noise_counter(quad_lo: u32, quad_hi: u32, index_lo: u32, index_hi: u32, stream: u32) -> vec4<u32> {
    return vec4<u32>(quad_lo, index_lo, index_hi, (quad_hi & 0x3FFFFFFFu) | stream);
}
