//! What the sliders set: the settings, and the `gpulif curve` command they equal.

use gpulif::experiment::curve::{CurveRun, CurveSpec};
use gpulif::{Currents, LifParams, Method, Noise};

/// What the sliders set: the arguments of the equivalent `gpulif curve` command.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub neurons: usize,
    pub i_min: f64,
    pub i_max: f64,
    pub tau_rc: f64,
    pub tau_ref: f64,
    pub v_th: f64,
    pub dt: f64,
    pub duration: f64,
    pub method: Method,
    pub sigma: f64,
    pub noise_tau: f64,
    pub seed: u64,
}

impl Default for Settings {
    /// `gpulif curve`'s defaults, with 10⁵ neurons for 1 s.
    fn default() -> Self {
        let params = LifParams::default();
        Settings {
            neurons: 100_000,
            i_min: 0.0,
            i_max: 10.0,
            tau_rc: params.tau_rc,
            tau_ref: params.tau_ref,
            v_th: params.v_th,
            dt: params.dt,
            duration: 1.0,
            method: Method::Euler,
            sigma: 0.0,
            noise_tau: 0.0,
            seed: 1,
        }
    }
}

impl Settings {
    pub fn params(&self) -> LifParams {
        LifParams {
            tau_rc: self.tau_rc,
            tau_ref: self.tau_ref,
            v_th: self.v_th,
            dt: self.dt,
        }
    }

    pub fn noise(&self) -> Noise {
        if self.sigma == 0.0 {
            Noise::NONE
        } else if self.noise_tau == 0.0 {
            Noise::white(self.sigma, self.seed)
        } else {
            Noise::coloured(self.sigma, self.noise_tau, self.seed)
        }
    }

    /// The validated run, with the duration rounded to whole steps.
    pub fn prepare(&mut self) -> gpulif::Result<CurveRun> {
        if self.dt > 0.0 && self.dt.is_finite() {
            self.duration = (self.duration / self.dt).round().max(1.0) * self.dt;
        }
        let spec = CurveSpec {
            params: self.params(),
            duration: self.duration,
            currents: Currents::Sweep {
                i_min: self.i_min,
                i_max: self.i_max,
                neurons: self.neurons,
            },
            method: self.method,
        };
        spec.prepare()?.with_noise(self.noise(), true)
    }

    /// The `gpulif curve` command that computes the same curve.
    pub fn command(&self) -> String {
        let mut command = format!(
            "gpulif curve --neurons {} --i-min {} --i-max {} --tau-rc {} --tau-ref {} \
             --v-th {} --dt {} --duration {} --method {}",
            self.neurons,
            self.i_min,
            self.i_max,
            self.tau_rc,
            self.tau_ref,
            self.v_th,
            self.dt,
            self.duration,
            self.method
        );
        if self.sigma > 0.0 {
            command += &format!(" --noise {} --seed {}", self.sigma, self.seed);
            if self.noise_tau > 0.0 {
                command += &format!(" --noise-tau {}", self.noise_tau);
            }
        }
        command
    }
}
