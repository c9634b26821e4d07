//! Making a population: its inputs lowered, its buffers and bind groups.

use super::{
    ChunkUniforms, ClockUniforms, Counting, DISPATCH_NEURON_STEPS, DispatchShape, Error,
    EulerConstants, ExactConstants, ExactLane, GpuPopulation, LifParams, LifPipeline, Lowering,
    MAX_STEPS_PER_DISPATCH, Method, Mutex, NeuronConstants, NeuronParams, NoiseConstants,
    NoiseUniforms, NoisyParts, OwnedNeuronParams, PopulationDesc, PopulationOptions,
    PopulationUniforms, Result, STIMULUS_WINDOW, poisson_drive, stimulus_gain, stimulus_window,
};

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
    /// a homogeneous population's holds one entry that every neuron reads. Blocks until
    /// the device has checked it: native hosts only
    /// ([`GpuPopulation::from_desc_async`] on the web).
    pub fn from_desc(
        device: &wgpu::Device,
        pipeline: &LifPipeline,
        desc: &PopulationDesc<'_>,
        options: &PopulationOptions,
    ) -> Result<Self> {
        pollster::block_on(Self::from_desc_async(device, pipeline, desc, options))
    }

    /// [`GpuPopulation::from_desc`] without blocking: it awaits the device's verdict on
    /// the buffers, as a web page must.
    pub async fn from_desc_async(
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
        // One more slot, last, for the steps a count from the neurons' periods stands
        // for (written before each count).
        let mut chunk_table = vec![0u8; ((table_slots + 1) * chunk_stride) as usize];
        for j in 0..table_slots {
            let slot = ChunkUniforms {
                steps: 1 << j,
                _pad: [0; 3],
            };
            let at = (j * chunk_stride) as usize;
            chunk_table[at..at + size_of::<ChunkUniforms>()]
                .copy_from_slice(bytemuck::bytes_of(&slot));
        }

        let layout = MethodLayout::of(method);
        let inputs = Inputs::new(&Lowering::new(method, params, each), layout, currents);
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
        // The first buffer that could not be filled (a lost device), reported once the
        // error scopes are popped.
        let unfilled = std::cell::RefCell::new(None);
        let init = |label: &str, contents: &[u8], usage: wgpu::BufferUsages| {
            let (buffer, error) = buffer_init(device, label, contents, usage);
            if let Some(error) = error {
                unfilled.borrow_mut().get_or_insert(error);
            }
            buffer
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
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
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
        let refractory_left = if layout.countdown {
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
            let poisson = poisson_drive(desc);
            let table = poisson.map(|p| *p.table.entries());
            let uniforms = NoiseUniforms {
                seed: [noise.seed as u32, (noise.seed >> 32) as u32],
                first_index: [first_index as u32, (first_index >> 32) as u32],
                coloured: u32::from(noise.is_coloured()),
                stimulus: u32::from(stimulus.is_some()),
                draws: u32::from(noise.is_on()),
                poisson_len: poisson.map_or(0, |p| p.table.len()),
                poisson_weight: poisson.map_or(0.0, |p| p.weight),
                _pad: [0; 3],
                poisson_table: std::array::from_fn(|v| {
                    std::array::from_fn(|j| table.map_or(u32::MAX, |t| t[4 * v + j]))
                }),
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
        let validation = validation.pop().await;
        let out_of_memory = out_of_memory.pop().await;
        if let Some(error) = unfilled.into_inner() {
            return Err(error);
        }
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
            layout,
            each: OwnedNeuronParams::from(&each),
            neuron_count,
            shape,
            chunk_stride,
            chunk_log2: 0,
            pipeline: match method {
                Method::Euler if noisy && desc.poisson.is_on() => pipeline.noisy_poisson.clone(),
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
            count: (!noisy).then(|| Counting {
                count: match method {
                    Method::Euler => pipeline.count_euler.clone(),
                    Method::Exact => pipeline.count_exact.clone(),
                },
                advance: match method {
                    Method::Euler => pipeline.advance_euler.clone(),
                    Method::Exact => pipeline.advance_exact.clone(),
                },
                slot: table_slots * chunk_stride,
            }),
            chunks: chunk_uniforms.clone(),
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
}

/// What a method asks of a population's buffers, decided once, where the population
/// is made; the rest of the backend reads it rather than the method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct MethodLayout {
    /// Bytes per neuron of the thresholds buffer: an `f32` gap threshold (Euler), or
    /// a period and a countdown at rest, a `u64` each (exact).
    pub threshold_bytes: u64,
    /// Exact: the refractory buffer holds each neuron's countdown after the
    /// refractory times, restarted from the thresholds buffer's second half.
    pub countdown: bool,
}

impl MethodLayout {
    pub(super) fn of(method: Method) -> MethodLayout {
        match method {
            Method::Euler => MethodLayout {
                threshold_bytes: 4,
                countdown: false,
            },
            Method::Exact => MethodLayout {
                threshold_bytes: 16,
                countdown: true,
            },
        }
    }
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
    let thresholds = MethodLayout::of(method).threshold_bytes;
    if each.is_shared() {
        thresholds
    } else {
        thresholds.max(size_of::<NeuronConstants>() as u64)
    }
}

/// The input buffers' contents: `f32` currents, and the thresholds buffer (Euler: an
/// `f32` gap threshold per neuron; exact: each neuron's period, then each neuron's
/// countdown at rest, as `vec2<u32>` of low and high words).
pub(super) struct Inputs {
    pub(super) current: Vec<f32>,
    pub(super) thresholds: Vec<u8>,
}

impl Inputs {
    pub(super) fn new(lowering: &Lowering<'_>, layout: MethodLayout, currents: &[f64]) -> Self {
        let inputs = lowering.all(currents);
        let words = |x: u64| [x as u32, (x >> 32) as u32];
        let thresholds: Vec<u32> = if !layout.countdown {
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

/// `floor(log2(x))` for `x ≥ 1`.
pub(super) fn floor_log2(x: u32) -> u32 {
    31 - x.max(1).leading_zeros()
}

/// Usage of every per-neuron buffer.
const STATE_USAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

/// A buffer holding `contents`, as wgpu's `create_buffer_init` makes one (its size
/// rounded up to a multiple of 4 bytes, mapped at creation, filled, unmapped), except
/// that a buffer the device cannot map (a lost or destroyed device) is an error rather
/// than a panic. The buffer comes back either way, so that a caller with error scopes
/// pushed pops them before returning the error.
pub(super) fn buffer_init(
    device: &wgpu::Device,
    label: &str,
    contents: &[u8],
    usage: wgpu::BufferUsages,
) -> (wgpu::Buffer, Option<Error>) {
    let size = (contents.len() as u64).next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage,
        mapped_at_creation: size > 0,
    });
    if size == 0 {
        return (buffer, None);
    }
    let error = match buffer.get_mapped_range_mut(..) {
        Ok(mut view) => {
            view.slice(..contents.len()).copy_from_slice(contents);
            None
        }
        Err(error) => Some(Error::Gpu(format!("filling {label}: {error}"))),
    };
    buffer.unmap();
    (buffer, error)
}
