//! What a population records into a host's encoder: new inputs, steps, resets.

use super::{
    ChunkUniforms, Error, GpuPopulation, Inputs, Lowering, Result, STIMULUS_BYTES, STIMULUS_WINDOW,
    StimulusHeader, check_currents,
};

impl GpuPopulation {
    /// New input currents (model units, one per neuron in the population's order) for
    /// the steps recorded from now on. Writes the input buffers through `queue`, so it
    /// takes effect for command buffers submitted after this call.
    ///
    /// Each neuron's voltage stays continuous: the next recorded step first moves its
    /// gap by the change in current, so `v = I − u` is where it was. A refractory
    /// neuron stays refractory at `v = 0`.
    pub fn write_currents(&self, queue: &wgpu::Queue, currents: &[f64]) -> Result<()> {
        check_currents(currents, self.len())?;
        let lowering = Lowering::new(self.method, &self.params, self.each.borrow());
        let inputs = Inputs::new(&lowering, self.layout, currents);
        queue.write_buffer(&self.current, 0, bytemuck::cast_slice(&inputs.current));
        queue.write_buffer(&self.thresholds, 0, &inputs.thresholds);
        Ok(())
    }

    /// Records one dispatch that sets every neuron's spike count to what `steps` steps
    /// from rest would give, computed from its period (`shaders/count.wgsl`: the
    /// stepping kernels' counts, bit for bit), at the cost of each neuron's first
    /// interval (a neuron below threshold costs nothing): the cheapest way to a tuning
    /// curve. For a population at rest driven by constant currents alone
    /// ([`can_count_by_period`](Self::can_count_by_period); otherwise an error, and
    /// nothing recorded). The count is all it sets: the population's other state is
    /// left at rest, so read no more than its counts before a [`reset`](Self::reset).
    /// Like [`encode_steps_by_period`](Self::encode_steps_by_period), it makes a 16-byte
    /// buffer on `device` for `steps`.
    pub fn encode_counts_from_rest(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        steps: u32,
    ) -> Result<()> {
        let count = self.counting()?;
        let label = "gpulif count";
        self.dispatch_counting(device, encoder, &count.count, count.slot, steps, label)
    }

    /// The counting kernels, or why this population has none.
    fn counting(&self) -> Result<&super::Counting> {
        self.count.as_ref().ok_or_else(|| {
            Error::parameter(
                "counting by period",
                "a population driven by noise, a stimulus or Poisson input",
                "a population driven by constant currents alone",
            )
        })
    }

    /// Records one dispatch that advances every neuron by `steps` steps in closed form,
    /// from each neuron's period: the state [`encode_steps`](Self::encode_steps) leaves
    /// (gaps, refractory state, counts, last-step spikes), bit for bit, at the cost of a
    /// few of each neuron's intervals rather than `steps` (`advance_euler` in
    /// `shaders/lif_euler.wgsl`, `advance_exact` in `shaders/lif_exact.wgsl`).
    ///
    /// For a population driven by constant currents alone
    /// ([`can_count_by_period`](Self::can_count_by_period)); otherwise an error, and
    /// nothing recorded. The currents must stay as they are while the dispatch runs: a
    /// host whose shaders write them records this after its own writes (and
    /// [`encode_form_inputs`](Self::encode_form_inputs)), never between the steps it
    /// stands for. Makes a 16-byte buffer on `device` that holds `steps`, copied into
    /// the population's step table within `encoder`, so several calls may be recorded
    /// into one encoder.
    pub fn encode_steps_by_period(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        steps: u32,
    ) -> Result<()> {
        let count = self.counting()?;
        if steps > 0 {
            let label = "gpulif advance by period";
            self.dispatch_counting(device, encoder, &count.advance, count.slot, steps, label)?;
        }
        Ok(())
    }

    /// Writes `steps` into the counting slot of the step table within `encoder` and
    /// records one dispatch of `pipeline` that reads it.
    fn dispatch_counting(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        pipeline: &wgpu::ComputePipeline,
        slot: u32,
        steps: u32,
        label: &str,
    ) -> Result<()> {
        let uniforms = ChunkUniforms {
            steps,
            _pad: [0; 3],
        };
        let size = size_of::<ChunkUniforms>() as u64;
        let usage = wgpu::BufferUsages::COPY_SRC;
        let contents = bytemuck::bytes_of(&uniforms);
        let (source, error) = super::build::buffer_init(device, "gpulif steps", contents, usage);
        if let Some(error) = error {
            return Err(error);
        }
        encoder.copy_buffer_to_buffer(&source, 0, &self.chunks, u64::from(slot), Some(size));
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(label),
            timestamp_writes: None,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &self.bind_group, &[slot]);
        pass.dispatch_workgroups(self.shape.workgroups_x, self.shape.workgroups_y, 1);
        Ok(())
    }

    /// Records dispatches that advance every neuron by `steps` steps into `encoder`, in
    /// one compute pass. Submits nothing; several calls, and several populations, may
    /// record into the same encoder, and run in the order recorded.
    ///
    /// The steps are split into full chunks of [`GpuPopulation::steps_per_dispatch`] and
    /// the binary digits of the remainder, each a dispatch reading its step count from a
    /// fixed table, so recording never writes to a buffer.
    pub fn encode_steps(&self, encoder: &mut wgpu::CommandEncoder, steps: u32) {
        if steps == 0 {
            return;
        }
        let full_chunks = steps >> self.chunk_log2;
        let remainder_bits = (0..self.chunk_log2).rev().filter(|j| steps & (1 << j) != 0);
        let slots =
            std::iter::repeat_n(self.chunk_log2, full_chunks as usize).chain(remainder_bits);
        if let Some(noisy) = &self.noisy {
            // Each dispatch reads the step it starts at from the clock's uniform copy;
            // the clock is advanced after it and copied for the next.
            for j in slots {
                let offset = [j * self.chunk_stride];
                {
                    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                        label: Some("gpulif step_noisy"),
                        timestamp_writes: None,
                    });
                    pass.set_pipeline(&self.pipeline);
                    pass.set_bind_group(0, &self.bind_group, &offset);
                    pass.dispatch_workgroups(self.shape.workgroups_x, self.shape.workgroups_y, 1);
                    pass.set_pipeline(&noisy.tick);
                    pass.set_bind_group(0, &noisy.tick_bind_group, &offset);
                    pass.dispatch_workgroups(1, 1, 1);
                }
                encoder.copy_buffer_to_buffer(&noisy.clock, 0, &noisy.clock_uniform, 0, None);
            }
            return;
        }
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("gpulif step_euler"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        for j in slots {
            pass.set_bind_group(0, &self.bind_group, &[j * self.chunk_stride]);
            pass.dispatch_workgroups(self.shape.workgroups_x, self.shape.workgroups_y, 1);
        }
    }

    /// Records a return to the start: every neuron at rest (`v = 0`, not refractory)
    /// under its latest current, counts and spike flags zero.
    pub fn reset(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.copy_buffer_to_buffer(&self.current, 0, &self.gap, 0, None);
        encoder.copy_buffer_to_buffer(&self.current, 0, &self.drive, 0, None);
        encoder.clear_buffer(&self.refractory_left, 0, None);
        if self.layout.countdown {
            // Each countdown at rest, from the second half of the inputs.
            let row = self.len() as u64 * 4;
            let rests = 2 * row;
            encoder.copy_buffer_to_buffer(
                &self.thresholds,
                rests,
                &self.refractory_left,
                row,
                rests,
            );
        }
        encoder.clear_buffer(&self.spike_count, 0, None);
        encoder.clear_buffer(&self.spiked, 0, None);
        if let Some(noisy) = &self.noisy {
            // Step 0 starts the Ornstein–Uhlenbeck currents afresh.
            encoder.clear_buffer(&noisy.clock, 0, None);
            encoder.clear_buffer(&noisy.clock_uniform, 0, None);
        }
    }

    /// Writes the stimulus of steps `first_step .. first_step + values.len()` (steps
    /// counted from the population's start or last [`reset`](Self::reset)), at most
    /// [`STIMULUS_WINDOW`] values, through `queue`: the steps recorded after it read
    /// them, and read 0 outside them. The window made with the population holds the
    /// stimulus's first values; write the next window before submitting the steps
    /// past it, one window per submission.
    pub fn write_stimulus(
        &self,
        queue: &wgpu::Queue,
        first_step: u64,
        values: &[f32],
    ) -> Result<()> {
        let Some(buffer) = self
            .noisy
            .as_ref()
            .filter(|n| n.has_stimulus)
            .map(|n| &n.stimulus)
        else {
            return Err(Error::parameter(
                "stimulus",
                "a window of values",
                "a population made with a stimulus",
            ));
        };
        if values.len() > STIMULUS_WINDOW {
            return Err(Error::parameter(
                "stimulus window",
                values.len(),
                format!("at most {STIMULUS_WINDOW} values"),
            ));
        }
        if let Some(k) = values.iter().position(|x| !x.is_finite()) {
            return Err(Error::parameter(
                "stimulus",
                format!("{} at step {}", values[k], first_step + k as u64),
                "finite values",
            ));
        }
        queue.write_buffer(buffer, 0, &stimulus_window(first_step, values));
        Ok(())
    }

    /// Records zeroing the spike counts; the neurons' state is kept.
    pub fn clear_counts(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.clear_buffer(&self.spike_count, 0, None);
    }

    /// Records forming each neuron's threshold on the device from the currents now in
    /// [`current_buffer`](Self::current_buffer), for a host whose own shader wrote them.
    /// Record it after that shader and before the next [`encode_steps`](Self::encode_steps).
    ///
    /// The thresholds are formed in float32 from float32 currents (`shaders/inputs.wgsl`)
    /// where [`write_currents`](Self::write_currents) forms them in float64: the spike
    /// counts then agree with the float64 reference as closely as the host-written
    /// path does on the same float32 currents except within a few float32 roundings of
    /// a step boundary (the book's page on embedding gives the measured agreement).
    pub fn encode_form_inputs(&self, encoder: &mut wgpu::CommandEncoder) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("gpulif form inputs"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.form_inputs);
        pass.set_bind_group(0, &self.inputs_bind_group, &[]);
        pass.dispatch_workgroups(self.shape.workgroups_x, self.shape.workgroups_y, 1);
    }
}

/// The bytes of a stimulus window holding `values` from step `origin`.
pub(super) fn stimulus_window(origin: u64, values: &[f32]) -> Vec<u8> {
    let header = StimulusHeader {
        origin: [origin as u32, (origin >> 32) as u32],
        len: values.len() as u32,
        _pad: 0,
    };
    let mut bytes = vec![0u8; STIMULUS_BYTES];
    bytes[..size_of::<StimulusHeader>()].copy_from_slice(bytemuck::bytes_of(&header));
    let values: &[u8] = bytemuck::cast_slice(values);
    bytes[size_of::<StimulusHeader>()..size_of::<StimulusHeader>() + values.len()]
        .copy_from_slice(values);
    bytes
}
