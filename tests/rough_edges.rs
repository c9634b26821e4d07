//! What a new user trips over, each held by a test: quiet passing runs, the benchmark's
//! verdict under `-q`, help that says what the README says, inputs and outputs written
//! as a person writes them, and the refractory period's frozen steps.

mod common;

use common::{gpulif, text};

fn stdout_of(args: &[&str]) -> String {
    let out = gpulif(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn a_passing_run_prints_no_error_lines() {
    // The binary quiets Mesa's device-select layer itself on a headless machine…
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpulif"))
        .args([
            "curve",
            "--neurons",
            "100",
            "--duration",
            "0.1",
            "--backend",
            "gpu",
            "-q",
        ])
        .env_remove("NODEVICE_SELECT")
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .unwrap();
    if common::require_gpu() || out.status.success() {
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("error"),
            "{}",
            text(&out.stderr)
        );
    }
    // …and `cargo test` runs every test with it quieted (.cargo/config.toml), so the
    // harness's own GPU tests print no "error:" lines either.
    assert!(
        std::env::var_os("XDG_RUNTIME_DIR").is_some()
            || std::env::var("NODEVICE_SELECT").as_deref() == Ok("1"),
        "NODEVICE_SELECT=1 in the test environment"
    );
}

#[test]
fn quiet_benchmarks_keep_their_verdict() {
    let out = stdout_of(&[
        "bench",
        "--neurons",
        "2000",
        "--steps",
        "100",
        "--backend",
        "reference,cpu",
        "--runs",
        "1",
        "-q",
    ]);
    assert!(out.contains("1 timed run each"), "{out}");
    assert!(
        out.contains("counts: float32 vs float64 reference: 2,000 of 2,000 identical"),
        "{out}"
    );
    let out = gpulif(&[
        "bench",
        "--neurons",
        "2000",
        "--steps",
        "100",
        "--backend",
        "cpu",
        "--runs",
        "1",
        "-q",
    ]);
    assert!(
        text(&out.stderr).is_empty(),
        "-q prints nothing on stderr: {}",
        text(&out.stderr)
    );
}

#[test]
fn help_says_what_the_readme_says() {
    let curve = stdout_of(&["curve", "--help"]);
    assert!(
        curve.contains("The float32 CPU backend: counts bit-identical to the GPU kernel's"),
        "{curve}"
    );
    assert!(
        !curve.contains("bit-identical to the GPU kernel.\n"),
        "{curve}"
    );
    assert!(curve.contains("--refractory-steps <N>"), "{curve}");
    let bench = stdout_of(&["bench", "--help"]);
    assert!(bench.contains("[default: reference,cpu,gpu]"), "{bench}");
}

#[test]
fn currents_files_take_inline_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("currents.txt");
    std::fs::write(
        &path,
        "# the tutorial's inputs\n1.1 # just above threshold\n10 # ten\n",
    )
    .unwrap();
    let listing = format!("@{}", path.display());
    let out = stdout_of(&[
        "curve",
        "--currents",
        &listing,
        "--tau-rc",
        "0.02",
        "--tau-ref",
        "0.2",
        "--duration",
        "20",
    ]);
    assert!(out.contains("2 neurons"), "{out}");
    assert!(out.contains("            1.1          82"), "{out}");
}

#[test]
fn trace_times_are_the_decimals_of_the_steps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.csv");
    let out = gpulif(&[
        "trace",
        "--current",
        "1.5",
        "--duration",
        "0.5",
        "--backend",
        "cpu",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(&path).unwrap();
    let times: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(times.len(), 500);
    for (k, time) in times.iter().enumerate() {
        assert_eq!(*time, format!("{}", (k + 1) as f64 / 1000.0), "row {k}");
    }
    assert_eq!(times[478], "0.479");
}

#[test]
fn json_means_are_one_division() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curve.json");
    let out = gpulif(&[
        "curve",
        "--neurons",
        "100000",
        "--backend",
        "cpu",
        "-q",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let summary = &json["summary"];
    let total = summary["total_spikes"].as_u64().unwrap();
    let mean = summary["mean_rate"].as_f64().unwrap();
    assert_eq!(mean, total as f64 / (100_000.0 * 10.0));
    assert!(mean.to_string().len() <= 10, "{mean}");
    assert_eq!(json["frozen_steps"], 2);
}

#[test]
fn the_summary_says_what_its_time_covers() {
    let time_line = |args: &[&str]| {
        let out = stdout_of(args);
        out.lines()
            .find(|l| l.trim_start().starts_with("time"))
            .unwrap()
            .to_owned()
    };
    let stepped = time_line(&[
        "curve",
        "--neurons",
        "1000",
        "--backend",
        "cpu",
        "--stepwise",
    ]);
    assert!(
        stepped.contains("s simulating") && stepped.contains("s in all"),
        "{stepped}"
    );
    let counted = time_line(&["curve", "--neurons", "1000", "--backend", "cpu"]);
    assert!(
        counted.contains("s counting") && counted.contains("s in all"),
        "{counted}"
    );
}

#[test]
fn the_frozen_steps_are_shown_and_can_be_fixed() {
    // The tutorial's countdown: 10 frozen steps for both 10 ms and 11 ms at dt = 1 ms,
    // so both give the same 182 spikes; --refractory-steps 11 freezes 11.
    let run = |refractory: &[&str]| {
        let mut args = vec![
            "curve",
            "--currents",
            "1e6",
            "--duration",
            "2",
            "--tau-rc",
            "0.02",
            "--backend",
            "reference",
        ];
        args.extend_from_slice(refractory);
        stdout_of(&args)
    };
    let ten = run(&["--tau-ref", "0.010"]);
    let eleven = run(&["--tau-ref", "0.011"]);
    assert!(ten.contains("tau_ref = 0.01 s (10 frozen steps)"), "{ten}");
    assert!(
        eleven.contains("tau_ref = 0.011 s (10 frozen steps)"),
        "{eleven}"
    );
    for out in [&ten, &eleven] {
        assert!(out.contains("         1000000         182"), "{out}");
    }
    let fixed = run(&["--refractory-steps", "11"]);
    assert!(fixed.contains("(11 frozen steps)"), "{fixed}");
    assert!(fixed.contains("         1000000         167"), "{fixed}");
    // With the exact method, or beside --tau-ref, the flag is refused (exit 2).
    for bad in [
        vec!["curve", "--refractory-steps", "3", "--method", "exact"],
        vec!["curve", "--refractory-steps", "3", "--tau-ref", "0.002"],
        vec!["curve", "--refractory-steps", "-1"],
    ] {
        let out = gpulif(&bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(
            text(&out.stderr).contains("--refractory-steps"),
            "{bad:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn noise_flags_refuse_bad_values_and_record_the_seed() {
    for (args, flag) in [
        (&["curve", "--noise", "-1"][..], "--noise"),
        (
            &["curve", "--noise", "0.1", "--noise-tau", "-1"][..],
            "--noise-tau",
        ),
        (
            &["curve", "--noise", "0.1", "--method", "exact"][..],
            "--method",
        ),
    ] {
        common::assert_refused(&common::gpulif(args), &args.join(" "), flag);
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.json");
    let run = |seed: Option<&str>| {
        let mut args = vec![
            "curve",
            "--neurons",
            "200",
            "--duration",
            "1",
            "--noise",
            "0.5",
            "--backend",
            "cpu",
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(seed) = seed {
            args.extend(["--seed", seed]);
        }
        let output = common::gpulif(&args);
        assert!(output.status.success(), "{output:?}");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        (String::from_utf8_lossy(&output.stdout).into_owned(), json)
    };
    // A drawn seed is printed and stored; giving it back repeats the run exactly.
    let (summary, json) = run(None);
    let seed = json["noise"]["seed"].as_u64().unwrap();
    assert!(summary.contains(&format!("seed {seed}")), "{summary}");
    let (_, again) = run(Some(&seed.to_string()));
    assert_eq!(again["data"]["count"], json["data"]["count"]);
    assert_eq!(json["noise"]["sigma"], 0.5);
}

/// A 1-D NPY array of `values` as `descr` (`<f8` or `<f4`).
fn npy_bytes(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    bytes
}

#[test]
fn bad_stimulus_files_are_refused_with_one_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let f64s =
        |values: &[f64]| -> Vec<u8> { values.iter().flat_map(|x| x.to_le_bytes()).collect() };
    std::fs::write(
        path("short.npy"),
        npy_bytes("<f8", "(10,)", &f64s(&[0.1; 10])),
    )
    .unwrap();
    std::fs::write(path("ints.npy"), npy_bytes("<i8", "(1000,)", &[0u8; 8000])).unwrap();
    std::fs::write(
        path("square.npy"),
        npy_bytes("<f8", "(10, 100)", &f64s(&[0.0; 1000])),
    )
    .unwrap();
    std::fs::write(path("nan.csv"), "0.1\nnan\n".repeat(600)).unwrap();
    std::fs::write(
        path("inf.npy"),
        npy_bytes("<f8", "(1000,)", &f64s(&[f64::INFINITY; 1000])),
    )
    .unwrap();
    std::fs::write(path("empty.csv"), "").unwrap();
    std::fs::write(path("words.csv"), "x\n1\nhello\n").unwrap();
    std::fs::write(path("garbage.npy"), b"not numpy at all").unwrap();
    let out = path("out.csv");
    for name in [
        "short.npy",
        "ints.npy",
        "square.npy",
        "nan.csv",
        "inf.npy",
        "empty.csv",
        "words.csv",
        "garbage.npy",
        "missing.npy",
    ] {
        let stimulus = path(name);
        let args = [
            "curve",
            "--neurons",
            "10",
            "--duration",
            "1",
            "--stimulus",
            stimulus.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        let refused = common::gpulif(&args);
        common::assert_refused(&refused, name, "--stimulus");
        assert!(!out.exists(), "{name}: no partial output");
        // A value that is not finite is named by its place and its index.
        if name == "nan.csv" {
            let said = text(&refused.stderr);
            assert!(
                said.contains("value 2 of 1200 (index 1, counting from 0) is NaN"),
                "{said}"
            );
        }
    }
    // A good stimulus with the exact method is refused too.
    std::fs::write(path("good.npy"), npy_bytes("<f4", "(1000,)", &[0u8; 4000])).unwrap();
    let good = path("good.npy");
    let args = [
        "curve",
        "--duration",
        "1",
        "--method",
        "exact",
        "--stimulus",
        good.to_str().unwrap(),
    ];
    common::assert_refused(&common::gpulif(&args), "exact with a stimulus", "--method");
}

#[test]
fn record_beyond_the_population_or_past_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spikes = dir.path().join("s.csv");
    for spec in ["0:1001", "5,1000", "all", "3:2", "x"] {
        let neurons = if spec == "all" { "10001" } else { "1000" };
        let args = [
            "curve",
            "--neurons",
            neurons,
            "--duration",
            "0.1",
            "--record",
            spec,
            "--spikes",
            spikes.to_str().unwrap(),
        ];
        common::assert_refused(&common::gpulif(&args), spec, "--record");
        assert!(!spikes.exists(), "{spec}: no partial output");
    }
    // What is expected of a range that is not one, said as what to write.
    let reversed = common::gpulif(&["curve", "--neurons", "10", "--record", "5:3", "-q"]);
    assert_eq!(
        common::text(&reversed.stderr).trim_end(),
        "error: --record 5:3 is out of range: expected START:END with END above START \
         (END excluded), neuron indices such as 0,5,9, or all"
    );
    let wrong = dir.path().join("s.json");
    let args = [
        "curve",
        "--record",
        "0:3",
        "--spikes",
        wrong.to_str().unwrap(),
    ];
    common::assert_refused(&common::gpulif(&args), "a .json spike file", "s.json");
}

#[test]
fn spike_files_load_with_the_documented_layout() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    let npy = dir.path().join("s.npy");
    let json = dir.path().join("c.json");
    let base = [
        "curve",
        "--i-min",
        "1",
        "--i-max",
        "5",
        "--neurons",
        "50",
        "--tau-rc",
        "0.02",
        "--duration",
        "1",
        "--backend",
        "cpu",
        "--noise",
        "0.2",
        "--seed",
        "4",
        "--record",
        "10:20",
        "-q",
    ];
    for (flag, path) in [("--spikes", &csv), ("--spikes", &npy)] {
        let mut args = base.to_vec();
        args.extend([
            flag,
            path.to_str().unwrap(),
            "--out",
            json.to_str().unwrap(),
        ]);
        let out = common::gpulif(&args);
        assert!(out.status.success(), "{out:?}");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let counts: Vec<u64> = doc["data"]["count"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    // CSV: neuron,time, one row per spike.
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("neuron,time"));
    let rows: Vec<(usize, f64)> = lines
        .map(|l| {
            let (n, t) = l.split_once(',').unwrap();
            (n.parse().unwrap(), t.parse().unwrap())
        })
        .collect();
    // NPY: float64, (spikes, 2), the same rows.
    let bytes = std::fs::read(&npy).unwrap();
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert!(header.contains("'descr': '<f8'"), "{header}");
    assert!(
        header.contains(&format!("'shape': ({}, 2)", rows.len())),
        "{header}"
    );
    let values: Vec<f64> = bytes[10 + header_len..]
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    for (k, &(n, t)) in rows.iter().enumerate() {
        assert_eq!(values[2 * k], n as f64);
        assert!((values[2 * k + 1] - t).abs() < 1e-12);
        assert!(t > 0.0 && t <= 1.0);
    }
    for (n, &count) in counts.iter().enumerate().take(20).skip(10) {
        let spikes = rows.iter().filter(|r| r.0 == n).count() as u64;
        assert_eq!(spikes, count, "neuron {n}: its train holds its count");
    }
    let trains = doc["spike_trains"].as_array().unwrap();
    assert_eq!(trains.len(), 10);
    assert_eq!(trains[0]["neuron"], 10);
    assert!(trains[0]["cv"].as_f64().unwrap() > 0.0);
}

#[test]
fn explore_says_in_one_line_what_it_needs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpulif"))
        .arg("explore")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    if cfg!(feature = "explore") {
        // Built with the window: without a display it cannot open one.
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("needs a display"), "{stderr}");
    } else {
        // Built without it: how to build it.
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--features explore"), "{stderr}");
    }
    assert!(out.stdout.is_empty());
}

#[test]
fn an_adapter_named_that_does_not_exist_is_refused_not_replaced_by_the_cpu() {
    // `--backend auto` falls back to the CPU when there is no hardware adapter at all;
    // an adapter asked for by name is the user's choice, and a name that matches none
    // is refused before any output is written.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.csv");
    let name = "no adapter has this in its name";
    let args = [
        "curve",
        "--neurons",
        "100",
        "--duration",
        "0.1",
        "--adapter",
        name,
        "--out",
        out.to_str().unwrap(),
    ];
    let refused = common::gpulif(&args);
    common::assert_refused(&refused, "an adapter that does not exist", "--adapter");
    assert!(
        common::text(&refused.stderr).contains("`gpulif devices` lists"),
        "{}",
        common::text(&refused.stderr)
    );
    assert!(!out.exists(), "no partial output");
}

#[test]
fn one_device_is_counted_as_one() {
    // `--adapter all` on a machine with one adapter: "1 device", not "1 devices".
    let out = common::gpulif(&[
        "curve",
        "--neurons",
        "100",
        "--duration",
        "0.1",
        "--adapter",
        "all",
    ]);
    let said = common::text(&out.stderr) + &common::text(&out.stdout);
    if out.status.success() {
        assert!(!said.contains("1 devices"), "{said}");
    } else {
        assert!(
            std::env::var_os("GPULIF_REQUIRE_GPU").is_none(),
            "no adapter: {said}"
        );
    }
}

#[test]
fn a_noise_free_run_records_seed_0_and_its_files_repeat() {
    // Nothing random drives a run without noise or Poisson input: its seed is 0, not
    // drawn, so the same command writes the same JSON run description every time.
    let dir = tempfile::tempdir().unwrap();
    let json = |name: &str| {
        let out = dir.path().join(name);
        stdout_of(&[
            "curve",
            "--neurons",
            "20",
            "--duration",
            "0.1",
            "--backend",
            "cpu",
            "--out",
            out.to_str().unwrap(),
        ]);
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        value
    };
    let (first, second) = (json("a.json"), json("b.json"));
    assert_eq!(first["noise"]["seed"], 0);
    assert_eq!(first["run"], second["run"]);
}

#[test]
fn a_shard_with_no_neurons_says_so_and_prints_no_nan() {
    // Three neurons in five shards: shard 0 takes neurons 0..0.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("part-0.npy");
    let run = common::gpulif(&[
        "curve",
        "--neurons",
        "3",
        "--duration",
        "0.1",
        "--backend",
        "cpu",
        "--shard",
        "0/5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{run:?}");
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert!(
        !stdout.contains("NaN") && !stderr.contains("NaN"),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("no neurons to simulate"), "{stdout}");
    assert!(
        stderr.contains("shard 0/5 holds none of the 3 neurons"),
        "{stderr}"
    );
    assert!(out.exists(), "the empty part is written for `gpulif merge`");
}
