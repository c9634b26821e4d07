//! The kernels' shader modules, bind group layouts and compute pipelines: made once per
//! device and shared by any number of populations.
//!
//! Every kernel is `shaders/common.wgsl` (the structs the host writes) followed by its
//! own file; the stepping kernels also share `shaders/step_bindings.wgsl`.

use std::num::NonZeroU64;

use super::layout::{
    ChunkUniforms, ClockUniforms, NeuronConstants, NoiseUniforms, PopulationUniforms,
    STIMULUS_WINDOW, StimulusHeader, WORKGROUP_SIZE,
};
use crate::error::{Error, Result};

/// The structs and workgroup size every kernel shares.
pub const COMMON_WGSL: &str = include_str!("../../../shaders/common.wgsl");

/// The bindings both stepping kernels share.
pub const STEP_BINDINGS_WGSL: &str = include_str!("../../../shaders/step_bindings.wgsl");

/// The whole WGSL source of the Euler kernel: the common part, the shared bindings,
/// then `shaders/lif_euler.wgsl`.
pub const EULER_WGSL: &str = concat!(
    include_str!("../../../shaders/common.wgsl"),
    include_str!("../../../shaders/step_bindings.wgsl"),
    include_str!("../../../shaders/lif_euler.wgsl"),
);

/// The Euler kernel's entry point.
pub const EULER_ENTRY_POINT: &str = "step_euler";

/// The whole WGSL source of the exact kernel: the common part, the shared bindings,
/// `shaders/fastmath.wgsl`, `shaders/countdown.wgsl`, then `shaders/lif_exact.wgsl`.
pub const EXACT_WGSL: &str = concat!(
    include_str!("../../../shaders/common.wgsl"),
    include_str!("../../../shaders/step_bindings.wgsl"),
    include_str!("../../../shaders/fastmath.wgsl"),
    include_str!("../../../shaders/countdown.wgsl"),
    include_str!("../../../shaders/lif_exact.wgsl"),
);

/// The exact kernel's entry point.
pub const EXACT_ENTRY_POINT: &str = "step_exact";

/// The entry points of [`EULER_WGSL`] and [`EXACT_WGSL`] that advance a population
/// driven by constant currents alone in closed form, from each neuron's period, with
/// the stepping kernels' state bit for bit.
pub const ADVANCE_ENTRY_POINTS: [&str; 2] = ["advance_euler", "advance_exact"];

/// The whole WGSL source of the noisy Euler kernel: the common part, the shared
/// bindings, the random numbers (`shaders/philox.wgsl`), then `shaders/lif_noisy.wgsl`.
pub const NOISY_WGSL: &str = concat!(
    include_str!("../../../shaders/common.wgsl"),
    include_str!("../../../shaders/step_bindings.wgsl"),
    include_str!("../../../shaders/philox.wgsl"),
    include_str!("../../../shaders/lif_noisy.wgsl"),
);

/// Philox4x32-10 and the Gaussian transform in WGSL (`shaders/philox.wgsl`): the
/// functions `philox4x32_10(counter, key)`, `normals(words)` and `noise_counter(…)`,
/// bit-identical to [`crate::noise`], for hosts that draw the same streams in their
/// own shaders.
pub const PHILOX_WGSL: &str = include_str!("../../../shaders/philox.wgsl");

/// The noisy Euler kernel's entry point. Its override constant `POISSON` (default
/// false) makes the pipeline that also counts Poisson input's events.
pub const NOISY_ENTRY_POINT: &str = "step_noisy";

/// The kernel that advances a noisy population's clock (`shaders/tick.wgsl`).
pub const TICK_WGSL: &str = include_str!("../../../shaders/tick.wgsl");

/// The size of a stimulus window's uniform: its header and [`STIMULUS_WINDOW`] values.
pub(crate) const STIMULUS_BYTES: usize = size_of::<StimulusHeader>() + 4 * STIMULUS_WINDOW;

/// The whole WGSL source of the kernels that form thresholds on the device from the
/// currents a host's shader wrote: the common part, `shaders/countdown.wgsl`, then
/// `shaders/inputs.wgsl`.
pub const INPUTS_WGSL: &str = concat!(
    include_str!("../../../shaders/common.wgsl"),
    include_str!("../../../shaders/countdown.wgsl"),
    include_str!("../../../shaders/inputs.wgsl"),
);

/// The whole WGSL source of the kernels that count a population's spikes from each
/// neuron's period: the common part, `shaders/countdown.wgsl`, then
/// `shaders/count.wgsl`. They bind what the stepping kernels bind.
pub const COUNT_WGSL: &str = concat!(
    include_str!("../../../shaders/common.wgsl"),
    include_str!("../../../shaders/countdown.wgsl"),
    include_str!("../../../shaders/count.wgsl"),
);

/// The entry points of [`COUNT_WGSL`] for the Euler and the exact method.
pub const COUNT_ENTRY_POINTS: [&str; 2] = ["count_euler", "count_exact"];

/// The entry points of [`INPUTS_WGSL`] for the Euler and the exact method.
pub const INPUTS_ENTRY_POINTS: [&str; 2] = ["form_euler_inputs", "form_exact_inputs"];

/// Storage buffers the stepping kernels bind: the device must allow this many per
/// shader stage (`wgpu::Limits::max_storage_buffers_per_shader_stage`; WebGPU's
/// default limits allow 8, `downlevel_defaults` only 4).
pub const STORAGE_BUFFERS: u32 = 8;

/// The limits a device needs for [`LifPipeline`]: `(name, required, the device's)`.
fn required_limits(limits: &wgpu::Limits) -> [(&'static str, u64, u64); 8] {
    let wg = u64::from(WORKGROUP_SIZE);
    [
        (
            "max_storage_buffers_per_shader_stage",
            u64::from(STORAGE_BUFFERS),
            u64::from(limits.max_storage_buffers_per_shader_stage),
        ),
        (
            "max_uniform_buffers_per_shader_stage",
            5,
            u64::from(limits.max_uniform_buffers_per_shader_stage),
        ),
        (
            "max_uniform_buffer_binding_size",
            STIMULUS_BYTES as u64,
            limits.max_uniform_buffer_binding_size,
        ),
        (
            "max_dynamic_uniform_buffers_per_pipeline_layout",
            1,
            u64::from(limits.max_dynamic_uniform_buffers_per_pipeline_layout),
        ),
        (
            "max_bindings_per_bind_group",
            13,
            u64::from(limits.max_bindings_per_bind_group),
        ),
        ("max_bind_groups", 1, u64::from(limits.max_bind_groups)),
        (
            "max_compute_workgroup_size_x",
            wg,
            u64::from(limits.max_compute_workgroup_size_x),
        ),
        (
            "max_compute_invocations_per_workgroup",
            wg,
            u64::from(limits.max_compute_invocations_per_workgroup),
        ),
    ]
}

/// The compiled kernels (Euler, exact, and the device-side input forming) for one
/// device: made once per device and shared by any number of
/// [`GpuPopulation`](super::GpuPopulation)s. Cheap to clone (wgpu handles are shared).
///
/// The device needs [`STORAGE_BUFFERS`] storage buffers per shader stage, which
/// `wgpu::Limits::default()` grants and `downlevel_defaults()` does not:
/// [`LifPipeline::try_new`] says so as an [`Error::MissingLimit`].
#[derive(Clone, Debug)]
pub struct LifPipeline {
    pub(crate) bind_group_layout: wgpu::BindGroupLayout,
    pub(crate) euler: wgpu::ComputePipeline,
    pub(crate) exact: wgpu::ComputePipeline,
    pub(crate) inputs_layout: wgpu::BindGroupLayout,
    pub(crate) form_euler: wgpu::ComputePipeline,
    pub(crate) form_exact: wgpu::ComputePipeline,
    pub(crate) noisy_layout: wgpu::BindGroupLayout,
    pub(crate) noisy: wgpu::ComputePipeline,
    /// The noisy kernel that also counts Poisson events (`POISSON` true).
    pub(crate) noisy_poisson: wgpu::ComputePipeline,
    pub(crate) tick_layout: wgpu::BindGroupLayout,
    pub(crate) tick: wgpu::ComputePipeline,
    /// The counting kernels (`shaders/count.wgsl`), on the stepping kernels' layout.
    pub(crate) count_euler: wgpu::ComputePipeline,
    pub(crate) count_exact: wgpu::ComputePipeline,
    /// The kernels that advance from each neuron's period
    /// ([`ADVANCE_ENTRY_POINTS`]).
    pub(crate) advance_euler: wgpu::ComputePipeline,
    pub(crate) advance_exact: wgpu::ComputePipeline,
}

fn uniform_entry(
    binding: u32,
    size: usize,
    has_dynamic_offset: bool,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset,
            min_binding_size: NonZeroU64::new(size as u64),
        },
        count: None,
    }
}

/// A storage buffer of at least `min_size` bytes (0: checked when dispatching, for the
/// thresholds buffer, whose element is 4 bytes for Euler and 8 for exact).
fn storage_entry(binding: u32, read_only: bool, min_size: u64) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: NonZeroU64::new(min_size),
        },
        count: None,
    }
}

/// The bind group layout of the stepping kernels (`shaders/step_bindings.wgsl`, and
/// bindings 3 and 6 of each method's file).
pub(crate) fn step_entries() -> [wgpu::BindGroupLayoutEntry; 10] {
    let constants_size = size_of::<NeuronConstants>() as u64;
    [
        uniform_entry(0, size_of::<PopulationUniforms>(), false),
        uniform_entry(1, size_of::<ChunkUniforms>(), true),
        storage_entry(2, true, 4),              // current
        storage_entry(3, true, 0),              // gap thresholds (exact: and periods)
        storage_entry(4, false, 4),             // gap
        storage_entry(5, false, 4),             // drive
        storage_entry(6, false, 4),             // refractory countdown
        storage_entry(7, false, 4),             // spike_count
        storage_entry(8, false, 4),             // spiked
        storage_entry(9, true, constants_size), // constants
    ]
}

/// The bind group layout of the noisy Euler kernel: the stepping kernels' and three
/// uniforms (`shaders/lif_noisy.wgsl`).
pub(crate) fn noisy_entries() -> [wgpu::BindGroupLayoutEntry; 13] {
    let step = step_entries();
    std::array::from_fn(|k| match k {
        10 => uniform_entry(10, size_of::<NoiseUniforms>(), false),
        11 => uniform_entry(11, size_of::<ClockUniforms>(), false),
        12 => uniform_entry(12, STIMULUS_BYTES, false),
        k => step[k],
    })
}

/// The bind group layout of the clock kernel (`shaders/tick.wgsl`).
pub(crate) fn tick_entries() -> [wgpu::BindGroupLayoutEntry; 2] {
    [
        uniform_entry(0, size_of::<ChunkUniforms>(), true),
        storage_entry(1, false, size_of::<ClockUniforms>() as u64),
    ]
}

/// The bind group layout of the input-forming kernels (`shaders/inputs.wgsl`).
pub(crate) fn inputs_entries() -> [wgpu::BindGroupLayoutEntry; 4] {
    let constants_size = size_of::<NeuronConstants>() as u64;
    [
        uniform_entry(0, size_of::<PopulationUniforms>(), false),
        storage_entry(1, true, 4),              // current
        storage_entry(2, false, 4),             // thresholds
        storage_entry(3, true, constants_size), // constants
    ]
}

impl LifPipeline {
    /// Compiles the kernels on `device`.
    ///
    /// # Panics
    ///
    /// If the device lacks a limit the kernels need or rejects them: everything
    /// [`LifPipeline::try_new`] returns as an error. Hosts whose devices may have
    /// lower limits (`Limits::downlevel_defaults()`) should call `try_new`.
    pub fn new(device: &wgpu::Device) -> LifPipeline {
        Self::try_new(device).unwrap_or_else(|error| panic!("gpulif: {error}"))
    }

    /// Compiles the kernels on `device`, after checking that its limits allow them
    /// ([`Error::MissingLimit`] names the first that does not). A shader or pipeline
    /// the device rejects is an [`Error::Validation`].
    pub fn try_new(device: &wgpu::Device) -> Result<LifPipeline> {
        pollster::block_on(Self::try_new_async(device))
    }

    /// [`LifPipeline::try_new`] without blocking: it awaits the device's verdict on the
    /// kernels, as a web page must.
    pub async fn try_new_async(device: &wgpu::Device) -> Result<LifPipeline> {
        let limits = device.limits();
        if let Some(&(limit, required, available)) = required_limits(&limits)
            .iter()
            .find(|(_, required, available)| available < required)
        {
            return Err(Error::MissingLimit {
                limit,
                required,
                available,
            });
        }
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let pipeline = Self::build(device);
        match validation.pop().await {
            Some(error) => Err(Error::from_wgpu(error)),
            None => Ok(pipeline),
        }
    }

    fn build(device: &wgpu::Device) -> LifPipeline {
        let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gpulif population"),
            entries: &step_entries(),
        });
        let inputs_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gpulif inputs"),
            entries: &inputs_entries(),
        });
        let noisy_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gpulif noisy population"),
            entries: &noisy_entries(),
        });
        let tick_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gpulif clock"),
            entries: &tick_entries(),
        });
        let sized: &[(&str, f64)] = &[("WORKGROUP_SIZE", f64::from(WORKGROUP_SIZE))];
        let with_poisson: &[(&str, f64)] = &[
            ("WORKGROUP_SIZE", f64::from(WORKGROUP_SIZE)),
            ("POISSON", 1.0),
        ];
        let specialised = |layout: &wgpu::BindGroupLayout,
                           module: &wgpu::ShaderModule,
                           entry_point: &str,
                           constants: &[(&str, f64)]| {
            let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(entry_point),
                bind_group_layouts: &[Some(layout)],
                immediate_size: 0,
            });
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry_point),
                layout: Some(&layout),
                module,
                entry_point: Some(entry_point),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    ..Default::default()
                },
                cache: None,
            })
        };
        let pipeline =
            |layout: &wgpu::BindGroupLayout, module: &wgpu::ShaderModule, entry_point: &str| {
                let constants = if entry_point == "tick" {
                    &[][..]
                } else {
                    sized
                };
                specialised(layout, module, entry_point, constants)
            };
        let module = |name: &str, source: &'static str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            })
        };
        let euler = module("gpulif lif_euler.wgsl", EULER_WGSL);
        let exact = module("gpulif lif_exact.wgsl", EXACT_WGSL);
        let inputs = module("gpulif inputs.wgsl", INPUTS_WGSL);
        let noisy = module("gpulif lif_noisy.wgsl", NOISY_WGSL);
        let tick = module("gpulif tick.wgsl", TICK_WGSL);
        let count = module("gpulif count.wgsl", COUNT_WGSL);
        let [form_euler, form_exact] = INPUTS_ENTRY_POINTS;
        let [count_euler, count_exact] = COUNT_ENTRY_POINTS;
        let [advance_euler, advance_exact] = ADVANCE_ENTRY_POINTS;
        LifPipeline {
            noisy: pipeline(&noisy_layout, &noisy, NOISY_ENTRY_POINT),
            noisy_poisson: specialised(&noisy_layout, &noisy, NOISY_ENTRY_POINT, with_poisson),
            tick: pipeline(&tick_layout, &tick, "tick"),
            noisy_layout,
            tick_layout,
            euler: pipeline(&bind_group_layout, &euler, EULER_ENTRY_POINT),
            exact: pipeline(&bind_group_layout, &exact, EXACT_ENTRY_POINT),
            form_euler: pipeline(&inputs_layout, &inputs, form_euler),
            form_exact: pipeline(&inputs_layout, &inputs, form_exact),
            count_euler: pipeline(&bind_group_layout, &count, count_euler),
            count_exact: pipeline(&bind_group_layout, &count, count_exact),
            advance_euler: pipeline(&bind_group_layout, &euler, advance_euler),
            advance_exact: pipeline(&bind_group_layout, &exact, advance_exact),
            bind_group_layout,
            inputs_layout,
        }
    }
}

#[cfg(test)]
#[path = "shader_tests.rs"]
mod shader_tests;
