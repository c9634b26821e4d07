// The part every gpulif kernel shares: the structs the host writes (their Rust twins are
// in src/backend/gpu/layout.rs; a test compares the layouts through naga) and the
// workgroup size. Prepended to each kernel's source when the pipeline is built.

// Must be kept in sync with `PopulationUniforms` in src/backend/gpu/layout.rs.
struct Population {
    // Neurons in this population; invocations past it return at once.
    neuron_count: u32,
    // Invocations per row of a 2D dispatch: workgroups_x × WORKGROUP_SIZE.
    row_stride: u32,
    // 1 when each neuron has its own constants, 0 when all share entry 0.
    per_neuron: u32,
    // The time step, seconds (the exact kernel's).
    dt: f32,
}

// Must be kept in sync with `NeuronConstants` in src/backend/gpu/layout.rs.
struct NeuronConstants {
    // Euler: 1 − dt/tau_rc; exact: exp(−dt/tau_rc); formed in float64 by the host.
    decay: f32,
    // Exact: the time constant that float32 `decay` realises, −dt/ln(decay), seconds.
    tau: f32,
    // Exact: the refractory period, seconds.
    tau_ref: f32,
    // Euler: steps a neuron stays frozen after a spike (the host replays the float64
    // countdown).
    frozen_steps: u32,
    // The threshold; read when thresholds are formed on the device.
    v_th: f32,
    // The membrane time constant, seconds; likewise.
    tau_rc: f32,
    // Euler: the ratio of the rate the float32 decay realises to the exact one, less 1;
    // likewise.
    rate_ratio_m1: f32,
    // Noisy Euler: dt/tau_rc, the voltage per unit current and step; exact: the same
    // ratio, which turns countdown steps into membrane time.
    drive_gain: f32,
    // Noisy Euler: white, sigma·√(dt/tau_rc); coloured, the Ornstein–Uhlenbeck increment.
    noise_gain: f32,
    // Noisy Euler: the Ornstein–Uhlenbeck decay per step.
    noise_decay: f32,
    // Noisy Euler: the Ornstein–Uhlenbeck current's stationary standard deviation.
    noise_spread: f32,
    // Noisy Euler: the voltage per unit stimulus and step.
    stimulus_gain: f32,
}

// Must be kept in sync with `ChunkUniforms` in src/backend/gpu/layout.rs.
struct Chunk {
    // Steps this dispatch advances every neuron by (at least 1).
    steps: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

override WORKGROUP_SIZE: u32 = 64u;

// The neuron an invocation steps: rows of `row_stride` invocations in a 2D dispatch.
fn neuron_index(id: vec3<u32>) -> u32 {
    return id.y * population.row_stride + id.x;
}
