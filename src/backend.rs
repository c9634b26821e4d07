//! The stepping interface that every backend implements, so that experiments do not
//! know which one runs.

use crate::error::Result;
use crate::params::{NeuronParams, Run, validate_current};

/// Which implementation simulated a population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
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

/// A backend that simulates independent LIF neurons under constant currents.
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

    /// Simulates one neuron per entry of `currents` (model units) for `run.steps()`
    /// steps of `run.method()` from rest (`v = 0`, not refractory) and returns each
    /// neuron's spike count, in input order. Every neuron has `run.params()` except the
    /// parameters `each` gives per neuron.
    fn simulate(
        &mut self,
        run: &Run,
        currents: &[f64],
        each: &NeuronParams<'_>,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>>;

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

/// What every backend checks before simulating: the currents, and the per-neuron
/// parameters against the number of neurons.
pub(crate) fn check_inputs(run: &Run, currents: &[f64], each: &NeuronParams<'_>) -> Result<()> {
    for &current in currents {
        validate_current("currents", current)?;
    }
    each.validate(run.params(), currents.len())
}
