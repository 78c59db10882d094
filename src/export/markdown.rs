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
        "FAILED" | "FAIL" | "regression" => c.fg(comfy_table::Color::Red),
        "improvement" | "ok" => c.fg(comfy_table::Color::Green),
        _ => c,
    }
}

impl Table {
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
        for r in &self.rows {
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
        for r in &self.rows {
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
    fn markdown_escapes_pipes_and_aligns_numbers() {
        let s = sample().render_markdown();
        assert!(s.contains("|---|---:|"));
        assert!(s.contains("| a\\|b | 1.2 TH/s |"));
    }
}
