//! The Euler kernel's shader module, bind group layout and compute pipeline: made once
//! per device and shared by any number of populations.

use std::num::NonZeroU64;

use super::layout::{ChunkUniforms, PopulationUniforms, WORKGROUP_SIZE};

/// The WGSL source of the Euler kernel.
pub const EULER_WGSL: &str = include_str!("../../shaders/lif_euler.wgsl");

/// The kernel's entry point.
pub const EULER_ENTRY_POINT: &str = "step_euler";

/// Storage buffers the kernel binds: the device must allow this many per shader stage
/// (`wgpu::Limits::max_storage_buffers_per_shader_stage`; wgpu's default limits allow 8).
pub const STORAGE_BUFFERS: u32 = 7;

/// The compiled Euler kernel for one device: made once per device and shared by any
/// number of [`GpuPopulation`](super::GpuPopulation)s. Cheap to clone (wgpu handles are
/// shared).
///
/// The device needs [`STORAGE_BUFFERS`] storage buffers per shader stage, which
/// `wgpu::Limits::default()` grants (`downlevel_defaults` does not).
#[derive(Clone, Debug)]
pub struct LifPipeline {
    pub(crate) bind_group_layout: wgpu::BindGroupLayout,
    pub(crate) pipeline: wgpu::ComputePipeline,
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

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: NonZeroU64::new(4),
        },
        count: None,
    }
}

impl LifPipeline {
    /// Compiles the kernel on `device`.
    pub fn new(device: &wgpu::Device) -> LifPipeline {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("gpulif lif_euler.wgsl"),
            source: wgpu::ShaderSource::Wgsl(EULER_WGSL.into()),
        });
        let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gpulif population"),
            entries: &[
                uniform_entry(0, size_of::<PopulationUniforms>(), false),
                uniform_entry(1, size_of::<ChunkUniforms>(), true),
                storage_entry(2, true),  // current
                storage_entry(3, true),  // gap_th
                storage_entry(4, false), // gap
                storage_entry(5, false), // drive
                storage_entry(6, false), // refractory_left
                storage_entry(7, false), // spike_count
                storage_entry(8, false), // spiked
            ],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("gpulif population"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("gpulif step_euler"),
            layout: Some(&layout),
            module: &module,
            entry_point: Some(EULER_ENTRY_POINT),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &[("WORKGROUP_SIZE", f64::from(WORKGROUP_SIZE))],
                ..Default::default()
            },
            cache: None,
        });
        LifPipeline {
            bind_group_layout,
            pipeline,
        }
    }
}
