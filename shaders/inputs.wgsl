// Forms each neuron's thresholds on the device from the currents in the `current`
// buffer, for hosts whose shaders write the currents themselves (the input buffer of
// `GpuPopulation::current_buffer`). The host forms the same values in float64 from
// float64 currents (src/input.rs); here they are formed in float32 from float32
// currents, in the form that keeps float32's relative precision near threshold:
//
//   d = I − v_th                        (exact where I is within a factor 2 of v_th)
//   gap_th = d · exp(ρ · ln(d / I))     (ρ = rate ratio − 1: tiny, so exp(·) ≈ 1)
//   period = tau_ref + tau_rc · ln(I / d)        (exact method only)
//
// Common structs: shaders/common.wgsl. Bind group layout: `LifPipeline`'s inputs layout.

@group(0) @binding(0) var<uniform> population: Population;
@group(0) @binding(1) var<storage, read> current: array<f32>;
// Euler: one f32 per neuron; exact: two (gap threshold, period), the layout of the
// exact kernel's array<vec2<f32>>.
@group(0) @binding(2) var<storage, read_write> thresholds: array<f32>;
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
    thresholds[index] = gap_threshold(current[index], c);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn form_exact_inputs(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    if index >= population.neuron_count {
        return;
    }
    let c = constants[index * population.per_neuron];
    let i = current[index];
    let d = i - c.v_th;
    var gap_th = d;
    // A neuron that never fires: its gap never falls below a threshold ≤ 0.
    var period = 3.40282347e38;
    if d > 0.0 {
        let log_ratio = log(d / i);
        gap_th = d * exp(c.rate_ratio_m1 * log_ratio);
        period = c.tau_ref - c.tau_rc * log_ratio;
    }
    thresholds[2u * index] = gap_th;
    thresholds[2u * index + 1u] = period;
}
