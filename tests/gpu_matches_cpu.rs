//! The GPU kernel and the CPU float32 backend run the same arithmetic: their spike
//! counts must be identical, neuron for neuron.

mod common;

use gpulif::backend::gpu::PopulationOptions;
use gpulif::model::euler::EulerConstants;
use gpulif::model::euler::step_euler;
use gpulif::{CpuStepper, GpuOptions, GpuPopulation, LifParams, LifPipeline, Run, Stepper};
use gpulif::{NeuronParams, PopulationDesc};

fn parameter_sets() -> Vec<(&'static str, LifParams, f64)> {
    vec![
        ("defaults", LifParams::default(), 10.0),
        (
            "tutorial",
            LifParams {
                tau_rc: 0.02,
                tau_ref: 0.2,
                ..LifParams::default()
            },
            20.0,
        ),
        (
            "dt 0.1 ms, tau_ref 5 ms",
            LifParams {
                tau_rc: 0.02,
                tau_ref: 0.005,
                dt: 0.0001,
                ..LifParams::default()
            },
            2.0,
        ),
        (
            "v_th 0.7, tau_rc 0.3, dt 0.1 ms",
            LifParams {
                tau_rc: 0.3,
                tau_ref: 0.002,
                v_th: 0.7,
                dt: 0.0001,
            },
            2.0,
        ),
    ]
}

fn assert_identical(case: &str, currents: &[f64], gpu: &[u32], cpu: &[u32]) {
    assert_eq!(gpu.len(), cpu.len(), "{case}: one count per neuron");
    let differing: Vec<String> = (0..currents.len())
        .filter(|&k| gpu[k] != cpu[k])
        .take(5)
        .map(|k| format!("I = {}: gpu {} cpu {}", currents[k], gpu[k], cpu[k]))
        .collect();
    assert!(
        differing.is_empty(),
        "{case}: GPU and CPU counts differ, e.g. {differing:?}"
    );
}

#[test]
fn wide_sweep_with_a_ragged_neuron_count() {
    let Some(mut gpu) = common::gpu_stepper(GpuOptions::default()) else {
        return;
    };
    // 1013 = 15·64 + 53: the last workgroup is partly idle.
    let currents = common::sweep(-1.0, 20.0, 1013);
    for (name, params, duration) in parameter_sets() {
        let run = Run::new(params, duration).unwrap();
        let on_gpu = gpu
            .simulate(
                &PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED),
                run.steps(),
                &|_| {},
            )
            .unwrap();
        let on_cpu = CpuStepper::new()
            .simulate(
                &PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED),
                run.steps(),
                &|_| {},
            )
            .unwrap();
        assert_identical(&format!("wide sweep, {name}"), &currents, &on_gpu, &on_cpu);
        assert!(on_cpu.iter().any(|&c| c > 0), "{name}: the sweep fires");
    }
}

#[test]
fn near_threshold_sweep() {
    let Some(mut gpu) = common::gpu_stepper(GpuOptions::default()) else {
        return;
    };
    for (name, params, duration) in parameter_sets() {
        let currents = common::sweep(params.v_th, params.v_th * 1.001, 2003);
        let run = Run::new(params, duration).unwrap();
        let on_gpu = gpu
            .simulate(
                &PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED),
                run.steps(),
                &|_| {},
            )
            .unwrap();
        let on_cpu = CpuStepper::new()
            .simulate(
                &PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED),
                run.steps(),
                &|_| {},
            )
            .unwrap();
        assert_identical(
            &format!("near threshold, {name}"),
            &currents,
            &on_gpu,
            &on_cpu,
        );
    }
}

#[test]
fn batches_and_two_dimensional_dispatch() {
    // Small limits force what large populations do: 1013 neurons in batches of 300
    // (the last of 113), rows of 2 workgroups (a 2×3 grid for 300 neurons), and
    // dispatches of at most 4 steps (7 rounds down to 4), so each submission ends in
    // remainder dispatches of 2 and 1 steps.
    let options = GpuOptions {
        max_batch_neurons: 300,
        population: PopulationOptions {
            max_steps_per_dispatch: Some(7),
            max_workgroups_per_row: Some(2),
        },
    };
    let Some(mut gpu) = common::gpu_stepper(options) else {
        return;
    };
    assert_eq!(gpu.batch_neurons(), 300);
    let currents = common::sweep(0.0, 12.0, 1013);
    let run = Run::with_steps(LifParams::default(), 1003).unwrap();
    let on_gpu = gpu
        .simulate(
            &PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED),
            run.steps(),
            &|_| {},
        )
        .unwrap();
    let on_cpu = CpuStepper::new()
        .simulate(
            &PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED),
            run.steps(),
            &|_| {},
        )
        .unwrap();
    assert_identical("batched 2D dispatch", &currents, &on_gpu, &on_cpu);
}

#[test]
fn population_steps_split_across_calls_and_shapes() {
    let Some(context) = common::gpu() else {
        return;
    };
    let (device, queue) = (&context.device, &context.queue);
    let params = LifParams {
        tau_rc: 0.05,
        tau_ref: 0.004,
        ..LifParams::default()
    };
    let currents = common::sweep(0.5, 30.0, 777);
    let pipeline = LifPipeline::new(device);
    let options = PopulationOptions {
        max_steps_per_dispatch: Some(16),
        max_workgroups_per_row: Some(3),
    };
    let population =
        GpuPopulation::with_options(device, &pipeline, &params, &currents, &options).unwrap();
    let shape = population.dispatch_shape();
    assert_eq!(
        (shape.workgroups_x, shape.workgroups_y),
        (3, 5),
        "13 workgroups in rows of 3"
    );
    assert_eq!(population.steps_per_dispatch(), 16);

    // Several calls in one encoder, then more in a second submission.
    let calls = [[0u32, 1, 15, 16, 17], [100, 255, 256, 257, 3]];
    for batch in calls {
        let mut encoder = device.create_command_encoder(&Default::default());
        for steps in batch {
            population.encode_steps(&mut encoder, steps);
        }
        queue.submit([encoder.finish()]);
    }
    let on_gpu = population.read_counts(device, queue).unwrap();

    let constants = EulerConstants::new(&params);
    let on_cpu: Vec<u32> = currents
        .iter()
        .map(|&i| {
            let mut state = gpulif::model::euler::NeuronState::at_rest(i as f32);
            for steps in calls.iter().flatten() {
                step_euler(
                    &mut state,
                    i as f32,
                    params.gap_threshold(i),
                    &constants,
                    *steps,
                );
            }
            state.spike_count
        })
        .collect();
    assert_identical("split encode_steps", &currents, &on_gpu, &on_cpu);
    assert!(on_cpu.iter().any(|&c| c > 10));
}
