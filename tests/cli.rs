//! The `gpulif` binary end to end: output files, exit codes, and bad input.

mod common;

use std::path::Path;
use std::process::Command;

use gpulif::LifParams;

use common::{gpulif, text};

const TUTORIAL: &[&str] = &[
    "curve",
    "--currents",
    "1.0000001,1.1,10,100,0.8",
    "--tau-rc",
    "0.02",
    "--tau-ref",
    "0.2",
    "--duration",
    "20",
];

fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

/// Rows of a CSV file as parsed numbers, after checking the header.
fn read_csv(path: &Path) -> Vec<(f64, u32, f64, f64)> {
    let content = std::fs::read_to_string(path).expect("the CSV exists");
    let mut lines = content.lines();
    assert_eq!(lines.next(), Some("current,count,rate,analytic_rate"));
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 4, "{line}");
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn tutorial_currents_to_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutorial.csv");
    let out = gpulif(&with(
        TUTORIAL,
        &["--backend", "cpu", "--out", path.to_str().unwrap()],
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let params = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.2,
        ..LifParams::default()
    };
    let rows = read_csv(&path);
    let expected = [
        (1.0000001, 39),
        (1.1, 82),
        (10.0, 99),
        (100.0, 100),
        (0.8, 0),
    ];
    assert_eq!(rows.len(), expected.len());
    for (row, (current, count)) in rows.iter().zip(expected) {
        // Currents round-trip exactly; rates are count / duration; the analytic rate is
        // the library's, printed in full.
        assert_eq!(row.0, current);
        assert_eq!(row.1, count, "I = {current}");
        assert_eq!(row.2, f64::from(count) / 20.0);
        assert_eq!(row.3, gpulif::model::analytic::rate(&params, current));
    }
    // Constant currents on the CPU: counted from each neuron's period, and said so.
    assert!(
        text(&out.stdout).contains("identical to stepping all 20,000 steps"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn sweep_to_csv_has_every_neuron_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.csv");
    let out = gpulif(&[
        "curve",
        "--neurons",
        "101",
        "--i-min",
        "-1",
        "--i-max",
        "9",
        "--duration",
        "1",
        "--backend",
        "cpu",
        "--quiet",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "--quiet prints nothing"
    );
    let rows = read_csv(&path);
    let currents: Vec<f64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(currents, common::sweep(-1.0, 9.0, 101));
    assert_eq!((currents[0], currents[100]), (-1.0, 9.0));
    assert_eq!(currents[50], 4.0);
    let counts: Vec<u32> = rows.iter().map(|r| r.1).collect();
    assert!(
        counts.windows(2).all(|w| w[0] <= w[1]),
        "rates rise with current"
    );
}

#[test]
fn json_carries_parameters_backend_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curve.json");
    let out = gpulif(&with(
        TUTORIAL,
        &[
            "--backend",
            "reference",
            "-q",
            "--out",
            path.to_str().unwrap(),
        ],
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["backend"], "reference");
    assert_eq!(json["method"], "euler");
    assert_eq!(json["gpulif_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["params"]["tau_rc"], 0.02);
    assert_eq!(json["params"]["tau_ref"], 0.2);
    assert_eq!(json["steps"], 20_000);
    assert!(json["device"].as_str().unwrap().contains("float64"));
    assert_eq!(
        json["data"]["count"],
        serde_json::json!([39, 82, 99, 100, 0])
    );
    assert_eq!(json["data"]["current"][0], 1.0000001);
    assert_eq!(json["summary"]["total_spikes"], 320);
}

#[test]
fn currents_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("currents.txt");
    std::fs::write(&list, "# tutorial inputs\n1.0000001\n1.1\n\n10\n100\n0.8\n").unwrap();
    let path = dir.path().join("out.csv");
    let at_file = format!("@{}", list.display());
    let out = gpulif(&[
        "curve",
        "--currents",
        &at_file,
        "--tau-rc",
        "0.02",
        "--tau-ref",
        "0.2",
        "--duration",
        "20",
        "--backend",
        "cpu",
        "-q",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let counts: Vec<u32> = read_csv(&path).iter().map(|r| r.1).collect();
    assert_eq!(counts, [39, 82, 99, 100, 0]);
}

#[test]
fn gpu_backend_from_the_command_line() {
    if common::gpu().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gpu.csv");
    let out = gpulif(&with(
        TUTORIAL,
        &["--backend", "gpu", "--out", path.to_str().unwrap()],
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("backend   gpu:"));
    let counts: Vec<u32> = read_csv(&path).iter().map(|r| r.1).collect();
    assert_eq!(counts, [39, 82, 99, 100, 0]);
}

#[test]
fn devices_lists_adapters() {
    let out = gpulif(&["devices"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("--backend auto uses"));
    let out = gpulif(&["devices", "--json"]);
    let adapters: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(adapters.is_array());
    if common::gpu().is_some() {
        assert!(!adapters.as_array().unwrap().is_empty());
    }
}

/// Every bad input: exit status 2, one `error:` line naming the flag, no panic, and
/// no output file.
#[test]
fn bad_input_is_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("never.csv");
    let out_arg = out_path.to_str().unwrap().to_owned();
    let missing = dir.path().join("missing.txt");
    let missing_arg = format!("@{}", missing.display());
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "# nothing\n").unwrap();
    let empty_arg = format!("@{}", empty.display());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--neurons", "0"], "--neurons"),
        (vec!["--neurons", "-3"], "--neurons"),
        (vec!["--neurons", "abc"], "--neurons"),
        (vec!["--neurons", "2000000000"], "--neurons"),
        (vec!["--tau-rc", "0"], "--tau-rc"),
        (vec!["--tau-rc", "-1"], "--tau-rc"),
        (vec!["--tau-rc", "nan"], "--tau-rc"),
        (vec!["--tau-rc", "x"], "--tau-rc"),
        (vec!["--tau-ref", "-0.001"], "--tau-ref"),
        (vec!["--tau-ref", "inf"], "--tau-ref"),
        (vec!["--v-th", "0"], "--v-th"),
        (vec!["--v-th", "-1"], "--v-th"),
        (vec!["--dt", "0"], "--dt"),
        (vec!["--dt", "0.5"], "--dt"),
        (vec!["--dt", "NaN"], "--dt"),
        (vec!["--duration", "0"], "--duration"),
        (vec!["--duration", "-1"], "--duration"),
        (vec!["--duration", "0.0105"], "--duration"),
        (vec!["--duration", "1e7"], "--duration"),
        (vec!["--i-min", "5", "--i-max", "1"], "--i-min"),
        (vec!["--i-min", "nan"], "--i-min"),
        (vec!["--i-max", "1e40"], "--i-max"),
        (vec!["--currents", "1,abc"], "--currents"),
        (vec!["--currents", "1,,2"], "--currents"),
        (vec!["--currents", "inf"], "--currents"),
        (vec!["--currents", &missing_arg], "--currents"),
        (vec!["--currents", &empty_arg], "--currents"),
        (vec!["--currents", "1", "--neurons", "5"], "--neurons"),
        (vec!["--backend", "tpu"], "--backend"),
        (vec!["--adapter", "x", "--backend", "cpu"], "--adapter"),
    ];
    for (args, flag) in cases {
        let mut all = vec!["curve", "--duration", "0.1"];
        all.extend(&args);
        all.extend(["--backend", "cpu", "--out", &out_arg]);
        // A later --backend would override the case's own; keep the case's.
        if args.contains(&"--backend") {
            all.truncate(all.len() - 4);
            all.extend(["--out", &out_arg]);
        }
        let out = gpulif(&all);
        common::assert_refused(&out, &format!("{args:?}"), flag);
        assert!(!out_path.exists(), "{args:?} left an output file");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "only the empty input file remains: {leftovers:?}"
    );
}

#[test]
fn bad_output_paths_are_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        dir.path().join("curve.txt"),
        dir.path().join("no-such-dir").join("curve.csv"),
        dir.path().to_owned(),
    ];
    for path in cases {
        let out = gpulif(&["curve", "--backend", "cpu", "--out", path.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(stderr.starts_with("error: --out"), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing was simulated");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was written"
    );
}

#[test]
fn missing_gpu_is_explained() {
    // No Metal or DX12 on Linux: wgpu finds no adapter at all.
    if !cfg!(target_os = "linux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gpu.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_gpulif"))
        .args(["curve", "--backend", "gpu", "--out", path.to_str().unwrap()])
        .env("WGPU_BACKEND", "metal")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: --backend gpu: no GPU adapter found"),
        "{stderr}"
    );
    assert!(stderr.contains("mesa-vulkan-drivers"), "{stderr}");
    assert!(!path.exists());

    // auto falls back to the CPU backend.
    let out = Command::new(env!("CARGO_BIN_EXE_gpulif"))
        .args(["curve", "--neurons", "10", "--duration", "0.1"])
        .env("WGPU_BACKEND", "metal")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("backend   cpu:"));
}

#[test]
fn bench_times_every_backend_and_compares_their_counts() {
    let out = gpulif(&[
        "bench",
        "--neurons",
        "3000",
        "--steps",
        "400",
        "--runs",
        "2",
        "--cpu-kernel",
        "all",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    let backends: Vec<&str> = rows
        .iter()
        .map(|r| r["backend"].as_str().unwrap())
        .collect();
    let kernels = gpulif::backend::cpu::Kernel::available().len();
    assert_eq!(backends[0], "reference");
    assert_eq!(backends.iter().filter(|&&b| b == "cpu").count(), kernels);
    if common::gpu().is_some() {
        assert_eq!(*backends.last().unwrap(), "gpu", "{backends:?}");
    }
    for row in rows {
        for key in [
            "device",
            "neurons",
            "steps",
            "seconds",
            "neuron_steps_per_second",
        ] {
            assert!(!row[key].is_null(), "{key} in {row}");
        }
        assert_eq!(row["neurons"], 3000);
        assert_eq!(row["steps"], 400);
        let seconds = row["seconds"].as_f64().unwrap();
        let rate = row["neuron_steps_per_second"].as_f64().unwrap();
        assert!((rate * seconds / 1.2e6 - 1.0).abs() < 1e-9, "{row}");
        assert_eq!(row["run_seconds"].as_array().unwrap().len(), 2);
    }

    // The table, with the agreement checks under it.
    let out = gpulif(&[
        "bench",
        "--neurons",
        "2000",
        "--steps",
        "300",
        "--runs",
        "1",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("speed-up"), "{stdout}");
    assert!(
        stdout.contains("float32 vs float64 reference: "),
        "{stdout}"
    );
    assert!(!stdout.contains("DIFFERENT"), "{stdout}");
}

#[test]
fn bench_refuses_bad_input() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--neurons", "0"], "--neurons"),
        (vec!["--steps", "0"], "--steps"),
        (vec!["--neurons", "300000000"], "--neurons"),
        (vec!["--steps", "5000000000"], "--steps"),
        (vec!["--runs", "0"], "--runs"),
        (vec!["--backend", "tpu"], "--backend"),
        (vec!["--tau-rc", "-1"], "--tau-rc"),
        (vec!["--i-min", "3", "--i-max", "1"], "--i-min"),
    ];
    for (args, flag) in cases {
        let mut all = vec!["bench"];
        all.extend(&args);
        let out = gpulif(&all);
        common::assert_refused(&out, &format!("{args:?}"), flag);
    }
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gpulif"))
        .args([
            "curve",
            "--neurons",
            "100",
            "--duration",
            "0.1",
            "--backend",
            "cpu",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end at once, as `gpulif curve | head -0` would.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "{stderr}");
}

#[test]
fn ensemble_writes_its_curves_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let base = [
        "ensemble",
        "--neurons",
        "30",
        "--x-points",
        "11",
        "--seed",
        "5",
        "--backend",
        "cpu",
    ];
    for name in ["e.csv", "e.json", "e.npy"] {
        let out = gpulif(&with(&base, &["--out", &path(name)]));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = gpulif(&base);
    assert!(
        text(&out.stdout).contains("at the preferred end"),
        "{}",
        text(&out.stdout)
    );

    let csv = std::fs::read_to_string(path("e.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "neuron,x,rate");
    assert_eq!(rows.len(), 1 + 30 * 11);
    assert!(rows[1].starts_with("0,-1,") && rows[11].starts_with("0,1,"));

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("e.json")).unwrap()).unwrap();
    assert_eq!(json["method"], "exact");
    assert_eq!(json["rates"].as_array().unwrap().len(), 11);
    assert_eq!(json["rates"][0].as_array().unwrap().len(), 30);
    assert_eq!(json["gain"].as_array().unwrap().len(), 30);

    let npy = std::fs::read(path("e.npy")).unwrap();
    let header_len = u16::from_le_bytes([npy[8], npy[9]]) as usize;
    let header = String::from_utf8_lossy(&npy[10..10 + header_len]);
    assert!(header.contains("'descr': '<f4'") && header.contains("'shape': (11, 30)"));
    assert_eq!(npy.len() - 10 - header_len, 11 * 30 * 4);
    // Row k of the matrix is every neuron at x[k]; the CSV is neuron by neuron.
    let rate = |k: usize, n: usize| {
        let at = 10 + header_len + 4 * (k * 30 + n);
        f32::from_le_bytes(npy[at..at + 4].try_into().unwrap())
    };
    let csv_rate: f32 = rows[1 + 3 * 11 + 7]
        .split(',')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(rate(7, 3), csv_rate);

    // The same seed gives the same ensemble; another seed another one.
    let again = tempfile::tempdir().unwrap();
    let other = again.path().join("e.json");
    let out = gpulif(&with(&base, &["--out", other.to_str().unwrap()]));
    assert!(out.status.success());
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
    assert_eq!(again["gain"], json["gain"]);
}

#[test]
fn ensemble_refuses_bad_input() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--max-rates", "400:200"], "--max-rates"),
        (vec!["--max-rates", "200"], "--max-rates"),
        (vec!["--max-rates", "a:b"], "--max-rates"),
        (vec!["--max-rates", "600:700"], "--max-rates"),
        (vec!["--intercepts", "0.5:1.5"], "--intercepts"),
        (vec!["--intercepts", "-2:0"], "--intercepts"),
        (vec!["--x-points", "1"], "--x-points"),
        (vec!["--neurons", "0"], "--neurons"),
        (vec!["--neurons", "1000000"], "--neurons"),
        (vec!["--duration", "0"], "--duration"),
        (vec!["--method", "rk4"], "--method"),
        (vec!["--out", "e.txt"], "--out"),
        (vec!["--seed", "-1"], "--seed"),
    ];
    for (args, flag) in cases {
        let mut all = vec!["ensemble", "--backend", "cpu"];
        all.extend(&args);
        let out = gpulif(&all);
        common::assert_refused(&out, &format!("{args:?}"), flag);
    }
}
