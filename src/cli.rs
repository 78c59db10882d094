//! The raw command line (clap derive). Validation into typed options happens
//! in each command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use micromine::kernel::Kernel;

/// micromine: what can mining and validating proof of work achieve on
/// household and IoT devices? Runs verified kernels, emulates appliance
/// profiles under a power cap and reports hash rate, energy and economics.
#[derive(Debug, Parser)]
#[command(name = "micromine", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Colour verdicts: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour terminal output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Files written besides stdout, after hyperfine's options of the same names.
#[derive(Debug, Args, Clone, Default)]
pub struct ExportArgs {
    /// Also write the JSON to FILE (what --json prints).
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Also write one CSV record per result (raw numbers) to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Also write the tables as Markdown to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Benchmark kernels on backends for device profiles; write one JSON report per profile.
    Run(RunArgs),
    /// Validate a header chain (raw 80-byte records or hex per line).
    ValidateHeaders(ValidateHeadersArgs),
    /// Compute a block's Merkle root from its txids and compare it with the expected root.
    Merkle(MerkleArgs),
    /// List backends, which are usable here, and why any other is not.
    Backends(BackendsArgs),
    /// Self-test every available backend against NIST vectors and real Bitcoin data.
    Verify(VerifyArgs),
    /// List the built-in device profiles with their key figures.
    Profiles(ProfilesArgs),
    /// Compare reports across profiles: table, Markdown and SVG charts.
    Report(ReportArgs),
    /// Row-by-row ratios between two reports, marked significant or within noise.
    Compare(CompareArgs),
    /// Print the network snapshots (Bitcoin and each coin) with dates and sources.
    Network(NetworkCmdArgs),
    /// Verify every P2PKH input signature of a raw block (ECDSA, Bitcoin's rules).
    VerifySigs(crate::commands::verify_sigs::VerifySigsArgs),
    /// The emulation's validation table: predictions against published figures.
    ModelCheck(crate::commands::model_check::ModelCheckArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout: `micromine man | man -l -`.
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// A `--kernel` value: one kernel, or `all` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelChoice {
    One(Kernel),
    All,
}

/// Parses `all` or a kernel's name (the kernel list lives in `micromine::kernel`).
fn kernel_choice(s: &str) -> Result<KernelChoice, String> {
    if s == "all" {
        return Ok(KernelChoice::All);
    }
    Kernel::from_str(s, false)
        .map(KernelChoice::One)
        .map_err(|_| {
            let names: Vec<&str> = Kernel::ALL.iter().map(|k| k.name()).collect();
            format!("expected one of {}, or all", names.join(", "))
        })
}

/// The kernels a list of `--kernel` values names, in the canonical order,
/// each once; none given means all.
pub fn chosen_kernels(choices: &[KernelChoice]) -> Vec<Kernel> {
    if choices.is_empty() || choices.contains(&KernelChoice::All) {
        return Kernel::ALL.to_vec();
    }
    Kernel::ALL
        .into_iter()
        .filter(|k| choices.contains(&KernelChoice::One(*k)))
        .collect()
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Device profile: a built-in name, a TOML file, or `all`. Repeatable. Default: host.
    #[arg(long = "profile", value_name = "NAME|FILE")]
    pub profiles: Vec<String>,
    /// Kernel to benchmark: sha256d, headers, merkle, duco-s1, scrypt,
    /// sigverify or all. Repeatable. Default: all.
    #[arg(long = "kernel", value_name = "K", value_parser = kernel_choice)]
    pub kernels: Vec<KernelChoice>,
    /// Backend: scalar, simd (best CPU level), a level name, gpu, all, or
    /// for sigverify a signature library (libsecp256k1, k256).
    #[arg(long, default_value = "simd", value_name = "NAME")]
    pub backend: String,
    /// Worker threads (default: all logical cores, at most the profile's cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Timed seconds per kernel and backend (after a warm-up), 0.05 to 86400.
    #[arg(
        long,
        default_value_t = 2.0,
        value_name = "SECS",
        allow_negative_numbers = true
    )]
    pub duration: f64,
    /// Timed samples per kernel and backend, the duration split evenly
    /// (default: one per second of --duration, 3 to 5).
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,
    /// Unthrottled warm-up before each kernel's timing, 0 to 3600.
    #[arg(
        long,
        default_value_t = 0.2,
        value_name = "SECS",
        allow_negative_numbers = true
    )]
    pub warmup: f64,
    /// Directory for the JSON reports.
    #[arg(long, default_value = "reports", value_name = "DIR")]
    pub out: PathBuf,
    /// Also print the reports on stdout as one JSON array, one element per
    /// profile run (an array even for one profile); the table goes to stderr.
    #[arg(long)]
    pub json: bool,
    /// Owner's power budget in watts; overrides the profile's cap.
    #[arg(long, value_name = "W", allow_negative_numbers = true)]
    pub power_cap: Option<f64>,
    /// Run at this fraction of full speed (0 < F <= 1), instead of a power cap.
    #[arg(
        long,
        value_name = "F",
        allow_negative_numbers = true,
        conflicts_with = "power_cap"
    )]
    pub duty: Option<f64>,
    #[command(flatten)]
    pub export: ExportArgs,
}

/// Overrides of the built-in network snapshot used for economics.
#[derive(Debug, Args, Clone, Default)]
pub struct NetworkArgs {
    /// A network snapshot TOML file replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub network: Option<PathBuf>,
    /// A coin snapshot TOML file (Litecoin, Dogecoin, Duino-Coin; the layout
    /// of the built-in networks/coins.toml) replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub coins: Option<PathBuf>,
    /// Network difficulty.
    #[arg(long, value_name = "D", allow_negative_numbers = true)]
    pub difficulty: Option<f64>,
    /// BTC price in USD.
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    pub btc_price: Option<f64>,
    /// Electricity price in USD per kWh.
    #[arg(long, value_name = "USD_PER_KWH", allow_negative_numbers = true)]
    pub electricity_price: Option<f64>,
    /// Average transaction fees per block, in BTC.
    #[arg(long, value_name = "BTC", allow_negative_numbers = true)]
    pub fees: Option<f64>,
    /// Pool share difficulty for expected shares per day.
    #[arg(long, value_name = "D", allow_negative_numbers = true)]
    pub share_difficulty: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ValidateHeadersArgs {
    /// Header file: raw 80-byte records, or one 160-char hex header per line.
    pub file: PathBuf,
    /// Height of the first header (default: 0 when it is the genesis header).
    #[arg(long, value_name = "H")]
    pub start_height: Option<u32>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MerkleArgs {
    /// Block JSON with `txids` and `merkle_root` in display hex.
    pub file: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BackendsArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Print the checks as JSON (one object per check) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report files, or directories of them.
    #[arg(required = true, value_name = "DIR|FILE")]
    pub inputs: Vec<PathBuf>,
    /// Print the table as Markdown.
    #[arg(long)]
    pub markdown: bool,
    /// Write charts to this SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Write the chart to this PNG file.
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
    /// Write a self-contained HTML report (summary, chart, tables, each
    /// row's verification and sources) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub export: ExportArgs,
}

#[derive(Debug, Args)]
pub struct NetworkCmdArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub network: NetworkArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Baseline report.
    pub a: PathBuf,
    /// Report compared against the baseline.
    pub b: PathBuf,
    /// Exit 1 when a row is significantly slower by more than PCT percent.
    #[arg(
        long,
        default_value_t = 5.0,
        value_name = "PCT",
        allow_negative_numbers = true
    )]
    pub threshold: f64,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}
