//! Energy of a generation, always labelled with where the figure comes from: on a CUDA device
//! the GPU's own counter from NVML (feature `nvml`, which `cuda` turns on); on CPU RAPL counters
//! (`/sys/class/powercap/intel-rapl:*/energy_uj`) when the host exposes them and they are
//! readable; else an estimate from configured watts × the seconds the model ran.

use std::path::PathBuf;
#[cfg(feature = "nvml")]
use std::sync::Arc;

/// Watts assumed per busy CPU thread when nothing is measured (a server core under load;
/// override with `--power-watts`).
pub const DEFAULT_WATTS_PER_THREAD: f64 = 10.0;

/// Where energy figures come from.
#[derive(Debug, Clone)]
pub enum Meter {
    /// RAPL package counters (µJ), summed.
    Rapl(Vec<PathBuf>),
    /// The GPU's total-energy counter (mJ), from NVML.
    #[cfg(feature = "nvml")]
    Nvml(Arc<nvml::Gpu>),
    /// Configured watts × model seconds.
    Estimate { watts: f64 },
}

impl Meter {
    /// NVML on a CUDA `device` (`cuda`, `cuda:N`) when it answers, RAPL when readable, else
    /// an estimate at `watts`. Why NVML could not be used is logged.
    pub fn detect(device: &str, watts: f64) -> Self {
        #[cfg(feature = "nvml")]
        if let Some(index) = cuda_index(device) {
            match nvml::Gpu::open(index) {
                Ok(g) => return Meter::Nvml(Arc::new(g)),
                Err(e) => {
                    tracing::warn!(error = %e, "NVML energy counter unavailable; energy will be estimated")
                }
            }
        }
        #[cfg(not(feature = "nvml"))]
        let _ = device;
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
            #[cfg(feature = "nvml")]
            Meter::Nvml(g) => g.millijoules(),
            Meter::Estimate { .. } => None,
        }
    }

    /// Joules between `before` and now, for a run of `secs` seconds.
    pub fn joules(&self, before: Option<u64>, secs: f64) -> f64 {
        match (self, before, self.read()) {
            // Counters wrap; a wrapped or missing reading falls back to the estimate.
            (Meter::Rapl(_), Some(a), Some(b)) if b >= a => (b - a) as f64 / 1e6,
            #[cfg(feature = "nvml")]
            (Meter::Nvml(_), Some(a), Some(b)) if b >= a => (b - a) as f64 / 1e3,
            _ => self.watts() * secs,
        }
    }

    fn watts(&self) -> f64 {
        match self {
            Meter::Estimate { watts } => *watts,
            Meter::Rapl(_) => DEFAULT_WATTS_PER_THREAD,
            #[cfg(feature = "nvml")]
            Meter::Nvml(_) => DEFAULT_GPU_WATTS,
        }
    }

    /// How the figure was obtained, for the report.
    pub fn source(&self) -> String {
        match self {
            Meter::Rapl(_) => "measured (RAPL)".into(),
            #[cfg(feature = "nvml")]
            Meter::Nvml(g) => format!("measured (NVML, GPU {})", g.index),
            Meter::Estimate { watts } => format!("estimated ({watts:.0} W x model time)"),
        }
    }
}

/// Watts assumed for a GPU when its NVML counter cannot be read mid-run.
#[cfg(feature = "nvml")]
const DEFAULT_GPU_WATTS: f64 = 300.0;

/// The ordinal of a CUDA device name (`cuda` is 0, `cuda:N` is N); `None` for anything else.
#[cfg_attr(not(feature = "nvml"), allow(dead_code))]
fn cuda_index(device: &str) -> Option<u32> {
    match device {
        "cuda" => Some(0),
        d => d.strip_prefix("cuda:")?.parse().ok(),
    }
}

/// NVML, loaded at run time from the driver's `libnvidia-ml.so.1` (through `nvml-wrapper`):
/// nothing to link at build time, and a clear error, not a crash, on a host without the driver.
#[cfg(feature = "nvml")]
pub mod nvml {
    use nvml_wrapper::Nvml;

    /// One GPU's total-energy counter.
    pub struct Gpu {
        pub index: u32,
        nvml: Nvml,
    }

    impl std::fmt::Debug for Gpu {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Gpu").field("index", &self.index).finish()
        }
    }

    impl Gpu {
        /// Load NVML and check that GPU `index` reports its energy (Volta and later do).
        pub fn open(index: u32) -> Result<Self, String> {
            let nvml = Nvml::builder()
                .lib_path(std::ffi::OsStr::new("libnvidia-ml.so.1"))
                .init()
                .map_err(|e| {
                    format!("cannot use NVML from libnvidia-ml.so.1 (NVIDIA driver): {e}")
                })?;
            let gpu = Gpu { index, nvml };
            gpu.read()
                .map_err(|e| format!("GPU {index} does not report its energy through NVML: {e}"))?;
            Ok(gpu)
        }

        fn read(&self) -> Result<u64, nvml_wrapper::error::NvmlError> {
            self.nvml
                .device_by_index(self.index)?
                .total_energy_consumption()
        }

        /// Millijoules since the driver loaded.
        pub fn millijoules(&self) -> Option<u64> {
            self.read().ok()
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

    #[test]
    fn cuda_devices_name_their_ordinal() {
        assert_eq!(cuda_index("cuda"), Some(0));
        assert_eq!(cuda_index("cuda:3"), Some(3));
        assert_eq!(cuda_index("cpu"), None);
        assert_eq!(cuda_index("cuda:x"), None);
    }

    /// On a host without the NVIDIA driver a CUDA device's meter falls back and says so.
    #[cfg(feature = "nvml")]
    #[test]
    fn without_the_driver_nvml_is_a_clear_error() {
        if std::path::Path::new("/proc/driver/nvidia").exists() {
            return;
        }
        let e = nvml::Gpu::open(0).unwrap_err();
        assert!(e.contains("libnvidia-ml.so.1"), "{e}");
        assert!(!matches!(Meter::detect("cuda", 20.0), Meter::Nvml(_)));
    }
}
