#!/usr/bin/env bash
# Fuzzes each target named (default: all) for SECONDS seconds (default 30), starting from
# the committed seeds (fuzz/corpus/TARGET) and every input that once crashed it
# (fuzz/regressions/TARGET). New inputs go to a scratch folder, so the tree stays as it
# was; a crash is saved in fuzz/artifacts/TARGET and fails the run (copy it into
# fuzz/regressions/TARGET, where `cargo test` replays it).
#
#   fuzz/run.sh                  # every target, 30 s each
#   fuzz/run.sh 600 cli          # the command line for ten minutes
#
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(currents stimulus part merge cli)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cargo +nightly fuzz build
for target in "${targets[@]}"; do
    case $target in
        # A command line's checks may form a sweep's description or an ensemble's
        # draws, never a simulation: 512 MiB for one allocation is ample.
        cli) limits=(-malloc_limit_mb=512 -max_len=4096 -dict="$PWD/fuzz/cli.dict") ;;
        # A reader holds at most a few times its input: no allocation beyond 64 MiB for
        # inputs of at most 64 KiB.
        *) limits=(-malloc_limit_mb=64 -max_len=65536) ;;
    esac
    mkdir -p "$scratch/$target"
    log="$scratch/$target.log"
    # Absolute paths (the cli target works in a folder of its own), and only the folders
    # that exist (a target may have no crash inputs yet).
    inputs=()
    for dir in corpus regressions; do
        [ -d "fuzz/$dir/$target" ] && inputs+=("$PWD/fuzz/$dir/$target")
    done
    if cargo +nightly fuzz run "$target" "$scratch/$target" "${inputs[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "${limits[@]}" \
        >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
        echo "fuzz $target: $runs runs in $seconds s, $cov, no crash"
    else
        grep -v -E '^#[0-9]+|^INFO' "$log" | tail -n 40
        echo "fuzz $target: failed; the input is in fuzz/artifacts/$target"
        exit 1
    fi
done
