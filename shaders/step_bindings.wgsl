// The bindings every stepping kernel shares (bind group layout: `LifPipeline`).
// Bindings 3 (thresholds) and 6 (refractory state) are each method's own.

// Inputs, written by the host (`GpuPopulation::write_currents`) or by a host's shader.
@group(0) @binding(0) var<uniform> population: Population;
@group(0) @binding(1) var<uniform> chunk: Chunk;
@group(0) @binding(2) var<storage, read> current: array<f32>;
// State, carried from one dispatch to the next.
@group(0) @binding(4) var<storage, read_write> gap: array<f32>;
// The current each gap is measured from: the voltage is `drive − gap`.
@group(0) @binding(5) var<storage, read_write> drive: array<f32>;
// Outputs a host may bind in its own shaders.
@group(0) @binding(7) var<storage, read_write> spike_count: array<u32>;
@group(0) @binding(8) var<storage, read_write> spiked: array<u32>;
// One entry per neuron, or one for all (then `population.per_neuron` is 0).
@group(0) @binding(9) var<storage, read> constants: array<NeuronConstants>;
