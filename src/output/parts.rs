//! Runs cut into parts for batch schedulers (`gpulif curve --shard K/N`) and joined
//! again (`gpulif merge`).
//!
//! Every curve file says what run it belongs to: its *identity* (the gpulif version,
//! method, parameters, duration, steps, the whole sweep's currents, the noise and its
//! seed, the stimulus), a JSON object kept in the JSON document's `"run"` and in a
//! comment after the NPY header's dictionary (`… } # gpulif {…}`, which `numpy.load`
//! ignores). A part adds `"shard"`: `k`, `n`, and the neurons it holds. Two parts join
//! only when their identities are equal, so parts of different runs, or of a run with
//! a different seed, are refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Destination, OutputFormat, csv, npy};
use crate::error::{Error, Result};
use crate::experiment::curve::{Currents, CurvePoint, CurveRun};

/// The prefix of the NPY header comment.
const NPY_TAG: &str = "gpulif ";

/// What a curve file says of its run.
#[derive(Clone, Debug, PartialEq)]
pub struct PartMetadata {
    /// The run's identity.
    pub run: Value,
    /// `{"k", "n", "first", "neurons"}` for a shard.
    pub shard: Option<Value>,
}

impl PartMetadata {
    /// The metadata of `run` (a shard's, when it is one).
    pub fn of(run: &CurveRun) -> PartMetadata {
        PartMetadata {
            run: identity(run),
            shard: run.shard_of().map(
                |(k, n)| json!({"k": k, "n": n, "first": run.span().start, "neurons": run.len()}),
            ),
        }
    }

    /// The NPY header comment.
    pub(super) fn npy_comment(&self) -> String {
        let mut object = json!({"run": self.run});
        if let Some(shard) = &self.shard {
            object["shard"] = shard.clone();
        }
        format!("{NPY_TAG}{object}")
    }
}

/// FNV-1a of a sequence of floats' bits: a fingerprint of a list of currents or a
/// stimulus.
fn fingerprint(values: &[f64]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for value in values {
        for byte in value.to_bits().to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// What identifies `run`: everything its counts depend on, and nothing about where or
/// how fast it ran.
pub fn identity(run: &CurveRun) -> Value {
    let r = run.run();
    let p = r.params();
    let noise = run.noise();
    let currents = match run.currents() {
        Currents::Sweep {
            i_min,
            i_max,
            neurons,
        } => json!({"sweep": [i_min, i_max, neurons]}),
        Currents::List(list) => json!({"list": list.len(), "fnv1a": fingerprint(list)}),
    };
    let mut identity = json!({
        "gpulif_version": env!("CARGO_PKG_VERSION"),
        "method": r.method().name(),
        "params": {"tau_rc": p.tau_rc, "tau_ref": p.tau_ref, "v_th": p.v_th, "dt": p.dt},
        "duration": r.duration(),
        "steps": r.steps(),
        "neurons": run.currents().len(),
        "currents": currents,
        "noise": {
            "sigma": noise.sigma,
            "tau": noise.tau,
            "seed": noise.seed,
            "dt_correction": run.analytic().dt_correction(),
        },
        "stimulus": run.stimulus().map(|s| json!({"len": s.len(), "fnv1a": fingerprint(s)})),
    });
    let poisson = run.poisson();
    if poisson.is_on() {
        identity["poisson"] = json!({"rate": poisson.rate, "weight": poisson.weight});
    }
    identity
}

/// One part of a sharded run, read back: the run it belongs to, which part it is, and
/// its rows (current, count, rate, analytic rate).
#[derive(Clone, Debug)]
pub struct Part {
    path: PathBuf,
    run: Value,
    k: usize,
    n: usize,
    first: usize,
    rows: Vec<CurvePoint>,
}

fn refuse(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Parts(format!("{}: {why}", path.display()))
}

impl Part {
    /// Reads the part at `path` (`.npy` or `.json`).
    pub fn read(path: &Path) -> Result<Part> {
        let bytes =
            std::fs::read(path).map_err(|e| refuse(path, format!("cannot read it: {e}")))?;
        Part::parse(path, &bytes)
    }

    /// The part held in `bytes`, a file's content; `path` names it in messages, and its
    /// extension (`.npy` or `.json`) says how to read it. Whatever the bytes, the answer
    /// is a part or an [`Error::Parts`] that says what is wrong, and nothing is
    /// allocated beyond what the bytes hold.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Part> {
        let (metadata, rows) = match OutputFormat::from_path(path) {
            Ok(OutputFormat::Npy) => read_npy(bytes).map_err(|why| refuse(path, why))?,
            Ok(OutputFormat::Json) => read_json(bytes).map_err(|why| refuse(path, why))?,
            _ => {
                return Err(refuse(
                    path,
                    "a part is a .npy or .json file of `gpulif curve --shard`",
                ));
            }
        };
        let shard = metadata.get("shard").ok_or_else(|| {
            refuse(
                path,
                "not a part of a sharded run (no shard in its metadata)",
            )
        })?;
        let field = |name: &str| {
            shard[name]
                .as_u64()
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(|| refuse(path, format!("malformed shard metadata ({name})")))
        };
        let (k, n, first, neurons) = (field("k")?, field("n")?, field("first")?, field("neurons")?);
        if k >= n {
            return Err(refuse(
                path,
                format!("malformed shard metadata (part {k} of {n}; parts count from 0)"),
            ));
        }
        if rows.len() != neurons {
            return Err(refuse(
                path,
                format!("{} rows where its metadata says {neurons}", rows.len()),
            ));
        }
        Ok(Part {
            path: path.to_owned(),
            run: metadata["run"].clone(),
            k,
            n,
            first,
            rows,
        })
    }

    /// Which part it is, from 0, and of how many.
    pub fn shard(&self) -> (usize, usize) {
        (self.k, self.n)
    }

    /// Its rows, in the run's order.
    pub fn rows(&self) -> &[CurvePoint] {
        &self.rows
    }
}

type Read = std::result::Result<(Value, Vec<CurvePoint>), String>;

/// A row's count, which the file holds as a float: a whole number a `u32` holds.
fn count_of(value: f64) -> std::result::Result<u32, String> {
    if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
        Ok(value as u32)
    } else {
        Err(format!(
            "a count of {value}: counts are whole numbers from 0 to {}",
            u32::MAX
        ))
    }
}

fn read_npy(bytes: &[u8]) -> Read {
    let npy = crate::input::npy::Npy::parse(bytes)?;
    if npy.width != 8 {
        return Err("not a float64 curve".into());
    }
    let comment = npy
        .header
        .split_once(&format!("# {NPY_TAG}"))
        .map(|(_, c)| c.trim())
        .ok_or("no gpulif metadata in its header")?;
    let metadata: Value =
        serde_json::from_str(comment).map_err(|e| format!("malformed metadata: {e}"))?;
    let data = npy.data;
    if !data.len().is_multiple_of(32) {
        return Err("its data is not whole rows of four float64".into());
    }
    let rows = data
        .chunks_exact(32)
        .map(|row| {
            let v =
                |k: usize| f64::from_le_bytes(row[8 * k..8 * k + 8].try_into().expect("8 bytes"));
            Ok(CurvePoint {
                current: v(0),
                count: count_of(v(1))?,
                rate: v(2),
                analytic_rate: v(3),
            })
        })
        .collect::<std::result::Result<_, String>>()?;
    Ok((metadata, rows))
}

fn read_json(bytes: &[u8]) -> Read {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
    if doc.get("run").is_none() {
        return Err("no run metadata (`gpulif curve` writes it)".into());
    }
    let column = |name: &str| -> std::result::Result<Vec<f64>, String> {
        doc["data"][name]
            .as_array()
            .ok_or(format!("no data column {name}"))?
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or(format!("a value of {name} is not a number"))
            })
            .collect()
    };
    let (current, count, rate, analytic) = (
        column("current")?,
        column("count")?,
        column("rate")?,
        column("analytic_rate")?,
    );
    if [count.len(), rate.len(), analytic.len()] != [current.len(); 3] {
        return Err(format!(
            "data columns of different lengths (current {}, count {}, rate {}, analytic_rate {})",
            current.len(),
            count.len(),
            rate.len(),
            analytic.len()
        ));
    }
    let rows = (0..current.len())
        .map(|k| {
            Ok(CurvePoint {
                current: current[k],
                count: count_of(count[k])?,
                rate: rate[k],
                analytic_rate: analytic[k],
            })
        })
        .collect::<std::result::Result<_, String>>()?;
    let mut metadata = json!({"run": doc["run"].clone()});
    if let Some(shard) = doc.get("shard") {
        metadata["shard"] = shard.clone();
    }
    Ok((metadata, rows))
}

/// The parts of one run, checked and joined in the run's order by [`join`].
#[derive(Clone, Debug, PartialEq)]
pub struct Joined {
    /// The run's identity.
    pub run: Value,
    /// How many parts the run was cut into.
    pub parts: usize,
    /// Every neuron's row, in the run's order.
    pub rows: Vec<CurvePoint>,
}

/// At most this many missing parts are named in an error.
const MISSING_NAMED: usize = 10;

/// Checks that `parts` are the parts of one run, each exactly once, none missing, and
/// joins their rows in the run's order.
pub fn join(mut parts: Vec<Part>) -> Result<Joined> {
    let Some(first) = parts.first().cloned() else {
        return Err(Error::Parts("no parts given".into()));
    };
    for part in &parts[1..] {
        if part.run != first.run {
            let differing = first.run.as_object().and_then(|a| {
                a.iter()
                    .find(|(key, value)| part.run.get(key.as_str()) != Some(value))
                    .map(|(key, _)| key.clone())
            });
            return Err(refuse(
                &part.path,
                format!(
                    "a part of another run than {} (its {} differs)",
                    first.path.display(),
                    differing.unwrap_or_else(|| "metadata".into())
                ),
            ));
        }
        if part.n != first.n {
            return Err(refuse(
                &part.path,
                format!(
                    "shard of {} parts, {} is of {}",
                    part.n,
                    first.path.display(),
                    first.n
                ),
            ));
        }
    }
    parts.sort_by_key(|p| p.k);
    for pair in parts.windows(2) {
        if pair[0].k == pair[1].k {
            return Err(Error::Parts(format!(
                "part {} of {} given twice: {} and {}",
                pair[0].k,
                first.n,
                pair[0].path.display(),
                pair[1].path.display()
            )));
        }
    }
    if parts.len() != first.n {
        // Every k is below n and none twice, so n − len parts are missing; name the
        // first few without walking all n (a damaged part may claim any n).
        let mut missing = Vec::new();
        let mut next = 0;
        for k in parts.iter().map(|p| p.k).chain([first.n]) {
            while next < k && missing.len() < MISSING_NAMED {
                missing.push(next.to_string());
                next += 1;
            }
            next = k + 1;
        }
        let count = first.n - parts.len();
        let more = match count - missing.len() {
            0 => String::new(),
            more => format!(" and {more} more"),
        };
        return Err(Error::Parts(format!(
            "part{} {}{more} of {} missing",
            if count == 1 { "" } else { "s" },
            missing.join(", "),
            first.n
        )));
    }
    let total = first.run["neurons"].as_u64().unwrap_or(0);
    let mut at = 0;
    for part in &parts {
        if part.first != at {
            return Err(refuse(
                &part.path,
                format!("starts at neuron {}, expected {at}", part.first),
            ));
        }
        at += part.rows.len();
    }
    if at as u64 != total {
        return Err(Error::Parts(format!(
            "the parts hold {at} neurons, the run {total}"
        )));
    }
    Ok(Joined {
        run: first.run,
        parts: first.n,
        rows: parts.into_iter().flat_map(|p| p.rows).collect(),
    })
}

/// What [`merge`] joined.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    /// Parts joined.
    pub parts: usize,
    /// Neurons in all.
    pub neurons: usize,
}

/// Checks that `paths` are the `n` parts of one run, each exactly once, and writes
/// them joined to `out` (`.npy`, `.csv` or `.json`), atomically: byte for byte what
/// the unsharded run writes as NPY or CSV; as JSON, its metadata, summary and data.
pub fn merge(paths: &[PathBuf], out: &Path) -> Result<Merged> {
    let format = OutputFormat::from_path(out)?;
    let destination = Destination::new(out, |path, reason| Error::Output { path, reason })?;
    if paths.is_empty() {
        return Err(Error::Parts("no parts given".into()));
    }
    let parts = paths
        .iter()
        .map(|p| Part::read(p))
        .collect::<Result<Vec<_>>>()?;
    let Joined { run, parts, rows } = join(parts)?;
    let metadata = PartMetadata { run, shard: None };
    let context = || format!("writing {}", out.display());
    let file = destination.temporary(".partial")?;
    let mut writer = std::io::BufWriter::new(file);
    let written: std::io::Result<()> = (|| match format {
        OutputFormat::Npy => {
            npy::write_header_with(&mut writer, rows.len(), Some(&metadata.npy_comment()))?;
            rows.iter().try_for_each(|r| npy::write_row(&mut writer, r))
        }
        OutputFormat::Csv => {
            csv::write_header(&mut writer)?;
            rows.iter().try_for_each(|r| csv::write_row(&mut writer, r))
        }
        OutputFormat::Json => write_merged_json(&mut writer, &metadata.run, &rows),
    })();
    written.map_err(|e| Error::io(context(), e))?;
    let file = writer
        .into_inner()
        .map_err(|e| Error::io(context(), e.into_error()))?;
    destination.persist(file)?;
    Ok(Merged {
        parts,
        neurons: rows.len(),
    })
}

/// The joined run as JSON: its identity's fields, the summary of every neuron, and the
/// data columns.
fn write_merged_json(out: &mut dyn Write, run: &Value, rows: &[CurvePoint]) -> std::io::Result<()> {
    let duration = run["duration"].as_f64().unwrap_or(1.0);
    let neurons = rows.len().max(1) as f64;
    let total: u64 = rows.iter().map(|r| u64::from(r.count)).sum();
    let mut worst: Option<&CurvePoint> = None;
    let mut abs_error = 0.0;
    for row in rows {
        let error = row.rate_error().abs();
        abs_error += error;
        if worst.is_none_or(|w| error > w.rate_error().abs()) {
            worst = Some(row);
        }
    }
    let column = |f: fn(&CurvePoint) -> Value| Value::Array(rows.iter().map(f).collect());
    let doc = json!({
        "gpulif_version": run["gpulif_version"],
        "method": run["method"],
        "params": run["params"],
        "duration": run["duration"],
        "steps": run["steps"],
        "neurons": rows.len(),
        "noise": run["noise"],
        "summary": {
            "neurons": rows.len(),
            "firing": rows.iter().filter(|r| r.count > 0).count(),
            "total_spikes": total,
            "mean_rate": total as f64 / (neurons * duration),
            "max_rate": rows.iter().map(|r| r.rate).fold(0.0, f64::max),
            "mean_abs_rate_error": abs_error / neurons,
            "worst": worst,
        },
        "run": run,
        "data": {
            "current": column(|r| json!(r.current)),
            "count": column(|r| json!(r.count)),
            "rate": column(|r| json!(r.rate)),
            "analytic_rate": column(|r| json!(r.analytic_rate)),
        },
    });
    serde_json::to_writer(&mut *out, &doc).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
