//! Host twins of the structs the shaders read, and the dispatch geometry.

use bytemuck::{Pod, Zeroable};

/// Invocations per workgroup; passed to the shader's `override WORKGROUP_SIZE`.
pub const WORKGROUP_SIZE: u32 = 64;

/// The per-population uniform.
///
/// Must be kept in sync with `struct Population` in `shaders/common.wgsl` (a test
/// compares the layouts through naga).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct PopulationUniforms {
    /// Neurons in the population.
    pub neuron_count: u32,
    /// Invocations per row of a 2D dispatch.
    pub row_stride: u32,
    /// 1 when each neuron has its own [`NeuronConstants`], 0 when all share entry 0.
    pub per_neuron: u32,
    /// The time step, seconds (the exact kernel's).
    pub dt: f32,
}

/// One neuron's constants, or the whole population's when it is homogeneous (then the
/// buffer holds this one entry and every invocation reads it).
///
/// Must be kept in sync with `struct NeuronConstants` in `shaders/common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct NeuronConstants {
    /// Euler: `1 − dt/tau_rc`; exact: `exp(−dt/tau_rc)`; in float32.
    pub decay: f32,
    /// Exact: the time constant `decay` realises, seconds.
    pub tau: f32,
    /// Exact: the refractory period, seconds.
    pub tau_ref: f32,
    /// Euler: steps frozen after a spike.
    pub frozen_steps: u32,
    /// The threshold (read when thresholds are formed on the device).
    pub v_th: f32,
    /// The membrane time constant, seconds (likewise).
    pub tau_rc: f32,
    /// Euler: the rate the float32 decay realises over the exact rate, less 1
    /// (likewise): see [`crate::LifParams::gap_threshold`].
    pub rate_ratio_m1: f32,
    /// Noisy Euler: `dt/tau_rc`, the voltage per unit current and step; exact: the
    /// same ratio, which turns countdown steps into membrane time.
    pub drive_gain: f32,
    /// Noisy Euler: [`NoiseConstants::gain`](crate::model::noise::NoiseConstants).
    pub noise_gain: f32,
    /// Noisy Euler: the Ornstein–Uhlenbeck decay per step.
    pub noise_decay: f32,
    /// Noisy Euler: the Ornstein–Uhlenbeck current's stationary standard deviation.
    pub noise_spread: f32,
    /// Noisy Euler: the voltage per unit stimulus and step, `gain·dt/tau_rc`.
    pub stimulus_gain: f32,
}

/// A noisy population's uniform: the seed, the first neuron's global index, and what
/// drives it.
///
/// Must be kept in sync with `struct Noise` in `shaders/lif_noisy.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct NoiseUniforms {
    /// The seed, low and high words.
    pub seed: [u32; 2],
    /// The global index of neuron 0, low and high words.
    pub first_index: [u32; 2],
    /// 1 for an Ornstein–Uhlenbeck current.
    pub coloured: u32,
    /// 1 when a stimulus drives the population.
    pub stimulus: u32,
    /// 1 when there is noise to draw.
    pub draws: u32,
    /// Poisson input: the entries of its table a word can exceed (0: none).
    pub poisson_len: u32,
    /// Poisson input: each event's voltage, `weight as f32`.
    pub poisson_weight: f32,
    /// The table starts on a 16-byte boundary.
    pub _pad: [u32; 3],
    /// Poisson input: its table of the Poisson distribution function
    /// ([`PoissonTable`](crate::input::poisson::PoissonTable)), four entries a vector.
    pub poisson_table: [[u32; 4]; 16],
}

/// The step a dispatch starts at, low and high words.
///
/// Must be kept in sync with `struct Clock` in `shaders/lif_noisy.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct ClockUniforms {
    /// Steps since the start or the last reset.
    pub step: [u32; 2],
    /// Uniform structs are 16-byte multiples.
    pub _pad: [u32; 2],
}

/// Values of the stimulus one window holds: a 64 KiB uniform less its 16-byte header.
pub const STIMULUS_WINDOW: usize = 4 * 4095;

/// The header of the stimulus window; its values follow.
///
/// Must be kept in sync with `struct Stimulus` in `shaders/lif_noisy.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct StimulusHeader {
    /// The step of the first value, low and high words.
    pub origin: [u32; 2],
    /// Values in the window.
    pub len: u32,
    /// Uniform structs are 16-byte multiples.
    pub _pad: u32,
}

/// The per-dispatch uniform: how many steps one dispatch advances.
///
/// Must be kept in sync with `struct Chunk` in `shaders/common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct ChunkUniforms {
    /// Steps per dispatch.
    pub steps: u32,
    /// Uniform structs are 16-byte multiples.
    pub _pad: [u32; 3],
}

/// How a population's neurons map onto workgroups: one invocation per neuron, in rows
/// of at most `max_x` workgroups when one row is not enough (a dispatch dimension holds
/// at most 65,535 workgroups on most devices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DispatchShape {
    /// Workgroups per row.
    pub workgroups_x: u32,
    /// Rows.
    pub workgroups_y: u32,
}

impl DispatchShape {
    /// The shape for `neurons` invocations with at most `max_x` workgroups per row and
    /// `max_y` rows; `None` when they do not fit.
    pub fn for_neurons(neurons: u32, max_x: u32, max_y: u32) -> Option<Self> {
        let workgroups = neurons.div_ceil(WORKGROUP_SIZE).max(1);
        let workgroups_x = workgroups.min(max_x.max(1));
        let workgroups_y = workgroups.div_ceil(workgroups_x);
        (workgroups_y <= max_y).then_some(DispatchShape {
            workgroups_x,
            workgroups_y,
        })
    }

    /// Invocations per row: the `row_stride` the shader multiplies the row index by.
    pub fn row_stride(&self) -> u32 {
        self.workgroups_x * WORKGROUP_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_until_the_limit() {
        let shape = DispatchShape::for_neurons(1_000_000, 65_535, 65_535).unwrap();
        assert_eq!((shape.workgroups_x, shape.workgroups_y), (15_625, 1));
        let shape = DispatchShape::for_neurons(100, 65_535, 65_535).unwrap();
        assert_eq!((shape.workgroups_x, shape.workgroups_y), (2, 1));
    }

    #[test]
    fn rows_above_the_limit_cover_every_neuron() {
        // 65,535 × 64 = 4,194,240 invocations fit in one row; one more needs two.
        let shape = DispatchShape::for_neurons(4_194_241, 65_535, 65_535).unwrap();
        assert_eq!((shape.workgroups_x, shape.workgroups_y), (65_535, 2));
        for neurons in [1, 63, 64, 65, 1000, 1001] {
            let shape = DispatchShape::for_neurons(neurons, 3, 65_535).unwrap();
            let covered = shape.workgroups_x * shape.workgroups_y * WORKGROUP_SIZE;
            assert!(covered >= neurons && covered - neurons < shape.row_stride());
        }
        assert_eq!(
            DispatchShape::for_neurons(1000, 3, 5),
            None,
            "16 workgroups in 3×5"
        );
    }
}
