//! The exact method on blocks of neurons: every lane's countdown at once, branch-free,
//! in 32-bit words as `shaders/lif_exact.wgsl` holds it; a block with a lane that the
//! common step does not cover (a period shorter than a step, a neuron below threshold
//! that is still refractory) takes the scalar step of [`crate::model::exact`] for that
//! run of steps. Both give the same results bit for bit.

use super::LANES;
use crate::model::exact::{
    ExactCountdown, ExactLane, ExactTimes, count_down, count_down_steps, reckon, settle,
};

/// [`LANES`] neurons of the exact kernel, as struct of arrays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct CountdownBlock {
    /// Each neuron's gap `u = I − v` (formed from the countdown after each run of steps
    /// for a neuron above threshold).
    pub gap: [f32; LANES],
    /// Refractory time left, seconds (likewise).
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
    /// The countdown to each neuron's next spike ([`ExactTimes`]), low and high words.
    pub due_lo: [u32; LANES],
    pub due_hi: [u32; LANES],
    /// Each neuron's period, low and high words.
    pub period_lo: [u32; LANES],
    pub period_hi: [u32; LANES],
    /// Each neuron's countdown at rest.
    pub rest: [u64; LANES],
    /// 1 where the neuron fires under its current, 0 where it never does (and in the
    /// lanes past the neurons).
    pub tick: [u32; LANES],
}

impl CountdownBlock {
    /// A block at rest for up to [`LANES`] neurons; the other lanes are idle.
    pub fn at_rest(current: &[f32], times: &[ExactTimes]) -> Self {
        let mut block = CountdownBlock {
            gap: [0.0; LANES],
            refractory: [0.0; LANES],
            spike_count: [0; LANES],
            spiked: [0; LANES],
            current: [0.0; LANES],
            drive: [0.0; LANES],
            due_lo: [0; LANES],
            due_hi: [0; LANES],
            period_lo: [0; LANES],
            period_hi: [0; LANES],
            rest: [0; LANES],
            tick: [0; LANES],
        };
        block.set_inputs(current, times);
        block.drive = block.current;
        block.reset();
        block
    }

    /// New currents and their times for the first `current.len()` lanes; the next step
    /// moves the gaps and reckons the countdowns.
    pub fn set_inputs(&mut self, current: &[f32], times: &[ExactTimes]) {
        for (lane, (&i, t)) in current.iter().zip(times).enumerate() {
            let t = if t.fires() { *t } else { ExactTimes::NEVER };
            self.current[lane] = i;
            self.period_lo[lane] = t.period as u32;
            self.period_hi[lane] = (t.period >> 32) as u32;
            self.rest[lane] = t.rest;
            self.tick[lane] = u32::from(t.fires());
        }
        for lane in current.len()..LANES {
            self.rest[lane] = ExactTimes::NEVER.rest;
        }
    }

    /// Every neuron at rest under its current, counts zero.
    pub fn reset(&mut self) {
        self.gap = self.current;
        self.drive = self.current;
        self.refractory = [0.0; LANES];
        self.spike_count = [0; LANES];
        self.spiked = [0; LANES];
        for lane in 0..LANES {
            self.set_due(lane, self.rest[lane]);
        }
    }

    fn due(&self, lane: usize) -> u64 {
        u64::from(self.due_hi[lane]) << 32 | u64::from(self.due_lo[lane])
    }

    fn set_due(&mut self, lane: usize, due: u64) {
        self.due_lo[lane] = due as u32;
        self.due_hi[lane] = (due >> 32) as u32;
    }

    /// Lane `lane`'s times (those of an idle lane never fire).
    pub(crate) fn times(&self, lane: usize) -> ExactTimes {
        ExactTimes {
            rest: self.rest[lane],
            period: u64::from(self.period_hi[lane]) << 32 | u64::from(self.period_lo[lane]),
        }
    }

    /// Moves each gap whose current changed so that the voltage stays continuous, and
    /// reckons the countdown of each neuron above threshold whose current changed (or
    /// that crossed threshold without a change in its float32 current), as the shader
    /// does at the start of a dispatch.
    #[inline(always)]
    fn take_currents(&mut self, lanes: &impl Fn(usize) -> ExactLane) {
        for lane in 0..LANES {
            let mut stale = self.due_hi[lane] == u32::MAX;
            if self.drive[lane] != self.current[lane] {
                self.gap[lane] = self.current[lane] - (self.drive[lane] - self.gap[lane]);
                self.drive[lane] = self.current[lane];
                stale = true;
            }
            if self.tick[lane] == 0 {
                self.set_due(lane, ExactTimes::NEVER.rest);
            } else if stale {
                let due = reckon(
                    self.gap[lane],
                    self.refractory[lane],
                    self.current[lane],
                    self.rest[lane],
                    &lanes(lane),
                );
                self.set_due(lane, due);
                self.refractory[lane] = 0.0;
            }
        }
    }

    /// True when the common step covers every lane for the next steps: each neuron above
    /// threshold fires at most once a step, and none below threshold is refractory.
    #[inline(always)]
    fn is_common(&self) -> bool {
        (0..LANES).all(|lane| {
            if self.tick[lane] == 1 {
                self.period_hi[lane] != 0
            } else {
                self.refractory[lane] == 0.0
            }
        })
    }

    /// Forms the gap and refractory time of each neuron above threshold from its
    /// countdown: one `exp` a neuron, all lanes at once.
    #[inline(always)]
    fn settle(&mut self, lanes: &impl Fn(usize) -> ExactLane) {
        for lane in 0..LANES {
            let (gap, refractory) = settle(
                self.due(lane),
                self.rest[lane],
                self.current[lane],
                &lanes(lane),
            );
            let fires = self.tick[lane] == 1;
            self.gap[lane] = if fires { gap } else { self.gap[lane] };
            self.refractory[lane] = if fires {
                refractory
            } else {
                self.refractory[lane]
            };
        }
    }
}

/// Advances a block by `steps` exact steps, every lane with `lanes(lane)`'s constants:
/// the common step for all lanes at once when it covers them, else
/// [`ExactCountdown`]'s step lane by lane. The same operations either way, so the same
/// results bit for bit.
#[inline(always)]
pub(crate) fn step_countdown_block(
    block: &mut CountdownBlock,
    lanes: impl Fn(usize) -> ExactLane,
    steps: u32,
) {
    if steps == 0 {
        return;
    }
    block.take_currents(&lanes);
    if block.is_common() {
        let decay: [f32; LANES] = std::array::from_fn(|lane| lanes(lane).decay);
        for _ in 0..steps {
            common_step(block, &decay);
        }
    } else {
        for lane in 0..LANES {
            let times = block.times(lane);
            let constants = lanes(lane);
            let mut neuron = ExactCountdown {
                due: block.due(lane),
                gap: block.gap[lane],
                refractory: block.refractory[lane],
            };
            for _ in 0..steps {
                let spikes = neuron.step(&times, &constants);
                block.spike_count[lane] = block.spike_count[lane].wrapping_add(spikes);
                block.spiked[lane] = spikes;
            }
            block.set_due(lane, neuron.due);
            block.gap[lane] = neuron.gap;
            block.refractory[lane] = neuron.refractory;
        }
    }
    block.settle(&lanes);
}

/// Advances a block from any state by `steps` exact steps under its constant currents,
/// in closed form: [`step_countdown_block`]'s state (countdowns, gaps, refractory
/// times, counts, last-step spikes), bit for bit.
///
/// A neuron above threshold fires at its countdown and every period after it, so all
/// its steps but the last are one division ([`count_down_steps`]) and the last is
/// [`count_down`], for the spikes on it. A neuron below threshold is stepped with
/// [`ExactCountdown`]'s step until its refractory period ends; then its gap decays,
/// all such lanes together, until the steps run out or it no longer changes (it stays
/// so).
#[inline(always)]
pub(crate) fn advance_countdown_block(
    block: &mut CountdownBlock,
    lanes: impl Fn(usize) -> ExactLane,
    steps: u32,
) {
    if steps == 0 {
        return;
    }
    block.take_currents(&lanes);
    // The decays each lane below threshold has left once it is not refractory.
    let mut budget = [0u32; LANES];
    #[allow(clippy::needless_range_loop)] // one lane of the block's arrays at a time
    for lane in 0..LANES {
        let times = block.times(lane);
        let mut due = block.due(lane);
        if block.tick[lane] == 1 {
            let spikes = count_down_steps(&mut due, times.period, steps - 1) as u32;
            let last = count_down(&mut due, times.period);
            block.spike_count[lane] = block.spike_count[lane]
                .wrapping_add(spikes)
                .wrapping_add(last);
            block.spiked[lane] = last;
            block.set_due(lane, due);
            continue;
        }
        let constants = lanes(lane);
        let mut neuron = ExactCountdown {
            due,
            gap: block.gap[lane],
            refractory: block.refractory[lane],
        };
        let mut step = 0;
        while step < steps && neuron.refractory != 0.0 {
            neuron.step(&times, &constants);
            step += 1;
        }
        block.gap[lane] = neuron.gap;
        block.refractory[lane] = neuron.refractory;
        block.spiked[lane] = 0;
        budget[lane] = steps - step;
    }
    let decay: [f32; LANES] = std::array::from_fn(|lane| lanes(lane).decay);
    let mut open: [bool; LANES] = std::array::from_fn(|lane| budget[lane] > 0);
    let mut gap = block.gap;
    let mut decays = 0u32;
    while open.iter().any(|&o| o) {
        for _ in 0..LOOK_EVERY {
            decays += 1;
            for lane in 0..LANES {
                let next = gap[lane] * decay[lane];
                let changed = next != gap[lane];
                gap[lane] = if open[lane] { next } else { gap[lane] };
                open[lane] &= (decays < budget[lane]) & changed;
            }
        }
    }
    block.gap = gap;
    block.settle(&lanes);
}

/// Decays [`advance_countdown_block`] runs between two looks at whether every lane is
/// done.
const LOOK_EVERY: u32 = 16;

/// One step of every lane, branch-free: a neuron below threshold multiplies its gap by
/// the decay (so does one above, whose gap is formed again when the run ends); one above
/// counts down a step, and when its countdown was below a step it fires and adds its
/// period (at least a step, so one spike).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // one lane of nine arrays at a time
fn common_step(block: &mut CountdownBlock, decay: &[f32; LANES]) {
    for lane in 0..LANES {
        block.gap[lane] *= decay[lane];
        let fire = block.due_hi[lane] == 0;
        let lo = block.due_lo[lane];
        let sum = lo.wrapping_add(block.period_lo[lane]);
        let carry = u32::from(sum < lo);
        block.due_lo[lane] = if fire { sum } else { lo };
        let add = if fire {
            block.period_hi[lane] + carry
        } else {
            0
        };
        block.due_hi[lane] = block.due_hi[lane]
            .wrapping_add(add)
            .wrapping_sub(block.tick[lane]);
        block.spiked[lane] = u32::from(fire);
        block.spike_count[lane] = block.spike_count[lane].wrapping_add(u32::from(fire));
    }
}

/// The state of lane `lane` as the scalar API holds it.
#[cfg(test)]
pub(crate) fn lane_state(block: &CountdownBlock, lane: usize) -> crate::model::exact::ExactState {
    crate::model::exact::ExactState {
        gap: block.gap[lane],
        refractory: block.refractory[lane],
        spike_count: block.spike_count[lane],
        spiked: block.spiked[lane],
    }
}
