//! The network snapshot as the command line selects it: built in, or a file,
//! with single values overridden by flags.

use anyhow::Context;
use micromine::economics::{Overrides, Snapshot};

use crate::cli::NetworkArgs;

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
