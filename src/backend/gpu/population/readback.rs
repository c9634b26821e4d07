//! Reading a population's buffers back to the host, blocking or frame by frame.

use super::{Arc, Error, GpuPopulation, Mutex, Result};

impl GpuPopulation {
    /// Copies the spike counts back to the host: submits a copy and waits for it.
    pub fn read_counts(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Result<Vec<u32>> {
        Ok(self
            .read_blocking(device, queue, &[&self.spike_count])?
            .remove(0))
    }

    /// Copies the spikes of the last step back to the host.
    pub fn read_spiked(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Result<Vec<u32>> {
        Ok(self
            .read_blocking(device, queue, &[&self.spiked])?
            .remove(0))
    }

    /// Each neuron's membrane voltage `v = drive − gap`, in `f32`: submits one copy of
    /// both buffers and waits for it.
    pub fn read_voltages(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Result<Vec<f32>> {
        let [gap, drive]: [Vec<f32>; 2] = self
            .read_blocking(device, queue, &[&self.gap, &self.drive])?
            .try_into()
            .map_err(|_| Error::Gpu("a readback lost a buffer".into()))?;
        Ok(drive.iter().zip(&gap).map(|(i, u)| i - u).collect())
    }

    /// Records a copy of `what` into `encoder` and returns a [`Readback`] that delivers
    /// it without blocking: submit the encoder, call [`Readback::map`], keep polling the
    /// device as a frame loop does (`wgpu::PollType::Poll`), and take the values with
    /// [`Readback::try_take`] once they are there. Each readback has its own staging
    /// buffer, so several may be in flight.
    pub fn encode_readback(
        &self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
        what: Readout,
    ) -> Readback {
        let buffers: &[&wgpu::Buffer] = match what {
            Readout::Counts => &[&self.spike_count],
            Readout::Spiked => &[&self.spiked],
            Readout::Voltages => &[&self.gap, &self.drive],
        };
        let staging = staging_buffer(device, buffers.len() * self.len());
        let row = (self.len() * 4) as u64;
        for (k, buffer) in buffers.iter().enumerate() {
            encoder.copy_buffer_to_buffer(buffer, 0, &staging, k as u64 * row, row);
        }
        Readback {
            staging,
            what,
            len: self.len(),
            mapped: Arc::new(Mutex::new(None)),
        }
    }

    /// Copies each of `buffers` (4-byte values, one per neuron) into the population's
    /// staging buffer in one submission, maps it once, and returns their values.
    fn read_blocking<T: bytemuck::Pod>(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        buffers: &[&wgpu::Buffer],
    ) -> Result<Vec<Vec<T>>> {
        let mut slot = self.staging.lock().unwrap_or_else(|e| e.into_inner());
        let staging = slot.get_or_insert_with(|| staging_buffer(device, 2 * self.len()));
        let row = (self.len() * 4) as u64;
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gpulif readback"),
        });
        for (k, buffer) in buffers.iter().enumerate() {
            encoder.copy_buffer_to_buffer(buffer, 0, staging, k as u64 * row, row);
        }
        queue.submit([encoder.finish()]);
        let size = row * buffers.len() as u64;
        map_blocking(device, &staging.slice(..size))?;
        let values = {
            let view = staging
                .slice(..size)
                .get_mapped_range()
                .map_err(|e| Error::Gpu(e.to_string()))?;
            view.chunks(row as usize)
                .map(bytemuck::pod_collect_to_vec)
                .collect()
        };
        staging.unmap();
        Ok(values)
    }
}

/// What [`GpuPopulation::encode_readback`] copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readout {
    /// The spike counts, `u32`.
    Counts,
    /// The spikes of the last step, `u32`.
    Spiked,
    /// The membrane voltages, `f32`.
    Voltages,
}

/// A readback recorded into a host's encoder, delivered without blocking the host: see
/// [`GpuPopulation::encode_readback`].
#[derive(Debug)]
pub struct Readback {
    staging: wgpu::Buffer,
    what: Readout,
    len: usize,
    mapped: Arc<Mutex<Option<std::result::Result<(), wgpu::BufferAsyncError>>>>,
}

/// The values a [`Readback`] delivers.
#[derive(Clone, Debug, PartialEq)]
pub enum Readings {
    /// Spike counts or spikes of the last step.
    Counts(Vec<u32>),
    /// Voltages.
    Voltages(Vec<f32>),
}

impl Readback {
    /// Asks for the copy to be mapped; call once, after submitting the encoder it was
    /// recorded into. Returns at once.
    pub fn map(&self) {
        self.map_then(|| ());
    }

    /// [`Readback::map`], and `then` runs once the copy is mapped (or has failed to
    /// be): a host that draws only when something changed wakes its window there.
    /// `then` runs where wgpu delivers the mapping: natively inside the host's
    /// `device.poll`, in a browser from the page's event loop.
    pub fn map_then(&self, then: impl FnOnce() + wgpu::WasmNotSend + 'static) {
        let mapped = Arc::clone(&self.mapped);
        self.staging
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                *mapped.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                then();
            });
    }

    /// What was read, once the device has mapped it (after [`Readback::map`] and the
    /// host's polling); `None` while it has not yet.
    pub fn try_take(&self) -> Option<Result<Readings>> {
        let result = self
            .mapped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        Some(result.map_err(Error::from).and_then(|()| {
            let readings = {
                let view = self
                    .staging
                    .slice(..)
                    .get_mapped_range()
                    .map_err(|e| Error::Gpu(e.to_string()))?;
                let row = self.len * 4;
                match self.what {
                    Readout::Counts | Readout::Spiked => {
                        Readings::Counts(bytemuck::pod_collect_to_vec(&view[..row]))
                    }
                    Readout::Voltages => {
                        let gap: Vec<f32> = bytemuck::pod_collect_to_vec(&view[..row]);
                        let drive: Vec<f32> = bytemuck::pod_collect_to_vec(&view[row..]);
                        Readings::Voltages(drive.iter().zip(&gap).map(|(i, u)| i - u).collect())
                    }
                }
            };
            self.staging.unmap();
            Ok(readings)
        }))
    }

    /// Maps the copy and awaits it, without blocking: in a browser, where the page's
    /// event loop delivers the mapping. Natively, where nothing delivers it unless the
    /// device is polled, use [`Readback::wait`] (or poll while awaiting).
    pub async fn wait_async(self) -> Result<Readings> {
        let mapped = Arc::clone(&self.mapped);
        let waker: Arc<Mutex<Option<std::task::Waker>>> = Arc::default();
        let wake = Arc::clone(&waker);
        self.staging
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                *mapped.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                if let Some(waker) = wake.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    waker.wake();
                }
            });
        std::future::poll_fn(|cx| {
            *waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
            match self.try_take() {
                Some(readings) => std::task::Poll::Ready(readings),
                None => std::task::Poll::Pending,
            }
        })
        .await
    }

    /// Maps the copy and blocks until it is there: [`Readback::map`], a wait on
    /// `device`, then [`Readback::try_take`].
    pub fn wait(self, device: &wgpu::Device) -> Result<Readings> {
        self.map();
        device.poll(wgpu::PollType::wait_indefinitely())?;
        self.try_take().unwrap_or_else(|| {
            Err(Error::DeviceLost(
                "the device finished its work without mapping a readback".into(),
            ))
        })
    }
}

/// Maps `slice` for reading (its buffer's copies already submitted) and waits until it
/// is mapped.
pub(crate) fn map_blocking(device: &wgpu::Device, slice: &wgpu::BufferSlice<'_>) -> Result<()> {
    let (sender, receiver) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |result| {
        // The receiver outlives the poll below; a failed send only means it gave up.
        let _ = sender.send(result);
    });
    device.poll(wgpu::PollType::wait_indefinitely())?;
    receiver.recv().map_err(|_| {
        Error::DeviceLost("the device dropped a readback before mapping it".into())
    })??;
    Ok(())
}

/// A buffer the host can map, for `values` 4-byte values.
fn staging_buffer(device: &wgpu::Device, values: usize) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("gpulif readback"),
        size: (values * 4) as u64,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}
