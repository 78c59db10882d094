//! Host energy from Linux powercap (Intel/AMD RAPL) counters, when the
//! kernel exposes them and they are readable.

use std::fs;
use std::path::{Path, PathBuf};

const POWERCAP: &str = "/sys/class/powercap";

/// One package-level RAPL zone.
#[derive(Clone, Debug)]
struct Zone {
    energy: PathBuf,
    /// Counter wraps after this many microjoules.
    max_uj: u64,
}

/// Package energy counters, read before and after a run.
#[derive(Clone, Debug)]
pub struct Rapl {
    zones: Vec<Zone>,
    names: Vec<String>,
}

/// A reading of every zone, in microjoules.
#[derive(Clone, Debug)]
pub struct Reading(Vec<u64>);

/// Why host energy is not available. Every variant that reaches a report
/// starts with `absent:`, which is how the report marks a missing figure.
#[derive(Debug, thiserror::Error)]
pub enum RaplError {
    #[error("absent: no RAPL energy counters on this host ({}: {source})", root.display())]
    NoPowercap {
        root: PathBuf,
        source: std::io::Error,
    },
    #[error("absent: no RAPL package zones under {}", root.display())]
    NoZones { root: PathBuf },
    #[error("absent: RAPL counter unreadable ({0})")]
    Unreadable(#[source] CounterError),
    #[error(transparent)]
    Counter(#[from] CounterError),
}

/// One counter file that could not be read as a number.
#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a number: {source}", path.display())]
    NotANumber {
        path: PathBuf,
        source: std::num::ParseIntError,
    },
}

fn read_u64(p: &Path) -> Result<u64, CounterError> {
    let s = fs::read_to_string(p).map_err(|source| CounterError::Read {
        path: p.to_path_buf(),
        source,
    })?;
    s.trim().parse().map_err(|source| CounterError::NotANumber {
        path: p.to_path_buf(),
        source,
    })
}

impl Rapl {
    /// Opens the package zones under `/sys/class/powercap`, or says why
    /// host energy is absent.
    pub fn open() -> Result<Rapl, RaplError> {
        Self::open_at(Path::new(POWERCAP))
    }

    /// As [`Rapl::open`], under another root (tests use a temporary tree).
    pub fn open_at(root: &Path) -> Result<Rapl, RaplError> {
        let entries = fs::read_dir(root).map_err(|source| RaplError::NoPowercap {
            root: root.to_path_buf(),
            source,
        })?;
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                // Top-level package zones only (`intel-rapl:0`); sub-zones
                // (`intel-rapl:0:0`, cores, DRAM) are inside them already.
                name.starts_with("intel-rapl:") && name.matches(':').count() == 1
            })
            .collect();
        dirs.sort();
        if dirs.is_empty() {
            return Err(RaplError::NoZones {
                root: root.to_path_buf(),
            });
        }
        let mut zones = Vec::new();
        let mut names = Vec::new();
        for d in dirs {
            let energy = d.join("energy_uj");
            read_u64(&energy).map_err(RaplError::Unreadable)?;
            let max_uj = read_u64(&d.join("max_energy_range_uj")).unwrap_or(u64::MAX);
            names.push(
                fs::read_to_string(d.join("name"))
                    .map(|s| s.trim().to_string())
                    .unwrap_or_else(|_| d.display().to_string()),
            );
            zones.push(Zone { energy, max_uj });
        }
        Ok(Rapl { zones, names })
    }

    pub fn read(&self) -> Result<Reading, RaplError> {
        let uj = self.zones.iter().map(|z| read_u64(&z.energy));
        Ok(Reading(uj.collect::<Result<_, _>>()?))
    }

    /// Joules used between two readings, allowing one wrap per zone.
    pub fn joules(&self, before: &Reading, after: &Reading) -> f64 {
        self.zones
            .iter()
            .zip(before.0.iter().zip(&after.0))
            .map(|(z, (&b, &a))| {
                let uj = if a >= b { a - b } else { z.max_uj - b + a };
                uj as f64 / 1e6
            })
            .sum()
    }

    /// Which counters the figure came from, for the report.
    pub fn describe(&self) -> String {
        format!("RAPL package counters: {}", self.names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(root: &Path, name: &str, uj: u64, max: u64) {
        let d = root.join(name);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("energy_uj"), format!("{uj}\n")).unwrap();
        fs::write(d.join("max_energy_range_uj"), format!("{max}\n")).unwrap();
        fs::write(d.join("name"), "package-0\n").unwrap();
    }

    #[test]
    fn package_zones_are_summed_and_wraps_handled() {
        let root = std::env::temp_dir().join(format!("micromine-rapl-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        zone(&root, "intel-rapl:0", 1_000_000, 10_000_000);
        zone(&root, "intel-rapl:0:0", 5, 10_000_000);
        let rapl = Rapl::open_at(&root).unwrap();
        let before = rapl.read().unwrap();
        fs::write(root.join("intel-rapl:0/energy_uj"), "500000\n").unwrap();
        let after = rapl.read().unwrap();
        // Wrapped: 10 J - 1 J + 0.5 J.
        assert!((rapl.joules(&before, &after) - 9.5).abs() < 1e-9);
        assert!(rapl.describe().contains("package-0"));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_tree_says_absent() {
        let err = Rapl::open_at(Path::new("/nonexistent/powercap")).unwrap_err();
        assert!(err.to_string().starts_with("absent:"), "{err}");
    }
}
