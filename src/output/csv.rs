//! CSV: curves (`current,count,rate,analytic_rate`, one row per neuron in input order)
//! and traces (`time,current,v,spike`).

use std::io::Write;

use super::shortest;
use crate::backend::BackendKind;
use crate::experiment::curve::{CurvePoint, TuningCurve};
use crate::experiment::trace::Trace;

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
    for n in 0..trace.currents().len() {
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
                step_time(k + 1, trace.run().params().dt),
                shortest(trace.input(n, k)),
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

/// The time after `steps` steps of `dt` as the decimal a person writes: `0.479` for 479
/// steps of 0.001 s, where the float64 product `479 × 0.001` prints as
/// `0.47900000000000004`. `dt` has as many decimals as its own shortest form; the product
/// is rounded to them and trailing zeros are dropped.
pub(crate) fn step_time(steps: u32, dt: f64) -> String {
    let decimals = decimals_of(dt);
    let text = format!("{:.*}", decimals, f64::from(steps) * dt);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The digits after the point in `value`'s shortest decimal form (`0.001` → 3,
/// `2.5e-7` → 8, `1` → 0).
fn decimals_of(value: f64) -> usize {
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    let exponent: i64 = exponent.parse().unwrap_or(0);
    (fraction - exponent).clamp(0, 30) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_times_are_the_decimals_a_person_writes() {
        assert_eq!(step_time(479, 0.001), "0.479");
        assert_eq!(step_time(9, 0.001), "0.009");
        assert_eq!(step_time(1000, 0.001), "1");
        assert_eq!(step_time(20_000, 0.001), "20");
        assert_eq!(step_time(3, 0.0001), "0.0003");
        assert_eq!(step_time(7, 2.5e-7), "0.00000175");
        assert_eq!(step_time(3, 0.5), "1.5");
        assert_eq!(step_time(4_000_000_000, 0.001), "4000000");
        for k in 1..5000 {
            let text = step_time(k, 0.001);
            assert_eq!(
                text.parse::<f64>().unwrap(),
                f64::from(k) / 1000.0,
                "{text}"
            );
        }
    }
}
