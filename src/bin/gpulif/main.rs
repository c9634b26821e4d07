//! The `gpulif` command line: parses, calls the library, prints.

#[cfg(feature = "explore")]
mod explore;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use gpulif::bench::{self, Workload};
use gpulif::cpu::Kernel;
use gpulif::curve::{CurveReport, MAX_NEURONS, Thinned};
use gpulif::ensemble::EnsembleSpec;
use gpulif::experiment::agreement::Verdict;
use gpulif::gpu::{compute_adapters, list_adapters};
use gpulif::output::plot::{CurveFigure, MAX_LINE_POINTS, PlotOutput};
use gpulif::output::{AtomicOutput, EnsembleOutput, SpikesOutput, TraceOutput, grouped};
use gpulif::trains::{RecordSpec, SpikeTrains};
use gpulif::{
    BackendChoice, BackendKind, Currents, CurveSpec, Error, GpuContext, GpuStepper, LifParams,
    Method, Run, Stepper, Trace,
};

/// `println!` that ignores a closed standard output: `gpulif curve | head` stops
/// reading early, which is not an error worth a panic.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Leaky integrate-and-fire tuning curves, millions of neurons at a time, on the GPU.
#[derive(Parser, Debug)]
#[command(name = "gpulif", version, about, long_about = None)]
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
}

#[derive(Args, Debug)]
#[command(after_help = "\
Build and run it with: cargo run --release --features explore -- explore
Drag tau_ref and watch the curve flatten at 1/tau_ref; click the curve to follow one
neuron; the bottom line is the `gpulif curve` command that computes the same curve.")]
struct ExploreArgs {
    /// Neurons to start with (100 to 1000000 on a GPU, at most 100000 on the CPU).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    neurons: usize,

    /// Simulate on the CPU backend even when the window is drawn by a GPU.
    #[arg(long)]
    cpu: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  for k in 0 1 2 3; do gpulif curve --neurons 1000000 --shard $k/4 --out part-$k.npy; done
  gpulif merge part-*.npy --out curve.npy")]
struct MergeArgs {
    /// The parts: .npy or .json files written by `gpulif curve --shard K/N`.
    #[arg(value_name = "PART", required = true)]
    parts: Vec<PathBuf>,

    /// The joined curve: .npy, .csv or .json (byte for byte the unsharded run's NPY or
    /// CSV). Written only when every check passes.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,

    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    /// A hardware GPU if there is one, else the CPU backend.
    Auto,
    /// The GPU kernel on the best adapter, software ones (lavapipe) included.
    Gpu,
    /// The float32 CPU backend: counts bit-identical to the GPU kernel's.
    Cpu,
    /// The float64 transcription of the tutorial (slow; the oracle).
    Reference,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MethodArg {
    /// The tutorial's forward Euler step (whole-step refractory countdown).
    Euler,
    /// Exact integration: spike times inside the step, analytic intervals.
    Exact,
}

impl From<MethodArg> for Method {
    fn from(method: MethodArg) -> Method {
        match method {
            MethodArg::Euler => Method::Euler,
            MethodArg::Exact => Method::Exact,
        }
    }
}

#[derive(Args, Debug)]
#[command(after_help = "\
Exit status: 0 on success, 2 for an invalid flag value or file, 1 when the run \
itself fails (no GPU adapter, a device error).

Examples:
  gpulif curve --neurons 1000000
  gpulif curve --currents 1.0000001,1.1,10,100,0.8 --tau-rc 0.02 --tau-ref 0.2 --duration 20
  gpulif curve --i-min 0.9 --i-max 1.1 --neurons 10000 --out curve.csv")]
struct CurveArgs {
    /// Neurons in the sweep, one current each (1 to 1000000000).
    #[arg(long, value_name = "N", default_value_t = 1000, allow_hyphen_values = true,
          value_parser = parse_neurons)]
    neurons: usize,

    /// Smallest current of the sweep (model units).
    #[arg(long, value_name = "I", default_value_t = 0.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    i_min: f64,

    /// Largest current of the sweep (model units).
    #[arg(long, value_name = "I", default_value_t = 10.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    i_max: f64,

    /// Explicit currents instead of a sweep: a comma-separated list (1.1,10,100), or
    /// @FILE with one current per line.
    #[arg(long, value_name = "LIST|@FILE", allow_hyphen_values = true,
          conflicts_with_all = ["neurons", "i_min", "i_max"])]
    currents: Option<String>,

    /// Simulated time, seconds; a whole number of --dt steps.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    duration: f64,

    #[command(flatten)]
    neuron: NeuronArgs,

    /// How the neurons are integrated.
    #[arg(long, value_enum, default_value_t = MethodArg::Euler)]
    method: MethodArg,

    #[command(flatten)]
    noise: NoiseArgs,

    #[command(flatten)]
    stimulus: StimulusArgs,

    #[command(flatten)]
    place: PlaceArgs,

    /// Write the full curve: .csv (current,count,rate,analytic_rate), .json (with the
    /// parameters, backend, device and timing) or .npy (float64, N×4, the CSV's columns).
    /// Written only when complete.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,

    /// Draw the tuning curve beside the analytic one: .png or .svg (with --record, the
    /// recorded neurons' spike raster below it).
    #[arg(long, value_name = "PATH")]
    plot: Option<PathBuf>,

    /// Compute only the K-th of N contiguous slices of the sweep (K from 0 to N−1), for
    /// a batch scheduler's array job; `gpulif merge` joins the parts. Needs --out .npy
    /// or .json, which carry the run's identity.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<(usize, usize)>,

    /// Record these neurons' spike trains (indices in the curve's input order): START:END
    /// (END excluded), a list such as 0,5,9, or all (at most 10000 neurons). Their mean
    /// inter-spike interval and its CV go in the summary and the JSON.
    #[arg(long, value_name = "SPEC")]
    record: Option<String>,

    /// Write the recorded spike trains: .csv (neuron,time; one row per spike) or .npy
    /// (float64, spikes × 2, the same columns); times are the end of each spike's step.
    #[arg(long, value_name = "PATH", requires = "record")]
    spikes: Option<PathBuf>,

    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    quiet: bool,
}

/// A signal added to every neuron's input (Euler only).
#[derive(Args, Debug)]
struct StimulusArgs {
    /// A signal sampled at --dt, one value per step, added to every neuron's current:
    /// .npy (1-D float32 or float64) or text/CSV with one value per line; at least as
    /// many values as steps (a longer signal is cut to the run).
    #[arg(long, value_name = "FILE")]
    stimulus: Option<PathBuf>,
}

impl StimulusArgs {
    /// The stimulus file's values for `run`, if one is given.
    fn read(&self, run: &Run) -> Result<Option<Vec<f64>>, Failure> {
        Ok(self
            .stimulus
            .as_deref()
            .map(|path| gpulif::stimulus::read(path, run.steps()))
            .transpose()?)
    }
}

/// Noise added to every neuron's input (Euler only).
#[derive(Args, Debug)]
struct NoiseArgs {
    /// Noise amplitude sigma (model units, ≥ 0): white noise adds sigma·√(dt/tau_rc)·N(0,1)
    /// to the voltage each step; 0 for none.
    #[arg(long = "noise", value_name = "SIGMA", default_value_t = 0.0,
          allow_hyphen_values = true, value_parser = parse_number)]
    sigma: f64,

    /// Correlation time of the noise (seconds, ≥ 0): an Ornstein–Uhlenbeck current with
    /// this time constant; 0 for white noise.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    noise_tau: f64,

    /// Seed of the noise streams (0 to 18446744073709551615); drawn and reported when
    /// not given, so that every run can be repeated.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// Compare with the Siegert rate itself, without the correction for a threshold
    /// checked once per step.
    #[arg(long)]
    no_dt_correction: bool,
}

impl NoiseArgs {
    /// The noise asked for; a seed is drawn when none is given.
    fn noise(&self) -> gpulif::Noise {
        let seed = self.seed.unwrap_or_else(gpulif::noise::draw_seed);
        gpulif::Noise::coloured(self.sigma, self.noise_tau, seed)
    }
}

#[derive(Args, Debug)]
#[command(after_help = "\
Examples (the tutorial's):
  gpulif trace --current 1.1 --tau-ref 0.2 --duration 20 --plot trace.png
  gpulif trace --current 1.0000001,1.1,10,100,0.8 --tau-rc 0.02 --tau-ref 0.2 --duration 20")]
struct TraceArgs {
    /// Input current; repeat the flag or give a comma-separated list for one neuron
    /// (one raster row) each.
    #[arg(long, value_name = "I", value_delimiter = ',',
          allow_hyphen_values = true, value_parser = parse_number)]
    current: Vec<f64>,

    /// Simulated time, seconds; a whole number of --dt steps.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    duration: f64,

    #[command(flatten)]
    neuron: NeuronArgs,

    /// How the neurons are integrated.
    #[arg(long, value_enum, default_value_t = MethodArg::Euler)]
    method: MethodArg,

    #[command(flatten)]
    noise: NoiseArgs,

    #[command(flatten)]
    stimulus: StimulusArgs,

    #[command(flatten)]
    place: PlaceArgs,

    /// Draw the first neuron's input, threshold, voltage and spikes over time, and every
    /// neuron's spike raster below: .png or .svg.
    #[arg(long, value_name = "PATH")]
    plot: Option<PathBuf>,

    /// Write the time series as CSV: time,current,v,spike (one row per neuron per step).
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Each neuron gets a maximum rate and an intercept drawn uniformly from their ranges, an \
encoder of +1 or -1, and the gain and bias that make it start firing at its intercept \
and reach its maximum rate at x = encoder: J(x) = gain*encoder*x + bias. All neurons at \
all points of x are simulated in one batched run. The neuron defaults are Nengo's LIF \
(tau_rc 0.02 s, tau_ref 0.002 s), and the default method is exact, whose rates are the \
analytic ones.

Examples:
  gpulif ensemble --neurons 50 --plot tuning.png
  gpulif ensemble --neurons 100000 --out curves.npy")]
struct EnsembleArgs {
    /// Neurons.
    #[arg(long, value_name = "N", default_value_t = 50, allow_hyphen_values = true,
          value_parser = parse_neurons)]
    neurons: usize,

    /// Range of the maximum rates, Hz.
    #[arg(long, value_name = "LO:HI", default_value = "200:400", allow_hyphen_values = true,
          value_parser = parse_range)]
    max_rates: (f64, f64),

    /// Range of the intercepts (where each neuron starts firing, in encoder·x).
    #[arg(long, value_name = "LO:HI", default_value = "-1:0.9", allow_hyphen_values = true,
          value_parser = parse_range)]
    intercepts: (f64, f64),

    /// Points of x, evenly spaced from -1 to 1 (2 to 100000).
    #[arg(long, value_name = "K", default_value_t = 101, allow_hyphen_values = true,
          value_parser = parse_x_points)]
    x_points: usize,

    /// Seed of the random draws (the ensemble's and, with --noise, the noise streams');
    /// the same seed gives the same ensemble and the same noise.
    #[arg(long, value_name = "S", default_value_t = 0, allow_hyphen_values = true,
          value_parser = parse_seed)]
    seed: u64,

    /// Noise amplitude sigma (model units, ≥ 0) added to every neuron's input current, as
    /// `gpulif curve --noise` (Euler only); 0 for none.
    #[arg(long = "noise", value_name = "SIGMA", default_value_t = 0.0,
          allow_hyphen_values = true, value_parser = parse_number)]
    sigma: f64,

    /// Correlation time of the noise (seconds, ≥ 0; 0 for white noise).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    noise_tau: f64,

    /// Drive the ensemble with this input signal x(t) instead of sweeping x: one value
    /// per step of --dt for --duration (.npy 1-D float32/float64, or one value per
    /// line), J = gain·encoder·x(t) + bias (Euler only). Prints each neuron's spikes,
    /// mean ISI and CV; --spikes writes the trains, --plot draws their raster.
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    stimulus: Option<PathBuf>,

    /// With --stimulus: write every neuron's spike times, .csv (neuron,time) or .npy
    /// (float64, spikes × 2).
    #[arg(long, value_name = "PATH", requires = "stimulus")]
    spikes: Option<PathBuf>,

    /// How the neurons are integrated.
    #[arg(long, value_enum, default_value_t = MethodArg::Exact)]
    method: MethodArg,

    /// Simulated time per point, seconds; a whole number of --dt steps.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    duration: f64,

    /// Time step, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().dt,
          allow_hyphen_values = true, value_parser = parse_number)]
    dt: f64,

    /// Membrane time constant, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.02,
          allow_hyphen_values = true, value_parser = parse_number)]
    tau_rc: f64,

    /// Refractory period, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.002,
          allow_hyphen_values = true, value_parser = parse_number)]
    tau_ref: f64,

    /// Firing threshold (model units).
    #[arg(long, value_name = "V", default_value_t = LifParams::default().v_th,
          allow_hyphen_values = true, value_parser = parse_number)]
    v_th: f64,

    #[command(flatten)]
    place: PlaceArgs,

    /// Write the curves: .csv (neuron,x,rate), .npy (float32, x_points × neurons) or
    /// .json (everything, with each neuron's gain, bias, encoder, intercept, max rate).
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,

    /// Draw a sample of the neurons' curves: .png or .svg.
    #[arg(long, value_name = "PATH")]
    plot: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BenchBackend {
    /// The float64 reference.
    Reference,
    /// The float32 CPU backend.
    Cpu,
    /// Every GPU adapter that runs compute shaders (or those --adapter names).
    Gpu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum KernelArg {
    /// The fastest kernel this processor runs.
    Best,
    /// Every kernel this processor runs, one row each.
    All,
    /// AVX-512 (x86-64).
    Avx512,
    /// AVX2 (x86-64).
    Avx2,
    /// The compilation target's baseline instruction set.
    Baseline,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Each backend prepares its neurons once (not timed), runs once to warm up, then runs \
--runs times from rest; the table gives the median. Counts of the last run are compared: \
the CPU and GPU backends must be identical, and both ≥ 99.9 % identical to the reference.

Examples:
  gpulif bench
  gpulif bench --neurons 10000000 --steps 10000 --backend gpu
  gpulif bench --backend cpu --cpu-kernel all --json")]
struct BenchArgs {
    /// Neurons (1 to 200000000: a benchmark keeps them all in memory).
    #[arg(long, value_name = "N", default_value_t = 1_000_000, allow_hyphen_values = true,
          value_parser = parse_neurons)]
    neurons: usize,

    /// Steps each neuron is advanced by (1 to 4294967295).
    #[arg(long, value_name = "N", default_value_t = 1000, allow_hyphen_values = true,
          value_parser = parse_steps)]
    steps: u32,

    /// Smallest current of the sweep.
    #[arg(long, value_name = "I", default_value_t = 0.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    i_min: f64,

    /// Largest current of the sweep.
    #[arg(long, value_name = "I", default_value_t = 10.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    i_max: f64,

    #[command(flatten)]
    neuron: NeuronArgs,

    #[command(flatten)]
    noise: NoiseArgs,

    /// How the neurons are integrated.
    #[arg(long, value_enum, default_value_t = MethodArg::Euler)]
    method: MethodArg,

    /// Backends to time, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "reference,cpu,gpu"
    )]
    backend: Vec<BenchBackend>,

    /// Only the GPU adapters whose name contains this text.
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,

    /// Which CPU kernels to time.
    #[arg(long, value_enum, default_value_t = KernelArg::Best)]
    cpu_kernel: KernelArg,

    /// Timed runs per backend (1 to 1000); the table gives their median.
    #[arg(long, value_name = "N", default_value_t = 5, allow_hyphen_values = true,
          value_parser = parse_runs)]
    runs: usize,

    /// Print the measurements as a JSON array instead of a table.
    #[arg(long)]
    json: bool,

    /// Print nothing on stderr while measuring.
    #[arg(long, short)]
    quiet: bool,
}

/// Where to simulate: shared by `curve`, `trace` and `ensemble`.
#[derive(Args, Debug)]
struct PlaceArgs {
    /// Where to simulate.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    backend: BackendArg,

    /// The GPU adapter whose name contains NAME; or `all` (every adapter that runs
    /// compute shaders) or a list of `gpulif devices` numbers such as 0,2, which split
    /// the work across those devices.
    #[arg(long, value_name = "NAME|all|LIST")]
    adapter: Option<String>,
}

/// Which adapters `--adapter` names when it names several: `all`, or numbers.
enum Adapters {
    /// One adapter, by name or by the automatic choice.
    One,
    /// Several: every one (`None`) or these numbers.
    Several(Option<Vec<usize>>),
}

impl PlaceArgs {
    fn adapters(&self) -> Adapters {
        match self.adapter.as_deref() {
            Some(all) if all.eq_ignore_ascii_case("all") => Adapters::Several(None),
            Some(list)
                if !list.is_empty()
                    && list.split(',').all(|k| {
                        let k = k.trim();
                        !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit())
                    }) =>
            {
                Adapters::Several(Some(
                    list.split(',')
                        .map(|k| k.trim().parse().unwrap_or(usize::MAX))
                        .collect(),
                ))
            }
            _ => Adapters::One,
        }
    }
}

impl PlaceArgs {
    /// Refuses `--adapter` with a CPU backend, before anything runs.
    fn check(&self) -> Result<(), Failure> {
        if self.adapter.is_some() && !matches!(self.backend, BackendArg::Auto | BackendArg::Gpu) {
            return Err(usage(
                "--adapter picks a GPU: use it with --backend gpu or --backend auto",
            ));
        }
        Ok(())
    }
}

/// The neuron's parameters, shared by `curve`, `trace` and `bench` (the tutorial's
/// defaults).
#[derive(Args, Debug)]
struct NeuronArgs {
    /// Time step, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().dt,
          allow_hyphen_values = true, value_parser = parse_number)]
    dt: f64,

    /// Membrane time constant, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().tau_rc,
          allow_hyphen_values = true, value_parser = parse_number)]
    tau_rc: f64,

    /// Refractory period, seconds. With the Euler method the neuron stays frozen for
    /// the steps the tutorial's float64 countdown gives (the summary says how many: 2
    /// for 2 ms at dt = 1 ms, but 10 for both 10 ms and 11 ms; see the README).
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().tau_ref,
          allow_hyphen_values = true, value_parser = parse_number)]
    tau_ref: f64,

    /// Euler method: freeze exactly N steps after each spike (0 to 100000000), in place
    /// of --tau-ref; sets tau_ref to (N + 1/2)·dt, which the countdown turns into N
    /// steps. Brian2 freezes round(refractory/dt) − 1 steps: its refractory period
    /// (N + 1)·dt gives the same counts.
    #[arg(long, value_name = "N", conflicts_with = "tau_ref", allow_hyphen_values = true,
          value_parser = parse_refractory_steps)]
    refractory_steps: Option<u32>,

    /// Firing threshold (model units).
    #[arg(long, value_name = "V", default_value_t = LifParams::default().v_th,
          allow_hyphen_values = true, value_parser = parse_number)]
    v_th: f64,
}

impl NeuronArgs {
    /// The parameters for `method`; `--refractory-steps` counts the Euler method's
    /// frozen steps and is refused with the exact method.
    fn params(&self, method: Method) -> Result<LifParams, Failure> {
        let params = LifParams {
            tau_rc: self.tau_rc,
            tau_ref: self.tau_ref,
            v_th: self.v_th,
            dt: self.dt,
        };
        match (self.refractory_steps, method) {
            (None, _) => Ok(params),
            (Some(steps), Method::Euler) => Ok(params.with_refractory_steps(steps)),
            (Some(_), Method::Exact) => Err(usage(
                "--refractory-steps counts the Euler method's frozen steps; with \
                 --method exact the refractory period is continuous: give --tau-ref",
            )),
        }
    }
}

fn parse_refractory_steps(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if f64::from(n) <= gpulif::params::MAX_REFRACTORY_STEPS => Ok(n),
        _ => Err("expected a whole number of steps from 0 to 100000000".to_owned()),
    }
}

#[derive(Args, Debug)]
struct DevicesArgs {
    /// Print the adapters as a JSON array.
    #[arg(long)]
    json: bool,
}

fn parse_neurons(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_NEURONS).contains(n))
        .ok_or_else(|| format!("expected a whole number from 1 to {MAX_NEURONS}"))
}

fn parse_steps(text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("expected a whole number from 1 to {}", u32::MAX))
}

fn parse_runs(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| "expected a whole number from 1 to 1000".to_owned())
}

fn parse_range(text: &str) -> Result<(f64, f64), String> {
    let (lo, hi) = text
        .split_once(':')
        .ok_or_else(|| "expected LO:HI, e.g. 200:400".to_owned())?;
    let number = |t: &str| {
        t.trim()
            .parse::<f64>()
            .map_err(|_| format!("expected LO:HI with numbers, got {t:?}"))
    };
    Ok((number(lo)?, number(hi)?))
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| format!("expected a whole number from 0 to {}", u64::MAX))
}

fn parse_x_points(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (2..=100_000).contains(n))
        .ok_or_else(|| "expected a whole number from 2 to 100000".to_owned())
}

fn parse_number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| "expected a number".to_owned())
}

/// A failure and the exit status it earns.
pub struct Failure {
    /// What went wrong, one line without the `error: ` prefix.
    pub message: String,
    /// The exit status: 2 for what the user asked for, 1 for the run itself.
    pub status: u8,
}

thread_local! {
    /// Set while [`check`] runs: each command stops at the point where it would first
    /// open a backend, simulate or write, with [`Failure::checked`].
    static CHECK_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Failure {
    /// The exit status that [`Failure::checked`] carries: no process exits with it.
    const CHECKED: u8 = 0;

    /// Under [`check`], every check passed and the command stops here; otherwise
    /// nothing.
    fn checked() -> Result<(), Failure> {
        if CHECK_ONLY.get() {
            Err(Failure {
                message: String::new(),
                status: Failure::CHECKED,
            })
        } else {
            Ok(())
        }
    }
}

/// Parses `argv` (the program's name first) and runs every check its command makes
/// before it opens a backend, simulates or writes anything: the whole validation of a
/// command line, with no effect but the temporary files that an output's check creates
/// and removes. `Ok` when the command would run (or `--help` and `--version` would
/// print); otherwise the failure the command would print and exit with.
///
/// The command-line fuzz target (`fuzz/fuzz_targets/cli.rs`) drives it; the program
/// itself never calls it.
#[allow(dead_code)]
pub fn check(argv: &[std::ffi::OsString]) -> Result<(), Failure> {
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(error) if error.exit_code() == 0 => return Ok(()),
        Err(error) => {
            // The program prints clap's whole block (the usage, a hint); its first line
            // is the refusal.
            let rendered = error.to_string();
            let first = rendered.lines().next().unwrap_or_default();
            return Err(Failure {
                message: first.strip_prefix("error: ").unwrap_or(first).to_owned(),
                status: error.exit_code() as u8,
            });
        }
    };
    CHECK_ONLY.set(true);
    let result = run(cli);
    CHECK_ONLY.set(false);
    match result {
        Err(failure) if failure.status == Failure::CHECKED => Ok(()),
        result => result,
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let status = if error.is_usage() { 2 } else { 1 };
        let message = match &error {
            Error::InvalidParameter {
                name,
                value,
                expected,
            } => format!(
                "{} {value} is out of range: expected {expected}",
                flag_for(name)
            ),
            Error::Currents(_) => format!("--currents: {error}"),
            Error::Stimulus(_) => format!("--stimulus: {error}"),
            Error::Output { .. } => format!("--out: {error}"),
            Error::Plot { .. } => format!("--plot: {error}"),
            _ => error.to_string(),
        };
        Failure { message, status }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure {
            message: format!("{error:#}"),
            status: 1,
        }
    }
}

/// The command-line flag of a library parameter: `tau_rc` → `--tau-rc`.
fn flag_for(name: &str) -> String {
    format!("--{}", name.replace('_', "-"))
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        status: 2,
    }
}

/// Moves every finished output into place at once (until then they wait as temporary
/// files, which an interrupt removes), then says what was written.
fn commit(written: &[String], quiet: bool) -> Result<(), Failure> {
    gpulif::output::interrupt::commit()?;
    if !quiet {
        for line in written {
            eprintln!("{line}");
        }
    }
    Ok(())
}

/// Ctrl-C (SIGINT) or SIGTERM at any moment of a run: every temporary file is removed,
/// nothing half-written is left, one line says so, and the exit status is 128 + the
/// signal's number (130, 143), as a shell reports a process the signal ended.
fn handle_interrupts() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    gpulif::output::interrupt::hold_commits();
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        // Without a handler the signal ends the process as usual, leaving temporary
        // files; say so rather than fail the run.
        Err(error) => {
            eprintln!(
                "note: cannot handle Ctrl-C ({error}); an interrupted run may leave .gpulif-*.partial files"
            );
            return;
        }
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let committed = gpulif::output::interrupt::discard();
            // Clear a progress bar's line first, where there is one.
            let clear = if std::io::stderr().is_terminal() {
                "\r\x1b[2K"
            } else {
                ""
            };
            let what = if committed {
                "interrupted; its output had already been written"
            } else {
                "interrupted; nothing written"
            };
            eprintln!("{clear}{what}");
            std::process::exit(128 + signal);
        }
    });
}

/// When the process started: the summary's "in all" counts from here (forming the
/// currents, opening the device, writing the outputs, not only simulating).
fn started() -> Instant {
    static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *STARTED.get_or_init(Instant::now)
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
        Command::Curve(args) => curve(args),
        Command::Devices(args) => devices(args),
        Command::Bench(args) => bench(args),
        Command::Trace(args) => trace(args),
        Command::Ensemble(args) => ensemble(args),
        Command::Merge(args) => merge(args),
        Command::Explore(args) => explore_command(args),
    }
}

#[cfg(feature = "explore")]
fn explore_command(args: ExploreArgs) -> Result<(), Failure> {
    if !(100..=explore::MAX_GPU_NEURONS).contains(&args.neurons) {
        return Err(usage(format!(
            "--neurons {} is out of range: expected 100 to {}",
            args.neurons,
            explore::MAX_GPU_NEURONS
        )));
    }
    Failure::checked()?;
    let settings = explore::Settings {
        neurons: args.neurons,
        ..explore::Settings::default()
    };
    explore::run(settings, args.cpu).map_err(|message| Failure { message, status: 1 })
}

#[cfg(not(feature = "explore"))]
fn explore_command(_: ExploreArgs) -> Result<(), Failure> {
    Err(usage(
        "this gpulif was built without the explorer; build and run it with \
         `cargo run --release --features explore -- explore`",
    ))
}

fn curve(args: CurveArgs) -> Result<(), Failure> {
    let currents = match &args.currents {
        None => Currents::Sweep {
            i_min: args.i_min,
            i_max: args.i_max,
            neurons: args.neurons,
        },
        Some(text) => match text.strip_prefix('@') {
            Some(path) => Currents::List(Currents::read_file(path.as_ref())?),
            None => Currents::List(Currents::parse_list(text)?),
        },
    };
    let spec = CurveSpec {
        params: args.neuron.params(args.method.into())?,
        duration: args.duration,
        currents,
        method: args.method.into(),
    };
    let mut prepared = spec.prepare()?;
    if let Some(stimulus) = args.stimulus.read(prepared.run())? {
        prepared = prepared.with_stimulus(stimulus)?;
    }
    let mut prepared = prepared.with_noise(args.noise.noise(), !args.noise.no_dt_correction)?;
    if let Some((k, n)) = args.shard {
        if !args
            .out
            .as_deref()
            .is_some_and(|p| matches!(gpulif::output::OutputFormat::from_path(p), Ok(f) if f != gpulif::output::OutputFormat::Csv))
        {
            return Err(usage(
                "--shard needs --out with a .npy or .json part, which carries the run's identity \
                 for `gpulif merge`",
            ));
        }
        prepared = prepared.shard(k, n)?;
    }
    let recorded = args
        .record
        .as_deref()
        .map(|spec| RecordSpec::parse(spec)?.indices(prepared.len()))
        .transpose()?;
    let spikes = args
        .spikes
        .as_deref()
        .map(SpikesOutput::create)
        .transpose()?;
    args.place.check()?;
    let output = args.out.as_deref().map(AtomicOutput::create).transpose()?;
    let plot = args.plot.as_deref().map(PlotOutput::create).transpose()?;
    let mut stepper = args.place.open(args.quiet)?;

    let neurons = prepared.len();
    let path = output.as_ref().map(|o| o.path().to_owned());
    let mut writer = output.map(|o| o.curve_writer(&prepared)).transpose()?;
    let run = *prepared.run();
    let mut drawn = Thinned::new(&run, neurons, MAX_LINE_POINTS);
    let recorded_steps =
        recorded.as_ref().map_or(0, |r| r.len() as u64) * u64::from(prepared.run().steps());
    let bar = Progress::new(prepared.neuron_steps() + recorded_steps, args.quiet);
    let mut report = prepared.stream(
        stepper.as_mut(),
        &|steps| bar.inc(steps),
        SUMMARY_ROWS,
        &mut |currents, counts| {
            if plot.is_some() {
                drawn.add(currents, counts);
            }
            match writer.as_mut() {
                Some(writer) => writer.write(&run, currents, counts),
                None => Ok(()),
            }
        },
    )?;
    let trains = recorded
        .map(|indices| {
            SpikeTrains::record(&prepared, stepper.as_mut(), &indices, &|steps| {
                bar.inc(steps)
            })
        })
        .transpose()?;
    bar.finish();
    if let Some(trains) = &trains {
        report.trains = trains.stats();
    }

    let mut written = Vec::new();
    if let (Some(spikes), Some(trains)) = (&spikes, &trains) {
        spikes.commit(trains)?;
        written.push(format!(
            "wrote the spike trains of {} neurons to {}",
            trains.neurons.len(),
            spikes.path().display()
        ));
    }
    if let (Some(writer), Some(path)) = (writer, path) {
        writer.finish(&report)?;
        written.push(format!("wrote {} neurons to {}", neurons, path.display()));
    }
    if let Some(plot) = plot {
        let figure = CurveFigure {
            report: &report,
            points: drawn.into_points(),
        };
        match &trains {
            Some(trains) => plot.tuning_curve_with_trains(&figure, trains)?,
            None => plot.tuning_curve(&figure)?,
        }
        written.push(format!(
            "drew the tuning curve in {}",
            plot.path().display()
        ));
    }
    commit(&written, args.quiet)?;
    if !args.quiet {
        print_summary(&report);
    }
    Ok(())
}

impl PlaceArgs {
    /// Opens the backend, the library's way ([`gpulif::open`]): `auto` falls back to
    /// the CPU only when there is no hardware adapter, and says so unless `quiet`.
    fn open(&self, quiet: bool) -> Result<Box<dyn Stepper + Send>, Failure> {
        Failure::checked()?;
        if let Adapters::Several(indices) = self.adapters() {
            let adapters = gpulif::gpu::adapters_by_index(indices.as_deref())?;
            let stepper =
                gpulif::gpu::MultiGpuStepper::open(adapters).map_err(|error| Failure {
                    message: format!("--adapter: {error}"),
                    status: if error.is_usage() { 2 } else { 1 },
                })?;
            if !quiet {
                eprintln!("note: {} devices share the work", stepper.devices().len());
            }
            return Ok(Box::new(stepper));
        }
        let choice = match self.backend {
            BackendArg::Auto => BackendChoice::Auto,
            BackendArg::Gpu => BackendChoice::Gpu,
            BackendArg::Cpu => BackendChoice::Cpu,
            BackendArg::Reference => BackendChoice::Reference,
        };
        let opened = gpulif::open(&choice, self.adapter.as_deref()).map_err(|error| Failure {
            message: format!(
                "--backend {}: {error}",
                self.backend
                    .to_possible_value()
                    .map_or("?".into(), |v| v.get_name().to_owned())
            ),
            status: 1,
        })?;
        if let (Some(note), false) = (opened.note, quiet) {
            eprintln!("note: {note}");
        }
        Ok(opened.stepper)
    }
}

/// A progress bar on stderr that appears once a run has taken a second (so quick runs
/// print nothing), only when stderr is a terminal and not with `--quiet`.
struct Progress {
    bar: indicatif::ProgressBar,
    started: Instant,
    enabled: bool,
    shown: AtomicBool,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::hidden(),
        );
        let style = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {percent:>3}% of {human_len} neuron-steps, \
             {rate}, {eta} left",
        )
        .map(|style| {
            style.progress_chars("=> ").with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.2e} neuron-steps/s", state.per_sec());
                },
            )
        })
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        Progress {
            bar,
            started: Instant::now(),
            enabled: !quiet && std::io::stderr().is_terminal(),
            shown: AtomicBool::new(false),
        }
    }

    fn inc(&self, neuron_steps: u64) {
        self.bar.inc(neuron_steps);
        if self.enabled
            && self.started.elapsed() >= Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Rows of the curve shown in the summary.
const SUMMARY_ROWS: usize = 12;

fn print_summary(report: &CurveReport) {
    let run = &report.run;
    let p = run.params();
    let s = &report.summary;
    outln!(
        "gpulif curve: {} neurons × {} steps ({} s at dt = {} s), {} method",
        grouped(s.neurons as u64),
        grouped(u64::from(run.steps())),
        run.duration(),
        p.dt,
        match run.method() {
            Method::Euler => "Euler",
            Method::Exact => "exact",
        }
    );
    let frozen = match run.method() {
        Method::Euler => format!(" ({} frozen steps)", run.constants().frozen_steps),
        Method::Exact => String::new(),
    };
    outln!(
        "  neuron    tau_rc = {} s, tau_ref = {} s{frozen}, v_th = {}",
        p.tau_rc,
        p.tau_ref,
        p.v_th
    );
    outln!("  backend   {}: {}", report.backend, report.device);
    for share in &report.devices {
        outln!(
            "  share     {}: {} neurons, {:.3} s, {:.3e} neuron-steps/s",
            share.device,
            grouped(share.neurons),
            share.seconds,
            share.neuron_steps_per_second()
        );
    }
    if report.analytic.has_stimulus() {
        outln!(
            "  stimulus  added to every current; analytic: the quasi-static rate, averaged \
             over {} levels of the stimulus",
            gpulif::curve::STIMULUS_LEVELS
        );
    }
    let noise = report.analytic.noise();
    if noise.is_on() {
        outln!(
            "  noise     sigma {}, {}, seed {}; analytic: the Siegert rate{}",
            noise.sigma,
            if noise.is_coloured() {
                format!("Ornstein–Uhlenbeck, tau {} s", noise.tau)
            } else {
                "white".to_owned()
            },
            noise.seed,
            if noise.is_coloured() {
                ", Fourcaud–Brunel shift"
            } else if report.analytic.dt_correction() {
                ", threshold raised for the step"
            } else {
                ", no step correction"
            }
        );
    }
    outln!(
        "  time      {:.3} s simulating, {:.3e} neuron-steps/s; {:.3} s in all",
        report.elapsed.as_secs_f64(),
        report.neuron_steps_per_second(),
        started().elapsed().as_secs_f64()
    );
    if let Some(kib) = peak_memory_kib() {
        outln!("  memory    peak resident {:.1} MiB", kib as f64 / 1024.0);
    }
    outln!();
    outln!(
        "  {:>14}  {:>10}  {:>12}  {:>13}  {:>12}",
        "current",
        "count",
        "rate (Hz)",
        "analytic (Hz)",
        "diff (Hz)"
    );
    for point in &report.sample {
        outln!(
            "  {:>14}  {:>10}  {:>12.3}  {:>13.3}  {:>12.3}",
            compact(point.current),
            point.count,
            point.rate,
            point.analytic_rate,
            point.rate_error()
        );
    }
    outln!();
    outln!(
        "  firing    {} of {} neurons, {} spikes, mean rate {:.3} Hz, max {:.3} Hz",
        grouped(s.firing as u64),
        grouped(s.neurons as u64),
        grouped(s.total_spikes),
        s.mean_rate,
        s.max_rate
    );
    outln!(
        "  vs analytic: mean |diff| {:.3} Hz; largest |diff| {:.3} Hz at current {} \
         (rate {:.3} Hz, analytic {:.3} Hz)",
        s.mean_abs_rate_error,
        s.worst.rate_error().abs(),
        compact(s.worst.current),
        s.worst.rate,
        s.worst.analytic_rate
    );
    if !report.trains.is_empty() {
        print_trains(&report.trains, "current");
    }
}

/// `K/N` of `--shard`.
fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("{text:?}: expected K/N with 0 ≤ K < N, e.g. 0/4 (K counts from 0)");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || k >= n {
        return Err(bad());
    }
    Ok((k, n))
}

/// `gpulif merge`.
fn merge(args: MergeArgs) -> Result<(), Failure> {
    // The parts' reader and join have fuzz targets of their own.
    Failure::checked()?;
    let merged = gpulif::output::parts::merge(&args.parts, &args.out)?;
    commit(
        &[format!(
            "joined {} parts, {} neurons, into {}",
            merged.parts,
            grouped(merged.neurons as u64),
            args.out.display()
        )],
        args.quiet,
    )
}

/// `gpulif ensemble --stimulus`: the ensemble driven by a signal, its spike trains.
fn ensemble_signal(
    args: &EnsembleArgs,
    ensemble: &gpulif::ensemble::Ensemble,
    run: &Run,
    noise: gpulif::Noise,
    path: &std::path::Path,
) -> Result<(), Failure> {
    let signal = gpulif::stimulus::read(path, run.steps())?;
    let gains = ensemble.signal_gains();
    let desc = ensemble.driven_by(run, &signal, &gains, noise);
    desc.validate()?;
    RecordSpec::All.indices(ensemble.len())?;
    let spikes = args
        .spikes
        .as_deref()
        .map(SpikesOutput::create)
        .transpose()?;
    let plot = args.plot.as_deref().map(PlotOutput::create).transpose()?;
    args.place.check()?;
    let mut stepper = args.place.open(args.quiet)?;
    let bar = Progress::new(ensemble.len() as u64 * u64::from(run.steps()), args.quiet);
    let trains =
        SpikeTrains::record_desc(stepper.as_mut(), &desc, run.steps(), &|done| bar.inc(done))?;
    bar.finish();
    let mut written = Vec::new();
    if let Some(spikes) = &spikes {
        spikes.commit(&trains)?;
        written.push(format!(
            "wrote the spike trains of {} neurons to {}",
            ensemble.len(),
            spikes.path().display()
        ));
    }
    if let Some(plot) = plot {
        let title = format!(
            "{} neurons driven by {} ({})",
            ensemble.len(),
            path.file_name()
                .map_or("the signal".into(), |n| n.to_string_lossy()),
            stepper.kind()
        );
        plot.raster(&title, &trains)?;
        written.push(format!("drew the raster in {}", plot.path().display()));
    }
    commit(&written, args.quiet)?;
    if !args.quiet {
        outln!(
            "{} neurons driven by x(t) from {} for {} s ({} steps) on {}: {}",
            ensemble.len(),
            path.display(),
            run.duration(),
            run.steps(),
            stepper.kind(),
            stepper.device()
        );
        if noise.is_on() {
            outln!("  noise     sigma {}, seed {}", noise.sigma, noise.seed);
        }
        print_trains(&trains.stats(), "bias");
    }
    Ok(())
}

/// The recorded neurons' spike statistics: every neuron up to [`SUMMARY_ROWS`], else
/// that many evenly spread, and the mean CV over those with one.
fn print_trains(trains: &[gpulif::trains::TrainStats], input: &str) {
    let optional =
        |x: Option<f64>, scale: f64| x.map_or("—".to_owned(), |x| format!("{:.4}", x * scale));
    outln!();
    outln!(
        "  {:>8}  {:>14}  {:>8}  {:>14}  {:>8}",
        "neuron",
        input,
        "spikes",
        "mean ISI (ms)",
        "CV"
    );
    let rows = trains.len().min(SUMMARY_ROWS);
    for k in 0..rows {
        let t = &trains[if rows < 2 {
            k
        } else {
            k * (trains.len() - 1) / (rows - 1)
        }];
        outln!(
            "  {:>8}  {:>14}  {:>8}  {:>14}  {:>8}",
            t.neuron,
            compact(t.current),
            t.spikes,
            optional(t.mean_isi, 1e3),
            optional(t.cv, 1.0)
        );
    }
    let cvs: Vec<f64> = trains.iter().filter_map(|t| t.cv).collect();
    outln!(
        "  recorded  {} neurons, {} spikes; mean CV {}",
        grouped(trains.len() as u64),
        grouped(trains.iter().map(|t| t.spikes as u64).sum()),
        if cvs.is_empty() {
            "— (too few spikes)".to_owned()
        } else {
            format!(
                "{:.4} over {} neurons",
                cvs.iter().sum::<f64>() / cvs.len() as f64,
                cvs.len()
            )
        }
    );
}

/// This process's peak resident memory (Linux's `VmHWM`), in KiB; `None` where the
/// system does not say.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A current for a table: up to 7 decimals, trailing zeros dropped; exponent notation
/// for very large or small magnitudes.
fn compact(value: f64) -> String {
    let magnitude = value.abs();
    if value != 0.0 && !(1e-4..1e7).contains(&magnitude) {
        return format!("{value:.6e}");
    }
    let text = format!("{value:.7}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn devices(args: DevicesArgs) -> Result<(), Failure> {
    Failure::checked()?;
    let gpulif::gpu::AdapterList {
        adapters,
        hardware,
        any,
    } = list_adapters();
    if args.json {
        let json = serde_json::to_string_pretty(&adapters).context("formatting adapters")?;
        outln!("{json}");
        return Ok(());
    }
    if adapters.is_empty() {
        outln!("no adapters found");
    }
    for (i, a) in adapters.iter().enumerate() {
        let mark = if Some(i) == hardware { "*" } else { " " };
        let compute = if a.compute {
            ""
        } else {
            "  (no compute shaders)"
        };
        outln!(
            "{mark} {i}: {}  [{}, {}]  {}{compute}",
            a.name,
            a.backend,
            a.device_type,
            a.driver
        );
    }
    let compute: Vec<String> = adapters
        .iter()
        .enumerate()
        .filter(|(_, a)| a.compute)
        .map(|(i, _)| i.to_string())
        .collect();
    if !compute.is_empty() {
        outln!(
            "--adapter all splits the work across adapter{} {}",
            if compute.len() == 1 { "" } else { "s" },
            compute.join(", ")
        );
    }
    match (hardware, any) {
        (Some(i), _) => outln!(
            "--backend auto uses adapter {i}: {}",
            adapters[i].describe()
        ),
        (None, Some(i)) => outln!(
            "--backend auto uses the CPU backend (no hardware adapter); \
             --backend gpu uses adapter {i}: {}",
            adapters[i].describe()
        ),
        (None, None) => outln!(
            "--backend auto uses the CPU backend; --backend gpu has no adapter \
             (install a GPU driver or mesa-vulkan-drivers for lavapipe)"
        ),
    }
    Ok(())
}

fn bench(args: BenchArgs) -> Result<(), Failure> {
    let workload = Workload {
        params: args.neuron.params(args.method.into())?,
        neurons: args.neurons,
        steps: args.steps,
        i_min: args.i_min,
        i_max: args.i_max,
        method: args.method.into(),
    };
    workload.run()?;
    workload.currents()?;
    let noise = args.noise.noise();
    noise.validate_for(workload.method)?;
    let kernels = match args.cpu_kernel {
        KernelArg::Best => vec![Kernel::detect()],
        KernelArg::All => Kernel::available(),
        KernelArg::Avx512 => vec![Kernel::Avx512],
        KernelArg::Avx2 => vec![Kernel::Avx2],
        KernelArg::Baseline => vec![Kernel::Baseline],
    };
    let available = Kernel::available();
    if let Some(missing) = kernels.iter().find(|k| !available.contains(k)) {
        let names: Vec<_> = available.iter().map(|k| k.name()).collect();
        return Err(usage(format!(
            "--cpu-kernel {}: this processor does not run it (it runs {})",
            missing.name(),
            names.join(", ")
        )));
    }
    Failure::checked()?;
    let say = |what: String| {
        if !args.quiet {
            eprintln!("bench: {what}");
        }
    };
    let workload_text = format!(
        "{} neurons × {} steps, {} timed {} each{}",
        grouped(workload.neurons as u64),
        grouped(u64::from(workload.steps)),
        args.runs,
        if args.runs == 1 { "run" } else { "runs" },
        if noise.is_on() {
            format!(", noise sigma {} (seed {})", noise.sigma, noise.seed)
        } else {
            String::new()
        }
    );
    say(workload_text.clone());

    let mut measurements = Vec::new();
    if args.backend.contains(&BenchBackend::Reference) {
        say("reference (float64)…".into());
        measurements.push(bench::measure_noisy(
            &mut gpulif::ReferenceStepper,
            &workload,
            noise,
            args.runs,
        )?);
    }
    if args.backend.contains(&BenchBackend::Cpu) {
        for kernel in kernels {
            say(format!("cpu ({})…", kernel.name()));
            measurements.push(bench::measure_noisy(
                &mut gpulif::CpuStepper::with_kernel(kernel),
                &workload,
                noise,
                args.runs,
            )?);
        }
    }
    if args.backend.contains(&BenchBackend::Gpu) {
        let adapters: Vec<_> = compute_adapters()
            .into_iter()
            .filter(|a| {
                args.adapter.as_ref().is_none_or(|name| {
                    a.get_info()
                        .name
                        .to_lowercase()
                        .contains(&name.to_lowercase())
                })
            })
            .collect();
        if adapters.is_empty() {
            let wanted = args.adapter.as_ref().map_or(String::new(), |name| {
                format!(" whose name contains {name:?}")
            });
            say(format!(
                "no GPU adapter{wanted} (see `gpulif devices`); skipping the GPU"
            ));
        }
        for adapter in adapters {
            let context = GpuContext::open(adapter)?;
            say(format!("gpu ({})…", context.summary().describe()));
            let mut stepper = GpuStepper::new(context);
            measurements.push(bench::measure_noisy(
                &mut stepper,
                &workload,
                noise,
                args.runs,
            )?);
        }
    }

    if args.json {
        let json = serde_json::to_string_pretty(&measurements).context("formatting results")?;
        outln!("{json}");
    } else {
        print_bench(&workload_text, &measurements);
    }
    // The agreement is the benchmark's verdict: `--quiet` keeps it (it goes to stdout);
    // `--json` leaves stdout to the JSON, and the exit status carries the verdict.
    check_agreement(&measurements, workload.method, noise.is_on(), args.json)
}

fn print_bench(workload: &str, measurements: &[bench::Measurement]) {
    let reference = measurements
        .iter()
        .find(|m| m.backend == BackendKind::Reference)
        .map(|m| m.seconds);
    outln!("gpulif bench: {workload}");
    outln!(
        "  {:<9}  {:>10}  {:>12}  {:>10}  {:>16}  {:>8}  device",
        "backend",
        "neurons",
        "steps",
        "seconds",
        "neuron-steps/s",
        "speed-up"
    );
    for m in measurements {
        let speed_up = reference.map_or("-".to_owned(), |r| format!("{:.1}×", r / m.seconds));
        outln!(
            "  {:<9}  {:>10}  {:>12}  {:>10.4}  {:>16.3e}  {:>8}  {}",
            m.backend.name(),
            grouped(m.neurons as u64),
            grouped(u64::from(m.steps)),
            m.seconds,
            m.neuron_steps_per_second,
            speed_up,
            m.device
        );
    }
}

/// Says how the backends' counts agree ([`Verdict`]); fails when they break the
/// precision contract.
fn check_agreement(
    measurements: &[bench::Measurement],
    method: Method,
    noisy: bool,
    quiet: bool,
) -> Result<(), Failure> {
    let verdict = Verdict::of_run(measurements, method, noisy);
    if !quiet {
        for c in &verdict.float32 {
            let a = c.agreement;
            let text = match method {
                _ if a.is_identical() => "identical".to_owned(),
                Method::Exact if c.passed => "identical, the others within 1".to_owned(),
                _ if noisy && c.passed => format!(
                    "identical, the others within 1 (largest difference {})",
                    a.max_difference
                ),
                _ => format!("identical: DIFFERENT (by up to {})", a.max_difference),
            };
            outln!(
                "  counts: {} ({}) vs {} ({}): {} of {} {text}",
                c.first.0,
                c.first.1,
                c.second.0,
                c.second.1,
                grouped(a.identical as u64),
                grouped(a.neurons as u64)
            );
        }
        if let Some(c) = &verdict.reference {
            let a = c.agreement;
            outln!(
                "  counts: float32 vs float64 reference: {} of {} identical ({:.4} %), \
                 largest difference {}",
                grouped(a.identical as u64),
                grouped(a.neurons as u64),
                100.0 * a.fraction(),
                a.max_difference
            );
        }
    }
    if verdict.passed() {
        Ok(())
    } else {
        Err(Failure {
            message: format!("the backends disagree: {}", verdict.failures.join("; ")),
            status: 1,
        })
    }
}

fn trace(args: TraceArgs) -> Result<(), Failure> {
    let params = args.neuron.params(args.method.into())?;
    if args.current.is_empty() {
        return Err(usage(
            "--current: give at least one input current, e.g. --current 1.1 (a list or \
             a repeated flag gives one neuron each)",
        ));
    }
    let run = Run::new(params, args.duration)?.with_method(args.method.into());
    args.place.check()?;
    let output = args.out.as_deref().map(TraceOutput::create).transpose()?;
    let plot = args.plot.as_deref().map(PlotOutput::create).transpose()?;
    gpulif::trace::check(&run, &args.current)?;
    let stimulus = args.stimulus.read(&run)?;
    let noise = args.noise.noise();
    let mut desc =
        gpulif::PopulationDesc::for_run(&run, &args.current, gpulif::NeuronParams::SHARED)
            .with_noise(noise);
    if let Some(values) = &stimulus {
        desc = desc.with_stimulus(gpulif::Stimulus { values, gain: None });
    }
    desc.validate()?;
    let mut stepper = args.place.open(args.quiet)?;
    let trace = Trace::record_desc(stepper.as_mut(), &run, &desc)?;
    let mut written = Vec::new();
    if let Some(output) = output {
        output.commit(&trace)?;
        written.push(format!(
            "wrote {} steps × {} neurons to {}",
            run.steps(),
            trace.currents().len(),
            output.path().display()
        ));
    }
    if let Some(plot) = plot {
        plot.trace(&trace)?;
        written.push(format!("drew the trace in {}", plot.path().display()));
    }
    commit(&written, args.quiet)?;
    if !args.quiet {
        if noise.is_on() {
            outln!("noise sigma {}, seed {}", noise.sigma, noise.seed);
        }
        for n in 0..trace.currents().len() {
            outln!("{}", trace.sentence(n));
        }
    }
    Ok(())
}

fn ensemble(args: EnsembleArgs) -> Result<(), Failure> {
    let spec = EnsembleSpec {
        params: LifParams {
            tau_rc: args.tau_rc,
            tau_ref: args.tau_ref,
            v_th: args.v_th,
            dt: args.dt,
        },
        neurons: args.neurons,
        max_rates: args.max_rates,
        intercepts: args.intercepts,
        x_points: args.x_points,
        seed: args.seed,
    };
    let ensemble = spec.build()?;
    let run = Run::new(spec.params, args.duration)?.with_method(args.method.into());
    let noise = gpulif::Noise::coloured(args.sigma, args.noise_tau, args.seed);
    if let Some(path) = &args.stimulus {
        return ensemble_signal(&args, &ensemble, &run, noise, path);
    }
    args.place.check()?;
    let output = args
        .out
        .as_deref()
        .map(EnsembleOutput::create)
        .transpose()?;
    let plot = args.plot.as_deref().map(PlotOutput::create).transpose()?;
    let mut stepper = args.place.open(args.quiet)?;
    let steps = (args.duration / args.dt).round() as u64;
    let bar = Progress::new(
        (ensemble.len() * ensemble.x.len()) as u64 * steps,
        args.quiet,
    );
    let curves = ensemble.simulate_noisy(
        stepper.as_mut(),
        args.duration,
        args.method.into(),
        noise,
        &|done| bar.inc(done),
    )?;
    bar.finish();
    let mut written = Vec::new();
    if let Some(output) = output {
        output.commit(&ensemble, &curves)?;
        written.push(format!(
            "wrote {} neurons × {} points to {}",
            ensemble.len(),
            ensemble.x.len(),
            output.path().display()
        ));
    }
    if let Some(plot) = plot {
        plot.ensemble(&ensemble, &curves)?;
        written.push(format!(
            "drew the tuning curves in {}",
            plot.path().display()
        ));
    }
    commit(&written, args.quiet)?;
    if !args.quiet {
        print_ensemble(&ensemble, &curves);
        if noise.is_on() {
            outln!(
                "  noise     sigma {}, tau {} s, seed {} (--seed)",
                noise.sigma,
                noise.tau,
                noise.seed
            );
        }
    }
    Ok(())
}

fn print_ensemble(
    ensemble: &gpulif::ensemble::Ensemble,
    curves: &gpulif::ensemble::EnsembleCurves,
) {
    let neurons = ensemble.len();
    let points = ensemble.x.len();
    let run = &curves.run;
    outln!(
        "gpulif ensemble: {} neurons × {} points of x, {} steps each ({} s at dt = {} s), {} method",
        grouped(neurons as u64),
        points,
        grouped(u64::from(run.steps())),
        run.duration(),
        run.params().dt,
        run.method()
    );
    let p = run.params();
    outln!(
        "  neuron    tau_rc = {} s, tau_ref = {} s, v_th = {}",
        p.tau_rc,
        p.tau_ref,
        p.v_th
    );
    outln!("  backend   {}: {}", curves.backend, curves.device);
    outln!(
        "  time      {:.3} s, {:.3e} neuron-steps/s",
        curves.elapsed.as_secs_f64(),
        curves.neuron_steps_per_second()
    );
    let at_end = |n: usize| curves.rate_at_preferred_end(ensemble, n);
    let (mean, worst) = curves.max_rate_error(ensemble);
    outln!();
    outln!(
        "  {:>7}  {:>8}  {:>10}  {:>13}  {:>16}",
        "neuron",
        "encoder",
        "intercept",
        "max rate (Hz)",
        "rate at end (Hz)"
    );
    for n in (0..neurons).step_by(neurons.div_ceil(8).max(1)) {
        outln!(
            "  {:>7}  {:>8}  {:>10.4}  {:>13.3}  {:>16.3}",
            n,
            if ensemble.encoders[n] > 0.0 {
                "+1"
            } else {
                "-1"
            },
            ensemble.intercepts[n],
            ensemble.max_rates[n],
            at_end(n)
        );
    }
    outln!();
    outln!(
        "  at the preferred end (x = encoder): rate − max rate, mean |·| {:.3} Hz, largest {:.3} Hz",
        mean,
        worst
    );
}
