//! Energy of a generation, always labelled with where the figure comes from: RAPL counters
//! (`/sys/class/powercap/intel-rapl:*/energy_uj`) when the host exposes them and they are
//! readable, else an estimate from configured watts × the seconds the model ran.

use std::path::PathBuf;

/// Watts assumed per busy CPU thread when nothing is measured (a server core under load;
/// override with `--power-watts`).
pub const DEFAULT_WATTS_PER_THREAD: f64 = 10.0;

/// Where energy figures come from.
#[derive(Debug, Clone)]
pub enum Meter {
    /// RAPL package counters (µJ), summed.
    Rapl(Vec<PathBuf>),
    /// Configured watts × model seconds.
    Estimate { watts: f64 },
}

impl Meter {
    /// RAPL when readable, else an estimate at `watts`.
    pub fn detect(watts: f64) -> Self {
        let mut zones = Vec::new();
        if let Ok(dir) = std::fs::read_dir("/sys/class/powercap") {
            for e in dir.filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                // Packages only (intel-rapl:0), not their sub-zones (intel-rapl:0:0).
                if name.starts_with("intel-rapl:") && name.matches(':').count() == 1 {
                    let f = e.path().join("energy_uj");
                    if std::fs::read_to_string(&f).is_ok() {
                        zones.push(f);
                    }
                }
            }
        }
        if zones.is_empty() {
            Meter::Estimate { watts }
        } else {
            Meter::Rapl(zones)
        }
    }

    /// A reading to subtract from a later one (µJ for RAPL; unused for estimates).
    pub fn read(&self) -> Option<u64> {
        match self {
            Meter::Rapl(zones) => zones
                .iter()
                .map(|z| std::fs::read_to_string(z).ok()?.trim().parse::<u64>().ok())
                .sum(),
            Meter::Estimate { .. } => None,
        }
    }

    /// Joules between `before` and now, for a run of `secs` seconds.
    pub fn joules(&self, before: Option<u64>, secs: f64) -> f64 {
        match (self, before, self.read()) {
            // Counters wrap; a wrapped or missing reading falls back to the estimate.
            (Meter::Rapl(_), Some(a), Some(b)) if b >= a => (b - a) as f64 / 1e6,
            _ => self.watts() * secs,
        }
    }

    fn watts(&self) -> f64 {
        match self {
            Meter::Estimate { watts } => *watts,
            Meter::Rapl(_) => DEFAULT_WATTS_PER_THREAD,
        }
    }

    /// How the figure was obtained, for the report.
    pub fn source(&self) -> String {
        match self {
            Meter::Rapl(_) => "measured (RAPL)".into(),
            Meter::Estimate { watts } => format!("estimated ({watts:.0} W x model time)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_are_watts_times_seconds_and_say_so() {
        let m = Meter::Estimate { watts: 20.0 };
        assert_eq!(m.joules(None, 3.0), 60.0);
        assert!(m.source().starts_with("estimated (20 W"));
    }
}
