//! Every input the fuzzers were seeded with (`fuzz/corpus/`) and every input that once
//! crashed a reader or the command line (`fuzz/regressions/`), replayed through the
//! fuzz targets' own properties (`fuzz/src/checks.rs`): no panic, and every refusal a
//! typed usage error of one line.

#[path = "../fuzz/src/checks.rs"]
mod checks;

#[path = "../src/bin/gpulif/main.rs"]
#[allow(dead_code, unused_imports, unused_macros)]
mod gpulif_cli;

use std::path::{Path, PathBuf};

/// The inputs of `target` in the corpus and the regressions, at least `least` of them.
fn inputs(target: &str, least: usize) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut found = Vec::new();
    for kind in ["corpus", "regressions"] {
        let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.expect("a directory entry").path();
            let bytes = std::fs::read(&path).expect("a fuzz input");
            found.push((path, bytes));
        }
    }
    found.sort();
    assert!(
        found.len() >= least,
        "{target}: {} inputs, expected at least {least}",
        found.len()
    );
    found
}

fn replay(target: &str, least: usize, check: fn(&[u8])) {
    for (path, bytes) in inputs(target, least) {
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        assert!(
            outcome.is_ok(),
            "{} fails {target}'s property",
            path.display()
        );
    }
}

#[test]
fn currents_files() {
    replay("currents", 3, checks::currents);
}

#[test]
fn stimulus_files() {
    replay("stimulus", 5, checks::stimulus);
}

#[test]
fn curve_parts() {
    replay("part", 8, checks::part);
}

#[test]
fn merged_parts() {
    replay("merge", 4, checks::merge);
}

#[test]
fn command_lines() {
    // The command line's checks read and create files relative to the working folder,
    // as the fuzz target's do in a folder of its own: here, a copy of the same files.
    let dir = std::env::temp_dir().join(format!("gpulif-cli-regressions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a working folder");
    let files = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/files");
    for seed in ["currents.txt", "stimulus.txt", "stimulus.npy"] {
        std::fs::copy(files.join(seed), dir.join(seed)).expect("a seed file");
    }
    let inputs = inputs("cli", 20);
    std::env::set_current_dir(&dir).expect("into the working folder");
    for (path, bytes) in inputs {
        let outcome = std::panic::catch_unwind(|| {
            checks::cli(&bytes, |argv| {
                gpulif_cli::check(argv).map_err(|f| (f.message, f.status))
            })
        });
        assert!(
            outcome.is_ok(),
            "{} fails the command line's property",
            path.display()
        );
        // The README's command lines pass every check (the explorer's needs its
        // feature, which this build lacks).
        let name = path.file_name().unwrap().to_string_lossy();
        if name.starts_with("readme-") && !bytes.starts_with(b"explore") {
            let argv: Vec<std::ffi::OsString> = std::iter::once("gpulif")
                .chain(std::str::from_utf8(&bytes).unwrap().split('\n'))
                .map(Into::into)
                .collect();
            if let Err(failure) = gpulif_cli::check(&argv) {
                panic!("{argv:?} refused: {}", failure.message);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The crash the first fuzzing found, kept in words as well as in
/// `fuzz/regressions/`: a JSON part whose data columns differ in length panicked
/// `gpulif merge` (index out of bounds) instead of refusing it.
#[test]
fn a_part_with_short_columns_is_refused() {
    let json = br#"{"run": {"neurons": 3}, "shard": {"k": 0, "n": 1, "first": 0, "neurons": 3},
        "data": {"current": [0, 1, 2], "count": [0], "rate": [0, 0, 0], "analytic_rate": [0, 0, 0]}}"#;
    let error = gpulif::output::parts::Part::parse(Path::new("part-0.json"), json).unwrap_err();
    assert_eq!(
        error.to_string(),
        "part-0.json: data columns of different lengths (current 3, count 1, rate 3, analytic_rate 3)"
    );
}

/// A stimulus NPY header may announce more values than memory holds. `values × 8`
/// wrapped before: 2⁶¹ + 1 float64 values made 8 bytes, so a file of one value was read
/// as a signal of one value. It is refused before anything is allocated.
#[test]
fn an_npy_stimulus_announcing_too_much_is_refused() {
    let announced = (1usize << 61) + 1;
    let header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({announced},), }}\n");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(1.0f64.to_le_bytes());
    let error = gpulif::experiment::stimulus::parse(Path::new("x.npy"), &bytes, 1).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("x.npy: {announced} values announced, 8 bytes of data")
    );
}

/// A damaged part may claim to be one of 10¹⁸: the missing ones are counted, not
/// listed one by one.
#[test]
fn a_part_of_a_huge_shard_count_is_refused_at_once() {
    let json = br#"{"run": {"neurons": 1}, "shard": {"k": 0, "n": 1000000000000000000, "first": 0, "neurons": 1},
        "data": {"current": [0], "count": [0], "rate": [0], "analytic_rate": [0]}}"#;
    let part = gpulif::output::parts::Part::parse(Path::new("p.json"), json).unwrap();
    let error = gpulif::output::parts::join(vec![part]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "parts 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 999999999999999989 more of 1000000000000000000 missing"
    );
}

/// `check` refuses as the program does: the same exit status, and its message is the
/// first `error:` line the program prints.
#[test]
fn check_refuses_as_the_program_does() {
    for args in [
        "curve --neurons 0",
        "curve --tau-rc -1",
        "curve --noise 1e300 --tau-rc 1 --dt 1",
        "curve --currents 1,x",
        "curve --stimulus no-such-file.txt",
        "curve --shard 3/2 --out part.npy",
        "trace",
        "ensemble --max-rates 400:200",
        "bench --runs 0",
        "curve --bogus",
    ] {
        let argv: Vec<&str> = args.split(' ').collect();
        let program = std::process::Command::new(env!("CARGO_BIN_EXE_gpulif"))
            .args(&argv)
            .current_dir(std::env::temp_dir())
            .output()
            .expect("the program runs");
        let stderr = String::from_utf8_lossy(&program.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        let argv: Vec<std::ffi::OsString> = std::iter::once("gpulif")
            .chain(argv)
            .map(Into::into)
            .collect();
        let failure = gpulif_cli::check(&argv).expect_err("refused");
        assert_eq!(
            program.status.code(),
            Some(i32::from(failure.status)),
            "{args}"
        );
        assert_eq!(first, format!("error: {}", failure.message), "{args}");
    }
}
