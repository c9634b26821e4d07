//! `gpulif trace` and the figure and NPY outputs: the tutorial's sentences exactly, the
//! same trace on every backend, and files that are what they claim to be.

mod common;

use gpulif::{CpuStepper, GpuStepper, NeuronParams, PopulationDesc, ReferenceStepper};
use std::path::Path;

use gpulif::{LifParams, Run, Trace};

use common::{gpulif, text};

const SENTENCES: [&str; 5] = [
    "An input of 1.0000001 produces 39 spikes in 20 seconds (1.95 Hz)",
    "An input of 1.1 produces 82 spikes in 20 seconds (4.10 Hz)",
    "An input of 10 produces 99 spikes in 20 seconds (4.95 Hz)",
    "An input of 100 produces 100 spikes in 20 seconds (5.00 Hz)",
    "An input of 0.8 produces 0 spikes in 20 seconds (0.00 Hz)",
];
const CURRENTS: [f64; 5] = [1.0000001, 1.1, 10.0, 100.0, 0.8];

fn tutorial_run() -> Run {
    let params = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.2,
        ..LifParams::default()
    };
    Run::new(params, 20.0).unwrap()
}

fn sentences(trace: &Trace) -> Vec<String> {
    (0..trace.currents().len())
        .map(|n| trace.sentence(n))
        .collect()
}

#[test]
fn every_backend_tells_the_tutorials_sentences() {
    let run = tutorial_run();
    let reference = Trace::record(
        &mut ReferenceStepper,
        &run,
        &PopulationDesc::for_run(&run, &CURRENTS, NeuronParams::SHARED),
    )
    .unwrap();
    assert_eq!(sentences(&reference), SENTENCES);
    let cpu = Trace::record(
        &mut CpuStepper::new(),
        &run,
        &PopulationDesc::for_run(&run, &CURRENTS, NeuronParams::SHARED),
    )
    .unwrap();
    assert_eq!(sentences(&cpu), SENTENCES);
    for (n, current) in CURRENTS.iter().enumerate() {
        assert_eq!(
            cpu.spike_steps(n),
            reference.spike_steps(n),
            "I = {current}"
        );
        // Between spikes the float32 voltage follows the float64 one to float32 rounding:
        // each step's multiply rounds u by at most 2⁻²⁴ relative, and over the few
        // hundred steps between resets here (u ≤ 100, mostly ≤ 1) that stays below 10⁻⁵.
        let worst = cpu
            .voltages(n)
            .iter()
            .zip(reference.voltages(n))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-5, "I = {current}: voltages differ by {worst}");
    }
}

#[test]
fn the_gpu_trace_is_the_cpu_trace() {
    let Some(context) = common::gpu() else {
        return;
    };
    // 3 s, not the tutorial's 20: the GPU trace records one dispatch per step, which
    // on a software driver costs about a millisecond each.
    let params = LifParams {
        tau_rc: 0.02,
        tau_ref: 0.2,
        ..LifParams::default()
    };
    let run = Run::new(params, 3.0).unwrap();
    let gpu = Trace::record(
        &mut GpuStepper::try_new(context.clone()).unwrap(),
        &run,
        &PopulationDesc::for_run(&run, &CURRENTS, NeuronParams::SHARED),
    )
    .unwrap();
    let cpu = Trace::record(
        &mut CpuStepper::new(),
        &run,
        &PopulationDesc::for_run(&run, &CURRENTS, NeuronParams::SHARED),
    )
    .unwrap();
    for n in 0..CURRENTS.len() {
        assert_eq!(gpu.spike_steps(n), cpu.spike_steps(n));
        assert_eq!(
            gpu.voltages(n),
            cpu.voltages(n),
            "the same float32 arithmetic"
        );
    }
    let reference = Trace::record(
        &mut ReferenceStepper,
        &run,
        &PopulationDesc::for_run(&run, &CURRENTS, NeuronParams::SHARED),
    )
    .unwrap();
    for n in 0..CURRENTS.len() {
        assert_eq!(gpu.spike_steps(n), reference.spike_steps(n));
    }
    assert!(gpu.count(1) > 10);
}

#[test]
fn the_command_prints_the_sentences_and_writes_the_series() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("trace.csv");
    let out = gpulif(&[
        "trace",
        "--current",
        "1.0000001,1.1,10",
        "--current",
        "100",
        "--current",
        "0.8",
        "--tau-rc",
        "0.02",
        "--tau-ref",
        "0.2",
        "--duration",
        "20",
        "--backend",
        "cpu",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines, SENTENCES);

    let content = std::fs::read_to_string(&csv).unwrap();
    let mut rows = content.lines();
    assert_eq!(rows.next(), Some("time,current,v,spike"));
    let rows: Vec<Vec<f64>> = rows
        .map(|r| r.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 5 * 20_000);
    assert_eq!(rows[0], [0.001, 1.0000001, rows[0][2], 0.0]);
    assert_eq!(rows[19_999][0], 20.0);
    for (n, &current) in CURRENTS.iter().enumerate() {
        let neuron = &rows[n * 20_000..(n + 1) * 20_000];
        assert!(neuron.iter().all(|r| r[1] == current));
        let spikes: f64 = neuron.iter().map(|r| r[3]).sum();
        let expected = [39.0, 82.0, 99.0, 100.0, 0.0][n];
        assert_eq!(spikes, expected, "I = {current}");
        // The voltage is reset to 0 on the step of each spike.
        assert!(neuron.iter().filter(|r| r[3] == 1.0).all(|r| r[2] == 0.0));
    }
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

fn check_png(path: &Path, height: u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(png_size(&bytes), (1000, height), "{}", path.display());
    assert_eq!(&bytes[bytes.len() - 8..bytes.len() - 4], b"IEND");
    // A drawn figure compresses to tens of kilobytes; a blank one to a few hundred bytes.
    assert!(
        (20_000..3_000_000).contains(&bytes.len()),
        "{}: {} bytes",
        path.display(),
        bytes.len()
    );
}

fn check_svg(path: &Path, must_contain: &[&str]) {
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for text in must_contain {
        assert!(svg.contains(text), "{} lacks {text:?}", path.display());
    }
    assert!(
        (5_000..5_000_000).contains(&svg.len()),
        "{} bytes",
        svg.len()
    );
}

#[test]
fn figures_are_valid_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    let curve = |plot: &Path| {
        gpulif(&[
            "curve",
            "--neurons",
            "20000",
            "--duration",
            "1",
            "--backend",
            "cpu",
            "--plot",
            plot.to_str().unwrap(),
            "--quiet",
        ])
    };
    for name in ["curve.png", "curve.svg"] {
        let out = curve(&at(name));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "--quiet");
    }
    check_png(&at("curve.png"), 640);
    check_svg(
        &at("curve.svg"),
        &[
            "Input current",
            "Output rate (Hz)",
            "Simulated",
            "Analytical",
        ],
    );

    let trace = |plot: &Path| {
        gpulif(&[
            "trace",
            "--current",
            "1.1,3",
            "--tau-ref",
            "0.2",
            "--duration",
            "5",
            "--backend",
            "reference",
            "--plot",
            plot.to_str().unwrap(),
        ])
    };
    for name in ["trace.png", "trace.svg"] {
        let out = trace(&at(name));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    check_png(&at("trace.png"), 560 + 70 + 40 * 2);
    check_svg(
        &at("trace.svg"),
        &[
            "Time (s)",
            "Input current",
            "Voltage v",
            "Threshold v_th",
            "Spikes",
            // Each raster row labelled beside it with its input and count.
            "I = 1.1",
            "spikes",
        ],
    );
}

/// The NPY header's dictionary and the data after it.
fn read_npy(bytes: &[u8]) -> (String, Vec<f64>) {
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00", "NPY 1.0 magic");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let data_at = 10 + header_len;
    assert_eq!(data_at % 64, 0, "data aligned to 64 bytes");
    let header = String::from_utf8(bytes[10..data_at].to_vec()).unwrap();
    assert!(header.ends_with('\n'));
    let data = bytes[data_at..]
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    (header, data)
}

#[test]
fn npy_holds_the_csv_columns_as_float64() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("curve.npy");
    let csv = dir.path().join("curve.csv");
    for path in [&npy, &csv] {
        let out = gpulif(&[
            "curve",
            "--neurons",
            "1001",
            "--i-min",
            "0.5",
            "--i-max",
            "12",
            "--duration",
            "2",
            "--backend",
            "cpu",
            "--out",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let (header, data) = read_npy(&std::fs::read(&npy).unwrap());
    assert!(
        header.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (1001, 4), }"),
        "{header}"
    );
    assert_eq!(data.len(), 1001 * 4);
    let rows: Vec<Vec<f64>> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|r| r.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(&data[4 * k..4 * k + 4], row.as_slice(), "row {k}");
    }
    assert_eq!((data[0], data[4 * 1000]), (0.5, 12.0));
}

/// Every bad input to `trace`, `--plot` and `--out`: exit 2, one line naming the flag,
/// no panic, no file.
#[test]
fn bad_figure_and_trace_input_is_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let (png, txt, csv_in_missing) = (
        path("never.png"),
        path("never.txt"),
        dir.path()
            .join("no-such-dir")
            .join("x.png")
            .to_str()
            .unwrap()
            .to_owned(),
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["trace"], "--current"),
        (vec!["trace", "--current", "abc"], "--current"),
        (vec!["trace", "--current", "nan"], "--current"),
        (vec!["trace", "--current", "1,,2"], "--current"),
        (vec!["trace", "--current", "1e40"], "--current"),
        (
            vec!["trace", "--current", "1", "--duration", "0"],
            "--duration",
        ),
        (
            vec!["trace", "--current", "1", "--duration", "100000"],
            "--duration",
        ),
        (
            vec!["trace", "--current", "1", "--tau-rc", "-2"],
            "--tau-rc",
        ),
        (vec!["trace", "--current", "1", "--plot", &txt], "--plot"),
        (
            vec!["trace", "--current", "1", "--plot", &csv_in_missing],
            "--plot",
        ),
        (vec!["trace", "--current", "1", "--out", &png], "--out"),
        (
            vec![
                "trace",
                "--current",
                "1",
                "--backend",
                "cpu",
                "--adapter",
                "x",
            ],
            "--adapter",
        ),
        (vec!["curve", "--plot", &txt], "--plot"),
        (vec!["curve", "--plot", &csv_in_missing], "--plot"),
        (vec!["curve", "--out", &txt], "--out"),
        (vec!["curve", "--plot", &png, "--neurons", "0"], "--neurons"),
    ];
    for (args, flag) in cases {
        let out = gpulif(&args);
        common::assert_refused(&out, &format!("{args:?}"), flag);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file left"
    );
}

#[test]
fn figures_fit_their_data_and_mark_sparse_curves() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    // A handful of currents: each simulated point is marked; a million are not.
    for (neurons, marked) in [("7", true), ("2000", false)] {
        let path = at(&format!("curve-{neurons}.svg"));
        let out = gpulif(&[
            "curve",
            "--neurons",
            neurons,
            "--duration",
            "1",
            "--backend",
            "cpu",
            "-q",
            "--plot",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let svg = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            svg.matches("<circle").count(),
            if marked { 7 } else { 0 },
            "{neurons} neurons"
        );
    }
    // A trace whose voltage never goes below 0 has no negative axis ticks (the legend
    // sits above the chart, not in room made below the data).
    let path = at("trace.svg");
    let out = gpulif(&[
        "trace",
        "--current",
        "1.1",
        "--tau-ref",
        "0.2",
        "--duration",
        "5",
        "--backend",
        "cpu",
        "--plot",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let svg = std::fs::read_to_string(&path).unwrap();
    let label = |text: &str| svg.contains(&format!(">\n{text}\n</text>"));
    assert!(!label("-0.2") && !label("-0.4"), "negative ticks");
    assert!(label("0") && label("1"), "0 and the threshold in view");
}

#[test]
fn noisy_curves_are_dots_under_the_analytic_curve_and_samples_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let run = |dt: &str| {
        let path = dir.path().join(format!("noisy-{dt}.svg"));
        let out = gpulif(&[
            "curve",
            "--neurons",
            "300",
            "--duration",
            "0.5",
            "--tau-rc",
            "0.02",
            "--dt",
            dt,
            "--noise",
            "0.3",
            "--seed",
            "1",
            "--record",
            "0:100",
            "--backend",
            "cpu",
            "--plot",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        (std::fs::read_to_string(&path).unwrap(), text(&out.stderr))
    };
    // dt/tau_rc = 0.05: outside the steps the step-corrected Siegert rate is checked
    // at, which the note and the legend say.
    let (svg, stderr) = run("0.001");
    assert!(
        stderr.contains("dt/tau_rc = 0.0500 is above 0.005"),
        "{stderr}"
    );
    assert!(svg.contains("Siegert, step-corrected (unchecked at dt/tau_rc 0.05)"));
    // Each neuron a dot (and one in the legend), the dashed analytic curve drawn after
    // them, so over them.
    assert_eq!(svg.matches("<circle").count(), 300 + 1);
    let last_dot = svg.match_indices("<circle").nth(299).unwrap().0;
    let analytic = svg.find("stroke=\"#FF7F0E\"").unwrap();
    assert!(
        analytic > last_dot,
        "the analytic curve is drawn over the dots"
    );
    // 20 rows of 100 recorded neurons, and the raster says so.
    assert!(svg.contains("Spike trains of 20 of the 100 recorded neurons, evenly spread"));
    let (svg, stderr) = run("0.0001");
    assert!(!stderr.contains("dt/tau_rc"), "{stderr}");
    assert!(
        svg.contains(">\nSiegert, step-corrected\n</text>"),
        "no warning at 0.005"
    );
}
