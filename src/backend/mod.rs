//! Where neurons are stepped. Every backend offers a [`Population`] — neurons with
//! state, inputs that may change between runs of steps, counts that accumulate — and a
//! [`Stepper`] that makes populations and runs experiments over them, so that no
//! experiment knows a backend's internals.
//!
//! * [`cpu`]: the float32 kernel in Rust, blocks of neurons in vector registers;
//! * [`gpu`]: the WGSL kernels through wgpu, and the embedding API;
//! * [`reference`](mod@reference): the tutorial in float64, the oracle.
//!
//! The method ([`Method`]) is matched once per backend, where its population is made
//! and stepped.

pub mod cpu;
pub mod gpu;
pub mod reference;

use crate::error::{Error, Result};
use crate::model::params::{Method, NeuronParams, Run, validate_current};

/// Which implementation simulated a population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum BackendKind {
    /// The WGSL kernel through wgpu ([`crate::gpu::GpuStepper`]).
    Gpu,
    /// The float32 CPU mirror of the kernel ([`crate::cpu::CpuStepper`]).
    Cpu,
    /// The float64 transcription of the tutorial ([`crate::cpu::ReferenceStepper`]).
    Reference,
}

impl BackendKind {
    /// The lowercase name used on the command line and in output files.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Gpu => "gpu",
            BackendKind::Cpu => "cpu",
            BackendKind::Reference => "reference",
        }
    }
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Neurons per batch of a streamed experiment unless a backend prefers another size:
/// 2²⁰ neurons hold 8 MiB of currents and 4 MiB of counts.
pub const DEFAULT_BATCH_NEURONS: usize = 1 << 20;

/// Progress reports: called with the number of neuron-steps completed since the last
/// call, possibly from several threads.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// Where [`Population::record`] hands each recorded step: the step's index within the
/// recording, every neuron's voltage after it, and the spikes each neuron fired in it
/// (more than one only with the exact method when `tau_ref < dt`).
pub type StepSink<'a> = &'a mut dyn FnMut(u32, &[f64], &[u32]);

/// Independent LIF neurons on one backend, each driven by its own input current, with
/// state that persists between runs of steps.
///
/// Every backend implements it: [`crate::cpu::CpuPopulation`] (float32, blocks in
/// vector registers), [`crate::gpu::GpuRunner`] (the WGSL kernels on a device the
/// library opened) and [`crate::reference::ReferencePopulation`] (float64). A
/// population starts at rest (`v = 0`, not refractory, no spikes); the methods, the
/// per-neuron parameters and the meaning of every value are the same on all of them.
pub trait Population: Send {
    /// Number of neurons.
    fn len(&self) -> usize;

    /// Always false: a population has at least one neuron.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How the population is integrated.
    fn method(&self) -> Method;

    /// New input currents (model units, one per neuron) for the steps that follow.
    /// Each neuron's voltage carries over unchanged; a refractory neuron stays
    /// refractory.
    fn write_currents(&mut self, currents: &[f64]) -> Result<()>;

    /// Advances every neuron by `steps` steps, reporting the neuron-steps done as it
    /// goes.
    fn advance(&mut self, steps: u32, progress: Progress<'_>) -> Result<()>;

    /// Spikes of each neuron since the start or the last reset or clear.
    fn counts(&self) -> Result<Vec<u32>>;

    /// Spikes of each neuron on the last step: 0 or 1 for Euler; the exact method may
    /// fire several times in a step when `tau_ref < dt`.
    fn spiked(&self) -> Result<Vec<u32>>;

    /// Each neuron's membrane voltage (float32 backends: the float32 value, widened).
    fn voltages(&self) -> Result<Vec<f64>>;

    /// Every neuron back to rest under its latest current, no spikes counted.
    fn reset(&mut self) -> Result<()>;

    /// Spike counts back to zero; the neurons' state is kept.
    fn clear_counts(&mut self) -> Result<()>;

    /// Advances `steps` steps one at a time, handing each step's voltages and spikes
    /// to `sink`. Backends override it to record without a round trip per step.
    fn record(&mut self, steps: u32, sink: StepSink<'_>) -> Result<()> {
        for k in 0..steps {
            self.advance(1, &|_| {})?;
            sink(k, &self.voltages()?, &self.spiked()?);
        }
        Ok(())
    }
}

/// A backend that makes populations and simulates experiments on them.
pub trait Stepper {
    /// Which backend this is.
    fn kind(&self) -> BackendKind;

    /// A human-readable description of the device it runs on.
    fn device(&self) -> String;

    /// How many neurons a caller streaming a large experiment should hand to one
    /// [`Stepper::spike_counts`] call: enough to keep the device busy, few enough that
    /// memory stays bounded.
    fn batch_neurons(&self) -> usize {
        DEFAULT_BATCH_NEURONS
    }

    /// A population of one neuron per entry of `currents` (model units), at rest,
    /// integrated with `run.method()`. Every neuron has `run.params()` except the
    /// parameters `each` gives per neuron.
    ///
    /// Every backend of this crate makes populations. A stepper written outside it may
    /// implement [`Stepper::simulate`] alone (as steppers did before populations
    /// existed); then this returns [`Error::Unsupported`], and so do the experiments
    /// that need a population (traces, benchmarks).
    fn population(
        &mut self,
        run: &Run,
        currents: &[f64],
        each: &NeuronParams<'_>,
    ) -> Result<Box<dyn Population + '_>> {
        let _ = (run, currents, each);
        Err(Error::Unsupported(format!(
            "the {} backend ({}) makes no populations",
            self.kind(),
            self.device()
        )))
    }

    /// The most neurons of `run` that one population on this backend holds; larger
    /// experiments are split. Unbounded unless the backend says otherwise.
    fn max_population(&self, run: &Run, each: &NeuronParams<'_>) -> usize {
        let _ = (run, each);
        usize::MAX
    }

    /// Simulates one neuron per entry of `currents` (model units) for `run.steps()`
    /// steps of `run.method()` from rest and returns each neuron's spike count, in
    /// input order. Every neuron has `run.params()` except the parameters `each` gives
    /// per neuron.
    fn simulate(
        &mut self,
        run: &Run,
        currents: &[f64],
        each: &NeuronParams<'_>,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        check_inputs(run, currents, each)?;
        let batch = self.max_population(run, each).max(1);
        let mut counts = Vec::with_capacity(currents.len());
        for (b, currents) in currents.chunks(batch).enumerate() {
            let each = each.slice(b * batch..b * batch + currents.len());
            let mut population = self.population(run, currents, &each)?;
            population.advance(run.steps(), progress)?;
            counts.extend(population.counts()?);
        }
        Ok(counts)
    }

    /// [`Stepper::simulate`] with every neuron's parameters `run.params()`.
    fn spike_counts(
        &mut self,
        run: &Run,
        currents: &[f64],
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        self.simulate(run, currents, &NeuronParams::SHARED, progress)
    }
}

/// What every backend checks before making a population: the currents, and the
/// per-neuron parameters against the number of neurons.
pub(crate) fn check_inputs(run: &Run, currents: &[f64], each: &NeuronParams<'_>) -> Result<()> {
    check_population(run.params(), currents, each)
}

/// The parameters, at least one neuron, every current, and the per-neuron parameters.
pub(crate) fn check_population(
    params: &crate::model::params::LifParams,
    currents: &[f64],
    each: &NeuronParams<'_>,
) -> Result<()> {
    params.validate()?;
    if currents.is_empty() {
        return Err(Error::parameter("neurons", 0usize, "at least 1"));
    }
    check_currents(currents, currents.len())?;
    each.validate(params, currents.len())
}

/// One valid current per neuron.
pub(crate) fn check_currents(currents: &[f64], neurons: usize) -> Result<()> {
    if currents.len() != neurons {
        return Err(Error::parameter(
            "currents",
            currents.len(),
            format!("one current per neuron, {neurons}"),
        ));
    }
    currents
        .iter()
        .try_for_each(|&current| validate_current("currents", current))
}

/// Which backend to open: what `--backend` names on the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// A hardware GPU if there is one, else the CPU backend: a machine with no GPU
    /// runs on its processor's fast kernel rather than on a software rasteriser.
    #[default]
    Auto,
    /// The GPU backend on any adapter, software ones (Mesa's lavapipe) included.
    Gpu,
    /// The float32 CPU backend.
    Cpu,
    /// The float64 reference.
    Reference,
}

/// A stepper opened by [`open`], and what the caller should tell the user about it.
pub struct Opened {
    /// The backend.
    pub stepper: Box<dyn Stepper + Send>,
    /// Set when [`BackendChoice::Auto`] fell back to the CPU: why, in a sentence.
    pub note: Option<String>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("backend", &self.stepper.kind())
            .field("device", &self.stepper.device())
            .field("note", &self.note)
            .finish()
    }
}

/// Opens the backend `choice` names; `adapter`, when given, picks the GPU adapter
/// whose name contains it.
///
/// [`BackendChoice::Auto`] takes the best hardware adapter and falls back to the CPU
/// backend only when there is none, saying so in [`Opened::note`]; any other GPU error
/// (a device that cannot be opened, a kernel the device rejects) is returned, never
/// hidden behind the fallback. [`BackendChoice::Gpu`] fails when no adapter exists.
pub fn open(choice: &BackendChoice, adapter: Option<&str>) -> Result<Opened> {
    use gpu::{AdapterChoice, GpuContext, GpuStepper};
    let named = adapter.map(|name| AdapterChoice::Named(name.to_owned()));
    let gpu = |choice: AdapterChoice| -> Result<Box<dyn Stepper + Send>> {
        Ok(Box::new(GpuStepper::try_new(GpuContext::new(&choice)?)?))
    };
    let opened = |stepper| Opened {
        stepper,
        note: None,
    };
    Ok(match choice {
        BackendChoice::Cpu => opened(Box::<cpu::CpuStepper>::default()),
        BackendChoice::Reference => opened(Box::new(reference::ReferenceStepper)),
        BackendChoice::Gpu => opened(gpu(named.unwrap_or(AdapterChoice::Any))?),
        BackendChoice::Auto => match gpu(named.unwrap_or(AdapterChoice::Hardware)) {
            Ok(stepper) => opened(stepper),
            Err(Error::NoAdapter(_)) => Opened {
                stepper: Box::<cpu::CpuStepper>::default(),
                note: Some(format!(
                    "{} (`gpulif devices` lists what wgpu finds); running on the CPU backend",
                    match adapter {
                        Some(name) => format!("no GPU adapter whose name contains {name:?}"),
                        None => "no hardware GPU adapter".to_owned(),
                    }
                )),
            },
            Err(error) => return Err(error),
        },
    })
}

/// What a population simulates: its neurons' parameters and method, and their first
/// input currents. Every backend's population is made from one.
#[derive(Clone, Copy, Debug)]
pub struct PopulationDesc<'a> {
    /// The neurons' parameters, except those `each` gives per neuron.
    pub params: &'a crate::model::params::LifParams,
    /// How they are integrated.
    pub method: Method,
    /// Parameters given per neuron.
    pub each: NeuronParams<'a>,
    /// One input current per neuron, model units.
    pub currents: &'a [f64],
}

impl<'a> PopulationDesc<'a> {
    /// Euler neurons sharing `params`, one per current.
    pub fn new(params: &'a crate::model::params::LifParams, currents: &'a [f64]) -> Self {
        PopulationDesc {
            params,
            method: Method::Euler,
            each: NeuronParams::SHARED,
            currents,
        }
    }

    /// `run`'s neurons (its parameters and method) for `currents`, with the parameters
    /// `each` gives per neuron.
    pub fn for_run(run: &'a Run, currents: &'a [f64], each: NeuronParams<'a>) -> Self {
        PopulationDesc {
            params: run.params(),
            method: run.method(),
            each,
            currents,
        }
    }

    /// The same population integrated with `method`.
    pub fn with_method(self, method: Method) -> Self {
        PopulationDesc { method, ..self }
    }

    /// The same population with the parameters `each` gives per neuron.
    pub fn with_each(self, each: NeuronParams<'a>) -> Self {
        PopulationDesc { each, ..self }
    }

    /// Checks the parameters, the currents and the per-neuron parameters.
    pub fn validate(&self) -> Result<()> {
        check_population(self.params, self.currents, &self.each)
    }
}
