//! Sharded runs for batch schedulers: `gpulif curve --shard K/N` and `gpulif merge`.
//! Every N from 1 to 7 on a sweep whose size no N divides joins to exactly the
//! unsharded output; missing, duplicated and foreign parts are refused.

mod common;

use std::path::Path;

use common::{assert_refused, gpulif};

/// A noisy sweep of 997 neurons (a prime: no N > 1 divides it), noise streams and all.
const RUN: [&str; 12] = [
    "curve",
    "--neurons",
    "997",
    "--duration",
    "0.5",
    "--tau-rc",
    "0.02",
    "--noise",
    "0.4",
    "--seed",
    "11",
    "-q",
];

fn curve(extra: &[&str]) {
    let mut args = RUN.to_vec();
    args.extend(extra);
    args.extend(["--backend", "cpu"]);
    let out = gpulif(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn merge(parts: &[&Path], out: &Path) -> std::process::Output {
    let mut args = vec!["merge", "-q"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--out", out.to_str().unwrap()]);
    gpulif(&args)
}

#[test]
fn every_split_joins_to_the_unsharded_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: String| dir.path().join(name);
    let whole_npy = path("whole.npy".into());
    let whole_csv = path("whole.csv".into());
    curve(&["--out", whole_npy.to_str().unwrap()]);
    curve(&["--out", whole_csv.to_str().unwrap()]);
    for n in 1..=7usize {
        for format in ["npy", "json"] {
            let parts: Vec<_> = (0..n)
                .map(|k| path(format!("part-{n}-{k}.{format}")))
                .collect();
            // Written in reverse: the order of completion does not matter.
            for (k, part) in parts.iter().enumerate().rev() {
                curve(&[
                    "--shard",
                    &format!("{k}/{n}"),
                    "--out",
                    part.to_str().unwrap(),
                ]);
            }
            let parts: Vec<&Path> = parts.iter().map(|p| p.as_path()).collect();
            for (out, whole) in [("merged.npy", &whole_npy), ("merged.csv", &whole_csv)] {
                let out = path(format!("{n}-{format}-{out}"));
                let result = merge(&parts, &out);
                assert!(
                    result.status.success(),
                    "{}",
                    String::from_utf8_lossy(&result.stderr)
                );
                assert!(
                    std::fs::read(&out).unwrap() == std::fs::read(whole).unwrap(),
                    "{n} {format} parts → {}: not the unsharded output",
                    out.display()
                );
            }
        }
    }
    // JSON out: the columns and the summary of the whole run.
    let whole_json = path("whole.json".into());
    curve(&["--out", whole_json.to_str().unwrap()]);
    let parts: Vec<_> = (0..3).map(|k| path(format!("part-3-{k}.npy"))).collect();
    let parts: Vec<&Path> = parts.iter().map(|p| p.as_path()).collect();
    let merged = path("merged.json".into());
    assert!(merge(&parts, &merged).status.success());
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (a, b) = (read(&whole_json), read(&merged));
    assert_eq!(a["data"], b["data"]);
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(a["run"], b["run"]);
    assert_eq!(a["noise"]["seed"], 11);
}

#[test]
fn wrong_parts_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    for k in 0..3 {
        curve(&[
            "--shard",
            &format!("{k}/3"),
            "--out",
            path(&format!("p{k}.npy")).to_str().unwrap(),
        ]);
    }
    // Another seed: another run.
    let mut args = RUN.to_vec();
    args[10] = "12";
    let foreign = path("foreign.npy");
    args.extend([
        "--shard",
        "1/3",
        "--out",
        foreign.to_str().unwrap(),
        "--backend",
        "cpu",
    ]);
    assert!(gpulif(&args).status.success());
    let whole = path("whole.npy");
    curve(&["--out", whole.to_str().unwrap()]);
    let (p0, p1, p2) = (path("p0.npy"), path("p1.npy"), path("p2.npy"));
    let out = path("out.npy");
    for (parts, why) in [
        (vec![&p0, &p2], "missing"),
        (vec![&p0, &p1, &p1, &p2], "twice"),
        (vec![&p0, &foreign, &p2], "another run"),
        (vec![&p0, &whole, &p2], "not a part"),
    ] {
        let parts: Vec<&Path> = parts.iter().map(|p| p.as_path()).collect();
        let result = merge(&parts, &out);
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(2), "{why}: {stderr}");
        assert!(
            stderr.starts_with("error:") && stderr.contains(why),
            "{why}: {stderr}"
        );
        assert!(!out.exists(), "{why}: no output");
    }
    // A part needs metadata: a CSV part is refused before anything runs.
    let csv = path("p.csv");
    let mut args = RUN.to_vec();
    args.extend(["--shard", "0/2", "--out", csv.to_str().unwrap()]);
    assert_refused(&gpulif(&args), "a CSV part", "--shard");
    let q = path("q.npy");
    let mut args = RUN.to_vec();
    args.extend(["--shard", "2/2", "--out", q.to_str().unwrap()]);
    assert_refused(&gpulif(&args), "K ≥ N", "--shard");
}
