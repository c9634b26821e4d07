//! Several devices behind one [`Stepper`]: a sweep is cut into batches that the devices
//! take from a shared queue, one host thread per device, so a faster device takes more.
//!
//! The counts do not depend on the split: each batch is a slice of the population
//! description whose neurons keep their index in the whole (`first_index`), so they
//! draw the same noise, and every device runs the same kernel.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use super::stepper::GpuStepper;
use crate::backend::DeviceShare;
use crate::backend::{BackendKind, Population, Progress, StepSink, Stepper};
use crate::error::{Error, Result};
use crate::input::PopulationDesc;
use crate::model::params::Method;

/// The GPU backend on several devices (every adapter of a machine, or a chosen few).
#[derive(Debug)]
pub struct MultiGpuStepper {
    steppers: Vec<GpuStepper>,
    names: Vec<String>,
    shares: Mutex<Vec<DeviceShare>>,
}

impl MultiGpuStepper {
    /// The backend on every adapter `adapters` lists, a device each.
    pub fn open(adapters: Vec<wgpu::Adapter>) -> Result<Self> {
        let steppers = adapters
            .into_iter()
            .map(|a| GpuStepper::try_new(super::GpuContext::open(a)?))
            .collect::<Result<Vec<_>>>()?;
        Self::new(steppers)
    }

    /// The backend on these devices' steppers (at least one).
    pub fn new(steppers: Vec<GpuStepper>) -> Result<Self> {
        if steppers.is_empty() {
            return Err(Error::parameter(
                "adapter",
                0usize,
                "at least one GPU adapter",
            ));
        }
        let names: Vec<String> = steppers
            .iter()
            .enumerate()
            .map(|(k, s)| format!("device {k} ({})", s.context().summary().describe()))
            .collect();
        let shares = names
            .iter()
            .map(|device| DeviceShare {
                device: device.clone(),
                neurons: 0,
                neuron_steps: 0,
                seconds: 0.0,
            })
            .collect();
        Ok(MultiGpuStepper {
            steppers,
            names,
            shares: Mutex::new(shares),
        })
    }

    /// The devices, numbered.
    pub fn devices(&self) -> &[String] {
        &self.names
    }

    /// What each device has done since the stepper was made.
    pub fn shares(&self) -> Vec<DeviceShare> {
        self.shares
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Neurons per batch: enough batches that the devices balance (four per device), no
    /// batch larger than the smallest device holds.
    fn batch(&self, desc: &PopulationDesc<'_>) -> usize {
        let neurons = desc.currents.len();
        let most = self
            .steppers
            .iter()
            .map(|s| s.max_population(desc).min(s.batch_neurons()))
            .min()
            .unwrap_or(1);
        neurons
            .div_ceil(4 * self.steppers.len())
            .clamp(1, most.max(1))
    }
}

/// An error on device `device`: what failed there, named.
fn on_device(device: &str, error: Error) -> Error {
    match error {
        Error::OnDevice { .. } => error,
        error => Error::OnDevice {
            device: device.to_owned(),
            source: Box::new(error),
        },
    }
}

impl Stepper for MultiGpuStepper {
    fn kind(&self) -> BackendKind {
        BackendKind::Gpu
    }

    fn device(&self) -> String {
        match self.names.len() {
            1 => format!("1 device: {}", self.names[0]),
            n => format!("{n} devices: {}", self.names.join("; ")),
        }
    }

    fn batch_neurons(&self) -> usize {
        self.steppers.iter().map(GpuStepper::batch_neurons).sum()
    }

    fn shares(&self) -> Vec<DeviceShare> {
        MultiGpuStepper::shares(self)
    }

    fn population(&mut self, desc: &PopulationDesc<'_>) -> Result<Box<dyn Population>> {
        desc.validate()?;
        let neurons = desc.currents.len();
        let devices = self.steppers.len().min(neurons);
        let mut parts = Vec::with_capacity(devices);
        for (k, stepper) in self.steppers.iter().take(devices).enumerate() {
            let range = k * neurons / devices..(k + 1) * neurons / devices;
            let runner = stepper
                .runner(&desc.slice(range.clone()))
                .map_err(|e| on_device(&self.names[k], e))?;
            parts.push((self.names[k].clone(), range, runner));
        }
        Ok(Box::new(MultiPopulation {
            parts,
            method: desc.method,
        }))
    }

    /// As each device counts (they are all GPUs).
    fn counts_by_period(&self, desc: &PopulationDesc<'_>) -> bool {
        self.steppers.iter().all(|s| s.counts_by_period(desc))
    }

    fn max_population(&self, desc: &PopulationDesc<'_>) -> usize {
        self.steppers
            .iter()
            .map(|s| s.max_population(desc))
            .fold(0usize, usize::saturating_add)
    }

    /// Batches from a shared queue, one host thread per device; the counts are put
    /// back in input order whichever device finished first. The first device to fail
    /// stops the others from taking more, and its error, naming it, is returned.
    fn simulate(
        &mut self,
        desc: &PopulationDesc<'_>,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        desc.validate()?;
        desc.check_stimulus_covers(0, steps)?;
        let neurons = desc.currents.len();
        let batch = self.batch(desc);
        let batches = neurons.div_ceil(batch);
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let done: Mutex<Vec<Option<Vec<u32>>>> = Mutex::new(vec![None; batches]);
        let first_error: Mutex<Option<Error>> = Mutex::new(None);
        let shares = &self.shares;
        std::thread::scope(|scope| {
            for (k, stepper) in self.steppers.iter().enumerate() {
                let (next, failed, done, first_error) = (&next, &failed, &done, &first_error);
                let name = &self.names[k];
                let mut stepper = stepper.clone();
                scope.spawn(move || {
                    while !failed.load(Ordering::Relaxed) {
                        let b = next.fetch_add(1, Ordering::Relaxed);
                        if b >= batches {
                            break;
                        }
                        let range = b * batch..neurons.min((b + 1) * batch);
                        let part = desc.slice(range.clone());
                        let started = Instant::now();
                        match stepper.simulate(&part, steps, progress) {
                            Ok(counts) => {
                                done.lock().unwrap_or_else(|e| e.into_inner())[b] = Some(counts);
                                let mut shares = shares.lock().unwrap_or_else(|e| e.into_inner());
                                let share = &mut shares[k];
                                share.neurons += range.len() as u64;
                                share.neuron_steps += range.len() as u64 * u64::from(steps);
                                share.seconds += started.elapsed().as_secs_f64();
                            }
                            Err(error) => {
                                failed.store(true, Ordering::Relaxed);
                                first_error
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .get_or_insert(on_device(name, error));
                                break;
                            }
                        }
                    }
                });
            }
        });
        if let Some(error) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(error);
        }
        let mut counts = Vec::with_capacity(neurons);
        for part in done.into_inner().unwrap_or_else(|e| e.into_inner()) {
            counts.extend(part.ok_or_else(|| Error::Gpu("a batch was never simulated".into()))?);
        }
        Ok(counts)
    }
}

/// A population cut into one contiguous part per device, the parts stepped at once.
struct MultiPopulation {
    parts: Vec<(String, std::ops::Range<usize>, super::stepper::GpuRunner)>,
    method: Method,
}

impl MultiPopulation {
    /// Runs `work` on every part at once, one thread each; the first error, naming its
    /// device.
    fn each<T: Send>(
        &mut self,
        work: impl Fn(&mut super::stepper::GpuRunner) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let work = &work;
        std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .parts
                .iter_mut()
                .map(|(name, _, runner)| {
                    scope.spawn(move || work(runner).map_err(|e| on_device(name, e)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::Gpu("a device's thread panicked".into())))
                })
                .collect()
        })
    }
}

impl Population for MultiPopulation {
    fn len(&self) -> usize {
        self.parts.last().map_or(0, |(_, range, _)| range.end)
    }

    fn method(&self) -> Method {
        self.method
    }

    fn write_currents(&mut self, currents: &[f64]) -> Result<()> {
        crate::input::check_currents(currents, self.len())?;
        let ranges: Vec<_> = self.parts.iter().map(|(_, r, _)| r.clone()).collect();
        for ((name, _, runner), range) in self.parts.iter_mut().zip(ranges) {
            runner
                .write_currents(&currents[range])
                .map_err(|e| on_device(name, e))?;
        }
        Ok(())
    }

    fn advance(&mut self, steps: u32, progress: Progress<'_>) -> Result<()> {
        self.each(|runner| runner.advance(steps, progress))
            .map(drop)
    }

    fn counts_by_period(&self) -> bool {
        self.parts
            .iter()
            .all(|(_, _, runner)| runner.counts_by_period())
    }

    fn counts(&self) -> Result<Vec<u32>> {
        read_all(&self.parts, |r| r.counts())
    }

    fn spiked(&self) -> Result<Vec<u32>> {
        read_all(&self.parts, |r| r.spiked())
    }

    fn voltages(&self) -> Result<Vec<f64>> {
        read_all(&self.parts, |r| r.voltages())
    }

    fn reset(&mut self) -> Result<()> {
        self.each(|runner| runner.reset()).map(drop)
    }

    fn clear_counts(&mut self) -> Result<()> {
        self.each(|runner| runner.clear_counts()).map(drop)
    }

    fn record(&mut self, steps: u32, sink: StepSink<'_>) -> Result<()> {
        for k in 0..steps {
            self.advance(1, &|_| {})?;
            sink(k, &self.voltages()?, &self.spiked()?);
        }
        Ok(())
    }
}

/// Each part's values, in order.
fn read_all<T>(
    parts: &[(String, std::ops::Range<usize>, super::stepper::GpuRunner)],
    read: impl Fn(&super::stepper::GpuRunner) -> Result<Vec<T>>,
) -> Result<Vec<T>> {
    let mut values = Vec::new();
    for (name, _, runner) in parts {
        values.extend(read(runner).map_err(|e| on_device(name, e))?);
    }
    Ok(values)
}
