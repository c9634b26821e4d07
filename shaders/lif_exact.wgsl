// The LIF neuron integrated exactly for piecewise-constant input, one invocation per
// neuron. A neuron driven above threshold carries the time to its next spike as a
// countdown in fixed point (2⁻³² step; low and high words): a step subtracts one step,
// a spike adds the period, both formed in float64 by the host. So a step costs an
// integer compare and subtract, spike times carry no accumulated rounding, and the
// counts are those of the CPU bit for bit. A neuron below threshold multiplies its
// gap u = I − v by exp(−dt/tau_rc) per step. The gap and the refractory time are formed
// from the countdown when a dispatch ends (one exp), and the countdown from them when
// the current changes (one ln). Mirrored by `ExactCountdown` in src/model/exact.rs.

// Common structs and bindings: shaders/common.wgsl and shaders/step_bindings.wgsl;
// ln_f32 and exp_f32: shaders/fastmath.wgsl; the countdown's arithmetic:
// shaders/countdown.wgsl.

// Per neuron, in the countdown's units: its period (0: never fires), then, after all
// the periods, its countdown at rest.
@group(0) @binding(3) var<storage, read> times: array<vec2<u32>>;
// Per neuron, the refractory time left in seconds (f32 bits); then, after all of them,
// each neuron's countdown (low word, high word).
@group(0) @binding(6) var<storage, read_write> refractory: array<u32>;

// The countdown of a firing neuron with gap `u` and `r` seconds of refractory time left.
fn reckon(u: f32, r: f32, i_in: f32, rest: vec2<u32>, c: NeuronConstants) -> vec2<u32> {
    if r > 0.0 {
        return add64(rest, units_of(r / population.dt));
    }
    if u <= 0.0 {
        // At or past threshold: the spike is due at once.
        return vec2<u32>(0u, 0u);
    }
    let elapsed = ln_f32(i_in / u) / c.drive_gain;
    if elapsed >= 0.0 {
        let e = units_of(elapsed);
        if greater64(e, rest) {
            return vec2<u32>(0u, 0u);
        }
        return sub64(rest, e);
    }
    // Below rest (a negative voltage): longer than from rest.
    return add64(rest, units_of(-elapsed));
}

// The gap and refractory time left of a firing neuron whose countdown is `due`.
fn settle(due: vec2<u32>, rest: vec2<u32>, i_in: f32, c: NeuronConstants) -> vec2<f32> {
    if greater64(due, rest) {
        return vec2<f32>(i_in, steps_f32(sub64(due, rest)) * population.dt);
    }
    let elapsed = steps_f32(sub64(rest, due));
    return vec2<f32>(i_in * exp_f32(-(elapsed * c.drive_gain)), 0.0);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn step_exact(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    let n = population.neuron_count;
    if index >= n {
        return;
    }
    let i_in = current[index];
    let period = times[index];
    let rest = times[n + index];
    let fires = period.x != 0u || period.y != 0u;
    let c = constants[index * population.per_neuron];
    let dt = population.dt;
    var u = gap[index];
    var r = bitcast<f32>(refractory[index]);
    let at = n + 2u * index;
    var due = vec2<u32>(refractory[at], refractory[at + 1u]);
    // A neuron that crossed threshold without a change of its float32 current.
    var stale = due.y == NEVER_HI;
    // A new current moves the gap so that the voltage stays where it was.
    let was = drive[index];
    if was != i_in {
        u = i_in - (was - u);
        drive[index] = i_in;
        stale = true;
    }
    if !fires {
        due = vec2<u32>(0u, NEVER_HI);
    } else if stale {
        due = reckon(u, r, i_in, rest, c);
        r = 0.0;
    }
    var spikes = spike_count[index];
    var last = 0u;
    // The common case, branch-free: a neuron above threshold fires at most once a step
    // (its period is a step or longer), one below threshold is not refractory.
    let plain = select(r == 0.0, period.y != 0u, fires);
    if plain {
        let tick = select(0u, 1u, fires);
        for (var s = 0u; s < chunk.steps; s += 1u) {
            // A spike when the countdown is below a step: add the period, less a step.
            let hit = due.y == 0u;
            let lo = due.x + select(0u, period.x, hit);
            let carry = select(0u, 1u, lo < due.x);
            due = vec2<u32>(lo, due.y + select(0u, period.y + carry, hit) - tick);
            last = select(0u, 1u, hit);
            spikes += last;
            // A neuron above threshold forms its gap again when the dispatch ends.
            u = u * c.decay;
        }
    } else {
        for (var s = 0u; s < chunk.steps; s += 1u) {
            last = 0u;
            if fires {
                if due.y == 0u {
                    // Spikes in this step: every period that ends before the step does.
                    if period.y != 0u {
                        let lo = due.x + period.x;
                        due = vec2<u32>(lo, period.y + select(0u, 1u, lo < due.x) - 1u);
                        last = 1u;
                    } else {
                        last = (0xFFFFFFFFu - due.x) / period.x + 1u;
                        due = vec2<u32>(due.x + last * period.x, 0u);
                    }
                } else {
                    due.y -= 1u;
                }
            } else if r == 0.0 {
                u = u * c.decay;
            } else if r >= dt {
                r = r - dt;
            } else {
                // The refractory period ends inside this step; integrate the rest of it.
                let left = r;
                r = 0.0;
                u = u * exp_f32(-(dt - left) / c.tau);
            }
            spikes += last;
        }
    }
    if fires {
        let settled = settle(due, rest, i_in, c);
        u = settled.x;
        r = settled.y;
    }
    gap[index] = u;
    refractory[index] = bitcast<u32>(r);
    refractory[at] = due.x;
    refractory[at + 1u] = due.y;
    spike_count[index] = spikes;
    spiked[index] = last;
}
