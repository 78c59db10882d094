//! The CPU features the levels depend on, as detected at run time and as
//! narrowed by `MICROMINE_CPU_MASK`.
//!
//! The mask exists so that one machine can exercise the fallbacks of CPUs
//! it is not: CI runs the suite with the best features hidden. It can only
//! hide what the CPU has, never add to it, so no `#[target_feature]` code
//! can be reached on a CPU that lacks the feature.

use std::sync::OnceLock;

/// The environment variable that hides CPU features from every level.
pub const MASK_ENV: &str = "MICROMINE_CPU_MASK";

/// An ISA extension some level needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    Sse41,
    Avx2,
    Avx512,
    Sha,
}

impl Feature {
    pub const ALL: [Feature; 4] = [Feature::Sse41, Feature::Avx2, Feature::Avx512, Feature::Sha];

    /// The name used in the mask and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Sse41 => "sse4.1",
            Feature::Avx2 => "avx2",
            Feature::Avx512 => "avx512",
            Feature::Sha => "sha",
        }
    }

    fn from_name(name: &str) -> Option<Feature> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Features no real CPU has without this one: hiding SSE4.1 hides the
    /// wider vector levels and SHA-NI too, as on a CPU that never had it.
    fn implied_by(self) -> &'static [Feature] {
        match self {
            Feature::Sse41 => &[Feature::Avx2, Feature::Avx512, Feature::Sha],
            Feature::Avx2 => &[Feature::Avx512],
            Feature::Avx512 | Feature::Sha => &[],
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn detected(self) -> bool {
        use std::arch::is_x86_feature_detected as has;
        match self {
            Feature::Sse41 => has!("sse4.1"),
            Feature::Avx2 => has!("avx2"),
            Feature::Avx512 => has!("avx512f") && has!("avx512vl"),
            // The SHA kernels also use SSSE3 shuffles and SSE4.1.
            Feature::Sha => has!("sha") && has!("ssse3") && has!("sse4.1"),
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn detected(self) -> bool {
        false
    }
}

/// A `MICROMINE_CPU_MASK` value that names no feature.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{MASK_ENV}: unknown CPU feature `{0}` (known: sse4.1, avx2, avx512, sha, all)")]
pub struct MaskError(String);

/// The features a mask string hides, implications included. `all` hides
/// every feature; names are comma- or space-separated.
pub fn parse_mask(text: &str) -> Result<Vec<Feature>, MaskError> {
    let mut hidden = Vec::new();
    for word in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let named: Vec<Feature> = match word.to_ascii_lowercase().as_str() {
            "all" => Feature::ALL.to_vec(),
            // Accept the spellings people type, not only ours.
            "sse4" | "sse41" => vec![Feature::Sse41],
            "sha-ni" | "shani" => vec![Feature::Sha],
            "avx512f" | "avx-512" => vec![Feature::Avx512],
            w => vec![Feature::from_name(w).ok_or_else(|| MaskError(word.to_string()))?],
        };
        for f in named {
            for g in std::iter::once(f).chain(f.implied_by().iter().copied()) {
                if !hidden.contains(&g) {
                    hidden.push(g);
                }
            }
        }
    }
    Ok(hidden)
}

/// The mask in force for this process, read once. An unreadable or
/// unknown mask hides everything rather than nothing, so a typo in CI can
/// only make a run slower, never test the wrong thing silently; the error
/// itself is reported by [`mask_error`].
fn mask() -> &'static [Feature] {
    static MASK: OnceLock<Vec<Feature>> = OnceLock::new();
    MASK.get_or_init(|| match std::env::var(MASK_ENV) {
        Ok(text) => parse_mask(&text).unwrap_or_else(|_| Feature::ALL.to_vec()),
        Err(_) => Vec::new(),
    })
}

/// Why the mask in the environment could not be read, if it could not:
/// the binary refuses to start on it.
pub fn mask_error() -> Option<MaskError> {
    let text = std::env::var(MASK_ENV).ok()?;
    parse_mask(&text).err()
}

/// Whether the CPU has `f` and the mask leaves it visible.
pub fn has(f: Feature) -> bool {
    f.detected() && !mask().contains(&f)
}

/// Features the CPU has but the mask hides.
pub fn masked() -> Vec<Feature> {
    Feature::ALL
        .into_iter()
        .filter(|f| f.detected() && mask().contains(f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiding_a_base_feature_hides_what_builds_on_it() {
        assert_eq!(
            parse_mask("sse4.1").unwrap(),
            vec![Feature::Sse41, Feature::Avx2, Feature::Avx512, Feature::Sha]
        );
        assert_eq!(
            parse_mask("avx2").unwrap(),
            vec![Feature::Avx2, Feature::Avx512]
        );
        assert_eq!(
            parse_mask(" sha-ni, AVX512 ").unwrap(),
            vec![Feature::Sha, Feature::Avx512]
        );
        assert_eq!(parse_mask("all").unwrap().len(), Feature::ALL.len());
        assert!(parse_mask("").unwrap().is_empty());
    }

    #[test]
    fn an_unknown_feature_is_an_error() {
        assert_eq!(parse_mask("avx3"), Err(MaskError("avx3".into())));
    }
}
