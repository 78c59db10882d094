//! What each kernel costs relative to a sha256d nonce at each host level,
//! measured once and shipped, so that `model-check` predicts the same
//! numbers on every machine.
//!
//! A live `run` measures these ratios on the host it runs on; `model-check`
//! uses this table instead because CI machines change CPU model from run to
//! run, and a check that moves with the machine checks nothing. Ratios (not
//! rates) are kept: the host's speed cancels out of a device prediction,
//! only the relative cost of the kernels at a given lane width remains.

use crate::kernel::Kernel;

/// Where the table below was measured.
pub const SOURCE: &str = "single-thread host rates from `micromine run --profile host --backend LEVEL --threads 1 --kernel all --duration 3` (release build, branch h-model), on an 'Intel(R) Xeon(R) Processor' KVM guest with AVX-512 and SHA-NI, 2 vCPUs, 2026-11-29";

/// Single-thread rates (units/s) per level, in [`Kernel::ALL`] order:
/// sha256d, headers, merkle, duco-s1, scrypt. Signature verification has
/// no entry: it is not a SHA kernel, and no published figure checks it yet.
const RATES: &[(&str, [f64; 5])] = &[
    (
        "scalar",
        [899_074.0, 503_227.0, 751_217.0, 2_854_760.0, 2_600.67],
    ),
    (
        "lanes",
        [
            3_292_408.0,
            1_597_911.0,
            1_646_293.0,
            12_151_741.0,
            2_423.00,
        ],
    ),
    // sha-ni has no coin code: a `sha-ext` device's coin kernels use `lanes`.
    ("sha-ni", [8_745_614.0, 4_692_848.0, 4_695_699.0, 0.0, 0.0]),
];

/// The measured single-thread rate of `kernel` at `level`.
pub fn rate(level: &str, kernel: Kernel) -> Option<f64> {
    let i = Kernel::ALL.iter().position(|&k| k == kernel)?;
    RATES
        .iter()
        .find(|(l, _)| *l == level)
        .and_then(|(_, r)| r.get(i).copied())
        .filter(|r| r.is_finite() && *r > 0.0)
}

/// Host sha256d nonces (at `anchor_level`) per unit of `kernel` (at
/// `level`): the kernel's cost in anchor nonces.
pub fn ratio(anchor_level: &str, level: &str, kernel: Kernel) -> Option<f64> {
    Some(rate(anchor_level, Kernel::Sha256d)? / rate(level, kernel)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_a_class_uses_has_every_kernel() {
        for isa in crate::profile::IsaClass::ALL {
            for k in Kernel::ALL {
                let level = isa.model_level(k);
                let has = rate(level, k).is_some();
                assert_eq!(has, k != Kernel::SigVerify, "{} {}", level, k.name());
            }
        }
    }

    #[test]
    fn sha256d_costs_one_nonce_at_its_own_level() {
        for (level, _) in RATES {
            assert_eq!(ratio(level, level, Kernel::Sha256d), Some(1.0));
        }
    }
}
