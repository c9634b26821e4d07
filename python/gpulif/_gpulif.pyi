"""Type stubs of the compiled extension; the documented API is ``gpulif``."""

from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

class GpuError(RuntimeError): ...

F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]
Callback = Optional[Callable[[int, int], Any]]

def curve(
    currents: F64, duration: float, dt: float, tau_rc: float, tau_ref: float, v_th: float,
    method: str, backend: str, adapter: Optional[str], noise: float, noise_tau: float,
    seed: Optional[int], stimulus: Optional[F64], dt_correction: bool,
    tau_rc_each: Optional[F64], tau_ref_each: Optional[F64], v_th_each: Optional[F64],
    progress: Callback, first_index: int = 0,
) -> dict: ...
def trace(
    currents: F64, duration: float, dt: float, tau_rc: float, tau_ref: float, v_th: float,
    method: str, backend: str, adapter: Optional[str], noise: float, noise_tau: float,
    seed: Optional[int], stimulus: Optional[F64],
) -> dict: ...
def ensemble(
    neurons: int, max_rates: Tuple[float, float], intercepts: Tuple[float, float],
    x_points: int, seed: int, method: str, duration: float, dt: float, tau_rc: float,
    tau_ref: float, v_th: float, backend: str, adapter: Optional[str], noise: float,
    noise_tau: float, progress: Callback,
) -> dict: ...
def devices() -> list: ...
def bench(
    neurons: int, steps: int, i_min: float, i_max: float, dt: float, tau_rc: float,
    tau_ref: float, v_th: float, method: str, backends: Sequence[str], runs: int,
    noise: float, noise_tau: float, seed: Optional[int],
) -> list: ...
def analytic_rate(
    currents: F64, dt: float, tau_rc: float, tau_ref: float, v_th: float, noise: float,
    noise_tau: float, dt_correction: bool,
) -> F64: ...
def sweep(i_min: float, i_max: float, neurons: int) -> F64: ...

class Population:
    backend: str
    device: str
    seed: int
    def __init__(
        self, currents: F64, dt: float, tau_rc: float, tau_ref: float, v_th: float,
        method: str, backend: str, adapter: Optional[str], noise: float, noise_tau: float,
        seed: Optional[int], stimulus: Optional[F64], tau_rc_each: Optional[F64],
        tau_ref_each: Optional[F64], v_th_each: Optional[F64],
    ) -> None: ...
    def __len__(self) -> int: ...
    def step(self, steps: int) -> None: ...
    def set_currents(self, currents: F64) -> None: ...
    def counts(self) -> U32: ...
    def spiked(self) -> U32: ...
    def voltages(self) -> F64: ...
    def reset(self) -> None: ...
    def clear_counts(self) -> None: ...
    def record(self, steps: int) -> Tuple[F64, U32]: ...
