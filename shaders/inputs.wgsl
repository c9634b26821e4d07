// Forms each neuron's inputs on the device from the currents in the `current` buffer,
// for hosts whose shaders write the currents themselves (the input buffer of
// `GpuPopulation::current_buffer`). The host forms the same values in float64 from
// float64 currents (src/input.rs); here they are formed in float32 from float32
// currents, in the form that keeps float32's relative precision near threshold:
//
//   d = I − v_th                        (exact where I is within a factor 2 of v_th)
//   Euler: gap_th = d · exp(ρ · ln(d / I))    (ρ = rate ratio − 1: tiny, so exp(·) ≈ 1)
//   exact: t1 = tau_rc · ln(I / d), period = tau_ref + t1, in the countdown's units
//
// Common structs: shaders/common.wgsl; `units_of`: shaders/countdown.wgsl. Bind group
// layout: `LifPipeline`'s inputs layout.

@group(0) @binding(0) var<uniform> population: Population;
@group(0) @binding(1) var<storage, read> current: array<f32>;
// Euler: one f32 per neuron (its bits); exact: the kernel's array<vec2<u32>> of periods
// then countdowns at rest.
@group(0) @binding(2) var<storage, read_write> thresholds: array<u32>;
@group(0) @binding(3) var<storage, read> constants: array<NeuronConstants>;

// The gap threshold of a neuron under input `i`: `i − v_th` when it cannot fire.
fn gap_threshold(i: f32, c: NeuronConstants) -> f32 {
    let d = i - c.v_th;
    if d <= 0.0 || c.rate_ratio_m1 == 0.0 {
        return d;
    }
    return d * exp(c.rate_ratio_m1 * log(d / i));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn form_euler_inputs(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    if index >= population.neuron_count {
        return;
    }
    let c = constants[index * population.per_neuron];
    thresholds[index] = bitcast<u32>(gap_threshold(current[index], c));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn form_exact_inputs(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    let n = population.neuron_count;
    if index >= n {
        return;
    }
    let c = constants[index * population.per_neuron];
    let i = current[index];
    let d = i - c.v_th;
    // A neuron that never fires: period 0, and a countdown that never ends.
    var period = vec2<u32>(0u, 0u);
    var rest = vec2<u32>(0u, NEVER_HI);
    if d > 0.0 {
        let to_threshold = c.tau_rc * log(i / d);
        period = units_of((c.tau_ref + to_threshold) / population.dt);
        if period.y == 0u {
            period.x = max(period.x, 2u);
        }
        // The countdown at rest is the time to the first spike less one unit.
        rest = units_of(to_threshold / population.dt);
        if greater64(rest, vec2<u32>(0u, 0u)) {
            rest = sub64(rest, vec2<u32>(1u, 0u));
        }
    }
    thresholds[2u * index] = period.x;
    thresholds[2u * index + 1u] = period.y;
    thresholds[2u * (n + index)] = rest.x;
    thresholds[2u * (n + index) + 1u] = rest.y;
}
