//! How the backends' spike counts agree on one workload, judged against the precision
//! contract (DESIGN §2, the book's page on precision):
//!
//! * Euler: the float32 backends run the same arithmetic and must be identical to each
//!   other, and identical to the float64 reference on at least 99.9 % of neurons;
//! * exact: the float32 backends count down the same integers and must be identical to
//!   each other, and within one spike of the float64 reference.

use crate::backend::BackendKind;
use crate::experiment::bench::{Agreement, Measurement};
use crate::model::params::Method;

/// The share of neurons on which the Euler float32 counts must equal the reference's.
pub const EULER_REFERENCE_AGREEMENT: f64 = 0.999;

/// One comparison of two backends' counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The first backend and its device.
    pub first: (BackendKind, String),
    /// The second backend and its device.
    pub second: (BackendKind, String),
    /// How their counts compare.
    pub agreement: Agreement,
    /// Whether the comparison meets the contract.
    pub passed: bool,
}

/// Every comparison of a benchmark's backends, and what failed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    /// The first float32 backend against each other float32 backend.
    pub float32: Vec<Comparison>,
    /// The first float32 backend against the float64 reference, when both ran.
    pub reference: Option<Comparison>,
    /// What broke the contract, one sentence each; empty when all is well.
    pub failures: Vec<String>,
}

impl Verdict {
    /// Judges `measurements` (of one workload run with `method`).
    pub fn of(measurements: &[Measurement], method: Method) -> Verdict {
        Self::of_run(measurements, method, false)
    }

    /// [`Verdict::of`] for a run that was noisy or not. With noise the float32
    /// backends draw the same normals but may differ in their last bit where a GPU's
    /// compiler fuses a multiply and an add (see [`crate::noise`]): they must agree on
    /// at least 99.9 % of neurons and within one spike.
    pub fn of_run(measurements: &[Measurement], method: Method, noisy: bool) -> Verdict {
        let float32: Vec<&Measurement> = measurements
            .iter()
            .filter(|m| m.backend != BackendKind::Reference)
            .collect();
        let name = |m: &Measurement| (m.backend, m.device.clone());
        let mut verdict = Verdict::default();
        if let Some((first, rest)) = float32.split_first() {
            for other in rest {
                let agreement = Agreement::of(&first.counts, &other.counts);
                let passed = agreement.is_identical()
                    || (noisy
                        && agreement.max_difference <= 1
                        && agreement.fraction() >= EULER_REFERENCE_AGREEMENT);
                if !passed {
                    verdict
                        .failures
                        .push(format!("{} and {} differ", first.device, other.device));
                }
                verdict.float32.push(Comparison {
                    first: name(first),
                    second: name(other),
                    agreement,
                    passed,
                });
            }
        }
        let reference = measurements
            .iter()
            .find(|m| m.backend == BackendKind::Reference);
        if let (Some(reference), Some(first)) = (reference, float32.first()) {
            let agreement = Agreement::of(&reference.counts, &first.counts);
            let passed = match method {
                Method::Exact => agreement.max_difference <= 1,
                Method::Euler => agreement.fraction() >= EULER_REFERENCE_AGREEMENT,
            };
            if !passed {
                verdict.failures.push(match method {
                    Method::Exact => format!(
                        "{} differs from the float64 reference by up to {}",
                        first.backend, agreement.max_difference
                    ),
                    Method::Euler => format!(
                        "{} agrees with the float64 reference on only {:.3} % of neurons",
                        first.backend,
                        100.0 * agreement.fraction()
                    ),
                });
            }
            verdict.reference = Some(Comparison {
                first: name(reference),
                second: name(first),
                agreement,
                passed,
            });
        }
        verdict
    }

    /// True when every comparison meets the contract.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}
