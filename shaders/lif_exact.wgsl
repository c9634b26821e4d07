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

// What a neuron is driven by, and where its countdown is kept.
struct Inputs {
    i_in: f32,
    period: vec2<u32>,
    rest: vec2<u32>,
    fires: bool,
    c: NeuronConstants,
    // Its countdown's index in the refractory buffer.
    at: u32,
}

fn inputs_of(index: u32) -> Inputs {
    let n = population.neuron_count;
    let period = times[index];
    return Inputs(
        current[index],
        period,
        times[n + index],
        period.x != 0u || period.y != 0u,
        constants[index * population.per_neuron],
        n + 2u * index,
    );
}

// A neuron's state as a dispatch starts.
struct Start {
    u: f32,
    r: f32,
    due: vec2<u32>,
}

// Reads neuron `index`'s state and takes its current: a new current moves the gap so that the voltage stays where it
// was, and the countdown of a firing neuron is reckoned afresh when the current changed
// or it crossed threshold without a change of its float32 current.
fn take_current(index: u32, x: Inputs) -> Start {
    var u = gap[index];
    var r = bitcast<f32>(refractory[index]);
    var due = vec2<u32>(refractory[x.at], refractory[x.at + 1u]);
    var stale = due.y == NEVER_HI;
    let was = drive[index];
    if was != x.i_in {
        u = x.i_in - (was - u);
        drive[index] = x.i_in;
        stale = true;
    }
    if !x.fires {
        due = vec2<u32>(0u, NEVER_HI);
    } else if stale {
        due = reckon(u, r, x.i_in, x.rest, x.c);
        r = 0.0;
    }
    return Start(u, r, due);
}

// One step of a firing neuron's countdown; returns the spikes in it: every period that
// ends before the step does.
fn count_down(due: ptr<function, vec2<u32>>, period: vec2<u32>) -> u32 {
    let d = *due;
    if d.y != 0u {
        (*due).y = d.y - 1u;
        return 0u;
    }
    if period.y != 0u {
        let lo = d.x + period.x;
        *due = vec2<u32>(lo, period.y + select(0u, 1u, lo < d.x) - 1u);
        return 1u;
    }
    let spikes = (0xFFFFFFFFu - d.x) / period.x + 1u;
    *due = vec2<u32>(d.x + spikes * period.x, 0u);
    return spikes;
}

// One step of a neuron below threshold: (gap, refractory time left) after it.
fn step_below(state: vec2<f32>, c: NeuronConstants) -> vec2<f32> {
    let u = state.x;
    let r = state.y;
    let dt = population.dt;
    if r == 0.0 {
        return vec2<f32>(u * c.decay, 0.0);
    }
    if r >= dt {
        return vec2<f32>(u, r - dt);
    }
    // The refractory period ends inside this step; integrate the rest of it.
    return vec2<f32>(u * exp_f32(-(dt - r) / c.tau), 0.0);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn step_exact(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    let n = population.neuron_count;
    if index >= n {
        return;
    }
    let x = inputs_of(index);
    let i_in = x.i_in;
    let period = x.period;
    let rest = x.rest;
    let fires = x.fires;
    let c = x.c;
    let at = x.at;
    let start = take_current(index, x);
    var u = start.u;
    var r = start.r;
    var due = start.due;
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
                last = count_down(&due, period);
            } else {
                let below = step_below(vec2<f32>(u, r), c);
                u = below.x;
                r = below.y;
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

// Advances each neuron by `chunk.steps` steps under its constant current in closed
// form, leaving step_exact's state bit for bit: a firing neuron's spikes fall at its
// countdown and every period after, so all steps but the last are one division and the
// last is count_down, for the spikes on it; a neuron below threshold is stepped until a
// step leaves it as it was (not refractory, its gap no longer changing). Mirrored by
// `advance_countdown_block` in src/backend/cpu/exact_block.rs.
@compute @workgroup_size(WORKGROUP_SIZE)
fn advance_exact(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    let n = population.neuron_count;
    if index >= n {
        return;
    }
    let x = inputs_of(index);
    let i_in = x.i_in;
    let period = x.period;
    let rest = x.rest;
    let fires = x.fires;
    let c = x.c;
    let at = x.at;
    let start = take_current(index, x);
    var u = start.u;
    var r = start.r;
    var due = start.due;
    var spikes = spike_count[index];
    var last = 0u;
    if fires {
        // All steps but the last: the spikes before their end, and the countdown from
        // it to the next.
        let end = vec2<u32>(0u, chunk.steps - 1u);
        if greater64(end, due) {
            let to_end = sub64(sub64(end, vec2<u32>(1u, 0u)), due);
            let split = div64(to_end, period);
            spikes += split.quotient + 1u;
            due = sub64(sub64(period, vec2<u32>(1u, 0u)), split.remainder);
        } else {
            due = sub64(due, end);
        }
        last = count_down(&due, period);
        spikes += last;
        let settled = settle(due, rest, i_in, c);
        u = settled.x;
        r = settled.y;
    } else {
        for (var s = 0u; s < chunk.steps; s += 1u) {
            let next = step_below(vec2<f32>(u, r), c);
            if next.x == u && next.y == r {
                break;
            }
            u = next.x;
            r = next.y;
        }
    }
    gap[index] = u;
    refractory[index] = bitcast<u32>(r);
    refractory[at] = due.x;
    refractory[at + 1u] = due.y;
    spike_count[index] = spikes;
    spiked[index] = last;
}
