"""Dask's overhead on one machine: the same sweep through `gpulif.dask.curve` on a
`LocalCluster` and through `gpulif.curve` locally, side by side (medians of --runs).

    pip install ./python "dask[distributed]"
    python3 bench/dask_overhead.py [--neurons N] [--duration S] [--chunk N] [--backend cpu]

The cluster has one worker process with one Dask thread: the simulation itself uses
every core (rayon on the CPU, the device on a GPU), as it does locally.
"""

import argparse
import json
import platform
import time


def main():
    import distributed
    import numpy as np

    import gpulif
    import gpulif.dask

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--chunk", type=int, default=250_000)
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    currents = gpulif.sweep(0, 10, args.neurons)
    kwargs = {"duration": args.duration, "backend": args.backend}
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as client:
        # First use of each path (device, kernels, worker imports) is not timed.
        gpulif.curve(currents[:1000], **kwargs)
        gpulif.dask.curve(currents[:1000], client=client, chunk_neurons=args.chunk, **kwargs)
        local, remote = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            a = gpulif.curve(currents, **kwargs)
            local.append(time.perf_counter() - started)
            started = time.perf_counter()
            b = gpulif.dask.curve(currents, client=client, chunk_neurons=args.chunk, **kwargs)
            remote.append(time.perf_counter() - started)
            assert np.array_equal(a.counts, b.counts), "Dask and local differ"
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    neuron_steps = args.neurons * round(args.duration / 0.001)
    print(json.dumps({
        "machine": platform.processor() or platform.machine(),
        "backend": a.backend,
        "device": a.device,
        "neuron_steps": neuron_steps,
        "local_seconds": median(local),
        "dask_seconds": median(remote),
        "overhead": median(remote) / median(local) - 1,
        "local_runs": local,
        "dask_runs": remote,
    }, indent=2))


if __name__ == "__main__":
    main()
