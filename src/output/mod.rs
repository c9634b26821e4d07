//! Writers for tuning curves: CSV, JSON and NPY, streamed batch by batch and written
//! atomically.

mod csv;
mod ensemble;
mod json;
mod npy;
pub mod parts;
#[cfg(feature = "plot")]
pub mod plot;
mod thin;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};
use crate::experiment::curve::{CurvePoint, CurveReport, TuningCurve};
use crate::model::run::Run;

pub use self::csv::{write_csv, write_trace_csv};
pub use self::ensemble::EnsembleOutput;
pub use self::json::write_json;
pub use self::npy::write_npy;
pub use self::thin::Thinned;

/// The file formats a curve can be written in, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// `.csv`: header `current,count,rate,analytic_rate`, one row per neuron.
    Csv,
    /// `.json`: parameters, backend, device, timing, summary and the columns.
    Json,
    /// `.npy`: a NumPy `float64` array of shape `(neurons, 4)`, columns `current`,
    /// `count`, `rate`, `analytic_rate`.
    Npy,
}

impl OutputFormat {
    /// The format for `path`'s extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self> {
        match extension(path).as_deref() {
            Some("csv") => Ok(OutputFormat::Csv),
            Some("json") => Ok(OutputFormat::Json),
            Some("npy") => Ok(OutputFormat::Npy),
            _ => Err(Error::Output {
                path: path.to_owned(),
                reason: "unknown extension: expected .csv, .json or .npy".into(),
            }),
        }
    }

    /// Writes `curve` in this format.
    pub fn write(self, curve: &TuningCurve, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            OutputFormat::Csv => write_csv(curve, out),
            OutputFormat::Json => write_json(curve, out),
            OutputFormat::Npy => write_npy(curve, out),
        }
    }
}

/// Where a file is going: its final path and the folder its temporary file is written
/// in, checked before anything is simulated.
#[derive(Clone, Debug)]
pub(crate) struct Destination {
    pub(crate) path: PathBuf,
    dir: PathBuf,
    error: fn(PathBuf, String) -> Error,
}

impl Destination {
    /// Checks that `path` is not a folder and that its folder takes new files (by
    /// creating and removing a temporary file there); `error` builds the errors.
    pub(crate) fn new(path: &Path, error: fn(PathBuf, String) -> Error) -> Result<Self> {
        if path.is_dir() {
            return Err(error(path.to_owned(), "it is a directory".into()));
        }
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let destination = Destination {
            path: path.to_owned(),
            dir,
            error,
        };
        destination.temporary(".partial")?;
        Ok(destination)
    }

    /// A new temporary file beside the destination, removed when dropped, and by
    /// [`interrupt::discard`] if the run is interrupted.
    pub(crate) fn temporary(&self, suffix: &str) -> Result<NamedTempFile> {
        interrupt::register(|| self.create_temporary(suffix))
    }

    fn create_temporary(&self, suffix: &str) -> Result<NamedTempFile> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(".gpulif-").suffix(suffix);
        // What a plain create gives (0666 less the umask), not the 0600 of a temporary
        // file: the file is the user's output once renamed.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        builder.tempfile_in(&self.dir).map_err(|e| {
            let reason = if self.dir.is_dir() {
                // The kind alone: the temporary file's name means nothing to a user.
                let kind = std::io::Error::from(e.kind());
                format!("cannot create a file in {}: {kind}", self.dir.display())
            } else {
                format!("no such folder: {}", self.dir.display())
            };
            (self.error)(self.path.clone(), reason)
        })
    }

    /// Flushes `file` to disk and moves it to the destination — or, while
    /// [`interrupt::hold_commits`] is in force, keeps it for [`interrupt::commit`].
    pub(crate) fn persist(&self, file: NamedTempFile) -> Result<()> {
        let context = || format!("writing {}", self.path.display());
        file.as_file()
            .sync_all()
            .map_err(|e| Error::io(context(), e))?;
        interrupt::persist(file.into_temp_path(), &self.path).map_err(|e| Error::io(context(), e))
    }
}

pub mod interrupt {
    //! Outputs that an interrupted run leaves no trace of.
    //!
    //! Every temporary file the writers create is registered here. A front end that
    //! handles Ctrl-C or SIGTERM calls [`hold_commits`] first, so that finished outputs
    //! wait as temporary files instead of being renamed into place one by one; when all
    //! are written it calls [`commit`], which renames them all under one lock. Its
    //! signal handler calls [`discard`], which takes the same lock (so it never runs in
    //! the middle of a commit) and removes every temporary file: until `commit`, the
    //! folders are as they were before the run.

    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    use tempfile::{NamedTempFile, TempPath};

    use crate::error::Result;

    #[derive(Default)]
    struct Files {
        /// Every temporary file created (some since removed or renamed).
        temporary: Vec<PathBuf>,
        /// Finished outputs waiting for [`commit`]: the temporary file and its path.
        held: Vec<(TempPath, PathBuf)>,
        holding: bool,
        committed: bool,
    }

    static FILES: Mutex<Files> = Mutex::new(Files {
        temporary: Vec::new(),
        held: Vec::new(),
        holding: false,
        committed: false,
    });

    fn files() -> std::sync::MutexGuard<'static, Files> {
        FILES.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a temporary file with `create` and, while [`hold_commits`] is in force,
    /// registers it, under the lock: a [`discard`] sees it or it does not exist yet.
    /// (A program that never holds commits handles no interrupts here, and tracks
    /// nothing.)
    pub(crate) fn register(
        create: impl FnOnce() -> Result<NamedTempFile>,
    ) -> Result<NamedTempFile> {
        let mut files = files();
        let file = create()?;
        if files.holding {
            files.temporary.push(file.path().to_owned());
        }
        Ok(file)
    }

    /// Renames `file` to `path` now, or holds it for [`commit`].
    pub(crate) fn persist(file: TempPath, path: &Path) -> std::io::Result<()> {
        let mut files = files();
        if files.holding {
            files.held.push((file, path.to_owned()));
            Ok(())
        } else {
            file.persist(path).map_err(|e| e.error)
        }
    }

    /// From now on finished outputs wait for [`commit`] instead of being renamed into
    /// place as each is finished, and every temporary file is tracked for [`discard`].
    /// Call it before any output is created.
    pub fn hold_commits() {
        files().holding = true;
    }

    /// Renames every held output into place, all under one lock, and stops holding.
    pub fn commit() -> Result<()> {
        let mut files = files();
        files.holding = false;
        files.committed = true;
        for (file, path) in std::mem::take(&mut files.held) {
            file.persist(&path)
                .map_err(|e| crate::Error::io(format!("writing {}", path.display()), e.error))?;
        }
        Ok(())
    }

    /// Renames every held output into place now, and goes on holding the ones finished
    /// later: for a long-lived process (a window) that writes outputs when asked.
    pub fn commit_held() -> Result<()> {
        let mut files = files();
        files.committed = true;
        for (file, path) in std::mem::take(&mut files.held) {
            file.persist(&path)
                .map_err(|e| crate::Error::io(format!("writing {}", path.display()), e.error))?;
        }
        Ok(())
    }

    /// Removes every temporary file and held output of this process, and returns
    /// whether outputs had already been committed (the run was past its end). Takes the
    /// lock and keeps it, so that nothing is created or committed after it: call it just
    /// before the process exits.
    pub fn discard() -> bool {
        let mut files = files();
        for (file, _) in std::mem::take(&mut files.held) {
            let _ = file.close();
        }
        for path in std::mem::take(&mut files.temporary) {
            // Most are gone already (renamed, or removed when dropped).
            let _ = std::fs::remove_file(path);
        }
        let committed = files.committed;
        // Held until the process exits: no writer creates or renames anything after.
        std::mem::forget(files);
        committed
    }
}

/// An output file that appears at its path only when complete: it is written to a
/// temporary file beside the target, then renamed over it, so a failed or interrupted
/// run never leaves a partial file at the path.
///
/// Create it before a long simulation: that checks the extension and that the folder
/// is writable, and nothing is left on disk until the curve is complete.
#[derive(Clone, Debug)]
pub struct AtomicOutput {
    destination: Destination,
    format: OutputFormat,
}

impl AtomicOutput {
    /// Prepares to write `path`, whose extension chooses the format.
    pub fn create(path: &Path) -> Result<Self> {
        let format = OutputFormat::from_path(path)?;
        let destination = Destination::new(path, |path, reason| Error::Output { path, reason })?;
        Ok(AtomicOutput {
            destination,
            format,
        })
    }

    /// The format chosen by the extension.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.destination.path
    }

    /// Writes `curve`, whole, to a temporary file and moves it into place.
    pub fn commit(self, curve: &TuningCurve) -> Result<()> {
        let mut writer = self.writer(curve.len())?;
        writer.write(curve.run(), curve.currents(), curve.counts())?;
        writer.finish(&curve.report(0))
    }

    /// A writer for a curve of `neurons` neurons that takes it batch by batch, in input
    /// order, and moves the file into place on [`CurveWriter::finish`]. Dropped
    /// unfinished, it leaves nothing.
    pub fn writer(self, neurons: usize) -> Result<CurveWriter> {
        self.writer_with(neurons, None)
    }

    /// The writer of `run`'s curve (a shard's, for a shard): compared with its analytic
    /// rate, and carrying what identifies the run (see [`parts`]) in a JSON document's
    /// `run` and `shard` and in an NPY header's comment.
    pub fn curve_writer(self, run: &crate::experiment::curve::CurveRun) -> Result<CurveWriter> {
        let writer = self.writer_with(run.len(), Some(parts::PartMetadata::of(run)))?;
        Ok(writer.with_analytic(*run.analytic()))
    }

    fn writer_with(self, neurons: usize, part: Option<parts::PartMetadata>) -> Result<CurveWriter> {
        let file = BufWriter::new(self.destination.temporary(".partial")?);
        let mut writer = CurveWriter {
            columns: Vec::new(),
            file,
            neurons,
            written: 0,
            output: self,
            analytic: None,
            part,
        };
        let comment = writer.part.as_ref().map(parts::PartMetadata::npy_comment);
        let header = match writer.output.format {
            OutputFormat::Csv => csv::write_header(&mut writer.file),
            OutputFormat::Npy => {
                npy::write_header_with(&mut writer.file, neurons, comment.as_deref())
            }
            OutputFormat::Json => {
                // One spill file per column: JSON holds each column whole, and memory
                // holds one batch.
                for _ in json::COLUMNS {
                    let spill = writer.output.destination.temporary(".partial")?;
                    writer.columns.push(BufWriter::new(spill));
                }
                Ok(())
            }
        };
        header.map_err(|e| Error::io(writer.context(), e))?;
        Ok(writer)
    }
}

/// A trace's CSV file (`time,current,v,spike`), written atomically like
/// [`AtomicOutput`].
#[derive(Clone, Debug)]
pub struct TraceOutput {
    destination: Destination,
}

impl TraceOutput {
    /// Prepares to write `path`, which must end in `.csv`.
    pub fn create(path: &Path) -> Result<Self> {
        let error = |path, reason| Error::Output { path, reason };
        if OutputFormat::from_path(path).ok() != Some(OutputFormat::Csv) {
            return Err(error(
                path.to_owned(),
                "unknown extension: a trace is written as .csv".into(),
            ));
        }
        Ok(TraceOutput {
            destination: Destination::new(path, error)?,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.destination.path
    }

    /// Writes `trace` and moves the file into place.
    pub fn commit(&self, trace: &crate::experiment::trace::Trace) -> Result<()> {
        let context = || format!("writing {}", self.destination.path.display());
        let file = self.destination.temporary(".partial")?;
        let mut out = BufWriter::new(file);
        write_trace_csv(trace, &mut out).map_err(|e| Error::io(context(), e))?;
        let file = out
            .into_inner()
            .map_err(|e| Error::io(context(), e.into_error()))?;
        self.destination.persist(file)
    }
}

/// Where spike trains go: `.csv` (header `neuron,time`, one row per spike, neuron by
/// neuron in recording order, times ascending) or `.npy` (`float64`, shape
/// `(spikes, 2)`, the same two columns), written only when complete.
#[derive(Debug)]
pub struct SpikesOutput {
    destination: Destination,
    format: OutputFormat,
}

impl SpikesOutput {
    /// Prepares to write `path`, which must end in `.csv` or `.npy`.
    pub fn create(path: &Path) -> Result<Self> {
        let error = |path, reason| Error::Output { path, reason };
        let format = match OutputFormat::from_path(path) {
            Ok(format @ (OutputFormat::Csv | OutputFormat::Npy)) => format,
            _ => {
                return Err(error(
                    path.to_owned(),
                    "unknown extension: spike trains are written as .csv or .npy".into(),
                ));
            }
        };
        Ok(SpikesOutput {
            destination: Destination::new(path, error)?,
            format,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.destination.path
    }

    /// Writes `trains` and moves the file into place.
    pub fn commit(&self, trains: &crate::experiment::trains::SpikeTrains) -> Result<()> {
        let context = || format!("writing {}", self.destination.path.display());
        let file = self.destination.temporary(".partial")?;
        let mut out = BufWriter::new(file);
        let rows = trains
            .neurons
            .iter()
            .zip(&trains.steps)
            .flat_map(|(&neuron, steps)| steps.iter().map(move |&k| (neuron, k)));
        let dt = trains.dt;
        let written: std::io::Result<()> = (|| {
            match self.format {
                OutputFormat::Npy => {
                    let spikes = trains.steps.iter().map(Vec::len).sum();
                    npy::write_header_of(&mut out, "<f8", &[spikes, 2])?;
                    for (neuron, k) in rows {
                        out.write_all(&(neuron as f64).to_le_bytes())?;
                        out.write_all(&(f64::from(k) * dt).to_le_bytes())?;
                    }
                }
                _ => {
                    writeln!(out, "neuron,time")?;
                    for (neuron, k) in rows {
                        writeln!(out, "{neuron},{}", csv::step_time(k, dt))?;
                    }
                }
            }
            Ok(())
        })();
        written.map_err(|e| Error::io(context(), e))?;
        let file = out
            .into_inner()
            .map_err(|e| Error::io(context(), e.into_error()))?;
        self.destination.persist(file)
    }
}

/// A curve being written batch by batch to a temporary file beside its final path.
#[derive(Debug)]
pub struct CurveWriter {
    output: AtomicOutput,
    file: BufWriter<NamedTempFile>,
    /// JSON only: each column so far, comma-separated.
    columns: Vec<BufWriter<NamedTempFile>>,
    /// Neurons the header promised, and neurons written.
    neurons: usize,
    written: usize,
    /// The rate the neurons are compared with; the noise-free one unless set.
    analytic: Option<crate::experiment::curve::Analytic>,
    /// What run (and shard) the file belongs to, when made by
    /// [`AtomicOutput::curve_writer`].
    part: Option<parts::PartMetadata>,
}

impl CurveWriter {
    fn context(&self) -> String {
        format!("writing {}", self.output.destination.path.display())
    }

    /// The writer comparing its neurons with `analytic` (under noise, the Siegert rate).
    pub fn with_analytic(self, analytic: crate::experiment::curve::Analytic) -> Self {
        CurveWriter {
            analytic: Some(analytic),
            ..self
        }
    }

    /// Appends the neurons driven by `currents`, with their `counts`, simulated in
    /// `run`.
    pub fn write(&mut self, run: &Run, currents: &[f64], counts: &[u32]) -> Result<()> {
        let analytic = self.analytic.unwrap_or_else(|| {
            crate::experiment::curve::Analytic::new(*run.params(), Default::default(), true)
        });
        let points = currents
            .iter()
            .zip(counts)
            .map(|(&current, &count)| CurvePoint::against(run, &analytic, current, count));
        self.written += currents.len();
        let written = match self.output.format {
            OutputFormat::Csv => points
                .into_iter()
                .try_for_each(|point| csv::write_row(&mut self.file, &point)),
            OutputFormat::Npy => points
                .into_iter()
                .try_for_each(|point| npy::write_row(&mut self.file, &point)),
            OutputFormat::Json => json::append_columns(&mut self.columns, points),
        };
        written.map_err(|e| Error::io(self.context(), e))
    }

    /// Completes the file with what only the end of the run knows (for JSON: timing
    /// and summary), flushes it to disk and moves it into place.
    pub fn finish(mut self, report: &CurveReport) -> Result<()> {
        let context = self.context();
        let io = |e| Error::io(context.clone(), e);
        if self.written != self.neurons {
            return Err(io(std::io::Error::other(format!(
                "{} neurons written of the {} announced",
                self.written, self.neurons
            ))));
        }
        if self.output.format == OutputFormat::Json {
            let columns = std::mem::take(&mut self.columns)
                .into_iter()
                .map(|spill| spill.into_inner().map_err(|e| e.into_error()))
                .collect::<std::io::Result<Vec<_>>>()
                .map_err(io)?;
            json::write_document(&mut self.file, report, self.part.as_ref(), columns)
                .map_err(io)?;
        }
        let file = self.file.into_inner().map_err(|e| io(e.into_error()))?;
        self.output.destination.persist(file)
    }
}

/// A path's extension, lowercase.
fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// `1234567` → `1,234,567`: counts in tables and titles.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) use crate::error::shortest;

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
