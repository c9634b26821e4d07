//! A population of neurons on the GPU: its buffers, its bind group, the dispatches that
//! step it, and readback.

use wgpu::util::DeviceExt;

use std::sync::{Arc, Mutex};

use super::layout::{
    ChunkUniforms, ClockUniforms, DispatchShape, NeuronConstants, NoiseUniforms,
    PopulationUniforms, STIMULUS_WINDOW, StimulusHeader,
};
use super::pipeline::LifPipeline;
use super::pipeline::STIMULUS_BYTES;
pub use crate::input::PopulationDesc;
use crate::input::check_currents;
use crate::error::{Error, Result};
use crate::input::lower::{Lowering, stimulus_gain};
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

/// `floor(log2(x))` for `x ≥ 1`.
fn floor_log2(x: u32) -> u32 {
    31 - x.max(1).leading_zeros()
}

impl GpuPopulation {
    /// A population with one neuron per entry of `currents` (model units), at rest
    /// (`v = 0`, not refractory, no spikes).
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
        Self::from_desc(
            device,
            pipeline,
            &PopulationDesc::new(params, currents),
            options,
        )
    }

    /// A population integrated with `desc.method`, whose neurons may have their own
    /// parameters. Parameters given per neuron live in a buffer of per-neuron constants;
    /// a homogeneous population's holds one entry that every neuron reads.
    pub fn from_desc(
        device: &wgpu::Device,
        pipeline: &LifPipeline,
        desc: &PopulationDesc<'_>,
        options: &PopulationOptions,
    ) -> Result<Self> {
        let PopulationDesc {
            params,
            method,
            each,
            currents,
            noise,
            stimulus,
            first_index,
            ..
        } = *desc;
        desc.validate()?;
        let noisy = !desc.is_deterministic_constant();
        let per_neuron = !each.is_shared() || stimulus.is_some_and(|s| s.gain.is_some());
        let limits = device.limits();
        let bytes = currents.len() as u64 * largest_buffer_per_neuron_of(desc);
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

        let chunk_stride = limits
            .min_uniform_buffer_offset_alignment
            .max(size_of::<ChunkUniforms>() as u32);
        let table_slots = floor_log2(MAX_STEPS_PER_DISPATCH) + 1;
        let mut chunk_table = vec![0u8; (table_slots * chunk_stride) as usize];
        for j in 0..table_slots {
            let slot = ChunkUniforms {
                steps: 1 << j,
                _pad: [0; 3],
            };
            let at = (j * chunk_stride) as usize;
            chunk_table[at..at + size_of::<ChunkUniforms>()]
                .copy_from_slice(bytemuck::bytes_of(&slot));
        }

        let inputs = Inputs::new(&Lowering::new(method, params, each), currents);
        let constants = neuron_constants(desc, per_neuron);
        let uniforms = PopulationUniforms {
            neuron_count,
            row_stride: shape.row_stride(),
            per_neuron: u32::from(per_neuron),
            dt: params.dt as f32,
        };
        let state_bytes = currents.len() as u64 * 4;

        let out_of_memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let init = |label: &str, contents: &[u8], usage: wgpu::BufferUsages| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
        };
        let zeroed = |label: &str| {
            // wgpu zero-initialises every buffer it creates.
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: state_bytes,
                usage: STATE_USAGE,
                mapped_at_creation: false,
            })
        };
        let population_uniforms = init(
            "gpulif population uniforms",
            bytemuck::bytes_of(&uniforms),
            wgpu::BufferUsages::UNIFORM,
        );
        let chunk_uniforms = init(
            "gpulif chunk table",
            &chunk_table,
            wgpu::BufferUsages::UNIFORM,
        );
        let current_bytes = bytemuck::cast_slice(&inputs.current);
        let current = init("gpulif current", current_bytes, STATE_USAGE);
        let thresholds = init("gpulif thresholds", &inputs.thresholds, STATE_USAGE);
        // With coloured noise each neuron's Ornstein–Uhlenbeck current follows the gaps.
        let gap = if noise.is_coloured() {
            let mut bytes = current_bytes.to_vec();
            bytes.resize(2 * current_bytes.len(), 0);
            init("gpulif gap", &bytes, STATE_USAGE)
        } else {
            init("gpulif gap", current_bytes, STATE_USAGE)
        };
        let drive = init("gpulif drive", current_bytes, STATE_USAGE);
        // The exact kernel keeps each neuron's countdown after the refractory times,
        // starting at rest: the second half of its inputs.
        let refractory_left = if method == Method::Exact {
            let mut bytes = vec![0u8; current_bytes.len()];
            bytes.extend_from_slice(&inputs.thresholds[2 * current_bytes.len()..]);
            init("gpulif refractory", &bytes, STATE_USAGE)
        } else {
            zeroed("gpulif refractory")
        };
        let spike_count = zeroed("gpulif spike_count");
        let spiked = zeroed("gpulif spiked");
        let constants = init(
            "gpulif constants",
            bytemuck::cast_slice(&constants),
            wgpu::BufferUsages::STORAGE,
        );
        let storage = [
            &current,
            &thresholds,
            &gap,
            &drive,
            &refractory_left,
            &spike_count,
            &spiked,
            &constants,
        ];
        let mut entries = vec![
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
        ];
        entries.extend(
            (2..)
                .zip(storage)
                .map(|(binding, buffer)| wgpu::BindGroupEntry {
                    binding,
                    resource: buffer.as_entire_binding(),
                }),
        );
        let noisy_parts = noisy.then(|| {
            let uniforms = NoiseUniforms {
                seed: [noise.seed as u32, (noise.seed >> 32) as u32],
                first_index: [first_index as u32, (first_index >> 32) as u32],
                coloured: u32::from(noise.is_coloured()),
                stimulus: u32::from(stimulus.is_some()),
                draws: u32::from(noise.is_on()),
                _pad: 0,
            };
            let noise_uniforms = init(
                "gpulif noise",
                bytemuck::bytes_of(&uniforms),
                wgpu::BufferUsages::UNIFORM,
            );
            let clock = init(
                "gpulif clock",
                bytemuck::bytes_of(&ClockUniforms::default()),
                wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            );
            let clock_uniform = init(
                "gpulif clock uniform",
                bytemuck::bytes_of(&ClockUniforms::default()),
                wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            );
            // The first window of the stimulus is written with the buffer; a bound
            // buffer is needed without one too.
            let window: Vec<f32> = stimulus.map_or(Vec::new(), |s| {
                s.values[..s.values.len().min(STIMULUS_WINDOW)]
                    .iter()
                    .map(|&x| x as f32)
                    .collect()
            });
            let window = stimulus_window(0, &window);
            let stimulus_buffer = init(
                "gpulif stimulus",
                &window,
                wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            );
            let tick_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("gpulif clock"),
                layout: &pipeline.tick_layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: &chunk_uniforms,
                            offset: 0,
                            size: wgpu::BufferSize::new(size_of::<ChunkUniforms>() as u64),
                        }),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: clock.as_entire_binding(),
                    },
                ],
            });
            NoisyParts {
                noise,
                uniforms: noise_uniforms,
                clock,
                clock_uniform,
                tick: pipeline.tick.clone(),
                tick_bind_group,
                stimulus: stimulus_buffer,
                has_stimulus: stimulus.is_some(),
            }
        });
        if let Some(parts) = &noisy_parts {
            entries.extend([
                wgpu::BindGroupEntry {
                    binding: 10,
                    resource: parts.uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 11,
                    resource: parts.clock_uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 12,
                    resource: parts.stimulus.as_entire_binding(),
                },
            ]);
        }
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gpulif population"),
            layout: if noisy {
                &pipeline.noisy_layout
            } else {
                &pipeline.bind_group_layout
            },
            entries: &entries,
        });
        let inputs_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gpulif inputs"),
            layout: &pipeline.inputs_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: population_uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: current.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: thresholds.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: constants.as_entire_binding(),
                },
            ],
        });
        let validation = pollster::block_on(validation.pop());
        let out_of_memory = pollster::block_on(out_of_memory.pop());
        if let Some(error) = out_of_memory {
            return Err(Error::OutOfMemory {
                what: format!(
                    "allocating {} neurons ({} bytes)",
                    currents.len(),
                    state_bytes * storage.len() as u64
                ),
                message: error.to_string(),
            });
        }
        if let Some(error) = validation {
            return Err(Error::from_wgpu(error));
        }

        let mut population = GpuPopulation {
            params: *params,
            method,
            each: OwnedNeuronParams::from(&each),
            neuron_count,
            shape,
            chunk_stride,
            chunk_log2: 0,
            pipeline: match method {
                Method::Euler if noisy => pipeline.noisy.clone(),
                Method::Euler => pipeline.euler.clone(),
                Method::Exact => pipeline.exact.clone(),
            },
            bind_group,
            inputs_bind_group,
            form_inputs: match method {
                Method::Euler => pipeline.form_euler.clone(),
                Method::Exact => pipeline.form_exact.clone(),
            },
            staging: Mutex::new(None),
            current,
            thresholds,
            gap,
            drive,
            refractory_left,
            spike_count,
            spiked,
            noisy: noisy_parts,
        };
        let auto_chunk = (DISPATCH_NEURON_STEPS / u64::from(neuron_count)).max(1);
        population.set_steps_per_dispatch(
            options
                .max_steps_per_dispatch
                .unwrap_or(auto_chunk.min(u64::from(u32::MAX)) as u32),
        );
        Ok(population)
    }

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

    /// New input currents (model units, one per neuron in the population's order) for
    /// the steps recorded from now on. Writes the input buffers through `queue`, so it
    /// takes effect for command buffers submitted after this call.
    ///
    /// Each neuron's voltage stays continuous: the next recorded step first moves its
    /// gap by the change in current, so `v = I − u` is where it was. A refractory
    /// neuron stays refractory at `v = 0`.
    pub fn write_currents(&self, queue: &wgpu::Queue, currents: &[f64]) -> Result<()> {
        check_currents(currents, self.len())?;
        let lowering = Lowering::new(self.method, &self.params, self.each.borrow());
        let inputs = Inputs::new(&lowering, currents);
        queue.write_buffer(&self.current, 0, bytemuck::cast_slice(&inputs.current));
        queue.write_buffer(&self.thresholds, 0, &inputs.thresholds);
        Ok(())
    }

    /// Records dispatches that advance every neuron by `steps` steps into `encoder`, in
    /// one compute pass. Submits nothing; several calls, and several populations, may
    /// record into the same encoder, and run in the order recorded.
    ///
    /// The steps are split into full chunks of [`GpuPopulation::steps_per_dispatch`] and
    /// the binary digits of the remainder, each a dispatch reading its step count from a
    /// fixed table, so recording never writes to a buffer.
    pub fn encode_steps(&self, encoder: &mut wgpu::CommandEncoder, steps: u32) {
        if steps == 0 {
            return;
        }
        let full_chunks = steps >> self.chunk_log2;
        let remainder_bits = (0..self.chunk_log2).rev().filter(|j| steps & (1 << j) != 0);
        let slots =
            std::iter::repeat_n(self.chunk_log2, full_chunks as usize).chain(remainder_bits);
        if let Some(noisy) = &self.noisy {
            // Each dispatch reads the step it starts at from the clock's uniform copy;
            // the clock is advanced after it and copied for the next.
            for j in slots {
                let offset = [j * self.chunk_stride];
                {
                    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                        label: Some("gpulif step_noisy"),
                        timestamp_writes: None,
                    });
                    pass.set_pipeline(&self.pipeline);
                    pass.set_bind_group(0, &self.bind_group, &offset);
                    pass.dispatch_workgroups(self.shape.workgroups_x, self.shape.workgroups_y, 1);
                    pass.set_pipeline(&noisy.tick);
                    pass.set_bind_group(0, &noisy.tick_bind_group, &offset);
                    pass.dispatch_workgroups(1, 1, 1);
                }
                encoder.copy_buffer_to_buffer(&noisy.clock, 0, &noisy.clock_uniform, 0, None);
            }
            return;
        }
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("gpulif step_euler"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        for j in slots {
            pass.set_bind_group(0, &self.bind_group, &[j * self.chunk_stride]);
            pass.dispatch_workgroups(self.shape.workgroups_x, self.shape.workgroups_y, 1);
        }
    }

    /// Records a return to the start: every neuron at rest (`v = 0`, not refractory)
    /// under its latest current, counts and spike flags zero.
    pub fn reset(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.copy_buffer_to_buffer(&self.current, 0, &self.gap, 0, None);
        encoder.copy_buffer_to_buffer(&self.current, 0, &self.drive, 0, None);
        encoder.clear_buffer(&self.refractory_left, 0, None);
        if self.method == Method::Exact {
            // Each countdown at rest, from the second half of the inputs.
            let row = self.len() as u64 * 4;
            let rests = 2 * row;
            encoder.copy_buffer_to_buffer(
                &self.thresholds,
                rests,
                &self.refractory_left,
                row,
                rests,
            );
        }
        encoder.clear_buffer(&self.spike_count, 0, None);
        encoder.clear_buffer(&self.spiked, 0, None);
        if let Some(noisy) = &self.noisy {
            // Step 0 starts the Ornstein–Uhlenbeck currents afresh.
            encoder.clear_buffer(&noisy.clock, 0, None);
            encoder.clear_buffer(&noisy.clock_uniform, 0, None);
        }
    }

    /// The noise driving the population ([`Noise::NONE`] without).
    pub fn noise(&self) -> Noise {
        self.noisy.as_ref().map_or(Noise::NONE, |n| n.noise)
    }

    /// True when a stimulus drives the population (its description had one).
    pub fn has_stimulus(&self) -> bool {
        self.noisy.as_ref().is_some_and(|n| n.has_stimulus)
    }

    /// Writes the stimulus of steps `first_step .. first_step + values.len()` (steps
    /// counted from the population's start or last [`reset`](Self::reset)), at most
    /// [`STIMULUS_WINDOW`] values, through `queue`: the steps recorded after it read
    /// them, and read 0 outside them. The window made with the population holds the
    /// stimulus's first values; write the next window before submitting the steps
    /// past it, one window per submission.
    pub fn write_stimulus(
        &self,
        queue: &wgpu::Queue,
        first_step: u64,
        values: &[f32],
    ) -> Result<()> {
        let Some(buffer) = self
            .noisy
            .as_ref()
            .filter(|n| n.has_stimulus)
            .map(|n| &n.stimulus)
        else {
            return Err(Error::parameter(
                "stimulus",
                "a window of values",
                "a population made with a stimulus",
            ));
        };
        if values.len() > STIMULUS_WINDOW {
            return Err(Error::parameter(
                "stimulus window",
                values.len(),
                format!("at most {STIMULUS_WINDOW} values"),
            ));
        }
        if let Some(k) = values.iter().position(|x| !x.is_finite()) {
            return Err(Error::parameter(
                "stimulus",
                format!("{} at step {}", values[k], first_step + k as u64),
                "finite values",
            ));
        }
        queue.write_buffer(buffer, 0, &stimulus_window(first_step, values));
        Ok(())
    }

    /// Records zeroing the spike counts; the neurons' state is kept.
    pub fn clear_counts(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.clear_buffer(&self.spike_count, 0, None);
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

    /// Records forming each neuron's threshold on the device from the currents now in
    /// [`current_buffer`](Self::current_buffer), for a host whose own shader wrote them.
    /// Record it after that shader and before the next [`encode_steps`](Self::encode_steps).
    ///
    /// The thresholds are formed in float32 from float32 currents (`shaders/inputs.wgsl`)
    /// where [`write_currents`](Self::write_currents) forms them in float64: the spike
    /// counts then agree with the float64 reference as closely as the host-written
    /// path does on the same float32 currents except within a few float32 roundings of
    /// a step boundary (the README's Embedding section gives the measured agreement).
    pub fn encode_form_inputs(&self, encoder: &mut wgpu::CommandEncoder) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("gpulif form inputs"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.form_inputs);
        pass.set_bind_group(0, &self.inputs_bind_group, &[]);
        pass.dispatch_workgroups(self.shape.workgroups_x, self.shape.workgroups_y, 1);
    }

    /// Copies the spike counts back to the host: submits a copy and waits for it.
    pub fn read_counts(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Result<Vec<u32>> {
        Ok(self
            .read_blocking(device, queue, &[&self.spike_count])?
            .remove(0))
    }

    /// Copies the spikes of the last step back to the host.
    pub fn read_spiked(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Result<Vec<u32>> {
        Ok(self
            .read_blocking(device, queue, &[&self.spiked])?
            .remove(0))
    }

    /// Each neuron's membrane voltage `v = drive − gap`, in `f32`: submits one copy of
    /// both buffers and waits for it.
    pub fn read_voltages(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Result<Vec<f32>> {
        let [gap, drive]: [Vec<f32>; 2] = self
            .read_blocking(device, queue, &[&self.gap, &self.drive])?
            .try_into()
            .map_err(|_| Error::Gpu("a readback lost a buffer".into()))?;
        Ok(drive.iter().zip(&gap).map(|(i, u)| i - u).collect())
    }

    /// Records a copy of `what` into `encoder` and returns a [`Readback`] that delivers
    /// it without blocking: submit the encoder, call [`Readback::map`], keep polling the
    /// device as a frame loop does (`wgpu::PollType::Poll`), and take the values with
    /// [`Readback::try_take`] once they are there. Each readback has its own staging
    /// buffer, so several may be in flight.
    pub fn encode_readback(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        what: Readout,
    ) -> Readback {
        let buffers: &[&wgpu::Buffer] = match what {
            Readout::Counts => &[&self.spike_count],
            Readout::Spiked => &[&self.spiked],
            Readout::Voltages => &[&self.gap, &self.drive],
        };
        let staging = staging_buffer(device, buffers.len() * self.len());
        let row = (self.len() * 4) as u64;
        for (k, buffer) in buffers.iter().enumerate() {
            encoder.copy_buffer_to_buffer(buffer, 0, &staging, k as u64 * row, row);
        }
        Readback {
            staging,
            what,
            len: self.len(),
            mapped: Arc::new(Mutex::new(None)),
        }
    }

    /// Copies each of `buffers` (4-byte values, one per neuron) into the population's
    /// staging buffer in one submission, maps it once, and returns their values.
    fn read_blocking<T: bytemuck::Pod>(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        buffers: &[&wgpu::Buffer],
    ) -> Result<Vec<Vec<T>>> {
        let mut slot = self.staging.lock().unwrap_or_else(|e| e.into_inner());
        let staging = slot.get_or_insert_with(|| staging_buffer(device, 2 * self.len()));
        let row = (self.len() * 4) as u64;
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gpulif readback"),
        });
        for (k, buffer) in buffers.iter().enumerate() {
            encoder.copy_buffer_to_buffer(buffer, 0, staging, k as u64 * row, row);
        }
        queue.submit([encoder.finish()]);
        let size = row * buffers.len() as u64;
        map_blocking(device, &staging.slice(..size))?;
        let values = {
            let view = staging
                .slice(..size)
                .get_mapped_range()
                .map_err(|e| Error::Gpu(e.to_string()))?;
            view.chunks(row as usize)
                .map(bytemuck::pod_collect_to_vec)
                .collect()
        };
        staging.unmap();
        Ok(values)
    }
}

/// What [`GpuPopulation::encode_readback`] copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readout {
    /// The spike counts, `u32`.
    Counts,
    /// The spikes of the last step, `u32`.
    Spiked,
    /// The membrane voltages, `f32`.
    Voltages,
}

/// A readback recorded into a host's encoder, delivered without blocking the host: see
/// [`GpuPopulation::encode_readback`].
#[derive(Debug)]
pub struct Readback {
    staging: wgpu::Buffer,
    what: Readout,
    len: usize,
    mapped: Arc<Mutex<Option<std::result::Result<(), wgpu::BufferAsyncError>>>>,
}

/// The values a [`Readback`] delivers.
#[derive(Clone, Debug, PartialEq)]
pub enum Readings {
    /// Spike counts or spikes of the last step.
    Counts(Vec<u32>),
    /// Voltages.
    Voltages(Vec<f32>),
}

impl Readback {
    /// Asks for the copy to be mapped; call once, after submitting the encoder it was
    /// recorded into. Returns at once.
    pub fn map(&self) {
        let mapped = Arc::clone(&self.mapped);
        self.staging
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                *mapped.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            });
    }

    /// What was read, once the device has mapped it (after [`Readback::map`] and the
    /// host's polling); `None` while it has not yet.
    pub fn try_take(&self) -> Option<Result<Readings>> {
        let result = self
            .mapped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        Some(result.map_err(Error::from).and_then(|()| {
            let readings = {
                let view = self
                    .staging
                    .slice(..)
                    .get_mapped_range()
                    .map_err(|e| Error::Gpu(e.to_string()))?;
                let row = self.len * 4;
                match self.what {
                    Readout::Counts | Readout::Spiked => {
                        Readings::Counts(bytemuck::pod_collect_to_vec(&view[..row]))
                    }
                    Readout::Voltages => {
                        let gap: Vec<f32> = bytemuck::pod_collect_to_vec(&view[..row]);
                        let drive: Vec<f32> = bytemuck::pod_collect_to_vec(&view[row..]);
                        Readings::Voltages(drive.iter().zip(&gap).map(|(i, u)| i - u).collect())
                    }
                }
            };
            self.staging.unmap();
            Ok(readings)
        }))
    }

    /// Maps the copy and blocks until it is there: [`Readback::map`], a wait on
    /// `device`, then [`Readback::try_take`].
    pub fn wait(self, device: &wgpu::Device) -> Result<Readings> {
        self.map();
        device.poll(wgpu::PollType::wait_indefinitely())?;
        self.try_take().unwrap_or_else(|| {
            Err(Error::DeviceLost(
                "the device finished its work without mapping a readback".into(),
            ))
        })
    }
}

/// Maps `slice` for reading (its buffer's copies already submitted) and waits until it
/// is mapped.
pub(crate) fn map_blocking(device: &wgpu::Device, slice: &wgpu::BufferSlice<'_>) -> Result<()> {
    let (sender, receiver) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |result| {
        // The receiver outlives the poll below; a failed send only means it gave up.
        let _ = sender.send(result);
    });
    device.poll(wgpu::PollType::wait_indefinitely())?;
    receiver.recv().map_err(|_| {
        Error::DeviceLost("the device dropped a readback before mapping it".into())
    })??;
    Ok(())
}

/// A buffer the host can map, for `values` 4-byte values.
fn staging_buffer(device: &wgpu::Device, values: usize) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("gpulif readback"),
        size: (values * 4) as u64,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// The bytes of a stimulus window holding `values` from step `origin`.
fn stimulus_window(origin: u64, values: &[f32]) -> Vec<u8> {
    let header = StimulusHeader {
        origin: [origin as u32, (origin >> 32) as u32],
        len: values.len() as u32,
        _pad: 0,
    };
    let mut bytes = vec![0u8; STIMULUS_BYTES];
    bytes[..size_of::<StimulusHeader>()].copy_from_slice(bytemuck::bytes_of(&header));
    let values: &[u8] = bytemuck::cast_slice(values);
    bytes[size_of::<StimulusHeader>()..size_of::<StimulusHeader>() + values.len()]
        .copy_from_slice(values);
    bytes
}

/// The bytes per neuron of `desc`'s largest per-neuron buffer: that of
/// [`largest_buffer_per_neuron`], or the per-neuron constants of a stimulus with
/// per-neuron gains, or the gaps and Ornstein–Uhlenbeck currents of coloured noise.
pub(crate) fn largest_buffer_per_neuron_of(desc: &PopulationDesc<'_>) -> u64 {
    let mut bytes = largest_buffer_per_neuron(desc.method, &desc.each);
    if desc.stimulus.is_some_and(|s| s.gain.is_some()) {
        bytes = bytes.max(size_of::<NeuronConstants>() as u64);
    }
    if desc.noise.is_coloured() {
        bytes = bytes.max(8);
    }
    bytes
}

/// The bytes per neuron of a population's largest per-neuron buffer: the exact
/// kernel's periods and countdowns at rest (16), or the per-neuron constants when some
/// parameter is given per neuron.
pub(crate) fn largest_buffer_per_neuron(method: Method, each: &NeuronParams<'_>) -> u64 {
    let thresholds = match method {
        Method::Euler => 4,
        Method::Exact => 16,
    };
    if each.is_shared() {
        thresholds
    } else {
        thresholds.max(size_of::<NeuronConstants>() as u64)
    }
}

/// The input buffers' contents: `f32` currents, and the thresholds buffer (Euler: an
/// `f32` gap threshold per neuron; exact: each neuron's period, then each neuron's
/// countdown at rest, as `vec2<u32>` of low and high words).
struct Inputs {
    current: Vec<f32>,
    thresholds: Vec<u8>,
}

impl Inputs {
    fn new(lowering: &Lowering<'_>, currents: &[f64]) -> Self {
        let inputs = lowering.all(currents);
        let words = |x: u64| [x as u32, (x >> 32) as u32];
        let thresholds: Vec<u32> = if lowering.method() == Method::Euler {
            inputs.iter().map(|n| n.gap_th.to_bits()).collect()
        } else {
            let periods = inputs.iter().flat_map(|n| words(n.times.period));
            periods
                .chain(inputs.iter().flat_map(|n| words(n.times.rest)))
                .collect()
        };
        Inputs {
            current: inputs.iter().map(|n| n.current).collect(),
            thresholds: bytemuck::cast_slice(&thresholds).to_vec(),
        }
    }
}

/// The constants buffer: one entry per neuron when `each` gives any parameter per
/// neuron, else the one entry every neuron reads.
fn neuron_constants(desc: &PopulationDesc<'_>, per_neuron: bool) -> Vec<NeuronConstants> {
    let (method, params, each) = (desc.method, desc.params, &desc.each);
    let of = |p: &LifParams, k: usize| {
        let noise = NoiseConstants::new(&desc.noise, p);
        let with_noise = |c: NeuronConstants| NeuronConstants {
            drive_gain: noise.drive,
            noise_gain: noise.gain,
            noise_decay: noise.decay,
            noise_spread: noise.spread,
            stimulus_gain: stimulus_gain(desc.stimulus, p, k),
            ..c
        };
        let common = NeuronConstants {
            v_th: p.v_th as f32,
            tau_rc: p.tau_rc as f32,
            ..NeuronConstants::default()
        };
        match method {
            Method::Euler => {
                let c = EulerConstants::new(p);
                with_noise(NeuronConstants {
                    decay: c.decay,
                    frozen_steps: c.frozen_steps,
                    rate_ratio_m1: p.euler_rate_ratio_m1() as f32,
                    ..common
                })
            }
            Method::Exact => {
                let c = ExactConstants::new(p);
                NeuronConstants {
                    decay: c.decay,
                    tau: c.tau,
                    tau_ref: c.tau_ref,
                    drive_gain: ExactLane::new(p).per_step,
                    ..common
                }
            }
        }
    };
    if per_neuron {
        (0..desc.currents.len())
            .map(|k| of(&each.of(params, k), k))
            .collect()
    } else {
        vec![of(params, 0)]
    }
}

/// Usage of every per-neuron buffer.
const STATE_USAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);
