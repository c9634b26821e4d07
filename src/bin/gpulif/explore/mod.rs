//! `gpulif explore`: the library's explorer ([`gpulif::explore`]) in a native window.

#[cfg(all(test, feature = "explore-tests"))]
mod tests;

use eframe::egui;
pub use gpulif::explore::{Explorer, MAX_GPU_NEURONS, Settings};

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
