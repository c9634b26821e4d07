//! Writers for tuning curves: CSV and JSON, streamed batch by batch and written
//! atomically.

mod csv;
mod json;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::curve::{CurvePoint, CurveReport, TuningCurve};
use crate::error::{Error, Result};
use crate::params::Run;

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

    /// Writes `curve`, whole, to a temporary file and moves it into place.
    pub fn commit(self, curve: &TuningCurve) -> Result<()> {
        let mut writer = self.writer()?;
        writer.write(curve.run(), curve.currents(), curve.counts())?;
        writer.finish(&curve.report(0))
    }

    /// A writer that takes the curve batch by batch, in input order, and moves the file
    /// into place on [`CurveWriter::finish`]. Dropped unfinished, it leaves nothing.
    pub fn writer(self) -> Result<CurveWriter> {
        let file = BufWriter::new(self.temporary()?);
        let mut writer = CurveWriter {
            columns: Vec::new(),
            file,
            output: self,
        };
        match writer.output.format {
            OutputFormat::Csv => {
                csv::write_header(&mut writer.file).map_err(|e| Error::io(writer.context(), e))?
            }
            OutputFormat::Json => {
                // One spill file per column: JSON holds each column whole, and memory
                // holds one batch.
                for _ in json::COLUMNS {
                    let spill = BufWriter::new(writer.output.temporary()?);
                    writer.columns.push(spill);
                }
            }
        }
        Ok(writer)
    }
}

/// A curve being written batch by batch to a temporary file beside its final path.
#[derive(Debug)]
pub struct CurveWriter {
    output: AtomicOutput,
    file: BufWriter<NamedTempFile>,
    /// JSON only: each column so far, comma-separated.
    columns: Vec<BufWriter<NamedTempFile>>,
}

impl CurveWriter {
    fn context(&self) -> String {
        format!("writing {}", self.output.path.display())
    }

    /// Appends the neurons driven by `currents`, with their `counts`, simulated in
    /// `run`.
    pub fn write(&mut self, run: &Run, currents: &[f64], counts: &[u32]) -> Result<()> {
        let points = currents
            .iter()
            .zip(counts)
            .map(|(&current, &count)| CurvePoint::new(run, current, count));
        let written = match self.output.format {
            OutputFormat::Csv => points
                .into_iter()
                .try_for_each(|point| csv::write_row(&mut self.file, &point)),
            OutputFormat::Json => json::append_columns(&mut self.columns, points),
        };
        written.map_err(|e| Error::io(self.context(), e))
    }

    /// Completes the file with what only the end of the run knows (for JSON: timing
    /// and summary), flushes it to disk and moves it into place.
    pub fn finish(mut self, report: &CurveReport) -> Result<()> {
        let context = self.context();
        let io = |e| Error::io(context.clone(), e);
        if self.output.format == OutputFormat::Json {
            let columns = std::mem::take(&mut self.columns)
                .into_iter()
                .map(|spill| spill.into_inner().map_err(|e| e.into_error()))
                .collect::<std::io::Result<Vec<_>>>()
                .map_err(io)?;
            json::write_document(&mut self.file, report, columns).map_err(io)?;
        }
        let file = self.file.into_inner().map_err(|e| io(e.into_error()))?;
        file.as_file().sync_all().map_err(io)?;
        file.persist(&self.output.path).map_err(|e| io(e.error))?;
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
