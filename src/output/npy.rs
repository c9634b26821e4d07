//! NPY: a NumPy `float64` array of shape `(neurons, 4)` in C order, columns `current`,
//! `count`, `rate`, `analytic_rate` (NPY format version 1.0), for `numpy.load`.

use std::io::Write;

use crate::experiment::curve::{CurvePoint, TuningCurve};

/// Writes the whole curve.
pub fn write_npy(curve: &TuningCurve, out: &mut dyn Write) -> std::io::Result<()> {
    write_header(out, curve.len())?;
    curve.points().try_for_each(|point| write_row(out, &point))
}

/// The magic string, version 1.0, and the header dictionary padded with spaces so that
/// the data starts on a 64-byte boundary.
pub(super) fn write_header(out: &mut dyn Write, neurons: usize) -> std::io::Result<()> {
    write_header_of(out, "<f8", &[neurons, 4])
}

/// [`write_header`] with `comment` after the dictionary (`# …`, one line): where a
/// curve keeps what identifies its run. `numpy.load` reads the header as a Python
/// literal, and a comment is no part of one.
pub(super) fn write_header_with(
    out: &mut dyn Write,
    neurons: usize,
    comment: Option<&str>,
) -> std::io::Result<()> {
    write_header_full(out, "<f8", &[neurons, 4], comment)
}

/// The header of a C-order array of `descr` (`<f8`, `<f4`) and `shape`.
pub(super) fn write_header_of(
    out: &mut dyn Write,
    descr: &str,
    shape: &[usize],
) -> std::io::Result<()> {
    write_header_full(out, descr, shape, None)
}

fn write_header_full(
    out: &mut dyn Write,
    descr: &str,
    shape: &[usize],
    comment: Option<&str>,
) -> std::io::Result<()> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = match dims.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    if let Some(comment) = comment {
        dict.push_str(" # ");
        dict.push_str(&comment.replace(['\n', '\r'], " "));
    }
    let unpadded = 6 + 2 + 2 + dict.len() + 1;
    let padding = unpadded.next_multiple_of(64) - unpadded;
    let header_len = u16::try_from(dict.len() + padding + 1)
        .map_err(|_| std::io::Error::other("NPY header too long"))?;
    out.write_all(b"\x93NUMPY\x01\x00")?;
    out.write_all(&header_len.to_le_bytes())?;
    out.write_all(dict.as_bytes())?;
    out.write_all(&vec![b' '; padding])?;
    out.write_all(b"\n")
}

pub(super) fn write_row(out: &mut dyn Write, point: &CurvePoint) -> std::io::Result<()> {
    for value in [
        point.current,
        f64::from(point.count),
        point.rate,
        point.analytic_rate,
    ] {
        out.write_all(&value.to_le_bytes())?;
    }
    Ok(())
}
