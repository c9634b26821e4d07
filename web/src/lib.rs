//! gpulif in the browser: the JavaScript API of the wasm module `web/build.sh` writes.
//!
//! Three functions take a plain options object (camelCase keys; every one optional)
//! and return typed arrays:
//!
//! * `curve(options)` (a `Promise`): the tuning curve, on the visitor's GPU through
//!   WebGPU where the browser has it, else on the CPU backend in wasm;
//! * `trace(options)`: a few neurons followed step by step, with the tutorial's
//!   sentence for each, on the CPU backend;
//! * `analyticRate(options)`: the analytic rate of each current.
//!
//! The options and their defaults are those of `gpulif curve` and `gpulif trace`; a bad
//! value is an `Error` that names it and its accepted range, as on the command line.
//!
//! With the feature `explorer`, the module also exports `startExplorer(canvas,
//! options)`: the library's egui explorer, drawn on the canvas by eframe's web runner.

use gpulif::experiment::curve::{Currents, CurveRun, CurveSpec, TuningCurve};
use gpulif::experiment::spec::RunSpec;
use gpulif::experiment::trace::Trace;
use gpulif::{
    AdapterChoice, BackendKind, CpuStepper, GpuContext, GpuPopulation, LifParams, LifPipeline,
    Method, Noise, Poisson, PopulationOptions, Readings, Readout, Run, Signal, Stepper,
};
#[cfg(all(target_arch = "wasm32", feature = "explorer"))]
mod explorer;

use js_sys::{Array, Float64Array, Object, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** The neuron, its run and its noise: every key optional, defaults as on the command line. */
export interface RunOptions {
    /** Seconds (default 1 for `trace`; as `gpulif curve` for `curve`). */
    duration?: number;
    /** The time step, seconds. */
    dt?: number;
    /** The membrane time constant, seconds. */
    tauRc?: number;
    /** The refractory period, seconds. */
    tauRef?: number;
    /** The threshold. */
    vTh?: number;
    method?: "euler" | "exact";
    /** The noise amplitude (0: none). */
    noise?: number;
    /** The noise's correlation time, seconds (0: white). */
    noiseTau?: number;
    /** The seed of the noise streams (and the Poisson input's); random if absent and either is on, 0 if neither is. */
    seed?: number;
    /** Poisson input: events a second into each neuron (0: none), and what one adds to
     * the voltage. */
    poissonRate?: number;
    poissonWeight?: number;
    /** A signal added to every neuron's input, one value per step (at least the run's
     * steps), as `--stimulus` reads it from a file. */
    stimulus?: number[] | Float64Array;
    /** Whether the analytic rate under noise corrects the threshold for the step
     * (default true; `--no-dt-correction` is false). */
    dtCorrection?: boolean;
}

/** A curve's neurons and how it runs. */
export interface CurveOptions extends RunOptions {
    /** Neurons evenly spaced from `iMin` to `iMax`, or the `currents` given. */
    neurons?: number;
    iMin?: number;
    iMax?: number;
    currents?: number[] | Float64Array;
    /** Step every neuron even where its period could count it. */
    stepwise?: boolean;
    /** `"auto"`: WebGPU where the browser has it, else the CPU backend in wasm. */
    backend?: "auto" | "gpu" | "cpu";
}

/** A tuning curve. */
export interface Curve {
    currents: Float64Array;
    counts: Uint32Array;
    /** Simulated rates, Hz. */
    rates: Float64Array;
    /** The analytic (or, under noise, Siegert) rates, Hz. */
    analytic: Float64Array;
    backend: "gpu" | "cpu";
    device: string;
    /** The steps the counts are at. */
    counted: number;
    seed: number;
    /** How long it took, seconds. */
    seconds: number;
    /** The text `gpulif curve --out curve.csv` writes for the same options. */
    csv: string;
}

/** A few neurons to follow step by step. */
export interface TraceOptions extends RunOptions {
    /** One current (default 1.1), or several. */
    current?: number;
    currents?: number[] | Float64Array;
    /** The first neuron's index in a curve of the same options: its noise streams. */
    index?: number;
}

/** Neurons followed step by step. */
export interface Trace {
    currents: Float64Array;
    counts: Uint32Array;
    /** The tutorial's sentence for each neuron. */
    sentences: string[];
    /** The time after each step, seconds. */
    times: Float64Array;
    /** Each neuron's voltage after each step. */
    voltages: Float64Array[];
    /** Each neuron's spike times, seconds. */
    spikes: Float64Array[];
}

/** The currents whose analytic rates are wanted. */
export interface RateOptions extends RunOptions {
    neurons?: number;
    iMin?: number;
    iMax?: number;
    currents?: number[] | Float64Array;
}
"#;

/// The most neurons one GPU population holds here; larger curves run in batches.
const GPU_BATCH: usize = 1 << 22;

/// The most neurons a curve in the page may have: its results (currents, counts,
/// rates, analytic rates and the CSV, about 70 bytes a neuron) stay within a few
/// hundred MB of wasm's 4 GiB.
pub const MAX_NEURONS: u64 = 1 << 22;

/// An `Error` with gpulif's message.
fn js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}

/// Reads the options object: numbers, strings and arrays by name, or their defaults.
struct Options(JsValue);

impl Options {
    fn get(&self, key: &str) -> Option<JsValue> {
        if self.0.is_undefined() || self.0.is_null() {
            return None;
        }
        Reflect::get(&self.0, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    }

    fn number(&self, key: &str, default: f64) -> Result<f64, JsError> {
        match self.get(key) {
            None => Ok(default),
            Some(value) => value
                .as_f64()
                .ok_or_else(|| JsError::new(&format!("{key}: a number expected"))),
        }
    }

    fn whole(&self, key: &str, default: u64) -> Result<u64, JsError> {
        let value = self.number(key, default as f64)?;
        if value.fract() != 0.0 || !(0.0..=9.007_199_254_740_991e15).contains(&value) {
            return Err(JsError::new(&format!(
                "{key}: a whole number from 0 to 2^53 − 1 expected, got {value}"
            )));
        }
        Ok(value as u64)
    }

    fn text(&self, key: &str, default: &str) -> Result<String, JsError> {
        match self.get(key) {
            None => Ok(default.to_owned()),
            Some(value) => value
                .as_string()
                .ok_or_else(|| JsError::new(&format!("{key}: a string expected"))),
        }
    }

    /// A list of numbers: an array or a typed array.
    fn numbers(&self, key: &str) -> Result<Option<Vec<f64>>, JsError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        if let Some(array) = value.dyn_ref::<Float64Array>() {
            return Ok(Some(array.to_vec()));
        }
        if let Some(number) = value.as_f64() {
            return Ok(Some(vec![number]));
        }
        let array = value
            .dyn_ref::<Array>()
            .ok_or_else(|| JsError::new(&format!("{key}: numbers expected")))?;
        array
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| JsError::new(&format!("{key}: numbers expected")))
            })
            .collect::<Result<Vec<f64>, JsError>>()
            .map(Some)
    }

    /// The neuron and the run: `dt`, `tauRc`, `tauRef`, `vTh`, `method`, `duration`,
    /// `noise`, `noiseTau`, `seed` (the CLI's defaults; a seed drawn when noise or
    /// Poisson input is on and none is given, 0 when neither is).
    fn run_spec(&self) -> Result<RunSpec, JsError> {
        let defaults = LifParams::default();
        let params = LifParams {
            dt: self.number("dt", defaults.dt)?,
            tau_rc: self.number("tauRc", defaults.tau_rc)?,
            tau_ref: self.number("tauRef", defaults.tau_ref)?,
            v_th: self.number("vTh", defaults.v_th)?,
        };
        let method = match self.text("method", "euler")?.as_str() {
            "euler" => Method::Euler,
            "exact" => Method::Exact,
            other => {
                return Err(JsError::new(&format!(
                    "method: \"euler\" or \"exact\" expected, got {other:?}"
                )));
            }
        };
        let sigma = self.number("noise", 0.0)?;
        let poisson = Poisson::new(
            self.number("poissonRate", 0.0)?,
            self.number("poissonWeight", 0.0)?,
        );
        // The CLI's rule (`gpulif::noise::seed_for`), with the page's own random numbers.
        let seed = match self.get("seed") {
            Some(_) => self.whole("seed", 0)?,
            None if sigma != 0.0 || poisson.is_on() => {
                (js_sys::Math::random() * 9.007_199_254_740_991e15) as u64
            }
            None => 0,
        };
        Ok(RunSpec {
            params,
            method,
            duration: self.number("duration", 1.0)?,
            noise: Noise::coloured(sigma, self.number("noiseTau", 0.0)?, seed),
            poisson,
            dt_correction: self.get("dtCorrection").map_or(Ok(true), |value| {
                value
                    .as_bool()
                    .ok_or_else(|| JsError::new("dtCorrection: true or false expected"))
            })?,
            stimulus: self
                .numbers("stimulus")?
                .map(|values| {
                    Signal::new(values).map_err(|e| JsError::new(&format!("stimulus: {e}")))
                })
                .transpose()?,
        })
    }

    /// The currents: `currents` (a list), else `neurons` evenly spaced from `iMin` to
    /// `iMax` (1,000 from 0 to 10).
    fn currents(&self) -> Result<Currents, JsError> {
        Ok(match self.numbers("currents")? {
            Some(list) => Currents::List(list),
            None => {
                let neurons = self.whole("neurons", 1000)?;
                if neurons > MAX_NEURONS {
                    return Err(JsError::new(&format!(
                        "neurons: at most {MAX_NEURONS} in a browser, got {neurons} (the \
                         command line streams any number)"
                    )));
                }
                Currents::Sweep {
                    i_min: self.number("iMin", 0.0)?,
                    i_max: self.number("iMax", 10.0)?,
                    neurons: neurons as usize,
                }
            }
        })
    }
}

fn set(object: &Object, key: &str, value: impl Into<JsValue>) -> Result<(), JsError> {
    Reflect::set(object, &JsValue::from_str(key), &value.into())
        .map(drop)
        .map_err(|_| JsError::new(&format!("could not set {key}")))
}

thread_local! {
    /// The page's GPU, opened on first use and kept.
    static GPU: std::cell::RefCell<Option<(GpuContext, LifPipeline)>> = const {
        std::cell::RefCell::new(None)
    };
}

/// The page's GPU and kernels, opened once; an error where the browser has no WebGPU.
async fn gpu() -> Result<(GpuContext, LifPipeline), gpulif::Error> {
    if let Some(opened) = GPU.with(|gpu| gpu.borrow().clone()) {
        return Ok(opened);
    }
    if !wgpu::util::is_browser_webgpu_supported().await {
        return Err(gpulif::Error::NoAdapter(
            "this browser offers no WebGPU (navigator.gpu)".into(),
        ));
    }
    let context = GpuContext::new_async(&AdapterChoice::Any).await?;
    let pipeline = LifPipeline::try_new_async(&context.device).await?;
    let opened = (context, pipeline);
    GPU.with(|gpu| *gpu.borrow_mut() = Some(opened.clone()));
    Ok(opened)
}

/// The adapter as the page names it: browsers often withhold its name.
fn describe(context: &GpuContext) -> String {
    let summary = context.summary();
    let kind = match summary.device_type.as_str() {
        "Cpu" => "a software adapter",
        _ => "a hardware adapter",
    };
    match summary.name.as_str() {
        "" => format!("WebGPU, {kind}"),
        name => format!("WebGPU, {name} ({kind})"),
    }
}

/// A description of the adapter `curve` runs on, or `null` where the browser has no
/// WebGPU (then `curve` runs on the CPU).
#[wasm_bindgen(unchecked_return_type = "string | null")]
pub async fn adapter() -> JsValue {
    match gpu().await {
        Ok((context, _)) => JsValue::from_str(&describe(&context)),
        Err(_) => JsValue::NULL,
    }
}

/// The counts of `run`'s neurons on the GPU, batch by batch, each batch one submission
/// and one awaited readback.
async fn counts_on_gpu(
    context: &GpuContext,
    pipeline: &LifPipeline,
    run: &CurveRun,
) -> Result<Vec<u32>, gpulif::Error> {
    let (device, queue) = (&context.device, &context.queue);
    let steps = run.run().steps();
    let mut counts = Vec::with_capacity(run.len());
    for start in (0..run.len()).step_by(GPU_BATCH) {
        let currents = run
            .currents()
            .range(start..run.len().min(start + GPU_BATCH));
        let desc = run.desc(start, &currents);
        let population =
            GpuPopulation::from_desc_async(device, pipeline, &desc, &PopulationOptions::default())
                .await?;
        let mut encoder = device.create_command_encoder(&Default::default());
        if desc.is_countable() {
            population.encode_counts_from_rest(device, &mut encoder, steps)?;
        } else {
            population.encode_steps(&mut encoder, steps);
        }
        let readback = population.encode_readback(device, &mut encoder, Readout::Counts);
        queue.submit([encoder.finish()]);
        match readback.wait_async().await? {
            Readings::Counts(part) => counts.extend(part),
            Readings::Voltages(_) => unreachable!("counts were asked for"),
        }
        context.check_errors()?;
    }
    Ok(counts)
}

/// The tuning curve: `{currents, counts, rates, analytic, backend, device, counted,
/// seed, seconds, csv}`, `csv` the text `gpulif curve --out curve.csv` writes for the
/// same options.
///
/// Options: `neurons`, `iMin`, `iMax` or `currents`; `duration`, `dt`, `tauRc`,
/// `tauRef`, `vTh`, `method` (`"euler"` or `"exact"`), `noise`, `noiseTau`, `seed`,
/// `poissonRate`, `poissonWeight`, `stimulus` (one value per step), `dtCorrection`,
/// `stepwise`; `backend`: `"auto"` (WebGPU where the browser has it, else the CPU),
/// `"gpu"` or `"cpu"`.
#[wasm_bindgen(unchecked_return_type = "Curve")]
pub async fn curve(
    #[wasm_bindgen(unchecked_param_type = "CurveOptions")] options: JsValue,
) -> Result<Object, JsError> {
    let options = Options(options);
    let spec = CurveSpec {
        run: options.run_spec()?,
        currents: options.currents()?,
        stepwise: options
            .get("stepwise")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
    };
    let run = spec.prepare().map_err(js_error)?;
    let backend = options.text("backend", "auto")?;
    let started = js_sys::Date::now();
    let gpu = match backend.as_str() {
        "cpu" => None,
        "auto" => gpu().await.ok(),
        "gpu" => Some(gpu().await.map_err(js_error)?),
        other => {
            return Err(JsError::new(&format!(
                "backend: \"auto\", \"gpu\" or \"cpu\" expected, got {other:?}"
            )));
        }
    };
    let currents = run.currents().range(0..run.len());
    let (counts, kind, device) = match &gpu {
        Some((context, pipeline)) => (
            counts_on_gpu(context, pipeline, &run)
                .await
                .map_err(js_error)?,
            BackendKind::Gpu,
            describe(context),
        ),
        None => {
            let mut stepper = CpuStepper::default();
            let counts = stepper
                .simulate(&run.desc(0, &currents), run.run().steps(), &|_| {})
                .map_err(js_error)?;
            (counts, BackendKind::Cpu, stepper.device())
        }
    };
    let seconds = (js_sys::Date::now() - started) / 1000.0;
    let counted = run.desc(0, &currents).is_countable();
    let elapsed = std::time::Duration::from_secs_f64(seconds);
    let curve = TuningCurve::of(&run, currents, counts, kind, device, elapsed);
    let (rates, analytic): (Vec<f64>, Vec<f64>) = curve
        .points()
        .map(|point| (point.rate, point.analytic_rate))
        .unzip();
    let mut csv = Vec::new();
    gpulif::output::write_csv(&curve, &mut csv).map_err(js_error)?;
    let out = Object::new();
    set(&out, "currents", Float64Array::from(curve.currents()))?;
    set(&out, "counts", Uint32Array::from(curve.counts()))?;
    set(&out, "rates", Float64Array::from(&rates[..]))?;
    set(&out, "analytic", Float64Array::from(&analytic[..]))?;
    set(&out, "backend", kind.name())?;
    set(&out, "device", curve.device())?;
    set(&out, "counted", counted)?;
    set(&out, "seed", run.noise().seed as f64)?;
    set(&out, "seconds", seconds)?;
    set(&out, "csv", String::from_utf8_lossy(&csv).into_owned())?;
    Ok(out)
}

/// A few neurons followed step by step on the CPU: `{currents, counts, sentences,
/// times, voltages, spikes}`, `voltages` and `spikes` one array per neuron (its voltage
/// after each step; the times of its spikes, seconds).
///
/// Options: `current` or `currents` (default the tutorial's 1.1); `index`, the first
/// neuron's index in a curve of the same options, whose noise streams it then draws (0
/// by default); and the run's options as for `curve` (`duration` default 1 s).
#[wasm_bindgen(unchecked_return_type = "Trace")]
pub fn trace(
    #[wasm_bindgen(unchecked_param_type = "TraceOptions")] options: JsValue,
) -> Result<Object, JsError> {
    let options = Options(options);
    let spec = options.run_spec()?;
    let currents = match options.numbers("currents")? {
        Some(list) => list,
        None => vec![options.number("current", 1.1)?],
    };
    let run: Run = spec.run().map_err(js_error)?;
    let desc = spec
        .desc(&currents)
        .with_first_index(options.whole("index", 0)?);
    let trace = Trace::record(&mut CpuStepper::default(), &run, &desc).map_err(js_error)?;
    let out = Object::new();
    let n = currents.len();
    let counts: Vec<u32> = (0..n).map(|k| trace.count(k) as u32).collect();
    let times: Vec<f64> = (0..run.steps()).map(|k| trace.time(k)).collect();
    set(&out, "currents", Float64Array::from(&currents[..]))?;
    set(&out, "counts", Uint32Array::from(&counts[..]))?;
    set(&out, "times", Float64Array::from(&times[..]))?;
    let sentences = Array::new();
    let voltages = Array::new();
    let spikes = Array::new();
    for k in 0..n {
        sentences.push(&JsValue::from_str(&trace.sentence(k)));
        voltages.push(&Float64Array::from(trace.voltages(k)));
        let at: Vec<f64> = trace
            .spike_steps(k)
            .iter()
            .map(|&s| trace.time(s))
            .collect();
        spikes.push(&Float64Array::from(&at[..]));
    }
    set(&out, "sentences", sentences)?;
    set(&out, "voltages", voltages)?;
    set(&out, "spikes", spikes)?;
    Ok(out)
}

/// The analytic rate (Hz) of each current (`currents`, or `neurons` from `iMin` to
/// `iMax`) for the neuron and noise of the options: the LIF rate, or under noise the
/// Siegert rate, as the `analytic` column of `curve`.
#[wasm_bindgen(js_name = analyticRate)]
pub fn analytic_rate(
    #[wasm_bindgen(unchecked_param_type = "RateOptions")] options: JsValue,
) -> Result<Float64Array, JsError> {
    let options = Options(options);
    let spec = CurveSpec {
        run: options.run_spec()?,
        currents: options.currents()?,
        stepwise: false,
    };
    let run = spec.prepare().map_err(js_error)?;
    let rates: Vec<f64> = run
        .currents()
        .range(0..run.len())
        .iter()
        .map(|&i| run.analytic().rate(i))
        .collect();
    Ok(Float64Array::from(&rates[..]))
}
