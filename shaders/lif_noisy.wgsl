// The Euler neuron driven by noise, a stimulus and Poisson input besides its constant
// current: the
// step of `noisy_step` in src/model/noise.rs, operation for operation, with the normals
// of shaders/philox.wgsl; mirrored by src/backend/cpu/noisy_block.rs. Bit-identical
// counts on any device whose compiler does not contract a·b + c into a fused
// multiply-add (see src/model/noise.rs).
//
// The gap u = I − v is measured from the constant current I; the stimulus, the noise
// and the Poisson events enter as the voltage w they add in a step:
//   white:    w = noise_gain·z (+ e) (+ p)       (noise_gain = sigma·√(dt/tau_rc))
//   coloured: w = drive_gain·η (+ e) (+ p);  η ← η·noise_decay + noise_gain·z
//   u ← u·decay − w  unless refractory;  fire when u < gap_th
// with e = stimulus_gain·x(t), added only when a stimulus drives the population, z the
// step's normal, and p = weight·K for the step's K Poisson events, added only with
// Poisson input (K: the table entries the step's word of the Poisson stream exceeds,
// `PoissonTable::count` in src/input/poisson.rs).

// Each neuron's gap threshold.
@group(0) @binding(3) var<storage, read> gap_th: array<f32>;
// Steps left in the refractory period.
@group(0) @binding(6) var<storage, read_write> refractory_left: array<u32>;

// Must be kept in sync with `NoiseUniforms` in src/backend/gpu/layout.rs.
struct Noise {
    seed_lo: u32,
    seed_hi: u32,
    // The global index of neuron 0 (the noise streams' neuron word).
    first_lo: u32,
    first_hi: u32,
    // 1 for an Ornstein–Uhlenbeck current, kept after the gaps in `gap`.
    coloured: u32,
    // 1 when a stimulus is bound.
    stimulus: u32,
    // 1 when there is noise to draw.
    draws: u32,
    // Poisson input: the entries of its table a word can exceed (0: none), and each
    // event's voltage.
    poisson_len: u32,
    poisson_weight: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    // The Poisson distribution function in 32-bit fixed point, rising, then 0xFFFFFFFF.
    poisson_table: array<vec4<u32>, 16>,
}

// Must be kept in sync with `ClockUniforms` in src/backend/gpu/layout.rs: the step
// this dispatch starts at (steps since the start or the last reset), copied from the
// clock the `tick` kernel advances.
struct Clock {
    lo: u32,
    hi: u32,
    _pad0: u32,
    _pad1: u32,
}

// Must be kept in sync with `StimulusWindow` in src/backend/gpu/layout.rs: the values
// of steps origin .. origin + len.
struct Stimulus {
    origin_lo: u32,
    origin_hi: u32,
    len: u32,
    _pad: u32,
    values: array<vec4<f32>, STIMULUS_VEC4S>,
}

const STIMULUS_VEC4S: u32 = 4095u;

// Whether the pipeline counts Poisson events: a pipeline of its own, so that the
// kernel without them carries none of their code.
override POISSON: bool = false;

@group(0) @binding(10) var<uniform> noise: Noise;
@group(0) @binding(11) var<uniform> clock: Clock;
@group(0) @binding(12) var<uniform> stimulus: Stimulus;

// The stimulus of step (lo, hi); 0 outside the window written.
fn stimulus_at(lo: u32, hi: u32) -> f32 {
    if noise.stimulus == 0u {
        return 0.0;
    }
    let k_lo = lo - stimulus.origin_lo;
    let borrow = select(0u, 1u, lo < stimulus.origin_lo);
    let k_hi = hi - stimulus.origin_hi - borrow;
    if k_hi != 0u || k_lo >= stimulus.len {
        return 0.0;
    }
    return stimulus.values[k_lo / 4u][k_lo % 4u];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn step_noisy(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = neuron_index(id);
    if index >= population.neuron_count {
        return;
    }
    let i_in = current[index];
    let threshold = gap_th[index];
    let own = constants[index * population.per_neuron];
    let coloured = noise.coloured != 0u;
    var u = gap[index];
    var left = refractory_left[index];
    var spikes = spike_count[index];
    let was = drive[index];
    if was != i_in {
        u = i_in - (was - u);
        drive[index] = i_in;
    }
    // The neuron's global index, the Philox key.
    let index_lo = noise.first_lo + index;
    let index_hi = noise.first_hi + select(0u, 1u, index_lo < index);
    let key = vec2<u32>(noise.seed_lo, noise.seed_hi);
    var eta = 0.0;
    if coloured {
        if clock.lo == 0u && clock.hi == 0u {
            let w = philox4x32_10(noise_counter(0u, 0u, index_lo, index_hi, STREAM_START), key);
            eta = own.noise_spread * normals(w).x;
        } else {
            eta = gap[population.neuron_count + index];
        }
    }
    var t_lo = clock.lo;
    var t_hi = clock.hi;
    var z = vec4<f32>();
    var events = vec4<u32>();
    var fired = false;
    for (var s = 0u; s < chunk.steps; s += 1u) {
        if noise.draws != 0u && (s == 0u || (t_lo & 3u) == 0u) {
            let quad_lo = (t_lo >> 2u) | (t_hi << 30u);
            let quad_hi = t_hi >> 2u;
            z = normals(philox4x32_10(noise_counter(quad_lo, quad_hi, index_lo, index_hi, STREAM_STEPS), key));
        }
        let n = z[t_lo & 3u];
        var w: f32;
        if coloured {
            w = own.drive_gain * eta;
            eta = eta * own.noise_decay + own.noise_gain * n;
        } else {
            w = own.noise_gain * n;
        }
        if noise.stimulus != 0u {
            w += own.stimulus_gain * stimulus_at(t_lo, t_hi);
        }
        if POISSON {
            if s == 0u || (t_lo & 3u) == 0u {
                let quad_lo = (t_lo >> 2u) | (t_hi << 30u);
                let quad_hi = t_hi >> 2u;
                events = philox4x32_10(noise_counter(quad_lo, quad_hi, index_lo, index_hi, STREAM_POISSON), key);
            }
            // The entries the word exceeds, by a binary search of the rising table (its
            // last entry is 0xFFFFFFFF, never exceeded): six looks, the same for every
            // invocation.
            let word = events[t_lo & 3u];
            var k = 0u;
            for (var half = 32u; half > 0u; half >>= 1u) {
                let j = k + half - 1u;
                k += select(0u, half, word > noise.poisson_table[j / 4u][j % 4u]);
            }
            w += noise.poisson_weight * f32(k);
        }
        let refractory = left > 0u;
        let next = u * own.decay - w;
        fired = !refractory && next < threshold;
        u = select(select(next, u, refractory), i_in, fired);
        left = select(max(left, 1u) - 1u, own.frozen_steps, fired);
        spikes += select(0u, 1u, fired);
        t_lo += 1u;
        t_hi += select(0u, 1u, t_lo == 0u);
    }
    gap[index] = u;
    if coloured {
        gap[population.neuron_count + index] = eta;
    }
    refractory_left[index] = left;
    spike_count[index] = spikes;
    spiked[index] = select(0u, 1u, fired);
}
