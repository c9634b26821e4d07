//! JSON: one object with the parameters, backend, device, timing and summary, and the
//! curve as columns (`data.current`, `data.count`, `data.rate`, `data.analytic_rate`),
//! each one entry per neuron in input order.

use std::io::{BufWriter, Seek, Write};

use serde::Serialize;
use tempfile::NamedTempFile;

use crate::experiment::curve::{CurvePoint, CurveReport, CurveSummary, TuningCurve};
use crate::model::params::{LifParams, Method};

/// The columns of `data`, in order.
pub(super) const COLUMNS: [&str; 4] = ["current", "count", "rate", "analytic_rate"];

#[derive(Serialize)]
struct Metadata<'a> {
    gpulif_version: &'static str,
    method: Method,
    params: &'a LifParams,
    /// Euler: the steps a neuron stays frozen after a spike (`null` for exact).
    frozen_steps: Option<u32>,
    duration: f64,
    steps: u32,
    neurons: usize,
    backend: &'static str,
    device: &'a str,
    wall_seconds: f64,
    /// Stepped neuron-steps per second; `null` when the counts were computed from each
    /// neuron's period.
    neuron_steps_per_second: Option<f64>,
    /// Whether the counts were computed from each neuron's period (the same counts as
    /// stepping every step).
    counted_from_periods: bool,
    /// Simulated neuron-seconds per second of wall time.
    neuron_seconds_per_second: f64,
    summary: &'a CurveSummary,
    /// The noise (`sigma` 0: none), its seed, and whether the analytic rate carries the
    /// finite-step correction.
    noise: NoiseMetadata,
    /// The Poisson input (`rate` Hz, `weight` per event; drawn with the noise's seed),
    /// when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    poisson: Option<crate::input::Poisson>,
    /// The recorded neurons' spike counts, mean inter-spike intervals and CVs.
    spike_trains: &'a [crate::experiment::trains::TrainStats],
    /// Each device's share of a run on several: neurons, neuron-steps, seconds.
    devices: &'a [crate::backend::DeviceShare],
    /// What identifies the run (see [`super::parts`]), and which shard this is.
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<&'a serde_json::Value>,
}

#[derive(Serialize)]
struct NoiseMetadata {
    sigma: f64,
    tau: f64,
    seed: u64,
    dt_correction: bool,
}

/// Writes one JSON object. Floats are written in their shortest round-trip form.
pub fn write_json(curve: &TuningCurve, out: &mut dyn Write) -> std::io::Result<()> {
    let mut columns: [Vec<u8>; 4] = Default::default();
    append(&mut columns, curve.points())?;
    let report = curve.report(0);
    write_with(out, &report, None, |out, k| out.write_all(&columns[k]))
}

/// Appends each point's values to the four column buffers, comma-separated.
fn append<W: Write>(
    columns: &mut [W],
    points: impl Iterator<Item = CurvePoint>,
) -> std::io::Result<()> {
    let [current, count, rate, analytic] = columns else {
        unreachable!("four columns");
    };
    let number = |out: &mut W, value: f64| -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, &value).map_err(std::io::Error::other)
    };
    for point in points {
        // Every value but the very first of a column is preceded by a comma; a column
        // is empty exactly when nothing was written yet.
        for column in [&mut *current, &mut *count, &mut *rate, &mut *analytic] {
            column.write_all(b",")?;
        }
        number(current, point.current)?;
        write!(count, "{}", point.count)?;
        number(rate, point.rate)?;
        number(analytic, point.analytic_rate)?;
    }
    Ok(())
}

pub(super) fn append_columns(
    columns: &mut [BufWriter<NamedTempFile>],
    points: impl Iterator<Item = CurvePoint>,
) -> std::io::Result<()> {
    append(columns, points)
}

/// The document around the column spill files of a streamed curve.
pub(super) fn write_document(
    out: &mut dyn Write,
    report: &CurveReport,
    part: Option<&super::parts::PartMetadata>,
    mut columns: Vec<NamedTempFile>,
) -> std::io::Result<()> {
    write_with(out, report, part, |out, k| {
        let file = columns[k].as_file_mut();
        file.rewind()?;
        std::io::copy(file, out).map(|_| ())
    })
}

/// The metadata, then `"data"` with each column's comma-separated values (each with a
/// leading comma, which is dropped) written by `column`.
pub(super) fn write_with(
    out: &mut dyn Write,
    report: &CurveReport,
    part: Option<&super::parts::PartMetadata>,
    mut column: impl FnMut(&mut dyn Write, usize) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let metadata = Metadata {
        gpulif_version: env!("CARGO_PKG_VERSION"),
        method: report.run.method(),
        params: report.run.params(),
        frozen_steps: (report.run.method() == Method::Euler)
            .then_some(report.run.constants().frozen_steps),
        duration: report.run.duration(),
        steps: report.run.steps(),
        neurons: report.summary.neurons,
        backend: report.backend.name(),
        device: &report.device,
        wall_seconds: report.elapsed.as_secs_f64(),
        neuron_steps_per_second: (!report.counted).then(|| report.neuron_steps_per_second()),
        counted_from_periods: report.counted,
        neuron_seconds_per_second: report.neuron_seconds_per_second(),
        summary: &report.summary,
        noise: NoiseMetadata {
            sigma: report.noise.sigma,
            tau: report.noise.tau,
            seed: report.noise.seed,
            dt_correction: report.analytic.dt_correction(),
        },
        poisson: report.poisson.is_on().then_some(report.poisson),
        spike_trains: &report.trains,
        devices: &report.devices,
        run: part.map(|p| &p.run),
        shard: part.and_then(|p| p.shard.as_ref()),
    };
    let head = serde_json::to_string(&metadata).map_err(std::io::Error::other)?;
    // The metadata object, reopened to take "data".
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    out.write_all(b",\"data\":{")?;
    for (k, name) in COLUMNS.iter().enumerate() {
        if k > 0 {
            out.write_all(b",")?;
        }
        write!(out, "\"{name}\":[")?;
        column(&mut SkipFirstByte::new(out), k)?;
        out.write_all(b"]")?;
    }
    out.write_all(b"}}\n")
}

/// A writer that drops the first byte written through it: the leading comma of a
/// column.
struct SkipFirstByte<'a> {
    out: &'a mut dyn Write,
    skipped: bool,
}

impl<'a> SkipFirstByte<'a> {
    fn new(out: &'a mut dyn Write) -> Self {
        SkipFirstByte {
            out,
            skipped: false,
        }
    }
}

impl Write for SkipFirstByte<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.skipped && !buf.is_empty() {
            self.skipped = true;
            return Ok(1 + self.out.write(&buf[1..])?);
        }
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
