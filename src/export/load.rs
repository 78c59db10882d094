//! Reading report files back, strictly: a report is used only when every file
//! named on the command line is a readable report of this schema version.

use std::path::{Path, PathBuf};

use super::report::{Report, SCHEMA};

/// Why a set of reports could not be read. Each message is one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: corrupt JSON: {message}")]
    Json { path: PathBuf, message: String },
    #[error("{path}: unknown report schema {found} (this micromine reads \"{SCHEMA}\")")]
    Schema { path: PathBuf, found: String },
    #[error("{path}: not a valid {SCHEMA} report: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: directory holds no report files (*.json)")]
    EmptyDir { path: PathBuf },
}

/// A report and the file it came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub report: Report,
}

/// Reads every input: files as given, directories as their `*.json` files in
/// name order. Fails on the first input that is not a valid report.
pub fn load_all(inputs: &[PathBuf]) -> Result<Vec<Loaded>, LoadError> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut files = json_files(input)?;
            if files.is_empty() {
                return Err(LoadError::EmptyDir {
                    path: input.clone(),
                });
            }
            files.sort();
            for f in files {
                out.push(load(&f)?);
            }
        } else {
            out.push(load(input)?);
        }
    }
    Ok(out)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    Ok(files)
}

/// Reads one report file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let report = parse(&text).map_err(|e| e.at(path))?;
    Ok(Loaded {
        path: path.to_path_buf(),
        report,
    })
}

/// Parses report text. The schema field is checked before the structure so
/// that a future version is named as such rather than as a field mismatch.
pub fn parse(text: &str) -> Result<Report, ParseError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ParseError::Json(e.to_string()))?;
    match value.get("schema") {
        Some(serde_json::Value::String(s)) if s == SCHEMA => {}
        Some(other) => return Err(ParseError::Schema(other.to_string())),
        None => return Err(ParseError::Schema("(missing)".into())),
    }
    let report: Report =
        serde_json::from_value(value).map_err(|e| ParseError::Invalid(e.to_string()))?;
    check_figures(&report)?;
    Ok(report)
}

/// Figures the economics divide by or scale with must be in their domain; a
/// hand-edited or damaged report is refused here rather than turned into
/// infinite or negative money.
fn check_figures(report: &Report) -> Result<(), ParseError> {
    for r in &report.results {
        let at = |what: &str, v: f64| {
            ParseError::Invalid(format!(
                "{}/{}: {what} {v} is out of range",
                r.kernel, r.backend
            ))
        };
        let rate_ok = |v: f64| v.is_finite() && v >= 0.0;
        for v in [r.rate.median, r.rate.mad, r.rate.min, r.rate.max] {
            if !rate_ok(v) {
                return Err(at("rate", v));
            }
        }
        if let Some(e) = &r.emulation {
            if !rate_ok(e.achieved_rate) {
                return Err(at("achieved rate", e.achieved_rate));
            }
            if !rate_ok(e.target_rate) {
                return Err(at("target rate", e.target_rate));
            }
            if !rate_ok(e.power_w) {
                return Err(at("power", e.power_w));
            }
            if !(e.availability.is_finite() && e.availability > 0.0 && e.availability <= 1.0) {
                return Err(at("availability", e.availability));
            }
        }
    }
    Ok(())
}

/// A report text that does not parse, before it is tied to a file name.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("corrupt JSON: {0}")]
    Json(String),
    #[error("unknown report schema {0}")]
    Schema(String),
    #[error("not a valid report: {0}")]
    Invalid(String),
}

impl ParseError {
    fn at(self, path: &Path) -> LoadError {
        let path = path.to_path_buf();
        match self {
            ParseError::Json(message) => LoadError::Json { path, message },
            ParseError::Schema(found) => LoadError::Schema { path, found },
            ParseError::Invalid(message) => LoadError::Invalid { path, message },
        }
    }
}
