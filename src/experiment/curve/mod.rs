//! The tuning-curve experiment: currents → a backend → spike counts → rates beside the
//! analytic curve.
//!
//! `currents` forms the currents, this file describes and runs the curve, `rate`
//! holds the rate it is compared with, and `report` what a run leaves behind.

mod currents;
mod rate;
mod report;

use std::time::{Duration, Instant};

pub use currents::{Currents, MAX_NEURONS, sweep};
pub use rate::{Analytic, STIMULUS_LEVELS};
use report::SummaryBuilder;
pub(crate) use report::sample_indices;
pub use report::{CurvePoint, CurveReport, CurveSummary, TuningCurve};

use crate::backend::{Progress, Stepper};
use crate::error::{Error, Result};
use crate::experiment::spec::RunSpec;
use crate::input::{Poisson, PopulationDesc, Signal};
use crate::model::noise::Noise;
use crate::model::run::Run;

/// What to simulate: the shared block ([`RunSpec`]: the neuron, the method, the run's
/// length, its noise and stimulus) and the currents, one neuron each.
///
/// Its [`Default`] is `gpulif curve`'s: the tutorial's neuron, 10 s, 1000 currents from
/// 0 to 10, Euler. Write the fields you change and `..CurveSpec::default()` (or
/// `..RunSpec::default()`) for the rest, so that a field added later does not break
/// your code.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveSpec {
    /// What every experiment shares.
    pub run: RunSpec,
    /// The currents, one neuron each.
    pub currents: Currents,
    /// Step every step even where the counts may be computed from each neuron's
    /// period ([`PopulationDesc::stepwise`]); the counts are the same.
    pub stepwise: bool,
}

impl Default for CurveSpec {
    fn default() -> Self {
        CurveSpec {
            run: RunSpec::default(),
            currents: Currents::Sweep {
                i_min: 0.0,
                i_max: 10.0,
                neurons: 1000,
            },
            stepwise: false,
        }
    }
}

impl CurveSpec {
    /// Validates everything (the run, the currents, then the stimulus and the noise);
    /// the currents are formed batch by batch as they run.
    pub fn prepare(&self) -> Result<CurveRun> {
        let spec = &self.run;
        let run = spec.run()?;
        self.currents.validate()?;
        spec.validate_drive(&run)?;
        let analytic = Analytic::driven(spec.params, spec.noise, spec.poisson, spec.dt_correction);
        let analytic = match &spec.stimulus {
            Some(stimulus) => analytic.with_stimulus(stimulus),
            None => analytic,
        };
        Ok(CurveRun {
            run,
            currents: self.currents.clone(),
            spec: spec.clone(),
            stepwise: self.stepwise,
            analytic,
            span: 0..self.currents.len(),
            shard: None,
        })
    }
}

/// A validated experiment, ready for a backend.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveRun {
    run: Run,
    currents: Currents,
    /// The spec it was prepared from: what drives the neurons besides their currents.
    spec: RunSpec,
    /// Whether every step is stepped ([`CurveSpec::stepwise`]).
    stepwise: bool,
    analytic: Analytic,
    /// The neurons this run simulates: all of them, or one shard's.
    span: std::ops::Range<usize>,
    /// `(k, n)` when this is shard `k` of `n`.
    shard: Option<(usize, usize)>,
}

impl CurveRun {
    /// The run every neuron is simulated for.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// The currents, one neuron each.
    pub fn currents(&self) -> &Currents {
        &self.currents
    }

    /// Number of neurons it simulates (a shard's, for a shard).
    pub fn len(&self) -> usize {
        self.span.len()
    }

    /// True for a shard with no neurons (more shards than neurons).
    pub fn is_empty(&self) -> bool {
        self.span.is_empty()
    }

    /// The neurons it simulates, as indices of the whole sweep.
    pub fn span(&self) -> std::ops::Range<usize> {
        self.span.clone()
    }

    /// `(k, n)` for shard `k` of `n`.
    pub fn shard_of(&self) -> Option<(usize, usize)> {
        self.shard
    }

    /// Shard `k` of `n` (`k` from 0): the `k`-th of `n` contiguous slices of the
    /// sweep, neurons `⌊k·N/n⌋ .. ⌊(k+1)·N/n⌋`, each neuron keeping its index in the
    /// whole sweep (its noise stream), so the shards' counts joined are the whole
    /// run's.
    pub fn shard(self, k: usize, n: usize) -> Result<CurveRun> {
        if n == 0 || k >= n {
            return Err(Error::parameter(
                "shard",
                format!("{k}/{n}"),
                "K/N with 0 ≤ K < N (K counts from 0)",
            ));
        }
        let total = self.currents.len();
        Ok(CurveRun {
            span: k * total / n..(k + 1) * total / n,
            shard: Some((k, n)),
            ..self
        })
    }

    /// The spec it was prepared from.
    pub fn spec(&self) -> &RunSpec {
        &self.spec
    }

    /// The stimulus added to every neuron's current, if any.
    pub fn stimulus(&self) -> Option<&Signal> {
        self.spec.stimulus.as_ref()
    }

    /// The noise driving the neurons.
    pub fn noise(&self) -> Noise {
        self.spec.noise
    }

    /// The Poisson input into the neurons.
    pub fn poisson(&self) -> Poisson {
        self.spec.poisson
    }

    /// The rate the neurons are compared with.
    pub fn analytic(&self) -> &Analytic {
        &self.analytic
    }

    /// The counts of the neurons `start..` driven by `currents`.
    fn counts(
        &self,
        stepper: &mut dyn Stepper,
        start: usize,
        currents: &[f64],
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        stepper.simulate(&self.desc(start, currents), self.run.steps(), progress)
    }

    /// The population of the neurons `start..` driven by `currents`: the spec's
    /// ([`RunSpec::desc`]), each neuron drawing the random streams of its index in the
    /// whole sweep.
    pub fn desc<'a>(&'a self, start: usize, currents: &'a [f64]) -> PopulationDesc<'a> {
        self.spec
            .desc(currents)
            .with_first_index(start as u64)
            .with_stepwise(self.stepwise)
    }

    /// Whether `stepper` counts this run's spikes from each neuron's period
    /// ([`Stepper::counts_by_period`]) rather than stepping every step.
    pub fn counted_on(&self, stepper: &dyn Stepper) -> bool {
        stepper.counts_by_period(&self.desc(self.span.start, &[]))
    }

    /// Neuron-steps the experiment takes: the unit of progress and speed.
    pub fn neuron_steps(&self) -> u64 {
        self.len() as u64 * u64::from(self.run.steps())
    }

    /// Simulates every neuron on `stepper` and keeps the whole tuning curve in memory.
    pub fn simulate(
        &self,
        stepper: &mut dyn Stepper,
        progress: Progress<'_>,
    ) -> Result<TuningCurve> {
        let currents = self.currents.range(self.span.clone());
        let started = Instant::now();
        let counts = self.counts(stepper, self.span.start, &currents, progress)?;
        let elapsed = started.elapsed();
        let mut curve = TuningCurve::of(
            self,
            currents,
            counts,
            stepper.kind(),
            stepper.device(),
            elapsed,
        );
        curve.counted = self.counted_on(stepper);
        Ok(curve)
    }

    /// Simulates every neuron on `stepper` in batches of its
    /// [`Stepper::batch_neurons`], handing each batch's currents and counts to `sink`
    /// in input order, and keeps only the summary: memory stays bounded whatever the
    /// number of neurons. The report samples `sample_rows` neurons evenly spread over
    /// the input order.
    pub fn stream(
        &self,
        stepper: &mut dyn Stepper,
        progress: Progress<'_>,
        sample_rows: usize,
        sink: BatchSink<'_>,
    ) -> Result<CurveReport> {
        let neurons = self.len();
        let batch = stepper.batch_neurons().max(1);
        let mut summary = SummaryBuilder::new(self.run, self.analytic);
        let sample_at = sample_indices(neurons, sample_rows);
        let mut sample = Vec::with_capacity(sample_at.len());
        let mut elapsed = Duration::ZERO;
        let first = self.span.start;
        for start in (0..neurons).step_by(batch) {
            let end = neurons.min(start + batch);
            let currents = self.currents.range(first + start..first + end);
            let started = Instant::now();
            let counts = self.counts(stepper, first + start, &currents, progress)?;
            elapsed += started.elapsed();
            summary.add_all(&currents, &counts);
            for &k in sample_at.iter().filter(|&&k| (start..end).contains(&k)) {
                sample.push(CurvePoint::against(
                    &self.run,
                    &self.analytic,
                    currents[k - start],
                    counts[k - start],
                ));
            }
            sink(&currents, &counts)?;
        }
        Ok(CurveReport {
            run: self.run,
            backend: stepper.kind(),
            device: stepper.device(),
            elapsed,
            summary: summary.finish(),
            sample,
            analytic: self.analytic,
            noise: self.spec.noise,
            poisson: self.spec.poisson,
            counted: self.counted_on(stepper),
            trains: Vec::new(),
            devices: stepper.shares(),
        })
    }
}

/// Where [`CurveRun::stream`] hands each batch: its currents and their spike counts, in
/// input order.
pub type BatchSink<'a> = &'a mut dyn FnMut(&[f64], &[u32]) -> Result<()>;
