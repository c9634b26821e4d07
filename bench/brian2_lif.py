"""The `gpulif bench` workload in Brian2, for a side-by-side speed comparison.

10^6 LIF neurons (tau_rc 0.2 s, tau_ref 2 ms, v_th 1, reset to 0), one constant
current each from 0 to 10, forward Euler at dt = 1 ms for 1000 steps, spike counts
only. The timed part is `run()` after a warm-up run that compiles the code.

With --noise SIGMA the neuron is gpulif's white-noise neuron,
`dv/dt = (I - v)/tau_rc + sigma*xi*tau_rc**-0.5`, integrated by Euler–Maruyama.

    pip install brian2          # not a dependency of gpulif
    python3 bench/brian2_lif.py [--neurons N] [--steps N] [--target cython|numpy]
                                [--noise SIGMA]
"""

import argparse
import json
import os
import platform
import time

import brian2 as b2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--target", default="cython", choices=["cython", "numpy"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--noise", type=float, default=0.0)
    args = parser.parse_args()

    b2.prefs.codegen.target = args.target
    b2.defaultclock.dt = 1 * b2.ms
    tau_rc = 0.2 * b2.second
    n = args.neurons
    noise = " + sigma * xi * tau_rc**-0.5" if args.noise > 0 else ""
    group = b2.NeuronGroup(
        n,
        f"dv/dt = (I - v) / tau_rc{noise} : 1 (unless refractory)\nI : 1 (constant)",
        threshold="v > 1",
        reset="v = 0",
        refractory=2 * b2.ms,
        method="euler",
        namespace={"tau_rc": tau_rc, "sigma": args.noise},
    )
    group.I = "10.0 * i / (N - 1)"
    spikes = b2.SpikeMonitor(group, record=False)
    network = b2.Network(group, spikes)
    network.run(10 * b2.defaultclock.dt)  # compiles the code

    times = []
    for _ in range(args.runs):
        group.v = 0
        started = time.perf_counter()
        network.run(args.steps * b2.defaultclock.dt)
        times.append(time.perf_counter() - started)
    seconds = sorted(times)[len(times) // 2]
    result = {
        "backend": f"brian2 {b2.__version__} ({args.target})",
        "noise": args.noise,
        "device": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "neurons": n,
        "steps": args.steps,
        "seconds": seconds,
        "neuron_steps_per_second": n * args.steps / seconds,
        "run_seconds": times,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
