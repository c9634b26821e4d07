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
use crate::input::PopulationDesc;
use crate::model::params::Method;

/// Which implementation simulated a population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum BackendKind {
    /// The WGSL kernel through wgpu ([`crate::backend::gpu::GpuStepper`]).
    Gpu,
    /// The float32 CPU mirror of the kernel ([`crate::backend::cpu::CpuStepper`]).
    Cpu,
    /// The float64 transcription of the tutorial ([`crate::backend::reference::ReferenceStepper`]).
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

/// What one device of a backend of several devices ([`gpu::MultiGpuStepper`]) did.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DeviceShare {
    /// The device, numbered as in the stepper: `device 0 (NVIDIA H200, Vulkan)`.
    pub device: String,
    /// Neurons it simulated.
    pub neurons: u64,
    /// Neuron-steps it simulated.
    pub neuron_steps: u64,
    /// Time it spent simulating, seconds.
    pub seconds: f64,
}

impl DeviceShare {
    /// Its neuron-steps per second.
    pub fn neuron_steps_per_second(&self) -> f64 {
        per_second(self.neuron_steps as f64, self.seconds)
    }
}

/// `work` per second of `seconds`: 0 where there was no work (an empty shard), rather
/// than 0/0's NaN, whatever the clock read.
pub(crate) fn per_second(work: f64, seconds: f64) -> f64 {
    if work == 0.0 {
        0.0
    } else {
        work / seconds.max(f64::MIN_POSITIVE)
    }
}

/// Neurons per batch of a streamed experiment unless a backend prefers another size:
/// 2²⁰ neurons hold 8 MiB of currents and 4 MiB of counts.
pub const DEFAULT_BATCH_NEURONS: usize = 1 << 20;

/// Where a run reports its progress, and how its caller asks it to stop.
///
/// Every closure `Fn(u64) + Sync` is a sink that never asks to stop, so `&|_| {}` and
/// `&|done| bar.inc(done)` are sinks as they are. A caller that may cancel (Python's
/// Ctrl-C) implements [`ProgressSink::stop`]: the backends look at it between chunks
/// of work (a rayon task of the CPU backend, a submission on the GPU, a population of
/// a batched experiment) and then return [`Error::Cancelled`].
pub trait ProgressSink: Sync {
    /// `neuron_steps` more neuron-steps are done; called from any thread.
    fn done(&self, neuron_steps: u64);

    /// True once the caller wants the run to stop.
    fn stop(&self) -> bool {
        false
    }
}

impl<F: Fn(u64) + Sync> ProgressSink for F {
    fn done(&self, neuron_steps: u64) {
        self(neuron_steps)
    }
}

/// A run's progress sink.
pub type Progress<'a> = &'a dyn ProgressSink;

/// [`Error::Cancelled`] if `progress` asks to stop.
pub(crate) fn check_stop(progress: Progress<'_>) -> Result<()> {
    if progress.stop() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

/// Where [`Population::record`] hands each recorded step: the step's index within the
/// recording, every neuron's voltage after it, and the spikes each neuron fired in it
/// (more than one only with the exact method when `tau_ref < dt`).
pub type StepSink<'a> = &'a mut dyn FnMut(u32, &[f64], &[u32]);

/// Independent LIF neurons on one backend, each driven by its own input current, with
/// state that persists between runs of steps.
///
/// Every backend implements it: [`crate::backend::cpu::CpuPopulation`] (float32, blocks in
/// vector registers), [`crate::backend::gpu::GpuRunner`] (the WGSL kernels on a device the
/// library opened) and [`crate::backend::reference::ReferencePopulation`] (float64). A
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
    /// goes. Where [`Population::counts_by_period`], the steps are counted from each
    /// neuron's period rather than stepped one by one; the state after them (voltages,
    /// refractory times, counts, last-step spikes) is the same, bit for bit.
    fn advance(&mut self, steps: u32, progress: Progress<'_>) -> Result<()>;

    /// Whether [`Population::advance`] counts from each neuron's period: a population
    /// driven by constant currents alone, whose description did not ask to step every
    /// step ([`PopulationDesc::is_countable`]), on a backend that can. Its currents are
    /// constant within each run of steps, whatever [`Population::write_currents`]
    /// writes between them.
    fn counts_by_period(&self) -> bool {
        false
    }

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

    /// What each device did, for a backend of several devices
    /// ([`gpu::MultiGpuStepper`]); empty for one.
    fn shares(&self) -> Vec<DeviceShare> {
        Vec::new()
    }

    /// Whether [`Stepper::simulate`] counts `desc`'s spikes from each neuron's period
    /// rather than stepping every step (the same counts, bit for bit): only for a
    /// population [`PopulationDesc::is_countable`] allows, on a backend that can.
    fn counts_by_period(&self, desc: &PopulationDesc<'_>) -> bool {
        let _ = desc;
        false
    }

    /// How many neurons a caller streaming a large experiment should hand to one
    /// [`Stepper::simulate`] call: enough to keep the device busy, few enough that
    /// memory stays bounded.
    fn batch_neurons(&self) -> usize {
        DEFAULT_BATCH_NEURONS
    }

    /// The population `desc` describes, at rest.
    fn population(&mut self, desc: &PopulationDesc<'_>) -> Result<Box<dyn Population>>;

    /// The most neurons of `desc` that one population on this backend holds; larger
    /// experiments are split. Unbounded unless the backend says otherwise.
    fn max_population(&self, desc: &PopulationDesc<'_>) -> usize {
        let _ = desc;
        usize::MAX
    }

    /// The spike counts of `desc`'s neurons after `steps` steps from rest, in input
    /// order: [`Stepper::count_by_period`]'s where [`Stepper::counts_by_period`] allows,
    /// else stepped in populations of at most [`Stepper::max_population`] neurons.
    fn simulate(
        &mut self,
        desc: &PopulationDesc<'_>,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        desc.validate()?;
        desc.check_stimulus_covers(0, steps)?;
        if self.counts_by_period(desc) {
            return self.count_by_period(desc, steps, progress);
        }
        simulate_in_populations(self, desc, steps, progress)
    }

    /// The spike counts of `desc` (checked, one that [`Stepper::counts_by_period`]
    /// allows) after `steps` steps from rest, computed from each neuron's period: what
    /// [`Stepper::simulate`] calls for such a population. By default it steps.
    fn count_by_period(
        &mut self,
        desc: &PopulationDesc<'_>,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        simulate_in_populations(self, desc, steps, progress)
    }
}

/// The counts of `desc`'s neurons after `steps` steps, in populations of at most
/// [`Stepper::max_population`] neurons made one after the other.
pub(crate) fn simulate_in_populations<S: Stepper + ?Sized>(
    stepper: &mut S,
    desc: &PopulationDesc<'_>,
    steps: u32,
    progress: Progress<'_>,
) -> Result<Vec<u32>> {
    let batch = stepper.max_population(desc).max(1);
    let mut counts = Vec::with_capacity(desc.currents.len());
    for start in (0..desc.currents.len()).step_by(batch) {
        check_stop(progress)?;
        let part = desc.slice(start..(start + batch).min(desc.currents.len()));
        let mut population = stepper.population(&part)?;
        population.advance(steps, progress)?;
        counts.extend(population.counts()?);
    }
    Ok(counts)
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

impl BackendChoice {
    /// The choice a front end names: `auto`, `gpu`, `cpu` or `reference`.
    pub fn from_name(name: &str) -> Result<BackendChoice> {
        match name {
            "auto" => Ok(BackendChoice::Auto),
            "gpu" => Ok(BackendChoice::Gpu),
            "cpu" => Ok(BackendChoice::Cpu),
            "reference" => Ok(BackendChoice::Reference),
            other => Err(Error::parameter(
                "backend",
                format!("{other:?}"),
                "\"auto\", \"gpu\", \"cpu\" or \"reference\"",
            )),
        }
    }

    /// Its name, as [`BackendChoice::from_name`] takes it.
    pub fn name(&self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Gpu => "gpu",
            BackendChoice::Cpu => "cpu",
            BackendChoice::Reference => "reference",
        }
    }
}

/// The adapters an adapter text names when it names several: `all` (every adapter
/// that runs compute shaders, `Some(None)`) or a list of `gpulif devices` numbers such
/// as `0,2`; `None` for one adapter named by (part of) its name.
pub fn several_adapters(adapter: &str) -> Option<Option<Vec<usize>>> {
    if adapter.eq_ignore_ascii_case("all") {
        return Some(None);
    }
    let numbers = !adapter.is_empty()
        && adapter.split(',').all(|k| {
            let k = k.trim();
            !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit())
        });
    numbers.then(|| {
        Some(
            adapter
                .split(',')
                .map(|k| k.trim().parse().unwrap_or(usize::MAX))
                .collect(),
        )
    })
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
/// whose name contains it, or names several ([`several_adapters`]: `all`, `0,2`),
/// which then share the work ([`gpu::MultiGpuStepper`]).
///
/// [`BackendChoice::Auto`] takes the best hardware adapter and falls back to the CPU
/// backend only when there is none, saying so in [`Opened::note`]; an `adapter` named
/// that matches none is an [`Error::InvalidParameter`] instead; any other GPU error
/// (a device that cannot be opened, a kernel the device rejects) is returned, never
/// hidden behind the fallback. [`BackendChoice::Gpu`] fails when no adapter exists.
///
/// A GPU is opened (its device made and its kernels compiled) once per process and
/// adapter choice: later calls share it, until it is lost.
pub fn open(choice: &BackendChoice, adapter: Option<&str>) -> Result<Opened> {
    use gpu::AdapterChoice;
    let opened = |stepper| Opened {
        stepper,
        note: None,
    };
    if let Some(indices) = adapter.and_then(several_adapters) {
        if !matches!(choice, BackendChoice::Auto | BackendChoice::Gpu) {
            return Err(Error::parameter(
                "adapter",
                adapter.unwrap_or_default(),
                "one GPU adapter or several, with the GPU backend",
            ));
        }
        let adapters = gpu::adapters_by_index(indices.as_deref())?;
        let stepper = gpu::MultiGpuStepper::open(adapters)?;
        let devices = stepper.devices().len();
        return Ok(Opened {
            stepper: Box::new(stepper),
            note: Some(match devices {
                1 => "1 device does the work".to_owned(),
                n => format!("{n} devices share the work"),
            }),
        });
    }
    let named = adapter.map(|name| AdapterChoice::Named(name.to_owned()));
    let gpu = |choice: AdapterChoice| -> Result<Box<dyn Stepper + Send>> {
        Ok(Box::new(shared_gpu(&choice)?))
    };
    Ok(match choice {
        BackendChoice::Cpu => opened(Box::<cpu::CpuStepper>::default()),
        BackendChoice::Reference => opened(Box::new(reference::ReferenceStepper)),
        BackendChoice::Gpu => opened(gpu(named.unwrap_or(AdapterChoice::Any))?),
        BackendChoice::Auto => match gpu(named.unwrap_or(AdapterChoice::Hardware)) {
            Ok(stepper) => opened(stepper),
            // An adapter asked for by name is not replaced by the CPU.
            Err(Error::NoAdapter(_)) if adapter.is_some() => {
                return Err(Error::parameter(
                    "adapter",
                    adapter.unwrap_or_default(),
                    "part of the name of an adapter `gpulif devices` lists",
                ));
            }
            Err(Error::NoAdapter(_)) => Opened {
                stepper: Box::<cpu::CpuStepper>::default(),
                note: Some(
                    "no hardware GPU adapter (`gpulif devices` lists what wgpu finds); \
                     running on the CPU backend"
                        .to_owned(),
                ),
            },
            Err(error) => return Err(error),
        },
    })
}

/// The GPU stepper of `choice`, opened once per process and shared (clones share the
/// device, its kernels and its measured speed); opened again once lost.
fn shared_gpu(choice: &gpu::AdapterChoice) -> Result<gpu::GpuStepper> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static OPENED: OnceLock<Mutex<HashMap<String, gpu::GpuStepper>>> = OnceLock::new();
    let key = format!("{choice:?}");
    let opened = OPENED.get_or_init(Default::default);
    if let Some(stepper) = opened.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
        && !stepper.context().is_lost()
    {
        return Ok(stepper.clone());
    }
    let stepper = gpu::GpuStepper::try_new(gpu::GpuContext::new(choice)?)?;
    opened
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, stepper.clone());
    Ok(stepper)
}
