//! What the controls set: the library's curve spec, and the `gpulif curve` command
//! that computes the same curve.

use crate::experiment::curve::{CurveRun, CurveSpec};
use crate::experiment::spec::RunSpec;
use crate::{Currents, Noise};

/// What the controls set: a [`CurveSpec`] whose currents are an even sweep, field for
/// field. The sweep's three numbers are kept apart so that sliders can hold them; the
/// rest is the library's shared block, every field of which has a control.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Neurons, one per current of the sweep.
    pub neurons: usize,
    /// The sweep's first current.
    pub i_min: f64,
    /// The sweep's last current.
    pub i_max: f64,
    /// The neuron, the method, the duration, the noise (its seed is the one a noise
    /// turned on draws) and the stimulus, which [`Settings::prepare`] reads from
    /// `stimulus_file`.
    pub run: RunSpec,
    /// The stimulus file (as `--stimulus` takes it), or empty for none.
    pub stimulus_file: String,
    /// The stimulus file's content, where a front end was handed it rather than a path
    /// to read (a browser's file picker); `stimulus_file` then names it.
    pub stimulus_bytes: Option<std::sync::Arc<Vec<u8>>>,
}

impl Default for Settings {
    /// `gpulif curve`'s defaults, with 10⁵ neurons for 1 s.
    fn default() -> Self {
        Settings {
            neurons: 100_000,
            i_min: 0.0,
            i_max: 10.0,
            run: RunSpec {
                duration: 1.0,
                noise: Noise::coloured(0.0, 0.0, 1),
                ..RunSpec::default()
            },
            stimulus_file: String::new(),
            stimulus_bytes: None,
        }
    }
}

impl Settings {
    /// The spec the controls describe: no noise while its sigma is 0 (but its seed
    /// while there is Poisson input, which draws with it).
    pub fn spec(&self) -> CurveSpec {
        let noise = if self.run.noise.is_on() || self.run.poisson.is_on() {
            self.run.noise
        } else {
            Noise::NONE
        };
        CurveSpec {
            run: RunSpec {
                noise,
                ..self.run.clone()
            },
            currents: Currents::Sweep {
                i_min: self.i_min,
                i_max: self.i_max,
                neurons: self.neurons,
            },
            ..CurveSpec::default()
        }
    }

    /// The validated run, with the duration rounded to whole steps and the stimulus
    /// file, if any, read for its steps.
    pub fn prepare(&mut self) -> crate::Result<CurveRun> {
        let dt = self.run.params.dt;
        if dt > 0.0 && dt.is_finite() {
            self.run.duration = (self.run.duration / dt).round().max(1.0) * dt;
        }
        let steps = self.run.run()?.steps();
        self.run.stimulus = match (self.stimulus_file.trim(), &self.stimulus_bytes) {
            ("", _) => None,
            (name, Some(bytes)) => Some(crate::experiment::stimulus::parse(
                name.as_ref(),
                bytes,
                steps,
            )?),
            (path, None) => Some(crate::experiment::stimulus::read(path.as_ref(), steps)?),
        };
        self.spec().prepare()
    }

    /// The `gpulif curve` command that computes the same curve.
    pub fn command(&self) -> String {
        let (p, noise) = (&self.run.params, &self.run.noise);
        let mut command = format!(
            "gpulif curve --neurons {} --i-min {} --i-max {} --tau-rc {} --tau-ref {} \
             --v-th {} --dt {} --duration {} --method {}",
            self.neurons,
            self.i_min,
            self.i_max,
            p.tau_rc,
            p.tau_ref,
            p.v_th,
            p.dt,
            self.run.duration,
            self.run.method
        );
        if noise.sigma > 0.0 {
            command += &format!(" --noise {} --seed {}", noise.sigma, noise.seed);
            if noise.tau > 0.0 {
                command += &format!(" --noise-tau {}", noise.tau);
            }
        }
        let poisson = self.run.poisson;
        if poisson.is_on() {
            command += &format!(" --poisson {}:{}", poisson.rate, poisson.weight);
            if noise.sigma <= 0.0 {
                command += &format!(" --seed {}", noise.seed);
            }
        }
        if !self.run.dt_correction {
            command += " --no-dt-correction";
        }
        if !self.stimulus_file.trim().is_empty() {
            command += &format!(" --stimulus {}", self.stimulus_file.trim());
        }
        command
    }
}
