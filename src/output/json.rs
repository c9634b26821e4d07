//! JSON: the parameters, backend, device, timing and summary, and the curve as columns.

use std::io::Write;

use serde::Serialize;

use crate::curve::{CurveSummary, TuningCurve};
use crate::params::LifParams;

#[derive(Serialize)]
struct Document<'a> {
    gpulif_version: &'static str,
    method: &'static str,
    params: &'a LifParams,
    duration: f64,
    steps: u32,
    backend: &'static str,
    device: &'a str,
    wall_seconds: f64,
    neuron_steps_per_second: f64,
    summary: &'a CurveSummary,
    /// Columns of equal length, one entry per neuron in input order.
    data: Columns,
}

#[derive(Serialize)]
struct Columns {
    current: Vec<f64>,
    count: Vec<u32>,
    rate: Vec<f64>,
    analytic_rate: Vec<f64>,
}

/// Writes one JSON object. Floats are written in their shortest round-trip form.
pub fn write_json(curve: &TuningCurve, out: &mut dyn Write) -> std::io::Result<()> {
    let points = || curve.points();
    let document = Document {
        gpulif_version: env!("CARGO_PKG_VERSION"),
        method: "euler",
        params: curve.run().params(),
        duration: curve.run().duration(),
        steps: curve.run().steps(),
        backend: curve.backend().name(),
        device: curve.device(),
        wall_seconds: curve.elapsed().as_secs_f64(),
        neuron_steps_per_second: curve.neuron_steps_per_second(),
        summary: curve.summary(),
        data: Columns {
            current: curve.currents().to_vec(),
            count: curve.counts().to_vec(),
            rate: points().map(|p| p.rate).collect(),
            analytic_rate: points().map(|p| p.analytic_rate).collect(),
        },
    };
    serde_json::to_writer(&mut *out, &document)?;
    writeln!(out)
}
