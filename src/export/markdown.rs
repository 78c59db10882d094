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
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }

    /// Padded columns, two spaces apart, under a title line.
    pub fn render_plain(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|c| {
                std::iter::once(&self.headers[c])
                    .chain(self.rows.iter().map(|r| &r[c]))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (c, cell) in cells.iter().enumerate() {
                let pad = widths[c] - cell.chars().count();
                if c > 0 {
                    s.push_str("  ");
                }
                if self.right[c] {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(cell);
                } else {
                    s.push_str(cell);
                    s.push_str(&" ".repeat(pad));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = format!("{}\n", self.title);
        out.push_str(&line(&self.headers));
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&line(&rule));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        for n in &self.notes {
            out.push_str(n);
            out.push('\n');
        }
        out
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
                out.push_str(n);
                out.push_str("\n\n");
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
