//! # gpulif
//!
//! Millions of independent leaky integrate-and-fire (LIF) neurons stepped in a WGSL
//! compute shader through wgpu, their spike counts turned into tuning curves (firing
//! rate against input current) beside the analytic LIF rate.
//!
//! The neuron is the tutorial's `FirstOrderLIF`, integrated by forward Euler (an
//! absolute refractory period counted down in steps; [`Method::Euler`]) or exactly,
//! with spike times inside the step ([`Method::Exact`]). Three backends run it, each
//! behind the same two traits — a [`Population`] (neurons with state, inputs that may
//! change between runs of steps, counts that accumulate) and a [`Stepper`] that makes
//! populations and runs experiments on them:
//!
//! * [`GpuStepper`]: the kernels in `shaders/` (`lif_euler.wgsl`, `lif_exact.wgsl`), in
//!   float32;
//! * [`CpuStepper`]: the same float32 arithmetic in Rust, bit-identical to the GPU;
//! * [`ReferenceStepper`]: the tutorial transcribed in float64, the oracle.
//!
//! [`open`] picks one as the command line's `--backend` does (`auto`: a hardware GPU,
//! else the CPU). The modules follow the data: [`model`] (parameters, each method's
//! constants and scalar step, the float64 reference, the analytic rate) → [`backend`]
//! (populations and steppers) → [`experiment`] (curves, traces, ensembles, benchmarks)
//! → `output` (writers and figures, features `output` and `plot`).
//!
//! The float32 backends integrate the gap `u = I − v` rather than `v`, with constants
//! formed in float64 on the host ([`model::params`]), so that their spike counts match the
//! float64 tutorial's where a naive float32 port never fires (`I = 1.0000001`).
//!
//! ```
//! use gpulif::{CpuStepper, CurveSpec, Currents, LifParams, RunSpec};
//!
//! let spec = CurveSpec {
//!     run: RunSpec {
//!         params: LifParams { tau_rc: 0.02, tau_ref: 0.2, ..LifParams::default() },
//!         duration: 20.0,
//!         ..RunSpec::default()
//!     },
//!     currents: Currents::List(vec![1.0000001, 1.1, 10.0, 100.0, 0.8]),
//!     ..CurveSpec::default()
//! };
//! let curve = spec.prepare()?.simulate(&mut CpuStepper::new(), &|_| {})?;
//! assert_eq!(curve.counts(), [39, 82, 99, 100, 0]);
//! # Ok::<(), gpulif::Error>(())
//! ```
//!
//! On a GPU, open a device with [`GpuContext`] and use [`GpuStepper::new`] instead.
//! Sweeps too large for memory run with [`CurveRun::stream`], batch by batch.
//!
//! ## Embedding in a wgpu application
//!
//! A host that owns its `Device`, `Queue` and command encoders makes a [`LifPipeline`]
//! once per device and a [`GpuPopulation`] per population. The population records its
//! dispatches into the host's encoder and never submits; its buffers (spike counts,
//! last-step spike flags, the state voltage is derived from) can be bound in the host's
//! own pipelines — [`GpuPopulation`] documents each buffer's layout and the WGSL
//! declaration that reads it. [`wgpu`] is re-exported so that the host uses the same
//! version.
//!
//! ```no_run
//! use gpulif::{GpuPopulation, LifParams, LifPipeline, wgpu};
//!
//! # fn frame(device: &wgpu::Device, queue: &wgpu::Queue) -> gpulif::Result<()> {
//! // Once per device, and once per population.
//! let pipeline = LifPipeline::try_new(device)?;
//! let currents: Vec<f64> = (0..10_000).map(|k| k as f64 * 1e-3).collect();
//! let population = GpuPopulation::new(device, &pipeline, &LifParams::default(), &currents)?;
//!
//! // Every frame: new input (the voltage carries over), 50 steps of 1 ms recorded into
//! // the host's own encoder, then whatever the host does with the spike buffer.
//! let input: Vec<f64> = currents.iter().map(|i| i * 1.5).collect();
//! population.write_currents(queue, &input)?;
//! let mut encoder = device.create_command_encoder(&Default::default());
//! population.encode_steps(&mut encoder, 50);
//! let spikes: &wgpu::Buffer = population.spike_count_buffer(); // array<u32>, one per neuron
//! # let _ = spikes;
//! queue.submit([encoder.finish()]);
//!
//! // Or read the results back directly.
//! let counts: Vec<u32> = population.read_counts(device, queue)?;
//! let voltages: Vec<f32> = population.read_voltages(device, queue)?;
//! # let _ = (counts, voltages);
//! # Ok(())
//! # }
//! ```
//!
//! `examples/embed.rs` is a complete host: a time-varying input on every neuron and
//! the host's own compute shader histogramming the spikes of each frame.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod backend;

/// The book's Rust snippets (`book/src`), compiled and run as doc tests, so that the
/// guide cannot drift from the library.
#[cfg(all(doctest, feature = "output"))]
mod book {
    #[doc = include_str!("../book/src/how-to/library.md")]
    mod library {}
    #[doc = include_str!("../book/src/how-to/per-neuron.md")]
    mod per_neuron {}
    #[doc = include_str!("../book/src/how-to/embedding.md")]
    mod embedding {}
}
mod error;
pub mod experiment;
#[cfg(feature = "explorer")]
pub mod explore;
pub mod input;
pub mod model;
#[cfg(feature = "output")]
pub mod output;

pub use backend::cpu::{CpuPopulation, CpuStepper};
pub use backend::gpu::{
    AdapterChoice, GpuContext, GpuOptions, GpuPopulation, GpuRunner, GpuStepper, LifPipeline,
    PopulationOptions, Readback, Readings, Readout,
};
pub use backend::reference::ReferencePopulation;
pub use backend::reference::ReferenceStepper;
pub use backend::{BackendChoice, BackendKind, Opened, Population, Progress, Stepper, open};
pub use error::{Error, Result};
pub use experiment::curve::{
    Currents, CurvePoint, CurveReport, CurveRun, CurveSpec, CurveSummary, TuningCurve,
};
pub use experiment::spec::RunSpec;
pub use experiment::trace::Trace;
pub use input::{Poisson, PopulationDesc, Signal, Stimulus};
pub use model::noise::{self, Noise};
pub use model::params::{LifParams, Method, NeuronParams};
pub use model::run::Run;

/// The wgpu this crate is built against, so that hosts can match its version.
pub use wgpu;

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>() {}
const _: fn() = || {
    assert_send_sync::<GpuPopulation>();
    assert_send_sync::<LifPipeline>();
    assert_send_sync::<GpuContext>();
    assert_send_sync::<GpuRunner>();
    assert_send_sync::<CpuPopulation>();
};
