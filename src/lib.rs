//! # gpulif
//!
//! Millions of independent leaky integrate-and-fire (LIF) neurons stepped in a WGSL
//! compute shader through wgpu, their spike counts turned into tuning curves (firing
//! rate against input current) beside the analytic LIF rate.
//!
//! The neuron is the tutorial's `FirstOrderLIF` (forward Euler, an absolute refractory
//! period counted down in steps). Three backends run it behind one [`Stepper`] trait:
//!
//! * [`GpuStepper`]: the kernel in `shaders/lif_euler.wgsl`, in float32;
//! * [`CpuStepper`]: the same float32 arithmetic in Rust, bit-identical to the GPU;
//! * [`ReferenceStepper`]: the tutorial transcribed in float64, the oracle.
//!
//! The float32 backends integrate the gap `u = I − v` rather than `v`, with constants
//! formed in float64 on the host ([`params`]), so that their spike counts match the
//! float64 tutorial's where a naive float32 port never fires (`I = 1.0000001`).
//!
//! ```
//! use gpulif::{CpuStepper, CurveSpec, Currents, LifParams};
//!
//! let spec = CurveSpec {
//!     params: LifParams { tau_rc: 0.02, tau_ref: 0.2, ..LifParams::default() },
//!     duration: 20.0,
//!     currents: Currents::List(vec![1.0000001, 1.1, 10.0, 100.0, 0.8]),
//! };
//! let curve = spec.sweep()?.simulate(&mut CpuStepper, &|_| {})?;
//! assert_eq!(curve.counts(), [39, 82, 99, 100, 0]);
//! # Ok::<(), gpulif::Error>(())
//! ```
//!
//! On a GPU, open a device with [`GpuContext`] and use [`GpuStepper::new`] instead; a
//! host that owns its device records steps with [`LifPipeline`] and [`GpuPopulation`].

#![warn(missing_docs)]

pub mod analytic;
pub mod backend;
pub mod cpu;
pub mod curve;
mod error;
pub mod gpu;
pub mod output;
pub mod params;

pub use backend::{BackendKind, Progress, Stepper};
pub use cpu::{CpuStepper, ReferenceStepper};
pub use curve::{Currents, CurvePoint, CurveSpec, CurveSummary, Sweep, TuningCurve};
pub use error::{Error, Result};
pub use gpu::{AdapterChoice, GpuContext, GpuOptions, GpuPopulation, GpuStepper, LifPipeline};
pub use params::{LifParams, Run};

/// The wgpu this crate is built against, so that hosts can match its version.
pub use wgpu;

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>() {}
const _: fn() = || {
    assert_send_sync::<GpuPopulation>();
    assert_send_sync::<LifPipeline>();
    assert_send_sync::<GpuContext>();
};
