//! `report --html`: one self-contained page (inline CSS and SVG, no script,
//! nothing fetched) with the headline, the chart, every table, and each
//! profile's rows with their verification and sources, all anchored.

mod profiles;

use std::fmt::Write;

use super::chart;
use super::comparison::Comparison;
use super::load::Loaded;
use super::markdown::Table;

const STYLE: &str = "\
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:0 auto;max-width:1080px;padding:0 16px 48px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin:24px 0 4px}h2{border-bottom:1px solid #ccc;margin-top:36px}
.headline{font-size:1.25em;font-weight:bold;margin:8px 0}
nav ul{columns:2;padding-left:20px}nav li{margin:2px 0}
table{border-collapse:collapse;margin:8px 0;font-size:.86em;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:3px 8px;white-space:nowrap}th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.notes{font-size:.86em;color:#444}
.figure svg{max-width:100%;height:auto;border:1px solid #ddd}
.ok{color:#1a7f37;font-weight:bold}.bad{color:#c62828;font-weight:bold}
article{border-left:3px solid #1f77b4;padding-left:12px;margin:20px 0}
.row{margin:10px 0 14px}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:4px 0}dt{color:#555}dd{margin:0}
code{font-size:.92em}
";

/// `text` safe inside HTML text and attribute values.
pub(crate) fn esc(s: &str) -> String {
    chart::svg::esc(s).replace('\'', "&#39;")
}

/// An id made of lowercase letters, digits and dashes.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Ids handed out once each, so two reports of one profile stay apart.
#[derive(Default)]
pub(crate) struct Ids(Vec<String>);

impl Ids {
    pub(crate) fn take(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        let mut n = 2;
        while self.0.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.0.push(id.clone());
        id
    }
}

/// The whole page.
pub fn render(reports: &[Loaded], c: &Comparison) -> String {
    let fig = chart::figure(c);
    let mut ids = Ids::default();
    for fixed in ["summary", "chart", "tables", "profiles", "sources", "notes"] {
        ids.take(fixed);
    }
    let profile_ids: Vec<String> = reports
        .iter()
        .map(|r| ids.take(&format!("profile-{}", slug(&r.report.profile.name))))
        .collect();
    let tables = c.tables();
    let table_ids: Vec<String> = tables
        .iter()
        .map(|t| ids.take(&format!("table-{}", slug(&t.title))))
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>micromine report: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        esc(&c.snapshot.snapshot_date)
    );
    let _ = writeln!(s, "<h1 id=\"top\">micromine report</h1>");
    let _ = writeln!(s, "<p class=\"headline\">{}.</p>", esc(&fig.headline));
    let _ = writeln!(s, "<p>{}.</p>", esc(&c.snapshot_line()));
    s.push_str(&nav(reports, &profile_ids, &tables, &table_ids));
    s.push_str(&summary(reports, c, &profile_ids));
    let _ = writeln!(
        s,
        "<section id=\"chart\">\n<h2>Chart</h2>\n<div class=\"figure\">\n{}</div>\n</section>",
        fig.svg
    );
    s.push_str("<section id=\"tables\">\n<h2>Tables</h2>\n");
    for (t, id) in tables.iter().zip(&table_ids) {
        s.push_str(&table(t, id, reports, &profile_ids));
    }
    s.push_str("</section>\n");
    s.push_str(&profiles::section(reports, &profile_ids));
    s.push_str(&notes_and_sources(c));
    s.push_str("<p><a href=\"#top\">Back to top</a></p>\n</body>\n</html>\n");
    s
}

fn nav(reports: &[Loaded], pids: &[String], tables: &[Table], tids: &[String]) -> String {
    let mut s = String::from(
        "<nav>\n<ul>\n<li><a href=\"#summary\">Summary</a></li>\n<li><a href=\"#chart\">Chart</a></li>\n",
    );
    for (t, id) in tables.iter().zip(tids) {
        let _ = writeln!(s, "<li><a href=\"#{id}\">{}</a></li>", esc(&t.title));
    }
    for (r, id) in reports.iter().zip(pids) {
        let _ = writeln!(
            s,
            "<li><a href=\"#{id}\">Profile {}</a></li>",
            esc(&r.report.profile.name)
        );
    }
    s.push_str("<li><a href=\"#notes\">Run notes</a></li>\n<li><a href=\"#sources\">Snapshot sources</a></li>\n</ul>\n</nav>\n");
    s
}

fn summary(reports: &[Loaded], c: &Comparison, pids: &[String]) -> String {
    let mut s = String::from(
        "<section id=\"summary\">\n<h2>Summary</h2>\n<table>\n<tr><th>Profile</th><th>Description</th><th>Results</th><th>Verified</th><th>Interrupted</th><th>File</th></tr>\n",
    );
    for (r, id) in reports.iter().zip(pids) {
        let rep = &r.report;
        let ok = rep.results.iter().filter(|x| x.verified).count();
        let class = if ok == rep.results.len() { "ok" } else { "bad" };
        let _ = writeln!(
            s,
            "<tr><td><a href=\"#{id}\">{}</a></td><td>{}</td><td class=\"n\">{}</td><td class=\"n {class}\">{ok} of {}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&rep.profile.name),
            esc(&rep.profile.description),
            rep.results.len(),
            rep.results.len(),
            if rep.interrupted { "yes" } else { "no" },
            esc(&r.path.display().to_string())
        );
    }
    s.push_str("</table>\n");
    if !c.overridden.is_empty() {
        let _ = writeln!(
            s,
            "<p class=\"notes\">Snapshot values overridden on the command line: {}.</p>",
            esc(&c.overridden.join(", "))
        );
    }
    s.push_str("</section>\n");
    s
}

/// A table; a first cell that names a profile links to that profile.
fn table(t: &Table, id: &str, reports: &[Loaded], pids: &[String]) -> String {
    let mut s = format!("<h3 id=\"{id}\">{}</h3>\n<table>\n<tr>", esc(&t.title));
    for h in &t.headers {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr>\n");
    for row in &t.shown_rows() {
        s.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if t.right[i] { " class=\"n\"" } else { "" };
            let target = (i == 0)
                .then(|| profile_target(cell, reports, pids))
                .flatten();
            match target {
                Some(pid) => {
                    let _ = write!(s, "<td><a href=\"#{pid}\">{}</a></td>", esc(cell));
                }
                None => {
                    let _ = write!(s, "<td{class}>{}</td>", esc(cell));
                }
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    for n in &t.notes {
        let _ = writeln!(s, "<p class=\"notes\">{}</p>", esc(n));
    }
    s
}

/// The anchor of the profile a row label names (labels add marks such as
/// ` (UNVERIFIED)` or `*` after the name).
fn profile_target<'a>(label: &str, reports: &[Loaded], pids: &'a [String]) -> Option<&'a String> {
    let name = label
        .split(" (")
        .next()
        .unwrap_or(label)
        .trim_end_matches('*');
    reports
        .iter()
        .position(|r| r.report.profile.name == name)
        .map(|i| &pids[i])
}

fn notes_and_sources(c: &Comparison) -> String {
    let mut s = String::from("<section id=\"notes\">\n<h2>Run notes</h2>\n");
    if c.run_notes.is_empty() {
        s.push_str("<p>None.</p>\n");
    } else {
        s.push_str("<ul>\n");
        for n in &c.run_notes {
            let _ = writeln!(s, "<li>{}</li>", esc(n));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n<section id=\"sources\">\n<h2>Snapshot sources</h2>\n");
    s.push_str(&markdown_list(&c.render_markdown_sources()));
    s.push_str("</section>\n");
    s
}

/// The sources' Markdown (headings, paragraphs, `- ` items) as HTML.
fn markdown_list(md: &str) -> String {
    let mut s = String::new();
    let mut in_list = false;
    for line in md.lines() {
        let item = line.strip_prefix("- ");
        if in_list && item.is_none() {
            s.push_str("</ul>\n");
            in_list = false;
        }
        if let Some(item) = item {
            if !in_list {
                s.push_str("<ul>\n");
                in_list = true;
            }
            let _ = writeln!(s, "<li>{}</li>", esc(item));
        } else if let Some(h) = line.strip_prefix("### ") {
            let _ = writeln!(s, "<h3>{}</h3>", esc(h));
        } else if !line.trim().is_empty() {
            let _ = writeln!(s, "<p>{}</p>", esc(line));
        }
    }
    if in_list {
        s.push_str("</ul>\n");
    }
    s
}
