//! The `gpulif` command line: parses, calls the library, prints.
//!
//! `args` holds the flags, `commands` one file per command, `print` what they print
//! and `failure` how a run fails, is checked without running, and is interrupted.

/// `println!` that ignores a closed standard output: `gpulif curve | head` stops
/// reading early, which is not an error worth a panic.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[cfg(feature = "explore")]
mod explore;

mod args;
mod commands;
mod failure;
mod print;
mod reference;

use std::process::ExitCode;

use args::{
    BenchArgs, CompletionsArgs, CurveArgs, DevicesArgs, EnsembleArgs, ExploreArgs, ManArgs,
    MergeArgs, TraceArgs,
};
use clap::{Parser, Subcommand};
pub use failure::{Failure, check};
use failure::{handle_interrupts, started};

/// Leaky integrate-and-fire tuning curves, millions of neurons at a time, on the GPU.
#[derive(Parser, Debug)]
#[command(name = "gpulif", version, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate one neuron per input current and report the tuning curve (rate vs
    /// current) beside the analytic LIF rate.
    Curve(CurveArgs),
    /// List the GPU adapters wgpu finds and say which one `--backend auto` would use.
    Devices(DevicesArgs),
    /// Follow one neuron per input current over time: the tutorial's sentence for each,
    /// and its voltage and spikes as a figure or a CSV time series.
    Trace(TraceArgs),
    /// Nengo-style ensemble tuning curves: neurons with random maximum rates, intercepts
    /// and encoders of ±1, each simulated at every point of an input signal x ∈ [−1, 1].
    Ensemble(EnsembleArgs),
    /// Time one workload on every backend (the float64 reference, the CPU backend, each
    /// GPU adapter) and check that their spike counts agree.
    Bench(BenchArgs),
    /// Join the parts of a sharded curve (`gpulif curve --shard K/N --out part-K.npy`)
    /// into one file, after checking that they are the parts of one run, each once.
    Merge(MergeArgs),
    /// Open a window where sliders set the neuron, the currents and the noise, and the
    /// tuning curve is simulated on the GPU between frames (built with `--features
    /// explore`).
    Explore(ExploreArgs),
    /// Print the completion script of a shell: bash, zsh, fish, elvish or powershell.
    Completions(CompletionsArgs),
    /// Print the man page of gpulif or of one command, or write them all into a folder.
    Man(ManArgs),
}

fn main() -> ExitCode {
    started();
    // Mesa's Vulkan device-select layer looks for a Wayland display to pick a default
    // GPU and, on a headless machine, prints "error: XDG_RUNTIME_DIR is invalid" for
    // every wgpu instance. gpulif ranks adapters itself, so there it is switched off.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none()
        && std::env::var_os("NODEVICE_SELECT").is_none()
    {
        // SAFETY: no other thread exists yet, so nothing reads the environment meanwhile.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A value a flag cannot take: clap's message that names the flag and what it
        // takes, on one line, without the hint to try --help that follows it.
        Err(error)
            if matches!(
                error.kind(),
                clap::error::ErrorKind::ValueValidation | clap::error::ErrorKind::InvalidValue
            ) =>
        {
            let rendered = error.render().to_string();
            let message: Vec<&str> = rendered
                .lines()
                .take_while(|line| !line.trim().is_empty())
                .map(str::trim)
                .collect();
            eprintln!("{}", message.join(" "));
            return ExitCode::from(2);
        }
        Err(error) => error.exit(),
    };
    handle_interrupts();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

/// Runs the command `cli` names.
fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Curve(args) => commands::curve::run(args),
        Command::Devices(args) => commands::devices::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Trace(args) => commands::trace::run(args),
        Command::Ensemble(args) => commands::ensemble::run(args),
        Command::Merge(args) => commands::merge::run(args),
        Command::Explore(args) => commands::explore::run(args),
        Command::Completions(args) => reference::completions(args),
        Command::Man(args) => reference::man(args),
    }
}
