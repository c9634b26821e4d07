//! What a curve leaves behind: its report, its points and summary, and the whole
//! curve when it is kept in memory.

use std::time::Duration;

use super::Analytic;
use crate::backend::{BackendKind, per_second};
use crate::input::Poisson;
use crate::model::analytic;
use crate::model::noise::Noise;
use crate::model::run::Run;

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
    /// The noise that drove the neurons.
    pub noise: Noise,
    /// The Poisson input into the neurons.
    pub poisson: Poisson,
    /// Whether the counts were computed from each neuron's period rather than by
    /// stepping every step (the same counts): `elapsed` is then no stepping time.
    pub counted: bool,
    /// The recorded neurons' spike statistics ([`crate::experiment::trains`]), if any were
    /// recorded.
    pub trains: Vec<crate::experiment::trains::TrainStats>,
    /// What each device did, when several shared the run.
    pub devices: Vec<crate::backend::DeviceShare>,
}

impl CurveReport {
    /// Neuron-steps per second of wall time; 0 for a run of no neurons (an empty shard).
    pub fn neuron_steps_per_second(&self) -> f64 {
        per_second(
            self.summary.neurons as f64 * f64::from(self.run.steps()),
            self.elapsed.as_secs_f64(),
        )
    }

    /// Simulated neuron-seconds per second of wall time: the speed of a run whose
    /// counts were computed from each neuron's period ([`CurveReport::counted`]), whose
    /// neuron-steps were not stepped. 0 for a run of no neurons.
    pub fn neuron_seconds_per_second(&self) -> f64 {
        per_second(
            self.summary.neurons as f64 * self.run.duration(),
            self.elapsed.as_secs_f64(),
        )
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
pub(super) struct SummaryBuilder {
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
    pub(super) fn new(run: Run, analytic: Analytic) -> Self {
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

    pub(super) fn add_all(&mut self, currents: &[f64], counts: &[u32]) {
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
    pub(super) fn finish(self) -> CurveSummary {
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
    noise: Noise,
    poisson: Poisson,
    /// See [`CurveReport::counted`].
    pub(crate) counted: bool,
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
        Self::against(
            run,
            analytic,
            (Noise::NONE, Poisson::NONE),
            currents,
            counts,
            backend,
            device,
            elapsed,
        )
    }

    /// The counts of `curve`'s neurons as a curve: [`TuningCurve::new`] with the run,
    /// the noise and the analytic rate of `curve`.
    ///
    /// # Panics
    ///
    /// As [`TuningCurve::new`].
    pub fn of(
        curve: &super::CurveRun,
        currents: Vec<f64>,
        counts: Vec<u32>,
        backend: BackendKind,
        device: String,
        elapsed: Duration,
    ) -> Self {
        Self::against(
            *curve.run(),
            *curve.analytic(),
            (curve.noise(), curve.poisson()),
            currents,
            counts,
            backend,
            device,
            elapsed,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn against(
        run: Run,
        analytic: Analytic,
        (noise, poisson): (Noise, Poisson),
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
            noise,
            poisson,
            counted: false,
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
            noise: self.noise,
            poisson: self.poisson,
            counted: self.counted,
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

    /// Neuron-steps per second of wall time; 0 for a run of no neurons.
    pub fn neuron_steps_per_second(&self) -> f64 {
        per_second(
            self.len() as f64 * f64::from(self.run.steps()),
            self.elapsed.as_secs_f64(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::curve::sweep;
    use crate::model::params::LifParams;

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
