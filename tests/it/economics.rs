//! Every economics formula against a hand computation from public figures.
//!
//! Figures used (see network.toml for sources): difficulty D = 148.26e12
//! (2025-12-27), subsidy 3.125 BTC + fees 0.036 BTC = 3.161 BTC per block,
//! BTC = $88,000, electricity $0.168/kWh, chain height 929,699,
//! Antminer S21 = 200 TH/s at 3,500 W (17.5 J/TH), Bitaxe Gamma = 1.2 TH/s at 18 W.

use micromine::economics::*;

const D: f64 = 148.26e12;
const REWARD: f64 = 3.161;

fn close(actual: f64, expected: f64, rel: f64) {
    let err = ((actual - expected) / expected).abs();
    assert!(
        err <= rel,
        "got {actual:e}, expected {expected:e} (relative error {err:e})"
    );
}

#[test]
fn builtin_snapshot_parses_and_carries_dates_and_sources() {
    let s = Snapshot::builtin();
    assert_eq!(s.snapshot_date, "2025-12-27");
    assert_eq!(s.block_subsidy_btc.value, 3.125);
    assert!(s.difficulty.source.contains("929,699"));
    assert!(s.chain_height.value == 929_699);
    for src in [
        &s.difficulty.source,
        &s.btc_price_usd.source,
        &s.electricity_usd_per_kwh.source,
        &s.fees_per_block_btc.source,
    ] {
        assert!(!src.is_empty());
    }
    let names: Vec<_> = s.reference.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Antminer S21",
            "Bitaxe Gamma",
            "Bitaxe Ultra",
            "Bitaxe Supra"
        ]
    );
}

#[test]
fn difficulty_implies_the_published_network_hash_rate() {
    // D * 2^32 / 600 s = 148.26e12 * 4,294,967,296 / 600 = 1.0613e21 H/s,
    // i.e. 1,061 EH/s; YCharts put the network at about 1,150 EH/s on
    // 2025-12-26 (a trailing estimate, and blocks were 9.95 min apart), so
    // the two agree within 10%.
    let h = network_hashrate(D);
    close(h, 1.061_286e21, 1e-5);
    close(h, 1.150e21, 0.10);
}

#[test]
fn s21_mean_time_to_block() {
    // 148.26e12 * 2^32 = 6.36772e23 hashes; / 200e12 H/s = 3.18386e9 s
    // = 36,850 days = 100.9 years.
    let t = mean_time_to_block_s(200e12, D);
    close(t, 3.183_859e9, 1e-6);
    close(t / DAY_S, 36_850.2, 1e-5);
}

#[test]
fn s21_probability_of_a_block_in_a_year() {
    // year / mean = 31,557,600 / 3.18386e9 = 0.0099116; 1 - e^-0.0099116 = 0.0098627.
    let p = probability_within(YEAR_S, mean_time_to_block_s(200e12, D));
    close(p, 0.009_862_8, 1e-4);
}

#[test]
fn microcontroller_odds_do_not_round_to_zero() {
    // An ESP32-class 200 kH/s: mean = 6.36772e23 / 2e5 = 3.18386e18 s;
    // year / mean = 9.9117e-12, and 1 - e^-x ~ x for tiny x. The naive
    // 1 - exp(-x) in f64 is off in the 6th digit here; expm1 is not.
    let p = probability_within(YEAR_S, mean_time_to_block_s(200e3, D));
    close(p, 9.911_745e-12, 1e-6);
    assert!(p > 0.0);
}

#[test]
fn s21_btc_and_usd_per_day() {
    // 3.161 BTC * 200e12 H/s * 86,400 s / 6.36772e23 = 8.5780e-5 BTC/day;
    // * $88,000 = $7.5486/day (hashprice $37.7 per PH/s per day).
    let btc = btc_per_day(200e12, 1.0, D, REWARD);
    close(btc, 8.577_97e-5, 1e-5);
    close(btc * 88_000.0, 7.548_61, 1e-5);
}

#[test]
fn availability_scales_revenue_and_shares_linearly() {
    // Running 8 h of 24 earns a third of the full-day figure.
    let full = btc_per_day(1.2e12, 1.0, D, REWARD);
    close(btc_per_day(1.2e12, 1.0 / 3.0, D, REWARD), full / 3.0, 1e-12);
    close(
        shares_per_day(1.2e12, 0.5, 1000.0),
        shares_per_day(1.2e12, 1.0, 1000.0) / 2.0,
        1e-12,
    );
}

#[test]
fn s21_energy_cost_and_break_even() {
    // 3,500 W * 24 h = 84 kWh/day; * $0.168 = $14.112/day. Revenue is
    // $7.5486, so break-even = 7.5486 / 84 = $0.089864/kWh.
    close(kwh_per_day(3500.0, 1.0), 84.0, 1e-12);
    close(kwh_per_day(3500.0, 1.0) * 0.168, 14.112, 1e-12);
    close(
        break_even_usd_per_kwh(200e12, 3500.0, D, REWARD, 88_000.0),
        0.089_864_4,
        1e-5,
    );
}

#[test]
fn break_even_does_not_depend_on_availability() {
    // Both revenue and energy scale with running time, so a device idle half
    // the day breaks even at the same price: check through `mining`.
    let s = Snapshot::builtin();
    let a = mining(&s, 1.2e12, 1.0, Some(18.0)).energy.unwrap();
    let b = mining(&s, 1.2e12, 0.5, Some(18.0)).energy.unwrap();
    close(a.break_even_usd_per_kwh, b.break_even_usd_per_kwh, 1e-12);
    close(b.kwh_per_day, a.kwh_per_day / 2.0, 1e-12);
}

#[test]
fn joules_per_terahash_of_the_references() {
    // S21: 3,500 W / 200e12 H/s * 1e12 = 17.5 J/TH; Bitaxe: 18 / 1.2 = 15 J/TH.
    close(joules_per_tera(200e12, 3500.0), 17.5, 1e-12);
    let s = Snapshot::builtin();
    close(s.reference[0].joules_per_tera(), 17.5, 1e-12);
    close(s.reference[1].joules_per_tera(), 15.0, 1e-12);
    assert_eq!(s.frontier().unwrap().name, "Bitaxe Gamma");
}

#[test]
fn efficiency_ratio_against_the_frontier() {
    // A 240 MHz ESP32 doing 200 kH/s at 0.5 W: 0.5 / 2e5 * 1e12 = 2.5e6 J/TH,
    // / 15 J/TH (Bitaxe frontier) = 166,667 times the energy per hash.
    let s = Snapshot::builtin();
    let e = mining(&s, 2e5, 1.0, Some(0.5)).energy.unwrap();
    close(e.joules_per_th, 2.5e6, 1e-12);
    close(e.energy_vs_frontier.unwrap(), 166_666.67, 1e-6);
    // Against the S21: 2.5e6 / 17.5 = 142,857 times.
    assert_eq!(e.energy_vs_reference[0].reference, "Antminer S21");
    close(e.energy_vs_reference[0].ratio, 142_857.14, 1e-6);
}

#[test]
fn shares_per_day_at_difficulty_one_and_a_bitaxe_default() {
    // 200 kH/s * 86,400 s / 2^32 = 4.0233 shares/day at difficulty 1.
    close(shares_per_day(2e5, 1.0, 1.0), 4.023_31, 1e-5);
    // A 1.2 TH/s Bitaxe at difficulty 1,000: one share per
    // 1000 * 2^32 / 1.2e12 = 3.579 s (bitaxeballer's table gives ~3.6 s),
    // i.e. 1.2e12 * 86,400 / (1000 * 2^32) = 24,139.9 shares/day.
    close(shares_per_day(1.2e12, 1.0, 1000.0), 24_139.9, 1e-5);
}

#[test]
fn mining_bundles_the_formulas_with_the_snapshot() {
    let s = Snapshot::builtin();
    let m = mining(&s, 200e12, 1.0, Some(3500.0));
    close(m.usd_per_day, 7.548_61, 1e-5);
    let e = m.energy.unwrap();
    close(e.cost_usd_per_day, 14.112, 1e-9);
    close(e.net_usd_per_day, 7.548_61 - 14.112, 1e-5);
    close(e.energy_vs_frontier.unwrap(), 17.5 / 15.0, 1e-12);
    // Availability stretches the mean time to a block: half the day doubles it.
    let half = mining(&s, 200e12, 0.5, None);
    close(
        half.mean_time_to_block_s,
        2.0 * m.mean_time_to_block_s,
        1e-12,
    );
    assert!(half.energy.is_none());
}

#[test]
fn header_chain_validation_time() {
    // Heights 0..=929,699 are 929,700 headers; at 10,000 headers/s that is
    // 92.97 s; the network makes 1/600 headers/s, so 10,000/s is 6,000,000x.
    let s = Snapshot::builtin();
    let v = header_validation(&s, 10_000.0);
    close(v.full_chain_s, 92.97, 1e-12);
    close(v.times_network, 6.0e6, 1e-12);
}

#[test]
fn merkle_proof_capacity() {
    // 4,000 transactions: ceil(log2 4000) = 12 levels (2^11 = 2048 < 4000 <= 4096),
    // so a proof is 12 pair hashes. At 1,200 pairs/s: 100 proofs/s. The network
    // confirms 4000 / 600 = 6.667 tx/s, so the device keeps up 15 times over.
    assert_eq!(merkle_proof_depth(4000.0), 12.0);
    assert_eq!(merkle_proof_depth(4096.0), 12.0);
    assert_eq!(merkle_proof_depth(4097.0), 13.0);
    let s = Snapshot::builtin();
    let m = merkle_validation(&s, 1200.0);
    close(m.proofs_per_s, 100.0, 1e-12);
    close(m.network_proofs_per_s, 6.666_667, 1e-6);
    close(m.times_network, 15.0, 1e-12);
}

#[test]
fn merkle_root_pair_count_matches_real_blocks() {
    // Block 100000 has 4 txids: 2 + 1 = 3 pairs. An odd count duplicates the
    // last node: 5 leaves -> 3 + 2 + 1 = 6 pairs. One leaf is its own root.
    assert_eq!(merkle_root_pairs(4), 3);
    assert_eq!(merkle_root_pairs(5), 6);
    assert_eq!(merkle_root_pairs(1), 0);
    // 4,000 leaves: 2000+1000+500+250+125+63+32+16+8+4+2+1 = 4001.
    assert_eq!(merkle_root_pairs(4000), 4001);
}

#[test]
fn overrides_replace_values_and_are_named() {
    let s = Snapshot::builtin()
        .with_overrides(&Overrides {
            difficulty: Some(1e14),
            electricity_usd_per_kwh: Some(0.30),
            ..Overrides::default()
        })
        .unwrap();
    assert_eq!(s.difficulty.value, 1e14);
    assert_eq!(s.electricity_usd_per_kwh.source, "override");
    assert_eq!(s.overridden(), ["difficulty", "electricity price"]);
    // Zero fees are a legitimate what-if; zero or negative prices are not.
    assert!(
        Snapshot::builtin()
            .with_overrides(&Overrides {
                fees_per_block_btc: Some(0.0),
                ..Default::default()
            })
            .is_ok()
    );
    for bad in [
        Overrides {
            btc_price_usd: Some(-1.0),
            ..Default::default()
        },
        Overrides {
            electricity_usd_per_kwh: Some(0.0),
            ..Default::default()
        },
        Overrides {
            difficulty: Some(f64::NAN),
            ..Default::default()
        },
        Overrides {
            fees_per_block_btc: Some(-0.1),
            ..Default::default()
        },
        Overrides {
            share_difficulty: Some(0.0),
            ..Default::default()
        },
    ] {
        let err = Snapshot::builtin()
            .with_overrides(&bad)
            .unwrap_err()
            .to_string();
        assert!(!err.contains('\n'), "{err}");
    }
}

#[test]
fn a_broken_snapshot_file_is_refused() {
    let err = Snapshot::parse("snapshot_date = 1", "mine.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("mine.toml: not a network snapshot"),
        "{err}"
    );
    assert!(!err.contains('\n'));
    // A negative value in an otherwise valid file is caught as well.
    let negative = BUILTIN_SNAPSHOT.replace("value = 88000.0", "value = -88000.0");
    assert!(Snapshot::parse(&negative, "x").is_err());
}

#[test]
fn difficulty_of_real_mainnet_headers() {
    // Genesis: nBits 0x1d00ffff is the difficulty-1 target itself.
    // Block 100000: nBits 0x1b04864c = 0xffff / 0x04864c * 256^2
    // = 65535 / 296524 * 65536 = 14,484.1623 (the difficulty explorers show).
    let known: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/btc_headers/known_headers.json").unwrap(),
    )
    .unwrap();
    let bits = |height: u64| {
        let h = known
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["height"] == height)
            .unwrap();
        u32::from_str_radix(h["bits"].as_str().unwrap(), 16).unwrap()
    };
    assert_eq!(difficulty_from_bits(bits(0)), Some(1.0));
    close(
        difficulty_from_bits(bits(100_000)).unwrap(),
        14_484.162_361,
        1e-9,
    );
    // Expected work for block 100000: 14,484.16 * 2^32 = 6.2209e13 hashes.
    close(hashes_for_difficulty(14_484.162_361), 6.220_92e13, 1e-5);
    // A negative (sign bit) or zero target has no difficulty.
    assert_eq!(difficulty_from_bits(0x0cffca00), None);
    assert_eq!(difficulty_from_bits(0x1d000000), None);
}

#[test]
fn snapshot_references_agree_with_the_reference_profiles() {
    // The frontier rows in network.toml and the `kind = "reference"` device
    // profiles cite the same specifications; they must not drift apart.
    use micromine::profile::{ProfileKind, builtin};
    let profiles: Vec<_> = builtin::all()
        .unwrap()
        .into_iter()
        .filter_map(|p| match p.kind {
            ProfileKind::Reference(r) => Some(r),
            _ => None,
        })
        .collect();
    let s = Snapshot::builtin();
    assert_eq!(profiles.len(), s.reference.len());
    for r in &s.reference {
        let p = profiles
            .iter()
            .find(|p| (p.hash_rate_ths * 1e12 - r.hashrate_hs).abs() < 1.0)
            .unwrap_or_else(|| panic!("{} has no reference profile", r.name));
        close(p.power_w, r.power_w, 1e-12);
        close(p.j_per_th, r.joules_per_tera(), 1e-12);
    }
}
