//! The Euler kernel's shader module, bind group layout and compute pipeline: made once
//! per device and shared by any number of populations.

use std::num::NonZeroU64;

use super::layout::{ChunkUniforms, NeuronConstants, PopulationUniforms, WORKGROUP_SIZE};

/// The WGSL source of the Euler kernel.
pub const EULER_WGSL: &str = include_str!("../../shaders/lif_euler.wgsl");

/// The Euler kernel's entry point.
pub const EULER_ENTRY_POINT: &str = "step_euler";

/// The WGSL source of the exact kernel.
pub const EXACT_WGSL: &str = include_str!("../../shaders/lif_exact.wgsl");

/// The exact kernel's entry point.
pub const EXACT_ENTRY_POINT: &str = "step_exact";

/// Storage buffers the kernel binds: the device must allow this many per shader stage
/// (`wgpu::Limits::max_storage_buffers_per_shader_stage`; wgpu's default limits allow 8).
pub const STORAGE_BUFFERS: u32 = 8;

/// The compiled kernels (Euler and exact) for one device: made once per device and
/// shared by any number of [`GpuPopulation`](super::GpuPopulation)s. Cheap to clone
/// (wgpu handles are shared).
///
/// The device needs [`STORAGE_BUFFERS`] storage buffers per shader stage, which
/// `wgpu::Limits::default()` grants (`downlevel_defaults` does not).
#[derive(Clone, Debug)]
pub struct LifPipeline {
    pub(crate) bind_group_layout: wgpu::BindGroupLayout,
    pub(crate) euler: wgpu::ComputePipeline,
    pub(crate) exact: wgpu::ComputePipeline,
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

impl LifPipeline {
    /// Compiles the kernel on `device`.
    pub fn new(device: &wgpu::Device) -> LifPipeline {
        let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gpulif population"),
            entries: &[
                uniform_entry(0, size_of::<PopulationUniforms>(), false),
                uniform_entry(1, size_of::<ChunkUniforms>(), true),
                storage_entry(2, true, 4),  // current
                storage_entry(3, true, 0),  // gap thresholds (exact: and periods)
                storage_entry(4, false, 4), // gap
                storage_entry(5, false, 4), // drive
                storage_entry(6, false, 4), // refractory countdown
                storage_entry(7, false, 4), // spike_count
                storage_entry(8, false, 4), // spiked
                storage_entry(9, true, size_of::<NeuronConstants>() as u64), // constants
            ],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("gpulif population"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        let pipeline = |name: &str, source: &'static str, entry_point: &str| {
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry_point),
                layout: Some(&layout),
                module: &module,
                entry_point: Some(entry_point),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[("WORKGROUP_SIZE", f64::from(WORKGROUP_SIZE))],
                    ..Default::default()
                },
                cache: None,
            })
        };
        LifPipeline {
            euler: pipeline("gpulif lif_euler.wgsl", EULER_WGSL, EULER_ENTRY_POINT),
            exact: pipeline("gpulif lif_exact.wgsl", EXACT_WGSL, EXACT_ENTRY_POINT),
            bind_group_layout,
        }
    }
}
