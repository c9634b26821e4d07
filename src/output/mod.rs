//! Writers for tuning curves: CSV and JSON, written atomically.

mod csv;
mod json;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::curve::TuningCurve;
use crate::error::{Error, Result};

pub use self::csv::write_csv;
pub use self::json::write_json;

/// The file formats a curve can be written in, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// `.csv`: header `current,count,rate,analytic_rate`, one row per neuron.
    Csv,
    /// `.json`: parameters, backend, device, timing, summary and the columns.
    Json,
}

impl OutputFormat {
    /// The format for `path`'s extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(OutputFormat::Csv),
            Some("json") => Ok(OutputFormat::Json),
            _ => Err(Error::Output {
                path: path.to_owned(),
                reason: "unknown extension: expected .csv or .json".into(),
            }),
        }
    }

    /// Writes `curve` in this format.
    pub fn write(self, curve: &TuningCurve, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            OutputFormat::Csv => write_csv(curve, out),
            OutputFormat::Json => write_json(curve, out),
        }
    }
}

/// An output file that appears at its path only when complete: it is written to a
/// temporary file beside the target, then renamed over it, so a failed or interrupted
/// run never leaves a partial file at the path.
///
/// Create it before a long simulation: that checks the extension and that the folder
/// is writable, and nothing is left on disk until [`AtomicOutput::commit`].
#[derive(Clone, Debug)]
pub struct AtomicOutput {
    path: PathBuf,
    dir: PathBuf,
    format: OutputFormat,
}

impl AtomicOutput {
    /// Prepares to write `path`, whose extension chooses the format.
    pub fn create(path: &Path) -> Result<Self> {
        let format = OutputFormat::from_path(path)?;
        if path.is_dir() {
            return Err(Error::Output {
                path: path.to_owned(),
                reason: "it is a directory".into(),
            });
        }
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let output = AtomicOutput {
            path: path.to_owned(),
            dir,
            format,
        };
        // A probe: the same temporary file the commit will write, removed at once.
        output.temporary()?;
        Ok(output)
    }

    fn temporary(&self) -> Result<tempfile::NamedTempFile> {
        tempfile::Builder::new()
            .prefix(".gpulif-")
            .suffix(".partial")
            .tempfile_in(&self.dir)
            .map_err(|e| {
                let reason = if self.dir.is_dir() {
                    // The kind alone: the temporary file's name means nothing to a user.
                    let kind = std::io::Error::from(e.kind());
                    format!("cannot create a file in {}: {kind}", self.dir.display())
                } else {
                    format!("no such folder: {}", self.dir.display())
                };
                Error::Output {
                    path: self.path.clone(),
                    reason,
                }
            })
    }

    /// The format chosen by the extension.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `curve` to a temporary file, flushes it to disk, and moves it into place.
    pub fn commit(self, curve: &TuningCurve) -> Result<()> {
        let context = || format!("writing {}", self.path.display());
        let mut file = self.temporary()?;
        {
            let mut out = std::io::BufWriter::new(file.as_file_mut());
            self.format
                .write(curve, &mut out)
                .and_then(|()| out.flush())
                .map_err(|e| Error::io(context(), e))?;
        }
        file.as_file()
            .sync_all()
            .map_err(|e| Error::io(context(), e))?;
        file.persist(&self.path)
            .map_err(|e| Error::io(context(), e.error))?;
        Ok(())
    }
}

/// A float64 in the shortest form that parses back to the same value: plain decimals
/// for ordinary magnitudes, exponent notation for very large or small ones.
pub(crate) fn shortest(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 || (1e-5..1e16).contains(&magnitude) {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_round_trips() {
        for value in [
            0.0,
            1.1,
            1.0000001,
            10.0,
            1e-30,
            1e30,
            -2.5e-7,
            0.1 + 0.2,
            123456.789,
        ] {
            let text = shortest(value);
            assert_eq!(text.parse::<f64>().unwrap(), value, "{text}");
        }
        assert_eq!(shortest(1.1), "1.1");
        assert_eq!(shortest(10.0), "10");
        assert_eq!(shortest(1e-30), "1e-30");
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(
            OutputFormat::from_path(Path::new("a.CSV")).unwrap(),
            OutputFormat::Csv
        );
        assert_eq!(
            OutputFormat::from_path(Path::new("a.json")).unwrap(),
            OutputFormat::Json
        );
        assert!(OutputFormat::from_path(Path::new("a.txt")).is_err());
        assert!(OutputFormat::from_path(Path::new("noext")).is_err());
    }
}
