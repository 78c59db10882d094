//! The CPU levels, detected at run time. The only place that dispatches to
//! ISA-specific code.

use std::ops::Range;

use crate::backend::cpu::portable;
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

/// A CPU implementation level, best first in [`Platform::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Portable scalar code: the reference.
    Portable,
}

impl Platform {
    /// Every level this build knows, best first, available here or not.
    pub const ALL: &'static [Platform] = &[Platform::Portable];

    /// The best level this CPU supports.
    pub fn detect() -> Platform {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.availability().is_ok())
            .unwrap_or(Platform::Portable)
    }

    /// The command-line name of the level.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Portable => "scalar",
        }
    }

    /// Looks a level up by its command-line name.
    pub fn from_name(name: &str) -> Option<Platform> {
        Self::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// `Ok` when this CPU can run the level, or why not.
    pub fn availability(self) -> Result<(), String> {
        match self {
            Platform::Portable => Ok(()),
        }
    }

    /// The level if this CPU supports it: forcing a level for tests and `--backend`.
    pub fn force(self) -> Option<Platform> {
        self.availability().ok().map(|()| self)
    }

    /// Nonces, headers or Merkle pairs processed per call of the inner kernel.
    pub fn lanes(self) -> usize {
        match self {
            Platform::Portable => 1,
        }
    }

    pub fn search(self, p: &Prepared, range: Range<u64>) -> SearchOutcome {
        match self {
            Platform::Portable => portable::search(p, range),
        }
    }

    pub fn hash_headers(self, headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
        assert_eq!(headers.len(), out.len(), "one output per header");
        match self {
            Platform::Portable => portable::hash_headers(headers, out),
        }
    }

    pub fn merkle_pairs(self, level: &[[u8; 32]], out: &mut [[u8; 32]]) {
        assert_eq!(level.len(), 2 * out.len(), "one output per pair");
        match self {
            Platform::Portable => portable::merkle_pairs(level, out),
        }
    }
}
