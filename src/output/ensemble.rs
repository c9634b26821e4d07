//! Ensemble tuning curves to CSV (long format), NPY (a `K×N` float32 matrix) or JSON.

use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use super::{Destination, OutputFormat, shortest};
use crate::error::{Error, Result};
use crate::experiment::ensemble::{Ensemble, EnsembleCurves};
use crate::model::params::{LifParams, Method};

/// An ensemble's output file, written atomically like
/// [`AtomicOutput`](super::AtomicOutput); the extension chooses the format:
///
/// * `.csv`: `neuron,x,rate`, one row per neuron per point of `x` (neuron by neuron);
/// * `.npy`: a float32 array of shape `(x_points, neurons)`: row `k` holds every
///   neuron's rate at `x[k]`;
/// * `.json`: the parameters, method, backend, device and timing, each neuron's
///   `max_rate`, `intercept`, `encoder`, `gain` and `bias`, `x`, and `rates` (one array
///   of neuron rates per point of `x`).
#[derive(Clone, Debug)]
pub struct EnsembleOutput {
    destination: Destination,
    format: OutputFormat,
}

#[derive(Serialize)]
struct Document<'a> {
    gpulif_version: &'static str,
    method: Method,
    params: &'a LifParams,
    duration: f64,
    steps: u32,
    neurons: usize,
    x_points: usize,
    backend: &'static str,
    device: &'a str,
    wall_seconds: f64,
    neuron_steps_per_second: f64,
    max_rate: &'a [f64],
    intercept: &'a [f64],
    encoder: &'a [f64],
    gain: &'a [f64],
    bias: &'a [f64],
    x: &'a [f64],
    rates: Vec<&'a [f32]>,
}

impl EnsembleOutput {
    /// Prepares to write `path`.
    pub fn create(path: &Path) -> Result<Self> {
        let format = OutputFormat::from_path(path)?;
        let destination = Destination::new(path, |path, reason| Error::Output { path, reason })?;
        Ok(EnsembleOutput {
            destination,
            format,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.destination.path
    }

    /// Writes the curves and moves the file into place.
    pub fn commit(&self, ensemble: &Ensemble, curves: &EnsembleCurves) -> Result<()> {
        let context = || format!("writing {}", self.destination.path.display());
        let file = self.destination.temporary(".partial")?;
        let mut out = BufWriter::new(file);
        self.write(ensemble, curves, &mut out)
            .map_err(|e| Error::io(context(), e))?;
        let file = out
            .into_inner()
            .map_err(|e| Error::io(context(), e.into_error()))?;
        self.destination.persist(file)
    }

    fn write(
        &self,
        ensemble: &Ensemble,
        curves: &EnsembleCurves,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let neurons = ensemble.len();
        let points = ensemble.x.len();
        match self.format {
            OutputFormat::Csv => {
                writeln!(out, "neuron,x,rate")?;
                for n in 0..neurons {
                    for (k, &x) in ensemble.x.iter().enumerate() {
                        let rate = curves.rate(neurons, n, k);
                        writeln!(out, "{n},{},{rate}", shortest(x))?;
                    }
                }
                Ok(())
            }
            OutputFormat::Npy => {
                super::npy::write_header_of(out, "<f4", &[points, neurons])?;
                for rate in &curves.rates {
                    out.write_all(&rate.to_le_bytes())?;
                }
                Ok(())
            }
            OutputFormat::Json => {
                let document = Document {
                    gpulif_version: env!("CARGO_PKG_VERSION"),
                    method: curves.run.method(),
                    params: curves.run.params(),
                    duration: curves.run.duration(),
                    steps: curves.run.steps(),
                    neurons,
                    x_points: points,
                    backend: curves.backend.name(),
                    device: &curves.device,
                    wall_seconds: curves.elapsed.as_secs_f64(),
                    neuron_steps_per_second: curves.neuron_steps_per_second(),
                    max_rate: &ensemble.max_rates,
                    intercept: &ensemble.intercepts,
                    encoder: &ensemble.encoders,
                    gain: &ensemble.gains,
                    bias: &ensemble.biases,
                    x: &ensemble.x,
                    rates: curves.rates.chunks(neurons).collect(),
                };
                serde_json::to_writer(&mut *out, &document).map_err(std::io::Error::other)?;
                writeln!(out)
            }
        }
    }
}
