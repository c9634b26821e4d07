//! A host application that owns its wgpu device and drives a gpulif population from
//! it: every frame it writes new input currents (a slow sine on each neuron), records
//! the population's steps into its own command encoder, then — in the same command
//! buffer — runs its own compute shader (`spike_histogram.wgsl`) that reads gpulif's
//! spike-count buffer and histograms the spikes each neuron fired that frame. gpulif
//! never creates a device and never submits; the host reads back only what its own
//! shader computed.
//!
//! ```text
//! cargo run --release --example embed
//! ```

use gpulif::wgpu;
use gpulif::{GpuPopulation, LifParams, LifPipeline};

/// Neurons, frames, and steps (of dt = 1 ms) per frame.
const NEURONS: usize = 100_000;
const FRAMES: usize = 20;
const STEPS_PER_FRAME: u32 = 50;
/// Histogram bins: 0, 1, …, BINS − 2 spikes, and BINS − 1 or more.
const BINS: usize = 8;

/// The input of neuron `k` at time `t`: a base current from 0.5 to 20 (so some neurons
/// stay silent) swinging ±40 % at 1 Hz, each neuron with its own phase.
fn current(k: usize, t: f64) -> f64 {
    let x = k as f64 / (NEURONS - 1) as f64;
    let base = 0.5 + 19.5 * x;
    let phase = std::f64::consts::TAU * x;
    base * (1.0 + 0.4 * (std::f64::consts::TAU * t + phase).sin())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The host's own device: gpulif is handed it, never makes one.
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    }))?;
    println!("adapter: {}", adapter.get_info().name);
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("host device"),
        required_limits: wgpu::Limits::default(),
        ..Default::default()
    }))?;

    // gpulif: one pipeline per device, one population.
    let params = LifParams::default();
    let dt = params.dt;
    let pipeline = LifPipeline::try_new(&device)?;
    let at = |t: f64| (0..NEURONS).map(|k| current(k, t)).collect::<Vec<_>>();
    let population = GpuPopulation::new(&device, &pipeline, &params, &at(0.0))?;

    // The host's own pipeline, binding gpulif's spike-count buffer.
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("host spike_histogram.wgsl"),
        source: wgpu::ShaderSource::Wgsl(include_str!("spike_histogram.wgsl").into()),
    });
    let histogram_pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("host frame_histogram"),
        layout: None,
        module: &module,
        entry_point: Some("frame_histogram"),
        compilation_options: Default::default(),
        cache: None,
    });
    let previous = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("host previous counts"),
        size: (NEURONS * 4) as u64,
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    });
    let histogram = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("host histogram"),
        size: (BINS * 4) as u64,
        usage: wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_SRC
            | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    // Every frame's histogram, read back once at the end.
    let frames = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("host histograms of all frames"),
        size: (FRAMES * BINS * 4) as u64,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("host histogram bindings"),
        layout: &histogram_pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: population.spike_count_buffer().as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: previous.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: histogram.as_entire_binding(),
            },
        ],
    });

    for frame in 0..FRAMES {
        let t = frame as f64 * f64::from(STEPS_PER_FRAME) * dt;
        population.write_currents(&queue, &at(t))?;
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("host frame"),
        });
        population.encode_steps(&mut encoder, STEPS_PER_FRAME);
        encoder.clear_buffer(&histogram, 0, None);
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("host frame_histogram"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&histogram_pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(NEURONS.div_ceil(64) as u32, 1, 1);
        }
        let offset = (frame * BINS * 4) as u64;
        encoder.copy_buffer_to_buffer(&histogram, 0, &frames, offset, (BINS * 4) as u64);
        queue.submit([encoder.finish()]);
    }

    frames.slice(..).map_async(wgpu::MapMode::Read, |result| {
        result.expect("mapping the histograms");
    });
    device.poll(wgpu::PollType::wait_indefinitely())?;
    let histograms: Vec<u32> = bytemuck::pod_collect_to_vec(&frames.slice(..).get_mapped_range()?);

    println!(
        "{NEURONS} neurons, {FRAMES} frames of {STEPS_PER_FRAME} steps ({} ms each); \
         input: base·(1 + 0.4·sin(2π·t + phase))",
        f64::from(STEPS_PER_FRAME) * dt * 1e3
    );
    println!("neurons that fired k spikes in each frame, as the host's shader counted them:");
    print!("{:>7}", "t (s)");
    for k in 0..BINS {
        let label = if k + 1 == BINS {
            format!("{k}+")
        } else {
            k.to_string()
        };
        print!("{label:>8}");
    }
    println!("{:>10}", "spikes");
    for (frame, bins) in histograms.chunks(BINS).enumerate() {
        let t = frame as f64 * f64::from(STEPS_PER_FRAME) * dt;
        print!("{t:>7.2}");
        for count in bins {
            print!("{count:>8}");
        }
        // The last bin is open-ended, so the total is a lower bound there.
        let spikes: u64 = bins
            .iter()
            .enumerate()
            .map(|(k, &n)| k as u64 * u64::from(n))
            .sum();
        println!("{spikes:>10}");
    }
    Ok(())
}
