"""gpulif: millions of leaky integrate-and-fire neurons on the GPU.

Tuning curves, traces, Nengo-style ensembles and stateful populations of the
tutorial's LIF neuron, simulated in a WGSL compute shader through wgpu (any Vulkan,
Metal or DX12 adapter, or Mesa's lavapipe), in the fast CPU kernel, or in the float64
reference; numpy arrays in and out.

>>> import gpulif
>>> result = gpulif.curve(gpulif.sweep(0, 10, 1000), duration=1.0, backend="cpu")
>>> result.rates.shape
(1000,)

Every function takes the command line's vocabulary and defaults (``gpulif curve
--help``). Bad input raises ``ValueError`` with one line naming the parameter and its
accepted range; a GPU failure raises :class:`GpuError`. Simulations release the GIL, and
Ctrl-C stops one within a fraction of a second with ``KeyboardInterrupt``.
"""

from __future__ import annotations

import operator
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

# Mesa's Vulkan device-select layer looks for a Wayland display to pick a default GPU
# and, on a headless machine, prints "error: XDG_RUNTIME_DIR is invalid or not set" for
# every wgpu instance; gpulif ranks adapters itself, so there it is switched off, as the
# command line does. Set before the extension makes any instance.
if "XDG_RUNTIME_DIR" not in os.environ and "NODEVICE_SELECT" not in os.environ:
    os.environ["NODEVICE_SELECT"] = "1"

from . import _gpulif
from ._gpulif import GpuError

__version__: str = _gpulif.__version__

__all__ = [
    "GpuError",
    "CurveResult",
    "TraceResult",
    "EnsembleResult",
    "Population",
    "curve",
    "trace",
    "ensemble",
    "sweep",
    "analytic_rate",
    "devices",
    "bench",
]

ArrayLike = Union[float, Sequence[float], np.ndarray]
Progress = Union[bool, Callable[[int, int], Any], None]

#: The tutorial's neuron: ``tau_rc`` 0.2 s, ``tau_ref`` 0.002 s, ``v_th`` 1, ``dt`` 0.001 s.
DEFAULTS = {"dt": 0.001, "tau_rc": 0.2, "tau_ref": 0.002, "v_th": 1.0}


def _real_array(name: str, values: Any) -> np.ndarray:
    """``values`` as a float64 array of any shape, refusing what is not real numbers:
    ``None`` (which numpy turns into NaN), complex values (which a float cast would cut
    to their real part), strings, booleans and objects."""
    if values is None:
        raise ValueError(f"{name}: expected numbers, got None")
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected numbers, got {_short(values)}") from error
    if np.iscomplexobj(raw):
        raise ValueError(f"{name}: expected real numbers, got complex values")
    if raw.dtype == object and all(_is_real(x) for x in raw.flat):
        # Python numbers held as objects (a pandas column of dtype object, say).
        raw = raw.astype(np.float64)
    if raw.dtype.kind not in "iuf":
        raise ValueError(f"{name}: expected numbers, got {raw.dtype} values {_short(values)}")
    return raw.astype(np.float64, copy=False)


def _is_real(value: Any) -> bool:
    """A real number: an int or float of Python or numpy, not a boolean."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _short(value: Any) -> str:
    """``repr(value)``, cut to one short line for a message."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _real(name: str, value: Any) -> float:
    """A real scalar, as a float; ``ValueError`` naming ``name`` for anything else."""
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)) or value is None:
        raise ValueError(f"{name}: expected a real number, got {_short(value)}")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"{name}: expected a real number, got {_short(value)}") from error


def _whole(name: str, value: Any, largest: int) -> int:
    """A whole number from 0 to ``largest`` (what the extension's integer type holds);
    ``ValueError`` naming ``name`` otherwise. Ranges narrower than the type are the
    library's to check, with their own message."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise ValueError(f"{name}: expected a whole number, got {_short(value)}")
    try:
        number = operator.index(value)
    except TypeError as error:
        raise ValueError(f"{name}: expected a whole number, got {_short(value)}") from error
    if not 0 <= number <= largest:
        raise ValueError(f"{name} = {number} is out of range: expected 0 to {largest}")
    return number


def _text(name: str, value: Any) -> str:
    """A string argument (``method``, ``backend``, ``adapter``)."""
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a string, got {_short(value)}")
    return value


def _seed(value: Any) -> Optional[int]:
    """``None`` (drawn) or a seed the noise streams take."""
    return None if value is None else _whole("seed", value, _U64_MAX)


def _pair(name: str, value: Any) -> Tuple[float, float]:
    """Two real numbers, ``(low, high)``."""
    array = _real_array(name, value)
    if array.shape != (2,):
        raise ValueError(f"{name}: expected two numbers (low, high), got {_short(value)}")
    return float(array[0]), float(array[1])


def _poisson(value: Any) -> Optional[Tuple[float, float]]:
    """``None`` (no Poisson input) or ``(rate, weight)``, two real numbers."""
    if value is None:
        return None
    array = _real_array("poisson", value)
    if array.shape != (2,):
        raise ValueError(f"poisson: expected two numbers (rate, weight), got {_short(value)}")
    return float(array[0]), float(array[1])


def _adapter(value: Any) -> Optional[str]:
    """``None`` or the text an adapter's name contains."""
    return None if value is None else _text("adapter", value)


#: The largest values the extension's integer types hold.
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1


def _floats(name: str, values: Any) -> np.ndarray:
    """A contiguous, aligned 1-D float64 array of ``values``, copied only when needed
    (an array that arrived by pickle may be contiguous but misaligned)."""
    array = _real_array(name, values)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {array.shape}")
    return np.require(array, dtype=np.float64, requirements=["C", "A"])


def _currents(values: Any) -> np.ndarray:
    """The ``currents`` argument: a 1-D float64 array of at least one current."""
    currents = _floats("currents", values)
    if len(currents) == 0:
        raise ValueError("currents: expected at least one current (one neuron each), got none")
    return currents


def _parameter(name: str, value: ArrayLike, neurons: int) -> Tuple[float, Optional[np.ndarray]]:
    """A shared value, or a per-neuron array (the shared value is then its first)."""
    array = _real_array(name, value)
    if array.ndim == 0:
        return float(array), None
    each = _floats(name, array)
    if len(each) != neurons:
        raise ValueError(f"{name}: one value per neuron, {neurons}, expected; got {len(each)}")
    return float(each[0]), each


def _neuron_parameters(tau_rc: ArrayLike, tau_ref: ArrayLike, v_th: ArrayLike, neurons: int) -> tuple:
    """``(tau_rc, tau_ref, v_th, tau_rc_each, tau_ref_each, v_th_each)``: each shared
    value, and each per-neuron array given."""
    (a, a_each), (b, b_each), (c, c_each) = (
        _parameter(name, value, neurons)
        for name, value in (("tau_rc", tau_rc), ("tau_ref", tau_ref), ("v_th", v_th))
    )
    return a, b, c, a_each, b_each, c_each


def _progress(progress: Progress) -> Optional[Callable[[int, int], Any]]:
    """``True``: a line on stderr; a callable: called with (done, total) neuron-steps."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress

    def report(done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        sys.stderr.write(f"\rgpulif: {100 * fraction:5.1f} % of {total:.3g} neuron-steps")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report


def sweep(i_min: float, i_max: float, neurons: int) -> np.ndarray:
    """``neurons`` currents evenly spaced from ``i_min`` to ``i_max``, both included.

    The same currents as ``gpulif curve --i-min --i-max --neurons``.
    """
    return _gpulif.sweep(
        _real("i_min", i_min), _real("i_max", i_max), _whole("neurons", neurons, _U64_MAX)
    )


@dataclass
class CurveResult:
    """A simulated tuning curve beside the analytic one.

    Attributes
    ----------
    currents : numpy.ndarray
        The input currents, float64, one neuron each (the array given, when it was one).
    counts : numpy.ndarray
        Spikes of each neuron over the run, uint32.
    rates : numpy.ndarray
        ``counts / duration``, Hz.
    analytic : numpy.ndarray
        The analytic rate of each neuron, Hz: the LIF rate, under noise the Siegert rate
        (with the Euler neuron's step correction unless ``dt_correction=False``), under
        a stimulus the quasi-static rate.
    duration, dt : float
        The run's length and time step, seconds.
    method, backend, device : str
        How and where it was simulated.
    seed : int
        The seed of the noise streams (drawn when not given for a run with noise or
        Poisson input, 0 for a run with neither); pass it back to repeat a noisy run
        exactly.
    wall_seconds, neuron_steps_per_second : float
        How long the simulation took, and its speed in stepped neuron-steps per second
        (NaN when ``counted``: no step was stepped).
    poisson : (float, float) or None
        The Poisson input's ``(rate, weight)``, if any.
    counted : bool
        Whether the counts were computed from each neuron's period rather than by
        stepping every step (the same counts; see ``stepwise``).
    """

    currents: np.ndarray
    counts: np.ndarray
    rates: np.ndarray
    analytic: np.ndarray
    duration: float
    dt: float
    method: str
    backend: str
    device: str
    seed: int
    noise: float
    noise_tau: float
    wall_seconds: float
    neuron_steps_per_second: float
    params: dict = field(default_factory=dict)
    poisson: Optional[Tuple[float, float]] = None
    counted: bool = False

    def __len__(self) -> int:
        return len(self.counts)

    def __repr__(self) -> str:
        return (
            f"CurveResult({len(self)} neurons, {self.duration} s, {self.method} on "
            f"{self.backend}: mean rate {self.rates.mean():.4g} Hz)"
        )

    def plot(self, ax: Any = None, max_points: int = 4000) -> Any:
        """Draws the curve (solid) over the analytic one (dashed), as ``gpulif curve
        --plot`` does; returns the axes. Needs matplotlib."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 5))
        order = np.argsort(self.currents, kind="stable")
        stride = max(1, len(order) // max_points)
        shown = order[::stride]
        ax.plot(self.currents[shown], self.rates[shown], label="Simulated")
        label = "Siegert" if self.noise > 0 else "Analytical"
        ax.plot(self.currents[order], self.analytic[order], "--", label=label)
        ax.set_xlabel("Input current")
        ax.set_ylabel("Output rate (Hz)")
        p = self.params
        ax.set_title(
            f"tau_rc {p.get('tau_rc')} s, tau_ref {p.get('tau_ref')} s, v_th {p.get('v_th')},"
            f" dt {self.dt} s, {self.duration} s ({self.backend})"
        )
        ax.legend()
        return ax


def curve(
    currents: ArrayLike,
    *,
    duration: float = 10.0,
    dt: float = 0.001,
    tau_rc: ArrayLike = 0.2,
    tau_ref: ArrayLike = 0.002,
    v_th: ArrayLike = 1.0,
    method: str = "euler",
    backend: str = "auto",
    adapter: Optional[str] = None,
    noise: float = 0.0,
    noise_tau: float = 0.0,
    seed: Optional[int] = None,
    poisson: Optional[Tuple[float, float]] = None,
    stimulus: Optional[ArrayLike] = None,
    dt_correction: bool = True,
    progress: Progress = False,
    first_index: int = 0,
    stepwise: bool = False,
) -> CurveResult:
    """Simulates one neuron per current from rest and counts its spikes.

    Parameters
    ----------
    currents : array_like
        Input currents (model units), one neuron each; any float array-like.
        :func:`sweep` makes evenly spaced ones.
    duration : float
        Simulated time, seconds; a whole number of ``dt`` steps.
    dt, tau_rc, tau_ref, v_th : float or array_like
        The neuron. ``tau_rc``, ``tau_ref`` and ``v_th`` may be arrays, one value per
        neuron; ``dt`` is shared.
    method : {"euler", "exact"}
        The tutorial's Euler step, or exact integration.
    backend : {"auto", "gpu", "cpu", "reference"}
        ``auto``: a hardware GPU if there is one, else the CPU. ``gpu``: any adapter,
        lavapipe included. ``reference``: float64.
    adapter : str, optional
        The GPU adapter whose name contains this text.
    noise, noise_tau : float
        White noise of amplitude ``noise`` (``noise_tau`` 0) or an Ornstein–Uhlenbeck
        current of time constant ``noise_tau`` seconds (Euler only).
    seed : int, optional
        Seed of the noise streams and the Poisson input's; drawn (and returned in the
        result) when not given for a run with noise or Poisson input, 0 for a run with
        neither.
    poisson : (float, float), optional
        ``(rate, weight)``: every neuron receives its own Poisson spike train of
        ``rate`` Hz, each event adding ``weight`` to its voltage; events that arrive
        while it is refractory are lost (Euler only; ``rate·dt`` at most 20). The
        analytic rate is then the diffusion approximation's.
    stimulus : array_like, optional
        A signal added to every current, one value per step (at least as many as steps).
    dt_correction : bool
        Compare with the Euler neuron's Siegert rate (True) or the continuous one's.
    progress : bool or callable
        ``True`` prints progress on stderr; a callable is called with ``(done, total)``
        neuron-steps about every 50 ms.
    first_index : int
        The index of the first neuron in a larger sweep: neuron ``k`` draws the noise
        stream of neuron ``first_index + k``, so the parts of a split sweep draw what
        the whole would (:mod:`gpulif.dask` sets it).
    stepwise : bool
        Step every neuron through every step. By default a run driven by constant
        currents alone (no noise, stimulus or Poisson input) is counted from each
        neuron's period (on the CPU, the GPU, and for Euler the float64 reference): the
        same counts, bit for bit (``result.counted`` says which).

    Returns
    -------
    CurveResult

    Raises
    ------
    ValueError
        For a parameter out of range, with its name and the range.
    GpuError
        When the GPU fails (no adapter for ``backend="gpu"``, a lost device).
    """
    currents = _currents(currents)
    n = len(currents)
    tau_rc_0, tau_ref_0, v_th_0, tau_rc_each, tau_ref_each, v_th_each = _neuron_parameters(
        tau_rc, tau_ref, v_th, n
    )
    stimulus_array = None if stimulus is None else _floats("stimulus", stimulus)
    raw = _gpulif.curve(
        currents, _real("duration", duration), _real("dt", dt), tau_rc_0, tau_ref_0, v_th_0,
        _text("method", method), _text("backend", backend), _adapter(adapter),
        _real("noise", noise), _real("noise_tau", noise_tau), _seed(seed), stimulus_array,
        bool(dt_correction), tau_rc_each, tau_ref_each, v_th_each, _progress(progress),
        _whole("first_index", first_index, _U64_MAX), _poisson(poisson), bool(stepwise),
    )
    counts = raw["counts"]
    return CurveResult(
        currents=currents,
        counts=counts,
        rates=counts / raw["duration"],
        analytic=raw["analytic"],
        duration=raw["duration"],
        dt=float(dt),
        method=method,
        backend=raw["backend"],
        device=raw["device"],
        seed=raw["seed"],
        noise=float(noise),
        noise_tau=float(noise_tau),
        poisson=_poisson(poisson),
        wall_seconds=raw["wall_seconds"],
        neuron_steps_per_second=raw["neuron_steps_per_second"],
        counted=raw["counted"],
        params={"tau_rc": tau_rc_0 if tau_rc_each is None else "per neuron",
                "tau_ref": tau_ref_0 if tau_ref_each is None else "per neuron",
                "v_th": v_th_0 if v_th_each is None else "per neuron",
                "frozen_steps": raw["frozen_steps"]},
    )


@dataclass
class TraceResult:
    """Neurons followed step by step.

    Attributes
    ----------
    currents : numpy.ndarray
        Each neuron's constant current.
    times : numpy.ndarray
        The end of each step, seconds (``steps``).
    voltages : numpy.ndarray
        Each neuron's voltage after each step, ``(neurons, steps)``.
    inputs : numpy.ndarray
        Each neuron's input on each step (its current plus the stimulus), ``(neurons, steps)``.
    spikes : list of numpy.ndarray
        Each neuron's spike times, seconds.
    """

    currents: np.ndarray
    times: np.ndarray
    voltages: np.ndarray
    inputs: np.ndarray
    spikes: List[np.ndarray]
    sentences: List[str]
    duration: float
    backend: str
    device: str
    seed: int
    v_th: float

    @property
    def counts(self) -> np.ndarray:
        """Each neuron's spikes."""
        return np.array([len(s) for s in self.spikes], dtype=np.uint32)

    def __str__(self) -> str:
        """The tutorial's sentence for each neuron, one per line."""
        return "\n".join(self.sentences)

    def __repr__(self) -> str:
        return f"TraceResult({len(self.currents)} neurons, {self.duration} s on {self.backend})"

    def plot(self, ax: Any = None, neuron: int = 0) -> Any:
        """Draws one neuron's input, threshold, voltage and spikes over time, as the
        tutorial's first figure; returns the axes. Needs matplotlib."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 5))
        ax.plot(self.times, self.inputs[neuron], color="grey", label="Input current")
        ax.axhline(self.v_th, color="green", linestyle="--", label="Threshold v_th")
        ax.plot(self.times, self.voltages[neuron], label="Voltage v")
        top = max(float(self.voltages[neuron].max()), self.v_th, float(self.inputs[neuron].max()))
        ax.vlines(self.spikes[neuron], top * 1.05, top * 1.15, color="red", label="Spikes")
        ax.set_xlabel("Time (s)")
        ax.set_ylabel("Voltage, current (model units)")
        ax.set_title(self.sentences[neuron])
        ax.legend(loc="lower right")
        return ax


def trace(
    currents: ArrayLike,
    *,
    duration: float = 1.0,
    dt: float = 0.001,
    tau_rc: float = 0.2,
    tau_ref: float = 0.002,
    v_th: float = 1.0,
    method: str = "euler",
    backend: str = "auto",
    adapter: Optional[str] = None,
    noise: float = 0.0,
    noise_tau: float = 0.0,
    seed: Optional[int] = None,
    poisson: Optional[Tuple[float, float]] = None,
    stimulus: Optional[ArrayLike] = None,
) -> TraceResult:
    """Follows one neuron per current step by step from rest: voltages and spikes.

    Parameters
    ----------
    currents : array_like
        Input currents, one neuron each.
    duration : float
        Simulated time, seconds; a whole number of ``dt`` steps. At most 2×10⁷ steps ×
        neurons are kept.
    dt, tau_rc, tau_ref, v_th, method, backend, adapter, noise, noise_tau, seed, poisson, stimulus
        As for :func:`curve` (shared by every neuron).

    Returns
    -------
    TraceResult
        ``str(result)`` is the tutorial's sentence for each neuron, e.g. ``An input of
        1.1 produces 29 spikes in 20 seconds (1.45 Hz)``.
    """
    currents = _currents(currents)
    stimulus_array = None if stimulus is None else _floats("stimulus", stimulus)
    raw = _gpulif.trace(
        currents, _real("duration", duration), _real("dt", dt), _real("tau_rc", tau_rc),
        _real("tau_ref", tau_ref), _real("v_th", v_th), _text("method", method),
        _text("backend", backend), _adapter(adapter), _real("noise", noise),
        _real("noise_tau", noise_tau), _seed(seed), stimulus_array, _poisson(poisson),
    )
    return TraceResult(
        currents=currents,
        times=raw["times"],
        voltages=raw["voltages"],
        inputs=raw["inputs"],
        spikes=list(raw["spikes"]),
        sentences=list(raw["sentences"]),
        duration=float(duration),
        backend=raw["backend"],
        device=raw["device"],
        seed=raw["seed"],
        v_th=float(v_th),
    )


@dataclass
class EnsembleResult:
    """Tuning curves of a Nengo-style ensemble.

    Attributes
    ----------
    x : numpy.ndarray
        The points of the represented value, from −1 to 1 (``x_points``).
    rates : numpy.ndarray
        ``(x_points, neurons)``: row k is every neuron's rate at ``x[k]``, Hz.
    gains, biases, encoders, intercepts, max_rates : numpy.ndarray
        Each neuron's: ``J(x) = gain·encoder·x + bias``.
    counted : bool
        True when the counts were computed from each neuron's period rather than by
        stepping every step (the same counts; see ``stepwise``).
    """

    x: np.ndarray
    rates: np.ndarray
    gains: np.ndarray
    biases: np.ndarray
    encoders: np.ndarray
    intercepts: np.ndarray
    max_rates: np.ndarray
    backend: str
    device: str
    counted: bool = False

    def plot(self, ax: Any = None, neurons: int = 40) -> Any:
        """Draws up to ``neurons`` of the curves against x; returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 5))
        ax.plot(self.x, self.rates[:, :neurons])
        ax.set_xlabel("x")
        ax.set_ylabel("Firing rate (Hz)")
        return ax


def ensemble(
    neurons: int = 50,
    *,
    max_rates: Tuple[float, float] = (200.0, 400.0),
    intercepts: Tuple[float, float] = (-1.0, 0.9),
    x_points: int = 101,
    seed: int = 0,
    method: str = "exact",
    duration: float = 1.0,
    dt: float = 0.001,
    tau_rc: float = 0.02,
    tau_ref: float = 0.002,
    v_th: float = 1.0,
    backend: str = "auto",
    adapter: Optional[str] = None,
    noise: float = 0.0,
    noise_tau: float = 0.0,
    poisson: Optional[Tuple[float, float]] = None,
    progress: Progress = False,
    stepwise: bool = False,
) -> EnsembleResult:
    """Nengo-style ensemble tuning curves, as ``gpulif ensemble``.

    Parameters
    ----------
    neurons : int
        Neurons in the ensemble.
    max_rates, intercepts : (float, float)
        Ranges each neuron's maximum rate (Hz) and intercept are drawn from, uniformly;
        its encoder is +1 or −1.
    x_points : int
        Points of x, evenly spaced from −1 to 1.
    seed : int
        Seed of the draws and of the noise: the same seed, the same ensemble.
    method : {"exact", "euler"}
        Exact by default, whose rates are the analytic ones.
    duration, dt, tau_rc, tau_ref, v_th, backend, adapter, noise, noise_tau, poisson, progress
        As for :func:`curve`; the neuron defaults are Nengo's (tau_rc 0.02 s). The
        Poisson input is drawn with ``seed``.
    stepwise : bool
        As for :func:`curve`: step every step rather than count from each neuron's
        period where constant currents alone drive the neurons (the same rates;
        ``result.counted`` says which).

    Returns
    -------
    EnsembleResult
        ``J(x) = gain·encoder·x + bias`` for each neuron; every neuron at every point of
        x simulated in one batched run.
    """
    raw = _gpulif.ensemble(
        _whole("neurons", neurons, _U64_MAX), _pair("max_rates", max_rates),
        _pair("intercepts", intercepts), _whole("x_points", x_points, _U64_MAX),
        _whole("seed", seed, _U64_MAX), _text("method", method), _real("duration", duration),
        _real("dt", dt), _real("tau_rc", tau_rc), _real("tau_ref", tau_ref),
        _real("v_th", v_th), _text("backend", backend), _adapter(adapter),
        _real("noise", noise), _real("noise_tau", noise_tau), _progress(progress),
        _poisson(poisson), bool(stepwise),
    )
    return EnsembleResult(**raw)


class Population:
    """Neurons with state that persists between runs of steps, on any backend: the
    Python face of the library's ``Population`` trait.

    Parameters
    ----------
    currents : array_like
        Input currents, one neuron each.
    dt, tau_rc, tau_ref, v_th, method, backend, adapter, noise, noise_tau, seed, stimulus
        As for :func:`curve`; ``tau_rc``, ``tau_ref`` and ``v_th`` may be arrays.
    stepwise : bool
        Step every step. By default a population driven by constant currents alone (no
        noise or stimulus) is advanced from each neuron's period instead, with the same
        state after every :meth:`step`, bit for bit (:attr:`counted` says which).

    Notes
    -----
    The population starts at rest; :meth:`step` advances it, :meth:`set_currents`
    changes its inputs (each voltage carries over), :attr:`counts`, :attr:`voltages`
    and :attr:`spiked` read it, :meth:`reset` and :meth:`clear_counts` start again,
    :meth:`record` returns each step's voltages and spikes. Stepping releases the GIL:
    two populations may be stepped from two Python threads at once.

    Examples
    --------
    >>> pop = gpulif.Population(gpulif.sweep(0, 5, 1000), tau_rc=0.02, noise=0.3, seed=1)
    >>> pop.step(1000)
    >>> pop.counts.shape, pop.counts.dtype
    ((1000,), dtype('uint32'))
    """

    def __init__(
        self,
        currents: ArrayLike,
        *,
        dt: float = 0.001,
        tau_rc: ArrayLike = 0.2,
        tau_ref: ArrayLike = 0.002,
        v_th: ArrayLike = 1.0,
        method: str = "euler",
        backend: str = "auto",
        adapter: Optional[str] = None,
        noise: float = 0.0,
        noise_tau: float = 0.0,
        seed: Optional[int] = None,
        stimulus: Optional[ArrayLike] = None,
        stepwise: bool = False,
    ) -> None:
        currents = _currents(currents)
        n = len(currents)
        tau_rc_0, tau_ref_0, v_th_0, tau_rc_each, tau_ref_each, v_th_each = _neuron_parameters(
            tau_rc, tau_ref, v_th, n
        )
        stimulus_array = None if stimulus is None else _floats("stimulus", stimulus)
        self._inner = _gpulif.Population(
            currents, _real("dt", dt), tau_rc_0, tau_ref_0, v_th_0, _text("method", method),
            _text("backend", backend), _adapter(adapter), _real("noise", noise),
            _real("noise_tau", noise_tau), _seed(seed), stimulus_array, tau_rc_each,
            tau_ref_each, v_th_each, bool(stepwise),
        )
        self.dt = float(dt)
        self.steps_done = 0

    def __len__(self) -> int:
        return len(self._inner)

    def __repr__(self) -> str:
        return f"Population({len(self)} neurons on {self.backend}, {self.steps_done} steps)"

    @property
    def backend(self) -> str:
        """``gpu``, ``cpu`` or ``reference``."""
        return self._inner.backend

    @property
    def device(self) -> str:
        """The device it runs on."""
        return self._inner.device

    @property
    def seed(self) -> int:
        """The seed of its noise streams."""
        return self._inner.seed

    @property
    def counted(self) -> bool:
        """True when :meth:`step` advances from each neuron's period rather than
        stepping every step (the same state either way; see ``stepwise``)."""
        return self._inner.counted

    def step(self, steps: int = 1) -> None:
        """Advances every neuron by ``steps`` steps (releasing the GIL)."""
        steps = _whole("steps", steps, _U32_MAX)
        self._inner.step(steps)
        self.steps_done += steps

    def set_currents(self, currents: ArrayLike) -> None:
        """New input currents, one per neuron, for the steps that follow."""
        currents = _currents(currents)
        if len(currents) != len(self):
            raise ValueError(
                f"currents: one value per neuron, {len(self)}, expected; got {len(currents)}"
            )
        self._inner.set_currents(currents)

    @property
    def counts(self) -> np.ndarray:
        """Spikes of each neuron since the start or the last reset or clear (uint32)."""
        return self._inner.counts()

    @property
    def voltages(self) -> np.ndarray:
        """Each neuron's membrane voltage (float64)."""
        return self._inner.voltages()

    @property
    def spiked(self) -> np.ndarray:
        """Spikes of each neuron on the last step (uint32)."""
        return self._inner.spiked()

    def reset(self) -> None:
        """Every neuron back to rest, no spikes counted, the noise streams from step 0."""
        self._inner.reset()
        self.steps_done = 0

    def clear_counts(self) -> None:
        """Spike counts back to zero; the neurons' state is kept."""
        self._inner.clear_counts()

    def record(self, steps: int) -> Tuple[np.ndarray, np.ndarray]:
        """Advances ``steps`` steps one at a time and returns each step's voltages and
        spikes, both ``(steps, neurons)``: the spike trains."""
        steps = _whole("steps", steps, _U32_MAX)
        voltages, spikes = self._inner.record(steps)
        self.steps_done += steps
        return voltages, spikes


def analytic_rate(
    currents: ArrayLike,
    *,
    dt: float = 0.001,
    tau_rc: float = 0.2,
    tau_ref: float = 0.002,
    v_th: float = 1.0,
    noise: float = 0.0,
    noise_tau: float = 0.0,
    dt_correction: bool = True,
    poisson: Optional[Tuple[float, float]] = None,
) -> np.ndarray:
    """The analytic rate (Hz) of each current: the LIF rate, or under noise and Poisson
    input (``(rate, weight)``, as for :func:`curve`) the Siegert rate of the diffusion
    approximation (see the book's pages on noise and Poisson input)."""
    return _gpulif.analytic_rate(
        _floats("currents", currents), _real("dt", dt), _real("tau_rc", tau_rc),
        _real("tau_ref", tau_ref), _real("v_th", v_th), _real("noise", noise),
        _real("noise_tau", noise_tau), bool(dt_correction), _poisson(poisson),
    )


def devices() -> List[dict]:
    """The adapters wgpu finds: ``name``, ``backend``, ``device_type``, ``driver``,
    ``compute``, and which ``backend="auto"`` (``auto``) and ``backend="gpu"`` (``gpu``)
    open."""
    return list(_gpulif.devices())


def bench(
    neurons: int = 1_000_000,
    steps: int = 1000,
    *,
    backends: Sequence[str] = ("reference", "cpu", "gpu"),
    i_min: float = 0.0,
    i_max: float = 10.0,
    dt: float = 0.001,
    tau_rc: float = 0.2,
    tau_ref: float = 0.002,
    v_th: float = 1.0,
    method: str = "euler",
    runs: int = 5,
    noise: float = 0.0,
    noise_tau: float = 0.0,
    seed: Optional[int] = None,
) -> List[dict]:
    """Times one workload on each backend: the figures of ``gpulif bench --json``.

    Parameters
    ----------
    neurons, steps : int
        The workload: ``neurons`` currents from ``i_min`` to ``i_max``, ``steps`` steps.
    backends : sequence of str
        Some of ``"reference"``, ``"cpu"``, ``"gpu"``, ``"auto"``.
    runs : int
        Timed runs per backend; ``seconds`` is their median.
    dt, tau_rc, tau_ref, v_th, method, noise, noise_tau, seed
        As for :func:`curve`.

    Returns
    -------
    list of dict
        One per backend: ``backend``, ``device``, ``neurons``, ``steps``, ``seconds``,
        ``neuron_steps_per_second``, ``run_seconds``, ``setup_seconds``, ``noise``, and
        ``counted``: ``None``, or for a run the backend counts from each neuron's period
        its own ``seconds``, ``neuron_seconds_per_second``, ``speed_up`` over stepping
        and whether its counts are ``identical`` to the stepped ones.
    """
    return list(
        _gpulif.bench(
            _whole("neurons", neurons, _U64_MAX), _whole("steps", steps, _U32_MAX),
            _real("i_min", i_min), _real("i_max", i_max), _real("dt", dt),
            _real("tau_rc", tau_rc), _real("tau_ref", tau_ref), _real("v_th", v_th),
            _text("method", method), [_text("backends", b) for b in backends],
            _whole("runs", runs, _U64_MAX), _real("noise", noise), _real("noise_tau", noise_tau),
            _seed(seed),
        )
    )
