//! The WGSL, checked by naga without any adapter: every kernel parses and validates,
//! the structs it reads match their Rust twins byte for byte, and its bindings match
//! the bind group layout the pipeline is built with (number, kind, access, size).

use std::mem::offset_of;

use super::super::layout::{
    ChunkUniforms, ClockUniforms, NeuronConstants, NoiseUniforms, PopulationUniforms,
    StimulusHeader,
};
use super::{
    EULER_ENTRY_POINT, EULER_WGSL, EXACT_ENTRY_POINT, EXACT_WGSL, INPUTS_ENTRY_POINTS, INPUTS_WGSL,
    NOISY_ENTRY_POINT, NOISY_WGSL, STIMULUS_BYTES, STORAGE_BUFFERS, TICK_WGSL, inputs_entries,
    noisy_entries, step_entries, tick_entries,
};

/// `(file, source, entry points, bind group layout)` of every kernel.
fn shaders() -> Vec<(
    &'static str,
    &'static str,
    Vec<&'static str>,
    Vec<wgpu::BindGroupLayoutEntry>,
)> {
    vec![
        (
            "lif_euler.wgsl",
            EULER_WGSL,
            vec![EULER_ENTRY_POINT],
            step_entries().to_vec(),
        ),
        (
            "lif_exact.wgsl",
            EXACT_WGSL,
            vec![EXACT_ENTRY_POINT],
            step_entries().to_vec(),
        ),
        (
            "inputs.wgsl",
            INPUTS_WGSL,
            INPUTS_ENTRY_POINTS.to_vec(),
            inputs_entries().to_vec(),
        ),
        (
            "lif_noisy.wgsl",
            NOISY_WGSL,
            vec![NOISY_ENTRY_POINT],
            noisy_entries().to_vec(),
        ),
    ]
}

#[test]
fn the_clock_kernel_validates_and_matches_its_layout() {
    let module = module("tick.wgsl", TICK_WGSL);
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .expect("tick.wgsl is valid");
    let (members, span) = wgsl_struct(&module, "Chunk");
    assert_eq!(span as usize, size_of::<ChunkUniforms>());
    assert_eq!(members.len(), 4);
    assert_eq!(tick_entries().len(), 2);
    assert_eq!(size_of::<ClockUniforms>(), 16, "the clock is a vec4<u32>");
}

#[test]
fn noise_uniforms_match_the_noisy_kernel() {
    let module = module("lif_noisy.wgsl", NOISY_WGSL);
    let (members, span) = wgsl_struct(&module, "Noise");
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "seed_lo",
            "seed_hi",
            "first_lo",
            "first_hi",
            "coloured",
            "stimulus",
            "draws",
            "poisson_len",
            "poisson_weight",
            "_pad0",
            "_pad1",
            "_pad2",
            "poisson_table",
        ]
    );
    let offsets: Vec<u32> = members.iter().map(|(_, o)| *o).collect();
    assert_eq!(
        offsets,
        [
            offset_of!(NoiseUniforms, seed),
            offset_of!(NoiseUniforms, seed) + 4,
            offset_of!(NoiseUniforms, first_index),
            offset_of!(NoiseUniforms, first_index) + 4,
            offset_of!(NoiseUniforms, coloured),
            offset_of!(NoiseUniforms, stimulus),
            offset_of!(NoiseUniforms, draws),
            offset_of!(NoiseUniforms, poisson_len),
            offset_of!(NoiseUniforms, poisson_weight),
            offset_of!(NoiseUniforms, _pad),
            offset_of!(NoiseUniforms, _pad) + 4,
            offset_of!(NoiseUniforms, _pad) + 8,
            offset_of!(NoiseUniforms, poisson_table),
        ]
        .map(|o| o as u32)
    );
    assert_eq!(span as usize, size_of::<NoiseUniforms>());
    let (members, span) = wgsl_struct(&module, "Clock");
    assert_eq!(members.len(), 4);
    assert_eq!(span as usize, size_of::<ClockUniforms>());
    let (members, span) = wgsl_struct(&module, "Stimulus");
    assert_eq!(
        members[4],
        ("values".to_owned(), size_of::<StimulusHeader>() as u32)
    );
    assert_eq!(span as usize, STIMULUS_BYTES);
}

fn module(name: &str, source: &str) -> naga::Module {
    naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name} does not parse:\n{}", e.emit_to_string(source)))
}

#[test]
fn every_shader_validates() {
    for (name, source, entry_points, _) in shaders() {
        let module = module(name, source);
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name} is invalid:\n{}", e.emit_to_string(source)));
        for entry_point in entry_points {
            assert!(
                module
                    .entry_points
                    .iter()
                    .any(|ep| ep.name == entry_point && ep.stage == naga::ShaderStage::Compute),
                "{name}: entry point {entry_point} is a compute shader"
            );
        }
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
    for (shader, source, _, _) in shaders() {
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
            ("v_th", offset_of!(NeuronConstants, v_th)),
            ("tau_rc", offset_of!(NeuronConstants, tau_rc)),
            ("rate_ratio_m1", offset_of!(NeuronConstants, rate_ratio_m1)),
            ("drive_gain", offset_of!(NeuronConstants, drive_gain)),
            ("noise_gain", offset_of!(NeuronConstants, noise_gain)),
            ("noise_decay", offset_of!(NeuronConstants, noise_decay)),
            ("noise_spread", offset_of!(NeuronConstants, noise_spread)),
            ("stimulus_gain", offset_of!(NeuronConstants, stimulus_gain)),
        ],
        size_of::<NeuronConstants>(),
    );
}

#[test]
fn chunk_uniforms_match_the_shaders() {
    check(
        "Chunk",
        &[
            ("steps", offset_of!(ChunkUniforms, steps)),
            ("_pad0", offset_of!(ChunkUniforms, _pad)),
            ("_pad1", offset_of!(ChunkUniforms, _pad) + 4),
            ("_pad2", offset_of!(ChunkUniforms, _pad) + 8),
        ],
        size_of::<ChunkUniforms>(),
    );
}

/// The size a binding of type `ty` needs at least: the whole type, or one element of a
/// runtime-sized array.
fn min_size(module: &naga::Module, ty: naga::Handle<naga::Type>) -> u64 {
    let mut layouter = naga::proc::Layouter::default();
    layouter.update(module.to_ctx()).unwrap();
    match module.types[ty].inner {
        naga::TypeInner::Array {
            size: naga::ArraySize::Dynamic,
            stride,
            ..
        } => u64::from(stride),
        _ => u64::from(layouter[ty].size),
    }
}

#[test]
fn bindings_match_the_pipeline_layouts() {
    for (shader, source, _, entries) in shaders() {
        let module = module(shader, source);
        let mut bound: Vec<u32> = Vec::new();
        for (_, var) in module.global_variables.iter() {
            let Some(binding) = &var.binding else {
                continue;
            };
            let name = var.name.clone().unwrap_or_default();
            assert_eq!(binding.group, 0, "{shader}: {name} is in group 0");
            let entry = entries
                .iter()
                .find(|e| e.binding == binding.binding)
                .unwrap_or_else(|| {
                    panic!(
                        "{shader}: {name} (binding {}) is in the layout",
                        binding.binding
                    )
                });
            let wgpu::BindingType::Buffer {
                ty,
                min_binding_size,
                ..
            } = entry.ty
            else {
                panic!("{shader}: binding {} is a buffer", binding.binding);
            };
            match (var.space, ty) {
                (naga::AddressSpace::Uniform, wgpu::BufferBindingType::Uniform) => {}
                (
                    naga::AddressSpace::Storage { access },
                    wgpu::BufferBindingType::Storage { read_only },
                ) => {
                    assert_eq!(
                        access.contains(naga::StorageAccess::STORE),
                        !read_only,
                        "{shader}: {name} is {} in the layout",
                        if read_only { "read-only" } else { "read-write" }
                    );
                }
                (space, ty) => {
                    panic!("{shader}: {name} is {space:?} in WGSL, {ty:?} in the layout")
                }
            }
            if let Some(size) = min_binding_size {
                assert_eq!(
                    size.get(),
                    min_size(&module, var.ty),
                    "{shader}: the layout's smallest size of {name}"
                );
            }
            bound.push(binding.binding);
        }
        bound.sort_unstable();
        let mut laid_out: Vec<u32> = entries.iter().map(|e| e.binding).collect();
        laid_out.sort_unstable();
        assert_eq!(
            bound, laid_out,
            "{shader}: every binding of the layout is declared"
        );
    }
}

#[test]
fn the_stepping_kernels_stay_within_webgpus_default_storage_buffers() {
    let storage = step_entries()
        .iter()
        .filter(|e| {
            matches!(
                e.ty,
                wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Storage { .. },
                    ..
                }
            )
        })
        .count() as u32;
    assert_eq!(storage, STORAGE_BUFFERS);
    assert!(storage <= wgpu::Limits::default().max_storage_buffers_per_shader_stage);
}
