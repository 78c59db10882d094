//! Draws the panels as one SVG document. Layout is computed here from an
//! estimate of text width (DejaVu Sans averages under 0.62 em per
//! character), so labels are placed where they fit: row labels in their own
//! column, values at the bar's end or inside it, ticks clamped to the canvas.

use std::fmt::Write;

use super::axis::LogAxis;
use super::model::{Bar, Kind, Line, Panel};

pub const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 16.0;
const ROW_H: f64 = 24.0;
const BAR_H: f64 = 16.0;
const LABEL: f64 = 12.0;
const TICK: f64 = 11.0;
const NOTE: f64 = 11.5;
const PANEL_TITLE: f64 = 15.0;
const EM: f64 = 0.62;

pub const DEVICE: &str = "#1f77b4";
pub const UNVERIFIED: &str = "#ff7f0e";
pub const ASIC: &str = "#9c755f";
pub const TARIFF: &str = "#d62728";

/// Where one panel landed on the canvas, for anchors and checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub id: &'static str,
    pub title: String,
    pub top: f64,
    pub bottom: f64,
    /// Left and right edge of the plot area, in pixels.
    pub plot: (f64, f64),
}

/// Estimated width of `text` at `size` px.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * EM
}

/// Greedy word wrap to `max` px.
pub fn wrap(text: &str, size: f64, max: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let next = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if text_width(&next, size) > max && !cur.is_empty() {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        } else {
            cur = next;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `text` cut with an ellipsis to fit `max` px.
fn fit(text: &str, size: f64, max: f64) -> String {
    if text_width(text, size) <= max {
        return text.to_string();
    }
    let keep = ((max / (size * EM)) as usize).saturating_sub(1);
    text.chars().take(keep).collect::<String>() + "…"
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn color(k: Kind) -> &'static str {
    match k {
        Kind::Device => DEVICE,
        Kind::Unverified => UNVERIFIED,
        Kind::Asic => ASIC,
    }
}

fn legend_text(k: Kind) -> &'static str {
    match k {
        Kind::Device => "profile, verified against the reference",
        Kind::Unverified => "profile, output NOT verified",
        Kind::Asic => "published ASIC figure",
    }
}

/// An SVG being written top to bottom.
pub struct Canvas {
    pub body: String,
    pub y: f64,
}

impl Default for Canvas {
    fn default() -> Self {
        Self::new()
    }
}

impl Canvas {
    pub fn new() -> Self {
        Canvas {
            body: String::new(),
            y: MARGIN,
        }
    }

    /// A text line; `anchor` is start, middle or end.
    pub fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, fill: &str, s: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">{}</text>"#,
            esc(s)
        );
    }

    /// Wrapped lines across the full width; advances `y`.
    pub fn paragraph(&mut self, text: &str, size: f64, weight: &str) {
        for line in wrap(text, size, WIDTH - 2.0 * MARGIN) {
            self.y += size * 1.3;
            let _ = writeln!(
                self.body,
                r#"<text x="{MARGIN}" y="{:.1}" font-size="{size}" font-weight="{weight}">{}</text>"#,
                self.y,
                esc(&line)
            );
        }
    }

    /// Draws one panel below what is there; returns where it went.
    pub fn panel(&mut self, p: &Panel) -> Band {
        let top = self.y;
        let _ = writeln!(self.body, r#"<g id="panel-{}" class="panel">"#, p.id);
        self.y += 8.0;
        self.paragraph(&p.title, PANEL_TITLE, "bold");
        self.y += 8.0;
        let axis = LogAxis::around(
            p.bars
                .iter()
                .map(|b| b.value)
                .chain(p.lines.iter().map(|l| l.value)),
        );
        let widest = p
            .bars
            .iter()
            .map(|b| text_width(&b.label, LABEL))
            .fold(0.0, f64::max);
        let label_w = (widest + 12.0).clamp(120.0, 330.0);
        let plot = (MARGIN + label_w, WIDTH - MARGIN - 12.0);
        let rows_top = self.y;
        self.grid(&axis, plot, rows_top, p.bars.len().max(1));
        if p.bars.is_empty() {
            self.text(
                plot.0 + 8.0,
                rows_top + 16.0,
                LABEL,
                "start",
                "#555",
                "no rows to plot",
            );
        }
        for (i, b) in p.bars.iter().enumerate() {
            self.bar(b, p, &axis, plot, label_w, rows_top + i as f64 * ROW_H);
        }
        let rows_bottom = rows_top + p.bars.len().max(1) as f64 * ROW_H;
        for l in &p.lines {
            self.vline(l, &axis, plot, rows_top, rows_bottom);
        }
        self.y = rows_bottom;
        self.ticks(p, &axis, plot);
        self.legend(p);
        if let Some(n) = &p.note {
            self.paragraph(n, NOTE, "normal");
        }
        self.y += 14.0;
        self.body.push_str("</g>\n");
        Band {
            id: p.id,
            title: p.title.clone(),
            top,
            bottom: self.y,
            plot,
        }
    }

    fn grid(&mut self, axis: &LogAxis, plot: (f64, f64), top: f64, rows: usize) {
        let bottom = top + rows as f64 * ROW_H;
        for t in axis.ticks() {
            let x = plot.0 + axis.fraction(t) * (plot.1 - plot.0);
            let _ = writeln!(
                self.body,
                r##"<line x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#ddd"/>"##
            );
        }
        let _ = writeln!(
            self.body,
            r##"<line x1="{:.1}" y1="{top:.1}" x2="{:.1}" y2="{bottom:.1}" stroke="#333"/>"##,
            plot.0, plot.0
        );
    }

    fn bar(&mut self, b: &Bar, p: &Panel, axis: &LogAxis, plot: (f64, f64), label_w: f64, y: f64) {
        let mid = y + ROW_H / 2.0;
        let label = fit(&b.label, LABEL, label_w - 12.0);
        self.text(plot.0 - 6.0, mid + 4.0, LABEL, "end", "#222", &label);
        let end = plot.0 + axis.fraction(b.value) * (plot.1 - plot.0);
        let value = p.unit.format(b.value);
        let _ = writeln!(
            self.body,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{BAR_H}" fill="{}"><title>{}: {}</title></rect>"#,
            plot.0,
            mid - BAR_H / 2.0,
            (end - plot.0).max(1.0),
            color(b.kind),
            esc(&b.label),
            esc(&value)
        );
        let w = text_width(&value, LABEL);
        if end + 4.0 + w <= plot.1 {
            self.text(end + 4.0, mid + 4.0, LABEL, "start", "#222", &value);
        } else {
            self.text(end - 4.0, mid + 4.0, LABEL, "end", "#fff", &value);
        }
    }

    fn vline(&mut self, l: &Line, axis: &LogAxis, plot: (f64, f64), top: f64, bottom: f64) {
        let x = plot.0 + axis.fraction(l.value) * (plot.1 - plot.0);
        let _ = writeln!(
            self.body,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{TARIFF}" stroke-width="2" stroke-dasharray="6 4"><title>{}</title></line>"#,
            top - 4.0,
            bottom + 4.0,
            esc(&l.label)
        );
    }

    fn ticks(&mut self, p: &Panel, axis: &LogAxis, plot: (f64, f64)) {
        self.y += TICK + 6.0;
        for t in axis.ticks() {
            let s = p.unit.format(t);
            let half = text_width(&s, TICK) / 2.0;
            let x = (plot.0 + axis.fraction(t) * (plot.1 - plot.0))
                .clamp(MARGIN + half, WIDTH - MARGIN - half);
            self.text(x, self.y, TICK, "middle", "#444", &s);
        }
        self.y += 6.0;
    }

    /// One entry per colour and line style used in the panel, wrapped.
    fn legend(&mut self, p: &Panel) {
        let mut kinds: Vec<Kind> = Vec::new();
        for b in &p.bars {
            if !kinds.contains(&b.kind) {
                kinds.push(b.kind);
            }
        }
        kinds.sort_by_key(|k| *k as u8);
        let mut entries: Vec<(String, &str, bool)> = kinds
            .iter()
            .map(|k| (legend_text(*k).to_string(), color(*k), false))
            .collect();
        entries.extend(p.lines.iter().map(|l| (l.label.clone(), TARIFF, true)));
        let mut x = MARGIN;
        self.y += LABEL + 6.0;
        for (text, fill, is_line) in entries {
            let w = 22.0 + text_width(&text, LABEL) + 18.0;
            if x > MARGIN && x + w > WIDTH - MARGIN {
                x = MARGIN;
                self.y += LABEL + 8.0;
            }
            let sym_y = self.y - LABEL / 2.0 + 1.0;
            if is_line {
                let _ = writeln!(
                    self.body,
                    r#"<line x1="{x:.1}" y1="{sym_y:.1}" x2="{:.1}" y2="{sym_y:.1}" stroke="{fill}" stroke-width="2" stroke-dasharray="6 4"/>"#,
                    x + 16.0
                );
            } else {
                let _ = writeln!(
                    self.body,
                    r#"<rect x="{x:.1}" y="{:.1}" width="16" height="10" fill="{fill}"/>"#,
                    sym_y - 5.0
                );
            }
            self.text(x + 22.0, self.y, LABEL, "start", "#222", &text);
            x += w;
        }
        self.y += 4.0;
    }
}
