//! The explorer: an egui window in which sliders set the neuron, the currents and the
//! noise, and the tuning curve of up to 10⁶ neurons is simulated between frames on the
//! GPU that draws it. One explorer, two front ends: `gpulif explore` opens it in a
//! native window, and the web page (`web/`) runs it on a canvas with eframe's web
//! runner.
//!
//! The population lives on the renderer's own `wgpu::Device` and `Queue` and is stepped
//! through gpulif's embedding API: [`GpuPopulation`](crate::GpuPopulation) records a
//! bounded number of steps and a non-blocking readback of the counts into the frame's
//! encoder, so the window stays responsive and the curve refines as the run proceeds; a
//! change of any parameter starts a new run. Nothing here blocks: building a population
//! is a future, polled by the frames, and on the web the device's throughput is measured
//! from when the first readback of a run arrives; there a frame follows only when the
//! device has something for it (the future's waker,
//! [`Readback::map_then`](crate::Readback::map_then)). Without a GPU renderer it steps a
//! [`CpuPopulation`](crate::CpuPopulation) instead, with fewer neurons.
//!
//! Built with the `explorer` feature.

mod settings;
mod simulation;
mod ui;

pub use settings::Settings;
pub use simulation::{Engine, Simulation};
pub use ui::{Chosen, Download, Explorer, Saving, Selected};
use web_time::Duration;

/// The most neurons on a GPU, and on the CPU backend.
pub const MAX_GPU_NEURONS: usize = 1_000_000;
/// The most neurons on the CPU backend (one thread on the web).
pub const MAX_CPU_NEURONS: usize = 100_000;
/// Points of the plotted curves: every neuron up to this many, else an even spread.
const PLOTTED: usize = 2000;
/// The work a frame records: about this much of the device's time (or half a frame,
/// when frames take longer), from its throughput measured on the first steps of a run.
const FRAME_BUDGET: Duration = Duration::from_millis(12);
/// The neuron-steps that measure a device's throughput.
const PROBE_WORK: u64 = 1 << 24;
/// Readbacks on their way at most: more frames' steps wait for them.
const MAX_IN_FLIGHT: usize = 3;
/// Readbacks of a run on the GPU in a browser, at most. There the throughput measured
/// from a readback's round trip includes the frames drawn meanwhile on the same device,
/// so it comes out low; on a software adapter, where drawing a frame takes 130 to 300
/// ms, steps sized from it would spend a run's time on drawing (a streamed 10⁵-neuron,
/// 1000-step run took 31.0 s over 111 frames in headless Chromium on SwiftShader; with
/// at most 20 readbacks, 13.4 to 14.0 s over 45 frames).
#[cfg(target_arch = "wasm32")]
const MAX_READBACKS: u32 = 20;

/// `n` with thousands separators.
fn grouped(n: usize) -> String {
    crate::output::grouped(n as u64)
}
