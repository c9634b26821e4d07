//! Counting from each neuron's period: the counts of a population driven by constant
//! currents alone, computed without stepping every step, equal full stepping bit for bit
//! on every backend and method; so does the whole state of a population advanced that
//! way (counts, last-step spikes, voltages), which may then be stepped, re-driven and
//! read; runs that cannot be counted step and say so.

mod common;

use gpulif::backend::cpu::Kernel;
use gpulif::{
    CpuStepper, GpuOptions, LifParams, Method, NeuronParams, Noise, Poisson, Population,
    PopulationDesc, ReferenceStepper, Stepper,
};

/// Parameter sets with refractory periods of none, one step, 2 ms and 0.2 s, at dt 0.1
/// and 1 ms.
fn parameter_sets() -> Vec<LifParams> {
    let mut sets = Vec::new();
    for dt in [1e-3, 1e-4] {
        for tau_ref in [0.0, dt, 0.002, 0.2] {
            sets.push(LifParams {
                tau_rc: 0.02,
                tau_ref,
                v_th: 1.0,
                dt,
            });
        }
    }
    sets.push(LifParams::default());
    sets
}

/// Currents from just below threshold to 50·v_th, densest near threshold, with zero
/// and negative ones.
fn currents(v_th: f64) -> Vec<f64> {
    let mut currents: Vec<f64> = (0..400)
        .map(|k| v_th * (0.999 + 0.002 * f64::from(k) / 400.0))
        .collect();
    currents.extend((0..400).map(|k| v_th * (1.0 + 49.0 * (f64::from(k) / 399.0).powi(2))));
    currents.extend([0.0, -1.0, v_th, v_th * (1.0 + 1e-9)]);
    currents
}

/// `stepper`'s counts of `desc` after `steps` steps, counted and stepped.
fn both(stepper: &mut dyn Stepper, desc: &PopulationDesc<'_>, steps: u32) -> [Vec<u32>; 2] {
    [
        stepper.simulate(desc, steps, &|_| {}).unwrap(),
        stepper
            .simulate(&desc.with_stepwise(true), steps, &|_| {})
            .unwrap(),
    ]
}

#[test]
fn counted_equals_stepped_on_every_cpu_kernel_and_method() {
    for params in parameter_sets() {
        let currents = currents(params.v_th);
        for method in [Method::Euler, Method::Exact] {
            let desc = PopulationDesc::new(&params, &currents).with_method(method);
            for kernel in Kernel::available() {
                let mut stepper = CpuStepper::with_kernel(kernel);
                assert!(stepper.counts_by_period(&desc));
                for steps in [1, 2, 3, 50, 999, 5000] {
                    let [counted, stepped] = both(&mut stepper, &desc, steps);
                    assert_eq!(
                        counted, stepped,
                        "{params:?}, {method}, {kernel:?}, {steps}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_run_length_is_counted_as_stepped() {
    // Neurons whose periods span a few steps to a few hundred, each run length from 1
    // to 600 steps: runs that end inside a refractory period, on a spike, and one step
    // before one. The stepped counts after each step come from one population advanced
    // a step at a time.
    for params in [
        LifParams {
            tau_rc: 0.02,
            tau_ref: 0.01,
            ..LifParams::default()
        },
        LifParams {
            tau_rc: 0.05,
            tau_ref: 0.0,
            ..LifParams::default()
        },
    ] {
        let currents: Vec<f64> = (0..130).map(|k| 1.0 + 0.01 * f64::from(k * k)).collect();
        for method in [Method::Euler, Method::Exact] {
            let desc = PopulationDesc::new(&params, &currents).with_method(method);
            let mut stepper = CpuStepper::new();
            let mut population = stepper.population(&desc.with_stepwise(true)).unwrap();
            for steps in 1..=600 {
                population.advance(1, &|_| {}).unwrap();
                let counted = stepper.simulate(&desc, steps, &|_| {}).unwrap();
                assert_eq!(
                    counted,
                    population.counts().unwrap(),
                    "{params:?}, {method}, {steps}"
                );
            }
        }
    }
}

#[test]
fn neurons_with_their_own_parameters_are_counted_as_stepped() {
    let params = LifParams::default();
    let currents = currents(1.0);
    let n = currents.len();
    let tau_rc: Vec<f64> = (0..n).map(|k| 0.01 + 0.3 * (k % 7) as f64 / 7.0).collect();
    let tau_ref: Vec<f64> = (0..n).map(|k| [0.0, 0.001, 0.002, 0.05][k % 4]).collect();
    let v_th: Vec<f64> = (0..n).map(|k| 0.8 + 0.05 * (k % 5) as f64).collect();
    let each = NeuronParams {
        tau_rc: Some(&tau_rc),
        tau_ref: Some(&tau_ref),
        v_th: Some(&v_th),
    };
    for method in [Method::Euler, Method::Exact] {
        let desc = PopulationDesc::new(&params, &currents)
            .with_method(method)
            .with_each(each);
        let [counted, stepped] = both(&mut CpuStepper::new(), &desc, 3000);
        assert_eq!(counted, stepped, "{method} on the CPU");
        if let Some(mut gpu) = common::gpu_stepper(GpuOptions::default()) {
            let [on_gpu, _] = both(&mut gpu, &desc, 3000);
            assert_eq!(on_gpu, stepped, "{method} on the GPU");
        }
        if method == Method::Euler {
            let [reference, reference_stepped] = both(&mut ReferenceStepper, &desc, 3000);
            assert_eq!(reference, reference_stepped, "the float64 reference");
        }
    }
}

#[test]
fn the_gpu_counts_as_it_steps() {
    // The counting kernel (one dispatch) against the stepping kernel, and against the
    // CPU: Euler counts are bit-identical across backends, and so are exact ones under
    // constant currents.
    let Some(mut gpu) = common::gpu_stepper(GpuOptions::default()) else {
        return;
    };
    for params in parameter_sets() {
        let currents = currents(params.v_th);
        for method in [Method::Euler, Method::Exact] {
            let desc = PopulationDesc::new(&params, &currents).with_method(method);
            assert!(gpu.counts_by_period(&desc));
            for steps in [1, 7, 2000] {
                let [counted, stepped] = both(&mut gpu, &desc, steps);
                assert_eq!(counted, stepped, "{params:?}, {method}, {steps} steps");
                let cpu = CpuStepper::new().simulate(&desc, steps, &|_| {}).unwrap();
                assert_eq!(counted, cpu, "{params:?}, {method}, {steps} steps: the CPU");
            }
        }
    }
}

#[test]
fn the_float64_reference_counts_euler_runs_as_it_steps() {
    for params in parameter_sets() {
        let currents = currents(params.v_th);
        let euler = PopulationDesc::new(&params, &currents);
        assert!(ReferenceStepper.counts_by_period(&euler));
        for steps in [1, 3, 700, 4000] {
            let [counted, stepped] = both(&mut ReferenceStepper, &euler, steps);
            assert_eq!(counted, stepped, "{params:?}, {steps} steps");
        }
        // Its exact neuron's state after a spike depends on where in the step it fell:
        // it steps.
        let exact = euler.with_method(Method::Exact);
        assert!(!ReferenceStepper.counts_by_period(&exact));
    }
}

#[test]
fn runs_that_are_not_driven_by_constant_currents_alone_step() {
    let params = LifParams::default();
    let currents = currents(1.0);
    let plain = PopulationDesc::new(&params, &currents);
    let signal = gpulif::Signal::new(vec![0.1; 100]).unwrap();
    let noisy = [
        plain.with_noise(Noise::white(0.3, 1)),
        plain.with_poisson(Poisson::new(500.0, 0.05)),
        plain.with_stimulus(gpulif::Stimulus {
            values: &signal,
            gain: None,
        }),
        plain.with_stepwise(true),
    ];
    for desc in noisy {
        assert!(!desc.is_countable());
        assert!(!CpuStepper::new().counts_by_period(&desc));
        assert!(!ReferenceStepper.counts_by_period(&desc));
        if let Some(gpu) = common::gpu_stepper(GpuOptions::default()) {
            assert!(!gpu.counts_by_period(&desc));
        }
    }
    assert!(plain.is_countable());
}

/// A population's state: counts, last-step spikes and voltages (their bits).
fn state(population: &dyn Population) -> (Vec<u32>, Vec<u32>, Vec<u64>) {
    let voltages = population.voltages().unwrap();
    (
        population.counts().unwrap(),
        population.spiked().unwrap(),
        voltages.iter().map(|v| v.to_bits()).collect(),
    )
}

/// Gives a population counted from the periods and one that steps every step of
/// `desc` the same runs, currents changed between them (the sweep reversed, then every
/// current a tenth: neurons crossing threshold both ways, some while refractory, some
/// with voltages above threshold under currents below it), and asserts after each
/// run that their states are the same, bit for bit.
fn advance_both(stepper: &mut dyn Stepper, desc: &PopulationDesc<'_>, runs: &[u32], what: &str) {
    let mut counted = stepper.population(desc).unwrap();
    let mut stepped = stepper.population(&desc.with_stepwise(true)).unwrap();
    assert!(counted.counts_by_period(), "{what}");
    assert!(!stepped.counts_by_period(), "{what}");
    let reversed: Vec<f64> = desc.currents.iter().rev().copied().collect();
    let tenth: Vec<f64> = desc.currents.iter().map(|i| i / 10.0).collect();
    for (k, &steps) in runs.iter().enumerate() {
        if k == runs.len() / 3 {
            counted.write_currents(&reversed).unwrap();
            stepped.write_currents(&reversed).unwrap();
        }
        if k == 2 * runs.len() / 3 {
            counted.write_currents(&tenth).unwrap();
            stepped.write_currents(&tenth).unwrap();
        }
        counted.advance(steps, &|_| {}).unwrap();
        stepped.advance(steps, &|_| {}).unwrap();
        assert!(
            state(counted.as_ref()) == state(stepped.as_ref()),
            "{what}: run {k} ({steps} steps)"
        );
    }
    let counts = counted.counts().unwrap();
    assert!(counts.iter().any(|&c| c >= 3), "{what}: the runs fire");
}

/// Runs of a few steps and of many, in an order that ends some inside refractory
/// periods and some on spikes.
const RUNS: [u32; 9] = [1, 37, 2000, 3, 999, 1, 5000, 2, 777];

#[test]
fn a_population_advanced_by_period_is_in_the_state_stepping_leaves() {
    for params in parameter_sets() {
        let currents = currents(params.v_th);
        for method in [Method::Euler, Method::Exact] {
            let desc = PopulationDesc::new(&params, &currents).with_method(method);
            for kernel in Kernel::available() {
                let what = format!("{params:?}, {method}, {kernel:?}");
                advance_both(&mut CpuStepper::with_kernel(kernel), &desc, &RUNS, &what);
            }
        }
    }
}

#[test]
fn a_gpu_population_advanced_by_period_is_in_the_state_stepping_leaves() {
    // One dispatch of advance_euler or advance_exact against the stepping kernels, the
    // parameter sets of both time steps, shared and per-neuron parameters.
    let Some(mut gpu) = common::gpu_stepper(GpuOptions::default()) else {
        return;
    };
    for params in parameter_sets() {
        let currents = currents(params.v_th);
        for method in [Method::Euler, Method::Exact] {
            let desc = PopulationDesc::new(&params, &currents).with_method(method);
            advance_both(&mut gpu, &desc, &RUNS, &format!("{params:?}, {method}"));
        }
    }
    let params = LifParams::default();
    let currents = currents(1.0);
    let n = currents.len();
    let tau_rc: Vec<f64> = (0..n).map(|k| 0.01 + 0.3 * (k % 7) as f64 / 7.0).collect();
    let tau_ref: Vec<f64> = (0..n).map(|k| [0.0, 0.001, 0.002, 0.05][k % 4]).collect();
    let each = NeuronParams {
        tau_rc: Some(&tau_rc),
        tau_ref: Some(&tau_ref),
        v_th: None,
    };
    for method in [Method::Euler, Method::Exact] {
        let desc = PopulationDesc::new(&params, &currents)
            .with_method(method)
            .with_each(each);
        advance_both(&mut gpu, &desc, &RUNS, &format!("{method}, per neuron"));
        advance_both(
            &mut CpuStepper::new(),
            &desc,
            &RUNS,
            &format!("{method}, per neuron, CPU"),
        );
    }
}

#[test]
fn a_population_counted_then_stepped_equals_one_stepped_all_the_way() {
    // Counted for 1,234 steps, then recorded a step at a time for 300 (the GPU records
    // with its stepping kernel), then counted again: the state at every recorded step
    // and at the end is the population's that stepped all the way.
    let params = LifParams {
        tau_ref: 0.005,
        ..LifParams::default()
    };
    let currents = currents(1.0);
    let mut steppers: Vec<(String, Box<dyn Stepper>)> =
        vec![("cpu".into(), Box::new(CpuStepper::new()))];
    if let Some(gpu) = common::gpu_stepper(GpuOptions::default()) {
        steppers.push(("gpu".into(), Box::new(gpu)));
    }
    for (name, stepper) in &mut steppers {
        for method in [Method::Euler, Method::Exact] {
            let desc = PopulationDesc::new(&params, &currents).with_method(method);
            let mut counted = stepper.population(&desc).unwrap();
            let mut stepped = stepper.population(&desc.with_stepwise(true)).unwrap();
            counted.advance(1234, &|_| {}).unwrap();
            stepped.advance(1234, &|_| {}).unwrap();
            let mut recorded = Vec::new();
            counted
                .record(300, &mut |_, voltages, spiked| {
                    recorded.push((voltages.to_vec(), spiked.to_vec()))
                })
                .unwrap();
            for (k, (voltages, spiked)) in recorded.iter().enumerate() {
                stepped.advance(1, &|_| {}).unwrap();
                assert!(
                    *voltages == stepped.voltages().unwrap()
                        && *spiked == stepped.spiked().unwrap(),
                    "{name}, {method}: step {k} of the recording"
                );
            }
            counted.advance(4321, &|_| {}).unwrap();
            stepped.advance(4321, &|_| {}).unwrap();
            assert!(
                state(counted.as_ref()) == state(stepped.as_ref()),
                "{name}, {method}: counted again"
            );
        }
    }
}

#[test]
fn the_embedding_api_counts_by_period_only_when_asked() {
    // encode_steps steps; encode_steps_by_period, recorded twice into one encoder with
    // different step counts, leaves the state of the stepped sum; encode_counts_from_rest
    // gives the counts alone; a noisy population refuses both and records nothing.
    let Some(context) = common::gpu() else {
        return;
    };
    let (device, queue) = (&context.device, &context.queue);
    let pipeline = gpulif::LifPipeline::new(device);
    let params = LifParams::default();
    let currents = currents(1.0);
    for method in [Method::Euler, Method::Exact] {
        let desc = PopulationDesc::new(&params, &currents).with_method(method);
        let make = || {
            gpulif::GpuPopulation::from_desc(device, &pipeline, &desc, &Default::default()).unwrap()
        };
        let (counted, stepped, from_rest) = (make(), make(), make());
        assert!(counted.can_count_by_period());
        let mut encoder = device.create_command_encoder(&Default::default());
        from_rest
            .encode_counts_from_rest(device, &mut encoder, 3722)
            .unwrap();
        counted
            .encode_steps_by_period(device, &mut encoder, 1500)
            .unwrap();
        counted
            .encode_steps_by_period(device, &mut encoder, 2222)
            .unwrap();
        stepped.encode_steps(&mut encoder, 3722);
        queue.submit([encoder.finish()]);
        let read = |p: &gpulif::GpuPopulation| {
            (
                p.read_counts(device, queue).unwrap(),
                p.read_spiked(device, queue).unwrap(),
                p.read_voltages(device, queue)
                    .unwrap()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>(),
            )
        };
        assert!(read(&counted) == read(&stepped), "{method}");
        assert_eq!(
            from_rest.read_counts(device, queue).unwrap(),
            stepped.read_counts(device, queue).unwrap(),
            "{method}: the counts alone, from rest"
        );
    }
    let noisy = PopulationDesc::new(&params, &currents).with_noise(Noise::white(0.3, 1));
    let noisy =
        gpulif::GpuPopulation::from_desc(device, &pipeline, &noisy, &Default::default()).unwrap();
    assert!(!noisy.can_count_by_period());
    let mut encoder = device.create_command_encoder(&Default::default());
    for error in [
        noisy.encode_steps_by_period(device, &mut encoder, 10),
        noisy.encode_counts_from_rest(device, &mut encoder, 10),
    ] {
        let error = error.unwrap_err();
        assert!(
            error.to_string().contains("constant currents alone"),
            "{error}"
        );
    }
}

#[test]
fn the_summary_and_the_json_say_how_the_counts_were_made() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("curve.json");
    let json = json.display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "curve",
            "--neurons",
            "2000",
            "--duration",
            "10",
            "--backend",
            "cpu",
            "--out",
            &json,
        ];
        args.extend(extra);
        let output = common::gpulif(&args);
        assert!(output.status.success(), "{}", common::text(&output.stderr));
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        (common::text(&output.stdout), value)
    };
    let (counted, counted_json) = run(&[]);
    assert!(
        counted.contains(
            "counting, from each neuron's period: identical to stepping all 10,000 steps"
        ),
        "{counted}"
    );
    assert!(!counted.contains("neuron-steps/s"), "{counted}");
    assert_eq!(counted_json["counted_from_periods"], true);
    assert!(counted_json["neuron_steps_per_second"].is_null());
    let (stepped, stepped_json) = run(&["--stepwise"]);
    assert!(stepped.contains("neuron-steps/s"), "{stepped}");
    assert_eq!(stepped_json["counted_from_periods"], false);
    assert!(stepped_json["neuron_steps_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(counted_json["data"], stepped_json["data"], "the same curve");
    // Noise: stepped, and the summary says so.
    let (noisy, noisy_json) = run(&["--noise", "0.3", "--seed", "1"]);
    assert!(noisy.contains("neuron-steps/s"), "{noisy}");
    assert_eq!(noisy_json["counted_from_periods"], false);
}
