//! gpulif inside a host's wgpu application: the host's own shader reading the spike
//! buffer, currents that change between frames, reset and clear, and two populations
//! in one encoder. Every GPU result is compared with the CPU population fed the same
//! schedule, exactly: the two run the same float32 arithmetic.

mod common;

use gpulif::{CpuPopulation, GpuPopulation, LifParams, LifPipeline, Signal};

const BINS: usize = 6;

/// Neuron `k`'s input in frame `frame`: a spread of base currents, some below
/// threshold and some negative, modulated frame by frame.
fn schedule(neurons: usize, frame: usize) -> Vec<f64> {
    (0..neurons)
        .map(|k| {
            let x = k as f64 / neurons as f64;
            let base = -1.0 + 16.0 * x;
            base * (1.0 + 0.5 * (0.7 * frame as f64 + 6.0 * x).sin())
        })
        .collect()
}

fn new_encoder(device: &wgpu::Device) -> wgpu::CommandEncoder {
    device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default())
}

/// Reads a whole `MAP_READ` buffer of u32s.
fn read_mapped(device: &wgpu::Device, buffer: &wgpu::Buffer) -> Vec<u32> {
    buffer
        .slice(..)
        .map_async(wgpu::MapMode::Read, |r| r.expect("mapping"));
    device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    let values = bytemuck::pod_collect_to_vec(&buffer.slice(..).get_mapped_range().unwrap());
    buffer.unmap();
    values
}

#[test]
fn the_hosts_own_shader_reads_the_spike_buffer() {
    let Some(context) = common::gpu() else {
        return;
    };
    let (device, queue) = (&context.device, &context.queue);
    let (neurons, frames, steps) = (3001, 12, 37);
    let params = LifParams::default();
    let pipeline = LifPipeline::new(device);
    let population = GpuPopulation::new(device, &pipeline, &params, &schedule(neurons, 0)).unwrap();

    // The host's pipeline, exactly as examples/embed.rs builds it.
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("host spike_histogram.wgsl"),
        source: wgpu::ShaderSource::Wgsl(include_str!("../examples/spike_histogram.wgsl").into()),
    });
    let host_pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: None,
        layout: None,
        module: &module,
        entry_point: Some("frame_histogram"),
        compilation_options: Default::default(),
        cache: None,
    });
    let buffer = |size: usize, usage| {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: size as u64,
            usage,
            mapped_at_creation: false,
        })
    };
    use wgpu::BufferUsages as U;
    let previous = buffer(neurons * 4, U::STORAGE);
    let histogram = buffer(BINS * 4, U::STORAGE | U::COPY_SRC | U::COPY_DST);
    let all_frames = buffer(frames * BINS * 4, U::MAP_READ | U::COPY_DST);
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &host_pipeline.get_bind_group_layout(0),
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

    let mut cpu = CpuPopulation::new(&params, &schedule(neurons, 0)).unwrap();
    let mut cpu_previous = vec![0u32; neurons];
    let mut expected = Vec::new();
    for frame in 0..frames {
        population
            .write_currents(queue, &schedule(neurons, frame))
            .unwrap();
        let mut encoder = new_encoder(device);
        population.encode_steps(&mut encoder, steps);
        encoder.clear_buffer(&histogram, 0, None);
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&host_pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(neurons.div_ceil(64) as u32, 1, 1);
        }
        let offset = (frame * BINS * 4) as u64;
        encoder.copy_buffer_to_buffer(&histogram, 0, &all_frames, offset, (BINS * 4) as u64);
        queue.submit([encoder.finish()]);

        cpu.write_currents(&schedule(neurons, frame)).unwrap();
        cpu.step(steps);
        let counts = cpu.counts();
        let mut bins = [0u32; BINS];
        for (now, before) in counts.iter().zip(&mut cpu_previous) {
            bins[((now - *before) as usize).min(BINS - 1)] += 1;
            *before = *now;
        }
        expected.extend(bins);
    }
    let got = read_mapped(device, &all_frames);
    assert_eq!(
        got, expected,
        "per-frame histograms, GPU host shader vs CPU"
    );
    assert!(
        expected.chunks(BINS).all(|bins| bins[0] < neurons as u32),
        "every frame has spikes"
    );
    assert_eq!(
        population.read_counts(device, queue).unwrap(),
        cpu.counts(),
        "total counts"
    );
    context.check_errors().unwrap();
}

#[test]
fn currents_changed_mid_run_keep_the_voltage_continuous() {
    let Some(context) = common::gpu() else {
        return;
    };
    let (device, queue) = (&context.device, &context.queue);
    // A long refractory period, so that many neurons see their current change while
    // refractory; segments of uneven length, some a single step.
    let params = LifParams {
        tau_rc: 0.05,
        tau_ref: 0.013,
        ..LifParams::default()
    };
    let neurons = 1500;
    let segments = [(0, 40), (1, 1), (2, 97), (3, 3), (4, 250), (5, 64)];
    let pipeline = LifPipeline::new(device);
    let gpu = GpuPopulation::new(device, &pipeline, &params, &schedule(neurons, 0)).unwrap();
    let mut cpu = CpuPopulation::new(&params, &schedule(neurons, 0)).unwrap();
    for (frame, steps) in segments {
        gpu.write_currents(queue, &schedule(neurons, frame))
            .unwrap();
        cpu.write_currents(&schedule(neurons, frame)).unwrap();
        // Before any step the voltage is still the old one, on both.
        assert_eq!(gpu.read_voltages(device, queue).unwrap(), cpu.voltages());
        let mut encoder = new_encoder(device);
        gpu.encode_steps(&mut encoder, steps);
        queue.submit([encoder.finish()]);
        cpu.step(steps);
        assert_eq!(
            gpu.read_counts(device, queue).unwrap(),
            cpu.counts(),
            "counts after frame {frame}"
        );
        assert_eq!(
            gpu.read_voltages(device, queue).unwrap(),
            cpu.voltages(),
            "voltages after frame {frame}"
        );
        assert_eq!(gpu.read_spiked(device, queue).unwrap(), cpu.spiked());
    }
    assert!(cpu.counts().iter().any(|&c| c > 3));

    // clear_counts keeps the state; reset returns to rest under the latest currents.
    let mut encoder = new_encoder(device);
    gpu.clear_counts(&mut encoder);
    gpu.encode_steps(&mut encoder, 30);
    queue.submit([encoder.finish()]);
    cpu.clear_counts();
    cpu.step(30);
    assert_eq!(gpu.read_counts(device, queue).unwrap(), cpu.counts());
    assert_eq!(gpu.read_voltages(device, queue).unwrap(), cpu.voltages());

    let latest = schedule(neurons, 5);
    let mut fresh = CpuPopulation::new(&params, &latest).unwrap();
    fresh.step(500);
    let mut encoder = new_encoder(device);
    gpu.reset(&mut encoder);
    assert!(
        gpu.read_voltages(device, queue)
            .unwrap()
            .iter()
            .any(|&v| v != 0.0),
        "recorded, not yet submitted"
    );
    gpu.encode_steps(&mut encoder, 500);
    queue.submit([encoder.finish()]);
    assert_eq!(gpu.read_counts(device, queue).unwrap(), fresh.counts());
    assert_eq!(gpu.read_voltages(device, queue).unwrap(), fresh.voltages());
    context.check_errors().unwrap();
}

#[test]
fn two_populations_in_one_encoder_do_not_disturb_each_other() {
    let Some(context) = common::gpu() else {
        return;
    };
    let (device, queue) = (&context.device, &context.queue);
    let pipeline = LifPipeline::new(device);
    let fast = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.0,
        ..LifParams::default()
    };
    let slow = LifParams {
        tau_rc: 0.5,
        tau_ref: 0.01,
        v_th: 0.7,
        dt: 0.0005,
    };
    let currents_a = common::sweep(0.0, 30.0, 777);
    let currents_b = common::sweep(0.6, 3.0, 2050);
    let a = GpuPopulation::new(device, &pipeline, &fast, &currents_a).unwrap();
    let b = GpuPopulation::new(device, &pipeline, &slow, &currents_b).unwrap();
    let mut encoder = new_encoder(device);
    for (steps_a, steps_b) in [(10, 333), (1, 0), (250, 17)] {
        a.encode_steps(&mut encoder, steps_a);
        b.encode_steps(&mut encoder, steps_b);
    }
    queue.submit([encoder.finish()]);

    let mut alone_a = CpuPopulation::new(&fast, &currents_a).unwrap();
    alone_a.step(261);
    let mut alone_b = CpuPopulation::new(&slow, &currents_b).unwrap();
    alone_b.step(350);
    assert_eq!(a.read_counts(device, queue).unwrap(), alone_a.counts());
    assert_eq!(b.read_counts(device, queue).unwrap(), alone_b.counts());
    assert_eq!(a.read_voltages(device, queue).unwrap(), alone_a.voltages());
    assert_eq!(b.read_voltages(device, queue).unwrap(), alone_b.voltages());
    assert!(alone_a.counts().iter().any(|&c| c > 0) && alone_b.counts().iter().any(|&c| c > 0));
    context.check_errors().unwrap();
}

#[test]
fn write_currents_checks_its_input() {
    let Some(context) = common::gpu() else {
        return;
    };
    let pipeline = LifPipeline::new(&context.device);
    let population = GpuPopulation::new(
        &context.device,
        &pipeline,
        &LifParams::default(),
        &[1.0, 2.0],
    )
    .unwrap();
    assert!(population.write_currents(&context.queue, &[1.0]).is_err());
    assert!(
        population
            .write_currents(&context.queue, &[1.0, f64::NAN])
            .is_err()
    );
    assert!(
        population
            .write_currents(&context.queue, &[1.0, 3.0])
            .is_ok()
    );
}

#[test]
fn a_noisy_population_with_a_stimulus_runs_in_the_hosts_encoders() {
    use gpulif::backend::gpu::{PopulationOptions, STIMULUS_WINDOW};
    use gpulif::{CpuStepper, Noise, PopulationDesc, Stepper, Stimulus};
    let Some(context) = common::gpu() else {
        return;
    };
    let (device, queue) = (&context.device, &context.queue);
    let params = LifParams {
        tau_rc: 0.02,
        ..LifParams::default()
    };
    let currents: Vec<f64> = (0..500).map(|k| 3.0 * k as f64 / 500.0).collect();
    // Longer than one stimulus window: the host writes the next before stepping on.
    let steps = STIMULUS_WINDOW + 3000;
    let signal = Signal::new(
        (0..steps)
            .map(|k| 0.6 * (k as f64 * 0.004).sin())
            .collect::<Vec<f64>>(),
    )
    .unwrap();
    let signal32: Vec<f32> = signal.iter().map(|&x| x as f32).collect();
    for noise in [Noise::white(0.3, 21), Noise::coloured(0.3, 0.005, 22)] {
        let desc = PopulationDesc::new(&params, &currents)
            .with_noise(noise)
            .with_stimulus(Stimulus {
                values: &signal,
                gain: None,
            })
            // The host's neurons are 1000.. of a larger experiment.
            .with_first_index(1000);
        let pipeline = LifPipeline::new(device);
        let options = PopulationOptions {
            max_steps_per_dispatch: Some(256),
            ..PopulationOptions::default()
        };
        let population = GpuPopulation::from_desc(device, &pipeline, &desc, &options).unwrap();
        assert_eq!(population.noise(), noise);
        assert!(population.has_stimulus());
        // The first window came with the population; the host records the steps in
        // frames of 1000, writing each later window before the frame that needs it.
        let mut done = 0usize;
        let mut window_end = STIMULUS_WINDOW;
        while done < steps {
            let frame = 1000.min(steps - done);
            if done + frame > window_end {
                let end = steps.min(done + STIMULUS_WINDOW);
                population
                    .write_stimulus(queue, done as u64, &signal32[done..end])
                    .unwrap();
                window_end = end;
            }
            let mut encoder = new_encoder(device);
            population.encode_steps(&mut encoder, frame as u32);
            queue.submit([encoder.finish()]);
            done += frame;
        }
        let gpu = population.read_counts(device, queue).unwrap();
        let mut cpu = CpuStepper::new();
        let mut expected = cpu.population(&desc).unwrap();
        expected.advance(steps as u32, &|_| {}).unwrap();
        assert_eq!(gpu, expected.counts().unwrap(), "{noise:?}");
        assert!(gpu.iter().sum::<u32>() > 1000);
        // A window longer than the uniform holds is refused.
        assert!(
            population
                .write_stimulus(queue, 0, &vec![0.0; STIMULUS_WINDOW + 1])
                .is_err()
        );
    }
}
