// A host application's own compute shader, reading gpulif's spike counts: how many
// spikes each neuron fired since the last frame, and a histogram of those numbers
// over the population.

// gpulif's buffer, bound read-only: spikes per neuron since the population's start.
@group(0) @binding(0) var<storage, read> spike_count: array<u32>;
// The host's own state: each neuron's count at the previous frame.
@group(0) @binding(1) var<storage, read_write> previous: array<u32>;
// The host's output: histogram[k] = neurons that fired k spikes this frame (the last
// bin takes k and more).
@group(0) @binding(2) var<storage, read_write> histogram: array<atomic<u32>>;

@compute @workgroup_size(64)
fn frame_histogram(@builtin(global_invocation_id) id: vec3<u32>) {
    let neuron = id.x;
    if neuron >= arrayLength(&spike_count) {
        return;
    }
    let now = spike_count[neuron];
    let spikes = now - previous[neuron];
    previous[neuron] = now;
    let bins = arrayLength(&histogram);
    atomicAdd(&histogram[min(spikes, bins - 1u)], 1u);
}
