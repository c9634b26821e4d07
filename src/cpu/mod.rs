//! The CPU backends: the float64 reference (the tutorial, transcribed) and the float32
//! mirror of the GPU kernel.

pub mod exact;
pub mod kernel;
pub mod reference;
pub mod stepper;

pub use exact::{ExactBlock, ExactLif, ExactState, step_exact};
pub use kernel::{Block, Kernel, LANES, LaneConstants};
pub use reference::{FirstOrderLif, ReferenceStepper};
pub use stepper::{CpuPopulation, CpuStepper, NeuronState, step_euler};

/// Neurons handed to one rayon task (a multiple of [`LANES`]): large enough to amortise scheduling, small enough
/// to report progress often and balance two or two hundred cores.
const NEURONS_PER_TASK: usize = 1024;

/// A description of this machine's processor for reports: its model name where the
/// operating system tells it, and the worker threads used.
fn cpu_description() -> String {
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
