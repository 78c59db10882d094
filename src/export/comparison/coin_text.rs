//! The coin snapshots in words: one line per coin, and their sources as a
//! Markdown list.

use crate::economics::coins::{self, Claim, CoinSnapshot};
use crate::export::units::{difficulty, si, sig3, usd};

/// Text for a figure that may be unsourced: never a made-up number.
pub const NOT_SOURCED: &str = "not sourced";

pub(super) fn or_not_sourced(x: Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| NOT_SOURCED.to_string(), fmt)
}

fn claim_text(c: &Claim, fmt: impl Fn(f64) -> String) -> String {
    or_not_sourced(c.sourced(), fmt)
}

/// One line of a proof-of-work coin's snapshot figures.
pub fn coin_line(c: &coins::PowCoin) -> String {
    let mut line = format!(
        "{} snapshot {}: difficulty {}, reward {} {}/block, block every {}, {} {}",
        c.name,
        c.snapshot_date,
        claim_text(&c.difficulty, coin_difficulty),
        claim_text(&c.block_reward, sig3),
        c.ticker,
        claim_text(&c.block_interval_s, |s| format!("{} s", sig3(s))),
        c.ticker,
        claim_text(&c.price_usd, usd_price),
    );
    if let Some(h) = c.network_hashrate() {
        line.push_str(&format!(", network {} implied", si(h, "H/s")));
    }
    if let Some(parent) = &c.merge_mined_with {
        line.push_str(&format!(", merge-mined with {parent}"));
    }
    line
}

/// Duino-Coin's snapshot in one line.
pub fn duco_line(d: &coins::Duco) -> String {
    format!(
        "{} snapshot {}: DUCO reward: not modelled (Kolka; no sourced current rate), {} {}",
        d.name,
        d.snapshot_date,
        d.ticker,
        claim_text(&d.price_usd, usd_price)
    )
}

/// Scrypt difficulties sit in the millions, where explorers write `118.2M`.
fn coin_difficulty(d: f64) -> String {
    if (1e6..1e12).contains(&d) {
        let m = format!("{:.2}", d / 1e6);
        format!("{}M", m.trim_end_matches('0').trim_end_matches('.'))
    } else {
        difficulty(d)
    }
}

/// A coin price: sub-cent prices keep their digits.
fn usd_price(x: f64) -> String {
    if x < 1.0 {
        format!("${}", sig3(x))
    } else {
        usd(x)
    }
}

/// The coin snapshot's sources as a Markdown list; `scrypt` and `duco`
/// choose the sections.
pub fn coin_sources_markdown(c: &CoinSnapshot, scrypt: bool, duco: bool) -> String {
    let mut s = String::from("### Coin snapshot sources\n\n");
    let mut item = |name: String, claim: &Claim| {
        let fmt = if name.ends_with("difficulty") {
            coin_difficulty
        } else {
            sig3
        };
        let value = claim.sourced().map_or_else(|| NOT_SOURCED.to_string(), fmt);
        s.push_str(&format!(
            "- {name} = {value} ({}): {}\n",
            claim.date, claim.source
        ));
    };
    if scrypt {
        for coin in [&c.litecoin, &c.dogecoin] {
            item(format!("{} difficulty", coin.name), &coin.difficulty);
            item(format!("{} block reward", coin.name), &coin.block_reward);
            item(
                format!("{} block interval (s)", coin.name),
                &coin.block_interval_s,
            );
            item(format!("{} price (USD)", coin.name), &coin.price_usd);
        }
    }
    if duco {
        item(
            format!("{} price (USD)", c.duino_coin.name),
            &c.duino_coin.price_usd,
        );
    }
    if scrypt {
        for r in &c.scrypt_reference {
            s.push_str(&format!("- {} ({}): {}\n", r.name, r.date, r.source));
        }
    }
    if duco {
        for d in &c.duino_coin.device {
            s.push_str(&format!("- {} ({}): {}\n", d.name, d.date, d.source));
        }
    }
    s
}
