//! The WGSL, checked by naga without any adapter: it parses, validates, and its
//! uniform structs match their Rust twins byte for byte.

use std::mem::offset_of;

use gpulif::gpu::layout::{ChunkUniforms, PopulationUniforms};
use gpulif::gpu::pipeline::{EULER_ENTRY_POINT, EULER_WGSL};

fn module() -> naga::Module {
    naga::front::wgsl::parse_str(EULER_WGSL).unwrap_or_else(|e| {
        panic!(
            "lif_euler.wgsl does not parse:\n{}",
            e.emit_to_string(EULER_WGSL)
        )
    })
}

#[test]
fn euler_shader_validates() {
    let module = module();
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .unwrap_or_else(|e| {
        panic!(
            "lif_euler.wgsl is invalid:\n{}",
            e.emit_to_string(EULER_WGSL)
        )
    });
    assert!(
        module
            .entry_points
            .iter()
            .any(|ep| ep.name == EULER_ENTRY_POINT && ep.stage == naga::ShaderStage::Compute),
        "entry point {EULER_ENTRY_POINT} is a compute shader"
    );
}

/// `(name, offset)` of each member of the WGSL struct `name`, and its size.
fn wgsl_struct(module: &naga::Module, name: &str) -> (Vec<(String, u32)>, u32) {
    let (_, ty) = module
        .types
        .iter()
        .find(|(_, ty)| ty.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("struct {name} in lif_euler.wgsl"));
    match &ty.inner {
        naga::TypeInner::Struct { members, span } => (
            members
                .iter()
                .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
                .collect(),
            *span,
        ),
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

#[test]
fn population_uniforms_match_the_shader() {
    let (members, size) = wgsl_struct(&module(), "Population");
    assert_eq!(size as usize, size_of::<PopulationUniforms>());
    let expected = [
        ("neuron_count", offset_of!(PopulationUniforms, neuron_count)),
        ("row_stride", offset_of!(PopulationUniforms, row_stride)),
        ("frozen_steps", offset_of!(PopulationUniforms, frozen_steps)),
        ("decay", offset_of!(PopulationUniforms, decay)),
    ];
    let expected: Vec<(String, u32)> = expected
        .iter()
        .map(|&(n, o)| (n.to_owned(), o as u32))
        .collect();
    assert_eq!(members, expected);
}

#[test]
fn chunk_uniforms_match_the_shader() {
    let (members, size) = wgsl_struct(&module(), "Chunk");
    assert_eq!(size as usize, size_of::<ChunkUniforms>());
    assert_eq!(
        members[0],
        ("steps".to_owned(), offset_of!(ChunkUniforms, steps) as u32)
    );
}
