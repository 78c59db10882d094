//! Tables rendered for a terminal (padded columns) or as GitHub Markdown.

/// A titled table of already formatted cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    /// Per column: true to align right (numbers).
    pub right: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// Lines printed under the table (footnotes).
    pub notes: Vec<String>,
    /// Fixed column widths, for rows printed one at a time that must line
    /// up; empty: each column as wide as its content.
    pub widths: Vec<u16>,
}

/// Where a table is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fit {
    /// Nowhere in particular: no wrapping.
    #[default]
    None,
    /// Fitted to the width of the terminal on stdout.
    Stdout,
    /// Fitted to the width of the terminal on stderr.
    Stderr,
}

/// How a table is drawn on a terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    pub fit: Fit,
    pub color: bool,
}

/// Verdict words a reader should not miss, coloured on a terminal.
fn cell(text: &str, color: bool) -> comfy_table::Cell {
    let c = comfy_table::Cell::new(text);
    if !color {
        return c;
    }
    match text {
        "FAILED" | "FAIL" | "regression" | "CHECK FAILED" | "LOWER BOUND BROKEN" => {
            c.fg(comfy_table::Color::Red)
        }
        "improvement" | "ok" | "check ok" | "lower bound held" => c.fg(comfy_table::Color::Green),
        _ => c,
    }
}

/// A cell's number and the suffix kept after it (`7170x` is 7170 and `x`;
/// `0.986%` is 0.00986 and none), when the cell is a bare number: units, `$`
/// and separators rule a cell out.
fn bare_number(cell: &str) -> Option<(f64, &str)> {
    let (num, suffix, scale) = if let Some(n) = cell.strip_suffix('x') {
        (n, "x", 1.0)
    } else if let Some(n) = cell.strip_suffix('%') {
        (n, "", 0.01)
    } else {
        (cell, "", 1.0)
    };
    let digits = num.chars().any(|c| c.is_ascii_digit());
    let allowed = num.chars().all(|c| c.is_ascii_digit() || ".e-".contains(c));
    if !(digits && allowed) {
        return None;
    }
    num.parse::<f64>().ok().map(|v| (v * scale, suffix))
}

/// Three significant digits in scientific notation, zeros trimmed: `1.75e1`.
fn scientific(v: f64) -> String {
    let s = format!("{v:.2e}");
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => {
            format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
        }
        _ => s,
    }
}

/// One number format per column: where a column's bare numbers mix plain
/// (`17.5`, `0.986%`) and scientific (`2.46e7`) notation, all of them are
/// written in scientific, so magnitudes compare by exponent down the column.
fn one_format_per_column(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut out = rows.to_vec();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    for c in 0..columns {
        let cells = || rows.iter().filter_map(|r| r.get(c));
        let numbers: Vec<&String> = cells().filter(|s| bare_number(s).is_some()).collect();
        let sci = numbers.iter().filter(|s| s.contains('e')).count();
        if sci == 0 || sci == numbers.len() {
            continue;
        }
        for row in out.iter_mut() {
            if let Some(cell) = row.get_mut(c)
                && let Some((v, suffix)) = bare_number(cell)
                && v != 0.0
                && !cell.contains('e')
            {
                *cell = format!("{}{suffix}", scientific(v));
            }
        }
    }
    out
}

impl Table {
    /// The rows as every renderer shows them: one number format per column.
    pub fn shown_rows(&self) -> Vec<Vec<String>> {
        one_format_per_column(&self.rows)
    }

    /// A table whose first `left` columns are text and the rest numbers.
    pub fn new(title: &str, headers: &[&str], left: usize) -> Self {
        Table {
            title: title.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            right: (0..headers.len()).map(|i| i >= left).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
            widths: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }

    /// Aligned columns under a title line, not fitted to any terminal
    /// (files, pipes, tests).
    pub fn render_plain(&self) -> String {
        self.render_terminal(Style::default())
    }

    /// Aligned columns under a title line, drawn by comfy-table: wrapped to
    /// the terminal's width when `style.fit` names a terminal, verdict
    /// words coloured when `style.color` is set.
    pub fn render_terminal(&self, style: Style) -> String {
        let mut out = format!("{}\n", self.title);
        out.push_str(&self.grid(style, true));
        out.push('\n');
        for n in &self.notes {
            out.push_str(n);
            out.push('\n');
        }
        out
    }

    /// The rows alone (and the header when `header`), trimmed at the right.
    pub fn grid(&self, style: Style, header: bool) -> String {
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::NOTHING);
        t.set_style(comfy_table::TableComponent::HeaderLines, '-');
        match style.fit {
            Fit::None => {
                t.force_no_tty();
            }
            Fit::Stdout => {
                t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
            }
            Fit::Stderr => {
                t.use_stderr();
                t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
            }
        }
        if style.color {
            t.enforce_styling();
            // Colour the word, not the padding after it.
            t.style_text_only();
        }
        if header {
            t.set_header(self.headers.clone());
        }
        for r in &self.shown_rows() {
            t.add_row(r.iter().map(|c| cell(c, style.color)));
        }
        if !self.widths.is_empty() {
            t.set_constraints(
                self.widths.iter().map(|w| {
                    comfy_table::ColumnConstraint::Absolute(comfy_table::Width::Fixed(*w))
                }),
            );
        }
        let last = self.headers.len().saturating_sub(1);
        for (i, col) in t.column_iter_mut().enumerate() {
            // Two spaces between columns, none after the last, so the rule ends with the text.
            col.set_padding((0, if i == last { 0 } else { 2 }));
            if self.right.get(i).copied().unwrap_or(false) {
                col.set_cell_alignment(comfy_table::CellAlignment::Right);
            }
        }
        t.lines()
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A `###` heading and a pipe table; pipes inside cells are escaped.
    pub fn render_markdown(&self) -> String {
        let esc = |s: &String| s.replace('|', "\\|");
        let mut out = format!("### {}\n\n", self.title);
        out.push_str(&format!(
            "| {} |\n",
            self.headers.iter().map(esc).collect::<Vec<_>>().join(" | ")
        ));
        let rule: Vec<&str> = self
            .right
            .iter()
            .map(|r| if *r { "---:" } else { "---" })
            .collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for r in &self.shown_rows() {
            out.push_str(&format!(
                "| {} |\n",
                r.iter().map(esc).collect::<Vec<_>>().join(" | ")
            ));
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for n in &self.notes {
                out.push_str(&format!("- {n}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new("Speed", &["Profile", "Rate"], 1);
        t.push(vec!["esp32".into(), "250 kH/s".into()]);
        t.push(vec!["a|b".into(), "1.2 TH/s".into()]);
        t
    }

    #[test]
    fn plain_columns_align() {
        let s = sample().render_plain();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[1], "Profile      Rate");
        assert_eq!(lines[2], "-----------------");
        assert_eq!(lines[3], "esp32    250 kH/s");
        assert_eq!(lines[4], "a|b      1.2 TH/s");
    }

    #[test]
    fn a_column_mixing_plain_and_scientific_is_written_in_scientific() {
        let mut t = Table::new("Energy", &["Profile", "J/TH", "vs best", "Threads"], 1);
        t.push(vec![
            "esp32".into(),
            "2.46e7".into(),
            "1.64e6x".into(),
            "2".into(),
        ]);
        t.push(vec![
            "phone".into(),
            "107543".into(),
            "7170x".into(),
            "2".into(),
        ]);
        t.push(vec!["S21".into(), "17.5".into(), "1x".into(), "-".into()]);
        t.push(vec!["host".into(), "n/a".into(), "0".into(), "1".into()]);
        let mut odds = Table::new("Odds", &["Profile", "P", "Availability"], 1);
        odds.push(vec!["esp32".into(), "2.72e-13".into(), "95%".into()]);
        odds.push(vec!["S21".into(), "0.986%".into(), "100%".into()]);
        let shown = odds.shown_rows();
        assert_eq!(shown[1], ["S21", "9.86e-3", "100%"]);
        let col =
            |i: usize| -> Vec<String> { t.shown_rows().iter().map(|r| r[i].clone()).collect() };
        assert_eq!(col(1), ["2.46e7", "1.08e5", "1.75e1", "n/a"]);
        assert_eq!(col(2), ["1.64e6x", "7.17e3x", "1e0x", "0"]);
        // A column of plain numbers, and the text, are left alone.
        assert_eq!(col(3), ["2", "2", "-", "1"]);
        assert_eq!(col(0), ["esp32", "phone", "S21", "host"]);
        assert!(
            t.render_markdown()
                .contains("| phone | 1.08e5 | 7.17e3x | 2 |")
        );
        assert!(t.render_plain().contains("1.75e1"));
        // Units, dollars and separators mark a cell as not a bare number.
        for cell in ["0.3 W", "$0.00109", "929,699", "2@240", "-", "e"] {
            assert_eq!(bare_number(cell), None, "{cell}");
        }
    }

    #[test]
    fn markdown_escapes_pipes_and_aligns_numbers() {
        let s = sample().render_markdown();
        assert!(s.contains("|---|---:|"));
        assert!(s.contains("| a\\|b | 1.2 TH/s |"));
    }
}
