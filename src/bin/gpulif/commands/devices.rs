//! `gpulif devices`.

use anyhow::Context;
use gpulif::backend::gpu::list_adapters;

use super::super::args::DevicesArgs;
use super::super::failure::Failure;

pub fn run(args: DevicesArgs) -> Result<(), Failure> {
    Failure::checked()?;
    let gpulif::backend::gpu::AdapterList {
        adapters,
        hardware,
        any,
    } = list_adapters();
    if args.json {
        let json = serde_json::to_string_pretty(&adapters).context("formatting adapters")?;
        outln!("{json}");
        return Ok(());
    }
    if adapters.is_empty() {
        outln!("no adapters found");
    }
    for (i, a) in adapters.iter().enumerate() {
        let mark = if Some(i) == hardware { "*" } else { " " };
        let compute = if a.compute {
            ""
        } else {
            "  (no compute shaders)"
        };
        outln!(
            "{mark} {i}: {}  [{}, {}]  {}{compute}",
            a.name,
            a.backend,
            a.device_type,
            a.driver
        );
    }
    let compute: Vec<String> = adapters
        .iter()
        .enumerate()
        .filter(|(_, a)| a.compute)
        .map(|(i, _)| i.to_string())
        .collect();
    if !compute.is_empty() {
        outln!(
            "--adapter all splits the work across adapter{} {}",
            if compute.len() == 1 { "" } else { "s" },
            compute.join(", ")
        );
    }
    match (hardware, any) {
        (Some(i), _) => outln!(
            "--backend auto uses adapter {i}: {}",
            adapters[i].describe()
        ),
        (None, Some(i)) => outln!(
            "--backend auto uses the CPU backend (no hardware adapter); \
             --backend gpu uses adapter {i}: {}",
            adapters[i].describe()
        ),
        (None, None) => outln!(
            "--backend auto uses the CPU backend; --backend gpu has no adapter \
             (install a GPU driver or mesa-vulkan-drivers for lavapipe)"
        ),
    }
    Ok(())
}
