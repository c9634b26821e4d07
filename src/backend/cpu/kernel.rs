//! The fast float32 CPU kernel: the body of `shaders/lif_euler.wgsl` applied to blocks
//! of [`LANES`] neurons at once, branch-free, with the block's state in registers for
//! all of its steps.
//!
//! The arithmetic is the shader's, operation for operation (one multiply and two
//! compares per step, the rest selects and integer adds), so the counts are
//! bit-identical to the GPU's and to the scalar [`step_euler`](crate::model::euler::step_euler). Only the speed
//! differs between the instruction sets: the same generic loop is compiled three
//! times, for AVX-512, for AVX2 and for the target's baseline, and the best one the
//! processor supports is chosen at run time.

use super::LANES;
use super::exact_block::{CountdownBlock, advance_countdown_block, step_countdown_block};
use super::period::{advance_block, count_block};
use crate::model::euler::EulerConstants;
use crate::model::exact::ExactLane;

/// One block of neurons, as struct of arrays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Block {
    /// Each neuron's gap `u = I − v`.
    pub gap: [f32; LANES],
    /// Steps left in each neuron's refractory period.
    pub refractory_left: [u32; LANES],
    /// Spikes so far.
    pub spike_count: [u32; LANES],
    /// Whether each neuron spiked on the most recent step (0 or 1).
    pub spiked: [u32; LANES],
    /// The current each gap is measured from. When it differs from `current` (the
    /// input changed), the next step first moves the gap so that the voltage
    /// `drive − gap` stays where it was.
    pub drive: [f32; LANES],
    /// Each neuron's input current, `f32`.
    pub current: [f32; LANES],
    /// Each neuron's gap threshold ([`crate::LifParams::gap_threshold`]).
    pub gap_th: [f32; LANES],
}

impl Block {
    /// A block whose lanes never spike: the padding of a last, partial block.
    pub const IDLE: Block = Block {
        gap: [0.0; LANES],
        refractory_left: [0; LANES],
        spike_count: [0; LANES],
        spiked: [0; LANES],
        drive: [0.0; LANES],
        current: [0.0; LANES],
        // u = 0 never falls below −1.
        gap_th: [-1.0; LANES],
    };

    /// A block at rest (`v = 0`, so `u = I`) for these inputs; lanes past their end
    /// are idle.
    pub fn at_rest(current: &[f32], gap_th: &[f32]) -> Block {
        let mut block = Block::IDLE;
        block.current[..current.len()].copy_from_slice(current);
        block.gap[..current.len()].copy_from_slice(current);
        block.drive[..current.len()].copy_from_slice(current);
        block.gap_th[..gap_th.len()].copy_from_slice(gap_th);
        block
    }
}

/// The instruction set a kernel was compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// x86-64 with AVX-512 (F, BW, VL, DQ): 16 neurons per instruction, mask registers.
    Avx512,
    /// x86-64 with AVX2: 8 neurons per instruction.
    Avx2,
    /// The compilation target's baseline (SSE2 on x86-64, NEON on aarch64).
    Baseline,
}

impl Kernel {
    /// The fastest kernel this processor runs.
    pub fn detect() -> Kernel {
        Kernel::available()[0]
    }

    /// Every kernel this processor runs, fastest first; [`Kernel::Baseline`] always.
    pub fn available() -> Vec<Kernel> {
        [Kernel::Avx512, Kernel::Avx2, Kernel::Baseline]
            .into_iter()
            .filter(|k| k.is_supported())
            .collect()
    }

    /// Whether this processor runs this kernel (the feature checks are cached by the
    /// standard library, so this is cheap enough to ask before every block).
    pub fn is_supported(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512dq")
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx512 | Kernel::Avx2 => false,
            Kernel::Baseline => true,
        }
    }

    /// A short name for reports: `avx512`, `avx2` or `baseline`.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Avx512 => "avx512",
            Kernel::Avx2 => "avx2",
            Kernel::Baseline => "baseline",
        }
    }

    /// Advances every neuron of `block` by `steps` Euler steps, all with the same
    /// constants.
    ///
    /// # Panics
    ///
    /// If this processor does not run this kernel (one not in [`Kernel::available`]).
    pub fn step(self, block: &mut Block, constants: &EulerConstants, steps: u32) {
        self.dispatch(block, constants, steps);
    }

    /// Advances every neuron of `block` by `steps` Euler steps, each lane with its own
    /// constants.
    ///
    /// # Panics
    ///
    /// As [`Kernel::step`].
    pub fn step_each(self, block: &mut Block, constants: &LaneConstants, steps: u32) {
        self.dispatch(block, constants, steps);
    }

    /// Advances every neuron of a countdown block by `steps` exact steps.
    ///
    /// # Panics
    ///
    /// As [`Kernel::step`].
    pub(crate) fn step_countdown(
        self,
        block: &mut CountdownBlock,
        lanes: impl Fn(usize) -> ExactLane,
        steps: u32,
    ) {
        isa_dispatch!(self, |block: &mut CountdownBlock, lanes: impl Fn(usize) -> ExactLane, steps: u32| Set => {
            step_countdown_block(block, lanes, steps)
        })
    }

    /// Advances every neuron of a countdown block, from any state, by `steps` exact
    /// steps under its constant currents: [`Kernel::step_countdown`]'s state, bit for
    /// bit, in closed form ([`advance_countdown_block`]).
    ///
    /// # Panics
    ///
    /// As [`Kernel::step`].
    pub(crate) fn advance_countdown_by_period(
        self,
        block: &mut CountdownBlock,
        lanes: impl Fn(usize) -> ExactLane,
        steps: u32,
    ) {
        isa_dispatch!(self, |block: &mut CountdownBlock, lanes: impl Fn(usize) -> ExactLane, steps: u32| Set => {
            advance_countdown_block(block, lanes, steps)
        })
    }

    /// The spike counts of a block at rest after `steps` Euler steps under its
    /// constant currents, all with the same constants: [`Kernel::step`]'s counts,
    /// bit for bit, at the cost of each lane's first inter-spike interval
    /// (`count_block`).
    ///
    /// # Panics
    ///
    /// As [`Kernel::step`].
    pub fn count_from_rest(
        self,
        block: &Block,
        constants: &EulerConstants,
        steps: u32,
    ) -> [u32; LANES] {
        self.count_dispatch(block, constants, steps)
    }

    /// [`Kernel::count_from_rest`], each lane with its own constants.
    ///
    /// # Panics
    ///
    /// As [`Kernel::step`].
    pub fn count_each_from_rest(
        self,
        block: &Block,
        constants: &LaneConstants,
        steps: u32,
    ) -> [u32; LANES] {
        self.count_dispatch(block, constants, steps)
    }

    /// Advances every neuron of `block`, from any state, by `steps` Euler steps under
    /// its constant currents, all with the same constants: [`Kernel::step`]'s state
    /// (gaps, refractory countdowns, counts, last-step spikes), bit for bit, at the cost
    /// of a few of each lane's intervals rather than `steps` (`advance_block`).
    ///
    /// # Panics
    ///
    /// As [`Kernel::step`].
    pub fn advance_by_period(self, block: &mut Block, constants: &EulerConstants, steps: u32) {
        self.advance_dispatch(block, constants, steps);
    }

    /// [`Kernel::advance_by_period`], each lane with its own constants.
    ///
    /// # Panics
    ///
    /// As [`Kernel::step`].
    pub fn advance_each_by_period(self, block: &mut Block, constants: &LaneConstants, steps: u32) {
        self.advance_dispatch(block, constants, steps);
    }

    fn advance_dispatch(self, block: &mut Block, constants: &impl Constants, steps: u32) {
        isa_dispatch!(self, |block: &mut Block, constants: &impl Constants, steps: u32| Set => {
            advance_block(block, constants, steps)
        })
    }

    fn count_dispatch(self, block: &Block, constants: &impl Constants, steps: u32) -> [u32; LANES] {
        let mut counts = [0; LANES];
        let out = &mut counts;
        isa_dispatch!(self, |block: &Block, constants: &impl Constants, steps: u32, out: &mut [u32; LANES]| Set => {
            *out = count_block(block, constants, steps)
        });
        counts
    }

    fn dispatch(self, block: &mut Block, constants: &impl Constants, steps: u32) {
        isa_dispatch!(self, |block: &mut Block, constants: &impl Constants, steps: u32| Set => {
            step_block(block, constants, steps)
        })
    }
}

/// Per-lane Euler constants, for a block whose neurons have their own parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaneConstants {
    /// Each lane's [`EulerConstants::decay`](crate::model::euler::EulerConstants#structfield.decay).
    pub decay: [f32; LANES],
    /// Each lane's [`EulerConstants::frozen_steps`](crate::model::euler::EulerConstants#structfield.frozen_steps).
    pub frozen_steps: [u32; LANES],
}

impl Default for LaneConstants {
    fn default() -> Self {
        LaneConstants {
            decay: [0.0; LANES],
            frozen_steps: [0; LANES],
        }
    }
}

/// Where a lane's constants come from: one set for the block (kept in a scalar the
/// compiler broadcasts) or one per lane.
pub(super) trait Constants {
    fn decay(&self, lane: usize) -> f32;
    fn frozen_steps(&self, lane: usize) -> u32;
}

impl Constants for EulerConstants {
    #[inline(always)]
    fn decay(&self, _lane: usize) -> f32 {
        self.decay
    }
    #[inline(always)]
    fn frozen_steps(&self, _lane: usize) -> u32 {
        self.frozen_steps
    }
}

impl Constants for LaneConstants {
    #[inline(always)]
    fn decay(&self, lane: usize) -> f32 {
        self.decay[lane]
    }
    #[inline(always)]
    fn frozen_steps(&self, lane: usize) -> u32 {
        self.frozen_steps[lane]
    }
}

/// The shader's loop over a block. Always inlined, so that each `#[target_feature]`
/// copy that [`isa_dispatch!`] makes compiles it for its own instruction set.
#[inline(always)]
fn step_block<C: Constants>(block: &mut Block, constants: &C, steps: u32) {
    if steps == 0 {
        return;
    }
    let decay: [f32; LANES] = std::array::from_fn(|lane| constants.decay(lane));
    let frozen: [u32; LANES] = std::array::from_fn(|lane| constants.frozen_steps(lane));
    apply_currents(block);
    // Locals rather than the block's fields: the compiler keeps them in registers.
    let current = block.current;
    let gap_th = block.gap_th;
    let mut u = block.gap;
    let mut left = block.refractory_left;
    let mut spikes = block.spike_count;
    let mut fired = [false; LANES];
    // All steps but the last ignore which neurons fired; the last one records it.
    for _ in 1..steps {
        for lane in 0..LANES {
            lane_step(
                &mut u[lane],
                &mut left[lane],
                &mut spikes[lane],
                current[lane],
                gap_th[lane],
                decay[lane],
                frozen[lane],
            );
        }
    }
    for lane in 0..LANES {
        fired[lane] = lane_step(
            &mut u[lane],
            &mut left[lane],
            &mut spikes[lane],
            current[lane],
            gap_th[lane],
            decay[lane],
            frozen[lane],
        );
    }
    block.gap = u;
    block.refractory_left = left;
    block.spike_count = spikes;
    block.spiked = fired.map(u32::from);
}

/// Moves each gap whose current changed so that the voltage stays continuous: the
/// shader's `apply_current`, same operations.
#[inline(always)]
pub(crate) fn apply_currents(block: &mut Block) {
    for lane in 0..LANES {
        if block.drive[lane] != block.current[lane] {
            block.gap[lane] = block.current[lane] - (block.drive[lane] - block.gap[lane]);
            block.drive[lane] = block.current[lane];
        }
    }
}

/// One Euler step of one neuron, as `euler_step` in the shader writes it: every value
/// computed, the results selected. Returns whether the neuron fired.
#[inline(always)]
pub(super) fn lane_step(
    u: &mut f32,
    left: &mut u32,
    spikes: &mut u32,
    current: f32,
    gap_th: f32,
    decay: f32,
    frozen: u32,
) -> bool {
    let refractory = *left > 0;
    // A refractory neuron's gap is multiplied by 1, which leaves it exactly as it was:
    // the same value as not touching it, in a form that every lane can share.
    let decayed = *u * if refractory { 1.0 } else { decay };
    let fire = !refractory & (decayed < gap_th);
    *u = if fire { current } else { decayed };
    *left = if fire { frozen } else { left.saturating_sub(1) };
    *spikes = spikes.wrapping_add(u32::from(fire));
    fire
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::exact::ExactState;
    use crate::model::params::LifParams;

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
        let sweep = |lo: f64, hi: f64, n: usize| {
            (0..n).map(move |k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
        };
        sweep(-1.0, 25.0, 300)
            .chain(sweep(v_th, v_th * 1.001, 157))
            .collect()
    }

    #[test]
    fn every_kernel_counts_from_rest_as_it_steps() {
        // Each parameter set, tau_ref 0 and one step included, every current of a wide
        // sweep (below zero to 50·v_th, a dense patch just above threshold), and run
        // lengths around each neuron's first spike and period: the closed-form counts
        // are the stepped ones, bit for bit, on every instruction set.
        let mut sets = params();
        sets.push(LifParams {
            tau_rc: 0.02,
            tau_ref: 0.001,
            v_th: 1.0,
            dt: 0.001,
        });
        sets.push(LifParams {
            tau_rc: 0.02,
            tau_ref: 0.0021,
            v_th: 1.0,
            dt: 0.0001,
        });
        for params in sets {
            let constants = EulerConstants::new(&params);
            let mut currents = currents(params.v_th);
            currents.extend((0..200).map(|k| params.v_th * (1.0 + 0.25 * f64::from(k))));
            currents.extend([0.0, params.v_th, -params.v_th, params.v_th * (1.0 + 1e-12)]);
            let inputs: Vec<(f32, f32)> = currents
                .iter()
                .map(|&i| (i as f32, params.gap_threshold(i)))
                .collect();
            for kernel in Kernel::available() {
                for chunk in inputs.chunks(LANES) {
                    let (current, gap_th): (Vec<f32>, Vec<f32>) = chunk.iter().copied().unzip();
                    let rest = Block::at_rest(&current, &gap_th);
                    let mut stepped = rest;
                    let mut done = 0;
                    for steps in [
                        1u32, 2, 3, 7, 19, 20, 21, 100, 211, 1000, 1001, 5000, 20_000,
                    ] {
                        kernel.step(&mut stepped, &constants, steps - done);
                        done = steps;
                        assert_eq!(
                            kernel.count_from_rest(&rest, &constants, steps),
                            stepped.spike_count,
                            "{params:?}, {steps} steps, {kernel:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_block_advanced_by_period_is_in_the_state_stepping_leaves() {
        // Every kernel, shared and per-lane constants, each parameter set (tau_ref 0 and
        // one step included), a wide sweep of currents, from three states: rest; 37
        // steps into a run, then the currents reversed (gaps mid-interval, lanes
        // refractory); and 37 steps into a run, then every current a tenth (voltages
        // above threshold under currents below it: one spike, then none). For run
        // lengths up to 60 and around periods to 20,000 steps, the state advanced by
        // period (gaps, countdowns, counts, last-step spikes) is the stepped one.
        let mut sets = params();
        sets.push(LifParams {
            tau_rc: 0.02,
            tau_ref: 0.001,
            v_th: 1.0,
            dt: 0.001,
        });
        let lengths: Vec<u32> = (1..=60)
            .chain([99, 100, 101, 211, 999, 1000, 1001, 5000, 20_000])
            .collect();
        for params in sets {
            let constants = EulerConstants::new(&params);
            let lanes = LaneConstants {
                decay: [constants.decay; LANES],
                frozen_steps: [constants.frozen_steps; LANES],
            };
            let mut currents = currents(params.v_th);
            currents.extend([0.0, params.v_th, -params.v_th, 50.0 * params.v_th]);
            let lowered = |i: f64| (i as f32, params.gap_threshold(i));
            for kernel in Kernel::available() {
                for chunk in currents.chunks(LANES) {
                    let (current, gap_th): (Vec<f32>, Vec<f32>) =
                        chunk.iter().map(|&i| lowered(i)).unzip();
                    let rest = Block::at_rest(&current, &gap_th);
                    let changed = |to: &dyn Fn(usize, f64) -> f64| {
                        let mut block = rest;
                        kernel.step(&mut block, &constants, 37);
                        for (lane, &i) in chunk.iter().enumerate() {
                            let (current, gap_th) = lowered(to(lane, i));
                            block.current[lane] = current;
                            block.gap_th[lane] = gap_th;
                        }
                        block
                    };
                    let reversed = changed(&|lane, _| chunk[chunk.len() - 1 - lane]);
                    let lowered_tenfold = changed(&|_, i| i / 10.0);
                    for (name, start) in [
                        ("rest", rest),
                        ("reversed", reversed),
                        ("a tenth", lowered_tenfold),
                    ] {
                        let mut stepped = start;
                        let mut done = 0;
                        for &steps in &lengths {
                            kernel.step(&mut stepped, &constants, steps - done);
                            done = steps;
                            let mut counted = start;
                            kernel.advance_by_period(&mut counted, &constants, steps);
                            assert_eq!(
                                counted, stepped,
                                "{params:?}, {kernel:?}, {name}, {steps} steps"
                            );
                            let mut counted = start;
                            kernel.advance_each_by_period(&mut counted, &lanes, steps);
                            assert_eq!(counted, stepped, "per lane, {name}, {steps} steps");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_kernel_counts_lanes_with_their_own_constants_from_rest() {
        // Each lane its own tau_rc and tau_ref (frozen 0 to 300 steps), the currents
        // spread over threshold: the closed-form counts are the stepped ones.
        let lane_params = |lane: usize| LifParams {
            tau_rc: 0.01 + 0.005 * lane as f64,
            tau_ref: [0.0, 0.001, 0.0025, 0.3][lane % 4],
            ..LifParams::default()
        };
        let mut constants = LaneConstants::default();
        let mut current = [0.0f32; LANES];
        let mut gap_th = [0.0f32; LANES];
        for lane in 0..LANES {
            let p = lane_params(lane);
            let c = EulerConstants::new(&p);
            constants.decay[lane] = c.decay;
            constants.frozen_steps[lane] = c.frozen_steps;
            let i = 0.8 + 0.07 * lane as f64;
            current[lane] = i as f32;
            gap_th[lane] = p.gap_threshold(i);
        }
        let rest = Block::at_rest(&current, &gap_th);
        for kernel in Kernel::available() {
            for steps in [1u32, 5, 64, 999, 3000, 12_345] {
                let mut stepped = rest;
                kernel.step_each(&mut stepped, &constants, steps);
                assert_eq!(
                    kernel.count_each_from_rest(&rest, &constants, steps),
                    stepped.spike_count,
                    "{steps} steps, {kernel:?}"
                );
            }
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
    fn every_exact_kernel_matches_the_scalar_countdown_bit_for_bit() {
        use super::super::exact_block::lane_state;
        use crate::model::exact::{ExactCountdown, ExactTimes};
        for params in params() {
            let lane = ExactLane::new(&params);
            let first = currents(params.v_th);
            // The second currents: the sweep reversed, so neurons cross threshold both
            // ways, some of them while refractory.
            let second: Vec<f64> = first.iter().rev().copied().collect();
            let calls = [1, 0, 333, 2, 1500];
            let expected: Vec<ExactState> = first
                .iter()
                .zip(&second)
                .map(|(&a, &b)| {
                    let (ta, tb) = (ExactTimes::new(&params, a), ExactTimes::new(&params, b));
                    let (a, b) = (a as f32, b as f32);
                    let mut neuron =
                        ExactCountdown::from_state(&ExactState::at_rest(a), a, &ta, &lane);
                    let mut state = ExactState::at_rest(a);
                    for (k, &steps) in calls.iter().enumerate() {
                        let (i, times) = if k < 3 { (a, ta) } else { (b, tb) };
                        if steps == 0 {
                            continue;
                        }
                        if k == 3 {
                            // What a block does when its inputs change.
                            if a != b {
                                state.gap = b - (a - state.gap);
                                neuron = ExactCountdown::from_state(&state, b, &tb, &lane);
                            } else if tb.fires() != ta.fires() {
                                neuron = ExactCountdown::from_state(&state, b, &tb, &lane);
                            }
                        }
                        for _ in 0..steps {
                            let spikes = neuron.step(&times, &lane);
                            state.spike_count = state.spike_count.wrapping_add(spikes);
                            state.spiked = spikes;
                        }
                        (state.gap, state.refractory) = neuron.settled(i, &times, &lane);
                    }
                    state
                })
                .collect();
            assert!(expected.iter().any(|s| s.spike_count > 5));
            for kernel in Kernel::available() {
                let blocks = first.chunks(LANES).zip(second.chunks(LANES));
                for ((a, b), expected) in blocks.zip(expected.chunks(LANES)) {
                    let inputs = |currents: &[f64]| {
                        let times: Vec<ExactTimes> = currents
                            .iter()
                            .map(|&i| ExactTimes::new(&params, i))
                            .collect();
                        let currents: Vec<f32> = currents.iter().map(|&i| i as f32).collect();
                        (currents, times)
                    };
                    let (currents, times) = inputs(a);
                    let mut block = CountdownBlock::at_rest(&currents, &times);
                    for (k, &steps) in calls.iter().enumerate() {
                        if k == 3 {
                            let (currents, times) = inputs(b);
                            block.set_inputs(&currents, &times);
                        }
                        kernel.step_countdown(&mut block, |_| lane, steps);
                    }
                    for (k, want) in expected.iter().enumerate() {
                        assert_eq!(
                            lane_state(&block, k),
                            *want,
                            "{} kernel, {params:?}, I = {} then {}",
                            kernel.name(),
                            a[k],
                            b[k]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_countdown_block_advanced_by_period_is_in_the_state_stepping_leaves() {
        // Every kernel, each parameter set (tau_ref below a step included: several
        // spikes a step), from rest and after a change of current part-way through a
        // run (the sweep reversed: crossings both ways, some while refractory; and
        // every current a tenth), for run lengths up to 40 and around periods to 20,000
        // steps: countdowns, gaps, refractory times, counts and last-step spikes equal
        // stepping's.
        use crate::model::exact::ExactTimes;
        let mut sets = params();
        sets.push(LifParams {
            tau_rc: 0.02,
            tau_ref: 0.0004,
            v_th: 1.0,
            dt: 0.001,
        });
        let lengths: Vec<u32> = (1..=40)
            .chain([99, 100, 101, 211, 999, 1000, 1001, 5000, 20_000])
            .collect();
        for params in sets {
            let lane = ExactLane::new(&params);
            let mut first = currents(params.v_th);
            first.extend([0.0, params.v_th, 50.0 * params.v_th]);
            let inputs = |currents: &[f64]| {
                let times: Vec<ExactTimes> = currents
                    .iter()
                    .map(|&i| ExactTimes::new(&params, i))
                    .collect();
                let currents: Vec<f32> = currents.iter().map(|&i| i as f32).collect();
                (currents, times)
            };
            for kernel in Kernel::available() {
                for chunk in first.chunks(LANES) {
                    let (currents, times) = inputs(chunk);
                    let rest = CountdownBlock::at_rest(&currents, &times);
                    let changed = |to: Vec<f64>| {
                        let mut block = rest;
                        kernel.step_countdown(&mut block, |_| lane, 37);
                        let (currents, times) = inputs(&to);
                        block.set_inputs(&currents, &times);
                        block
                    };
                    let reversed = changed(chunk.iter().rev().copied().collect());
                    let tenth = changed(chunk.iter().map(|i| i / 10.0).collect());
                    for (name, start) in
                        [("rest", rest), ("reversed", reversed), ("a tenth", tenth)]
                    {
                        let mut stepped = start;
                        let mut done = 0;
                        for &steps in &lengths {
                            kernel.step_countdown(&mut stepped, |_| lane, steps - done);
                            done = steps;
                            let mut counted = start;
                            kernel.advance_countdown_by_period(&mut counted, |_| lane, steps);
                            assert_eq!(
                                counted, stepped,
                                "{params:?}, {kernel:?}, {name}, {steps} steps"
                            );
                        }
                    }
                }
            }
        }
    }
}
