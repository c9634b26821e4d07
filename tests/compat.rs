//! The migration lines of the CHANGELOG's 0.3.0 **Breaking** section, each written out
//! as the code a 0.2 caller moves to: this file fails to build, or to count the
//! tutorial's 82 spikes, if one of them stops being true.

use gpulif::backend::cpu::{Kernel, LANES};
use gpulif::experiment::bench::{Workload, measure};
use gpulif::experiment::curve::CurveRun;
use gpulif::model::euler::{EulerConstants, NeuronState, step_euler};
use gpulif::model::reference::{FirstOrderLif, spike_count};

use gpulif::{
    CpuStepper, Currents, CurveSpec, LifParams, Method, NeuronParams, Noise, PopulationDesc,
    ReferenceStepper, Run, RunSpec, Stepper, Trace,
};

/// The tutorial's neuron of `trace` (tau_rc 0.02 s, tau_ref 0.2 s) over 20 s, and the
/// 82 spikes it fires at 1.1.
fn tutorial() -> (LifParams, Run) {
    let p = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.2,
        ..LifParams::default()
    };
    (p, Run::new(p, 20.0).unwrap())
}

#[test]
fn model_items_are_reached_through_model() {
    // gpulif::params::X → gpulif::model::params::X (and gpulif::X at the root);
    // gpulif::cpu::{NeuronState, step_euler} → gpulif::model::euler::…;
    // gpulif::cpu::reference::… → gpulif::model::reference::….
    let (p, run) = tutorial();
    assert_eq!(spike_count(&p, 1.1, run.steps()), 82);
    assert_eq!(FirstOrderLif::new(&p).v, 0.0);
    let mut state = NeuronState::at_rest(1.1);
    step_euler(
        &mut state,
        1.1,
        p.gap_threshold(1.1),
        &EulerConstants::new(&p),
        run.steps(),
    );
    assert_eq!(state.spike_count, 82);
    assert_eq!(LANES, 64);
}

#[test]
fn one_simulate_for_every_input() {
    // stepper.spike_counts(&run, &currents, p) and stepper.simulate(&run, &currents,
    // &each, p) → stepper.simulate(&PopulationDesc::for_run(&run, &currents, each),
    // run.steps(), p); simulate_desc → simulate.
    let (_, run) = tutorial();
    for stepper in [
        &mut ReferenceStepper as &mut dyn Stepper,
        &mut CpuStepper::with_kernel(Kernel::detect()),
    ] {
        let desc = PopulationDesc::for_run(&run, &[1.1], NeuronParams::SHARED);
        assert_eq!(stepper.simulate(&desc, run.steps(), &|_| {}).unwrap(), [82]);
        // population(&run, &currents, &each) and population_of(&desc) → population(&desc).
        let mut population = stepper.population(&desc).unwrap();
        population.advance(run.steps(), &|_| {}).unwrap();
        assert_eq!(population.counts().unwrap(), [82]);
    }
}

#[test]
fn curves_traces_and_benchmarks_have_one_entry_each() {
    let (p, run) = tutorial();
    // Sweep → CurveRun; spec.sweep() → spec.prepare().
    let spec = CurveSpec {
        run: RunSpec {
            params: p,
            method: Method::Euler,
            duration: 20.0,
            ..RunSpec::default()
        },
        currents: Currents::List(vec![1.1]),
        ..CurveSpec::default()
    };
    let prepared: CurveRun = spec.prepare().unwrap();
    let curve = prepared.simulate(&mut CpuStepper::new(), &|_| {}).unwrap();
    assert_eq!(curve.counts(), [82]);
    // Trace::cpu(&run, &currents) and Trace::record_desc(stepper, &run, &desc) →
    // Trace::record(stepper, &run, &desc).
    let desc = PopulationDesc::for_run(&run, &[1.1], NeuronParams::SHARED);
    let trace = Trace::record(&mut CpuStepper::new(), &run, &desc).unwrap();
    assert_eq!(trace.count(0), 82);
    // measure_noisy(stepper, &workload, noise, runs) and measure_cpu(&workload, kernel,
    // runs) → measure(stepper, &Workload { noise, .. }, runs).
    let workload = Workload {
        params: p,
        neurons: 3,
        steps: run.steps(),
        i_min: 1.1,
        i_max: 1.1,
        noise: Noise::NONE,
        ..Workload::default()
    };
    let measured = measure(&mut CpuStepper::new(), &workload, 1).unwrap();
    assert_eq!(measured.counts, [82, 82, 82]);
}
