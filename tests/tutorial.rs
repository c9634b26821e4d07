//! The tutorial's printed numbers, on every backend.
//!
//! `plotSpikes(FirstOrderLIF(tau_rc=0.02, tau_ref=0.2), duration=20, t_step=0.001, I)`
//! prints 39, 82, 99, 100 and 0 spikes for I = 1.0000001, 1.1, 10, 100 and 0.8.

mod common;

use gpulif::model::reference::{FirstOrderLif, spike_count};
use gpulif::{CpuStepper, LifParams, ReferenceStepper, Run, Stepper};
use gpulif::{NeuronParams, PopulationDesc};

const CURRENTS: [f64; 5] = [1.0000001, 1.1, 10.0, 100.0, 0.8];
const SPIKES: [u32; 5] = [39, 82, 99, 100, 0];

fn tutorial_run() -> Run {
    let params = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.2,
        ..LifParams::default()
    };
    Run::new(params, 20.0).expect("the tutorial's run is valid")
}

fn check(stepper: &mut dyn Stepper) {
    let counts = stepper
        .simulate(
            &PopulationDesc::for_run(&tutorial_run(), &CURRENTS, NeuronParams::SHARED),
            tutorial_run().steps(),
            &|_| {},
        )
        .expect("the run succeeds");
    for ((current, got), want) in CURRENTS.iter().zip(&counts).zip(SPIKES) {
        assert_eq!(
            *got,
            want,
            "{} backend: an input of {current} should produce {want} spikes in 20 seconds",
            stepper.kind()
        );
    }
}

#[test]
fn reference_reproduces_the_tutorial() {
    check(&mut ReferenceStepper);
}

#[test]
fn cpu_backend_reproduces_the_tutorial() {
    check(&mut CpuStepper::new());
}

#[test]
fn gpu_backend_reproduces_the_tutorial() {
    let Some(mut gpu) = common::gpu_stepper(Default::default()) else {
        return;
    };
    check(&mut gpu);
}

#[test]
fn reference_neuron_outputs_spikes_as_the_tutorial_does() {
    let params = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.2,
        ..LifParams::default()
    };
    let mut neuron = FirstOrderLif::new(&params);
    let outputs: Vec<f64> = (0..20_000).map(|_| neuron.step(1.1, 0.001)).collect();
    let spikes: Vec<usize> = (0..outputs.len()).filter(|&k| outputs[k] > 0.0).collect();
    assert_eq!(spikes.len(), 82);
    // A spike is 1/t_step on one step; every other step outputs 0.
    assert!(spikes.iter().all(|&k| outputs[k] == 1000.0));
    // After each spike the neuron is frozen for 199 steps (the float64 countdown), so
    // spikes are at least 200 steps apart.
    assert!(spikes.windows(2).all(|w| w[1] - w[0] >= 200));
    assert_eq!(spike_count(&params, 1.1, 20_000), 82);
}

#[test]
fn a_naive_float32_step_never_fires_at_1_0000001() {
    // Why the kernels integrate the gap I − v: the tutorial's step in plain float32 has
    // its fixed point below the threshold (0.99999946 < 1) and stays silent, where
    // float64 fires 39 times.
    let (tau_rc, dt, current) = (0.02f32, 0.001f32, 1.0000001f32);
    let mut v = 0.0f32;
    let mut spikes = 0;
    for _ in 0..20_000 {
        v = v * (1.0 - dt / tau_rc) + current * dt / tau_rc;
        if v > 1.0 {
            spikes += 1;
            v = 0.0;
        }
    }
    assert_eq!(spikes, 0, "naive float32 reached {v}");
}
