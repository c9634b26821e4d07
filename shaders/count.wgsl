// The spike counts of a population at rest after `count.steps` steps under constant
// currents, computed from each neuron's period instead of stepped: step_euler's and
// step_exact's counts, bit for bit. One invocation per neuron, one dispatch.
//
// Euler: after every spike the float32 state is the same (the gap back at the current,
// the refractory countdown at frozen_steps), so a neuron that first fires on step n
// fires every frozen_steps + n steps. It is stepped, with step_euler's multiply and
// compare, until it first fires or is known never to: a gap at or above zero with a
// threshold at or below zero, or a step that neither fires nor moves the gap toward the
// threshold (a gap that no longer changes, or a negative one, which only rises).
// Mirrored by `count_block` in src/backend/cpu/kernel.rs.
//
// Exact: a neuron at rest fires at rest + k·period in the countdown's fixed point, so
// the spikes before `steps` whole steps are counted in one division. Mirrored by
// `ExactTimes::spikes_from_rest` in src/model/exact.rs.
//
// Common structs: shaders/common.wgsl; sub64, greater64, div64: shaders/countdown.wgsl.

@group(0) @binding(0) var<uniform> population: Population;
// The steps from rest that the counts stand for.
@group(0) @binding(1) var<uniform> count: Chunk;
@group(0) @binding(2) var<storage, read> current: array<f32>;
// Euler: each neuron's gap threshold (f32 bits). Exact: each neuron's period, then each
// neuron's countdown at rest, as low and high words.
@group(0) @binding(3) var<storage, read> thresholds: array<u32>;
@group(0) @binding(7) var<storage, read_write> spike_count: array<u32>;
@group(0) @binding(9) var<storage, read> constants: array<NeuronConstants>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn count_euler(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    if index >= population.neuron_count {
        return;
    }
    let threshold = bitcast<f32>(thresholds[index]);
    let own = constants[index * population.per_neuron];
    var u = current[index];
    var first = 0u;
    if !(u >= 0.0 && threshold <= 0.0) {
        var step = 0u;
        while step < count.steps {
            step += 1u;
            let next = u * own.decay;
            if next < threshold {
                first = step;
                break;
            }
            if next == u || next < 0.0 {
                break;
            }
            u = next;
        }
    }
    var spikes = 0u;
    if first != 0u {
        // The period frozen_steps + first wraps past 2³² only for a first spike within
        // frozen_steps of the end of a run of nearly 2³² steps: then no second spike.
        let period = own.frozen_steps + first;
        if period >= first {
            spikes = 1u + (count.steps - first) / period;
        } else {
            spikes = 1u;
        }
    }
    spike_count[index] = spikes;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn count_exact(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    let neurons = population.neuron_count;
    if index >= neurons {
        return;
    }
    let period = vec2<u32>(thresholds[2u * index], thresholds[2u * index + 1u]);
    let rest = vec2<u32>(thresholds[2u * (neurons + index)], thresholds[2u * (neurons + index) + 1u]);
    // The end of the run in the countdown's units: steps·2³².
    let end = vec2<u32>(0u, count.steps);
    var spikes = 0u;
    if (period.x != 0u || period.y != 0u) && greater64(end, rest) {
        spikes = div64(sub64(sub64(end, vec2<u32>(1u, 0u)), rest), period).quotient + 1u;
    }
    spike_count[index] = spikes;
}
