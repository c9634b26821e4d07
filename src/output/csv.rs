//! CSV: `current,count,rate,analytic_rate`, one row per neuron in input order.

use std::io::Write;

use super::shortest;
use crate::curve::{CurvePoint, TuningCurve};

/// Writes the header and one row per neuron. Currents and rates are printed in the
/// shortest form that parses back to the same float64.
pub fn write_csv(curve: &TuningCurve, out: &mut dyn Write) -> std::io::Result<()> {
    write_header(out)?;
    curve.points().try_for_each(|point| write_row(out, &point))
}

pub(super) fn write_header(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "current,count,rate,analytic_rate")
}

pub(super) fn write_row(out: &mut dyn Write, point: &CurvePoint) -> std::io::Result<()> {
    writeln!(
        out,
        "{},{},{},{}",
        shortest(point.current),
        point.count,
        shortest(point.rate),
        shortest(point.analytic_rate)
    )
}
