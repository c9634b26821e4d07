"""Brian2's refractory period against gpulif's frozen steps, for the README's claim.

Brian2 freezes round(refractory/dt) - 1 steps after a spike; gpulif's Euler neuron
freezes the steps the tutorial's countdown gives, or exactly N with
`--refractory-steps N`. This runs 400 currents for 2 s at dt = 1 ms (tau_rc 20 ms) in
Brian2 with refractory = (N + 1)·dt and in `gpulif curve --refractory-steps N
--backend reference`, for several N, and prints how many counts are identical.

    pip install brian2 "numpy<2"     # not a dependency of gpulif
    python3 bench/brian2_refractory.py [path/to/gpulif]
"""

import os
import subprocess
import sys
import tempfile

import brian2 as b2
import numpy as np


def brian2_counts(currents, frozen):
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = 1 * b2.ms
    group = b2.NeuronGroup(
        len(currents),
        "dv/dt = (I - v) / tau_rc : 1 (unless refractory)\nI : 1 (constant)",
        threshold="v > 1",
        reset="v = 0",
        refractory=(frozen + 1) * b2.ms,
        method="euler",
        namespace={"tau_rc": 0.02 * b2.second},
    )
    group.I = currents
    spikes = b2.SpikeMonitor(group, record=False)
    b2.run(2 * b2.second)
    return [int(c) for c in spikes.count]


def gpulif_counts(binary, currents, frozen, folder):
    listing = os.path.join(folder, "currents.txt")
    out = os.path.join(folder, "curve.csv")
    with open(listing, "w") as f:
        f.write("\n".join(repr(float(c)) for c in currents))
    subprocess.run(
        [binary, "curve", "--currents", "@" + listing, "--duration", "2",
         "--tau-rc", "0.02", "--refractory-steps", str(frozen),
         "--backend", "reference", "--quiet", "--out", out],
        check=True,
    )
    with open(out) as f:
        return [int(line.split(",")[1]) for line in f.read().splitlines()[1:]]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/gpulif"
    currents = np.linspace(1.01, 60, 400)
    with tempfile.TemporaryDirectory() as folder:
        for frozen in [1, 2, 5, 10, 19]:
            ours = gpulif_counts(binary, currents, frozen, folder)
            theirs = brian2_counts(currents, frozen)
            same = sum(a == b for a, b in zip(ours, theirs))
            print(
                f"--refractory-steps {frozen} vs Brian2 refractory={frozen + 1}*ms: "
                f"{same} of {len(currents)} counts identical"
            )


if __name__ == "__main__":
    main()
