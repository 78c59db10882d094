//! The per-block validation budget: what share of the block interval a
//! device needs to check one block's signatures, and how many such devices
//! it takes to keep up with the chain.

use serde::Serialize;

use super::BLOCK_INTERVAL_S;

/// A real block's signature load, as a public benchmark log gives it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BlockLoad {
    pub height: u64,
    /// Inputs in the block: one signature check each for the common
    /// single-key scripts (multisig inputs need more, so this is a floor).
    pub signatures: u64,
    pub source: &'static str,
}

/// The loads the budget is computed for, oldest first.
pub const BLOCK_LOADS: [BlockLoad; 2] = [
    BlockLoad {
        height: 464_424,
        signatures: 3_960,
        source: "bitcoin/bitcoin PR #10303 (-debug=bench log of block 464,424: 3,960 inputs)",
    },
    BlockLoad {
        height: 660_135,
        signatures: 7_043,
        source: "bitcoin/bitcoin PR #24216 (-debug=bench log of block 660,135: 7,043 inputs)",
    },
];

/// One block's budget on one device.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockBudget {
    /// The block's height.
    pub height: u64,
    /// Signature checks the block needs.
    pub signatures: u64,
    /// Seconds of the device's verification (at its capped rate) per block.
    pub device_s_per_block: f64,
    /// That time over the part of the 600 s interval the device is
    /// available for: above 1, it falls behind the chain.
    pub share_of_interval: f64,
    /// Joules to validate the block, when the device's power is modelled.
    pub joules_per_block: Option<f64>,
    /// Devices like this one needed to keep up (at least 1).
    pub devices_to_keep_up: f64,
    /// Where the block's load comes from.
    pub source: &'static str,
}

/// The budget of a device verifying `sigs_per_s` (under its cap), on for
/// `availability` of the day, drawing `power_w` while it works.
pub fn budgets(sigs_per_s: f64, availability: f64, power_w: Option<f64>) -> Vec<BlockBudget> {
    BLOCK_LOADS
        .iter()
        .map(|load| {
            let secs = load.signatures as f64 / sigs_per_s;
            let share = secs / (BLOCK_INTERVAL_S * availability);
            BlockBudget {
                height: load.height,
                signatures: load.signatures,
                device_s_per_block: secs,
                share_of_interval: share,
                joules_per_block: power_w.map(|p| p * secs),
                devices_to_keep_up: share.ceil().max(1.0),
                source: load.source,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_at_ten_signatures_a_second_needs_two_for_the_busier_block() {
        let b = budgets(10.0, 1.0, Some(2.0));
        // 7,043 / 10 = 704.3 s of work per 600 s interval.
        assert!((b[1].device_s_per_block - 704.3).abs() < 1e-9);
        assert!((b[1].share_of_interval - 704.3 / 600.0).abs() < 1e-12);
        assert_eq!(b[1].devices_to_keep_up, 2.0);
        assert!((b[1].joules_per_block.unwrap() - 1408.6).abs() < 1e-9);
        // 396 s: one device keeps up.
        assert_eq!(b[0].devices_to_keep_up, 1.0);
    }

    #[test]
    fn availability_shrinks_the_interval_the_device_has() {
        let b = budgets(10.0, 0.5, None);
        assert!((b[0].share_of_interval - 396.0 / 300.0).abs() < 1e-12);
        assert_eq!(b[0].devices_to_keep_up, 2.0);
        assert!(b[0].joules_per_block.is_none());
    }
}
