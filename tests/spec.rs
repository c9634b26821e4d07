//! Every field of the shared block, `RunSpec`, is reachable from every front end: a
//! `gpulif curve` flag, a keyword of Python's `gpulif.curve`, and a control of the
//! explorer. The test walks the spec's fields as it serialises them, so a field added
//! to `RunSpec` fails here until each front end has its way to set it.

use std::collections::BTreeSet;
use std::process::Command;

use gpulif::RunSpec;
use serde_json::Value;

/// Each field of the spec (its path as serialised), and how each front end sets it:
/// the flag, the Python keyword, and what the explorer's controls write.
const FRONT_ENDS: &[(&str, &str, &str, &str)] = &[
    ("params.dt", "--dt", "dt", "&mut s.run.params.dt"),
    (
        "params.tau_rc",
        "--tau-rc",
        "tau_rc",
        "&mut s.run.params.tau_rc",
    ),
    (
        "params.tau_ref",
        "--tau-ref",
        "tau_ref",
        "&mut s.run.params.tau_ref",
    ),
    ("params.v_th", "--v-th", "v_th", "&mut s.run.params.v_th"),
    ("method", "--method", "method", "&mut s.run.method"),
    ("duration", "--duration", "duration", "&mut s.run.duration"),
    ("noise.sigma", "--noise", "noise", "&mut s.run.noise.sigma"),
    (
        "noise.tau",
        "--noise-tau",
        "noise_tau",
        "&mut s.run.noise.tau",
    ),
    ("noise.seed", "--seed", "seed", "&mut s.run.noise.seed"),
    (
        "poisson.rate",
        "--poisson",
        "poisson",
        "&mut s.run.poisson.rate",
    ),
    (
        "poisson.weight",
        "--poisson",
        "poisson",
        "&mut s.run.poisson.weight",
    ),
    (
        "dt_correction",
        "--no-dt-correction",
        "dt_correction",
        "&mut s.run.dt_correction",
    ),
    ("stimulus", "--stimulus", "stimulus", "s.stimulus_file ="),
];

/// The dotted paths of every leaf of `value`.
fn leaves(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                leaves(field, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

#[test]
fn every_spec_field_has_a_flag_a_keyword_and_a_control() {
    let mut fields = BTreeSet::new();
    leaves(
        &serde_json::to_value(RunSpec::default()).expect("a spec serialises"),
        "",
        &mut fields,
    );
    let mapped: BTreeSet<String> = FRONT_ENDS.iter().map(|f| f.0.to_owned()).collect();
    assert_eq!(fields, mapped, "RunSpec's fields and the front ends' list");

    let help = Command::new(env!("CARGO_BIN_EXE_gpulif"))
        .args(["curve", "--help"])
        .output()
        .expect("gpulif runs");
    let help = String::from_utf8_lossy(&help.stdout);
    let root = env!("CARGO_MANIFEST_DIR");
    let python = std::fs::read_to_string(format!("{root}/python/gpulif/__init__.py"))
        .expect("the Python package");
    let curve_signature = &python[python.find("\ndef curve(").expect("def curve")..];
    let curve_signature = &curve_signature[..curve_signature.find(") ->").expect("its end")];
    let explorer = std::fs::read_to_string(format!("{root}/src/explore/ui.rs"))
        .expect("the explorer's window");
    for (field, flag, keyword, control) in FRONT_ENDS {
        assert!(
            help.split_whitespace()
                .any(|word| word.trim_end_matches(',') == *flag),
            "{field}: `gpulif curve --help` has no {flag}"
        );
        assert!(
            curve_signature.contains(&format!("\n    {keyword}:")),
            "{field}: gpulif.curve has no keyword {keyword}"
        );
        assert!(
            explorer.contains(control),
            "{field}: the explorer has no control writing {control}"
        );
    }
}
