"""gpulif on a Dask cluster: the same result as locally, bit for bit; a killed worker
survived; bad arguments refused before any task is sent."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import gpulif

distributed = pytest.importorskip("distributed")
import gpulif.dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def test_dask_equals_local_bit_for_bit(client):
    currents = gpulif.sweep(0, 5, 10_007)
    for kwargs in [
        {"duration": 1, "backend": "cpu"},
        {"duration": 1, "tau_rc": 0.02, "noise": 0.4, "seed": 5, "backend": "cpu"},
        {"duration": 1, "noise": 0.3, "noise_tau": 0.004, "seed": 6, "backend": "auto"},
        {"duration": 1, "tau_rc": 0.02, "poisson": (2000, 0.05), "seed": 8, "backend": "cpu"},
        {"duration": 0.5, "method": "exact", "tau_rc": np.linspace(0.01, 0.1, 10_007), "backend": "cpu"},
    ]:
        local = gpulif.curve(currents, **kwargs)
        remote = gpulif.dask.curve(currents, client=client, chunk_neurons=3_001, **kwargs)
        np.testing.assert_array_equal(remote.counts, local.counts)
        np.testing.assert_array_equal(remote.analytic, local.analytic)
        if "seed" in kwargs:
            assert remote.seed == local.seed == kwargs["seed"]
        assert remote.poisson == local.poisson


def test_a_drawn_seed_is_shared_by_every_task(client):
    currents = gpulif.sweep(0, 3, 4_000)
    remote = gpulif.dask.curve(currents, client=client, chunk_neurons=1_000, duration=1, noise=0.5, backend="cpu")
    local = gpulif.curve(currents, duration=1, noise=0.5, seed=remote.seed, backend="cpu")
    np.testing.assert_array_equal(remote.counts, local.counts)


def test_scan_runs_one_curve_per_parameter_set(client):
    currents = gpulif.sweep(0, 5, 2_000)
    grid = [{"tau_rc": t, "seed": s} for t in (0.02, 0.2) for s in (1, 2)]
    results = gpulif.dask.scan(grid, currents, client=client, chunk_neurons=700, duration=1, noise=0.2, backend="cpu")
    for params, result in zip(grid, results):
        local = gpulif.curve(currents, duration=1, noise=0.2, backend="cpu", **params)
        np.testing.assert_array_equal(result.counts, local.counts)


class CountingClient:
    """A client that counts the tasks submitted through it."""

    def __init__(self, client):
        self.client, self.submitted = client, 0

    def submit(self, *args, **kwargs):
        self.submitted += 1
        return self.client.submit(*args, **kwargs)

    def gather(self, futures):
        return self.client.gather(futures)


def test_a_bad_parameter_is_refused_before_any_task(client):
    counting = CountingClient(client)
    for kwargs, name in [({"tau_rc": -1}, "tau_rc"), ({"method": "exact", "noise": 0.1}, "method"),
                         ({"duration": 0.0015}, "duration")]:
        with pytest.raises(ValueError, match=name) as error:
            gpulif.dask.curve(gpulif.sweep(0, 5, 100), client=counting, **kwargs)
        with pytest.raises(ValueError) as local:
            gpulif.curve(gpulif.sweep(0, 5, 100), **kwargs)
        assert str(error.value) == str(local.value)
    assert counting.submitted == 0
    # A good one goes through the same client.
    gpulif.dask.curve(gpulif.sweep(0, 5, 100), client=counting, chunk_neurons=40, duration=0.1)
    assert counting.submitted == 3


def test_a_killed_worker_is_survived():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as client:
        currents = gpulif.sweep(0, 10, 400_000)
        kwargs = {"duration": 10, "noise": 0.3, "seed": 9, "backend": "cpu"}
        killed = []

        def kill_a_busy_worker():
            # As soon as a worker is running a chunk, its process is killed.
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline:
                busy = [w for w, keys in client.processing().items() if keys]
                if busy:
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append((pid, time.perf_counter()))
                    return
                time.sleep(0.002)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        remote = gpulif.dask.curve(currents, client=client, chunk_neurons=25_000, **kwargs)
        finished = time.perf_counter()
        killer.join()
        # The worker died mid-run (before the result came back), its nanny started a
        # new process, and the result is whole and exact.
        assert killed and killed[0][1] < finished
        client.wait_for_workers(2)
        assert killed[0][0] not in set(client.run(os.getpid).values())
        local = gpulif.curve(currents, **kwargs)
        np.testing.assert_array_equal(remote.counts, local.counts)
