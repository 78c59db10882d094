//! Terminal decisions every command shares: colour, table fitting, and the
//! status line for each exported file (on stderr, so stdout stays data).

use std::io::IsTerminal;
use std::path::Path;
use std::sync::OnceLock;

use micromine::export::markdown::{Fit, Style};
use micromine::export::write::{self, Written};

use crate::cli::ColorChoice;

static COLOR: OnceLock<ColorChoice> = OnceLock::new();

/// Records `--color` for the whole process (first call wins).
pub fn init(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// `auto` colours a terminal unless NO_COLOR is set to anything non-empty
/// (no-color.org); `always` and `never` override both.
pub fn color_wanted(choice: ColorChoice, no_color: Option<&str>, tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && no_color.is_none_or(str::is_empty),
    }
}

fn color(tty: bool) -> bool {
    let no_color = std::env::var("NO_COLOR").ok();
    color_wanted(
        *COLOR.get().unwrap_or(&ColorChoice::Auto),
        no_color.as_deref(),
        tty,
    )
}

/// How to draw a table on stdout.
pub fn stdout_style() -> Style {
    let tty = std::io::stdout().is_terminal();
    Style {
        fit: if tty { Fit::Stdout } else { Fit::None },
        color: color(tty),
    }
}

/// How to draw a table on stderr.
pub fn stderr_style() -> Style {
    let tty = std::io::stderr().is_terminal();
    Style {
        fit: if tty { Fit::Stderr } else { Fit::None },
        color: color(tty),
    }
}

/// `text` in red or green when `on`.
pub fn paint(text: &str, ok: bool, on: bool) -> String {
    if on {
        let code = if ok { 32 } else { 31 };
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Checks every export target before any work, as `run` does for reports.
pub fn check_exports(paths: &[&Option<std::path::PathBuf>]) -> anyhow::Result<()> {
    for p in paths.iter().copied().flatten() {
        write::check_target(p)?;
        // A missing directory would otherwise be found only after the work.
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            anyhow::bail!(
                "cannot write {}: directory {} does not exist",
                p.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

/// Writes one export atomically and says so on stderr.
pub fn export(path: &Path, what: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let replaced = match write::write_atomic(path, bytes)? {
        Written::Replaced => " (replaced an older file)",
        Written::Created => "",
    };
    eprintln!("{what} written to {}{replaced}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_the_flag() {
        assert!(color_wanted(ColorChoice::Auto, None, true));
        assert!(!color_wanted(ColorChoice::Auto, None, false));
        assert!(!color_wanted(ColorChoice::Auto, Some("1"), true));
        assert!(color_wanted(ColorChoice::Auto, Some(""), true));
        assert!(color_wanted(ColorChoice::Always, Some("1"), false));
        assert!(!color_wanted(ColorChoice::Never, None, true));
    }
}
