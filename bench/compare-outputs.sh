#!/usr/bin/env bash
# Runs the same set of commands with two gpulif binaries and lists the output files that
# differ: what a refactor must leave unchanged (counts on every backend and method,
# traces, ensembles, the docs/ figures). Timings and the version differ by nature
# (the summaries' time lines, the JSON's timing fields).
#
#   bench/compare-outputs.sh OLD_BINARY NEW_BINARY [WORK_DIR]
set -uo pipefail
old=$(realpath "$1"); new=$(realpath "$2"); work=$(realpath -m "${3:-$(mktemp -d)}")
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
    # The README's figures.
    $bin trace --current 1.1 --tau-ref 0.2 --duration 20 --plot trace.png -q
    $bin trace --current 1.0000001,1.1,10,100,0.8 --tau-rc 0.02 --tau-ref 0.2 --duration 20 --plot raster.png -q
    $bin curve --neurons 1000000 --tau-rc 0.3 --tau-ref 0.2 --plot tuning-curve.png -q
    $bin ensemble --neurons 24 --plot ensemble.png -q
    $bin curve --neurons 100000 --backend cpu --out big.npy -q
}

(outputs "$old" "$work/old") 2>"$work/old.log"
(outputs "$new" "$work/new") 2>"$work/new.log"
status=0
for f in "$work"/old/*; do
    name=$(basename "$f")
    if ! cmp -s "$f" "$work/new/$name"; then
        echo "differs: $name"
        status=1
    fi
done
[ $status -eq 0 ] && echo "all $(ls "$work/old" | wc -l) outputs identical ($work)"
exit $status
