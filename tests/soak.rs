//! Resources over a long life: a host that makes, steps, reads and drops a thousand GPU
//! populations in one process keeps its memory flat, and a process whose device was
//! lost goes on with a new one.

mod common;

use gpulif::{
    AdapterChoice, Error, GpuContext, GpuOptions, GpuStepper, LifParams, PopulationDesc, Stepper,
};

/// The process's resident memory, bytes (Linux; `None` elsewhere).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// What wgpu's allocator holds on `context`'s device, where the backend reports it.
fn device_bytes(context: &GpuContext) -> Option<(u64, u64)> {
    context
        .device
        .generate_allocator_report()
        .map(|r| (r.total_allocated_bytes, r.total_reserved_bytes))
}

const MIB: f64 = 1024.0 * 1024.0;

#[test]
fn a_thousand_populations_leave_memory_flat() {
    let Some(shared) = common::gpu() else {
        return;
    };
    // A device of its own, so that the allocator report is this test's alone.
    let context = GpuContext::open(shared.adapter.clone()).unwrap();
    let mut stepper = GpuStepper::with_options(context.clone(), GpuOptions::default());
    let params = LifParams::default();
    let currents = common::sweep(0.0, 10.0, 10_000);
    let expected = {
        let mut cpu = gpulif::CpuStepper::new();
        let mut population = cpu
            .population(&PopulationDesc::new(&params, &currents))
            .unwrap();
        population.advance(100, &|_| {}).unwrap();
        population.counts().unwrap()
    };
    let mut cycle = || {
        let desc = PopulationDesc::new(&params, &currents);
        let mut population = Stepper::population(&mut stepper, &desc).unwrap();
        population.advance(100, &|_| {}).unwrap();
        assert_eq!(population.counts().unwrap(), expected);
    };
    // Warm up first: the pipelines, the allocator's first blocks, the driver's caches.
    (0..50).for_each(|_| cycle());
    let (rss_start, device_start) = (resident_bytes(), device_bytes(&context));
    (0..1000).for_each(|_| cycle());
    let (rss_end, device_end) = (resident_bytes(), device_bytes(&context));
    eprintln!(
        "1000 populations of 10,000 neurons × 100 steps on {}: resident {:.1} → {:.1} MiB; \
         device allocated/reserved {:?} → {:?} bytes",
        context.summary().describe(),
        rss_start.unwrap_or(0) as f64 / MIB,
        rss_end.unwrap_or(0) as f64 / MIB,
        device_start,
        device_end
    );
    // One population holds about 0.3 MiB of buffers: a leak of one per cycle would add
    // 300 MiB. What is allowed is the allocator's and the driver's slack, a few MiB.
    if let (Some(start), Some(end)) = (rss_start, rss_end) {
        assert!(
            end.saturating_sub(start) < 16 << 20,
            "resident memory grew by {:.1} MiB",
            (end - start) as f64 / MIB
        );
    }
    if let (Some((allocated_start, _)), Some((allocated_end, _))) = (device_start, device_end) {
        assert_eq!(
            allocated_end, allocated_start,
            "device memory still allocated"
        );
    }
}

#[test]
fn after_a_lost_device_a_new_one_works() {
    if common::gpu().is_none() {
        return;
    }
    let params = LifParams::default();
    let currents = common::sweep(0.0, 10.0, 1000);
    let desc = PopulationDesc::new(&params, &currents);
    let lost = GpuContext::new(&AdapterChoice::Any).unwrap();
    let mut stepper = GpuStepper::try_new(lost.clone()).unwrap();
    let mut population = Stepper::population(&mut stepper, &desc).unwrap();
    population.advance(10, &|_| {}).unwrap();
    // As a driver reset or an unplugged GPU would.
    lost.device.destroy();
    let failed = population
        .advance(100, &|_| {})
        .and_then(|()| population.counts().map(drop));
    assert!(matches!(failed, Err(Error::DeviceLost(_))), "{failed:?}");
    drop(population);
    drop(stepper);

    // The same process opens the adapter again and goes on.
    let fresh = GpuContext::new(&AdapterChoice::Any).unwrap();
    let mut stepper = GpuStepper::try_new(fresh).unwrap();
    let mut population = Stepper::population(&mut stepper, &desc).unwrap();
    population.advance(1000, &|_| {}).unwrap();
    let mut cpu = gpulif::CpuStepper::new();
    let mut reference = cpu.population(&desc).unwrap();
    reference.advance(1000, &|_| {}).unwrap();
    assert_eq!(population.counts().unwrap(), reference.counts().unwrap());
}
