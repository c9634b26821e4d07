//! The currents of a curve: an evenly spaced sweep, a list, or a file of them.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::params::validate_current;

/// The most neurons one curve simulates.
pub const MAX_NEURONS: usize = 1_000_000_000;

/// Which input currents to simulate, one neuron each.
#[derive(Clone, Debug, PartialEq)]
pub enum Currents {
    /// `neurons` currents evenly spaced from `i_min` to `i_max`, both included:
    /// `i_min + (i_max − i_min)·k/(neurons − 1)` in float64. One neuron gets `i_min`.
    Sweep {
        /// The first current.
        i_min: f64,
        /// The last current.
        i_max: f64,
        /// How many.
        neurons: usize,
    },
    /// These currents, in this order.
    List(Vec<f64>),
}

impl Currents {
    /// The currents, validated.
    pub fn values(&self) -> Result<Vec<f64>> {
        self.validate()?;
        Ok(self.range(0..self.len()))
    }

    /// Checks the sweep's ends and size, or every current of the list.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Currents::Sweep {
                i_min,
                i_max,
                neurons,
            } => check_sweep(i_min, i_max, neurons),
            Currents::List(ref list) => {
                check_neuron_count(list.len())?;
                list.iter()
                    .try_for_each(|&current| validate_current("currents", current))
            }
        }
    }

    /// How many currents (neurons).
    pub fn len(&self) -> usize {
        match *self {
            Currents::Sweep { neurons, .. } => neurons,
            Currents::List(ref list) => list.len(),
        }
    }

    /// True when there are none (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The currents of the neurons in `range`, without forming the others: how a large
    /// sweep is simulated in batches.
    ///
    /// # Panics
    ///
    /// If `range` reaches past [`Currents::len`].
    pub fn range(&self, range: std::ops::Range<usize>) -> Vec<f64> {
        match *self {
            Currents::Sweep {
                i_min,
                i_max,
                neurons,
            } => {
                assert!(range.end <= neurons, "range past the sweep's end");
                range
                    .map(|k| sweep_point(i_min, i_max, neurons, k))
                    .collect()
            }
            Currents::List(ref list) => list[range].to_vec(),
        }
    }

    /// Parses a comma-separated list such as `1.1,10,100`.
    pub fn parse_list(text: &str) -> Result<Vec<f64>> {
        text.split(',')
            .enumerate()
            .map(|(k, item)| {
                parse_current(item).map_err(|reason| {
                    Error::Currents(format!("item {} of the list, {item:?}: {reason}", k + 1))
                })
            })
            .collect()
    }

    /// Reads one current per line from a file; everything from a `#` to the end of its
    /// line is a comment, and blank lines are skipped.
    pub fn read_file(path: &Path) -> Result<Vec<f64>> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Currents(format!("cannot read currents from {}: {e}", path.display()))
        })?;
        Currents::parse_file(path, &bytes)
    }

    /// The currents held in `bytes`, a file's content, as [`Currents::read_file`]
    /// reads them; `path` names the file in messages. Whatever the bytes, the answer is
    /// the currents or an [`Error::Currents`] that says what is wrong.
    pub fn parse_file(path: &Path, bytes: &[u8]) -> Result<Vec<f64>> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::Currents(format!(
                "cannot read currents from {}: not UTF-8 text ({e})",
                path.display()
            ))
        })?;
        let mut currents = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line
                .split_once('#')
                .map_or(line, |(data, _comment)| data)
                .trim();
            if line.is_empty() {
                continue;
            }
            let current = parse_current(line).map_err(|reason| {
                Error::Currents(format!(
                    "{} line {}, {line:?}: {reason}",
                    path.display(),
                    number + 1
                ))
            })?;
            currents.push(current);
        }
        if currents.is_empty() {
            return Err(Error::Currents(format!(
                "{} holds no currents (expected one number per line)",
                path.display()
            )));
        }
        Ok(currents)
    }
}

fn parse_current(text: &str) -> std::result::Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| "not a number".to_owned())?;
    validate_current("currents", value).map_err(|e| match e {
        Error::InvalidParameter { expected, .. } => format!("expected {expected}"),
        other => other.to_string(),
    })?;
    Ok(value)
}

fn check_neuron_count(neurons: usize) -> Result<()> {
    if (1..=MAX_NEURONS).contains(&neurons) {
        Ok(())
    } else {
        Err(Error::parameter(
            "neurons",
            neurons,
            format!("a whole number from 1 to {MAX_NEURONS}"),
        ))
    }
}

/// `neurons` currents from `i_min` to `i_max`, both ends included exactly.
pub fn sweep(i_min: f64, i_max: f64, neurons: usize) -> Result<Vec<f64>> {
    check_sweep(i_min, i_max, neurons)?;
    Ok((0..neurons)
        .map(|k| sweep_point(i_min, i_max, neurons, k))
        .collect())
}

/// Current `k` of a sweep: `i_min + (i_max − i_min)·k/(neurons − 1)`, except that the
/// last is `i_max` exactly (the formula can land an ulp away). A sweep of one neuron is
/// `i_min`.
fn sweep_point(i_min: f64, i_max: f64, neurons: usize, k: usize) -> f64 {
    if neurons == 1 {
        i_min
    } else if k + 1 == neurons {
        i_max
    } else {
        i_min + (i_max - i_min) * k as f64 / (neurons - 1) as f64
    }
}

fn check_sweep(i_min: f64, i_max: f64, neurons: usize) -> Result<()> {
    validate_current("i_min", i_min)?;
    validate_current("i_max", i_max)?;
    if i_min > i_max {
        return Err(Error::parameter(
            "i_min",
            i_min,
            format!("a current no greater than the largest one, i_max = {i_max}"),
        ));
    }
    check_neuron_count(neurons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_includes_both_ends() {
        assert_eq!(sweep(0.0, 10.0, 11).unwrap()[3], 3.0);
        let s = sweep(0.1, 0.7, 7).unwrap();
        assert_eq!((s[0], s[6]), (0.1, 0.7));
        assert_eq!(s[3], 0.1 + (0.7f64 - 0.1) * 3.0 / 6.0);
        assert_eq!(sweep(2.0, 5.0, 1).unwrap(), vec![2.0]);
        assert_eq!(sweep(2.0, 2.0, 3).unwrap(), vec![2.0; 3]);
    }

    #[test]
    fn sweep_rejects_bad_ranges() {
        let name = |r: Result<Vec<f64>>| match r {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected a parameter error, got {other:?}"),
        };
        assert_eq!(name(sweep(5.0, 1.0, 10)), "i_min");
        assert_eq!(name(sweep(0.0, 1.0, 0)), "neurons");
        assert_eq!(name(sweep(f64::NAN, 1.0, 3)), "i_min");
        assert_eq!(name(sweep(0.0, f64::INFINITY, 3)), "i_max");
        assert_eq!(name(sweep(0.0, 1e31, 3)), "i_max");
    }

    #[test]
    fn files_skip_comments_whole_and_inline() {
        let dir = std::env::temp_dir().join(format!("gpulif-currents-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("currents.txt");
        std::fs::write(
            &path,
            "# input currents\n1.5\n\n10 # ten\n  2e1\t# twenty\n#\n",
        )
        .unwrap();
        assert_eq!(Currents::read_file(&path).unwrap(), [1.5, 10.0, 20.0]);
        std::fs::write(&path, "1\nten # not a number\n").unwrap();
        let error = Currents::read_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("\"ten\""),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lists_parse_and_complain_precisely() {
        assert_eq!(
            Currents::parse_list("1.1, 10,100").unwrap(),
            vec![1.1, 10.0, 100.0]
        );
        let err = Currents::parse_list("1,abc").unwrap_err().to_string();
        assert!(err.contains("item 2") && err.contains("abc"), "{err}");
        assert!(Currents::parse_list("1,inf").is_err());
        assert!(Currents::parse_list("").is_err());
    }
}
