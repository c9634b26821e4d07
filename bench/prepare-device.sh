#!/usr/bin/env bash
# Builds what bench/device.sh runs and copies it into .gl/ (ignored by git), with the
# Vulkan loader's Debian packages, for a machine that has a GPU but no Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gl
lists=$(mktemp -d)
mkdir -p "$lists/partial"
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
apt-get $o update >/dev/null
(cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
cargo build --release --locked --bin gpulif --example embed
cp target/release/gpulif target/release/examples/embed .gl/
for test in exact embedding gpu_matches_cpu tutorial cpu_kernels reference_agreement; do
    exe=$(cargo test --release --locked --no-run --test "$test" --message-format=json 2>/dev/null |
        python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["test"]:
        print(m["executable"])' | tail -1)
    cp "$exe" ".gl/$test"
done
strip .gl/gpulif .gl/embed .gl/exact .gl/embedding .gl/gpu_matches_cpu .gl/tutorial .gl/cpu_kernels \
    .gl/reference_agreement
du -sh .gl
