//! Stimulus files: a signal sampled at `dt`, one value per step, added to every
//! neuron's input current (or an ensemble's input `x(t)`).
//!
//! Two formats, chosen by the extension:
//!
//! * `.npy`: a one-dimensional array of `float32` or `float64` (little-endian, as
//!   `numpy.save` writes them);
//! * anything else: text with one number per line (a CSV of one column); blank lines and
//!   `#` comments are skipped, and a first line that is not a number is taken as a
//!   header.

use std::path::Path;

use crate::error::{Error, Result};
use crate::input::Signal;
use crate::input::npy::{Npy, shown};

/// The values of the stimulus file at `path`, checked to be finite and at least
/// `steps` long (a longer signal is cut to the run).
pub fn read(path: &Path, steps: u32) -> Result<Signal> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Stimulus(format!("{}: cannot read it: {e}", path.display())))?;
    parse(path, &bytes, steps)
}

/// The stimulus held in `bytes`, a file's content, as [`read`] reads it: `path` names
/// it in messages, and its extension says whether it is an NPY array or text. Whatever
/// the bytes, the answer is the signal or an [`Error::Stimulus`] that says what is
/// wrong, and nothing is allocated beyond what the bytes hold.
pub fn parse(path: &Path, bytes: &[u8], steps: u32) -> Result<Signal> {
    let fail = |what: String| Error::Stimulus(format!("{}: {what}", path.display()));
    let is_npy = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let values = if is_npy {
        parse_npy(bytes).map_err(fail)?
    } else {
        parse_text(bytes).map_err(fail)?
    };
    let signal = Signal::new(values).map_err(|error| fail(error.to_string()))?;
    if signal.len() < steps as usize {
        return Err(fail(format!(
            "{} values, but the run has {steps} steps: give one value per step of dt",
            signal.len()
        )));
    }
    Ok(signal.prefix(steps as usize))
}

/// One number per line; a first line that is not a number is a header.
fn parse_text(bytes: &[u8]) -> std::result::Result<Vec<f64>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not text (nor .npy)".to_owned())?;
    let mut values = Vec::new();
    let mut first = true;
    for (number, line) in text.lines().enumerate() {
        let line = line.split_once('#').map_or(line, |(data, _)| data).trim();
        if line.is_empty() {
            continue;
        }
        match line.parse::<f64>() {
            Ok(value) => values.push(value),
            Err(_) if first => {}
            Err(_) => {
                return Err(format!(
                    "line {}, {line:?}: not a number (one value per line)",
                    number + 1
                ));
            }
        }
        first = false;
    }
    Ok(values)
}

/// A one-dimensional float32 or float64 array.
fn parse_npy(bytes: &[u8]) -> std::result::Result<Vec<f64>, String> {
    let npy = Npy::parse(bytes)?;
    let [len] = npy.shape[..] else {
        return Err(format!(
            "an array of shape ({}): expected one dimension, one value per step",
            shown(npy.shape_text)
        ));
    };
    npy.floats(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        bytes.extend(data);
        bytes
    }

    #[test]
    fn reads_both_float_widths_and_text() {
        let f64s: Vec<u8> = [0.5f64, -1.25, 3.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(
            parse_npy(&npy("<f8", "(3,)", &f64s)).unwrap(),
            [0.5, -1.25, 3.0]
        );
        let f32s: Vec<u8> = [0.5f32, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(parse_npy(&npy("<f4", "(2,)", &f32s)).unwrap(), [0.5, 2.0]);
        assert_eq!(parse_text(b"x\n1\n# note\n\n2.5\n").unwrap(), [1.0, 2.5]);
    }

    #[test]
    fn refuses_what_is_not_a_signal() {
        let ints: Vec<u8> = [1i64, 2].iter().flat_map(|x| x.to_le_bytes()).collect();
        assert!(
            parse_npy(&npy("<i8", "(2,)", &ints))
                .unwrap_err()
                .contains("dtype")
        );
        let f64s: Vec<u8> = [0.0f64; 4].iter().flat_map(|x| x.to_le_bytes()).collect();
        assert!(
            parse_npy(&npy("<f8", "(2, 2)", &f64s))
                .unwrap_err()
                .contains("one dimension")
        );
        assert!(
            parse_npy(&npy("<f8", "(9,)", &f64s))
                .unwrap_err()
                .contains("announced")
        );
        assert!(parse_npy(b"hello world").unwrap_err().contains("magic"));
        assert!(parse_text(b"1\n2\nthree\n").unwrap_err().contains("line 3"));
    }
}
