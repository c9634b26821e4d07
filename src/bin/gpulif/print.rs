//! What the commands print: progress on long runs, the curve's summary, the
//! recorded trains, the benchmark's table and the ensemble's summary.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gpulif::experiment::bench::{self};
use gpulif::experiment::curve::CurveReport;
use gpulif::output::grouped;
use gpulif::{BackendKind, Method};

use super::failure::started;

/// A progress bar on stderr that appears once a run has taken a second (so quick runs
/// print nothing), only when stderr is a terminal and not with `--quiet`.
pub struct Progress {
    pub bar: indicatif::ProgressBar,
    pub started: Instant,
    pub enabled: bool,
    pub shown: AtomicBool,
}

impl Progress {
    pub fn new(total: u64, quiet: bool) -> Self {
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

    pub fn inc(&self, neuron_steps: u64) {
        self.bar.inc(neuron_steps);
        if self.enabled
            && self.started.elapsed() >= Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Rows of the curve shown in the summary.
pub const SUMMARY_ROWS: usize = 12;

pub fn print_summary(report: &CurveReport) {
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
            gpulif::experiment::curve::STIMULUS_LEVELS
        );
    }
    let noise = report.noise;
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
    let poisson = report.poisson;
    if poisson.is_on() {
        let tau_rc = report.run.params().tau_rc;
        outln!(
            "  poisson   {}; analytic: the diffusion approximation (mean current +{}, \
             sigma {})",
            poisson_input(poisson, report.noise.seed),
            shortest(poisson.mean_current(tau_rc)),
            shortest(poisson.sigma(tau_rc))
        );
    }
    if s.neurons == 0 {
        outln!(
            "  time      no neurons to simulate; {:.3} s in all",
            started().elapsed().as_secs_f64()
        );
    } else if report.counted {
        outln!(
            "  time      {:.3} s counting, from each neuron's period: identical to stepping \
             all {} steps ({:.3e} neuron-seconds a second); {:.3} s in all",
            report.elapsed.as_secs_f64(),
            grouped(u64::from(report.run.steps())),
            report.neuron_seconds_per_second(),
            started().elapsed().as_secs_f64()
        );
    } else {
        outln!(
            "  time      {:.3} s simulating, {:.3e} neuron-steps/s; {:.3} s in all",
            report.elapsed.as_secs_f64(),
            report.neuron_steps_per_second(),
            started().elapsed().as_secs_f64()
        );
    }
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

/// The recorded neurons' spike statistics: every neuron up to [`SUMMARY_ROWS`], else
/// that many evenly spread, and the mean CV over those with one.
pub fn print_trains(trains: &[gpulif::experiment::trains::TrainStats], input: &str) {
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
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A current for a table: up to 7 decimals, trailing zeros dropped; exponent notation
/// for very large or small magnitudes.
pub fn compact(value: f64) -> String {
    let magnitude = value.abs();
    if value != 0.0 && !(1e-4..1e7).contains(&magnitude) {
        return format!("{value:.6e}");
    }
    let text = format!("{value:.7}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub fn print_bench(workload: &str, measurements: &[bench::Measurement]) {
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
    for m in measurements {
        if let Some(c) = &m.counted {
            outln!(
                "  counted   {} ({}): {:.4} s from currents to counts, {:.3e} neuron-seconds \
                 a second, {:.1}× stepping (setup and steps); counts {}",
                m.backend.name(),
                m.device,
                c.seconds,
                c.neuron_seconds_per_second,
                c.speed_up,
                if c.identical {
                    "identical"
                } else {
                    "DIFFERENT"
                }
            );
        }
    }
}

pub fn print_ensemble(
    ensemble: &gpulif::experiment::ensemble::Ensemble,
    curves: &gpulif::experiment::ensemble::EnsembleCurves,
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
    if curves.counted {
        outln!(
            "  time      {:.3} s counting, from each neuron's period: identical to stepping \
             all {} steps ({:.3e} neuron-seconds a second)",
            curves.elapsed.as_secs_f64(),
            grouped(u64::from(run.steps())),
            curves.neuron_seconds_per_second()
        );
    } else {
        outln!(
            "  time      {:.3} s, {:.3e} neuron-steps/s",
            curves.elapsed.as_secs_f64(),
            curves.neuron_steps_per_second()
        );
    }
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

/// Poisson input in words: its rate, its weight and its seed.
pub fn poisson_input(poisson: gpulif::Poisson, seed: u64) -> String {
    format!(
        "{} Hz of events of weight {} into each neuron, seed {} (--seed)",
        poisson.rate, poisson.weight, seed
    )
}

/// A value as the summary writes it: at most 4 significant digits.
fn shortest(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}
