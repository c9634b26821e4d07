// The LIF neuron integrated exactly for piecewise-constant input, one invocation per
// neuron, on the gap u = I − v. Between events u shrinks by exp(−dt/tau) per step (a
// multiply); on a step where the neuron leaves its refractory period or fires, the
// spike time is located inside the step with exp and log, the refractory period starts
// there, and the rest of the step is used again, so several spikes fit in a step when
// tau_ref < dt. Mirrored by `step_exact` in src/cpu/exact.rs.

// Common structs and bindings: shaders/common.wgsl and shaders/step_bindings.wgsl.

// Per neuron: the gap at which it fires, and its inter-spike interval (seconds).
@group(0) @binding(3) var<storage, read> thresholds: array<vec2<f32>>;
// Refractory time left, seconds.
@group(0) @binding(6) var<storage, read_write> refractory: array<f32>;

struct Neuron {
    u: f32,
    refractory: f32,
}

// One exact step; returns the spikes fired in it. The common cases come first and
// cost a multiply and a compare: integrating a whole step without reaching threshold,
// and a whole step of refractory time.
fn exact_step(
    n: ptr<function, Neuron>,
    i_in: f32,
    gap_th: f32,
    period: f32,
    c: NeuronConstants,
) -> u32 {
    let dt = population.dt;
    let r = (*n).refractory;
    let u = (*n).u;
    if r == 0.0 {
        let relaxed = u * c.decay;
        if gap_th <= 0.0 || relaxed >= gap_th {
            (*n).u = relaxed;
            return 0u;
        }
        return fire(n, i_in, gap_th, period, c, u, dt);
    }
    if r >= dt {
        (*n).refractory = r - dt;
        return 0u;
    }
    // The refractory period ends inside this step; integrate the rest of it.
    let t = dt - r;
    (*n).refractory = 0.0;
    let relaxed = u * exp(-t / c.tau);
    if gap_th <= 0.0 || relaxed >= gap_th {
        (*n).u = relaxed;
        return 0u;
    }
    return fire(n, i_in, gap_th, period, c, u, t);
}

// The neuron reaches threshold within the `t` seconds that start with gap `u`: the
// first spike, then whole periods, then the rest of the step.
fn fire(
    n: ptr<function, Neuron>,
    i_in: f32,
    gap_th: f32,
    period: f32,
    c: NeuronConstants,
    u: f32,
    t: f32,
) -> u32 {
    let to_threshold = max(c.tau * log(u / gap_th), 0.0);
    var left = max(t - to_threshold, 0.0);
    let more = floor(left / period);
    left = left - more * period;
    if left < c.tau_ref {
        (*n).refractory = c.tau_ref - left;
        (*n).u = i_in;
    } else {
        (*n).refractory = 0.0;
        (*n).u = i_in * exp(-(left - c.tau_ref) / c.tau);
    }
    return 1u + u32(more);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn step_exact(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    if index >= population.neuron_count {
        return;
    }
    let i_in = current[index];
    let th = thresholds[index];
    let c = constants[index * population.per_neuron];
    var n = Neuron(gap[index], refractory[index]);
    // A new current moves the gap so that the voltage stays where it was.
    let was = drive[index];
    if was != i_in {
        n.u = i_in - (was - n.u);
        drive[index] = i_in;
    }
    var spikes = spike_count[index];
    var last = 0u;
    for (var s = 0u; s < chunk.steps; s += 1u) {
        last = exact_step(&n, i_in, th.x, th.y, c);
        spikes += last;
    }
    gap[index] = n.u;
    refractory[index] = n.refractory;
    spike_count[index] = spikes;
    spiked[index] = last;
}
