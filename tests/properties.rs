//! Properties over random parameters within the documented valid ranges (proptest), not
//! only chosen sweeps:
//!
//! * every float32 backend (each CPU instruction set, the GPU) gives the same counts and
//!   voltages bit for bit, for both methods, per-neuron parameters included;
//! * Euler counts keep the float64 contract (a differing neuron is off by one step per
//!   inter-spike interval at most, and 99.9 % of all counts are identical);
//! * exact counts are within one of the analytic count `floor((T + tau_ref)·r(I))`;
//! * noise and stimuli: the CPU instruction sets agree bit for bit, the GPU within one
//!   spike, and recorded spike trains sum to the counts;
//! * parameters outside the valid ranges are refused, naming the parameter, and those
//!   inside never simulate into a NaN or an infinity.
//!
//! `PROPTEST_CASES` sets the cases per property (each property's default is sized for
//! CI on lavapipe). A failing case is shrunk and printed; it is then kept below as a
//! test of its own.

mod common;

use std::cell::{Cell, RefCell};

use gpulif::backend::cpu::Kernel;
use gpulif::{
    CpuStepper, Error, GpuOptions, LifParams, Method, NeuronParams, Noise, PopulationDesc,
    ReferenceStepper, Signal, Stepper, Stimulus,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// `default` cases, or `PROPTEST_CASES`.
fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A number spread evenly in log space over `[lo, hi]`.
fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.ln()..=hi.ln()).prop_map(f64::exp)
}

/// Valid neuron parameters: dt from 0.1 to 1 ms, tau_rc from 2 ms (at least dt) to 1 s,
/// tau_ref 0, below dt, or from dt to 0.2 s, v_th from 0.1 to 10.
fn params() -> impl Strategy<Value = LifParams> {
    (
        prop_oneof![Just(0.001), Just(0.0001), log_uniform(1e-4, 1e-3)],
        log_uniform(0.002, 1.0),
        0..3u8,
        0.0..1.0f64,
        log_uniform(1e-3, 0.2),
        log_uniform(0.1, 10.0),
    )
        .prop_map(|(dt, tau_rc, kind, below, above, v_th)| LifParams {
            dt,
            tau_rc: tau_rc.max(dt),
            tau_ref: match kind {
                0 => 0.0,
                1 => below * dt,
                _ => above.max(dt),
            },
            v_th,
        })
}

/// Currents for a threshold `v_th`: just above it (relative 1e-7 to 1e-2), far above
/// (up to 50·v_th), at it, and below it (negative ones included).
fn currents(v_th: f64, neurons: usize) -> impl Strategy<Value = Vec<f64>> {
    let one = prop_oneof![
        3 => log_uniform(1e-7, 1e-2).prop_map(move |x| v_th * (1.0 + x)),
        3 => (1.0..50.0f64).prop_map(move |x| v_th * x),
        1 => Just(v_th),
        1 => (-1.0..1.0f64).prop_map(move |x| v_th * x),
    ];
    prop::collection::vec(one, neurons)
}

/// Per-neuron parameters (tau_rc, tau_ref, v_th) around the shared ones, or none.
#[derive(Clone, Debug)]
struct Each {
    tau_rc: Vec<f64>,
    tau_ref: Vec<f64>,
    v_th: Vec<f64>,
}

impl Each {
    fn params(each: &Option<Each>) -> NeuronParams<'_> {
        match each {
            None => NeuronParams::SHARED,
            Some(e) => NeuronParams {
                tau_rc: Some(&e.tau_rc),
                tau_ref: Some(&e.tau_ref),
                v_th: Some(&e.v_th),
            },
        }
    }
}

fn each(params: LifParams, neurons: usize) -> impl Strategy<Value = Option<Each>> {
    let one = (0.5..2.0f64, 0.0..2.0f64, 0.8..1.25f64);
    prop::option::weighted(0.3, prop::collection::vec(one, neurons)).prop_map(move |rows| {
        rows.map(|rows| Each {
            tau_rc: rows
                .iter()
                .map(|r| (params.tau_rc * r.0).max(params.dt))
                .collect(),
            tau_ref: rows
                .iter()
                .map(|r| (params.tau_ref * r.1).min(0.2))
                .collect(),
            v_th: rows.iter().map(|r| params.v_th * r.2).collect(),
        })
    })
}

/// A population to simulate: its parameters, currents, steps and per-neuron parameters.
#[derive(Clone, Debug)]
struct Case {
    params: LifParams,
    currents: Vec<f64>,
    steps: u32,
    each: Option<Each>,
}

impl Case {
    fn desc(&self, method: Method) -> PopulationDesc<'_> {
        PopulationDesc::new(&self.params, &self.currents)
            .with_method(method)
            .with_each(Each::params(&self.each))
    }
}

/// 1 to 150 neurons (not a multiple of any workgroup size), 1 to 1500 steps.
fn case() -> impl Strategy<Value = Case> {
    (params(), 1..=150usize, 1..=1500u32).prop_flat_map(|(params, neurons, steps)| {
        (currents(params.v_th, neurons), each(params, neurons)).prop_map(move |(currents, each)| {
            Case {
                params,
                currents,
                steps,
                each,
            }
        })
    })
}

/// Counts and voltages of `desc` after `steps` steps on `stepper`.
fn run(
    stepper: &mut dyn Stepper,
    desc: &PopulationDesc<'_>,
    steps: u32,
) -> Result<(Vec<u32>, Vec<f64>), TestCaseError> {
    let fail = |e: Error| TestCaseError::fail(format!("{e}"));
    let mut population = stepper.population(desc).map_err(fail)?;
    population.advance(steps, &|_| {}).map_err(fail)?;
    Ok((
        population.counts().map_err(fail)?,
        population.voltages().map_err(fail)?,
    ))
}

/// Every float32 backend of this machine: each CPU instruction set, then the GPU.
fn float32_backends() -> Vec<(String, Box<dyn Stepper>)> {
    let mut backends: Vec<(String, Box<dyn Stepper>)> = Kernel::available()
        .into_iter()
        .map(|k| {
            (
                format!("cpu {}", k.name()),
                Box::new(CpuStepper::with_kernel(k)) as Box<dyn Stepper>,
            )
        })
        .collect();
    if let Some(gpu) = common::gpu_stepper(GpuOptions::default()) {
        backends.push(("gpu".into(), Box::new(gpu)));
    }
    backends
}

#[test]
fn float32_backends_agree_bit_for_bit() {
    let backends = RefCell::new(float32_backends());
    let mut runner = TestRunner::new(config(256));
    let strategy = (
        case(),
        prop_oneof![Just(Method::Euler), Just(Method::Exact)],
    );
    runner
        .run(&strategy, |(case, method)| {
            let desc = case.desc(method);
            let mut backends = backends.borrow_mut();
            let (first, rest) = backends.split_first_mut().expect("a CPU kernel");
            let expected = run(first.1.as_mut(), &desc, case.steps)?;
            for (name, stepper) in rest {
                let got = run(stepper.as_mut(), &desc, case.steps)?;
                prop_assert_eq!(&got.0, &expected.0, "counts: {} vs {}", name, first.0);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(
                    bits(&got.1),
                    bits(&expected.1),
                    "voltages: {} vs {}",
                    name,
                    first.0
                );
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "float32 backends agree: {} cases on {}",
        runner_cases(256),
        backends
            .borrow()
            .iter()
            .map(|b| b.0.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn runner_cases(default: u32) -> u32 {
    config(default).cases
}

/// Steps between spikes of a neuron of `params` under `current`, from the analytic
/// rate: at least 1.
fn interval_steps(params: &LifParams, current: f64) -> f64 {
    let rate = gpulif::model::analytic::rate(params, current);
    if rate > 0.0 {
        (1.0 / (rate * params.dt)).max(1.0)
    } else {
        f64::INFINITY
    }
}

#[test]
fn euler_counts_keep_the_float64_contract() {
    let (identical, total) = (Cell::new(0u64), Cell::new(0u64));
    let mut runner = TestRunner::new(config(512));
    runner
        .run(&case(), |case| {
            let desc = case.desc(Method::Euler);
            let (f32s, _) = run(&mut CpuStepper::new(), &desc, case.steps)?;
            let (f64s, _) = run(&mut ReferenceStepper, &desc, case.steps)?;
            let each = Each::params(&case.each);
            for (k, (&a, &b)) in f32s.iter().zip(&f64s).enumerate() {
                let params = each.of(&case.params, k);
                if case.currents[k] == params.v_th {
                    // At the threshold exactly, exact arithmetic never fires (v tends to
                    // v_th from below) but the float64 transcription can, by rounding
                    // (`at_the_threshold_float64_rounds_over_it` below): the float32
                    // backends hold the exact answer there.
                    prop_assert_eq!(a, 0, "neuron {} at the threshold fired", k);
                    continue;
                }
                total.set(total.get() + 1);
                if a == b {
                    identical.set(identical.get() + 1);
                    continue;
                }
                // Off by one step per interval at most: over c intervals of n steps
                // each, a count moves by at most 1 + c/(n − 1).
                let n = interval_steps(&params, case.currents[k]);
                let bound = 1.0 + f64::from(a.max(b)) / (n - 1.0).max(1.0);
                prop_assert!(
                    f64::from(a.abs_diff(b)) <= bound,
                    "neuron {k} (current {}, {:?}): float32 {a}, float64 {b}",
                    case.currents[k],
                    params
                );
            }
            Ok(())
        })
        .unwrap();
    let share = identical.get() as f64 / total.get() as f64;
    eprintln!(
        "Euler float32 vs float64: {} of {} counts identical ({:.4} %) over {} cases",
        identical.get(),
        total.get(),
        100.0 * share,
        runner_cases(512)
    );
    assert!(share >= 0.999, "{share}");
}

#[test]
fn exact_counts_are_within_one_of_the_analytic_count() {
    let mut runner = TestRunner::new(config(512));
    runner
        .run(&case(), |case| {
            let desc = case.desc(Method::Exact);
            let (counts, _) = run(&mut CpuStepper::new(), &desc, case.steps)?;
            let each = Each::params(&case.each);
            for (k, &count) in counts.iter().enumerate() {
                let params = each.of(&case.params, k);
                let seconds = f64::from(case.steps) * params.dt;
                let analytic = ((seconds + params.tau_ref)
                    * gpulif::model::analytic::rate(&params, case.currents[k]))
                .floor();
                prop_assert!(
                    (f64::from(count) - analytic).abs() <= 1.0,
                    "neuron {k} (current {}, {:?}, {} steps): {count}, analytic {analytic}",
                    case.currents[k],
                    params,
                    case.steps
                );
            }
            Ok(())
        })
        .unwrap();
}

/// Noise (white or coloured, any seed) and a stimulus, on Euler neurons.
fn driven() -> impl Strategy<Value = (Case, Noise, Option<Vec<f64>>)> {
    (
        case(),
        0.0..2.0f64,
        prop_oneof![Just(0.0), log_uniform(1e-3, 0.1)],
        any::<u64>(),
    )
        .prop_flat_map(|(case, sigma, tau, seed)| {
            let steps = case.steps as usize;
            let v_th = case.params.v_th;
            (
                Just(case),
                Just(Noise::coloured(sigma, tau, seed)),
                prop::option::of(prop::collection::vec(-v_th..v_th, steps)),
            )
        })
}

#[test]
fn noise_and_stimuli_agree_across_backends_and_trains_sum_to_counts() {
    let backends = RefCell::new(float32_backends());
    let (identical, total) = (Cell::new(0u64), Cell::new(0u64));
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&driven(), |(case, noise, stimulus)| {
            let mut desc = case.desc(Method::Euler).with_noise(noise);
            let stimulus = stimulus.map(|values| Signal::new(values).expect("finite values"));
            if let Some(values) = &stimulus {
                desc = desc.with_stimulus(Stimulus { values, gain: None });
            }
            let mut backends = backends.borrow_mut();
            let (first, rest) = backends.split_first_mut().expect("a CPU kernel");
            let (expected, _) = run(first.1.as_mut(), &desc, case.steps)?;
            for (name, stepper) in rest {
                let (got, _) = run(stepper.as_mut(), &desc, case.steps)?;
                if name.starts_with("cpu") {
                    prop_assert_eq!(&got, &expected, "{} vs {}", name, first.0);
                } else {
                    // Bit for bit where the GPU's compiler fuses no multiply and add
                    // (lavapipe); within one spike anywhere.
                    for (&a, &b) in got.iter().zip(&expected) {
                        total.set(total.get() + 1);
                        identical.set(identical.get() + u64::from(a == b));
                        prop_assert!(a.abs_diff(b) <= 1, "{}: {} vs {}", name, a, b);
                    }
                }
            }
            // Recording the same population step by step gives its spikes, which sum
            // to the counts of the population advanced in one go.
            let mut population = first
                .1
                .population(&desc)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut recorded = vec![0u32; case.currents.len()];
            population
                .record(case.steps, &mut |_, _, fired| {
                    recorded.iter_mut().zip(fired).for_each(|(r, f)| *r += f)
                })
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&recorded, &expected);
            Ok(())
        })
        .unwrap();
    if total.get() > 0 {
        eprintln!(
            "noisy GPU counts identical to the CPU's: {} of {}",
            identical.get(),
            total.get()
        );
    }
}

/// Found by `euler_counts_keep_the_float64_contract` (shrunk): at a current equal to
/// v_th, with a large step (dt/tau_rc = 0.43), the float64 transcription of the tutorial
/// fires 16 times in 1099 steps, because `v` converges on v_th and rounding lifts it
/// over the strict `v > v_th` (first at step 64). In exact arithmetic `v` stays below
/// v_th and the analytic rate is 0; the float32 backends, which compare the gap
/// `I − v` with `I − v_th = 0`, never fire.
#[test]
fn at_the_threshold_float64_rounds_over_it() {
    let params = LifParams {
        tau_rc: 0.0023326948731952155,
        tau_ref: 0.0,
        v_th: 0.26825503446806825,
        dt: 0.001,
    };
    let currents = [params.v_th];
    let desc = PopulationDesc::new(&params, &currents);
    let (f32s, _) = run(&mut CpuStepper::new(), &desc, 1099).unwrap();
    let (f64s, _) = run(&mut ReferenceStepper, &desc, 1099).unwrap();
    assert_eq!((f32s[0], f64s[0]), (0, 16));
    assert_eq!(gpulif::model::analytic::rate(&params, params.v_th), 0.0);
}

/// Found by `out_of_range_is_refused_and_in_range_stays_finite` (shrunk): white noise of
/// sigma 6.07×10⁸⁴ was accepted and every voltage became NaN. The noise's amplitude is
/// now held to the largest current, 10³⁰, for each neuron's parameters.
#[test]
fn noise_beyond_float32_is_refused() {
    let params = LifParams {
        tau_rc: 1.0,
        tau_ref: 1.0,
        v_th: 1.0,
        dt: 1.0,
    };
    let currents = [1.0];
    let refused = |noise: Noise| {
        PopulationDesc::new(&params, &currents)
            .with_noise(noise)
            .validate()
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        refused(Noise::white(6.070614491582939e84, 7)),
        Err(
            "noise = 6.070614491582939e84 is out of range: expected at most 1e30 with \
             tau_rc = 1 s, dt = 1 s (its voltage step sigma·√(dt/tau_rc) at most 1e30)"
                .into()
        )
    );
    // Coloured noise of a tiny time constant has a huge spread for the same sigma.
    assert_eq!(
        refused(Noise::coloured(1.0, 1e-61, 7)),
        Err(
            "noise = 1 is out of range: expected at most 0.447213595499958 with \
             tau_rc = 1 s, dt = 1 s, noise-tau = 1e-61 s \
             (its stationary spread sigma·√(tau_rc/(2·noise-tau)) at most 1e30)"
                .into()
        )
    );
    // At the bound, the run stays finite.
    let desc = PopulationDesc::new(&params, &currents).with_noise(Noise::white(1e30, 7));
    desc.validate().unwrap();
    let (_, voltages) = run(&mut CpuStepper::new(), &desc, 50).unwrap();
    assert!(voltages.iter().all(|v| v.is_finite()), "{voltages:?}");
}

/// Any float at all, the strange ones often.
fn any_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => any::<f64>(),
        1 => prop::sample::select(vec![
            0.0, -0.0, f64::NAN, f64::INFINITY, -f64::INFINITY, f64::MIN_POSITIVE,
            1e-300, 1e300, -1.0, 1.0, 1e-20, 1e20, 1e30, 1e31, 1e-6, 1e8,
        ]),
        3 => log_uniform(1e-12, 1e12),
    ]
}

#[test]
fn out_of_range_is_refused_and_in_range_stays_finite() {
    let mut runner = TestRunner::new(config(2048));
    let strategy = (
        (any_float(), any_float(), any_float(), any_float()),
        prop::collection::vec(any_float(), 1..8),
        (any_float(), prop_oneof![Just(0.0), any_float()]),
        prop_oneof![Just(Method::Euler), Just(Method::Exact)],
    );
    runner
        .run(&strategy, |((tau_rc, tau_ref, v_th, dt), currents, (sigma, tau), method)| {
            let params = LifParams { tau_rc, tau_ref, v_th, dt };
            let noise = match method {
                Method::Euler => Noise::coloured(sigma, tau, 7),
                Method::Exact => Noise::NONE,
            };
            let desc = PopulationDesc::new(&params, &currents)
                .with_method(method)
                .with_noise(noise);
            match desc.validate() {
                Err(Error::InvalidParameter { name, .. }) => {
                    prop_assert!(
                        ["tau_rc", "tau_ref", "v_th", "dt", "currents", "noise", "noise-tau"]
                            .contains(&name),
                        "refused as {name}"
                    );
                }
                Err(other) => prop_assert!(false, "refused with {other:?}"),
                Ok(()) => {
                    // Valid: a short run leaves every voltage finite.
                    let mut cpu = CpuStepper::new();
                    let mut population = cpu
                        .population(&desc)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    population.advance(50, &|_| {}).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let voltages = population.voltages().map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert!(
                        voltages.iter().all(|v| v.is_finite()),
                        "{params:?}, currents {currents:?}, noise {noise:?}: voltages {voltages:?}"
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}
