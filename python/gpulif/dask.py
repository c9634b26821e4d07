"""Tuning curves on a Dask cluster: a sweep cut into chunks, one task each, gathered in
order into the :class:`~gpulif.CurveResult` that :func:`gpulif.curve` returns, bit for
bit.

Each chunk's neurons keep their index in the whole sweep, so with noise they draw the
same random streams as one local run; each worker simulates on its own GPU if it has
one, else on its CPU (``backend="auto"``). A worker that dies mid-chunk costs a retry:
Dask reschedules its tasks on the others. Needs ``pip install "dask[distributed]"``.

>>> from distributed import Client, LocalCluster
>>> client = Client(LocalCluster(n_workers=2))
>>> result = gpulif.dask.curve(gpulif.sweep(0, 10, 10_000_000), client=client, duration=1)

On Slurm, with ``dask-jobqueue``::

    from dask_jobqueue import SLURMCluster
    cluster = SLURMCluster(cores=16, memory="64GB", job_extra_directives=["--gres=gpu:1"])
    cluster.scale(jobs=8)                      # eight nodes, a worker each
    result = gpulif.dask.curve(currents, client=Client(cluster), duration=10)

On Kubernetes, with ``dask-kubernetes`` (an image with gpulif installed)::

    from dask_kubernetes.operator import KubeCluster
    cluster = KubeCluster(name="gpulif", image="registry.example/gpulif:0.2",
                          resources={"limits": {"nvidia.com/gpu": "1"}}, n_workers=4)
    result = gpulif.dask.curve(currents, client=Client(cluster), duration=10)
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import CurveResult, _floats, _parameter
from . import curve as _local_curve

#: Neurons per task unless told otherwise: a second or two of a GPU's work.
CHUNK_NEURONS = 1_000_000

#: Keyword arguments that are one value per neuron when they are arrays.
_PER_NEURON = ("tau_rc", "tau_ref", "v_th")


def _chunk(currents: np.ndarray, first_index: int, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """One task: a slice of the sweep, its neurons numbered from ``first_index``."""
    result = _local_curve(currents, first_index=first_index, **kwargs)
    return {
        "counts": result.counts,
        "analytic": result.analytic,
        "backend": result.backend,
        "device": result.device,
        "wall_seconds": result.wall_seconds,
        "counted": result.counted,
    }


def _split(kwargs: Dict[str, Any], n: int, start: int, end: int) -> Dict[str, Any]:
    """``kwargs`` for neurons ``start..end``: per-neuron arrays sliced."""
    part = dict(kwargs)
    for name in _PER_NEURON:
        if name in part:
            _, each = _parameter(name, part[name], n)
            if each is not None:
                part[name] = each[start:end]
    return part


def _client(client: Any) -> Any:
    if client is not None:
        return client
    from distributed import get_client

    return get_client()


def _prepare(currents: Any, kwargs: Dict[str, Any]) -> (np.ndarray, Dict[str, Any]):
    """Checks every argument locally, as :func:`gpulif.curve` would, before any task
    is sent (one neuron simulated on the CPU), and draws the seed of a noisy run."""
    if "progress" in kwargs or "first_index" in kwargs:
        raise ValueError("progress and first_index are gpulif.dask's own to set")
    currents = _floats("currents", currents)
    kwargs = dict(kwargs)
    if kwargs.get("seed") is None:
        # gpulif.curve's rule: a seed is drawn where noise or Poisson input draws from it,
        # and is 0 where nothing random drives the run.
        poisson = kwargs.get("poisson")
        random = kwargs.get("noise", 0.0) != 0.0 or (
            poisson is not None and poisson[0] > 0 and poisson[1] != 0
        )
        kwargs["seed"] = int.from_bytes(os.urandom(8), "little") if random else 0
    probe = _split({**kwargs, "backend": "cpu"}, len(currents), 0, 1)
    _local_curve(currents[:1], **probe)
    return currents, kwargs


def _submit(client: Any, currents: np.ndarray, kwargs: Dict[str, Any], chunk_neurons: int) -> List[Any]:
    if chunk_neurons < 1:
        raise ValueError(f"chunk_neurons = {chunk_neurons} is out of range: expected at least 1")
    n = len(currents)
    futures = []
    for start in range(0, n, chunk_neurons):
        end = min(n, start + chunk_neurons)
        futures.append(
            client.submit(
                _chunk, currents[start:end], start, _split(kwargs, n, start, end),
                pure=False, retries=2,
            )
        )
    return futures


def _result(currents: np.ndarray, kwargs: Dict[str, Any], parts: Sequence[Dict[str, Any]], wall: float) -> CurveResult:
    counts = np.concatenate([p["counts"] for p in parts])
    analytic = np.concatenate([p["analytic"] for p in parts])
    duration = float(kwargs.get("duration", 10.0))
    dt = float(kwargs.get("dt", 0.001))
    backends = sorted({p["backend"] for p in parts})
    devices = sorted({p["device"] for p in parts})
    steps = round(duration / dt)
    counted = all(p["counted"] for p in parts)
    return CurveResult(
        currents=currents,
        counts=counts,
        rates=counts / duration,
        analytic=analytic,
        duration=duration,
        dt=dt,
        method=kwargs.get("method", "euler"),
        backend=",".join(backends),
        device=f"dask, {len(parts)} tasks: " + "; ".join(devices),
        seed=int(kwargs["seed"]),
        noise=float(kwargs.get("noise", 0.0)),
        noise_tau=float(kwargs.get("noise_tau", 0.0)),
        poisson=None if kwargs.get("poisson") is None else tuple(map(float, kwargs["poisson"])),
        wall_seconds=wall,
        neuron_steps_per_second=(
            float("nan") if counted else len(currents) * steps / wall if wall > 0 else float("inf")
        ),
        counted=counted,
        params={name: kwargs.get(name, default) for name, default in
                (("tau_rc", 0.2), ("tau_ref", 0.002), ("v_th", 1.0))},
    )


def curve(
    currents: Any,
    *,
    client: Any = None,
    chunk_neurons: int = CHUNK_NEURONS,
    **kwargs: Any,
) -> CurveResult:
    """:func:`gpulif.curve` on a Dask cluster.

    Parameters
    ----------
    currents : array_like
        Input currents, one neuron each.
    client : distributed.Client, optional
        The cluster's client (the current one when not given).
    chunk_neurons : int
        Neurons per task.
    **kwargs
        Everything :func:`gpulif.curve` takes (``duration``, ``tau_rc``, ``noise``,
        ``seed``, …) but ``progress``; a noisy run without ``seed`` gets one drawn here,
        shared by every task.

    Returns
    -------
    CurveResult
        Bit for bit what :func:`gpulif.curve` returns for the same arguments (and
        seed), with ``backend`` and ``device`` saying where the tasks ran.

    Raises
    ------
    ValueError
        For a bad argument, exactly as :func:`gpulif.curve` raises it, before any task
        is sent.
    """
    currents, kwargs = _prepare(currents, kwargs)
    client = _client(client)
    started = time.perf_counter()
    parts = client.gather(_submit(client, currents, kwargs, chunk_neurons))
    return _result(currents, kwargs, parts, time.perf_counter() - started)


def scan(
    grid: Sequence[Dict[str, Any]],
    currents: Any,
    *,
    client: Any = None,
    chunk_neurons: int = CHUNK_NEURONS,
    **common: Any,
) -> List[CurveResult]:
    """One tuning curve per parameter set of ``grid`` (a list of dicts of
    :func:`gpulif.curve`'s keyword arguments, over ``common``), all submitted at once
    and gathered in order.

    >>> grid = [{"tau_rc": t, "seed": s} for t in (0.02, 0.05, 0.2) for s in range(4)]
    >>> results = gpulif.dask.scan(grid, gpulif.sweep(0, 5, 100_000), duration=1, noise=0.3)
    """
    client = _client(client)
    prepared = [_prepare(currents, {**common, **params}) for params in grid]
    started = time.perf_counter()
    futures = [_submit(client, c, kw, chunk_neurons) for c, kw in prepared]
    results = []
    for (c, kw), fs in zip(prepared, futures):
        results.append(_result(c, kw, client.gather(fs), time.perf_counter() - started))
    return results
