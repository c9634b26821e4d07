//! The WGSL, checked by naga without any adapter: both kernels parse and validate, and
//! the structs they read match their Rust twins byte for byte.

use std::mem::offset_of;

use gpulif::gpu::layout::{ChunkUniforms, NeuronConstants, PopulationUniforms};
use gpulif::gpu::pipeline::{EULER_ENTRY_POINT, EULER_WGSL, EXACT_ENTRY_POINT, EXACT_WGSL};

const SHADERS: [(&str, &str, &str); 2] = [
    ("lif_euler.wgsl", EULER_WGSL, EULER_ENTRY_POINT),
    ("lif_exact.wgsl", EXACT_WGSL, EXACT_ENTRY_POINT),
];

fn module(name: &str, source: &str) -> naga::Module {
    naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name} does not parse:\n{}", e.emit_to_string(source)))
}

#[test]
fn both_shaders_validate() {
    for (name, source, entry_point) in SHADERS {
        let module = module(name, source);
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name} is invalid:\n{}", e.emit_to_string(source)));
        assert!(
            module
                .entry_points
                .iter()
                .any(|ep| ep.name == entry_point && ep.stage == naga::ShaderStage::Compute),
            "{name}: entry point {entry_point} is a compute shader"
        );
    }
}

/// `(name, offset)` of each member of the WGSL struct `name`, and its size.
fn wgsl_struct(module: &naga::Module, name: &str) -> (Vec<(String, u32)>, u32) {
    let (_, ty) = module
        .types
        .iter()
        .find(|(_, ty)| ty.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("struct {name}"));
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

fn check(name: &str, expected: &[(&str, usize)], size: usize) {
    let expected: Vec<(String, u32)> = expected
        .iter()
        .map(|&(n, o)| (n.to_owned(), o as u32))
        .collect();
    for (shader, source, _) in SHADERS {
        let (members, span) = wgsl_struct(&module(shader, source), name);
        assert_eq!(span as usize, size, "{shader}: size of {name}");
        assert_eq!(members, expected, "{shader}: members of {name}");
    }
}

#[test]
fn population_uniforms_match_the_shaders() {
    check(
        "Population",
        &[
            ("neuron_count", offset_of!(PopulationUniforms, neuron_count)),
            ("row_stride", offset_of!(PopulationUniforms, row_stride)),
            ("per_neuron", offset_of!(PopulationUniforms, per_neuron)),
            ("dt", offset_of!(PopulationUniforms, dt)),
        ],
        size_of::<PopulationUniforms>(),
    );
}

#[test]
fn neuron_constants_match_the_shaders() {
    check(
        "NeuronConstants",
        &[
            ("decay", offset_of!(NeuronConstants, decay)),
            ("tau", offset_of!(NeuronConstants, tau)),
            ("tau_ref", offset_of!(NeuronConstants, tau_ref)),
            ("frozen_steps", offset_of!(NeuronConstants, frozen_steps)),
        ],
        size_of::<NeuronConstants>(),
    );
}

#[test]
fn chunk_uniforms_match_the_shaders() {
    for (shader, source, _) in SHADERS {
        let (members, size) = wgsl_struct(&module(shader, source), "Chunk");
        assert_eq!(size as usize, size_of::<ChunkUniforms>(), "{shader}");
        assert_eq!(
            members[0],
            ("steps".to_owned(), offset_of!(ChunkUniforms, steps) as u32)
        );
    }
}
