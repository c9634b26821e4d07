//! `gpulif explore`: a window in which sliders set the neuron, the currents and the
//! noise, and the tuning curve of up to 10⁶ neurons is simulated between frames on the
//! GPU that draws the window.
//!
//! The population lives on the renderer's own `wgpu::Device` and `Queue` (eframe's
//! `egui_wgpu::RenderState`) and is stepped through gpulif's embedding API:
//! [`GpuPopulation`] records a bounded number of steps and a non-blocking readback of
//! the counts into the frame's encoder, so the window stays responsive and the curve
//! refines as the run proceeds; a change of any parameter starts a new run. This module
//! is part of the `gpulif` binary, a crate apart from the library, so it can reach
//! nothing but the library's public API. Without a GPU renderer it steps a
//! [`CpuPopulation`] instead, with fewer neurons.

mod settings;
mod simulation;
#[cfg(all(test, feature = "explore-tests"))]
mod tests;
mod ui;

use std::time::Duration;

use eframe::egui;
pub use settings::Settings;
use ui::Explorer;

/// The most neurons on a GPU, and on the CPU backend.
pub const MAX_GPU_NEURONS: usize = 1_000_000;
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

/// `n` with thousands separators.
fn grouped(n: usize) -> String {
    gpulif::output::grouped(n as u64)
}

/// Opens the window; returns the one line to print when it cannot.
pub fn run(settings: Settings, cpu: bool) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(
            "gpulif explore needs a display to open its window on, and neither DISPLAY nor \
             WAYLAND_DISPLAY is set"
                .into(),
        );
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title("gpulif explore"),
        ..Default::default()
    };
    eframe::run_native(
        "gpulif explore",
        options,
        Box::new(move |cc| Ok(Box::new(Explorer::new(cc, settings, cpu)))),
    )
    .map_err(|error| format!("gpulif explore could not open its window: {error}"))
}
