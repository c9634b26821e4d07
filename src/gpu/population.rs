//! A population of neurons on the GPU: its buffers, its bind group, the dispatches that
//! step it, and readback.

use wgpu::util::DeviceExt;

use super::layout::{ChunkUniforms, DispatchShape, PopulationUniforms};
use super::pipeline::LifPipeline;
use crate::error::{Error, Result};
use crate::params::{EulerConstants, LifParams, NeuronInputs, validate_current};

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
    /// chosen so that one dispatch does about [`DISPATCH_NEURON_STEPS`] neuron-steps.
    pub max_steps_per_dispatch: Option<u32>,
    /// The most workgroups in one row of a dispatch. `None`: the device's
    /// `max_compute_workgroups_per_dimension`. Smaller values force the 2D dispatch
    /// that large populations use, for tests.
    pub max_workgroups_per_row: Option<u32>,
}

/// A population of independent Euler LIF neurons, each with a constant input current,
/// living in GPU buffers.
///
/// It never submits work by itself except in the readback helpers:
/// [`GpuPopulation::encode_steps`] records dispatches into the caller's encoder.
#[derive(Debug)]
pub struct GpuPopulation {
    neuron_count: u32,
    shape: DispatchShape,
    /// Dispatch `j` of the chunk table advances `2^j` steps; the last is the full chunk.
    chunk_log2: u32,
    chunk_stride: u32,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    spike_count: wgpu::Buffer,
}

/// `floor(log2(x))` for `x ≥ 1`.
fn floor_log2(x: u32) -> u32 {
    31 - x.max(1).leading_zeros()
}

impl GpuPopulation {
    /// A population with one neuron per entry of `currents` (model units), at rest.
    pub fn new(
        device: &wgpu::Device,
        pipeline: &LifPipeline,
        params: &LifParams,
        currents: &[f64],
    ) -> Result<Self> {
        Self::with_options(
            device,
            pipeline,
            params,
            currents,
            &PopulationOptions::default(),
        )
    }

    /// [`GpuPopulation::new`] with explicit tuning.
    pub fn with_options(
        device: &wgpu::Device,
        pipeline: &LifPipeline,
        params: &LifParams,
        currents: &[f64],
        options: &PopulationOptions,
    ) -> Result<Self> {
        params.validate()?;
        if currents.is_empty() {
            return Err(Error::parameter("neurons", 0usize, "at least 1"));
        }
        for &current in currents {
            validate_current("currents", current)?;
        }
        let limits = device.limits();
        let bytes = currents.len() as u64 * 4;
        let limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        let too_large = || Error::PopulationTooLarge {
            neurons: currents.len(),
            bytes,
            limit,
        };
        let neuron_count = u32::try_from(currents.len())
            .ok()
            .filter(|_| bytes <= limit)
            .ok_or_else(too_large)?;
        let max_per_dimension = limits.max_compute_workgroups_per_dimension;
        let max_x = options
            .max_workgroups_per_row
            .unwrap_or(max_per_dimension)
            .min(max_per_dimension);
        let shape = DispatchShape::for_neurons(neuron_count, max_x, max_per_dimension)
            .ok_or_else(too_large)?;

        let auto_chunk = (DISPATCH_NEURON_STEPS / u64::from(neuron_count)).max(1);
        let chunk = options
            .max_steps_per_dispatch
            .map_or(auto_chunk, u64::from)
            .clamp(1, u64::from(MAX_STEPS_PER_DISPATCH)) as u32;
        let chunk_log2 = floor_log2(chunk);
        let chunk_stride = limits
            .min_uniform_buffer_offset_alignment
            .max(size_of::<ChunkUniforms>() as u32);

        let constants = EulerConstants::new(params);
        let inputs = NeuronInputs::new(params, currents);
        let uniforms = PopulationUniforms {
            neuron_count,
            row_stride: shape.row_stride(),
            frozen_steps: constants.frozen_steps,
            decay: constants.decay,
        };
        let mut chunk_table = vec![0u8; (chunk_log2 as usize + 1) * chunk_stride as usize];
        for j in 0..=chunk_log2 {
            let slot = ChunkUniforms {
                steps: 1 << j,
                _pad: [0; 3],
            };
            let at = (j * chunk_stride) as usize;
            chunk_table[at..at + size_of::<ChunkUniforms>()]
                .copy_from_slice(bytemuck::bytes_of(&slot));
        }

        let out_of_memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let init = |label: &str, contents: &[u8], usage: wgpu::BufferUsages| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
        };
        let state_usage = wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_SRC
            | wgpu::BufferUsages::COPY_DST;
        let population_uniforms = init(
            "gpulif population uniforms",
            bytemuck::bytes_of(&uniforms),
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        let chunk_uniforms = init(
            "gpulif chunk table",
            &chunk_table,
            wgpu::BufferUsages::UNIFORM,
        );
        let current = init(
            "gpulif current",
            bytemuck::cast_slice(&inputs.current),
            state_usage,
        );
        let gap_th = init(
            "gpulif gap_th",
            bytemuck::cast_slice(&inputs.gap_th),
            state_usage,
        );
        let gap = init(
            "gpulif gap",
            bytemuck::cast_slice(&inputs.current),
            state_usage,
        );
        let zeros = vec![0u32; currents.len()];
        let refractory_left = init(
            "gpulif refractory_left",
            bytemuck::cast_slice(&zeros),
            state_usage,
        );
        let spike_count = init(
            "gpulif spike_count",
            bytemuck::cast_slice(&zeros),
            state_usage,
        );
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gpulif population"),
            layout: &pipeline.bind_group_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: population_uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &chunk_uniforms,
                        offset: 0,
                        size: wgpu::BufferSize::new(size_of::<ChunkUniforms>() as u64),
                    }),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: current.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: gap_th.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: gap.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 5,
                    resource: refractory_left.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 6,
                    resource: spike_count.as_entire_binding(),
                },
            ],
        });
        if let Some(error) = pollster::block_on(validation.pop()) {
            return Err(Error::Gpu(error.to_string()));
        }
        if let Some(error) = pollster::block_on(out_of_memory.pop()) {
            return Err(Error::Gpu(format!(
                "allocating {} neurons ({} bytes): {error}",
                currents.len(),
                bytes * 5
            )));
        }

        Ok(GpuPopulation {
            neuron_count,
            shape,
            chunk_log2,
            chunk_stride,
            pipeline: pipeline.pipeline.clone(),
            bind_group,
            spike_count,
        })
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.neuron_count as usize
    }

    /// Always false: a population has at least one neuron.
    pub fn is_empty(&self) -> bool {
        self.neuron_count == 0
    }

    /// Steps one dispatch advances at most.
    pub fn steps_per_dispatch(&self) -> u32 {
        1 << self.chunk_log2
    }

    /// The dispatch geometry.
    pub fn dispatch_shape(&self) -> DispatchShape {
        self.shape
    }

    /// Records dispatches that advance every neuron by `steps` steps into `encoder`, in
    /// one compute pass. Submits nothing.
    ///
    /// The steps are split into full chunks of [`GpuPopulation::steps_per_dispatch`] and
    /// the binary digits of the remainder, each a dispatch reading its step count from a
    /// fixed table, so recording never writes to a buffer.
    pub fn encode_steps(&self, encoder: &mut wgpu::CommandEncoder, steps: u32) {
        if steps == 0 {
            return;
        }
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("gpulif step_euler"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        let full_chunks = steps >> self.chunk_log2;
        let remainder_bits = (0..self.chunk_log2).rev().filter(|j| steps & (1 << j) != 0);
        for j in std::iter::repeat_n(self.chunk_log2, full_chunks as usize).chain(remainder_bits) {
            pass.set_bind_group(0, &self.bind_group, &[j * self.chunk_stride]);
            pass.dispatch_workgroups(self.shape.workgroups_x, self.shape.workgroups_y, 1);
        }
    }

    /// The spike counts: `array<u32>`, one per neuron in input order, usage
    /// `STORAGE | COPY_SRC | COPY_DST`.
    pub fn spike_count_buffer(&self) -> &wgpu::Buffer {
        &self.spike_count
    }

    /// Copies the spike counts back to the host: submits a copy and waits for it.
    pub fn read_counts(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Result<Vec<u32>> {
        read_u32s(device, queue, &self.spike_count, self.len())
    }
}

/// Reads the first `len` `u32`s of `buffer` (which needs `COPY_SRC`) through a staging
/// buffer.
pub(crate) fn read_u32s(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    buffer: &wgpu::Buffer,
    len: usize,
) -> Result<Vec<u32>> {
    let size = len as u64 * 4;
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("gpulif readback"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("gpulif readback"),
    });
    encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, size);
    queue.submit([encoder.finish()]);
    let (sender, receiver) = std::sync::mpsc::channel();
    staging
        .slice(..)
        .map_async(wgpu::MapMode::Read, move |result| {
            // The receiver outlives the poll below; a failed send only means it gave up.
            let _ = sender.send(result);
        });
    device.poll(wgpu::PollType::wait_indefinitely())?;
    receiver
        .recv()
        .map_err(|_| Error::Gpu("the device dropped a readback before mapping it".into()))??;
    let values = {
        let view = staging
            .slice(..)
            .get_mapped_range()
            .map_err(|e| Error::Gpu(e.to_string()))?;
        bytemuck::pod_collect_to_vec(&view)
    };
    staging.unmap();
    Ok(values)
}
