#!/usr/bin/env bash
# The GPU measurements of BENCHMARKS.md, in one go, on a machine with a real GPU.
#
# Builds nothing: it runs binaries built elsewhere and copied into $BIN (default
# .gl/): gpulif, the embed example, and the GPU test binaries (embedding,
# gpu_matches_cpu, tutorial, cpu_kernels, reference_agreement, exact), each under its own
# name. Prepare them with bench/prepare-device.sh. Any .deb files in $BIN (the Vulkan
# loader) are unpacked first. Results go to $OUT (default bench-out/), one file per
# step, and are echoed as they come.
#
#   OUT=/tmp/results bash bench/device.sh
set -u

BIN=${BIN:-.gl}
OUT=${OUT:-bench-out}
mkdir -p "$OUT"

if ls "$BIN"/*.deb >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    for f in "$BIN"/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then
    export VK_DRIVER_FILES=$nvidia_icd
fi
export NODEVICE_SELECT=1

step() {
    local name=$1
    shift
    echo "== $name: $*"
    local started=$SECONDS
    "$@" >"$OUT/$name.txt" 2>&1
    local status=$?
    cat "$OUT/$name.txt"
    echo "== $name: exit $status after $((SECONDS - started)) s"
    echo
}

step machine bash -c 'nvidia-smi -L 2>/dev/null; nproc; grep -m1 "model name" /proc/cpuinfo; free -g | head -2'
step devices "$BIN/gpulif" devices
# The H200 target: 10^7 neurons × 10^4 steps.
step bench-gpu-1e7x1e4 "$BIN/gpulif" bench --neurons 10000000 --steps 10000 --backend gpu --runs 5
step bench-gpu-1e7x1e4-json "$BIN/gpulif" bench --neurons 10000000 --steps 10000 --backend gpu --runs 5 --json --quiet
# Towards the ceiling: more steps per launch, more neurons per dispatch.
step bench-gpu-1e7x1e5 "$BIN/gpulif" bench --neurons 10000000 --steps 100000 --backend gpu --runs 3
step bench-gpu-1e8x1e3 "$BIN/gpulif" bench --neurons 100000000 --steps 1000 --backend gpu --runs 3
# The exact method on the same workloads.
step bench-gpu-exact-1e7x1e4 "$BIN/gpulif" bench --neurons 10000000 --steps 10000 --backend gpu --method exact --runs 5
# The default workload on every backend of this machine, and each CPU kernel.
step bench-default "$BIN/gpulif" bench --cpu-kernel all
step bench-default-exact "$BIN/gpulif" bench --method exact
# A Nengo-style ensemble: 10^5 neurons × 101 points of x, exact, 1 s.
step ensemble-1e5 "$BIN/gpulif" ensemble --neurons 100000 --backend gpu
# End to end, as a user runs it.
step curve-1e6 "$BIN/gpulif" curve --neurons 1000000
step curve-1e7x1e4 "$BIN/gpulif" curve --neurons 10000000 --duration 10 --backend gpu
step curve-1e8 "$BIN/gpulif" curve --neurons 100000000 --duration 0.1 --backend gpu
# The embedding example and the GPU tests on this device.
step embed "$BIN/embed"
for test in exact embedding gpu_matches_cpu tutorial cpu_kernels reference_agreement; do
    if [ -x "$BIN/$test" ]; then
        step "test-$test" env GPULIF_REQUIRE_GPU=1 "$BIN/$test" --test-threads 1 --show-output
    fi
done
