//! CSV: `current,count,rate,analytic_rate`, one row per neuron in input order.

use std::io::Write;

use super::shortest;
use crate::curve::TuningCurve;

/// Writes the header and one row per neuron. Currents and rates are printed in the
/// shortest form that parses back to the same float64.
pub fn write_csv(curve: &TuningCurve, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "current,count,rate,analytic_rate")?;
    for point in curve.points() {
        writeln!(
            out,
            "{},{},{},{}",
            shortest(point.current),
            point.count,
            shortest(point.rate),
            shortest(point.analytic_rate)
        )?;
    }
    Ok(())
}
