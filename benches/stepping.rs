//! Neuron-steps per second of each backend, measured by criterion.
//!
//! `cargo bench` times the float64 reference, every CPU kernel this processor runs,
//! and the GPU (the adapter `AdapterChoice::Any` opens, lavapipe included) on the
//! tutorial's neuron with currents 0 to 10. Each GPU iteration records a reset and the
//! steps, submits them and polls the device until they are done, so the time is the
//! device's, launch overhead included. Every run steps every step (stepwise): counting
//! from each neuron's period is timed by `gpulif bench`, which measures the same from
//! the command line.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gpulif::backend::cpu::Kernel;
use gpulif::{
    AdapterChoice, CpuPopulation, CpuStepper, GpuContext, GpuStepper, LifParams, NeuronParams,
    Noise, PopulationDesc, ReferenceStepper, Run, Stepper,
};

const STEPS: u32 = 1000;

fn currents(neurons: usize) -> Vec<f64> {
    gpulif::experiment::curve::sweep(0.0, 10.0, neurons).expect("a valid sweep")
}

fn run() -> Run {
    Run::with_steps(LifParams::default(), STEPS).expect("valid parameters")
}

fn reference(c: &mut Criterion) {
    let neurons = 10_000;
    let currents = currents(neurons);
    let mut group = c.benchmark_group("reference");
    group.throughput(Throughput::Elements(neurons as u64 * u64::from(STEPS)));
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("float64", neurons), |b| {
        b.iter(|| {
            ReferenceStepper.simulate(
                &PopulationDesc::for_run(&run(), black_box(&currents), NeuronParams::SHARED)
                    .with_stepwise(true),
                run().steps(),
                &|_| {},
            )
        })
    });
    group.finish();
}

fn cpu(c: &mut Criterion) {
    let neurons = 100_000;
    let currents = currents(neurons);
    let mut group = c.benchmark_group("cpu");
    group.throughput(Throughput::Elements(neurons as u64 * u64::from(STEPS)));
    for kernel in Kernel::available() {
        let params = LifParams::default();
        let desc = PopulationDesc::new(&params, &currents).with_stepwise(true);
        let mut population = CpuPopulation::from_desc(&desc, kernel).expect("a valid population");
        group.bench_function(BenchmarkId::new(kernel.name(), neurons), |b| {
            b.iter(|| {
                population.reset();
                population.step(black_box(STEPS));
            })
        });
    }
    group.finish();
}

fn gpu(c: &mut Criterion) {
    let context = match GpuContext::new(&AdapterChoice::Any) {
        Ok(context) => context,
        Err(error) => {
            eprintln!("gpu benches skipped: {error}");
            return;
        }
    };
    let name = context.summary().name.clone();
    let mut stepper = GpuStepper::new(context.clone());
    let mut group = c.benchmark_group("gpu");
    group.sample_size(10);
    for neurons in [100_000, 1_000_000] {
        let mut population = stepper
            .gpu_population(&PopulationDesc::for_run(
                &run(),
                &currents(neurons),
                NeuronParams::SHARED,
            ))
            .expect("a population");
        group.throughput(Throughput::Elements(neurons as u64 * u64::from(STEPS)));
        group.bench_function(BenchmarkId::new(&name, neurons), |b| {
            b.iter(|| {
                let mut encoder = context
                    .device
                    .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
                population.reset(&mut encoder);
                context.queue.submit([encoder.finish()]);
                // Submits the steps and polls the device until they are done.
                stepper
                    .advance(&mut population, black_box(STEPS), &|_| {})
                    .expect("the steps run")
            })
        });
    }
    group.finish();
}

/// White noise (sigma 0.5) on every backend: the CPU kernels, the GPU and the float64
/// reference, each drawing the same Philox streams.
fn noisy(c: &mut Criterion) {
    let noise = Noise::white(0.5, 1);
    let params = LifParams::default();
    let mut group = c.benchmark_group("noisy");
    group.sample_size(10);
    let reference_currents = currents(10_000);
    let desc = PopulationDesc::new(&params, &reference_currents).with_noise(noise);
    group.throughput(Throughput::Elements(10_000 * u64::from(STEPS)));
    group.bench_function(BenchmarkId::new("float64", 10_000), |b| {
        b.iter(|| ReferenceStepper.simulate(black_box(&desc), STEPS, &|_| {}))
    });
    let cpu_currents = currents(100_000);
    let desc = PopulationDesc::new(&params, &cpu_currents).with_noise(noise);
    group.throughput(Throughput::Elements(100_000 * u64::from(STEPS)));
    for kernel in Kernel::available() {
        let mut stepper = CpuStepper::with_kernel(kernel);
        group.bench_function(BenchmarkId::new(kernel.name(), 100_000), |b| {
            b.iter(|| stepper.simulate(black_box(&desc), STEPS, &|_| {}))
        });
    }
    if let Ok(context) = GpuContext::new(&AdapterChoice::Any) {
        let name = context.summary().name.clone();
        let mut stepper = GpuStepper::new(context);
        let mut population = Stepper::population(&mut stepper, &desc).expect("a population");
        group.bench_function(BenchmarkId::new(name, 100_000), |b| {
            b.iter(|| {
                population.reset().expect("a reset");
                population
                    .advance(black_box(STEPS), &|_| {})
                    .expect("the steps run")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, reference, cpu, gpu, noisy);
criterion_main!(benches);
