//! The exact method on blocks of neurons: the common cases for all lanes at once,
//! the rest by the scalar step of [`crate::model::exact`].

use super::kernel::LANES;
use crate::model::exact::{ExactConstants, ExactState, exact_step};

/// [`LANES`] neurons of the exact kernel, as struct of arrays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ExactBlock {
    /// Each neuron's gap `u = I − v`.
    pub gap: [f32; LANES],
    /// Refractory time left, seconds.
    pub refractory: [f32; LANES],
    /// Spikes so far.
    pub spike_count: [u32; LANES],
    /// Spikes on the last step.
    pub spiked: [u32; LANES],
    /// Input currents.
    pub current: [f32; LANES],
    /// The current each gap is measured from: when it differs from `current` (the input
    /// changed), the next step first moves the gap so that the voltage stays put.
    pub drive: [f32; LANES],
    /// Gap thresholds ([`ExactConstants::inputs`]); lanes past the neurons never fire.
    pub gap_th: [f32; LANES],
    /// Inter-spike intervals ([`ExactConstants::inputs`]).
    pub period: [f32; LANES],
}

impl ExactBlock {
    /// A block at rest for up to [`LANES`] neurons; the other lanes are idle.
    pub fn at_rest(current: &[f32], gap_th: &[f32], period: &[f32]) -> Self {
        let mut block = ExactBlock {
            gap: [0.0; LANES],
            refractory: [0.0; LANES],
            spike_count: [0; LANES],
            spiked: [0; LANES],
            current: [0.0; LANES],
            drive: [0.0; LANES],
            // A gap of 0 never falls below −1.
            gap_th: [-1.0; LANES],
            period: [f32::MAX; LANES],
        };
        let n = current.len();
        block.current[..n].copy_from_slice(current);
        block.gap[..n].copy_from_slice(current);
        block.drive[..n].copy_from_slice(current);
        block.gap_th[..n].copy_from_slice(gap_th);
        block.period[..n].copy_from_slice(period);
        block
    }
}

/// Advances a block by `steps` exact steps: [`step_exact`] on every lane, with the two
/// common cases (a whole step integrated without reaching threshold, a whole step
/// refractory) done for all lanes at once, and each remaining lane — a spike, or the
/// end of a refractory period — by the scalar step. The same operations as
/// [`step_exact`], so the same results bit for bit.
#[inline(always)]
pub(crate) fn step_exact_block(block: &mut ExactBlock, c: &ExactConstants, steps: u32) {
    apply_currents(block, steps);
    let (decay, dt) = (c.decay, c.dt);
    for _ in 0..steps {
        let mut slow = [false; LANES];
        for (lane, slow) in slow.iter_mut().enumerate() {
            let r = block.refractory[lane];
            let u = block.gap[lane];
            let relaxed = u * decay;
            let th = block.gap_th[lane];
            let whole = r >= dt;
            let simple = (r == 0.0) & ((th <= 0.0) | (relaxed >= th));
            block.gap[lane] = if simple { relaxed } else { u };
            block.refractory[lane] = if whole { r - dt } else { r };
            block.spiked[lane] = 0;
            *slow = !(simple | whole);
        }
        // The slow lanes as a bit mask, visited lowest first.
        let mut mask = slow
            .iter()
            .enumerate()
            .fold(0u64, |mask, (lane, &s)| mask | (u64::from(s) << lane));
        while mask != 0 {
            let lane = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let mut state = ExactState {
                gap: block.gap[lane],
                refractory: block.refractory[lane],
                spike_count: 0,
                spiked: 0,
            };
            let spikes = exact_step(
                &mut state,
                block.current[lane],
                block.gap_th[lane],
                block.period[lane],
                c,
            );
            block.gap[lane] = state.gap;
            block.refractory[lane] = state.refractory;
            block.spike_count[lane] = block.spike_count[lane].wrapping_add(spikes);
            block.spiked[lane] = spikes;
        }
    }
}

/// Moves each gap whose current changed so that the voltage stays continuous, as the
/// exact shader does at the start of a dispatch (nothing when no step follows).
#[inline(always)]
fn apply_currents(block: &mut ExactBlock, steps: u32) {
    if steps == 0 {
        return;
    }
    for lane in 0..LANES {
        if block.drive[lane] != block.current[lane] {
            block.gap[lane] = block.current[lane] - (block.drive[lane] - block.gap[lane]);
            block.drive[lane] = block.current[lane];
        }
    }
}

/// Advances a block whose lanes have their own constants by `steps` exact steps, lane
/// by lane with the scalar step: the same operations as
/// [`step_exact`](crate::model::exact::step_exact) for each neuron.
pub(crate) fn step_exact_lanes(
    block: &mut ExactBlock,
    lanes: &[ExactConstants; LANES],
    steps: u32,
) {
    apply_currents(block, steps);
    for (lane, c) in lanes.iter().enumerate() {
        let mut state = ExactState {
            gap: block.gap[lane],
            refractory: block.refractory[lane],
            spike_count: block.spike_count[lane],
            spiked: block.spiked[lane],
        };
        for _ in 0..steps {
            let spikes = exact_step(
                &mut state,
                block.current[lane],
                block.gap_th[lane],
                block.period[lane],
                c,
            );
            state.spike_count = state.spike_count.wrapping_add(spikes);
            state.spiked = spikes;
        }
        block.gap[lane] = state.gap;
        block.refractory[lane] = state.refractory;
        block.spike_count[lane] = state.spike_count;
        block.spiked[lane] = state.spiked;
    }
}
