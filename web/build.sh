#!/usr/bin/env bash
# Builds gpulif's web page into web/dist/: index.html, and pkg/ with the wasm module,
# its JavaScript glue and TypeScript declarations. Installs what is missing: the
# wasm32 target and wasm-bindgen-cli at the version Cargo.lock pins.
#
#   web/build.sh && python3 -m http.server -d web/dist --bind 127.0.0.1 8000
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}

rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
bindgen=$(command -v wasm-bindgen || echo "${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen")
if [ "$("$bindgen" --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    echo "installing wasm-bindgen-cli $version"
    # --force: cargo may remember an install whose binary is gone.
    cargo install --quiet --force wasm-bindgen-cli --version "$version"
    bindgen="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
fi

cargo build --release --locked --quiet -p gpulif-web --target wasm32-unknown-unknown
rm -rf web/dist
mkdir -p web/dist
"$bindgen" --target web --out-dir web/dist/pkg \
    "$target_dir/wasm32-unknown-unknown/release/gpulif_web.wasm"
cp web/static/* web/dist/
wasm=web/dist/pkg/gpulif_web_bg.wasm
echo "web/dist: $(wc -c < "$wasm") bytes of wasm, $(gzip -9c "$wasm" | wc -c) gzipped"
