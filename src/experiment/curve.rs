//! The tuning-curve experiment: currents → a backend → spike counts → rates beside the
//! analytic curve.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::analytic;
use crate::backend::{BackendKind, Progress, Stepper};
use crate::error::{Error, Result};
use crate::input::PopulationDesc;
use crate::model::noise::Noise;
use crate::params::{LifParams, Method, NeuronParams, Run, validate_current};

/// The most neurons one curve simulates.
pub const MAX_NEURONS: usize = 1_000_000_000;

/// Which input currents to simulate, one neuron each.
#[derive(Clone, Debug, PartialEq)]
pub enum Currents {
    /// `neurons` currents evenly spaced from `i_min` to `i_max`, both included:
    /// `i_min + (i_max − i_min)·k/(neurons − 1)` in float64. One neuron gets `i_min`.
    Sweep {
        /// The first current.
        i_min: f64,
        /// The last current.
        i_max: f64,
        /// How many.
        neurons: usize,
    },
    /// These currents, in this order.
    List(Vec<f64>),
}

impl Currents {
    /// The currents, validated.
    pub fn values(&self) -> Result<Vec<f64>> {
        self.validate()?;
        Ok(self.range(0..self.len()))
    }

    /// Checks the sweep's ends and size, or every current of the list.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Currents::Sweep {
                i_min,
                i_max,
                neurons,
            } => check_sweep(i_min, i_max, neurons),
            Currents::List(ref list) => {
                check_neuron_count(list.len())?;
                list.iter()
                    .try_for_each(|&current| validate_current("currents", current))
            }
        }
    }

    /// How many currents (neurons).
    pub fn len(&self) -> usize {
        match *self {
            Currents::Sweep { neurons, .. } => neurons,
            Currents::List(ref list) => list.len(),
        }
    }

    /// True when there are none (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The currents of the neurons in `range`, without forming the others: how a large
    /// sweep is simulated in batches.
    ///
    /// # Panics
    ///
    /// If `range` reaches past [`Currents::len`].
    pub fn range(&self, range: std::ops::Range<usize>) -> Vec<f64> {
        match *self {
            Currents::Sweep {
                i_min,
                i_max,
                neurons,
            } => {
                assert!(range.end <= neurons, "range past the sweep's end");
                range
                    .map(|k| sweep_point(i_min, i_max, neurons, k))
                    .collect()
            }
            Currents::List(ref list) => list[range].to_vec(),
        }
    }

    /// Parses a comma-separated list such as `1.1,10,100`.
    pub fn parse_list(text: &str) -> Result<Vec<f64>> {
        text.split(',')
            .enumerate()
            .map(|(k, item)| {
                parse_current(item).map_err(|reason| {
                    Error::Currents(format!("item {} of the list, {item:?}: {reason}", k + 1))
                })
            })
            .collect()
    }

    /// Reads one current per line from a file; everything from a `#` to the end of its
    /// line is a comment, and blank lines are skipped.
    pub fn read_file(path: &Path) -> Result<Vec<f64>> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Currents(format!("cannot read currents from {}: {e}", path.display()))
        })?;
        Currents::parse_file(path, &bytes)
    }

    /// The currents held in `bytes`, a file's content, as [`Currents::read_file`]
    /// reads them; `path` names the file in messages. Whatever the bytes, the answer is
    /// the currents or an [`Error::Currents`] that says what is wrong.
    pub fn parse_file(path: &Path, bytes: &[u8]) -> Result<Vec<f64>> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::Currents(format!(
                "cannot read currents from {}: not UTF-8 text ({e})",
                path.display()
            ))
        })?;
        let mut currents = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line
                .split_once('#')
                .map_or(line, |(data, _comment)| data)
                .trim();
            if line.is_empty() {
                continue;
            }
            let current = parse_current(line).map_err(|reason| {
                Error::Currents(format!(
                    "{} line {}, {line:?}: {reason}",
                    path.display(),
                    number + 1
                ))
            })?;
            currents.push(current);
        }
        if currents.is_empty() {
            return Err(Error::Currents(format!(
                "{} holds no currents (expected one number per line)",
                path.display()
            )));
        }
        Ok(currents)
    }
}

fn parse_current(text: &str) -> std::result::Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| "not a number".to_owned())?;
    validate_current("currents", value).map_err(|e| match e {
        Error::InvalidParameter { expected, .. } => format!("expected {expected}"),
        other => other.to_string(),
    })?;
    Ok(value)
}

fn check_neuron_count(neurons: usize) -> Result<()> {
    if (1..=MAX_NEURONS).contains(&neurons) {
        Ok(())
    } else {
        Err(Error::parameter(
            "neurons",
            neurons,
            format!("a whole number from 1 to {MAX_NEURONS}"),
        ))
    }
}

/// `neurons` currents from `i_min` to `i_max`, both ends included exactly.
pub fn sweep(i_min: f64, i_max: f64, neurons: usize) -> Result<Vec<f64>> {
    check_sweep(i_min, i_max, neurons)?;
    Ok((0..neurons)
        .map(|k| sweep_point(i_min, i_max, neurons, k))
        .collect())
}

/// Current `k` of a sweep: `i_min + (i_max − i_min)·k/(neurons − 1)`, except that the
/// last is `i_max` exactly (the formula can land an ulp away). A sweep of one neuron is
/// `i_min`.
fn sweep_point(i_min: f64, i_max: f64, neurons: usize, k: usize) -> f64 {
    if neurons == 1 {
        i_min
    } else if k + 1 == neurons {
        i_max
    } else {
        i_min + (i_max - i_min) * k as f64 / (neurons - 1) as f64
    }
}

fn check_sweep(i_min: f64, i_max: f64, neurons: usize) -> Result<()> {
    validate_current("i_min", i_min)?;
    validate_current("i_max", i_max)?;
    if i_min > i_max {
        return Err(Error::parameter(
            "i_min",
            i_min,
            format!("a current no greater than the largest one, i_max = {i_max}"),
        ));
    }
    check_neuron_count(neurons)
}

/// What to simulate: neuron parameters, run length and currents.
///
/// Its [`Default`] is `gpulif curve`'s: the tutorial's neuron, 10 s, 1000 currents from
/// 0 to 10, Euler. Write the fields you change and `..CurveSpec::default()` for the
/// rest, so that a field added later does not break your code.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveSpec {
    /// The neuron.
    pub params: LifParams,
    /// Run length, seconds; a whole number of `params.dt` steps.
    pub duration: f64,
    /// The currents, one neuron each.
    pub currents: Currents,
    /// How the neurons are integrated.
    pub method: Method,
}

impl Default for CurveSpec {
    fn default() -> Self {
        CurveSpec {
            params: LifParams::default(),
            duration: 10.0,
            currents: Currents::Sweep {
                i_min: 0.0,
                i_max: 10.0,
                neurons: 1000,
            },
            method: Method::Euler,
        }
    }
}

impl CurveSpec {
    /// The former name of [`CurveSpec::prepare`].
    #[deprecated(
        since = "0.2.0",
        note = "renamed `prepare`: in gpulif a sweep is the evenly spaced currents"
    )]
    pub fn sweep(&self) -> Result<CurveRun> {
        self.prepare()
    }

    /// Validates everything; the currents are formed batch by batch as they run.
    pub fn prepare(&self) -> Result<CurveRun> {
        let run = Run::new(self.params, self.duration)?.with_method(self.method);
        self.currents.validate()?;
        Ok(CurveRun {
            run,
            currents: self.currents.clone(),
            analytic: Analytic::new(self.params, Noise::NONE, true),
            stimulus: None,
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
    analytic: Analytic,
    /// Added to every neuron's current, one value per step.
    stimulus: Option<std::sync::Arc<[f64]>>,
    /// The neurons this run simulates: all of them, or one shard's.
    span: std::ops::Range<usize>,
    /// `(k, n)` when this is shard `k` of `n`.
    shard: Option<(usize, usize)>,
}

/// The rate a curve's neurons are compared with: [`analytic::rate`], or under noise
/// [`analytic::noisy_rate`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Analytic {
    noise: Noise,
    dt_correction: bool,
    /// The rate under a constant current, its parts that do not depend on the current
    /// formed once.
    model: analytic::NoisyRate,
    /// With a stimulus: the means of its values in [`STIMULUS_LEVELS`] equal-count
    /// bins, over which the rate is averaged.
    levels: Option<[f64; STIMULUS_LEVELS]>,
}

/// How many levels of a stimulus the analytic rate averages over.
pub const STIMULUS_LEVELS: usize = 8;

impl Analytic {
    /// The analytic rate of neurons with `params` under `noise`, with or without the
    /// finite-step correction.
    pub fn new(params: LifParams, noise: Noise, dt_correction: bool) -> Self {
        Analytic {
            noise,
            dt_correction,
            model: analytic::NoisyRate::new(&params, &noise, dt_correction),
            levels: None,
        }
    }

    /// The same rate for neurons whose input also carries `stimulus`: the quasi-static
    /// rate, the rate under each level of the stimulus (the means of
    /// [`STIMULUS_LEVELS`] equal-count bins of its values) averaged. Exact for a
    /// stimulus slow against the neuron's time constants.
    pub fn with_stimulus(self, stimulus: &[f64]) -> Self {
        let mut sorted = stimulus.to_vec();
        sorted.sort_by(f64::total_cmp);
        let levels = std::array::from_fn(|k| {
            let bin = &sorted[k * sorted.len() / STIMULUS_LEVELS
                ..((k + 1) * sorted.len() / STIMULUS_LEVELS)
                    .max(k * sorted.len() / STIMULUS_LEVELS + 1)];
            bin.iter().sum::<f64>() / bin.len() as f64
        });
        Analytic {
            levels: (!stimulus.is_empty()).then_some(levels),
            ..self
        }
    }

    /// The analytic rate of a neuron under `current`, Hz.
    pub fn rate(&self, current: f64) -> f64 {
        let rate = |i| self.model.rate(i);
        match &self.levels {
            None => rate(current),
            Some(levels) => {
                levels.iter().map(|x| rate(current + x)).sum::<f64>() / levels.len() as f64
            }
        }
    }

    /// True when the rate is averaged over a stimulus's levels.
    pub fn has_stimulus(&self) -> bool {
        self.levels.is_some()
    }

    /// The noise the neurons are driven by.
    pub fn noise(&self) -> Noise {
        self.noise
    }

    /// Whether white noise's threshold is raised for the finite step.
    pub fn dt_correction(&self) -> bool {
        self.dt_correction
    }
}

/// The former name of [`CurveRun`].
#[deprecated(
    since = "0.2.0",
    note = "renamed `CurveRun`: in gpulif a sweep is the evenly spaced currents"
)]
pub type Sweep = CurveRun;

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

    /// The same curve with `noise` added to every neuron's input (Euler only),
    /// compared with the Siegert rate, with the finite-step correction when
    /// `dt_correction` ([`analytic::noisy_rate`]).
    pub fn with_noise(self, noise: Noise, dt_correction: bool) -> Result<CurveRun> {
        noise.validate_for(self.run.method())?;
        noise.validate_amplitude(self.run.params())?;
        let analytic = Analytic::new(*self.run.params(), noise, dt_correction);
        let analytic = match &self.stimulus {
            Some(stimulus) => analytic.with_stimulus(stimulus),
            None => analytic,
        };
        Ok(CurveRun { analytic, ..self })
    }

    /// The same curve with `stimulus` (one value per step, at least as many as the
    /// run's steps; see [`crate::stimulus::read`]) added to every neuron's current
    /// (Euler only).
    pub fn with_stimulus(self, stimulus: Vec<f64>) -> Result<CurveRun> {
        crate::model::noise::euler_only(self.run.method(), "a stimulus")?;
        crate::input::check_stimulus_covers(Some(stimulus.len()), 0, self.run.steps())?;
        if let Some(k) = stimulus.iter().position(|x| !x.is_finite()) {
            return Err(Error::Stimulus(format!(
                "value {k} is {}; every value must be finite",
                stimulus[k]
            )));
        }
        Ok(CurveRun {
            analytic: self.analytic.with_stimulus(&stimulus),
            stimulus: Some(stimulus.into()),
            ..self
        })
    }

    /// The stimulus added to every neuron's current, if any.
    pub fn stimulus(&self) -> Option<&[f64]> {
        self.stimulus.as_deref()
    }

    /// The noise driving the neurons.
    pub fn noise(&self) -> Noise {
        self.analytic.noise
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
        if !self.analytic.noise.is_on() && self.stimulus.is_none() {
            return stepper.spike_counts(&self.run, currents, progress);
        }
        stepper.simulate_desc(&self.desc(start, currents), self.run.steps(), progress)
    }

    /// The population of the neurons `start..` driven by `currents`: the run's
    /// parameters and method, its noise and its stimulus.
    pub fn desc<'a>(&'a self, start: usize, currents: &'a [f64]) -> PopulationDesc<'a> {
        let desc = PopulationDesc::for_run(&self.run, currents, NeuronParams::SHARED)
            .with_noise(self.analytic.noise)
            .with_first_index(start as u64);
        match &self.stimulus {
            Some(values) => desc.with_stimulus(crate::input::Stimulus { values, gain: None }),
            None => desc,
        }
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
        Ok(TuningCurve::against(
            self.run,
            self.analytic,
            currents,
            counts,
            stepper.kind(),
            stepper.device(),
            elapsed,
        ))
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
            trains: Vec::new(),
            devices: stepper.shares(),
        })
    }
}

/// Every `stride`-th neuron of a streamed curve, and the last, as `(current, rate)`:
/// what a figure draws, so that it stays readable and quick whatever the number of
/// neurons (the data and the summary keep them all). The stride is the smallest that
/// keeps at most about `max_points`.
#[derive(Clone, Debug, PartialEq)]
pub struct Thinned {
    duration: f64,
    neurons: usize,
    stride: usize,
    seen: usize,
    points: Vec<(f64, f64)>,
}

impl Thinned {
    /// For a curve of `neurons` neurons of `run`.
    pub fn new(run: &Run, neurons: usize, max_points: usize) -> Self {
        Thinned {
            duration: run.duration(),
            neurons,
            stride: neurons.div_ceil(max_points.max(1)).max(1),
            seen: 0,
            points: Vec::new(),
        }
    }

    /// The next batch of the curve, in input order.
    pub fn add(&mut self, currents: &[f64], counts: &[u32]) {
        for (k, (&current, &count)) in currents.iter().zip(counts).enumerate() {
            let index = self.seen + k;
            if index.is_multiple_of(self.stride) || index + 1 == self.neurons {
                self.points
                    .push((current, f64::from(count) / self.duration));
            }
        }
        self.seen += currents.len();
    }

    /// The points kept.
    pub fn into_points(self) -> Vec<(f64, f64)> {
        self.points
    }
}

/// Where [`CurveRun::stream`] hands each batch: its currents and their spike counts, in
/// input order.
pub type BatchSink<'a> = &'a mut dyn FnMut(&[f64], &[u32]) -> Result<()>;

/// `rows` indices evenly spread over `0..n`, first and last included (all of them
/// when `n ≤ rows`).
pub(crate) fn sample_indices(n: usize, rows: usize) -> Vec<usize> {
    match rows {
        _ if n <= rows => (0..n).collect(),
        0 | 1 => (0..rows).collect(),
        _ => (0..rows).map(|k| k * (n - 1) / (rows - 1)).collect(),
    }
}

/// What a streamed tuning curve leaves behind: where and how fast it ran, its summary
/// statistics, and a few sampled neurons.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveReport {
    /// The run.
    pub run: Run,
    /// The backend that simulated it.
    pub backend: BackendKind,
    /// The device it ran on.
    pub device: String,
    /// Wall time of the simulation alone (not of writing the output).
    pub elapsed: Duration,
    /// Summary statistics over every neuron.
    pub summary: CurveSummary,
    /// Neurons evenly spread over the input order, first and last included.
    pub sample: Vec<CurvePoint>,
    /// The rate the neurons were compared with (it knows the noise).
    pub analytic: Analytic,
    /// The recorded neurons' spike statistics ([`crate::trains`]), if any were
    /// recorded.
    pub trains: Vec<crate::trains::TrainStats>,
    /// What each device did, when several shared the run.
    pub devices: Vec<crate::gpu::DeviceShare>,
}

impl CurveReport {
    /// Neuron-steps per second of wall time.
    pub fn neuron_steps_per_second(&self) -> f64 {
        self.summary.neurons as f64 * f64::from(self.run.steps()) / self.elapsed.as_secs_f64()
    }
}

/// One neuron of a tuning curve.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CurvePoint {
    /// Input current, model units.
    pub current: f64,
    /// Spikes over the run.
    pub count: u32,
    /// `count / duration`, Hz.
    pub rate: f64,
    /// [`analytic::rate`] of the current, Hz.
    pub analytic_rate: f64,
}

impl CurvePoint {
    /// The point of a neuron driven by `current` that spiked `count` times in `run`.
    pub fn new(run: &Run, current: f64, count: u32) -> Self {
        CurvePoint {
            current,
            count,
            rate: f64::from(count) / run.duration(),
            analytic_rate: analytic::rate(run.params(), current),
        }
    }

    /// The point of a neuron driven by `current` that spiked `count` times in `run`,
    /// compared with `analytic`.
    pub fn against(run: &Run, analytic: &Analytic, current: f64, count: u32) -> Self {
        CurvePoint {
            analytic_rate: analytic.rate(current),
            ..CurvePoint::new(run, current, count)
        }
    }

    /// `rate − analytic_rate`, Hz.
    pub fn rate_error(&self) -> f64 {
        self.rate - self.analytic_rate
    }
}

/// Summary statistics of a tuning curve.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CurveSummary {
    /// Neurons simulated.
    pub neurons: usize,
    /// Neurons that spiked at least once.
    pub firing: usize,
    /// Spikes over all neurons.
    pub total_spikes: u64,
    /// Mean simulated rate, Hz: all spikes over neurons × duration, one division (so
    /// `0.76771`, not the `0.7677099999999786` a sum of rates would give).
    pub mean_rate: f64,
    /// Largest simulated rate, Hz.
    pub max_rate: f64,
    /// Mean of `|rate − analytic_rate|`, Hz.
    pub mean_abs_rate_error: f64,
    /// The neuron with the largest `|rate − analytic_rate|`.
    pub worst: CurvePoint,
}

/// Folds neurons into a [`CurveSummary`] one batch at a time.
#[derive(Clone, Debug)]
struct SummaryBuilder {
    run: Run,
    analytic: Analytic,
    neurons: usize,
    firing: usize,
    total_spikes: u64,
    max_rate: f64,
    abs_error_sum: f64,
    worst: Option<CurvePoint>,
}

impl SummaryBuilder {
    fn new(run: Run, analytic: Analytic) -> Self {
        SummaryBuilder {
            run,
            analytic,
            neurons: 0,
            firing: 0,
            total_spikes: 0,
            max_rate: 0.0,
            abs_error_sum: 0.0,
            worst: None,
        }
    }

    fn add_all(&mut self, currents: &[f64], counts: &[u32]) {
        for (&current, &count) in currents.iter().zip(counts) {
            let point = CurvePoint::against(&self.run, &self.analytic, current, count);
            self.neurons += 1;
            self.firing += usize::from(count > 0);
            self.total_spikes += u64::from(count);
            self.max_rate = self.max_rate.max(point.rate);
            let error = point.rate_error().abs();
            self.abs_error_sum += error;
            if self.worst.is_none_or(|w| error > w.rate_error().abs()) {
                self.worst = Some(point);
            }
        }
    }

    /// The statistics; at least one neuron must have been added.
    fn finish(self) -> CurveSummary {
        let neurons = self.neurons.max(1) as f64;
        CurveSummary {
            neurons: self.neurons,
            firing: self.firing,
            total_spikes: self.total_spikes,
            mean_rate: self.total_spikes as f64 / (neurons * self.run.duration()),
            max_rate: self.max_rate,
            mean_abs_rate_error: self.abs_error_sum / neurons,
            worst: self
                .worst
                .unwrap_or_else(|| CurvePoint::new(&self.run, 0.0, 0)),
        }
    }
}

/// Spike counts and rates of one neuron per current, beside the analytic curve.
#[derive(Clone, Debug, PartialEq)]
pub struct TuningCurve {
    run: Run,
    currents: Vec<f64>,
    counts: Vec<u32>,
    backend: BackendKind,
    device: String,
    elapsed: Duration,
    summary: CurveSummary,
    analytic: Analytic,
}

impl TuningCurve {
    /// A curve from `counts`, one per entry of `currents`, and where and how fast they
    /// were simulated.
    ///
    /// # Panics
    ///
    /// If `currents` is empty or `counts` is not the same length.
    pub fn new(
        run: Run,
        currents: Vec<f64>,
        counts: Vec<u32>,
        backend: BackendKind,
        device: String,
        elapsed: Duration,
    ) -> Self {
        let analytic = Analytic::new(*run.params(), Noise::NONE, true);
        Self::against(run, analytic, currents, counts, backend, device, elapsed)
    }

    /// [`TuningCurve::new`] compared with `analytic`.
    ///
    /// # Panics
    ///
    /// As [`TuningCurve::new`].
    pub fn against(
        run: Run,
        analytic: Analytic,
        currents: Vec<f64>,
        counts: Vec<u32>,
        backend: BackendKind,
        device: String,
        elapsed: Duration,
    ) -> Self {
        assert_eq!(currents.len(), counts.len(), "one count per current");
        assert!(!currents.is_empty(), "a curve has at least one neuron");
        let mut summary = SummaryBuilder::new(run, analytic);
        summary.add_all(&currents, &counts);
        let summary = summary.finish();
        TuningCurve {
            run,
            currents,
            counts,
            backend,
            device,
            elapsed,
            summary,
            analytic,
        }
    }

    /// The run.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.currents.len()
    }

    /// Always false: a curve has at least one neuron.
    pub fn is_empty(&self) -> bool {
        self.currents.is_empty()
    }

    /// The currents, in input order.
    pub fn currents(&self) -> &[f64] {
        &self.currents
    }

    /// The spike counts, in input order.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// Neuron `index`.
    pub fn point(&self, index: usize) -> CurvePoint {
        CurvePoint::against(
            &self.run,
            &self.analytic,
            self.currents[index],
            self.counts[index],
        )
    }

    /// Every neuron, in input order.
    pub fn points(&self) -> impl Iterator<Item = CurvePoint> + '_ {
        (0..self.len()).map(|i| self.point(i))
    }

    /// About `rows` neurons evenly spread over the input order, first and last included.
    pub fn sample(&self, rows: usize) -> Vec<CurvePoint> {
        sample_indices(self.len(), rows)
            .into_iter()
            .map(|k| self.point(k))
            .collect()
    }

    /// The report a streamed run of the same curve gives, sampling `sample_rows`
    /// neurons.
    pub fn report(&self, sample_rows: usize) -> CurveReport {
        CurveReport {
            run: self.run,
            backend: self.backend,
            device: self.device.clone(),
            elapsed: self.elapsed,
            summary: self.summary,
            sample: self.sample(sample_rows),
            analytic: self.analytic,
            trains: Vec::new(),
            devices: Vec::new(),
        }
    }

    /// Summary statistics.
    pub fn summary(&self) -> &CurveSummary {
        &self.summary
    }

    /// The backend that simulated it.
    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The device it ran on.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// Wall time of the simulation alone.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Neuron-steps per second of wall time.
    pub fn neuron_steps_per_second(&self) -> f64 {
        self.len() as f64 * f64::from(self.run.steps()) / self.elapsed.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_includes_both_ends() {
        assert_eq!(sweep(0.0, 10.0, 11).unwrap()[3], 3.0);
        let s = sweep(0.1, 0.7, 7).unwrap();
        assert_eq!((s[0], s[6]), (0.1, 0.7));
        assert_eq!(s[3], 0.1 + (0.7f64 - 0.1) * 3.0 / 6.0);
        assert_eq!(sweep(2.0, 5.0, 1).unwrap(), vec![2.0]);
        assert_eq!(sweep(2.0, 2.0, 3).unwrap(), vec![2.0; 3]);
    }

    #[test]
    fn sweep_rejects_bad_ranges() {
        let name = |r: Result<Vec<f64>>| match r {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected a parameter error, got {other:?}"),
        };
        assert_eq!(name(sweep(5.0, 1.0, 10)), "i_min");
        assert_eq!(name(sweep(0.0, 1.0, 0)), "neurons");
        assert_eq!(name(sweep(f64::NAN, 1.0, 3)), "i_min");
        assert_eq!(name(sweep(0.0, f64::INFINITY, 3)), "i_max");
        assert_eq!(name(sweep(0.0, 1e31, 3)), "i_max");
    }

    #[test]
    fn files_skip_comments_whole_and_inline() {
        let dir = std::env::temp_dir().join(format!("gpulif-currents-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("currents.txt");
        std::fs::write(
            &path,
            "# input currents\n1.5\n\n10 # ten\n  2e1\t# twenty\n#\n",
        )
        .unwrap();
        assert_eq!(Currents::read_file(&path).unwrap(), [1.5, 10.0, 20.0]);
        std::fs::write(&path, "1\nten # not a number\n").unwrap();
        let error = Currents::read_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("\"ten\""),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lists_parse_and_complain_precisely() {
        assert_eq!(
            Currents::parse_list("1.1, 10,100").unwrap(),
            vec![1.1, 10.0, 100.0]
        );
        let err = Currents::parse_list("1,abc").unwrap_err().to_string();
        assert!(err.contains("item 2") && err.contains("abc"), "{err}");
        assert!(Currents::parse_list("1,inf").is_err());
        assert!(Currents::parse_list("").is_err());
    }

    #[test]
    fn sample_spans_the_curve() {
        let run = Run::new(LifParams::default(), 1.0).unwrap();
        let n = 1001;
        let currents = sweep(0.0, 10.0, n).unwrap();
        let curve = TuningCurve::new(
            run,
            currents,
            vec![0; n],
            BackendKind::Cpu,
            String::new(),
            Duration::from_secs(1),
        );
        let rows = curve.sample(12);
        assert_eq!(rows.len(), 12);
        assert_eq!(rows[0].current, 0.0);
        assert_eq!(rows[11].current, 10.0);
        assert_eq!(curve.sample(5000).len(), n);
    }
}
