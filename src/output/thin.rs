//! Figure decimation: the points of a streamed curve that a figure draws.

use crate::model::run::Run;

/// Every `stride`-th neuron of a streamed curve, and the last, as `(current, rate)`:
/// what a figure draws, so that it stays readable and quick whatever the number of
/// neurons (the data and the summary keep them all). The stride is the smallest that
/// keeps at most about `max_points`.
#[derive(Clone, Debug, PartialEq)]
pub struct Thinned {
    duration: f64,
    neurons: usize,
    stride: usize,
    seen: usize,
    points: Vec<(f64, f64)>,
}

impl Thinned {
    /// For a curve of `neurons` neurons of `run`.
    pub fn new(run: &Run, neurons: usize, max_points: usize) -> Self {
        Thinned {
            duration: run.duration(),
            neurons,
            stride: neurons.div_ceil(max_points.max(1)).max(1),
            seen: 0,
            points: Vec::new(),
        }
    }

    /// The next batch of the curve, in input order.
    pub fn add(&mut self, currents: &[f64], counts: &[u32]) {
        for (k, (&current, &count)) in currents.iter().zip(counts).enumerate() {
            let index = self.seen + k;
            if index.is_multiple_of(self.stride) || index + 1 == self.neurons {
                self.points
                    .push((current, f64::from(count) / self.duration));
            }
        }
        self.seen += currents.len();
    }

    /// The points kept.
    pub fn into_points(self) -> Vec<(f64, f64)> {
        self.points
    }
}
