#!/usr/bin/env bash
# Builds gpulif's web pages into web/dist/: index.html (the explorer), api.html and
# example.html (the JavaScript API), embed.html (a page's own device stepping a
# population), and beside them the wasm modules with their JavaScript glue and
# TypeScript declarations. Installs what is missing: the wasm32 target and
# wasm-bindgen-cli at the version Cargo.lock pins.
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

# Three modules: the JavaScript API (pkg/), the same with the explorer (explorer/), and
# the embedding example (embed/).
build() { cargo build --profile web --locked --quiet -p gpulif-web --target wasm32-unknown-unknown "$@"; }
wasm_dir=$target_dir/wasm32-unknown-unknown/web
bind() { "$bindgen" --target web --remove-name-section --out-dir "web/dist/$1" "$2"; }
rm -rf web/dist
mkdir -p web/dist
build --lib --example embed
bind pkg "$wasm_dir/gpulif_web.wasm"
bind embed "$wasm_dir/examples/embed.wasm"
build --lib --features explorer
bind explorer "$wasm_dir/gpulif_web.wasm"
cp web/static/* web/dist/
for module in pkg/gpulif_web explorer/gpulif_web embed/embed; do
    wasm=web/dist/${module}_bg.wasm
    echo "web/dist/$module: $(wc -c < "$wasm") bytes of wasm, $(gzip -9c "$wasm" | wc -c) gzipped"
done
