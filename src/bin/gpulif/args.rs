//! The command line's flags: one block per command, the blocks they share (where to
//! simulate, the neuron, the inputs), and the parsers of their values.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use gpulif::backend::several_adapters;
use gpulif::experiment::curve::MAX_NEURONS;
use gpulif::experiment::spec::RunSpec;
use gpulif::{BackendChoice, LifParams, Method, Run, Stepper};

use super::failure::{Failure, usage};

#[derive(Args, Debug)]
#[command(after_help = "\
Build and run it with: cargo run --release --features explore -- explore
Drag tau_ref and watch the curve flatten at 1/tau_ref; click the curve to follow one
neuron; the bottom line is the `gpulif curve` command that computes the same curve.")]
pub struct ExploreArgs {
    /// Neurons to start with (100 to 1000000 on a GPU, at most 100000 on the CPU).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub neurons: usize,

    /// Simulate on the CPU backend even when the window is drawn by a GPU.
    #[arg(long)]
    pub cpu: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  for k in 0 1 2 3; do gpulif curve --neurons 1000000 --shard $k/4 --out part-$k.npy; done
  gpulif merge part-*.npy --out curve.npy")]
pub struct MergeArgs {
    /// The parts: .npy or .json files written by `gpulif curve --shard K/N`.
    #[arg(value_name = "PART", required = true)]
    pub parts: Vec<PathBuf>,

    /// The joined curve: .npy, .csv or .json (byte for byte the unsharded run's NPY or
    /// CSV). Written only when every check passes.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,

    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
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
pub enum MethodArg {
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
pub struct CurveArgs {
    /// Neurons in the sweep, one current each (1 to 1000000000).
    #[arg(long, value_name = "N", default_value_t = 1000, allow_hyphen_values = true,
          value_parser = parse_neurons)]
    pub neurons: usize,

    /// Smallest current of the sweep (model units).
    #[arg(long, value_name = "I", default_value_t = 0.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub i_min: f64,

    /// Largest current of the sweep (model units).
    #[arg(long, value_name = "I", default_value_t = 10.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub i_max: f64,

    /// Explicit currents instead of a sweep: a comma-separated list (1.1,10,100), or
    /// @FILE with one current per line.
    #[arg(long, value_name = "LIST|@FILE", allow_hyphen_values = true,
          conflicts_with_all = ["neurons", "i_min", "i_max"])]
    pub currents: Option<String>,

    /// Simulated time, seconds; a whole number of --dt steps.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub duration: f64,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub place: PlaceArgs,

    /// Write the full curve: .csv (current,count,rate,analytic_rate), .json (with the
    /// parameters, backend, device and timing) or .npy (float64, N×4, the CSV's columns).
    /// Written only when complete.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Draw the tuning curve beside the analytic one: .png or .svg (with --record, the
    /// recorded neurons' spike raster below it).
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,

    /// Compute only the K-th of N contiguous slices of the sweep (K from 0 to N−1), for
    /// a batch scheduler's array job; `gpulif merge` joins the parts. Needs --out .npy
    /// or .json, which carry the run's identity.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,

    /// Record these neurons' spike trains (indices in the curve's input order): START:END
    /// (END excluded), a list such as 0,5,9, or all (at most 10000 neurons). Their mean
    /// inter-spike interval and its CV go in the summary and the JSON.
    #[arg(long, value_name = "SPEC")]
    pub record: Option<String>,

    /// Write the recorded spike trains: .csv (neuron,time; one row per spike) or .npy
    /// (float64, spikes × 2, the same columns); times are the end of each spike's step.
    #[arg(long, value_name = "PATH", requires = "record")]
    pub spikes: Option<PathBuf>,

    /// Step every neuron through every step. Without it, a run driven by constant
    /// currents alone (no noise, stimulus or Poisson input) is counted from each
    /// neuron's period where the backend can (the CPU): the same counts, bit for bit.
    #[arg(long)]
    pub stepwise: bool,

    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    pub quiet: bool,
}

/// A signal added to every neuron's input (Euler only).
#[derive(Args, Debug)]
pub struct StimulusArgs {
    /// A signal sampled at --dt, one value per step, added to every neuron's current:
    /// .npy (1-D float32 or float64) or text/CSV with one value per line; at least as
    /// many values as steps (a longer signal is cut to the run).
    #[arg(long, value_name = "FILE")]
    pub stimulus: Option<PathBuf>,
}

/// The flags of the shared block of a run ([`RunSpec`]) but its duration, whose
/// default each command sets: the neuron, the method, the noise, the Poisson input and
/// the stimulus.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub neuron: NeuronArgs,

    /// How the neurons are integrated.
    #[arg(long, value_enum, default_value_t = MethodArg::Euler)]
    pub method: MethodArg,

    #[command(flatten)]
    pub noise: NoiseArgs,

    #[command(flatten)]
    pub poisson: PoissonArgs,

    #[command(flatten)]
    pub stimulus: StimulusArgs,
}

impl RunArgs {
    /// The method.
    pub fn method(&self) -> Method {
        self.method.into()
    }

    /// The spec these flags give for `duration`, the stimulus file read for its steps.
    pub fn spec(&self, duration: f64) -> Result<RunSpec, Failure> {
        let method = self.method();
        let params = self.neuron.params(method)?;
        let run = Run::new(params, duration)?.with_method(method);
        Ok(RunSpec {
            params,
            method,
            duration,
            noise: self.noise.noise(self.poisson.poisson()),
            poisson: self.poisson.poisson(),
            dt_correction: !self.noise.no_dt_correction,
            stimulus: self.stimulus.read(&run)?,
        })
    }
}

impl StimulusArgs {
    /// The stimulus file's values for `run`, if one is given.
    pub fn read(&self, run: &Run) -> Result<Option<gpulif::Signal>, Failure> {
        Ok(self
            .stimulus
            .as_deref()
            .map(|path| gpulif::experiment::stimulus::read(path, run.steps()))
            .transpose()?)
    }
}

/// A Poisson spike train into every neuron (Euler only).
#[derive(Args, Debug)]
pub struct PoissonArgs {
    /// Poisson input: every neuron receives its own Poisson spike train of RATE Hz, each
    /// event adding WEIGHT to its voltage (events while refractory are lost; Euler only;
    /// drawn with --seed); RATE·dt at most 20.
    #[arg(long, value_name = "RATE:WEIGHT", allow_hyphen_values = true,
          value_parser = parse_poisson)]
    pub poisson: Option<gpulif::Poisson>,
}

impl PoissonArgs {
    /// The Poisson input asked for, or none.
    pub fn poisson(&self) -> gpulif::Poisson {
        self.poisson.unwrap_or(gpulif::Poisson::NONE)
    }
}

/// Noise added to every neuron's input (Euler only).
#[derive(Args, Debug)]
pub struct NoiseArgs {
    /// Noise amplitude sigma (model units, ≥ 0): white noise adds sigma·√(dt/tau_rc)·N(0,1)
    /// to the voltage each step; 0 for none.
    #[arg(long = "noise", value_name = "SIGMA", default_value_t = 0.0,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub sigma: f64,

    /// Correlation time of the noise (seconds, ≥ 0): an Ornstein–Uhlenbeck current with
    /// this time constant; 0 for white noise.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub noise_tau: f64,

    /// Seed of the noise streams and the Poisson events (0 to 18446744073709551615);
    /// when not given, drawn and reported for a run with noise or Poisson input (so that
    /// it can be repeated), and 0 for a run with neither.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Compare with the Siegert rate itself, without the correction for a threshold
    /// checked once per step.
    #[arg(long)]
    pub no_dt_correction: bool,
}

impl NoiseArgs {
    /// The noise asked for, beside `poisson` input (which draws with the same seed): a
    /// seed is drawn when none is given and either is on, and is 0 when neither is.
    pub fn noise(&self, poisson: gpulif::Poisson) -> gpulif::Noise {
        let random = self.sigma != 0.0 || poisson.is_on();
        let seed = gpulif::noise::seed_for(self.seed, random);
        gpulif::Noise::coloured(self.sigma, self.noise_tau, seed)
    }
}

#[derive(Args, Debug)]
#[command(after_help = "\
Examples (the tutorial's):
  gpulif trace --current 1.1 --tau-ref 0.2 --duration 20 --plot trace.png
  gpulif trace --current 1.0000001,1.1,10,100,0.8 --tau-rc 0.02 --tau-ref 0.2 --duration 20")]
pub struct TraceArgs {
    /// Input current; repeat the flag or give a comma-separated list for one neuron
    /// (one raster row) each.
    #[arg(long, value_name = "I", value_delimiter = ',',
          allow_hyphen_values = true, value_parser = parse_number)]
    pub current: Vec<f64>,

    /// Simulated time, seconds; a whole number of --dt steps.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub duration: f64,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub place: PlaceArgs,

    /// Draw the first neuron's input, threshold, voltage and spikes over time, and every
    /// neuron's spike raster below: .png or .svg.
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,

    /// Write the time series as CSV: time,current,v,spike (one row per neuron per step).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
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
pub struct EnsembleArgs {
    /// Neurons.
    #[arg(long, value_name = "N", default_value_t = 50, allow_hyphen_values = true,
          value_parser = parse_neurons)]
    pub neurons: usize,

    /// Range of the maximum rates, Hz.
    #[arg(long, value_name = "LO:HI", default_value = "200:400", allow_hyphen_values = true,
          value_parser = parse_range)]
    pub max_rates: (f64, f64),

    /// Range of the intercepts (where each neuron starts firing, in encoder·x).
    #[arg(long, value_name = "LO:HI", default_value = "-1:0.9", allow_hyphen_values = true,
          value_parser = parse_range)]
    pub intercepts: (f64, f64),

    /// Points of x, evenly spaced from -1 to 1 (2 to 100000).
    #[arg(long, value_name = "K", default_value_t = 101, allow_hyphen_values = true,
          value_parser = parse_x_points)]
    pub x_points: usize,

    /// Seed of the random draws (the ensemble's and, with --noise, the noise streams');
    /// the same seed gives the same ensemble and the same noise.
    #[arg(long, value_name = "S", default_value_t = 0, allow_hyphen_values = true,
          value_parser = parse_seed)]
    pub seed: u64,

    /// Noise amplitude sigma (model units, ≥ 0) added to every neuron's input current, as
    /// `gpulif curve --noise` (Euler only); 0 for none.
    #[arg(long = "noise", value_name = "SIGMA", default_value_t = 0.0,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub sigma: f64,

    /// Correlation time of the noise (seconds, ≥ 0; 0 for white noise).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub noise_tau: f64,

    #[command(flatten)]
    pub poisson: PoissonArgs,

    /// Step every neuron through every step. Without it, curves driven by constant
    /// currents alone are counted from each neuron's period where the backend can:
    /// the same counts, bit for bit.
    #[arg(long)]
    pub stepwise: bool,

    /// Drive the ensemble with this input signal x(t) instead of sweeping x: one value
    /// per step of --dt for --duration (.npy 1-D float32/float64, or one value per
    /// line), J = gain·encoder·x(t) + bias (Euler only). Prints each neuron's spikes,
    /// mean ISI and CV; --spikes writes the trains, --plot draws their raster.
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    pub stimulus: Option<PathBuf>,

    /// With --stimulus: write every neuron's spike times, .csv (neuron,time) or .npy
    /// (float64, spikes × 2).
    #[arg(long, value_name = "PATH", requires = "stimulus")]
    pub spikes: Option<PathBuf>,

    /// How the neurons are integrated.
    #[arg(long, value_enum, default_value_t = MethodArg::Exact)]
    pub method: MethodArg,

    /// Simulated time per point, seconds; a whole number of --dt steps.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub duration: f64,

    /// Time step, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().dt,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub dt: f64,

    /// Membrane time constant, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.02,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub tau_rc: f64,

    /// Refractory period, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.002,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub tau_ref: f64,

    /// Firing threshold (model units).
    #[arg(long, value_name = "V", default_value_t = LifParams::default().v_th,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub v_th: f64,

    #[command(flatten)]
    pub place: PlaceArgs,

    /// Write the curves: .csv (neuron,x,rate), .npy (float32, x_points × neurons) or
    /// .json (everything, with each neuron's gain, bias, encoder, intercept, max rate).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Draw a sample of the neurons' curves: .png or .svg.
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchBackend {
    /// The float64 reference.
    Reference,
    /// The float32 CPU backend.
    Cpu,
    /// Every GPU adapter that runs compute shaders (or those --adapter names).
    Gpu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KernelArg {
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
pub struct BenchArgs {
    /// Neurons (1 to 200000000: a benchmark keeps them all in memory).
    #[arg(long, value_name = "N", default_value_t = 1_000_000, allow_hyphen_values = true,
          value_parser = parse_neurons)]
    pub neurons: usize,

    /// Steps each neuron is advanced by (1 to 4294967295).
    #[arg(long, value_name = "N", default_value_t = 1000, allow_hyphen_values = true,
          value_parser = parse_steps)]
    pub steps: u32,

    /// Smallest current of the sweep.
    #[arg(long, value_name = "I", default_value_t = 0.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub i_min: f64,

    /// Largest current of the sweep.
    #[arg(long, value_name = "I", default_value_t = 10.0, allow_hyphen_values = true,
          value_parser = parse_number)]
    pub i_max: f64,

    #[command(flatten)]
    pub neuron: NeuronArgs,

    #[command(flatten)]
    pub noise: NoiseArgs,

    #[command(flatten)]
    pub poisson: PoissonArgs,

    /// How the neurons are integrated.
    #[arg(long, value_enum, default_value_t = MethodArg::Euler)]
    pub method: MethodArg,

    /// Backends to time, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "reference,cpu,gpu"
    )]
    pub backend: Vec<BenchBackend>,

    /// Only the GPU adapters whose name contains this text.
    #[arg(long, value_name = "NAME")]
    pub adapter: Option<String>,

    /// Which CPU kernels to time.
    #[arg(long, value_enum, default_value_t = KernelArg::Best)]
    pub cpu_kernel: KernelArg,

    /// Timed runs per backend (1 to 1000); the table gives their median.
    #[arg(long, value_name = "N", default_value_t = 5, allow_hyphen_values = true,
          value_parser = parse_runs)]
    pub runs: usize,

    /// Print the measurements as a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Print nothing on stderr while measuring.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Where to simulate: shared by `curve`, `trace` and `ensemble`.
#[derive(Args, Debug)]
pub struct PlaceArgs {
    /// Where to simulate.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,

    /// The GPU adapter whose name contains NAME (refused when none does); or `all`
    /// (every adapter that runs compute shaders) or a list of `gpulif devices` numbers
    /// such as 0,2, which split the work across those devices.
    #[arg(long, value_name = "NAME|all|LIST")]
    pub adapter: Option<String>,
}

impl PlaceArgs {
    /// Refuses `--adapter` with a CPU backend, before anything runs.
    pub fn check(&self) -> Result<(), Failure> {
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
pub struct NeuronArgs {
    /// Time step, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().dt,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub dt: f64,

    /// Membrane time constant, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().tau_rc,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub tau_rc: f64,

    /// Refractory period, seconds. With the Euler method the neuron stays frozen for
    /// the steps the tutorial's float64 countdown gives (the summary says how many: 2
    /// for 2 ms at dt = 1 ms, but 10 for both 10 ms and 11 ms; see the book's page on
    /// the refractory period).
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().tau_ref,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub tau_ref: f64,

    /// Euler method: freeze exactly N steps after each spike (0 to 100000000), in place
    /// of --tau-ref; sets tau_ref to (N + 1/2)·dt, which the countdown turns into N
    /// steps. Brian2 freezes round(refractory/dt) − 1 steps: its refractory period
    /// (N + 1)·dt gives the same counts.
    #[arg(long, value_name = "N", conflicts_with = "tau_ref", allow_hyphen_values = true,
          value_parser = parse_refractory_steps)]
    pub refractory_steps: Option<u32>,

    /// Firing threshold (model units).
    #[arg(long, value_name = "V", default_value_t = LifParams::default().v_th,
          allow_hyphen_values = true, value_parser = parse_number)]
    pub v_th: f64,
}

impl NeuronArgs {
    /// The parameters for `method`; `--refractory-steps` counts the Euler method's
    /// frozen steps and is refused with the exact method.
    pub fn params(&self, method: Method) -> Result<LifParams, Failure> {
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

pub fn parse_refractory_steps(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if f64::from(n) <= gpulif::model::params::MAX_REFRACTORY_STEPS => Ok(n),
        _ => Err("expected a whole number of steps from 0 to 100000000".to_owned()),
    }
}

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  gpulif completions bash > ~/.local/share/bash-completion/completions/gpulif
  gpulif completions zsh > ~/.zfunc/_gpulif    # with fpath+=~/.zfunc before compinit
  gpulif completions fish > ~/.config/fish/completions/gpulif.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  gpulif man curve | man -l -
  mkdir -p ~/.local/share/man/man1 && gpulif man --dir ~/.local/share/man/man1")]
pub struct ManArgs {
    /// The command whose page to print (curve, trace, ensemble, ...); gpulif's own page
    /// when absent.
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Option<String>,

    /// Write every page (gpulif.1 and gpulif-COMMAND.1 for each command) into this
    /// existing folder instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct DevicesArgs {
    /// Print the adapters as a JSON array.
    #[arg(long)]
    pub json: bool,
}

pub fn parse_neurons(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_NEURONS).contains(n))
        .ok_or_else(|| format!("expected a whole number from 1 to {MAX_NEURONS}"))
}

pub fn parse_steps(text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("expected a whole number from 1 to {}", u32::MAX))
}

pub fn parse_runs(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| "expected a whole number from 1 to 1000".to_owned())
}

pub fn parse_range(text: &str) -> Result<(f64, f64), String> {
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

pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| format!("expected a whole number from 0 to {}", u64::MAX))
}

pub fn parse_x_points(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (2..=100_000).contains(n))
        .ok_or_else(|| "expected a whole number from 2 to 100000".to_owned())
}

pub fn parse_number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| "expected a number".to_owned())
}

impl PlaceArgs {
    /// Opens the backend, the library's way ([`gpulif::open`]): `auto` falls back to
    /// the CPU only when there is no hardware adapter, and says so unless `quiet`.
    pub fn open(&self, quiet: bool) -> Result<Box<dyn Stepper + Send>, Failure> {
        Failure::checked()?;
        let choice = match self.backend {
            BackendArg::Auto => BackendChoice::Auto,
            BackendArg::Gpu => BackendChoice::Gpu,
            BackendArg::Cpu => BackendChoice::Cpu,
            BackendArg::Reference => BackendChoice::Reference,
        };
        let several = self.adapter.as_deref().and_then(several_adapters).is_some();
        let opened = gpulif::open(&choice, self.adapter.as_deref()).map_err(|error| {
            if matches!(error, gpulif::Error::InvalidParameter { .. }) {
                // Named by its flag, as every refused value is (`--adapter NAME`).
                Failure::from(error)
            } else if several {
                Failure {
                    message: format!("--adapter: {error}"),
                    status: if error.is_usage() { 2 } else { 1 },
                }
            } else {
                Failure {
                    message: format!("--backend {}: {error}", choice.name()),
                    status: 1,
                }
            }
        })?;
        if let (Some(note), false) = (opened.note, quiet) {
            eprintln!("note: {note}");
        }
        Ok(opened.stepper)
    }
}

/// `K/N` of `--shard`.
/// `RATE:WEIGHT`, two numbers (their ranges are the library's to check).
pub fn parse_poisson(text: &str) -> Result<gpulif::Poisson, String> {
    let bad = || {
        format!(
            "{text:?}: expected RATE:WEIGHT (events per second, voltage per event), e.g. 800:0.05"
        )
    };
    let (rate, weight) = text.split_once(':').ok_or_else(bad)?;
    let rate = parse_number(rate).map_err(|_| bad())?;
    let weight = parse_number(weight).map_err(|_| bad())?;
    Ok(gpulif::Poisson::new(rate, weight))
}

pub fn parse_shard(text: &str) -> Result<(usize, usize), String> {
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
