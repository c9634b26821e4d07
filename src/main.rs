//! The `gpulif` command line: parses, calls the library, prints.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use gpulif::curve::MAX_NEURONS;
use gpulif::gpu::list_adapters;
use gpulif::output::AtomicOutput;
use gpulif::{
    AdapterChoice, CpuStepper, Currents, CurveSpec, Error, GpuContext, GpuStepper, LifParams,
    ReferenceStepper, Stepper, TuningCurve,
};

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    /// A hardware GPU if there is one, else the CPU backend.
    Auto,
    /// The GPU kernel on the best adapter, software ones (lavapipe) included.
    Gpu,
    /// The float32 CPU backend, bit-identical to the GPU kernel.
    Cpu,
    /// The float64 transcription of the tutorial (slow; the oracle).
    Reference,
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

    /// Time step, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().dt,
          allow_hyphen_values = true, value_parser = parse_number)]
    dt: f64,

    /// Membrane time constant, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().tau_rc,
          allow_hyphen_values = true, value_parser = parse_number)]
    tau_rc: f64,

    /// Refractory period, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LifParams::default().tau_ref,
          allow_hyphen_values = true, value_parser = parse_number)]
    tau_ref: f64,

    /// Firing threshold (model units).
    #[arg(long, value_name = "V", default_value_t = LifParams::default().v_th,
          allow_hyphen_values = true, value_parser = parse_number)]
    v_th: f64,

    /// Where to simulate.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    backend: BackendArg,

    /// Use the GPU adapter whose name contains this text (see `gpulif devices`).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,

    /// Write the full curve: .csv (current,count,rate,analytic_rate) or .json (with the
    /// parameters, backend, device and timing). Written only when complete.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,

    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    quiet: bool,
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

fn parse_number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| "expected a number".to_owned())
}

/// A failure and the exit status it earns.
struct Failure {
    message: String,
    status: u8,
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
            Error::Output { .. } => format!("--out: {error}"),
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

fn main() -> ExitCode {
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
    let result = match cli.command {
        Command::Curve(args) => curve(args),
        Command::Devices(args) => devices(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
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
        params: LifParams {
            tau_rc: args.tau_rc,
            tau_ref: args.tau_ref,
            v_th: args.v_th,
            dt: args.dt,
        },
        duration: args.duration,
        currents,
    };
    let sweep = spec.sweep()?;
    if args.adapter.is_some() && !matches!(args.backend, BackendArg::Auto | BackendArg::Gpu) {
        return Err(usage(
            "--adapter picks a GPU: use it with --backend gpu or --backend auto",
        ));
    }
    let output = args.out.as_deref().map(AtomicOutput::create).transpose()?;
    let (mut stepper, note) = open_backend(args.backend, args.adapter)?;
    if let (Some(note), false) = (note, args.quiet) {
        eprintln!("note: {note}");
    }

    let bar = progress_bar(sweep.neuron_steps(), args.quiet);
    let curve = sweep.simulate(stepper.as_mut(), &|done| bar.inc(done))?;
    bar.finish_and_clear();

    if let Some(output) = output {
        let path = output.path().to_owned();
        output.commit(&curve)?;
        if !args.quiet {
            eprintln!("wrote {} neurons to {}", curve.len(), path.display());
        }
    }
    if !args.quiet {
        print_summary(&curve);
    }
    Ok(())
}

/// The stepper for `backend`, and a note for the user when `auto` fell back.
fn open_backend(
    backend: BackendArg,
    adapter: Option<String>,
) -> Result<(Box<dyn Stepper>, Option<String>), Failure> {
    let gpu = |choice: AdapterChoice| -> gpulif::Result<Box<dyn Stepper>> {
        Ok(Box::new(GpuStepper::new(GpuContext::new(&choice)?)))
    };
    Ok(match backend {
        BackendArg::Cpu => (Box::new(CpuStepper), None),
        BackendArg::Reference => (Box::new(ReferenceStepper), None),
        BackendArg::Gpu => {
            let choice = adapter.map_or(AdapterChoice::Any, AdapterChoice::Named);
            let stepper = gpu(choice).map_err(|error| Failure {
                message: format!("--backend gpu: {error}"),
                status: 1,
            })?;
            (stepper, None)
        }
        BackendArg::Auto => {
            let choice = adapter.map_or(AdapterChoice::Hardware, AdapterChoice::Named);
            match gpu(choice) {
                Ok(stepper) => (stepper, None),
                Err(Error::NoAdapter(_)) => (Box::new(CpuStepper), None),
                Err(error) => (
                    Box::new(CpuStepper),
                    Some(format!("{error}; running on the CPU backend instead")),
                ),
            }
        }
    })
}

fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {percent:>3}% of {human_len} neuron-steps, eta {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Rows of the curve shown in the summary.
const SUMMARY_ROWS: usize = 12;

fn print_summary(curve: &TuningCurve) {
    let run = curve.run();
    let p = run.params();
    let s = curve.summary();
    println!(
        "gpulif curve: {} neurons × {} steps ({} s at dt = {} s), Euler method",
        grouped(curve.len() as u64),
        grouped(u64::from(run.steps())),
        run.duration(),
        p.dt
    );
    println!(
        "  neuron    tau_rc = {} s, tau_ref = {} s, v_th = {}",
        p.tau_rc, p.tau_ref, p.v_th
    );
    println!("  backend   {}: {}", curve.backend(), curve.device());
    println!(
        "  time      {:.3} s, {:.3e} neuron-steps/s",
        curve.elapsed().as_secs_f64(),
        curve.neuron_steps_per_second()
    );
    println!();
    println!(
        "  {:>14}  {:>10}  {:>12}  {:>13}  {:>12}",
        "current", "count", "rate (Hz)", "analytic (Hz)", "diff (Hz)"
    );
    for point in curve.sample(SUMMARY_ROWS) {
        println!(
            "  {:>14}  {:>10}  {:>12.3}  {:>13.3}  {:>12.3}",
            compact(point.current),
            point.count,
            point.rate,
            point.analytic_rate,
            point.rate_error()
        );
    }
    println!();
    println!(
        "  firing    {} of {} neurons, {} spikes, mean rate {:.3} Hz, max {:.3} Hz",
        grouped(s.firing as u64),
        grouped(s.neurons as u64),
        grouped(s.total_spikes),
        s.mean_rate,
        s.max_rate
    );
    println!(
        "  vs analytic: mean |diff| {:.3} Hz; largest |diff| {:.3} Hz at current {} \
         (rate {:.3} Hz, analytic {:.3} Hz)",
        s.mean_abs_rate_error,
        s.worst.rate_error().abs(),
        compact(s.worst.current),
        s.worst.rate,
        s.worst.analytic_rate
    );
}

/// `1234567` → `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    let gpulif::gpu::AdapterList {
        adapters,
        hardware,
        any,
    } = list_adapters();
    if args.json {
        let json = serde_json::to_string_pretty(&adapters).context("formatting adapters")?;
        println!("{json}");
        return Ok(());
    }
    if adapters.is_empty() {
        println!("no adapters found");
    }
    for (i, a) in adapters.iter().enumerate() {
        let mark = if Some(i) == hardware { "*" } else { " " };
        let compute = if a.compute {
            ""
        } else {
            "  (no compute shaders)"
        };
        println!(
            "{mark} {i}: {}  [{}, {}]  {}{compute}",
            a.name, a.backend, a.device_type, a.driver
        );
    }
    match (hardware, any) {
        (Some(i), _) => println!(
            "--backend auto uses adapter {i}: {}",
            adapters[i].describe()
        ),
        (None, Some(i)) => println!(
            "--backend auto uses the CPU backend (no hardware adapter); \
             --backend gpu uses adapter {i}: {}",
            adapters[i].describe()
        ),
        (None, None) => println!(
            "--backend auto uses the CPU backend; --backend gpu has no adapter \
             (install a GPU driver or mesa-vulkan-drivers for lavapipe)"
        ),
    }
    Ok(())
}
