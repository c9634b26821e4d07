//! Several devices behind one stepper: two logical devices on one adapter (lavapipe in
//! CI) must give the single device's counts, whatever the batches and their order.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};

use gpulif::backend::gpu::{MultiGpuStepper, compute_adapters};
use gpulif::{
    GpuContext, GpuOptions, GpuStepper, LifParams, Method, Noise, PopulationDesc, Stepper,
};

/// Two devices on the first adapter, each batch at most `batch` neurons.
fn two_devices(batch: usize) -> Option<(MultiGpuStepper, Vec<GpuContext>)> {
    common::gpu()?;
    let adapter = compute_adapters().into_iter().next()?;
    let contexts: Vec<GpuContext> = (0..2)
        .map(|_| GpuContext::open(adapter.clone()).expect("a device"))
        .collect();
    let options = GpuOptions {
        max_batch_neurons: batch,
        ..GpuOptions::default()
    };
    let steppers = contexts
        .iter()
        .map(|c| GpuStepper::with_options(c.clone(), options))
        .collect();
    Some((MultiGpuStepper::new(steppers).unwrap(), contexts))
}

#[test]
fn two_devices_give_one_devices_counts() {
    let params = LifParams {
        tau_rc: 0.02,
        ..LifParams::default()
    };
    // Not a multiple of the batch, the lanes or the workgroup.
    let currents = common::sweep(0.0, 20.0, 10_007);
    let cases = [
        ("euler", Method::Euler, Noise::NONE),
        ("exact", Method::Exact, Noise::NONE),
        ("white noise", Method::Euler, Noise::white(0.5, 3)),
        (
            "coloured noise",
            Method::Euler,
            Noise::coloured(0.4, 0.005, 4),
        ),
    ];
    for batch in [1_000, 3_333] {
        let Some((mut multi, _contexts)) = two_devices(batch) else {
            return;
        };
        let mut single = common::gpu_stepper(GpuOptions::default()).unwrap();
        for (name, method, noise) in cases {
            let desc = PopulationDesc::new(&params, &currents)
                .with_method(method)
                .with_noise(noise);
            let expected = single.simulate(&desc, 1000, &|_| {}).unwrap();
            let counts = multi.simulate(&desc, 1000, &|_| {}).unwrap();
            assert_eq!(counts, expected, "{name}, batches of {batch}");
        }
        let shares = multi.shares();
        assert_eq!(shares.len(), 2);
        let neurons: u64 = shares.iter().map(|s| s.neurons).sum();
        assert_eq!(neurons, 4 * 10_007, "every neuron simulated once per case");
        assert!(shares[0].device.starts_with("device 0 ("));
    }
}

#[test]
fn a_population_across_two_devices_is_one_population() {
    let Some((mut multi, _contexts)) = two_devices(1 << 20) else {
        return;
    };
    let params = LifParams::default();
    let currents = common::sweep(0.0, 5.0, 999);
    let desc = PopulationDesc::new(&params, &currents).with_noise(Noise::white(0.3, 8));
    let mut single = common::gpu_stepper(GpuOptions::default()).unwrap();
    let mut one = Stepper::population(&mut single, &desc).unwrap();
    let mut two = multi.population(&desc).unwrap();
    for steps in [1, 10, 500] {
        one.advance(steps, &|_| {}).unwrap();
        two.advance(steps, &|_| {}).unwrap();
        assert_eq!(two.counts().unwrap(), one.counts().unwrap());
        assert_eq!(two.voltages().unwrap(), one.voltages().unwrap());
    }
    let changed: Vec<f64> = currents.iter().rev().copied().collect();
    one.write_currents(&changed).unwrap();
    two.write_currents(&changed).unwrap();
    one.advance(200, &|_| {}).unwrap();
    two.advance(200, &|_| {}).unwrap();
    assert_eq!(two.counts().unwrap(), one.counts().unwrap());
    two.reset().unwrap();
    one.reset().unwrap();
    one.advance(100, &|_| {}).unwrap();
    two.advance(100, &|_| {}).unwrap();
    assert_eq!(two.counts().unwrap(), one.counts().unwrap());
}

#[test]
fn a_device_failing_mid_run_is_an_error_naming_it() {
    let Some((mut multi, contexts)) = two_devices(500) else {
        return;
    };
    let params = LifParams::default();
    let currents = common::sweep(0.0, 10.0, 20_000);
    let desc = PopulationDesc::new(&params, &currents);
    let destroyed = AtomicBool::new(false);
    let device = contexts[1].device.clone();
    let result = multi.simulate(&desc, 2000, &|_| {
        if !destroyed.swap(true, Ordering::Relaxed) {
            device.destroy();
        }
    });
    let error = result
        .expect_err("device 1 was destroyed mid-run")
        .to_string();
    assert!(error.contains("device 1"), "{error}");
}
