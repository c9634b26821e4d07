//! Ctrl-C (SIGINT) or SIGTERM sent to a running `gpulif` leaves its folder exactly as it
//! was — no `.gpulif-*.partial` file, an existing output untouched — prints one line,
//! and exits 130 or 143. Each case sends the signal while the run is under way (for
//! streamed outputs, once the temporary file exists).

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every file of `dir` and its contents.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

fn has_partial(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".gpulif-")
    })
}

/// Runs `gpulif args` in a folder holding two files of the user's (one at the path of
/// an output), sends `signal` once the run is under way, and checks what it leaves.
fn interrupt(args: &[&str], signal: &str, wait_for_partial: bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "the user's own file\n").unwrap();
    std::fs::write(dir.path().join("out.csv"), "an earlier result\n").unwrap();
    let before = snapshot(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_gpulif"))
        .args(args)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    if wait_for_partial {
        while !has_partial(dir.path()) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{args:?}: no temporary file"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "{args:?} ended before the signal"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "{args:?} ended before the signal"
    );
    let sent = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = if signal == "INT" { 130 } else { 143 };
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert_eq!(
        stderr.lines().last(),
        Some("interrupted; nothing written"),
        "{args:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(snapshot(dir.path()), before, "{args:?} changed the folder");
}

const BIG_CURVE: &[&str] = &[
    "curve",
    "--neurons",
    "50000000",
    "--duration",
    "10",
    "--backend",
    "cpu",
];

fn curve(more: &[&'static str]) -> Vec<&'static str> {
    BIG_CURVE.iter().chain(more).copied().collect()
}

#[test]
fn an_interrupted_csv_leaves_nothing() {
    interrupt(&curve(&["--out", "out.csv"]), "INT", true);
}

#[test]
fn a_terminated_json_leaves_none_of_its_column_files() {
    interrupt(&curve(&["--out", "big.json"]), "TERM", true);
}

#[test]
fn an_interrupted_npy_leaves_nothing() {
    interrupt(&curve(&["--out", "big.npy"]), "INT", true);
}

#[test]
fn an_interrupted_figure_and_data_leave_nothing() {
    interrupt(
        &curve(&["--out", "out.csv", "--plot", "curve.png"]),
        "TERM",
        true,
    );
}

#[test]
fn an_interrupted_trace_leaves_nothing() {
    interrupt(
        &[
            "trace",
            "--current",
            "1.1",
            "--duration",
            "5000",
            "--backend",
            "cpu",
            "--out",
            "out.csv",
            "--plot",
            "trace.svg",
        ],
        "INT",
        false,
    );
}

#[test]
fn an_interrupted_ensemble_leaves_nothing() {
    interrupt(
        &[
            "ensemble",
            "--neurons",
            "100000",
            "--backend",
            "cpu",
            "--out",
            "out.csv",
            "--plot",
            "ensemble.png",
        ],
        "TERM",
        false,
    );
}
