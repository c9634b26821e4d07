//! Poisson input: every neuron receives its own Poisson spike train, each event adding
//! a fixed weight to its voltage, as Brian2's `PoissonInput(target, 'v', N, rate/N,
//! weight)` does for `N` sources.
//!
//! # The draw
//!
//! Neuron `n` receives `K(n, t)` events on step `t`, a Poisson count of mean
//! `λ = rate·dt`, drawn from one 32-bit word of its Philox stream of
//! [`Stream::Poisson`](crate::model::noise::Stream::Poisson) (word `t mod 4` of the call
//! of steps `4·(t div 4) ..`), with the seed of the run's noise
//! ([`Noise::seed`](crate::model::noise::Noise::seed)). The word is compared with a
//! table of the Poisson distribution function in 32-bit fixed point, formed once in
//! float64 on the host ([`PoissonTable`]): `K` is the number of entries the word
//! exceeds. Integer comparisons only, so every backend draws the same counts, bit for
//! bit, and the counts follow the Poisson law to within `2⁻³²` in each probability.
//!
//! # The step
//!
//! The `K` events add `weight·K` to the voltage in the step they arrive (in the Euler
//! step, beside the leak, the noise and the stimulus); events that arrive while the
//! neuron is refractory are discarded, as the neuron ignores all of its input then.

use crate::error::{Error, Result, shortest};
use crate::model::params::{LifParams, MAX_CURRENT, Method};

/// The largest mean number of events per step, `rate·dt`, that a population takes: the
/// table of the Poisson distribution function then fits in [`TABLE_LEN`] entries with
/// room to spare (at 20 its last entry below `2³²` is the 54th).
pub const MAX_EVENTS_PER_STEP: f64 = 20.0;

/// Entries of [`PoissonTable`]: a step draws at most this many events.
pub const TABLE_LEN: usize = 64;

/// A Poisson spike train of `rate` Hz into every neuron, each event adding `weight`
/// (model units of voltage) to its voltage. Euler only.
///
/// Under the diffusion approximation it acts as a constant current
/// `weight·rate·tau_rc` with white noise of amplitude `weight·√(rate·tau_rc)`
/// (see [`Poisson::mean_current`] and [`Poisson::sigma`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Poisson {
    /// Events per second into each neuron (0: no input).
    pub rate: f64,
    /// What one event adds to the voltage, model units (negative: inhibitory).
    pub weight: f64,
}

impl Poisson {
    /// No Poisson input.
    pub const NONE: Poisson = Poisson {
        rate: 0.0,
        weight: 0.0,
    };

    /// Events of `weight` at `rate` Hz.
    pub fn new(rate: f64, weight: f64) -> Poisson {
        Poisson { rate, weight }
    }

    /// True when events arrive and move the voltage.
    pub fn is_on(&self) -> bool {
        self.rate > 0.0 && self.weight != 0.0
    }

    /// The constant current the events add on average for a neuron of time constant
    /// `tau_rc`: `weight·rate·tau_rc`.
    pub fn mean_current(&self, tau_rc: f64) -> f64 {
        if !self.is_on() {
            return 0.0;
        }
        self.weight * self.rate * tau_rc
    }

    /// The amplitude of the white noise with the events' variance, for a neuron of time
    /// constant `tau_rc`: `|weight|·√(rate·tau_rc)` (the `sigma` of [`Noise`]).
    ///
    /// [`Noise`]: crate::model::noise::Noise
    pub fn sigma(&self, tau_rc: f64) -> f64 {
        if !self.is_on() {
            return 0.0;
        }
        self.weight.abs() * (self.rate * tau_rc).sqrt()
    }

    /// Checks the rate and the weight: the rate finite and ≥ 0, the weight finite and
    /// at most [`MAX_CURRENT`] in size.
    pub fn validate(&self) -> Result<()> {
        if !(self.rate.is_finite() && self.rate >= 0.0) {
            return Err(Error::parameter(
                "poisson",
                format!("rate {}", self.rate),
                "a rate that is a finite number ≥ 0 (Hz)",
            ));
        }
        if !(self.weight.is_finite() && self.weight.abs() <= MAX_CURRENT) {
            return Err(Error::parameter(
                "poisson",
                format!("weight {}", self.weight),
                format!("a weight that is a finite number of size at most {MAX_CURRENT:e}"),
            ));
        }
        Ok(())
    }

    /// [`Poisson::validate`], and that `method` takes it (Euler only) and that the mean
    /// number of events per step `rate·dt` is at most [`MAX_EVENTS_PER_STEP`].
    pub fn validate_for(&self, method: Method, params: &LifParams) -> Result<()> {
        self.validate()?;
        if !self.is_on() {
            return Ok(());
        }
        crate::model::noise::euler_only(method, "Poisson input")?;
        if self.rate * params.dt > MAX_EVENTS_PER_STEP {
            return Err(Error::parameter(
                "poisson",
                format!("rate {}", self.rate),
                format!(
                    "a rate of at most {} Hz with dt = {} s ({MAX_EVENTS_PER_STEP} events per \
                     step on average)",
                    shortest(MAX_EVENTS_PER_STEP / params.dt),
                    shortest(params.dt)
                ),
            ));
        }
        Ok(())
    }
}

/// The Poisson distribution function of mean `λ` in 32-bit fixed point: entry `j` is
/// `⌈2³²·F(j)⌉ − 1`, where `F(j) = P(K ≤ j)`, for the entries below `2³² − 1`. A
/// uniform 32-bit word `w` gives the count `K = #{j : w > entry j}`, so that
/// `P(K > j) = (2³² − 1 − entry j)/2³² = 1 − F(j)` to within `2⁻³²`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoissonTable {
    /// The entries that a word can exceed, at most [`TABLE_LEN`].
    len: u32,
    /// The entries, then `u32::MAX` (never exceeded).
    entries: [u32; TABLE_LEN],
}

impl PoissonTable {
    /// The table of mean `lambda` (`0 ≤ lambda ≤` [`MAX_EVENTS_PER_STEP`]).
    ///
    /// # Panics
    ///
    /// If `lambda` is out of that range.
    pub fn new(lambda: f64) -> PoissonTable {
        assert!(
            (0.0..=MAX_EVENTS_PER_STEP).contains(&lambda),
            "mean events per step {lambda} out of range"
        );
        let mut entries = [u32::MAX; TABLE_LEN];
        let mut len = 0;
        let (mut cumulative, mut p) = (0.0f64, (-lambda).exp());
        for (j, entry) in entries.iter_mut().enumerate() {
            cumulative += p;
            p *= lambda / (j + 1) as f64;
            let fixed = (cumulative * 4_294_967_296.0).ceil() - 1.0;
            if fixed >= f64::from(u32::MAX) {
                break;
            }
            *entry = fixed.max(0.0) as u32;
            len = j as u32 + 1;
        }
        PoissonTable { len, entries }
    }

    /// The entries a word can exceed.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// True when no word gives an event (mean 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entries, then `u32::MAX` to [`TABLE_LEN`].
    pub fn entries(&self) -> &[u32; TABLE_LEN] {
        &self.entries
    }

    /// The number of events that `word` gives: the entries it exceeds, counted from the
    /// first until one it does not exceed, as the CPU kernel counts them (the GPU
    /// kernel's binary search of the rising table finds the same number).
    #[inline(always)]
    pub fn count(&self, word: u32) -> u32 {
        let mut k = 0;
        while k < self.len && word > self.entries[k as usize] {
            k += 1;
        }
        k
    }
}

/// Poisson input lowered for a population: its table, and each event's voltage in
/// float32, as every float32 kernel reads them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PoissonDrive {
    pub table: PoissonTable,
    /// `weight as f32`: the step adds `weight·K` in float32.
    pub weight: f32,
    /// The weight in float64, as the float64 reference adds it.
    pub weight_f64: f64,
}

impl PoissonDrive {
    /// The drive of `poisson` at time step `dt`, `None` when it is off.
    pub fn new(poisson: &Poisson, dt: f64) -> Option<PoissonDrive> {
        poisson.is_on().then(|| PoissonDrive {
            table: PoissonTable::new(poisson.rate * dt),
            weight: poisson.weight as f32,
            weight_f64: poisson.weight,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact probability that a uniform word gives `k` events.
    fn probability(table: &PoissonTable, k: u32) -> f64 {
        let above = |j: u32| {
            if j >= table.len() {
                0.0
            } else {
                (f64::from(u32::MAX) - f64::from(table.entries()[j as usize])) / 4_294_967_296.0
            }
        };
        let at_least = if k == 0 { 1.0 } else { above(k - 1) };
        at_least - above(k)
    }

    #[test]
    fn the_table_holds_the_poisson_law_to_its_resolution() {
        for lambda in [1e-6, 0.001, 0.1, 0.8, 1.0, 3.7, 10.0, MAX_EVENTS_PER_STEP] {
            let table = PoissonTable::new(lambda);
            assert!(table.len() as usize <= TABLE_LEN - 8, "λ {lambda}");
            let (mut total, mut mean, mut pmf) = (0.0, 0.0, (-lambda).exp());
            for k in 0..=table.len() {
                let p = probability(&table, k);
                // Each probability is a difference of two entries, each within 2⁻³² of
                // its distribution function value.
                assert!(
                    (p - pmf).abs() <= 2.0 / 4_294_967_296.0,
                    "λ {lambda}, k {k}"
                );
                total += p;
                mean += f64::from(k) * p;
                pmf *= lambda / f64::from(k + 1);
            }
            assert!((total - 1.0).abs() < 1e-15, "λ {lambda}: total {total}");
            // The mass beyond the table is below 2⁻³² and moves the mean by less than
            // the table's length times that.
            assert!((mean - lambda).abs() < 1e-7, "λ {lambda}: mean {mean}");
        }
    }

    #[test]
    fn a_word_counts_the_entries_it_exceeds() {
        let table = PoissonTable::new(2.0);
        // P(K = 0) = e⁻²: the words up to entry 0 give no event.
        assert_eq!(table.count(0), 0);
        assert_eq!(table.count(table.entries()[0]), 0);
        assert_eq!(table.count(table.entries()[0] + 1), 1);
        assert_eq!(table.count(u32::MAX), table.len());
        assert_eq!(
            table.entries()[0],
            ((-2.0f64).exp() * 4_294_967_296.0).ceil() as u32 - 1
        );
        assert!(PoissonTable::new(0.0).is_empty());
        // The GPU kernel's binary search (shaders/lif_noisy.wgsl) finds the same count.
        let halving = |table: &PoissonTable, word: u32| {
            let mut k = 0;
            for half in [32, 16, 8, 4, 2, 1] {
                if word > table.entries()[k + half - 1] {
                    k += half;
                }
            }
            k as u32
        };
        for lambda in [0.0, 0.01, 1.0, 7.5, MAX_EVENTS_PER_STEP] {
            let table = PoissonTable::new(lambda);
            let entries = table.entries()[..table.len() as usize].iter();
            let edges = entries.flat_map(|&e| [e.saturating_sub(1), e, e.saturating_add(1)]);
            let spread = (0..100_000u32).map(|k| k.wrapping_mul(2_654_435_761));
            for word in edges.chain(spread).chain([0, u32::MAX]) {
                assert_eq!(halving(&table, word), table.count(word), "λ {lambda}");
            }
        }
        assert_eq!(PoissonTable::new(0.0).count(u32::MAX), 0);
    }

    #[test]
    fn bad_input_is_refused_by_name() {
        let p = LifParams::default();
        for (poisson, part) in [
            (Poisson::new(-1.0, 0.1), "rate -1"),
            (Poisson::new(f64::NAN, 0.1), "rate NaN"),
            (Poisson::new(100.0, f64::INFINITY), "weight inf"),
            (Poisson::new(20_001.0, 0.1), "at most 20000 Hz"),
        ] {
            let message = poisson
                .validate_for(Method::Euler, &p)
                .unwrap_err()
                .to_string();
            assert!(message.contains("poisson"), "{message}");
            assert!(message.contains(part), "{message}");
        }
        let exact = Poisson::new(100.0, 0.1).validate_for(Method::Exact, &p);
        assert!(exact.unwrap_err().to_string().contains("euler"));
        assert!(Poisson::NONE.validate_for(Method::Exact, &p).is_ok());
        assert!(
            Poisson::new(20_000.0, -0.5)
                .validate_for(Method::Euler, &p)
                .is_ok()
        );
    }
}
