//! Litecoin, Dogecoin and Duino-Coin economics against hand computations
//! from the figures in networks/coins.toml, and the report sections built
//! from the fixture reports in tests/data/reports/coins/.
//!
//! Figures used: Litecoin difficulty 118.2e6 (reported with a 3.7 PH/s
//! network), 6.25 LTC per block every 150 s, LTC $76.9 (2025-12-20); DOGE
//! 10,000 per block every 60 s at $0.12628, its difficulty unsourced;
//! electricity $0.168/kWh (network.toml); Antminer L9 15 GH/s at 3,360 W.

use crate::support::micromine;
use std::path::Path;
use std::process::Output;

use micromine::economics::Snapshot;
use micromine::economics::coins::*;
use micromine::export::{comparison, load};

const COINS: &str = "tests/data/reports/coins";
const PROFILES: &str = "tests/data/reports/profiles";
const TWO_32: f64 = 4_294_967_296.0;

fn close(actual: f64, expected: f64, rel: f64) {
    let err = ((actual - expected) / expected).abs();
    assert!(
        err <= rel,
        "got {actual:e}, expected {expected:e} (relative error {err:e})"
    );
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn fixture_comparison(coins: &CoinSnapshot) -> comparison::Comparison {
    let reports = load::load_all(&[Path::new(COINS).to_path_buf()]).unwrap();
    comparison::build_with_coins(&reports, &Snapshot::builtin(), coins)
}

/// The line of a plain-text table whose first cell is `profile`.
fn row<'a>(text: &'a str, title: &str, profile: &str) -> &'a str {
    let table = &text[text.find(title).unwrap_or_else(|| panic!("no {title}"))..];
    table
        .lines()
        .find(|l| l.split("  ").next() == Some(profile))
        .unwrap_or_else(|| panic!("no {profile} row in {title}"))
}

#[test]
fn builtin_coin_snapshot_is_dated_and_sourced() {
    let c = CoinSnapshot::builtin();
    for coin in [&c.litecoin, &c.dogecoin] {
        for claim in [
            &coin.difficulty,
            &coin.block_reward,
            &coin.block_interval_s,
            &coin.price_usd,
        ] {
            assert!(!claim.date.is_empty() && !claim.source.is_empty());
            // Either a number with a real source, or no number at all.
            assert_eq!(
                claim.value.is_some(),
                !claim.source.starts_with("unsourced")
            );
        }
    }
    assert_eq!(c.litecoin.block_reward.sourced(), Some(6.25));
    assert_eq!(c.litecoin.block_interval_s.sourced(), Some(150.0));
    assert_eq!(c.dogecoin.block_reward.sourced(), Some(10_000.0));
    assert_eq!(c.dogecoin.block_interval_s.sourced(), Some(60.0));
    assert_eq!(c.dogecoin.difficulty.sourced(), None);
    assert_eq!(c.duino_coin.price_usd.sourced(), None);
    assert_eq!(c.scrypt_frontier().unwrap().name, "Antminer L9");
}

#[test]
fn litecoin_difficulty_implies_the_reported_network_hash_rate() {
    // 118.2e6 * 2^32 / 150 s = 3.3844e15 H/s; the same article reports
    // 3.7 PH/s (a trailing estimate), within 10%. A second report pairs
    // 102.65e6 with 3.08 PH/s: 102.65e6 * 2^32 / 150 = 2.939e15, within 5%.
    let ltc = CoinSnapshot::builtin().litecoin;
    let h = ltc.network_hashrate().unwrap();
    close(h, 3.384_434e15, 1e-6);
    close(h, 3.7e15, 0.10);
    close(network_hashrate(102.65e6, 150.0), 3.08e15, 0.05);
    // Pools' 2^16-based "scrypt difficulty" would put the network 65,536
    // times lower, nowhere near any reported figure: the 2^32 base is right.
    let pool_base = 118.2e6 * 65_536.0 / 150.0;
    close(h / pool_base, 65_536.0, 1e-9);
}

#[test]
fn one_mhs_earns_litecoin_as_computed_by_hand() {
    // 6.25 LTC * 1e6 H/s * 86,400 s / (118.2e6 * 2^32) = 1.063693e-6 LTC/day;
    // * $76.9 = $8.1798e-5 a day.
    let ltc = coins_per_day(1e6, 1.0, 118.2e6, 6.25);
    close(ltc, 1.063_693e-6, 1e-6);
    close(ltc, 6.25 * 1e6 * 86_400.0 / (118.2e6 * TWO_32), 1e-12);
    let m = scrypt_mining(&CoinSnapshot::builtin(), 0.168, 1e6, 1.0, Some(4.0));
    close(m.income[0].per_day.unwrap(), 1.063_693e-6, 1e-6);
    close(m.usd_per_day.unwrap(), 8.179_80e-5, 1e-5);
    // 4 W for 24 h = 0.096 kWh = $0.016128; break-even = 8.1798e-5 / 0.096.
    let e = m.energy.unwrap();
    close(e.cost_usd_per_day, 0.016_128, 1e-9);
    close(e.break_even_usd_per_kwh.unwrap(), 8.520_63e-4, 1e-5);
    // 4 W / 1e6 H/s = 4 J/MH; the L9 is 3,360 / 15e9 * 1e6 = 0.224 J/MH.
    close(e.joules_per_mh, 4.0, 1e-12);
    close(e.energy_vs_frontier.unwrap(), 4.0 / 0.224, 1e-9);
}

#[test]
fn merge_mining_adds_doge_once_its_difficulty_is_sourced() {
    // Built in, DOGE difficulty is unsourced: DOGE/day is None and USD
    // counts LTC only.
    let builtin = CoinSnapshot::builtin();
    let m = scrypt_mining(&builtin, 0.168, 1e6, 1.0, None);
    assert_eq!(m.income[1].per_day, None);
    assert_eq!(m.usd_missing, ["DOGE"]);
    close(
        m.usd_per_day.unwrap(),
        m.income[0].usd_per_day.unwrap(),
        1e-12,
    );
    // With a (test) difficulty of 2e7 the same hashes earn
    // 10,000 * 1e6 * 86,400 / (2e7 * 2^32) = 0.0100583 DOGE/day as well.
    let text = BUILTIN_COINS.replace(
        "[dogecoin.difficulty]\n",
        "[dogecoin.difficulty]\nvalue = 2e7\n",
    );
    let text = text.replace(
        "source = \"unsourced: no dated public Dogecoin",
        "source = \"test value: no dated public Dogecoin",
    );
    let merged = CoinSnapshot::parse(&text, "test").unwrap();
    let m = scrypt_mining(&merged, 0.168, 1e6, 1.0, None);
    close(m.income[1].per_day.unwrap(), 1.005_828e-2, 1e-6);
    assert!(m.usd_missing.is_empty());
    close(
        m.usd_per_day.unwrap(),
        m.income[0].usd_per_day.unwrap() + 1.005_828e-2 * 0.12628,
        1e-6,
    );
}

#[test]
fn duco_gets_energy_figures_and_no_invented_reward() {
    // 1 W / 23,000 H/s * 1e6 = 43.478 J/MH; 1 W * 24 h = 0.024 kWh = $0.004032.
    let d = duco_mining(0.168, 23_000.0, 1.0, Some(1.0));
    close(d.joules_per_mh.unwrap(), 43.478_26, 1e-6);
    close(d.cost_usd_per_day.unwrap(), 0.004_032, 1e-9);
    assert_eq!(d.duco_per_day, None);
}

#[test]
fn report_shows_scrypt_and_duco_sections() {
    let out = stdout(&micromine(&["report", COINS]));
    // Bitcoin's line still leads.
    assert!(out.starts_with("Network snapshot 2025-12-27"), "{out}");
    assert!(out.contains("Mining (scrypt: LTC + DOGE, snapshots 2025-12-20 / 2025-12-25)"));
    assert!(
        out.contains("Litecoin snapshot 2025-12-20: difficulty 118.2M"),
        "{out}"
    );
    assert!(out.contains("network 3.38 PH/s implied"));
    assert!(out.contains("Dogecoin snapshot 2025-12-25: difficulty not sourced"));
    // coin-board: 1 MH/s half the day = 5.318e-7 LTC/day, $4.09e-5; 4 W
    // for 12 h = 0.048 kWh = $0.00806; 4 J/MH = 17.9x the L9.
    let money = row(&out, "Mining (scrypt: LTC + DOGE): per day", "coin-board");
    for cell in [
        "5.32e-7",
        "not sourced",
        "$4.09e-5",
        "0.048 kWh",
        "$0.00806",
        "8.52e-4",
    ] {
        assert!(money.contains(cell), "{cell} missing from {money:?}");
    }
    let speed = row(&out, "Mining (scrypt: LTC + DOGE, snapshots", "coin-board");
    assert!(speed.contains("17.9x"), "{speed}");
    assert!(out.contains("leave out DOGE (not sourced): they are lower bounds"));
    // The host row has no power model: no energy figures at all.
    let host = row(&out, "Mining (scrypt: LTC + DOGE): per day", "host");
    assert!(
        host.contains("2.13e-8") && host.trim_end().ends_with("n/a"),
        "{host}"
    );

    let duco = row(
        &out,
        "Mining (DUCO-S1: Duino-Coin, snapshot 2021-05-09)",
        "coin-board",
    );
    for cell in ["23 kH/s", "43.5", "0.024 kWh", "$0.00403", "not modelled"] {
        assert!(duco.contains(cell), "{cell} missing from {duco:?}");
    }
    assert!(out.contains("DUCO reward: not modelled (Kolka; no sourced current rate)"));
}

#[test]
fn report_json_and_markdown_carry_the_coin_rows() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&micromine(&["report", COINS, "--json"]))).unwrap();
    let board = kernel_rows(&v, "scrypt")
        .into_iter()
        .find(|r| r["profile"] == "coin-board")
        .unwrap();
    // 6.25 * 1e6 * 0.5 * 86,400 / (118.2e6 * 2^32) = 5.318466e-7 LTC/day.
    close(
        board["income"][0]["per_day"].as_f64().unwrap(),
        5.318_466e-7,
        1e-6,
    );
    assert!(board["income"][1]["per_day"].is_null());
    assert_eq!(kernel_rows(&v, "duco-s1")[0]["profile"], "coin-board");
    assert!(kernel_rows(&v, "duco-s1")[0]["duco_per_day"].is_null());

    let md = stdout(&micromine(&["report", COINS, "--markdown"]));
    assert!(md.contains("### Mining (DUCO-S1: Duino-Coin, snapshot 2021-05-09)"));
    assert!(md.contains("### Coin snapshot sources"));
    assert!(md.contains("- Dogecoin difficulty = not sourced (2025-12): unsourced:"));
    assert!(md.contains("- Litecoin difficulty = 118.2M (2025"));
    assert!(md.contains("- Litecoin price (USD) = 76.9 (2025-12-20): thecryptocity.net"));
}

#[test]
fn an_unsourced_price_prints_not_sourced_instead_of_dollars() {
    let text = BUILTIN_COINS.replace("value = 76.9\n", "");
    let text = text.replace(
        "source = \"thecryptocity.net",
        "source = \"unsourced: test, was thecryptocity.net",
    );
    let coins = CoinSnapshot::parse(&text, "test").unwrap();
    let out = fixture_comparison(&coins).render_plain();
    let money = row(&out, "Mining (scrypt: LTC + DOGE): per day", "coin-board");
    // LTC/day needs no price and stays; every dollar figure from revenue goes.
    assert!(money.contains("5.32e-7"), "{money}");
    assert!(!money.contains("$4.09e-5"), "{money}");
    let cells: Vec<&str> = money.split("  ").filter(|c| !c.is_empty()).collect();
    // Revenue, net and break-even: "not sourced"; cost is still a number.
    assert_eq!(
        cells.iter().filter(|c| c.trim() == "not sourced").count(),
        4,
        "{cells:?}"
    );
    assert!(money.contains("$0.00806"));
    assert!(out.contains("LTC not sourced"), "{out}");
}

#[test]
fn bitcoin_only_reports_are_unchanged() {
    let out = stdout(&micromine(&["report", PROFILES]));
    assert!(!out.contains("scrypt") && !out.contains("DUCO"), "{out}");
    let md = stdout(&micromine(&["report", PROFILES, "--markdown"]));
    assert!(!md.contains("Coin snapshot sources"));
}

#[test]
fn network_prints_every_coin_snapshot() {
    let out = stdout(&micromine(&["network"]));
    assert!(out.starts_with("Network snapshot 2025-12-27"), "{out}");
    for needle in [
        "Litecoin snapshot 2025-12-20: difficulty 118.2M, reward 6.25 LTC/block",
        "Dogecoin snapshot 2025-12-25: difficulty not sourced",
        "Duino-Coin snapshot 2021-05-09: DUCO reward: not modelled",
        "- Antminer L9 (2025-11-27)",
    ] {
        assert!(out.contains(needle), "{needle} missing");
    }
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&micromine(&["network", "--json"]))).unwrap();
    assert_eq!(v["coins"]["litecoin"]["block_reward"]["value"], 6.25);
    assert!(v["coins"]["dogecoin"]["difficulty"]["value"].is_null());
    // Flags shape the Bitcoin snapshot here as in `report`.
    let out = stdout(&micromine(&["network", "--btc-price", "100000"]));
    assert!(out.contains("BTC $100,000"), "{out}");
    assert!(out.contains("(overridden: BTC price)"), "{out}");
}

#[test]
fn a_coins_file_replaces_the_builtin_coin_snapshot() {
    let builtin = include_str!("../../networks/coins.toml");
    let changed = builtin.replacen("value = 76.9\n", "value = 153.8\n", 1);
    assert_ne!(builtin, changed, "the LTC price line moved");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("coins.toml");
    std::fs::write(&file, &changed).unwrap();
    let file = file.to_str().unwrap();

    let out = stdout(&micromine(&["network", "--coins", file]));
    assert!(out.contains("LTC $153.80"), "{out}");
    let base = stdout(&micromine(&["report", COINS, "--json"]));
    let doubled = stdout(&micromine(&["report", COINS, "--json", "--coins", file]));
    let usd = |text: &str| -> Vec<f64> {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        kernel_rows(&v, "scrypt")
            .into_iter()
            .filter_map(|r| r["usd_per_day"].as_f64())
            .collect()
    };
    let (a, b) = (usd(&base), usd(&doubled));
    assert!(!a.is_empty() && a.len() == b.len(), "{a:?} {b:?}");
    for (x, y) in a.iter().zip(&b) {
        assert!((y / x - 2.0).abs() < 1e-9, "{x} -> {y}");
    }

    // A broken file is a one-line error and exit 2, with nothing on stdout.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[litecoin]\nname = 3\n").unwrap();
    let o = micromine(&["report", COINS, "--coins", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1);
}

#[test]
fn the_chart_gets_a_coin_panel_only_with_coin_rows() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("coins.svg");
    stdout(&micromine(&[
        "report",
        COINS,
        "--svg",
        svg.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&svg).unwrap();
    // One panel per coin, each against its own ASIC (DUCO-S1 has none).
    assert!(
        text.contains("Litecoin + Dogecoin (scrypt): energy per hash"),
        "no scrypt panel"
    );
    assert!(text.contains("(DUCO-S1): energy per hash"), "no DUCO panel");
    assert!(text.contains("coin-board ("));
    assert!(text.contains("Antminer L9: 1x") && text.contains("0.224 J/MH"));
    let btc = dir.path().join("btc.svg");
    stdout(&micromine(&[
        "report",
        PROFILES,
        "--svg",
        btc.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&btc).unwrap();
    assert!(!text.contains("scrypt") && !text.contains("DUCO-S1"));
}

/// The comparison rows of one kernel in `report --json` output.
fn kernel_rows<'a>(v: &'a serde_json::Value, kernel: &str) -> Vec<&'a serde_json::Value> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kernel"] == kernel)
        .collect()
}
