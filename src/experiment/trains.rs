//! Spike trains: the spike times of chosen neurons of a curve, recorded on any backend
//! and method, with their inter-spike statistics.
//!
//! The neurons are simulated again, apart from the curve, with their own currents,
//! noise streams (keyed by their index in the curve) and stimulus, so their spikes are
//! the ones their counts in the curve came from: a recorded train holds exactly as many
//! spikes as the neuron's count.

use crate::backend::{Progress, Stepper};
use crate::error::{Error, Result};
use crate::experiment::curve::CurveRun;
use crate::input::PopulationDesc;

/// The most neurons one run records.
pub const MAX_RECORDED: usize = 10_000;

/// Recorded neurons are simulated in populations of at most this many, so that a
/// backend's recording buffers stay small.
const RECORDED_PER_POPULATION: usize = 1024;

/// Which neurons to record: `--record`'s value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordSpec {
    /// Neurons `start..end` of the curve's input order.
    Range(usize, usize),
    /// These neurons, in this order.
    List(Vec<usize>),
    /// Every neuron (at most [`MAX_RECORDED`]).
    All,
}

impl RecordSpec {
    /// `START:END` (END excluded), a comma-separated list of indices, or `all`.
    pub fn parse(text: &str) -> Result<RecordSpec> {
        let bad = || {
            Error::parameter(
                "record",
                text.to_owned(),
                "START:END with END above START (END excluded), neuron indices such as \
                 0,5,9, or all",
            )
        };
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(RecordSpec::All);
        }
        let index = |s: &str| s.trim().parse::<usize>().map_err(|_| bad());
        if let Some((start, end)) = text.split_once(':') {
            let (start, end) = (index(start)?, index(end)?);
            if end <= start {
                return Err(bad());
            }
            return Ok(RecordSpec::Range(start, end));
        }
        let list = text.split(',').map(index).collect::<Result<Vec<_>>>()?;
        Ok(RecordSpec::List(list))
    }

    /// The neurons of a curve of `neurons` neurons, checked against it and against
    /// [`MAX_RECORDED`] before any list is formed (a range or `all` may name far more
    /// neurons than memory holds).
    pub fn indices(&self, neurons: usize) -> Result<Vec<usize>> {
        let beyond = |value: String| {
            Error::parameter(
                "record",
                value,
                format!("neuron indices below the curve's {neurons} neurons"),
            )
        };
        let too_many = |count: usize| {
            Error::parameter(
                "record",
                count,
                format!("at most {MAX_RECORDED} neurons recorded at once"),
            )
        };
        match self {
            RecordSpec::All if neurons > MAX_RECORDED => Err(too_many(neurons)),
            RecordSpec::All => Ok((0..neurons).collect()),
            RecordSpec::Range(start, end) if *end > neurons => {
                Err(beyond(format!("{start}:{end}")))
            }
            RecordSpec::Range(start, end) if end - start > MAX_RECORDED => {
                Err(too_many(end - start))
            }
            RecordSpec::Range(start, end) => Ok((*start..*end).collect()),
            RecordSpec::List(list) => match list.iter().find(|&&k| k >= neurons) {
                Some(&k) => Err(beyond(k.to_string())),
                None if list.len() > MAX_RECORDED => Err(too_many(list.len())),
                None => Ok(list.clone()),
            },
        }
    }
}

/// The spike times of recorded neurons.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeTrains {
    /// Each recorded neuron's index in the curve.
    pub neurons: Vec<usize>,
    /// Each recorded neuron's current.
    pub currents: Vec<f64>,
    /// Each recorded neuron's spikes as the number of the step they ended (1 for the
    /// first step), repeated for each spike of a step (the exact method may fire more
    /// than once in a step when `tau_ref < dt`).
    pub steps: Vec<Vec<u32>>,
    /// The time step, seconds: spike `k` of neuron `n` is at `steps[n][k]·dt`.
    pub dt: f64,
    /// How long the neurons were recorded, seconds.
    pub duration: f64,
}

/// A recorded neuron's spike count and inter-spike-interval statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrainStats {
    /// The neuron's index in the curve.
    pub neuron: usize,
    /// Its current.
    pub current: f64,
    /// Its spikes.
    pub spikes: usize,
    /// The mean interval between consecutive spikes, seconds (`None` with fewer than two
    /// spikes).
    pub mean_isi: Option<f64>,
    /// The intervals' coefficient of variation, standard deviation over mean (`None`
    /// with fewer than three spikes).
    pub cv: Option<f64>,
}

impl SpikeTrains {
    /// Records the spikes of `indices` (neurons of `curve`) on `stepper`, reporting
    /// neuron-steps as it goes.
    pub fn record(
        curve: &CurveRun,
        stepper: &mut dyn Stepper,
        indices: &[usize],
        progress: Progress<'_>,
    ) -> Result<SpikeTrains> {
        let steps = curve.run().steps();
        let dt = curve.run().params().dt;
        let currents: Vec<f64> = indices
            .iter()
            .map(|&k| curve.currents().range(k..k + 1)[0])
            .collect();
        let mut times: Vec<Vec<u32>> = vec![Vec::new(); indices.len()];
        // Runs of consecutive indices, each simulated as one population whose first
        // neuron has its index in the curve (so it draws its own noise).
        let mut at = 0;
        while at < indices.len() {
            let mut end = at + 1;
            while end < indices.len()
                && indices[end] == indices[end - 1] + 1
                && end - at < RECORDED_PER_POPULATION
            {
                end += 1;
            }
            let desc = curve.desc(indices[at], &currents[at..end]);
            let mut population = stepper.population(&desc)?;
            let rows = &mut times[at..end];
            population.record(steps, &mut |k, _voltages, fired| {
                for (row, &n) in rows.iter_mut().zip(fired) {
                    row.extend(std::iter::repeat_n(k + 1, n as usize));
                }
            })?;
            progress.done((end - at) as u64 * u64::from(steps));
            at = end;
        }
        Ok(SpikeTrains {
            neurons: indices.to_vec(),
            currents,
            steps: times,
            dt,
            duration: f64::from(steps) * dt,
        })
    }

    /// Recorded neuron `n`'s spike times, seconds from the start (the end of each
    /// spike's step).
    pub fn times(&self, n: usize) -> Vec<f64> {
        self.steps[n]
            .iter()
            .map(|&k| f64::from(k) * self.dt)
            .collect()
    }

    /// Records every neuron of `desc` for `steps` steps on `stepper` (at most
    /// [`MAX_RECORDED`] neurons), reporting neuron-steps as it goes. Neuron `k` is
    /// recorded as index `k`.
    pub fn record_desc(
        stepper: &mut dyn Stepper,
        desc: &PopulationDesc<'_>,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<SpikeTrains> {
        let neurons = desc.currents.len();
        RecordSpec::All.indices(neurons)?;
        let mut trains: Vec<Vec<u32>> = vec![Vec::new(); neurons];
        for start in (0..neurons).step_by(RECORDED_PER_POPULATION) {
            let end = neurons.min(start + RECORDED_PER_POPULATION);
            let mut population = stepper.population(&desc.slice(start..end))?;
            let rows = &mut trains[start..end];
            population.record(steps, &mut |k, _voltages, fired| {
                for (row, &n) in rows.iter_mut().zip(fired) {
                    row.extend(std::iter::repeat_n(k + 1, n as usize));
                }
            })?;
            progress.done((end - start) as u64 * u64::from(steps));
        }
        Ok(SpikeTrains {
            neurons: (0..neurons).collect(),
            currents: desc.currents.to_vec(),
            steps: trains,
            dt: desc.params.dt,
            duration: f64::from(steps) * desc.params.dt,
        })
    }

    /// Each recorded neuron's statistics, in recording order.
    pub fn stats(&self) -> Vec<TrainStats> {
        (0..self.neurons.len())
            .map(|n| {
                let times = self.times(n);
                let isi: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
                let mean = (!isi.is_empty()).then(|| isi.iter().sum::<f64>() / isi.len() as f64);
                let cv = mean.filter(|_| isi.len() >= 2).map(|mean| {
                    let var = isi.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
                        / (isi.len() - 1) as f64;
                    var.sqrt() / mean
                });
                TrainStats {
                    neuron: self.neurons[n],
                    current: self.currents[n],
                    spikes: times.len(),
                    mean_isi: mean,
                    cv,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_check() {
        assert_eq!(
            RecordSpec::parse("0:3").unwrap().indices(10).unwrap(),
            [0, 1, 2]
        );
        assert_eq!(
            RecordSpec::parse("4,1").unwrap().indices(10).unwrap(),
            [4, 1]
        );
        assert_eq!(
            RecordSpec::parse("all").unwrap().indices(3).unwrap(),
            [0, 1, 2]
        );
        assert!(RecordSpec::parse("3:3").is_err());
        assert!(RecordSpec::parse("a,b").is_err());
        assert!(RecordSpec::parse("0:11").unwrap().indices(10).is_err());
        assert!(RecordSpec::All.indices(MAX_RECORDED + 1).is_err());
        // Checked before any list is formed: these would ask for 2⁶⁴ and 10⁹ indices.
        assert_eq!(
            RecordSpec::parse("0:18446744073709551615")
                .unwrap()
                .indices(10)
                .unwrap_err()
                .to_string(),
            "record = 0:18446744073709551615 is out of range: expected neuron indices below \
             the curve's 10 neurons"
        );
        assert_eq!(
            RecordSpec::All
                .indices(1_000_000_000)
                .unwrap_err()
                .to_string(),
            "record = 1000000000 is out of range: expected at most 10000 neurons recorded at once"
        );
        assert!(
            RecordSpec::parse("0:20000")
                .unwrap()
                .indices(1_000_000)
                .is_err()
        );
    }

    #[test]
    fn statistics_of_a_regular_and_an_irregular_train() {
        let trains = SpikeTrains {
            neurons: vec![0, 1, 2],
            currents: vec![1.0, 2.0, 3.0],
            steps: vec![vec![1, 2, 3, 4], vec![1, 2, 4], vec![5]],
            dt: 0.1,
            duration: 1.0,
        };
        let stats = trains.stats();
        assert_eq!(stats[0].spikes, 4);
        assert!((stats[0].mean_isi.unwrap() - 0.1).abs() < 1e-12);
        assert!(stats[0].cv.unwrap() < 1e-9, "a regular train");
        // Intervals 0.1 and 0.2: mean 0.15, sample standard deviation 0.0707.
        assert!((stats[1].cv.unwrap() - 0.070_710_678 / 0.15).abs() < 1e-6);
        assert_eq!((stats[2].mean_isi, stats[2].cv), (None, None));
    }
}
