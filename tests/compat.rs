//! Calls written against 0.1's module paths keep compiling and mean the same: this file
//! fails to build if one of them goes away.

#![allow(deprecated)]

use gpulif::cpu::reference::{FirstOrderLif, ReferenceStepper, spike_count};
use gpulif::cpu::stepper::{CpuStepper, NeuronState, step_euler};
use gpulif::cpu::{ExactLif, Kernel, LANES};
use gpulif::gpu::{PopulationDesc, PopulationOptions};
use gpulif::params::{EulerConstants, LifParams, Run};
use gpulif::{Currents, CurveSpec, Stepper, Sweep};

#[test]
fn the_old_paths_reach_the_same_items() {
    let p = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.2,
        ..LifParams::default()
    };
    let run = Run::new(p, 20.0).unwrap();
    assert_eq!(spike_count(&p, 1.1, run.steps()), 82);
    assert_eq!(FirstOrderLif::new(&p).v, 0.0);
    assert_eq!(ExactLif::new(&p).v, 0.0);
    let mut state = NeuronState::at_rest(1.1);
    step_euler(
        &mut state,
        1.1,
        p.gap_threshold(1.1),
        &EulerConstants::new(&p),
        run.steps(),
    );
    assert_eq!(state.spike_count, 82);
    for stepper in [
        &mut ReferenceStepper as &mut dyn Stepper,
        &mut CpuStepper::with_kernel(Kernel::detect()),
    ] {
        assert_eq!(stepper.spike_counts(&run, &[1.1], &|_| {}).unwrap(), [82]);
    }
    let spec = CurveSpec {
        params: p,
        duration: 20.0,
        currents: Currents::List(vec![1.1]),
        method: gpulif::Method::Euler,
    };
    let old: Sweep = spec.sweep().unwrap();
    assert_eq!(
        old.simulate(&mut CpuStepper::new(), &|_| {})
            .unwrap()
            .counts(),
        [82]
    );
    let currents = [1.1];
    let desc = PopulationDesc::new(&p, &currents);
    assert_eq!((desc.currents.len(), LANES), (1, 64));
    assert_eq!(PopulationOptions::default().max_steps_per_dispatch, None);
}

#[test]
fn the_old_cpu_blocks_still_step() {
    use gpulif::cpu::exact::ExactBlock;
    use gpulif::cpu::kernel::{Block, LaneConstants};
    use gpulif::params::ExactConstants;
    let p = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.2,
        ..LifParams::default()
    };
    let steps = Run::new(p, 20.0).unwrap().steps();
    // Euler: the tutorial's 82 spikes for 1.1, shared and per-lane constants.
    let constants = EulerConstants::new(&p);
    let lanes = LaneConstants {
        decay: [constants.decay; LANES],
        frozen_steps: [constants.frozen_steps; LANES],
    };
    for kernel in Kernel::available() {
        let mut block = Block::at_rest(&[1.1], &[p.gap_threshold(1.1)]);
        kernel.step(&mut block, &constants, steps);
        assert_eq!(block.spike_count[..2], [82, 0]);
        let mut block = Block::at_rest(&[1.1], &[p.gap_threshold(1.1)]);
        kernel.step_each(&mut block, &lanes, steps);
        assert_eq!(block.spike_count[0], 82);
    }
    // Exact: within one spike of floor((T + tau_ref)·r) = 82 for 1.1 (r = 4.1 Hz).
    let c = ExactConstants::new(&p);
    let (gap_th, period) = c.inputs(&p, 1.1);
    let mut block = ExactBlock::at_rest(&[1.1], &[gap_th], &[period]);
    Kernel::detect().step_exact(&mut block, &c, steps);
    let expected = ((20.0 + p.tau_ref) * gpulif::analytic::rate(&p, 1.1)).floor() as u32;
    assert!(block.spike_count[0].abs_diff(expected) <= 1);
    assert_eq!(block.spike_count[1], 0, "idle lanes never fire");
}
