//! Shared by the integration tests: the GPU, when there is one.

#![allow(dead_code)]

use std::sync::OnceLock;

use gpulif::{AdapterChoice, GpuContext};

/// One device per test binary, shared by its tests. `None` (the test then returns
/// after saying so) when no adapter exists, unless `GPULIF_REQUIRE_GPU=1`, where a
/// missing adapter fails the test: CI runs the real shader on Mesa's lavapipe.
pub fn gpu() -> Option<&'static GpuContext> {
    static CONTEXT: OnceLock<Option<GpuContext>> = OnceLock::new();
    CONTEXT
        .get_or_init(|| match GpuContext::new(&AdapterChoice::Any) {
            Ok(context) => {
                eprintln!("GPU tests run on {}", context.summary().describe());
                Some(context)
            }
            Err(error) if require_gpu() => {
                panic!("GPULIF_REQUIRE_GPU=1 but no GPU is usable: {error}")
            }
            Err(error) => {
                eprintln!("skipping: no adapter ({error})");
                None
            }
        })
        .as_ref()
}

pub fn require_gpu() -> bool {
    std::env::var("GPULIF_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

/// A fresh GPU backend on the shared device.
pub fn gpu_stepper(options: gpulif::GpuOptions) -> Option<gpulif::GpuStepper> {
    Some(gpulif::GpuStepper::with_options(gpu()?.clone(), options))
}

/// Evenly spaced currents, both ends included.
pub fn sweep(i_min: f64, i_max: f64, neurons: usize) -> Vec<f64> {
    gpulif::experiment::curve::sweep(i_min, i_max, neurons).expect("a valid sweep")
}

/// Asserts how the binary refuses bad input: exit status 2, and on stderr one `error:`
/// line that names `flag`, and no panic.
pub fn assert_refused(out: &std::process::Output, what: &str, flag: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert!(stderr.starts_with("error:"), "{what}: {stderr}");
    assert!(
        stderr.lines().next().unwrap_or("").contains(flag),
        "{what} names {flag}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

/// Runs the `gpulif` binary with `args`.
pub fn gpulif(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gpulif"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
