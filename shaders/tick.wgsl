// Advances a noisy population's clock by the steps of the dispatch just recorded (the
// chunk table's entry); the host copies it into the uniform the next dispatch reads.

struct Chunk {
    steps: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> chunk: Chunk;
@group(0) @binding(1) var<storage, read_write> clock: vec4<u32>;

@compute @workgroup_size(1)
fn tick() {
    let lo = clock.x + chunk.steps;
    clock.y += select(0u, 1u, lo < clock.x);
    clock.x = lo;
}
