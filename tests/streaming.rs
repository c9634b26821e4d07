//! A curve streamed in batches, through the output writers, is the same curve as one
//! simulated whole: same counts, same summary, byte-identical files.

use gpulif::output::AtomicOutput;

use gpulif::{
    BackendKind, CpuStepper, Currents, CurveSpec, LifParams, Method, Population, PopulationDesc,
    Progress, Result, Run, RunSpec, Stepper,
};

/// The CPU backend in batches of an awkward size.
struct SmallBatches(CpuStepper);

impl Stepper for SmallBatches {
    fn kind(&self) -> BackendKind {
        self.0.kind()
    }
    fn device(&self) -> String {
        self.0.device()
    }
    fn batch_neurons(&self) -> usize {
        97
    }
    fn counts_by_period(&self, desc: &PopulationDesc<'_>) -> bool {
        self.0.counts_by_period(desc)
    }
    fn population(&mut self, desc: &PopulationDesc<'_>) -> Result<Box<dyn Population>> {
        self.0.population(desc)
    }
    fn simulate(
        &mut self,
        desc: &PopulationDesc<'_>,
        steps: u32,
        progress: Progress<'_>,
    ) -> Result<Vec<u32>> {
        assert!(
            desc.currents.len() <= 97,
            "handed a batch of {}",
            desc.currents.len()
        );
        self.0.simulate(desc, steps, progress)
    }
}

#[test]
fn streamed_files_equal_whole_ones() {
    let spec = CurveSpec {
        run: RunSpec {
            params: LifParams::default(),
            method: Method::Euler,
            duration: 1.0,
            ..RunSpec::default()
        },
        currents: Currents::Sweep {
            i_min: 0.5,
            i_max: 7.0,
            neurons: 1000,
        },
        ..CurveSpec::default()
    };
    let prepared = spec.prepare().unwrap();
    let whole = prepared.simulate(&mut CpuStepper::new(), &|_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for extension in ["csv", "json", "npy"] {
        let streamed_path = dir.path().join(format!("streamed.{extension}"));
        let whole_path = dir.path().join(format!("whole.{extension}"));
        let mut writer = AtomicOutput::create(&streamed_path)
            .unwrap()
            .writer(prepared.len())
            .unwrap();
        let mut batches = 0;
        let report = prepared
            .stream(
                &mut SmallBatches(CpuStepper::new()),
                &|_| {},
                12,
                &mut |currents, counts| {
                    batches += 1;
                    writer.write(prepared.run(), currents, counts)
                },
            )
            .unwrap();
        assert_eq!(batches, 11, "1000 neurons in batches of 97");
        assert_eq!(report.summary, *whole.summary());
        assert_eq!(report.sample, whole.sample(12));
        assert!(!streamed_path.exists(), "nothing at the path before finish");
        // The same timing in both, so that the files can be compared byte for byte.
        let mut timed = report.clone();
        timed.elapsed = whole.elapsed();
        writer.finish(&timed).unwrap();
        AtomicOutput::create(&whole_path)
            .unwrap()
            .commit(&whole)
            .unwrap();
        let streamed = std::fs::read(&streamed_path).unwrap();
        assert!(
            streamed == std::fs::read(&whole_path).unwrap(),
            "{extension}: streamed and whole files differ"
        );
        if extension == "json" {
            let json: serde_json::Value = serde_json::from_slice(&streamed).unwrap();
            assert_eq!(json["data"]["count"].as_array().unwrap().len(), 1000);
            assert_eq!(json["data"]["current"][999], 7.0);
            assert_eq!(json["neurons"], 1000);
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with(".gpulif-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn an_unfinished_writer_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curve.json");
    let run = Run::with_steps(LifParams::default(), 10).unwrap();
    let mut writer = AtomicOutput::create(&path).unwrap().writer(2).unwrap();
    writer.write(&run, &[1.5, 2.5], &[0, 1]).unwrap();
    drop(writer);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_writer_given_fewer_neurons_than_announced_refuses_to_finish() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curve.npy");
    let run = Run::with_steps(LifParams::default(), 10).unwrap();
    let curve = gpulif::TuningCurve::new(
        run,
        vec![1.5, 2.5],
        vec![0, 1],
        BackendKind::Cpu,
        String::new(),
        std::time::Duration::from_secs(1),
    );
    let mut writer = AtomicOutput::create(&path).unwrap().writer(3).unwrap();
    writer
        .write(&run, curve.currents(), curve.counts())
        .unwrap();
    let error = writer.finish(&curve.report(0)).unwrap_err().to_string();
    assert!(
        error.contains("2 neurons written of the 3 announced"),
        "{error}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
