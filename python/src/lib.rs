//! `gpulif._gpulif`: the Rust side of the Python package. The public, documented API is
//! `python/gpulif/__init__.py`, which normalises arguments (any float array-like, scalar
//! or per-neuron parameters) and wraps these results in classes.
//!
//! Every simulation runs on a worker thread while the calling thread waits without the
//! GIL, waking every 50 ms to report progress and to check for signals: Ctrl-C raises
//! `KeyboardInterrupt` and stops the worker: the library's backends look at the
//! worker's progress sink between chunks of milliseconds of work
//! (`gpulif::backend::ProgressSink::stop`).
//!
//! Everything else is the library's: this file converts between numpy and the
//! library's descriptions, and opens, batches and steps nothing itself.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gpulif::backend::ProgressSink;
use gpulif::experiment::curve::Analytic;
use gpulif::experiment::ensemble::EnsembleSpec;
use gpulif::{
    BackendChoice, LifParams, Method, NeuronParams, Noise, Poisson, Population, Run, RunSpec,
    Signal, Stepper,
};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

pyo3::create_exception!(
    _gpulif,
    GpuError,
    PyRuntimeError,
    "A GPU failure: no adapter, a device that cannot be opened, lost, or out of memory."
);

/// A library error as the Python exception it is: bad input → `ValueError`, the rest →
/// `GpuError` (a `RuntimeError`).
fn to_py(error: gpulif::Error) -> PyErr {
    if error.is_usage() {
        PyValueError::new_err(error.to_string())
    } else {
        GpuError::new_err(error.to_string())
    }
}

/// How a worker ended early.
enum Stop {
    Failed(gpulif::Error),
    Cancelled,
}

impl From<gpulif::Error> for Stop {
    fn from(error: gpulif::Error) -> Self {
        match error {
            gpulif::Error::Cancelled => Stop::Cancelled,
            error => Stop::Failed(error),
        }
    }
}

/// What the waiting thread and a worker share.
#[derive(Default)]
struct Control {
    cancel: AtomicBool,
    done: AtomicU64,
}

/// The worker's progress sink: counts the neuron-steps done, and asks the library to
/// stop once the waiting thread has cancelled.
impl ProgressSink for Control {
    fn done(&self, neuron_steps: u64) {
        self.done.fetch_add(neuron_steps, Ordering::Relaxed);
    }

    fn stop(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Runs `work` on a worker thread; the caller waits without the GIL, calls `progress`
/// with `(done, total)` neuron-steps every 50 ms, and on a signal (Ctrl-C) cancels the
/// worker, waits for it to stop, and raises.
fn interruptible<T: Send>(
    py: Python<'_>,
    total: u64,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Control) -> Result<T, Stop> + Send,
) -> PyResult<T> {
    let control = Control::default();
    let finished = AtomicBool::new(false);
    let result: Mutex<Option<Result<T, Stop>>> = Mutex::new(None);
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let outcome = work(&control);
            *result.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
            finished.store(true, Ordering::Release);
        });
        let stop = |py: Python<'_>| {
            control.cancel.store(true, Ordering::Relaxed);
            py.detach(|| {
                while !finished.load(Ordering::Acquire) && !worker.is_finished() {
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
        };
        loop {
            py.detach(|| {
                let until = Instant::now() + Duration::from_millis(50);
                while !finished.load(Ordering::Acquire)
                    && !worker.is_finished()
                    && Instant::now() < until
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
            if let Some(callback) = progress
                && let Err(error) = callback.call1((control.done.load(Ordering::Relaxed), total))
            {
                stop(py);
                return Err(error);
            }
            if let Err(error) = py.check_signals() {
                stop(py);
                return Err(error);
            }
            if finished.load(Ordering::Acquire) || worker.is_finished() {
                break;
            }
        }
        if worker.join().is_err() {
            return Err(PyRuntimeError::new_err("gpulif's worker thread panicked"));
        }
        match result.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(Ok(value)) => Ok(value),
            Some(Err(Stop::Failed(error))) => Err(to_py(error)),
            Some(Err(Stop::Cancelled)) | None => Err(PyRuntimeError::new_err("cancelled")),
        }
    })
}

/// The backend `backend=` names (`auto`, `gpu`, `cpu`, `reference`), opened by the
/// library (a GPU once per process).
fn open(backend: &str, adapter: Option<&str>) -> PyResult<Box<dyn Stepper + Send>> {
    let choice = BackendChoice::from_name(backend).map_err(to_py)?;
    Ok(gpulif::open(&choice, adapter).map_err(to_py)?.stepper)
}

/// The neuron's shared parameters, checked.
fn neuron(dt: f64, tau_rc: f64, tau_ref: f64, v_th: f64) -> PyResult<LifParams> {
    let params = LifParams {
        tau_rc,
        tau_ref,
        v_th,
        dt,
    };
    params.validate().map_err(to_py)?;
    Ok(params)
}

fn method(name: &str) -> PyResult<Method> {
    match name {
        "euler" => Ok(Method::Euler),
        "exact" => Ok(Method::Exact),
        other => Err(PyValueError::new_err(format!(
            "method = {other:?} is out of range: expected \"euler\" or \"exact\""
        ))),
    }
}

/// The stimulus `values`, if any, as the library's checked signal.
fn signal(values: Option<&[f64]>) -> PyResult<Option<Signal>> {
    values
        .map(|values| {
            Signal::new(values.to_vec())
                .map_err(|error| PyValueError::new_err(format!("stimulus: {error}")))
        })
        .transpose()
}

/// The shared parameters, and each per-neuron array given.
#[allow(clippy::too_many_arguments)]
fn parameters<'a>(
    dt: f64,
    tau_rc: f64,
    tau_ref: f64,
    v_th: f64,
    tau_rc_each: &'a Option<PyReadonlyArray1<'a, f64>>,
    tau_ref_each: &'a Option<PyReadonlyArray1<'a, f64>>,
    v_th_each: &'a Option<PyReadonlyArray1<'a, f64>>,
) -> PyResult<(LifParams, NeuronParams<'a>)> {
    let params = neuron(dt, tau_rc, tau_ref, v_th)?;
    let slice = |a: &'a Option<PyReadonlyArray1<'a, f64>>| -> PyResult<Option<&'a [f64]>> {
        a.as_ref()
            .map(|a| {
                a.as_slice()
                    .map_err(|e| PyValueError::new_err(e.to_string()))
            })
            .transpose()
    };
    Ok((
        params,
        NeuronParams {
            tau_rc: slice(tau_rc_each)?,
            tau_ref: slice(tau_ref_each)?,
            v_th: slice(v_th_each)?,
        },
    ))
}

/// Poisson input of `(rate, weight)`, or none.
fn poisson(pair: Option<(f64, f64)>) -> Poisson {
    pair.map_or(Poisson::NONE, |(rate, weight)| Poisson::new(rate, weight))
}

fn slice_of<'a>(array: &'a PyReadonlyArray1<'a, f64>) -> PyResult<&'a [f64]> {
    array
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Simulates a tuning curve; see `gpulif.curve`.
#[pyfunction]
#[pyo3(signature = (currents, duration, dt, tau_rc, tau_ref, v_th, method, backend, adapter,
    noise, noise_tau, seed, stimulus, dt_correction, tau_rc_each, tau_ref_each, v_th_each,
    progress, first_index = 0, poisson = None, stepwise = false))]
#[allow(clippy::too_many_arguments)]
fn curve<'py>(
    py: Python<'py>,
    currents: PyReadonlyArray1<'py, f64>,
    duration: f64,
    dt: f64,
    tau_rc: f64,
    tau_ref: f64,
    v_th: f64,
    method: &str,
    backend: &str,
    adapter: Option<&str>,
    noise: f64,
    noise_tau: f64,
    seed: Option<u64>,
    stimulus: Option<PyReadonlyArray1<'py, f64>>,
    dt_correction: bool,
    tau_rc_each: Option<PyReadonlyArray1<'py, f64>>,
    tau_ref_each: Option<PyReadonlyArray1<'py, f64>>,
    v_th_each: Option<PyReadonlyArray1<'py, f64>>,
    progress: Option<Bound<'py, PyAny>>,
    first_index: u64,
    poisson: Option<(f64, f64)>,
    stepwise: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let (params, each) = parameters(
        dt,
        tau_rc,
        tau_ref,
        v_th,
        &tau_rc_each,
        &tau_ref_each,
        &v_th_each,
    )?;
    let method = self::method(method)?;
    let run = Run::new(params, duration)
        .map_err(to_py)?
        .with_method(method);
    let currents_slice = slice_of(&currents)?;
    let poisson = self::poisson(poisson);
    let seed = gpulif::noise::seed_for(seed, noise != 0.0 || poisson.is_on());
    let noise = Noise::coloured(noise, noise_tau, seed);
    let stimulus_values = stimulus.as_ref().map(slice_of).transpose()?;
    let stimulus_values = stimulus_values.map(|s| &s[..s.len().min(run.steps() as usize)]);
    let spec = RunSpec {
        params,
        method,
        duration,
        noise,
        poisson,
        dt_correction,
        stimulus: signal(stimulus_values)?,
    };
    let desc = spec
        .desc(currents_slice)
        .with_each(each)
        .with_first_index(first_index)
        .with_stepwise(stepwise);
    desc.validate().map_err(to_py)?;
    if let Some(values) = stimulus_values
        && values.len() < run.steps() as usize
    {
        return Err(PyValueError::new_err(format!(
            "stimulus = {} values is out of range: expected at least one value per step, {}",
            values.len(),
            run.steps()
        )));
    }
    let mut stepper = open(backend, adapter)?;
    let total = currents_slice.len() as u64 * u64::from(run.steps());
    let started = Instant::now();
    let steps = run.steps();
    let (kind, device) = (stepper.kind().name(), stepper.device());
    let counted = stepper.counts_by_period(&desc);
    let counts = interruptible(py, total, progress.as_ref(), |control| {
        Ok(stepper.simulate(&desc, steps, control)?)
    })?;
    let wall = started.elapsed().as_secs_f64();
    // The analytic rate of each neuron, with its own parameters where given.
    let analytic_of = |p: LifParams| {
        let analytic = Analytic::driven(p, noise, poisson, dt_correction);
        match stimulus_values {
            Some(values) => analytic.with_stimulus(values),
            None => analytic,
        }
    };
    let shared = analytic_of(params);
    let analytic: Vec<f64> = py.detach(|| {
        currents_slice
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                if each.is_shared() {
                    shared.rate(i)
                } else {
                    analytic_of(each.of(&params, k)).rate(i)
                }
            })
            .collect()
    });
    let out = PyDict::new(py);
    out.set_item("counts", counts.into_pyarray(py))?;
    out.set_item("analytic", analytic.into_pyarray(py))?;
    out.set_item("duration", run.duration())?;
    out.set_item("steps", run.steps())?;
    out.set_item("backend", kind)?;
    out.set_item("device", device)?;
    out.set_item("seed", seed)?;
    out.set_item("wall_seconds", wall)?;
    // Stepped neuron-steps per second: none were stepped when the counts came from
    // each neuron's period.
    out.set_item(
        "neuron_steps_per_second",
        if counted {
            f64::NAN
        } else {
            total as f64 / wall
        },
    )?;
    out.set_item("counted", counted)?;
    out.set_item("frozen_steps", params.frozen_steps())?;
    Ok(out)
}

/// Follows neurons step by step; see `gpulif.trace`.
#[pyfunction]
#[pyo3(signature = (currents, duration, dt, tau_rc, tau_ref, v_th, method, backend, adapter,
    noise, noise_tau, seed, stimulus, poisson = None))]
#[allow(clippy::too_many_arguments)]
fn trace<'py>(
    py: Python<'py>,
    currents: PyReadonlyArray1<'py, f64>,
    duration: f64,
    dt: f64,
    tau_rc: f64,
    tau_ref: f64,
    v_th: f64,
    method: &str,
    backend: &str,
    adapter: Option<&str>,
    noise: f64,
    noise_tau: f64,
    seed: Option<u64>,
    stimulus: Option<PyReadonlyArray1<'py, f64>>,
    poisson: Option<(f64, f64)>,
) -> PyResult<Bound<'py, PyDict>> {
    let params = neuron(dt, tau_rc, tau_ref, v_th)?;
    let method = self::method(method)?;
    let run = Run::new(params, duration)
        .map_err(to_py)?
        .with_method(method);
    let currents_slice = slice_of(&currents)?;
    let poisson = self::poisson(poisson);
    let seed = gpulif::noise::seed_for(seed, noise != 0.0 || poisson.is_on());
    let stimulus_values = stimulus.as_ref().map(slice_of).transpose()?;
    let spec = RunSpec {
        params,
        method,
        duration,
        noise: Noise::coloured(noise, noise_tau, seed),
        poisson,
        stimulus: signal(stimulus_values)?,
        ..RunSpec::default()
    };
    let desc = spec.desc(currents_slice);
    gpulif::experiment::trace::check(&run, currents_slice).map_err(to_py)?;
    desc.validate().map_err(to_py)?;
    let mut stepper = open(backend, adapter)?;
    let total = currents_slice.len() as u64 * u64::from(run.steps());
    let trace = interruptible(py, total, None, |_| {
        Ok(gpulif::Trace::record(stepper.as_mut(), &run, &desc)?)
    })?;
    let steps = run.steps() as usize;
    let n = currents_slice.len();
    let mut voltages = Vec::with_capacity(n * steps);
    let spikes = PyList::empty(py);
    let sentences = PyList::empty(py);
    for k in 0..n {
        voltages.extend_from_slice(trace.voltages(k));
        let times: Vec<f64> = trace
            .spike_steps(k)
            .iter()
            .map(|&s| trace.time(s))
            .collect();
        spikes.append(times.into_pyarray(py))?;
        sentences.append(trace.sentence(k))?;
    }
    let voltages = numpy::ndarray::Array2::from_shape_vec((n, steps), voltages)
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    let times: Vec<f64> = (0..steps as u32).map(|s| trace.time(s)).collect();
    let inputs: Vec<f64> = (0..n)
        .flat_map(|k| (0..steps as u32).map(move |s| (k, s)))
        .map(|(k, s)| trace.input(k, s))
        .collect();
    let inputs = numpy::ndarray::Array2::from_shape_vec((n, steps), inputs)
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    let out = PyDict::new(py);
    out.set_item("times", times.into_pyarray(py))?;
    out.set_item("voltages", PyArray2::from_owned_array(py, voltages))?;
    out.set_item("inputs", PyArray2::from_owned_array(py, inputs))?;
    out.set_item("spikes", spikes)?;
    out.set_item("sentences", sentences)?;
    out.set_item("backend", trace.backend().name())?;
    out.set_item("device", trace.device())?;
    out.set_item("seed", seed)?;
    Ok(out)
}

/// Nengo-style ensemble tuning curves; see `gpulif.ensemble`.
#[pyfunction]
#[pyo3(signature = (neurons, max_rates, intercepts, x_points, seed, method, duration, dt,
    tau_rc, tau_ref, v_th, backend, adapter, noise, noise_tau, progress, poisson = None,
    stepwise = false))]
#[allow(clippy::too_many_arguments)]
fn ensemble<'py>(
    py: Python<'py>,
    neurons: usize,
    max_rates: (f64, f64),
    intercepts: (f64, f64),
    x_points: usize,
    seed: u64,
    method: &str,
    duration: f64,
    dt: f64,
    tau_rc: f64,
    tau_ref: f64,
    v_th: f64,
    backend: &str,
    adapter: Option<&str>,
    noise: f64,
    noise_tau: f64,
    progress: Option<Bound<'py, PyAny>>,
    poisson: Option<(f64, f64)>,
    stepwise: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = EnsembleSpec {
        params: neuron(dt, tau_rc, tau_ref, v_th)?,
        neurons,
        max_rates,
        intercepts,
        x_points,
        seed,
    };
    let ensemble = spec.build().map_err(to_py)?;
    let method = self::method(method)?;
    let run = Run::new(spec.params, duration)
        .map_err(to_py)?
        .with_method(method);
    let noise = Noise::coloured(noise, noise_tau, seed);
    let currents = ensemble.currents();
    let drive = RunSpec {
        params: spec.params,
        method,
        duration,
        noise,
        poisson: self::poisson(poisson),
        ..RunSpec::default()
    };
    let desc = drive.desc(&currents).with_stepwise(stepwise);
    desc.validate().map_err(to_py)?;
    let mut stepper = open(backend, adapter)?;
    let (kind, device) = (stepper.kind().name(), stepper.device());
    let counted = stepper.counts_by_period(&desc);
    let total = currents.len() as u64 * u64::from(run.steps());
    let steps = run.steps();
    let counts = interruptible(py, total, progress.as_ref(), |control| {
        Ok(stepper.simulate(&desc, steps, control)?)
    })?;
    let rates: Vec<f64> = counts
        .iter()
        .map(|&c| f64::from(c) / run.duration())
        .collect();
    let rates = numpy::ndarray::Array2::from_shape_vec((x_points, neurons), rates)
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    let out = PyDict::new(py);
    out.set_item("x", ensemble.x.clone().into_pyarray(py))?;
    out.set_item("rates", PyArray2::from_owned_array(py, rates))?;
    out.set_item("gains", ensemble.gains.clone().into_pyarray(py))?;
    out.set_item("biases", ensemble.biases.clone().into_pyarray(py))?;
    out.set_item("encoders", ensemble.encoders.clone().into_pyarray(py))?;
    out.set_item("intercepts", ensemble.intercepts.clone().into_pyarray(py))?;
    out.set_item("max_rates", ensemble.max_rates.clone().into_pyarray(py))?;
    out.set_item("backend", kind)?;
    out.set_item("device", device)?;
    out.set_item("counted", counted)?;
    Ok(out)
}

/// A stateful population on any backend; see `gpulif.Population`.
#[pyclass(name = "Population", module = "gpulif._gpulif")]
struct PyPopulation {
    inner: Mutex<Box<dyn Population>>,
    len: usize,
    backend: &'static str,
    device: String,
    seed: u64,
}

#[pymethods]
impl PyPopulation {
    #[new]
    #[pyo3(signature = (currents, dt, tau_rc, tau_ref, v_th, method, backend, adapter, noise,
        noise_tau, seed, stimulus, tau_rc_each, tau_ref_each, v_th_each, stepwise = false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        currents: PyReadonlyArray1<'_, f64>,
        dt: f64,
        tau_rc: f64,
        tau_ref: f64,
        v_th: f64,
        method: &str,
        backend: &str,
        adapter: Option<&str>,
        noise: f64,
        noise_tau: f64,
        seed: Option<u64>,
        stimulus: Option<PyReadonlyArray1<'_, f64>>,
        tau_rc_each: Option<PyReadonlyArray1<'_, f64>>,
        tau_ref_each: Option<PyReadonlyArray1<'_, f64>>,
        v_th_each: Option<PyReadonlyArray1<'_, f64>>,
        stepwise: bool,
    ) -> PyResult<Self> {
        let (params, each) = parameters(
            dt,
            tau_rc,
            tau_ref,
            v_th,
            &tau_rc_each,
            &tau_ref_each,
            &v_th_each,
        )?;
        let seed = gpulif::noise::seed_for(seed, noise != 0.0);
        let currents = slice_of(&currents)?;
        let stimulus = stimulus.as_ref().map(slice_of).transpose()?;
        let spec = RunSpec {
            params,
            method: self::method(method)?,
            noise: Noise::coloured(noise, noise_tau, seed),
            stimulus: signal(stimulus)?,
            ..RunSpec::default()
        };
        let desc = spec.desc(currents).with_each(each).with_stepwise(stepwise);
        let mut stepper = open(backend, adapter)?;
        let population = py.detach(|| stepper.population(&desc)).map_err(to_py)?;
        Ok(PyPopulation {
            inner: Mutex::new(population),
            len: currents.len(),
            backend: stepper.kind().name(),
            device: stepper.device(),
            seed,
        })
    }

    fn __len__(&self) -> usize {
        self.len
    }

    #[getter]
    fn backend(&self) -> &'static str {
        self.backend
    }

    #[getter]
    fn device(&self) -> String {
        self.device.clone()
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.seed
    }

    #[getter]
    fn counted(&self) -> bool {
        self.lock().counts_by_period()
    }

    fn step(&self, py: Python<'_>, steps: u32) -> PyResult<()> {
        let total = self.len as u64 * u64::from(steps);
        interruptible(py, total, None, |control| {
            let mut population = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            Ok(population.advance(steps, control)?)
        })
    }

    fn set_currents(&self, py: Python<'_>, currents: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        let currents = slice_of(&currents)?;
        py.detach(|| self.lock().write_currents(currents))
            .map_err(to_py)
    }

    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let counts = py.detach(|| self.lock().counts()).map_err(to_py)?;
        Ok(counts.into_pyarray(py))
    }

    fn spiked<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let spiked = py.detach(|| self.lock().spiked()).map_err(to_py)?;
        Ok(spiked.into_pyarray(py))
    }

    fn voltages<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let voltages = py.detach(|| self.lock().voltages()).map_err(to_py)?;
        Ok(voltages.into_pyarray(py))
    }

    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.lock().reset()).map_err(to_py)
    }

    fn clear_counts(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.lock().clear_counts()).map_err(to_py)
    }

    /// Advances `steps` steps one at a time: each step's voltages (steps × neurons) and
    /// spikes (steps × neurons).
    fn record<'py>(&self, py: Python<'py>, steps: u32) -> PyResult<Recording<'py>> {
        let n = self.len;
        let (voltages, spikes) =
            interruptible(py, self.len as u64 * u64::from(steps), None, |_| {
                let mut voltages = Vec::with_capacity(n * steps as usize);
                let mut spikes = Vec::with_capacity(n * steps as usize);
                self.lock().record(steps, &mut |_, v, s| {
                    voltages.extend_from_slice(v);
                    spikes.extend_from_slice(s);
                })?;
                Ok((voltages, spikes))
            })?;
        let shape = (steps as usize, n);
        let voltages = numpy::ndarray::Array2::from_shape_vec(shape, voltages)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let spikes = numpy::ndarray::Array2::from_shape_vec(shape, spikes)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok((
            PyArray2::from_owned_array(py, voltages),
            PyArray2::from_owned_array(py, spikes),
        ))
    }
}

/// Each step's voltages and spikes, `(steps, neurons)`.
type Recording<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<u32>>);

impl PyPopulation {
    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn Population>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What wgpu finds; see `gpulif.devices`.
#[pyfunction]
fn devices(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = py.detach(gpulif::backend::gpu::list_adapters);
    let out = PyList::empty(py);
    for (k, a) in list.adapters.iter().enumerate() {
        let d = PyDict::new(py);
        d.set_item("name", &a.name)?;
        d.set_item("backend", &a.backend)?;
        d.set_item("device_type", &a.device_type)?;
        d.set_item("driver", &a.driver)?;
        d.set_item("compute", a.compute)?;
        d.set_item("auto", list.hardware == Some(k))?;
        d.set_item("gpu", list.any == Some(k))?;
        out.append(d)?;
    }
    Ok(out)
}

/// Times one workload; see `gpulif.bench`.
#[pyfunction(name = "bench")]
#[pyo3(signature = (neurons, steps, i_min, i_max, dt, tau_rc, tau_ref, v_th, method, backends,
    runs, noise, noise_tau, seed))]
#[allow(clippy::too_many_arguments)]
fn bench_backends<'py>(
    py: Python<'py>,
    neurons: usize,
    steps: u32,
    i_min: f64,
    i_max: f64,
    dt: f64,
    tau_rc: f64,
    tau_ref: f64,
    v_th: f64,
    method: &str,
    backends: Vec<String>,
    runs: usize,
    noise: f64,
    noise_tau: f64,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyList>> {
    let noise = Noise::coloured(
        noise,
        noise_tau,
        gpulif::noise::seed_for(seed, noise != 0.0),
    );
    noise.validate().map_err(to_py)?;
    let workload = gpulif::experiment::bench::Workload {
        params: neuron(dt, tau_rc, tau_ref, v_th)?,
        neurons,
        steps,
        i_min,
        i_max,
        method: self::method(method)?,
        noise,
        ..Default::default()
    };
    workload.run().map_err(to_py)?;
    workload.currents().map_err(to_py)?;
    let mut opened = backends
        .iter()
        .map(|name| open(name, None))
        .collect::<PyResult<Vec<_>>>()?;
    let measurements = py.detach(|| {
        opened
            .iter_mut()
            .map(|stepper| {
                gpulif::experiment::bench::measure(stepper.as_mut(), &workload, runs.max(1))
            })
            .collect::<gpulif::Result<Vec<_>>>()
    });
    let out = PyList::empty(py);
    for m in measurements.map_err(to_py)? {
        let d = PyDict::new(py);
        d.set_item("backend", m.backend.name())?;
        d.set_item("device", &m.device)?;
        d.set_item("neurons", m.neurons)?;
        d.set_item("steps", m.steps)?;
        d.set_item("seconds", m.seconds)?;
        d.set_item("neuron_steps_per_second", m.neuron_steps_per_second)?;
        d.set_item("run_seconds", m.run_seconds.clone())?;
        d.set_item("setup_seconds", m.setup_seconds)?;
        d.set_item("noise", (m.noise.sigma, m.noise.tau, m.noise.seed))?;
        let counted = m
            .counted
            .map(|c| -> PyResult<Bound<'_, PyDict>> {
                let counted = PyDict::new(py);
                counted.set_item("seconds", c.seconds)?;
                counted.set_item("neuron_seconds_per_second", c.neuron_seconds_per_second)?;
                counted.set_item("speed_up", c.speed_up)?;
                counted.set_item("identical", c.identical)?;
                Ok(counted)
            })
            .transpose()?;
        d.set_item("counted", counted)?;
        out.append(d)?;
    }
    Ok(out)
}

/// The analytic rate of the continuous neuron (Hz), or the Siegert rate under noise
/// and Poisson input.
#[pyfunction]
#[pyo3(signature = (currents, dt, tau_rc, tau_ref, v_th, noise, noise_tau, dt_correction,
    poisson = None))]
#[allow(clippy::too_many_arguments)]
fn analytic_rate<'py>(
    py: Python<'py>,
    currents: PyReadonlyArray1<'py, f64>,
    dt: f64,
    tau_rc: f64,
    tau_ref: f64,
    v_th: f64,
    noise: f64,
    noise_tau: f64,
    dt_correction: bool,
    poisson: Option<(f64, f64)>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let params = neuron(dt, tau_rc, tau_ref, v_th)?;
    let noise = Noise::coloured(noise, noise_tau, 0);
    noise.validate().map_err(to_py)?;
    let poisson = self::poisson(poisson);
    poisson
        .validate_for(Method::Euler, &params)
        .map_err(to_py)?;
    let currents = slice_of(&currents)?;
    let analytic = Analytic::driven(params, noise, poisson, dt_correction);
    let rates: Vec<f64> = py.detach(|| currents.iter().map(|&i| analytic.rate(i)).collect());
    Ok(rates.into_pyarray(py))
}

/// `neurons` currents from `i_min` to `i_max`, both included exactly: the library's
/// sweep, which `gpulif curve --i-min --i-max --neurons` simulates.
#[pyfunction]
fn sweep(
    py: Python<'_>,
    i_min: f64,
    i_max: f64,
    neurons: usize,
) -> PyResult<Bound<'_, PyArray1<f64>>> {
    let currents = gpulif::experiment::curve::sweep(i_min, i_max, neurons).map_err(to_py)?;
    Ok(currents.into_pyarray(py))
}

#[pymodule]
fn _gpulif(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("GpuError", m.py().get_type::<GpuError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyPopulation>()?;
    m.add_function(wrap_pyfunction!(curve, m)?)?;
    m.add_function(wrap_pyfunction!(trace, m)?)?;
    m.add_function(wrap_pyfunction!(ensemble, m)?)?;
    m.add_function(wrap_pyfunction!(devices, m)?)?;
    m.add_function(wrap_pyfunction!(bench_backends, m)?)?;
    m.add_function(wrap_pyfunction!(analytic_rate, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    Ok(())
}
