//! The network snapshot as the command line selects it: built in, or a file,
//! with single values overridden by flags.

use std::process::ExitCode;

use anyhow::Context;
use micromine::economics::coins::CoinSnapshot;
use micromine::economics::{Overrides, Snapshot};
use micromine::export::comparison;

use crate::cli::{NetworkArgs, NetworkCmdArgs};

/// Prints every snapshot in force: Bitcoin's (as the flags shape it) and
/// each coin's, each with its date and the source of every figure.
pub fn run(args: &NetworkCmdArgs) -> anyhow::Result<ExitCode> {
    let bitcoin = snapshot(&args.network)?;
    let coins = coin_snapshot(&args.network)?;
    let text = if args.json {
        serde_json::to_string_pretty(&serde_json::json!({
            "bitcoin": bitcoin,
            "coins": coins,
        }))? + "\n"
    } else {
        // An empty comparison renders the snapshot line and source list
        // exactly as a report states them.
        let cmp = comparison::build_with_coins(&[], &bitcoin, &coins);
        let mut s = cmp.render_markdown_sources();
        s.push('\n');
        s.push_str(&comparison::coin_line(&coins.litecoin));
        s.push('\n');
        s.push_str(&comparison::coin_line(&coins.dogecoin));
        s.push('\n');
        s.push_str(&comparison::duco_line(&coins.duino_coin));
        s.push_str("\n\n");
        s.push_str(&comparison::coin_sources_markdown(&coins, true, true));
        s
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The coin snapshot: built in, or the `--coins` file.
pub fn coin_snapshot(args: &NetworkArgs) -> anyhow::Result<CoinSnapshot> {
    match &args.coins {
        None => Ok(CoinSnapshot::builtin()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read coin snapshot", path.display()))?;
            Ok(CoinSnapshot::parse(&text, &path.display().to_string())?)
        }
    }
}

/// Builds the snapshot; bad files and bad values are one-line errors.
pub fn snapshot(args: &NetworkArgs) -> anyhow::Result<Snapshot> {
    let base = match &args.network {
        None => Snapshot::builtin(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read network snapshot", path.display()))?;
            Snapshot::parse(&text, &path.display().to_string())?
        }
    };
    let overrides = Overrides {
        difficulty: args.difficulty,
        btc_price_usd: args.btc_price,
        electricity_usd_per_kwh: args.electricity_price,
        fees_per_block_btc: args.fees,
        share_difficulty: args.share_difficulty,
    };
    Ok(base.with_overrides(&overrides)?)
}
