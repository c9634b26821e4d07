//! Measured speed of each backend on one workload, in neuron-steps per second.
//!
//! Every backend is timed the same way: its neurons and inputs are prepared once
//! (untimed, reported as `setup_seconds`), one warm-up run follows (on the GPU it also
//! sizes the dispatches), then each timed run brings every neuron back to rest and
//! advances it by all the steps, to completion. `seconds` is the median of the timed
//! runs. The counts of the last run are kept so that backends can be compared.

use std::time::{Duration, Instant};

use crate::backend::{BackendKind, Stepper};
use crate::error::{Error, Result};
use crate::experiment::curve::sweep;
use crate::input::{Poisson, PopulationDesc};
use crate::model::noise::Noise;
use crate::model::params::{LifParams, Method, NeuronParams};
use crate::model::run::Run;

/// What every backend simulates: `neurons` neurons with currents evenly spread from
/// `i_min` to `i_max`, for `steps` steps from rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The neuron.
    pub params: LifParams,
    /// Neurons.
    pub neurons: usize,
    /// Steps.
    pub steps: u32,
    /// Smallest current.
    pub i_min: f64,
    /// Largest current.
    pub i_max: f64,
    /// How the neurons are integrated.
    pub method: Method,
    /// Noise added to every neuron's input (Euler only).
    pub noise: Noise,
    /// Poisson input into every neuron (Euler only), drawn with the noise's seed.
    pub poisson: Poisson,
}

impl Default for Workload {
    /// 10⁶ neurons × 1000 steps of the tutorial's neuron, currents 0 to 10.
    fn default() -> Self {
        Workload {
            params: LifParams::default(),
            neurons: 1_000_000,
            steps: 1000,
            i_min: 0.0,
            i_max: 10.0,
            method: Method::Euler,
            noise: Noise::NONE,
            poisson: Poisson::NONE,
        }
    }
}

/// The most neurons `gpulif bench` takes: every backend keeps all of them in memory
/// (the CPU backend 28 bytes a neuron, the GPU 28–32 bytes of device memory).
pub const MAX_BENCH_NEURONS: usize = 200_000_000;

impl Workload {
    /// The validated run.
    pub fn run(&self) -> Result<Run> {
        Ok(Run::with_steps(self.params, self.steps)?.with_method(self.method))
    }

    /// The validated currents.
    pub fn currents(&self) -> Result<Vec<f64>> {
        if self.neurons > MAX_BENCH_NEURONS {
            return Err(Error::parameter(
                "neurons",
                self.neurons,
                format!(
                    "at most {MAX_BENCH_NEURONS} for a benchmark, which keeps every neuron in \
                     memory (`gpulif curve` streams larger sweeps)"
                ),
            ));
        }
        sweep(self.i_min, self.i_max, self.neurons)
    }

    /// Neuron-steps of one run.
    pub fn neuron_steps(&self) -> u64 {
        self.neurons as u64 * u64::from(self.steps)
    }
}

/// One backend's speed on a workload.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Measurement {
    /// The backend.
    pub backend: BackendKind,
    /// The device it ran on.
    pub device: String,
    /// Neurons.
    pub neurons: usize,
    /// Steps.
    pub steps: u32,
    /// Median wall time of the timed runs, seconds.
    pub seconds: f64,
    /// `neurons × steps / seconds`.
    pub neuron_steps_per_second: f64,
    /// Every timed run's wall time, seconds.
    pub run_seconds: Vec<f64>,
    /// Preparing the neurons and inputs (and, on the GPU, uploading them), once.
    pub setup_seconds: f64,
    /// The noise the neurons were driven by (`sigma` 0: none), with its seed.
    pub noise: Noise,
    /// The Poisson input the neurons received (in the JSON when it is on).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "is_off"))]
    pub poisson: Poisson,
    /// The spike counts of the last run, in input order.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub counts: Vec<u32>,
    /// The same run counted from each neuron's period, where the backend can
    /// ([`Stepper::counts_by_period`]): its own figure, never folded into
    /// `neuron_steps_per_second`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub counted: Option<Counted>,
}

/// A run counted from each neuron's period, timed from the currents to the counts
/// (making the population included, as [`Stepper::simulate`] does it).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Counted {
    /// Median wall time of the timed runs, seconds.
    pub seconds: f64,
    /// Simulated neuron-seconds per second of wall time.
    pub neuron_seconds_per_second: f64,
    /// How many times faster than stepping the same run, its setup included.
    pub speed_up: f64,
    /// Whether every count equals the stepped one (it must).
    pub identical: bool,
}

impl Measurement {
    fn new(
        backend: BackendKind,
        device: String,
        workload: &Workload,
        mut runs: Vec<Duration>,
        setup: Duration,
        counts: Vec<u32>,
    ) -> Self {
        let run_seconds: Vec<f64> = runs.iter().map(Duration::as_secs_f64).collect();
        runs.sort();
        let median = runs[runs.len() / 2].as_secs_f64();
        Measurement {
            backend,
            device,
            neurons: workload.neurons,
            steps: workload.steps,
            seconds: median,
            neuron_steps_per_second: workload.neuron_steps() as f64 / median,
            run_seconds,
            setup_seconds: setup.as_secs_f64(),
            noise: workload.noise,
            poisson: workload.poisson,
            counts,
            counted: None,
        }
    }
}

/// True when `poisson` is off (left out of the JSON).
#[cfg(feature = "serde")]
fn is_off(poisson: &Poisson) -> bool {
    !poisson.is_on()
}

/// Times `body` `runs` times after one untimed warm-up.
fn time_runs(runs: usize, mut body: impl FnMut() -> Result<()>) -> Result<Vec<Duration>> {
    if runs == 0 {
        return Err(Error::parameter("runs", runs, "at least 1"));
    }
    body()?;
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            body().map(|()| started.elapsed())
        })
        .collect()
}

/// The backend `stepper`: its population is made once (the setup), then each timed
/// run resets it and advances it by all the steps. On the GPU, advancing waits until
/// the device has finished; the readback of the counts is not timed. Where the
/// backend counts the run from each neuron's period, that is timed too, `runs` times,
/// from the currents to the counts ([`Measurement::counted`]).
pub fn measure(stepper: &mut dyn Stepper, workload: &Workload, runs: usize) -> Result<Measurement> {
    let run = workload.run()?;
    let (kind, device) = (stepper.kind(), stepper.device());
    let started = Instant::now();
    let currents = workload.currents()?;
    let desc = PopulationDesc::for_run(&run, &currents, NeuronParams::SHARED)
        .with_noise(workload.noise)
        .with_poisson(workload.poisson);
    // Stepped every step: the counting from the periods is timed on its own below.
    let mut population = stepper.population(&desc.with_stepwise(true))?;
    // A readback waits until every upload has landed (on the GPU).
    population.counts()?;
    let setup = started.elapsed();
    let times = time_runs(runs, || {
        population.reset()?;
        population.advance(run.steps(), &|_| {})
    })?;
    let counts = population.counts()?;
    let mut measurement = Measurement::new(kind, device, workload, times, setup, counts);
    if stepper.counts_by_period(&desc) {
        drop(population);
        let mut counted = Vec::new();
        let times = time_runs(runs, || {
            counted = stepper.simulate(&desc, run.steps(), &|_| {})?;
            Ok(())
        })?;
        let mut times: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
        times.sort_by(f64::total_cmp);
        let seconds = times[times.len() / 2];
        measurement.counted = Some(Counted {
            seconds,
            neuron_seconds_per_second: workload.neurons as f64
                * f64::from(workload.steps)
                * workload.params.dt
                / seconds,
            speed_up: (measurement.setup_seconds + measurement.seconds) / seconds,
            identical: counted == measurement.counts,
        });
    }
    Ok(measurement)
}

/// How two backends' counts compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Agreement {
    /// Neurons with the same count.
    pub identical: usize,
    /// Neurons compared.
    pub neurons: usize,
    /// The largest difference of counts.
    pub max_difference: u32,
}

impl Agreement {
    /// Compares two runs of the same workload.
    ///
    /// # Panics
    ///
    /// If they have different numbers of neurons.
    pub fn of(a: &[u32], b: &[u32]) -> Self {
        assert_eq!(a.len(), b.len(), "the same workload");
        Agreement {
            identical: a.iter().zip(b).filter(|(x, y)| x == y).count(),
            neurons: a.len(),
            max_difference: a
                .iter()
                .zip(b)
                .map(|(x, y)| x.abs_diff(*y))
                .max()
                .unwrap_or(0),
        }
    }

    /// Every count equal.
    pub fn is_identical(&self) -> bool {
        self.identical == self.neurons
    }

    /// The share of identical counts.
    pub fn fraction(&self) -> f64 {
        self.identical as f64 / self.neurons.max(1) as f64
    }
}
