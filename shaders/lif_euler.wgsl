// The tutorial's FirstOrderLIF neuron, one invocation per neuron, integrated as the
// gap u = I − v between input and voltage (same recurrence as the tutorial's Euler
// step in exact arithmetic, full float32 precision where the threshold is decided).
// Mirrored by the block kernel in src/cpu/kernel.rs (and, one neuron at a time, by
// `step_euler` in src/cpu/stepper.rs): multiplies and compares only, so all give
// bit-identical spike counts.

// Common structs and bindings: shaders/common.wgsl and shaders/step_bindings.wgsl.

// Each neuron's gap threshold.
@group(0) @binding(3) var<storage, read> gap_th: array<f32>;
// Steps left in the refractory period.
@group(0) @binding(6) var<storage, read_write> refractory_left: array<u32>;

struct Neuron {
    u: f32,
    left: u32,
    spikes: u32,
}

// One Euler step, branch-free: every value computed, the results selected. Returns
// whether the neuron fired. Mirrored by `lane_step` in src/cpu/kernel.rs.
fn euler_step(
    n: ptr<function, Neuron>,
    i_in: f32,
    threshold: f32,
    decay: f32,
    frozen_steps: u32,
) -> bool {
    let refractory = (*n).left > 0u;
    // A refractory neuron's gap is multiplied by 1, which leaves it exactly as it was.
    let decayed = (*n).u * select(decay, 1.0, refractory);
    let fire = !refractory && decayed < threshold;
    (*n).u = select(decayed, i_in, fire);
    (*n).left = select(max((*n).left, 1u) - 1u, frozen_steps, fire);
    (*n).spikes += select(0u, 1u, fire);
    return fire;
}

// Neuron `index`'s state as a dispatch starts, under its current `i_in`: a new current
// moves the gap so that the voltage stays where it was.
fn take_current(index: u32, i_in: f32) -> Neuron {
    var n = Neuron(gap[index], refractory_left[index], spike_count[index]);
    let was = drive[index];
    if was != i_in {
        n.u = i_in - (was - n.u);
        drive[index] = i_in;
    }
    return n;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn step_euler(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    if index >= population.neuron_count {
        return;
    }
    let i_in = current[index];
    let threshold = gap_th[index];
    let own = constants[index * population.per_neuron];
    let decay = own.decay;
    let frozen = own.frozen_steps;
    var n = take_current(index, i_in);
    // All steps but the last, four at a time; then the last, whose spikes are flagged.
    let body = chunk.steps - 1u;
    for (var s = 0u; s < body / 4u; s += 1u) {
        euler_step(&n, i_in, threshold, decay, frozen);
        euler_step(&n, i_in, threshold, decay, frozen);
        euler_step(&n, i_in, threshold, decay, frozen);
        euler_step(&n, i_in, threshold, decay, frozen);
    }
    for (var s = 0u; s < body % 4u; s += 1u) {
        euler_step(&n, i_in, threshold, decay, frozen);
    }
    let fired = euler_step(&n, i_in, threshold, decay, frozen);
    gap[index] = n.u;
    refractory_left[index] = n.left;
    spike_count[index] = n.spikes;
    spiked[index] = select(0u, 1u, fired);
}

// A neuron with `n`'s state after a step that did not fire it and left its gap as it
// was, not refractory: it stays so, and never fires again.
fn settled(before: Neuron, n: Neuron, fired: bool) -> bool {
    return !fired && before.left == 0u && n.u == before.u;
}

// Advances each neuron by `chunk.steps` steps under its constant current in closed
// form, leaving step_euler's state bit for bit: a spike always leaves the same state
// (the gap at the current, the countdown at frozen_steps), so the neuron is stepped to
// its first spike, its period is found by decaying from the spike to the next (as
// shaders/count.wgsl finds a first spike), the whole periods left are counted, and the
// last, partial one is stepped from the spike. Mirrored by `advance_block` in
// src/backend/cpu/kernel.rs.
@compute @workgroup_size(WORKGROUP_SIZE)
fn advance_euler(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    if index >= population.neuron_count {
        return;
    }
    let i_in = current[index];
    let threshold = gap_th[index];
    let own = constants[index * population.per_neuron];
    let decay = own.decay;
    let frozen = own.frozen_steps;
    let steps = chunk.steps;
    var n = take_current(index, i_in);
    // To the first spike, the end, or a state that never fires.
    var done = 0u;
    var fired = false;
    while done < steps {
        done += 1u;
        let before = n;
        fired = euler_step(&n, i_in, threshold, decay, frozen);
        if fired {
            break;
        }
        if settled(before, n, fired) {
            done = steps;
            break;
        }
    }
    if fired && done < steps {
        // The decays from a spike to the next, if one falls within the steps left.
        let to_go = steps - done;
        var v = i_in;
        var decays = 0u;
        var again = false;
        loop {
            let next = v * decay;
            decays += 1u;
            if next < threshold {
                again = true;
                break;
            }
            let beyond = frozen >= to_go || decays > to_go - frozen;
            if next == v || next < 0.0 || beyond {
                break;
            }
            v = next;
        }
        var rest = to_go;
        if again && frozen < to_go && decays <= to_go - frozen {
            // A period within the steps left (a longer one leaves them all to step).
            let period = frozen + decays;
            n.spikes += to_go / period;
            rest = to_go % period;
        }
        n.u = i_in;
        n.left = frozen;
        fired = rest == 0u;
        for (var s = 0u; s < rest; s += 1u) {
            let before = n;
            fired = euler_step(&n, i_in, threshold, decay, frozen);
            if settled(before, n, fired) {
                break;
            }
        }
    }
    gap[index] = n.u;
    refractory_left[index] = n.left;
    spike_count[index] = n.spikes;
    spiked[index] = select(0u, 1u, fired);
}
