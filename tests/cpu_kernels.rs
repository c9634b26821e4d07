//! The block kernels (AVX-512, AVX2, baseline) run the shader's arithmetic on 64
//! neurons at a time: every one of them must give, neuron for neuron, the state of the
//! readable one-neuron `step_euler`.

use gpulif::backend::cpu::{CpuPopulation, Kernel};
use gpulif::model::euler::EulerConstants;
use gpulif::model::euler::{NeuronState, step_euler};
use gpulif::{CpuStepper, LifParams, Run, Stepper};
use gpulif::{NeuronParams, PopulationDesc};

fn params() -> Vec<LifParams> {
    vec![
        LifParams::default(),
        LifParams {
            tau_rc: 0.02,
            tau_ref: 0.2,
            ..LifParams::default()
        },
        LifParams {
            tau_rc: 0.05,
            tau_ref: 0.0,
            ..LifParams::default()
        },
        LifParams {
            tau_rc: 0.3,
            tau_ref: 0.005,
            v_th: 0.7,
            dt: 0.0001,
        },
    ]
}

/// Currents from below zero to far above threshold, with a dense patch just above it.
fn currents(v_th: f64) -> Vec<f64> {
    let mut currents = gpulif::experiment::curve::sweep(-1.0, 25.0, 300).unwrap();
    currents.extend(gpulif::experiment::curve::sweep(v_th, v_th * 1.001, 157).unwrap());
    currents
}

fn scalar_states(params: &LifParams, currents: &[f64], calls: &[u32]) -> Vec<NeuronState> {
    let constants = EulerConstants::new(params);
    currents
        .iter()
        .map(|&i| {
            let mut state = NeuronState::at_rest(i as f32);
            for &steps in calls {
                step_euler(
                    &mut state,
                    i as f32,
                    params.gap_threshold(i),
                    &constants,
                    steps,
                );
            }
            state
        })
        .collect()
}

#[test]
fn every_kernel_matches_the_scalar_step_bit_for_bit() {
    // Steps split unevenly across calls: the state must carry over exactly.
    let calls = [1, 0, 777, 2, 1220];
    let kernels = Kernel::available();
    assert!(kernels.contains(&Kernel::Baseline));
    eprintln!(
        "kernels on this processor: {:?}",
        kernels.iter().map(|k| k.name()).collect::<Vec<_>>()
    );
    for params in params() {
        // 457 neurons = 7 blocks of 64 and one of 9: the last block is mostly padding.
        let currents = currents(params.v_th);
        let expected = scalar_states(&params, &currents, &calls);
        assert!(expected.iter().any(|s| s.spike_count > 0));
        for &kernel in &kernels {
            let mut population = CpuPopulation::with_kernel(&params, &currents, kernel).unwrap();
            for &steps in &calls {
                population.step(steps);
            }
            let states = population.states();
            let differing: Vec<_> = (0..currents.len())
                .filter(|&k| states[k] != expected[k])
                .take(3)
                .map(|k| (currents[k], states[k], expected[k]))
                .collect();
            assert!(
                differing.is_empty(),
                "{} kernel, {params:?}: {differing:?}",
                kernel.name()
            );
        }
    }
}

#[test]
fn the_stepper_gives_the_same_counts_with_every_kernel() {
    let params = LifParams::default();
    let run = Run::with_steps(params, 2000).unwrap();
    let currents = currents(params.v_th);
    let expected: Vec<u32> = scalar_states(&params, &currents, &[2000])
        .iter()
        .map(|s| s.spike_count)
        .collect();
    for kernel in Kernel::available() {
        let counts = CpuStepper::with_kernel(kernel)
            .simulate(
                &PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED),
                run.steps(),
                &|_| {},
            )
            .unwrap();
        assert_eq!(counts, expected, "{} kernel", kernel.name());
    }
}

#[test]
fn spike_flags_mark_the_last_step_only() {
    // tau_ref = 0 and a large current: the neuron fires on a regular cadence; the flag
    // after n steps is whether step n itself fired, which the count difference tells.
    let params = LifParams {
        tau_ref: 0.0,
        ..LifParams::default()
    };
    let currents = [3.0, 50.0, 0.5];
    for kernel in Kernel::available() {
        let mut population = CpuPopulation::with_kernel(&params, &currents, kernel).unwrap();
        let mut previous = population.counts();
        for _ in 0..200 {
            population.step(1);
            let counts = population.counts();
            let fired: Vec<u32> = counts.iter().zip(&previous).map(|(a, b)| a - b).collect();
            assert_eq!(population.spiked(), fired, "{} kernel", kernel.name());
            previous = counts;
        }
        assert!(previous[1] > 0 && previous[2] == 0);
    }
}
