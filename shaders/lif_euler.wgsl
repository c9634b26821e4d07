// The tutorial's FirstOrderLIF neuron, one invocation per neuron, integrated as the
// gap u = I − v between input and voltage (same recurrence as the tutorial's Euler
// step in exact arithmetic, full float32 precision where the threshold is decided).
// Mirrored line by line by `step_euler` in src/cpu/stepper.rs: multiplies and compares
// only, so both give bit-identical spike counts.

// Must be kept in sync with `PopulationUniforms` in src/gpu/layout.rs.
struct Population {
    // Neurons in this population; invocations past it return at once.
    neuron_count: u32,
    // Invocations per row of a 2D dispatch: workgroups_x × WORKGROUP_SIZE.
    row_stride: u32,
    // Steps a neuron stays frozen after a spike (the host replays the float64 countdown).
    frozen_steps: u32,
    // 1 − dt/tau_rc, formed in float64 by the host.
    decay: f32,
}

// Must be kept in sync with `ChunkUniforms` in src/gpu/layout.rs.
struct Chunk {
    // Steps this dispatch advances every neuron by.
    steps: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> population: Population;
@group(0) @binding(1) var<uniform> chunk: Chunk;
@group(0) @binding(2) var<storage, read> current: array<f32>;
@group(0) @binding(3) var<storage, read> gap_th: array<f32>;
@group(0) @binding(4) var<storage, read_write> gap: array<f32>;
@group(0) @binding(5) var<storage, read_write> refractory_left: array<u32>;
@group(0) @binding(6) var<storage, read_write> spike_count: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn step_euler(@builtin(global_invocation_id) id: vec3<u32>) {
    let neuron = id.y * population.row_stride + id.x;
    if neuron >= population.neuron_count {
        return;
    }
    let i_in = current[neuron];
    let threshold = gap_th[neuron];
    var u = gap[neuron];
    var left = refractory_left[neuron];
    var spikes = spike_count[neuron];
    for (var s = 0u; s < chunk.steps; s += 1u) {
        if left > 0u {
            left -= 1u;
        } else {
            u = u * population.decay;
            if u < threshold {
                u = i_in;
                left = population.frozen_steps;
                spikes += 1u;
            }
        }
    }
    gap[neuron] = u;
    refractory_left[neuron] = left;
    spike_count[neuron] = spikes;
}
