//! The block kernels (AVX-512, AVX2, baseline) run the shader's arithmetic on 64
//! neurons at a time: every one of them must give, neuron for neuron, the state of the
//! readable one-neuron `step_euler`.

use gpulif::cpu::{Block, CpuPopulation, Kernel, LANES, NeuronState, step_euler};
use gpulif::params::{EulerConstants, NeuronInputs};
use gpulif::{CpuStepper, LifParams, Run, Stepper};

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
    let mut currents = gpulif::curve::sweep(-1.0, 25.0, 300).unwrap();
    currents.extend(gpulif::curve::sweep(v_th, v_th * 1.001, 157).unwrap());
    currents
}

fn scalar_states(params: &LifParams, currents: &[f64], calls: &[u32]) -> Vec<NeuronState> {
    let constants = EulerConstants::new(params);
    let inputs = NeuronInputs::new(params, currents);
    (0..currents.len())
        .map(|k| {
            let mut state = NeuronState::at_rest(inputs.current[k]);
            for &steps in calls {
                step_euler(
                    &mut state,
                    inputs.current[k],
                    inputs.gap_th[k],
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
            .spike_counts(&run, &currents, &|_| {})
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

#[test]
fn idle_padding_never_fires() {
    let mut block = Block::IDLE;
    let constants = EulerConstants::new(&LifParams::default());
    Kernel::detect().step(&mut block, &constants, 10_000);
    assert_eq!(block.spike_count, [0; LANES]);
}

#[test]
fn every_exact_kernel_matches_the_scalar_exact_step_bit_for_bit() {
    use gpulif::cpu::{ExactBlock, ExactState, step_exact};
    use gpulif::params::ExactConstants;
    for params in params() {
        let c = ExactConstants::new(&params);
        let currents = currents(params.v_th);
        let inputs: Vec<(f32, f32, f32)> = currents
            .iter()
            .map(|&i| {
                let (gap_th, period) = c.inputs(&params, i);
                (i as f32, gap_th, period)
            })
            .collect();
        let calls = [1, 0, 333, 2, 1500];
        let expected: Vec<ExactState> = inputs
            .iter()
            .map(|&(i, gap_th, period)| {
                let mut state = ExactState::at_rest(i);
                for &steps in &calls {
                    step_exact(&mut state, i, gap_th, period, &c, steps);
                }
                state
            })
            .collect();
        assert!(expected.iter().any(|s| s.spike_count > 5));
        for kernel in Kernel::available() {
            for (chunk, expected) in inputs.chunks(LANES).zip(expected.chunks(LANES)) {
                let column =
                    |f: fn(&(f32, f32, f32)) -> f32| chunk.iter().map(f).collect::<Vec<_>>();
                let mut block =
                    ExactBlock::at_rest(&column(|x| x.0), &column(|x| x.1), &column(|x| x.2));
                for &steps in &calls {
                    kernel.step_exact(&mut block, &c, steps);
                }
                for (lane, want) in expected.iter().enumerate() {
                    let got = (
                        block.gap[lane],
                        block.refractory[lane],
                        block.spike_count[lane],
                    );
                    assert_eq!(
                        got,
                        (want.gap, want.refractory, want.spike_count),
                        "{} kernel, {params:?}, I = {}",
                        kernel.name(),
                        chunk[lane].0
                    );
                    assert_eq!(block.spiked[lane], want.spiked);
                }
            }
        }
    }
}
