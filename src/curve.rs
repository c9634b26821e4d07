//! The tuning-curve experiment: currents → a backend → spike counts → rates beside the
//! analytic curve.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::analytic;
use crate::backend::{BackendKind, Progress, Stepper};
use crate::error::{Error, Result};
use crate::params::{LifParams, Run, validate_current};

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
        match *self {
            Currents::Sweep {
                i_min,
                i_max,
                neurons,
            } => sweep(i_min, i_max, neurons),
            Currents::List(ref list) => {
                check_neuron_count(list.len())?;
                for &current in list {
                    validate_current("currents", current)?;
                }
                Ok(list.clone())
            }
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

    /// Reads one current per line from a file; blank lines and lines starting with `#`
    /// are skipped.
    pub fn read_file(path: &Path) -> Result<Vec<f64>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Currents(format!("cannot read currents from {}: {e}", path.display()))
        })?;
        let mut currents = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
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
    validate_current("i_min", i_min)?;
    validate_current("i_max", i_max)?;
    if i_min > i_max {
        return Err(Error::parameter(
            "i_min",
            i_min,
            format!("a current no greater than the largest one, i_max = {i_max}"),
        ));
    }
    check_neuron_count(neurons)?;
    if neurons == 1 {
        return Ok(vec![i_min]);
    }
    let last = (neurons - 1) as f64;
    let mut currents: Vec<f64> = (0..neurons)
        .map(|k| i_min + (i_max - i_min) * k as f64 / last)
        .collect();
    // The formula can land an ulp away from i_max; the sweep promises both ends.
    currents[neurons - 1] = i_max;
    Ok(currents)
}

/// What to simulate: neuron parameters, run length and currents.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveSpec {
    /// The neuron.
    pub params: LifParams,
    /// Run length, seconds; a whole number of `params.dt` steps.
    pub duration: f64,
    /// The currents, one neuron each.
    pub currents: Currents,
}

impl CurveSpec {
    /// Validates everything and forms the currents.
    pub fn sweep(&self) -> Result<Sweep> {
        let run = Run::new(self.params, self.duration)?;
        let currents = self.currents.values()?;
        Ok(Sweep { run, currents })
    }
}

/// A validated experiment, ready for a backend.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The run every neuron is simulated for.
    pub run: Run,
    /// One current per neuron, model units.
    pub currents: Vec<f64>,
}

impl Sweep {
    /// Neuron-steps the experiment takes: the unit of progress and speed.
    pub fn neuron_steps(&self) -> u64 {
        self.currents.len() as u64 * u64::from(self.run.steps())
    }

    /// Simulates every neuron on `stepper` and forms the tuning curve.
    pub fn simulate(
        &self,
        stepper: &mut dyn Stepper,
        progress: Progress<'_>,
    ) -> Result<TuningCurve> {
        let started = Instant::now();
        let counts = stepper.spike_counts(&self.run, &self.currents, progress)?;
        let elapsed = started.elapsed();
        Ok(TuningCurve::new(
            self.run,
            self.currents.clone(),
            counts,
            stepper.kind(),
            stepper.device(),
            elapsed,
        ))
    }
}

/// One neuron of a tuning curve.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
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

    /// `rate − analytic_rate`, Hz.
    pub fn rate_error(&self) -> f64 {
        self.rate - self.analytic_rate
    }
}

/// Summary statistics of a tuning curve.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct CurveSummary {
    /// Neurons simulated.
    pub neurons: usize,
    /// Neurons that spiked at least once.
    pub firing: usize,
    /// Spikes over all neurons.
    pub total_spikes: u64,
    /// Mean simulated rate, Hz.
    pub mean_rate: f64,
    /// Largest simulated rate, Hz.
    pub max_rate: f64,
    /// Mean of `|rate − analytic_rate|`, Hz.
    pub mean_abs_rate_error: f64,
    /// The neuron with the largest `|rate − analytic_rate|`.
    pub worst: CurvePoint,
}

impl CurveSummary {
    /// The statistics of a non-empty curve.
    fn of(run: &Run, currents: &[f64], counts: &[u32]) -> Self {
        let neurons = currents.len();
        let mut worst = CurvePoint::new(run, currents[0], counts[0]);
        let (mut firing, mut total_spikes) = (0, 0u64);
        let (mut rate_sum, mut max_rate, mut abs_error_sum) = (0.0, 0.0f64, 0.0);
        for (&current, &count) in currents.iter().zip(counts) {
            let point = CurvePoint::new(run, current, count);
            firing += usize::from(count > 0);
            total_spikes += u64::from(count);
            rate_sum += point.rate;
            max_rate = max_rate.max(point.rate);
            abs_error_sum += point.rate_error().abs();
            if point.rate_error().abs() > worst.rate_error().abs() {
                worst = point;
            }
        }
        CurveSummary {
            neurons,
            firing,
            total_spikes,
            mean_rate: rate_sum / neurons as f64,
            max_rate,
            mean_abs_rate_error: abs_error_sum / neurons as f64,
            worst,
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
        assert_eq!(currents.len(), counts.len(), "one count per current");
        assert!(!currents.is_empty(), "a curve has at least one neuron");
        let summary = CurveSummary::of(&run, &currents, &counts);
        TuningCurve {
            run,
            currents,
            counts,
            backend,
            device,
            elapsed,
            summary,
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
        CurvePoint::new(&self.run, self.currents[index], self.counts[index])
    }

    /// Every neuron, in input order.
    pub fn points(&self) -> impl Iterator<Item = CurvePoint> + '_ {
        (0..self.len()).map(|i| self.point(i))
    }

    /// About `rows` neurons evenly spread over the input order, first and last included.
    pub fn sample(&self, rows: usize) -> Vec<CurvePoint> {
        let n = self.len();
        if n <= rows {
            return self.points().collect();
        }
        if rows < 2 {
            return self.points().take(rows).collect();
        }
        (0..rows)
            .map(|k| self.point(k * (n - 1) / (rows - 1)))
            .collect()
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
