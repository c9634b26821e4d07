#!/usr/bin/env bash
# Runs the same set of commands with two gpulif binaries and lists the output files that
# differ: what a refactor must leave unchanged (counts on every backend and method,
# traces, ensembles, the docs/ figures). Timings and the version differ by nature
# (the summaries' time lines, the JSON's timing fields).
#
#   bench/compare-outputs.sh OLD_BINARY NEW_BINARY [WORK_DIR]
set -uo pipefail
old=$(realpath "$1"); new=$(realpath "$2"); work=$(realpath -m "${3:-$(mktemp -d)}")
old_script=$(realpath "$0")
mkdir -p "$work"
export NODEVICE_SELECT=1

outputs() {
    local bin=$1 out=$2
    mkdir -p "$out" && cd "$out" || exit 1
    for b in reference cpu gpu; do
        for m in euler exact; do
            $bin curve --neurons 20000 --i-max 30 --tau-rc 0.02 --tau-ref 0.002 --duration 2 --method $m --backend $b -q --out curve-$b-$m.csv
            $bin curve --neurons 3000 --i-min 0.99 --i-max 1.01 --tau-rc 0.3 --tau-ref 0.2 --dt 0.0001 --duration 1 --method $m --backend $b -q --out near-$b-$m.csv
        done
        $bin ensemble --neurons 200 --x-points 21 --backend $b -q --out ens-$b.csv
        $bin ensemble --neurons 200 --x-points 21 --method euler --backend $b -q --out ens-euler-$b.csv
        $bin trace --current 1.0000001,1.1,10,100,0.8 --tau-rc 0.02 --tau-ref 0.2 --duration 20 --backend $b --out raster-$b.csv > raster-$b.txt
        $bin trace --current 1.5,3 --method exact --duration 1 --backend $b --out exact-trace-$b.csv > exact-trace-$b.txt
    done
    # Inputs that change: noise, a stimulus, recorded trains, a shard (counts identical
    # on every backend, the float64 reference drawing the same streams).
    local sine; sine=$(dirname "$old_script")/../docs/sine.npy
    for b in reference cpu gpu; do
        $bin curve --neurons 3000 --duration 1 --noise 0.5 --seed 1 --backend $b -q --out noise-$b.csv
        $bin curve --neurons 3000 --duration 1 --noise 0.4 --noise-tau 0.005 --seed 2 --backend $b -q --out coloured-$b.csv
        $bin curve --neurons 2000 --duration 2 --stimulus "$sine" --backend $b -q --out stimulus-$b.csv
        $bin trace --current 1.5 --tau-rc 0.02 --duration 2 --stimulus "$sine" --noise 0.2 --seed 3 --backend $b --out stimulus-trace-$b.csv > stimulus-trace-$b.txt
    done
    $bin curve --neurons 1000 --i-min 0.5 --i-max 3 --tau-rc 0.02 --duration 2 --noise 0.3 --seed 5 --record 100:1000 --spikes spikes.csv --backend cpu -q --out recorded.csv
    $bin ensemble --neurons 30 --method euler --stimulus "$sine" --spikes ensemble-spikes.csv --backend cpu -q
    $bin curve --neurons 5000 --shard 1/3 --backend cpu -q --out shard.npy
    # Poisson input (0.3), alone and with noise and a stimulus, on every backend.
    for b in reference cpu gpu; do
        $bin curve --neurons 3000 --duration 1 --tau-rc 0.02 --poisson 2000:0.05 --seed 6 --backend $b -q --out poisson-$b.csv
        $bin curve --neurons 2000 --duration 2 --poisson 900:0.08 --noise 0.3 --stimulus "$sine" --seed 7 --backend $b -q --out poisson-mixed-$b.csv
    done
    # The book's figures.
    $bin trace --current 1.1 --tau-ref 0.2 --duration 20 --plot trace.png -q
    $bin trace --current 1.0000001,1.1,10,100,0.8 --tau-rc 0.02 --tau-ref 0.2 --duration 20 --plot raster.png -q
    $bin curve --neurons 1000000 --tau-rc 0.3 --tau-ref 0.2 --plot tuning-curve.png -q
    $bin ensemble --neurons 24 --plot ensemble.png -q
    $bin curve --neurons 100000 --tau-rc 0.02 --dt 0.0001 --duration 2 --i-min -3.5 --i-max -2 --poisson 20000:0.01 --seed 1 --backend cpu --plot poisson-curve.png -q
    $bin curve --neurons 100000 --backend cpu --out big.npy -q
}

(outputs "$old" "$work/old") 2>"$work/old.log"
(outputs "$new" "$work/new") 2>"$work/new.log"
status=0
headers=0
for f in "$work"/old/*; do
    name=$(basename "$f")
    if ! cmp -s "$f" "$work/new/$name"; then
        if [[ $name == *.npy ]]; then
            # An NPY part's header carries the run's identity: the version, and the
            # seed drawn for a run without noise. The array after it must be equal.
            header() { python3 -c 'import struct,sys;d=open(sys.argv[1],"rb").read(10);print(10+struct.unpack("<H",d[8:10])[0])' "$1"; }
            if cmp -s <(tail -c +$(($(header "$f") + 1)) "$f") \
                      <(tail -c +$(($(header "$work/new/$name") + 1)) "$work/new/$name"); then
                echo "header only: $name (the same array; the identity line differs)"
                headers=$((headers + 1))
                continue
            fi
        fi
        echo "differs: $name"
        status=1
    fi
done
[ $status -eq 0 ] && echo "all $(ls "$work/old" | wc -l) outputs identical, $headers of them but for the NPY identity line ($work)"
exit $status
