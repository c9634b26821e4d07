// The LIF neuron integrated exactly for piecewise-constant input, one invocation per
// neuron, on the gap u = I − v. Between events u shrinks by exp(−dt/tau) per step (a
// multiply); on a step where the neuron leaves its refractory period or fires, the
// spike time is located inside the step with exp and log, the refractory period starts
// there, and the rest of the step is used again, so several spikes fit in a step when
// tau_ref < dt. Mirrored by `step_exact` in src/cpu/exact.rs.

// Must be kept in sync with `PopulationUniforms` in src/gpu/layout.rs.
struct Population {
    neuron_count: u32,
    row_stride: u32,
    // 1 when each neuron has its own constants, 0 when all share entry 0.
    per_neuron: u32,
    // The time step, seconds.
    dt: f32,
}

// Must be kept in sync with `NeuronConstants` in src/gpu/layout.rs.
struct NeuronConstants {
    // exp(−dt/tau_rc), formed in float64 by the host.
    decay: f32,
    // The time constant that float32 `decay` realises, −dt/ln(decay), seconds.
    tau: f32,
    // The refractory period, seconds.
    tau_ref: f32,
    // Used by the Euler kernel.
    frozen_steps: u32,
}

// Must be kept in sync with `ChunkUniforms` in src/gpu/layout.rs.
struct Chunk {
    // Steps this dispatch advances every neuron by (at least 1).
    steps: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> population: Population;
@group(0) @binding(1) var<uniform> chunk: Chunk;
@group(0) @binding(2) var<storage, read> current: array<f32>;
// Per neuron: the gap at which it fires, and its inter-spike interval (seconds).
@group(0) @binding(3) var<storage, read> thresholds: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> gap: array<f32>;
@group(0) @binding(5) var<storage, read_write> drive: array<f32>;
// Refractory time left, seconds.
@group(0) @binding(6) var<storage, read_write> refractory: array<f32>;
@group(0) @binding(7) var<storage, read_write> spike_count: array<u32>;
// Spikes on the last step (more than 1 when tau_ref < dt).
@group(0) @binding(8) var<storage, read_write> spiked: array<u32>;
@group(0) @binding(9) var<storage, read> constants: array<NeuronConstants>;

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
    let index = id.y * population.row_stride + id.x;
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
