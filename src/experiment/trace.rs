//! One neuron (or a few) followed step by step: the membrane voltage after every step
//! and the steps on which it fired, as the tutorial's `fullPlot` and `plotSpikes` draw
//! them.

use crate::backend::{BackendKind, Stepper};
use crate::error::{Error, Result};
use crate::input::PopulationDesc;
use crate::model::params::validate_current;
use crate::model::run::Run;

/// The most samples (steps × neurons) one trace records: each is kept in memory and
/// becomes a row of the CSV output.
pub const MAX_TRACE_SAMPLES: u64 = 20_000_000;

/// Voltages and spikes of a few neurons, each under its own constant input, from rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    run: Run,
    currents: Vec<f64>,
    /// `voltages[n][k]`: neuron `n`'s voltage after step `k`.
    voltages: Vec<Vec<f64>>,
    /// The steps (0-based) on which each neuron fired.
    spikes: Vec<Vec<u32>>,
    backend: BackendKind,
    device: String,
    /// Added to every neuron's current, one value per step.
    stimulus: Option<crate::input::Signal>,
    noise: crate::model::noise::Noise,
    /// The Poisson input.
    poisson: crate::input::Poisson,
}

/// Checks the currents and that the trace fits in [`MAX_TRACE_SAMPLES`]: what
/// [`Trace::record`] checks before it makes a population.
pub fn check(run: &Run, currents: &[f64]) -> Result<()> {
    if currents.is_empty() {
        return Err(Error::parameter("current", 0usize, "at least one current"));
    }
    for &current in currents {
        validate_current("current", current)?;
    }
    let samples = u64::from(run.steps()) * currents.len() as u64;
    if samples > MAX_TRACE_SAMPLES {
        return Err(Error::parameter(
            "duration",
            run.duration(),
            format!(
                "at most {MAX_TRACE_SAMPLES} recorded steps over all currents: {} steps × {} \
                 currents is {samples} (use `gpulif curve` for counts alone)",
                run.steps(),
                currents.len()
            ),
        ));
    }
    Ok(())
}

impl Trace {
    /// Follows the neurons `desc` describes (one per current, with its noise and
    /// stimulus) for `run.steps()` steps on `stepper`'s backend, recording every
    /// neuron's voltage after each step and every spike (several in one step with the
    /// exact method when `tau_ref < dt`).
    pub fn record(
        stepper: &mut dyn Stepper,
        run: &Run,
        desc: &PopulationDesc<'_>,
    ) -> Result<Trace> {
        let currents = desc.currents;
        check(run, currents)?;
        desc.validate()?;
        desc.check_stimulus_covers(0, run.steps())?;
        let (backend, device) = (stepper.kind(), stepper.device());
        let mut population = stepper.population(desc)?;
        let steps = run.steps() as usize;
        let mut voltages = vec![Vec::with_capacity(steps); currents.len()];
        let mut spikes = vec![Vec::new(); currents.len()];
        population.record(run.steps(), &mut |k, v, fired| {
            for n in 0..v.len() {
                voltages[n].push(v[n]);
                spikes[n].extend(std::iter::repeat_n(k, fired[n] as usize));
            }
        })?;
        Ok(Trace {
            run: *run,
            currents: currents.to_vec(),
            voltages,
            spikes,
            backend,
            device,
            stimulus: desc.stimulus.map(|s| s.values.prefix(run.steps() as usize)),
            noise: desc.noise,
            poisson: desc.poisson,
        })
    }

    /// The run.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// The input currents, one neuron each.
    pub fn currents(&self) -> &[f64] {
        &self.currents
    }

    /// Neuron `n`'s voltage after each step.
    pub fn voltages(&self, n: usize) -> &[f64] {
        &self.voltages[n]
    }

    /// The steps (0-based) on which neuron `n` fired, a step repeated for each spike it
    /// holds (the exact method fires several times in a step when `tau_ref < dt`).
    pub fn spike_steps(&self, n: usize) -> &[u32] {
        &self.spikes[n]
    }

    /// The time at the end of step `k`, seconds: `(k + 1)·dt`.
    pub fn time(&self, k: u32) -> f64 {
        f64::from(k + 1) * self.run.params().dt
    }

    /// Spikes of neuron `n`.
    pub fn count(&self, n: usize) -> usize {
        self.spikes[n].len()
    }

    /// The backend that ran it.
    pub fn backend(&self) -> BackendKind {
        self.backend
    }

    /// The device it ran on.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The deterministic input of neuron `n` on step `k`: its current, plus the
    /// stimulus's value if there is one (the noise is not included).
    pub fn input(&self, n: usize, k: u32) -> f64 {
        self.currents[n] + self.stimulus.as_ref().map_or(0.0, |s| s[k as usize])
    }

    /// The stimulus added to every neuron's current, if any.
    pub fn stimulus(&self) -> Option<&[f64]> {
        self.stimulus.as_ref().map(|s| s.values())
    }

    /// The noise the neurons were driven by.
    pub fn noise(&self) -> crate::model::noise::Noise {
        self.noise
    }

    /// The Poisson input the neurons received.
    pub fn poisson(&self) -> crate::input::Poisson {
        self.poisson
    }

    /// The tutorial's sentence for neuron `n`, e.g. `An input of 1.1 produces 82 spikes
    /// in 20 seconds (4.10 Hz)`.
    pub fn sentence(&self, n: usize) -> String {
        let duration = self.run.duration();
        format!(
            "An input of {} produces {} spikes in {} seconds ({:.2} Hz)",
            self.currents[n],
            self.count(n),
            duration,
            self.count(n) as f64 / duration
        )
    }
}
