//! The float32 Euler method: its per-run constants and the scalar step that the shader
//! (`shaders/lif_euler.wgsl`) and the CPU block kernel mirror operation for operation.
//!
//! [`step_euler`] is the readable one-neuron version: multiplies and compares only, so
//! its spike counts are bit-identical to the GPU's (Rust never fuses them).

use crate::model::params::LifParams;

/// The per-run constants of the float32 Euler kernel, shared by the GPU shader and the
/// CPU float32 backend. Must be computed by [`Run`](crate::Run), never by a backend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EulerConstants {
    /// See [`LifParams::decay`].
    pub decay: f32,
    /// See [`LifParams::frozen_steps`].
    pub frozen_steps: u32,
}

impl EulerConstants {
    /// The constants for validated `params`.
    pub fn new(params: &LifParams) -> Self {
        EulerConstants {
            decay: params.decay(),
            frozen_steps: params.frozen_steps(),
        }
    }
}

/// One neuron's state between dispatches, as the shader keeps it in its storage
/// buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronState {
    /// The gap `u = I − v` between the input current and the voltage.
    pub gap: f32,
    /// Steps left in the refractory period.
    pub refractory_left: u32,
    /// Spikes so far.
    pub spike_count: u32,
}

impl NeuronState {
    /// A neuron at rest (`v = 0`, so `u = I`), not refractory, no spikes.
    pub fn at_rest(current: f32) -> Self {
        NeuronState {
            gap: current,
            refractory_left: 0,
            spike_count: 0,
        }
    }
}

/// Advances one neuron by `steps` Euler steps: the body of `step_euler` in
/// `shaders/lif_euler.wgsl`.
pub fn step_euler(
    state: &mut NeuronState,
    current: f32,
    gap_th: f32,
    constants: &EulerConstants,
    steps: u32,
) {
    let mut u = state.gap;
    let mut left = state.refractory_left;
    let mut spikes = state.spike_count;
    for _ in 0..steps {
        if left > 0 {
            left -= 1;
        } else {
            u *= constants.decay;
            if u < gap_th {
                u = current;
                left = constants.frozen_steps;
                spikes += 1;
            }
        }
    }
    *state = NeuronState {
        gap: u,
        refractory_left: left,
        spike_count: spikes,
    };
}
