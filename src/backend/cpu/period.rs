//! Counting from the period on the CPU: a block's counts after a run from rest
//! ([`count_block`]) and a block advanced from any state ([`advance_block`]), each the
//! state `step_block` in the kernel leaves, bit for bit, at the cost of a few of each
//! lane's intervals. Always inlined into the kernel's `#[target_feature]` copies.

use super::LANES;
use super::kernel::{Block, Constants, apply_currents, lane_step};

/// The counts of a block at rest (each gap its current, not refractory, no spikes)
/// after `steps` steps of `step_block`, in closed form.
///
/// Under a constant current the float32 state after every spike is the same (the gap
/// back at the current, the refractory countdown at `frozen`), so a lane that first
/// fires on step `n` fires again every `frozen + n` steps, and after `steps` steps has
/// fired `1 + (steps − n) div (frozen + n)` times. The lanes are stepped together, with
/// `lane_step`'s multiply and compare, until each has fired once or is known never to
/// fire: its gap at or above zero with a threshold at or below zero (the gap stays at
/// or above zero), or a step that neither fires nor moves it toward the threshold (a
/// gap that no longer changes, or a negative one, which only rises). The cost is the
/// block's longest first interval, not `steps`.
#[inline(always)]
pub(super) fn count_block<C: Constants>(block: &Block, constants: &C, steps: u32) -> [u32; LANES] {
    let decay: [f32; LANES] = std::array::from_fn(|lane| constants.decay(lane));
    let frozen: [u32; LANES] = std::array::from_fn(|lane| constants.frozen_steps(lane));
    let gap_th = block.gap_th;
    let mut u = block.gap;
    let mut first = [0u32; LANES];
    let mut open: [bool; LANES] =
        std::array::from_fn(|lane| !(u[lane] >= 0.0 && gap_th[lane] <= 0.0));
    let mut step = 0;
    while step < steps && open.iter().any(|&o| o) {
        step += 1;
        for lane in 0..LANES {
            let next = u[lane] * decay[lane];
            let fire = open[lane] & (next < gap_th[lane]);
            let never = !fire & ((next == u[lane]) | (next < 0.0));
            first[lane] = if fire { step } else { first[lane] };
            open[lane] &= !fire & !never;
            u[lane] = next;
        }
    }
    std::array::from_fn(|lane| periodic_count(steps, first[lane], frozen[lane]))
}

/// The spikes in `steps` steps of a neuron that first fires on step `first` (0: never)
/// and then every `frozen + first` steps. The period is formed in 64 bits: it exceeds
/// `u32::MAX` when a neuron first fires within `frozen` steps of the end of a run of
/// nearly 2³² steps.
#[inline(always)]
fn periodic_count(steps: u32, first: u32, frozen: u32) -> u32 {
    if first == 0 {
        return 0;
    }
    let period = u64::from(frozen) + u64::from(first);
    1 + (u64::from(steps - first) / period) as u32
}

/// Advances a block from any state by `steps` steps of `step_block` under its
/// constant currents, in closed form: the state it leaves (gaps, refractory countdowns,
/// counts, last-step spikes) is the one stepping leaves, bit for bit.
///
/// A spike leaves a lane in the same state every time (its gap at the current, its
/// countdown at `frozen`), so a lane is periodic from its first spike on. The lanes
/// are stepped together, as `step_block` steps them, until each has fired once or
/// settled (not refractory, its gap unchanged by a step: it stays so and never fires),
/// or the steps run out. A lane that fired on step `f` then fires every `frozen + n`
/// steps, `n` the decays from its current to below the threshold (found as
/// [`count_block`] finds a first spike), so its count is arithmetic, and its state at
/// the end is `r` steps after a spike, `r` what is left of the last period: its
/// countdown `frozen − r` (at least 0), its gap the current decayed `r − frozen` times
/// (at least 0). Each phase runs every lane through the same instructions, a few at a
/// time, so that they share vector registers; the cost is the slowest lane's first
/// interval and two of its periods, at most three times `steps`.
#[inline(always)]
pub(super) fn advance_block<C: Constants>(block: &mut Block, constants: &C, steps: u32) {
    if steps == 0 {
        return;
    }
    let decay: [f32; LANES] = std::array::from_fn(|lane| constants.decay(lane));
    let frozen: [u32; LANES] = std::array::from_fn(|lane| constants.frozen_steps(lane));
    apply_currents(block);
    let current = block.current;
    let gap_th = block.gap_th;
    let mut u = block.gap;
    let mut left = block.refractory_left;
    let mut spikes = block.spike_count;
    let mut fired = [false; LANES];
    // Stepped, until every lane has fired (`first`: the step of its first spike) or
    // settled.
    let mut first = [0u32; LANES];
    let mut settled = [false; LANES];
    let mut step = 0;
    while step < steps && (0..LANES).any(|lane| first[lane] == 0 && !settled[lane]) {
        for _ in 0..LOOK_EVERY.min(steps - step) {
            step += 1;
            for lane in 0..LANES {
                let (u0, left0) = (u[lane], left[lane]);
                let fire = lane_step(
                    &mut u[lane],
                    &mut left[lane],
                    &mut spikes[lane],
                    current[lane],
                    gap_th[lane],
                    decay[lane],
                    frozen[lane],
                );
                fired[lane] = fire;
                first[lane] = if fire & (first[lane] == 0) {
                    step
                } else {
                    first[lane]
                };
                settled[lane] |= !fire & (left0 == 0) & (u[lane] == u0);
            }
        }
    }
    // From a lane's first spike: the decays `n` to its next one, where that falls
    // within the steps left (`n` stays 0 where it does not).
    let to_go: [u32; LANES] = std::array::from_fn(|lane| steps - first[lane]);
    let mut open: [bool; LANES] =
        std::array::from_fn(|lane| (first[lane] != 0) & (to_go[lane] > 0));
    let mut n = [0u32; LANES];
    let mut v = current;
    let mut decays = 0u32;
    while open.iter().any(|&o| o) {
        for _ in 0..LOOK_EVERY {
            decays += 1;
            for lane in 0..LANES {
                let next = v[lane] * decay[lane];
                let fire = open[lane] & (next < gap_th[lane]);
                let beyond = u64::from(frozen[lane]) + u64::from(decays) > u64::from(to_go[lane]);
                let never = !fire & ((next == v[lane]) | (next < 0.0) | beyond);
                n[lane] = if fire { decays } else { n[lane] };
                open[lane] &= !fire & !never;
                v[lane] = next;
            }
        }
    }
    // The whole periods counted; the last, partial one: `rest` steps after a spike, of
    // which the first `frozen` are refractory and the others decay the gap.
    let mut gap_decays = [0u32; LANES];
    for lane in 0..LANES {
        if first[lane] == 0 {
            continue;
        }
        let period = u64::from(frozen[lane]) + u64::from(n[lane]);
        let (whole, rest) = if n[lane] != 0 && period <= u64::from(to_go[lane]) {
            let to_go = u64::from(to_go[lane]);
            ((to_go / period) as u32, (to_go % period) as u32)
        } else {
            (0, to_go[lane])
        };
        spikes[lane] = block.spike_count[lane].wrapping_add(1).wrapping_add(whole);
        left[lane] = frozen[lane].saturating_sub(rest);
        gap_decays[lane] = rest.saturating_sub(frozen[lane]);
        fired[lane] = rest == 0;
        u[lane] = current[lane];
    }
    // The gaps of those lanes, the current decayed `gap_decays` times (or until it no
    // longer changes).
    let mut open: [bool; LANES] = std::array::from_fn(|lane| gap_decays[lane] > 0);
    let mut v = current;
    let mut decays = 0u32;
    while open.iter().any(|&o| o) {
        for _ in 0..LOOK_EVERY {
            decays += 1;
            for lane in 0..LANES {
                let next = v[lane] * decay[lane];
                u[lane] = if open[lane] { next } else { u[lane] };
                open[lane] &= (decays < gap_decays[lane]) & (next != v[lane]);
                v[lane] = next;
            }
        }
    }
    block.gap = u;
    block.refractory_left = left;
    block.spike_count = spikes;
    block.spiked = fired.map(u32::from);
}

/// Steps [`advance_block`]'s phases run between two looks at whether every lane is
/// done.
const LOOK_EVERY: u32 = 16;

#[cfg(test)]
mod tests {
    use super::periodic_count;

    #[test]
    fn a_period_past_u32_counts_one_spike() {
        // A first spike 10 steps before the end of a run of 2³² − 1 steps, a refractory
        // period of 10⁸ steps: one spike (a 32-bit period would wrap and count more).
        assert_eq!(periodic_count(u32::MAX, u32::MAX - 10, 100_000_000), 1);
        assert_eq!(periodic_count(1000, 0, 5), 0);
        assert_eq!(periodic_count(1000, 10, 5), 1 + 990 / 15);
    }
}
