// ln and exp in float32 from multiplies, adds and bit operations only: the same
// operations, in the same order, as src/model/fastmath.rs, so the CPU and the GPU
// compute the same bits (a test checks the coefficients against the Rust ones).

// ln x for a positive normal x, from the float's exponent and a polynomial in its
// significand (relative error at most 1.8×10⁻⁷; absolute 1.2×10⁻⁷ near 1).
fn ln_f32(x: f32) -> f32 {
    let bits = bitcast<u32>(x);
    let above = (bits & 0x007FFFFFu) > 0x003504F3u;
    let m = bitcast<f32>((bits & 0x007FFFFFu) | select(0x3F800000u, 0x3F000000u, above));
    let e = f32(i32(bits >> 23u) - 127 + select(0, 1, above));
    let y = m - 1.0;
    var p = -0.10134057;
    p = p * y + 0.1623419;
    p = p * y + -0.17247014;
    p = p * y + 0.19898565;
    p = p * y + -0.24970071;
    p = p * y + 0.33335114;
    p = p * y + -0.50000364;
    p = p * y + 0.99999994;
    let ln_m = y * p;
    return e * 0.69140625 + (e * 0.0017409306 + ln_m);
}

// e^x for x in (−87, 88]; 0 for x ≤ −87 (relative error at most 2.5×10⁻⁷).
fn exp_f32(x_in: f32) -> f32 {
    let low = x_in <= -87.0;
    let x = select(min(x_in, 88.0), 0.0, low);
    let n = floor(x * 1.442695 + 0.5);
    let f = (x - n * 0.69140625) - n * 0.0017409306;
    let scale = bitcast<f32>(u32(i32(n) + 127) << 23u);
    var q = 0.0013948581;
    q = q * f + 0.008375129;
    q = q * f + 0.041666217;
    q = q * f + 0.16666415;
    q = q * f + 0.5;
    q = q * f + 1.0;
    q = q * f + 1.0;
    return select(q * scale, 0.0, low);
}
