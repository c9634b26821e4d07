//! CSV: curves (`current,count,rate,analytic_rate`, one row per neuron in input order)
//! and traces (`time,current,v,spike`).

use std::io::Write;

use super::shortest;
use crate::backend::BackendKind;
use crate::curve::{CurvePoint, TuningCurve};
use crate::trace::Trace;

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

/// Writes a trace: header `time,current,v,spike`, one row per neuron per step
/// (neuron by neuron, in the order of the currents), `time` the end of the step,
/// `spike` the number of spikes the neuron fired in the step: 0 or 1, or more with the
/// exact method when `tau_ref < dt`.
pub fn write_trace_csv(trace: &Trace, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "time,current,v,spike")?;
    for (n, &current) in trace.currents().iter().enumerate() {
        let mut spikes = trace.spike_steps(n).iter().peekable();
        // The float32 backends' voltages in float32's own shortest form.
        let float32 = trace.backend() != BackendKind::Reference;
        for (k, &v) in trace.voltages(n).iter().enumerate() {
            let k = k as u32;
            // Every spike of the step: several with the exact method when tau_ref < dt.
            let mut spiked = 0u32;
            while spikes.next_if_eq(&&k).is_some() {
                spiked += 1;
            }
            writeln!(
                out,
                "{},{},{},{}",
                shortest(trace.time(k)),
                shortest(current),
                if float32 {
                    (v as f32).to_string()
                } else {
                    shortest(v)
                },
                spiked
            )?;
        }
    }
    Ok(())
}
