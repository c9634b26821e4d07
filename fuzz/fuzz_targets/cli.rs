//! Fuzz target: argument vectors into the command line's parser and every check a
//! command makes before it would open a backend, simulate or write ([`checks::cli`]),
//! in a working folder of its own that holds a currents file and stimulus files.
#![no_main]

#[path = "../../src/bin/gpulif/main.rs"]
#[allow(dead_code, unused_imports)]
mod gpulif_cli;

libfuzzer_sys::fuzz_target!(
    init: {
        let dir = std::env::temp_dir().join(format!("gpulif-fuzz-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a working folder");
        for seed in ["currents.txt", "stimulus.txt", "stimulus.npy"] {
            let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("files").join(seed);
            std::fs::copy(&from, dir.join(seed)).expect("a seed file");
        }
        std::env::set_current_dir(&dir).expect("into the working folder");
    },
    |data: &[u8]| checks::cli(data, |argv| {
        gpulif_cli::check(argv).map_err(|f| (f.message, f.status))
    })
);
