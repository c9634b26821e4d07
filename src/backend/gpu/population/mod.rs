//! A population of neurons on the GPU: its buffers, its bind group, the dispatches that
//! step it, and readback.
//!
//! The population's state and accessors are here; `build` makes it (its inputs lowered,
//! its buffers and bind groups), `encode` records what it does into a host's encoder,
//! `readback` reads its buffers back.

mod build;
mod encode;
mod readback;

use std::sync::{Arc, Mutex};

use build::{Inputs, MethodLayout, floor_log2};
pub(crate) use build::{largest_buffer_per_neuron, largest_buffer_per_neuron_of};
use encode::stimulus_window;
pub(crate) use readback::map_blocking;
pub use readback::{Readback, Readings, Readout};

use super::layout::{
    ChunkUniforms, ClockUniforms, DispatchShape, NeuronConstants, NoiseUniforms,
    PopulationUniforms, STIMULUS_WINDOW, StimulusHeader,
};
use super::pipeline::LifPipeline;
use super::pipeline::STIMULUS_BYTES;
use crate::error::{Error, Result};
use crate::input::PopulationDesc;
use crate::input::check_currents;
use crate::input::lower::{Lowering, poisson_drive, stimulus_gain};
use crate::model::euler::EulerConstants;
use crate::model::exact::{ExactConstants, ExactLane};
use crate::model::noise::{Noise, NoiseConstants};
use crate::model::params::{LifParams, Method, NeuronParams, OwnedNeuronParams};

/// Neuron-steps one dispatch aims at when the step chunk is chosen automatically: about
/// 0.1 s on Mesa's lavapipe (≈1.5×10⁹ neuron-steps/s on two cores), well under a
/// millisecond on a discrete GPU; never the seconds after which desktop drivers kill a
/// dispatch.
pub const DISPATCH_NEURON_STEPS: u64 = 1 << 27;

/// The most steps one dispatch advances, whatever the population size: bounds the
/// time one invocation spends when a population is tiny.
pub const MAX_STEPS_PER_DISPATCH: u32 = 1 << 20;

/// Tuning for a [`GpuPopulation`]; the defaults suit every device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PopulationOptions {
    /// The most steps one dispatch advances (rounded down to a power of two). `None`:
    /// chosen so that one dispatch does about [`DISPATCH_NEURON_STEPS`] neuron-steps;
    /// [`GpuStepper`](super::GpuStepper) then tunes it from a measured dispatch time.
    pub max_steps_per_dispatch: Option<u32>,
    /// The most workgroups in one row of a dispatch. `None`: the device's
    /// `max_compute_workgroups_per_dimension`. Smaller values force the 2D dispatch
    /// that large populations use, for tests.
    pub max_workgroups_per_row: Option<u32>,
}

/// A population of independent Euler LIF neurons living in GPU buffers, each driven by
/// its own input current.
///
/// It records work into the caller's command encoders and never submits by itself,
/// except in the `read_*` helpers, which submit a copy and wait for it.
///
/// # Buffers a host may bind
///
/// Every per-neuron buffer is a tightly packed array, one 4-byte element per neuron in
/// the order of the currents given, with usage `STORAGE | COPY_SRC | COPY_DST`. Bind
/// them read-only in your own pipelines (`var<storage, read>`); writing them from
/// outside breaks the population's invariants.
///
/// | accessor | WGSL declaration | contents |
/// |---|---|---|
/// | [`spike_count_buffer`](Self::spike_count_buffer) | `array<u32>` | spikes since the start, the last [`reset`](Self::reset) or [`clear_counts`](Self::clear_counts) |
/// | [`spiked_buffer`](Self::spiked_buffer) | `array<u32>` | spikes on the last step recorded: 0 or 1 (the exact method may fire more than once in a step when `tau_ref < dt`) |
/// | [`gap_buffer`](Self::gap_buffer) | `array<f32>` | the gap `u = I − v` the kernel integrates |
/// | [`drive_buffer`](Self::drive_buffer) | `array<f32>` | the current `I` that gap is measured from |
/// | [`refractory_left_buffer`](Self::refractory_left_buffer) | Euler: `array<u32>`; exact: `array<f32>` | Euler: steps left in the refractory period; exact: seconds left (then, past the neurons, the exact kernel's own state) |
/// | [`current_buffer`](Self::current_buffer) | `array<f32>` | the input current of the next steps |
///
/// The membrane voltage is `v = drive − gap` (what [`read_voltages`](Self::read_voltages)
/// computes). `drive` differs from `current` only between a
/// [`write_currents`](Self::write_currents) and the next recorded step.
#[derive(Debug)]
pub struct GpuPopulation {
    params: LifParams,
    method: Method,
    /// What the method asks of the buffers.
    layout: MethodLayout,
    each: OwnedNeuronParams,
    neuron_count: u32,
    shape: DispatchShape,
    /// Dispatch `j` of the chunk table advances `2^j` steps, for `j` up to
    /// [`MAX_STEPS_PER_DISPATCH`]'s.
    chunk_stride: u32,
    /// The slot of a full dispatch: `2^chunk_log2` steps.
    chunk_log2: u32,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    current: wgpu::Buffer,
    /// Euler: each neuron's gap threshold (`f32`); exact: each neuron's period, then
    /// each neuron's countdown at rest (`vec2<u32>`, [`ExactTimes`](crate::model::exact::ExactTimes)).
    thresholds: wgpu::Buffer,
    gap: wgpu::Buffer,
    drive: wgpu::Buffer,
    refractory_left: wgpu::Buffer,
    spike_count: wgpu::Buffer,
    spiked: wgpu::Buffer,
    /// Binds the current, thresholds and constants for forming thresholds on the device.
    inputs_bind_group: wgpu::BindGroup,
    form_inputs: wgpu::ComputePipeline,
    /// The staging buffer of the blocking readbacks (two values per neuron, for the
    /// voltage's gap and drive), made on the first and reused.
    staging: Mutex<Option<wgpu::Buffer>>,
    /// The clock and stimulus of a population driven by noise or a stimulus.
    noisy: Option<NoisyParts>,
    /// The chunk table (binding 1): the steps of each dispatch slot.
    chunks: wgpu::Buffer,
    /// How a population driven by constant currents alone is counted from each
    /// neuron's period.
    count: Option<Counting>,
}

/// The kernels of a population's method that count from each neuron's period, and the
/// chunk table slot that holds the steps they stand for.
#[derive(Debug)]
struct Counting {
    /// From rest, the counts alone (`shaders/count.wgsl`).
    count: wgpu::ComputePipeline,
    /// From any state, the whole state ([`ADVANCE_ENTRY_POINTS`](super::pipeline::ADVANCE_ENTRY_POINTS)).
    advance: wgpu::ComputePipeline,
    /// The slot's byte offset in the chunk table.
    slot: u32,
}

/// What a population driven by noise or a stimulus adds: a clock the dispatches read
/// the step from, and the stimulus window.
#[derive(Debug)]
struct NoisyParts {
    noise: Noise,
    /// The [`NoiseUniforms`].
    uniforms: wgpu::Buffer,
    /// Advanced on the device by the `tick` kernel after each dispatch.
    clock: wgpu::Buffer,
    /// The copy of `clock` the stepping kernel reads as a uniform.
    clock_uniform: wgpu::Buffer,
    tick: wgpu::ComputePipeline,
    tick_bind_group: wgpu::BindGroup,
    /// The stimulus window (a header and [`STIMULUS_WINDOW`] values; bound, and
    /// empty, without a stimulus).
    stimulus: wgpu::Buffer,
    has_stimulus: bool,
}

impl GpuPopulation {
    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.neuron_count as usize
    }

    /// Always false: a population has at least one neuron.
    pub fn is_empty(&self) -> bool {
        self.neuron_count == 0
    }

    /// The neuron parameters shared by the neurons (those not given per neuron).
    pub fn params(&self) -> &LifParams {
        &self.params
    }

    /// How the population is integrated.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Steps one dispatch advances at most.
    pub fn steps_per_dispatch(&self) -> u32 {
        1 << self.chunk_log2
    }

    /// Sets the most steps one dispatch advances: `steps` rounded down to a power of
    /// two, from 1 to [`MAX_STEPS_PER_DISPATCH`]. Longer dispatches cost less overhead;
    /// a dispatch should still finish in tens of milliseconds, because desktop drivers
    /// kill one that runs for seconds.
    pub fn set_steps_per_dispatch(&mut self, steps: u32) {
        self.chunk_log2 = floor_log2(steps.clamp(1, MAX_STEPS_PER_DISPATCH));
    }

    /// The dispatch geometry.
    pub fn dispatch_shape(&self) -> DispatchShape {
        self.shape
    }

    /// The noise driving the population ([`Noise::NONE`] without).
    pub fn noise(&self) -> Noise {
        self.noisy.as_ref().map_or(Noise::NONE, |n| n.noise)
    }

    /// True when constant currents alone drive the population (no noise, stimulus or
    /// Poisson input), so that [`encode_steps_by_period`](Self::encode_steps_by_period)
    /// may advance it.
    pub fn can_count_by_period(&self) -> bool {
        self.count.is_some()
    }

    /// True when a stimulus drives the population (its description had one).
    pub fn has_stimulus(&self) -> bool {
        self.noisy.as_ref().is_some_and(|n| n.has_stimulus)
    }

    /// Spike counts: `array<u32>`, spikes of each neuron since the start, the last
    /// [`reset`](Self::reset) or [`clear_counts`](Self::clear_counts). In WGSL:
    /// `@group(G) @binding(B) var<storage, read> spike_count: array<u32>;`
    pub fn spike_count_buffer(&self) -> &wgpu::Buffer {
        &self.spike_count
    }

    /// Spike flags: `array<u32>`, the spikes each neuron fired on the last step
    /// recorded: 0 or 1 (more only with the exact method when `tau_ref < dt`). In WGSL:
    /// `@group(G) @binding(B) var<storage, read> spiked: array<u32>;`
    pub fn spiked_buffer(&self) -> &wgpu::Buffer {
        &self.spiked
    }

    /// The gap `u = I − v` the kernel integrates: `array<f32>`. The voltage is
    /// `drive[i] − gap[i]` with [`drive_buffer`](Self::drive_buffer).
    pub fn gap_buffer(&self) -> &wgpu::Buffer {
        &self.gap
    }

    /// The current each gap is measured from: `array<f32>`.
    pub fn drive_buffer(&self) -> &wgpu::Buffer {
        &self.drive
    }

    /// Each neuron's refractory countdown: steps left (`array<u32>`) for the Euler
    /// method, seconds left (`array<f32>`) for the exact one.
    pub fn refractory_left_buffer(&self) -> &wgpu::Buffer {
        &self.refractory_left
    }

    /// The input currents of the next steps, in `f32`: `array<f32>`, one per neuron.
    ///
    /// Write them with [`write_currents`](Self::write_currents), which also sets each
    /// neuron's threshold from the float64 current on the host. Or let a shader of
    /// yours write them on the device — bind this buffer as
    /// `var<storage, read_write> current: array<f32>;` (usage `STORAGE | COPY_SRC |
    /// COPY_DST`) — then record [`encode_form_inputs`](Self::encode_form_inputs) before
    /// the next steps: it forms each neuron's threshold on the device, in float32. The
    /// voltage stays continuous either way.
    pub fn current_buffer(&self) -> &wgpu::Buffer {
        &self.current
    }
}
