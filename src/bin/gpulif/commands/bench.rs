//! `gpulif bench`.

use anyhow::Context;
use gpulif::backend::cpu::Kernel;
use gpulif::backend::gpu::adapters_named;
use gpulif::experiment::agreement::Verdict;
use gpulif::experiment::bench::{self, Workload};
use gpulif::output::grouped;
use gpulif::{GpuContext, GpuStepper, Method};

use super::super::args::{BenchArgs, BenchBackend, KernelArg};
use super::super::failure::{Failure, usage};
use super::super::print::print_bench;

pub fn run(args: BenchArgs) -> Result<(), Failure> {
    let workload = Workload {
        params: args.neuron.params(args.method.into())?,
        neurons: args.neurons,
        steps: args.steps,
        i_min: args.i_min,
        i_max: args.i_max,
        method: args.method.into(),
        noise: args.noise.noise(args.poisson.poisson()),
        poisson: args.poisson.poisson(),
    };
    let run = workload.run()?;
    workload.currents()?;
    let noise = workload.noise;
    noise.validate_for(workload.method)?;
    workload
        .poisson
        .validate_for(workload.method, run.params())?;
    let kernels = match args.cpu_kernel {
        KernelArg::Best => vec![Kernel::detect()],
        KernelArg::All => Kernel::available(),
        KernelArg::Avx512 => vec![Kernel::Avx512],
        KernelArg::Avx2 => vec![Kernel::Avx2],
        KernelArg::Baseline => vec![Kernel::Baseline],
    };
    let available = Kernel::available();
    if let Some(missing) = kernels.iter().find(|k| !available.contains(k)) {
        let names: Vec<_> = available.iter().map(|k| k.name()).collect();
        return Err(usage(format!(
            "--cpu-kernel {}: this processor does not run it (it runs {})",
            missing.name(),
            names.join(", ")
        )));
    }
    Failure::checked()?;
    let say = |what: String| {
        if !args.quiet {
            eprintln!("bench: {what}");
        }
    };
    let workload_text = format!(
        "{} neurons × {} steps, {} timed {} each{}{}",
        grouped(workload.neurons as u64),
        grouped(u64::from(workload.steps)),
        args.runs,
        if args.runs == 1 { "run" } else { "runs" },
        if noise.is_on() {
            format!(", noise sigma {} (seed {})", noise.sigma, noise.seed)
        } else {
            String::new()
        },
        if workload.poisson.is_on() {
            format!(
                ", Poisson {} Hz × {} (seed {})",
                workload.poisson.rate, workload.poisson.weight, noise.seed
            )
        } else {
            String::new()
        }
    );
    say(workload_text.clone());

    let mut measurements = Vec::new();
    if args.backend.contains(&BenchBackend::Reference) {
        say("reference (float64)…".into());
        measurements.push(bench::measure(
            &mut gpulif::ReferenceStepper,
            &workload,
            args.runs,
        )?);
    }
    if args.backend.contains(&BenchBackend::Cpu) {
        for kernel in kernels {
            say(format!("cpu ({})…", kernel.name()));
            measurements.push(bench::measure(
                &mut gpulif::CpuStepper::with_kernel(kernel),
                &workload,
                args.runs,
            )?);
        }
    }
    if args.backend.contains(&BenchBackend::Gpu) {
        let adapters = adapters_named(args.adapter.as_deref());
        if adapters.is_empty() {
            let wanted = args.adapter.as_ref().map_or(String::new(), |name| {
                format!(" whose name contains {name:?}")
            });
            say(format!(
                "no GPU adapter{wanted} (see `gpulif devices`); skipping the GPU"
            ));
        }
        for adapter in adapters {
            let context = GpuContext::open(adapter)?;
            say(format!("gpu ({})…", context.summary().describe()));
            let mut stepper = GpuStepper::new(context);
            measurements.push(bench::measure(&mut stepper, &workload, args.runs)?);
        }
    }

    if args.json {
        let json = serde_json::to_string_pretty(&measurements).context("formatting results")?;
        outln!("{json}");
    } else {
        print_bench(&workload_text, &measurements);
    }
    if let Some(m) = measurements
        .iter()
        .find(|m| m.counted.is_some_and(|c| !c.identical))
    {
        return Err(Failure::from(anyhow::anyhow!(
            "{} ({}): the counts from the neurons' periods differ from the stepped ones",
            m.backend.name(),
            m.device
        )));
    }
    // The agreement is the benchmark's verdict: `--quiet` keeps it (it goes to stdout);
    // `--json` leaves stdout to the JSON, and the exit status carries the verdict.
    check_agreement(&measurements, workload.method, noise.is_on(), args.json)
}

/// Says how the backends' counts agree ([`Verdict`]); fails when they break the
/// precision contract.
pub fn check_agreement(
    measurements: &[bench::Measurement],
    method: Method,
    noisy: bool,
    quiet: bool,
) -> Result<(), Failure> {
    let verdict = Verdict::of_run(measurements, method, noisy);
    if !quiet {
        for c in &verdict.float32 {
            let a = c.agreement;
            let text = match method {
                _ if a.is_identical() => "identical".to_owned(),
                Method::Exact if c.passed => "identical, the others within 1".to_owned(),
                _ if noisy && c.passed => format!(
                    "identical, the others within 1 (largest difference {})",
                    a.max_difference
                ),
                _ => format!("identical: DIFFERENT (by up to {})", a.max_difference),
            };
            outln!(
                "  counts: {} ({}) vs {} ({}): {} of {} {text}",
                c.first.0,
                c.first.1,
                c.second.0,
                c.second.1,
                grouped(a.identical as u64),
                grouped(a.neurons as u64)
            );
        }
        if let Some(c) = &verdict.reference {
            let a = c.agreement;
            outln!(
                "  counts: float32 vs float64 reference: {} of {} identical ({:.4} %), \
                 largest difference {}",
                grouped(a.identical as u64),
                grouped(a.neurons as u64),
                100.0 * a.fraction(),
                a.max_difference
            );
        }
    }
    if verdict.passed() {
        Ok(())
    } else {
        Err(Failure {
            message: format!("the backends disagree: {}", verdict.failures.join("; ")),
            status: 1,
        })
    }
}
