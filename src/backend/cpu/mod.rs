//! The float32 CPU backend: the shaders' arithmetic in Rust, operation for operation,
//! on blocks of 64 neurons kept in vector registers, with the
//! instruction set chosen at run time ([`Kernel`]). Its counts are bit-identical to the
//! GPU's for both methods under constant currents; after a change of current the exact
//! method's countdown is formed with a float32 division, which a GPU may round
//! differently, so exact counts then agree within one spike.

#[macro_use]
mod isa;
mod exact_block;
pub mod kernel;
mod noisy_block;
mod period;
mod population;

pub use kernel::{Block, Kernel, LaneConstants};
pub use population::CpuPopulation;

use crate::backend::{BackendKind, Population, Progress, Stepper};
use crate::error::Result;
use crate::input::PopulationDesc;

/// Neurons in one block: four AVX-512 vectors of `f32` per state variable, which with
/// the block's five variables keeps everything in 20 of the 32 vector registers.
pub const LANES: usize = 64;

/// Neurons handed to one rayon task (a multiple of [`kernel::LANES`]): large enough to
/// amortise scheduling, small enough to report progress often and balance two or two
/// hundred cores.
pub(crate) const NEURONS_PER_TASK: usize = 1024;

/// A description of this machine's processor for reports: its model name where the
/// operating system tells it, and the worker threads used.
pub(crate) fn cpu_description() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    format!("{model}, {} threads", rayon::current_num_threads())
}

/// The float32 CPU backend: [`CpuPopulation`]s stepped with the [`Kernel`] this
/// processor runs best, on all of rayon's threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuStepper {
    kernel: Kernel,
}

impl Default for CpuStepper {
    fn default() -> Self {
        CpuStepper::new()
    }
}

impl CpuStepper {
    /// The backend with the fastest kernel for this processor.
    pub fn new() -> Self {
        CpuStepper {
            kernel: Kernel::detect(),
        }
    }

    /// The backend with a chosen kernel (one of [`Kernel::available`]).
    pub fn with_kernel(kernel: Kernel) -> Self {
        CpuStepper { kernel }
    }

    /// The kernel it runs.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }
}

impl Stepper for CpuStepper {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn device(&self) -> String {
        format!("{} ({})", cpu_description(), self.kernel.name())
    }

    fn population(&mut self, desc: &PopulationDesc<'_>) -> Result<Box<dyn Population>> {
        Ok(Box::new(CpuPopulation::from_desc(desc, self.kernel)?))
    }

    /// Every population it may count: those driven by constant currents alone, of
    /// either method.
    fn counts_by_period(&self, desc: &PopulationDesc<'_>) -> bool {
        desc.is_countable()
    }

    /// What a [`CpuPopulation`] made, advanced and read would give, task by task:
    /// each task's neurons are made, stepped and counted while in cache; a population
    /// driven by constant currents alone is counted from each neuron's period
    /// ([`Stepper::counts_by_period`]) unless it asks to be stepped.
    fn simulate(
        &mut self,
        desc: &PopulationDesc<'_>,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        CpuPopulation::counts_after(desc, self.kernel, steps, progress)
    }
}
