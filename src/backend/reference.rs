//! The float64 reference backend: the tutorial's neuron ([`FirstOrderLif`]) and the
//! exact method in float64 ([`ExactLif`]), one neuron at a time per thread. Plain and
//! slow on purpose: it is the oracle every other backend is tested against.

use rayon::prelude::*;

use crate::backend::cpu::{NEURONS_PER_TASK, cpu_description};
use crate::backend::{BackendKind, Population, PopulationDesc, Progress, Stepper, check_currents};
use crate::error::Result;
use crate::model::exact::ExactLif;
use crate::model::params::{Method, NeuronParams, Run};
use crate::model::reference::FirstOrderLif;

/// The reference as a [`Stepper`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ReferenceStepper;

impl Stepper for ReferenceStepper {
    fn kind(&self) -> BackendKind {
        BackendKind::Reference
    }

    fn device(&self) -> String {
        format!("{} (float64)", cpu_description())
    }

    fn population(
        &mut self,
        run: &Run,
        currents: &[f64],
        each: &NeuronParams<'_>,
    ) -> Result<Box<dyn Population + '_>> {
        let desc = crate::backend::PopulationDesc::for_run(run, currents, *each);
        Ok(Box::new(ReferencePopulation::new(&desc)?))
    }

    /// Experiments run in populations of 2¹⁶ neurons (about 9 MiB of float64 state).
    fn max_population(&self, _run: &Run, _each: &NeuronParams<'_>) -> usize {
        1 << 16
    }
}

/// One float64 neuron of either method.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Neuron {
    Euler(FirstOrderLif, f64),
    Exact(ExactLif),
}

/// A population of float64 neurons: the tutorial's class (Euler) or [`ExactLif`]
/// (exact), each with its own current, counted as the tutorial counts (a step whose
/// output is non-zero is a spike).
#[derive(Clone, Debug)]
pub struct ReferencePopulation {
    method: Method,
    neurons: Vec<Neuron>,
    currents: Vec<f64>,
    counts: Vec<u32>,
    spiked: Vec<u32>,
}

impl ReferencePopulation {
    /// A population at rest.
    pub fn new(desc: &PopulationDesc<'_>) -> Result<Self> {
        desc.validate()?;
        let neurons: Vec<Neuron> = (0..desc.currents.len())
            .map(|k| {
                let p = desc.each.of(desc.params, k);
                match desc.method {
                    Method::Euler => Neuron::Euler(FirstOrderLif::new(&p), p.dt),
                    Method::Exact => Neuron::Exact(ExactLif::new(&p)),
                }
            })
            .collect();
        let len = neurons.len();
        Ok(ReferencePopulation {
            method: desc.method,
            neurons,
            currents: desc.currents.to_vec(),
            counts: vec![0; len],
            spiked: vec![0; len],
        })
    }
}

impl Neuron {
    /// `steps` (at least 1) steps under `current`, the neuron in a local: the count
    /// after them, from `count`, and the spikes of the last step.
    fn run(&mut self, current: f64, steps: u32, mut count: u32) -> (u32, u32) {
        let mut last = 0;
        match self {
            Neuron::Euler(neuron, dt) => {
                let (mut local, dt) = (*neuron, *dt);
                for _ in 0..steps {
                    last = u32::from(local.step(current, dt) > 0.0);
                    count += last;
                }
                *neuron = local;
            }
            Neuron::Exact(neuron) => {
                let mut local = *neuron;
                for _ in 0..steps {
                    last = local.step(current);
                    count += last;
                }
                *neuron = local;
            }
        }
        (count, last)
    }

    /// Back to rest (`v = 0`, not refractory), its parameters kept.
    fn reset(&mut self) {
        match self {
            Neuron::Euler(neuron, _) => {
                (neuron.v, neuron.refractory_time, neuron.output) = (0.0, 0.0, 0.0)
            }
            Neuron::Exact(neuron) => (neuron.v, neuron.refractory_time) = (0.0, 0.0),
        }
    }

    fn voltage(&self) -> f64 {
        match self {
            Neuron::Euler(neuron, _) => neuron.v,
            Neuron::Exact(neuron) => neuron.v,
        }
    }
}

impl Population for ReferencePopulation {
    fn len(&self) -> usize {
        self.neurons.len()
    }

    fn method(&self) -> Method {
        self.method
    }

    fn write_currents(&mut self, currents: &[f64]) -> Result<()> {
        // The float64 neurons integrate the voltage itself: it carries over as it is.
        check_currents(currents, self.neurons.len())?;
        self.currents.copy_from_slice(currents);
        Ok(())
    }

    fn advance(&mut self, steps: u32, progress: Progress<'_>) -> Result<()> {
        self.neurons
            .par_chunks_mut(NEURONS_PER_TASK)
            .zip(self.currents.par_chunks(NEURONS_PER_TASK))
            .zip(self.counts.par_chunks_mut(NEURONS_PER_TASK))
            .zip(self.spiked.par_chunks_mut(NEURONS_PER_TASK))
            .for_each(|(((neurons, currents), counts), spiked)| {
                for (((neuron, &current), count), spiked) in
                    neurons.iter_mut().zip(currents).zip(counts).zip(spiked)
                {
                    if steps > 0 {
                        (*count, *spiked) = neuron.run(current, steps, *count);
                    }
                }
                progress(neurons.len() as u64 * u64::from(steps));
            });
        Ok(())
    }

    fn counts(&self) -> Result<Vec<u32>> {
        Ok(self.counts.clone())
    }

    fn spiked(&self) -> Result<Vec<u32>> {
        Ok(self.spiked.clone())
    }

    fn voltages(&self) -> Result<Vec<f64>> {
        Ok(self.neurons.iter().map(Neuron::voltage).collect())
    }

    fn reset(&mut self) -> Result<()> {
        self.neurons.iter_mut().for_each(Neuron::reset);
        self.counts.fill(0);
        self.spiked.fill(0);
        Ok(())
    }

    fn clear_counts(&mut self) -> Result<()> {
        self.counts.fill(0);
        Ok(())
    }
}
