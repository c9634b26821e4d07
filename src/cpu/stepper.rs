//! The float32 CPU backend: `shaders/lif_euler.wgsl` mirrored in Rust, with the same
//! names and the same order of operations, so that its spike counts are bit-identical
//! to the GPU's (multiplies and compares only; Rust never fuses them).

use rayon::prelude::*;

use super::{NEURONS_PER_TASK, cpu_description};
use crate::backend::{BackendKind, Progress, Stepper};
use crate::error::Result;
use crate::params::{EulerConstants, NeuronInputs, Run};

/// One neuron's state between dispatches, as the shader keeps it in its storage
/// buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronState {
    /// The gap `u = I − v` between the input current and the voltage.
    pub gap: f32,
    /// Steps left in the refractory period.
    pub refractory_left: u32,
    /// Spikes so far.
    pub spike_count: u32,
}

impl NeuronState {
    /// A neuron at rest (`v = 0`, so `u = I`), not refractory, no spikes.
    pub fn at_rest(current: f32) -> Self {
        NeuronState {
            gap: current,
            refractory_left: 0,
            spike_count: 0,
        }
    }
}

/// Advances one neuron by `steps` Euler steps: the body of `step_euler` in
/// `shaders/lif_euler.wgsl`.
pub fn step_euler(
    state: &mut NeuronState,
    current: f32,
    gap_th: f32,
    constants: &EulerConstants,
    steps: u32,
) {
    let mut u = state.gap;
    let mut left = state.refractory_left;
    let mut spikes = state.spike_count;
    for _ in 0..steps {
        if left > 0 {
            left -= 1;
        } else {
            u *= constants.decay;
            if u < gap_th {
                u = current;
                left = constants.frozen_steps;
                spikes += 1;
            }
        }
    }
    *state = NeuronState {
        gap: u,
        refractory_left: left,
        spike_count: spikes,
    };
}

/// The float32 CPU backend, on all of rayon's threads.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuStepper;

impl Stepper for CpuStepper {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn device(&self) -> String {
        cpu_description()
    }

    fn spike_counts(
        &mut self,
        run: &Run,
        currents: &[f64],
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        let inputs = NeuronInputs::new(run.params(), currents);
        let constants = run.constants();
        let mut counts = vec![0; currents.len()];
        counts
            .par_chunks_mut(NEURONS_PER_TASK)
            .zip(inputs.current.par_chunks(NEURONS_PER_TASK))
            .zip(inputs.gap_th.par_chunks(NEURONS_PER_TASK))
            .for_each(|((counts, current), gap_th)| {
                for ((count, &current), &gap_th) in counts.iter_mut().zip(current).zip(gap_th) {
                    let mut state = NeuronState::at_rest(current);
                    step_euler(&mut state, current, gap_th, constants, run.steps());
                    *count = state.spike_count;
                }
                progress(current.len() as u64 * u64::from(run.steps()));
            });
        Ok(counts)
    }
}
