//! The chart that answers the question: a headline from the data, then one
//! panel per question and coin, each a set of sorted horizontal bars on a
//! log axis against its own reference (the best ASIC of that coin, or the
//! electricity tariff), or against none where no reference exists.
//!
//! The SVG is written directly (no plotting library) so that every label's
//! place is chosen here; `png` rasterises it with resvg and measures the
//! laid-out text, which is how the tests check the layout.

pub mod axis;
pub mod model;
pub mod png;
pub mod svg;
pub mod title;

use std::fmt::Write;

use super::comparison::Comparison;
use svg::{Band, Canvas, WIDTH};

/// A chart could not be drawn or rasterised.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot read the chart's SVG: {0}")]
    Svg(String),
    #[error("cannot write PNG: {0}")]
    Png(String),
    #[error("no fonts found for the PNG's text (install fonts-dejavu-core or any TrueType font)")]
    NoFonts,
}

/// A drawn chart and where its panels are.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub headline: String,
    pub svg: String,
    pub width: u32,
    pub height: u32,
    pub bands: Vec<Band>,
}

/// Lays out and draws every panel.
pub fn figure(c: &Comparison) -> Figure {
    let headline = title::headline(c);
    let mut canvas = Canvas::new();
    canvas.paragraph(&headline, 20.0, "bold");
    canvas.y += 2.0;
    canvas.paragraph(&title::subtitle(c), 12.5, "normal");
    canvas.y += 10.0;
    let bands: Vec<Band> = model::panels(c).iter().map(|p| canvas.panel(p)).collect();
    let height = canvas.y.ceil() as u32 + 4;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}" font-family="DejaVu Sans, Verdana, Arial, sans-serif" role="img">"#,
        w = WIDTH as u32
    );
    let _ = writeln!(svg, "<title>{}</title>", svg::esc(&headline));
    let _ = writeln!(
        svg,
        r##"<rect x="0" y="0" width="{}" height="{height}" fill="#fff"/>"##,
        WIDTH as u32
    );
    svg.push_str(&canvas.body);
    svg.push_str("</svg>\n");
    Figure {
        headline,
        svg,
        width: WIDTH as u32,
        height,
        bands,
    }
}

/// The chart as an SVG document.
pub fn render(c: &Comparison) -> Result<String, ChartError> {
    Ok(figure(c).svg)
}

/// The chart as a PNG image.
pub fn render_png(c: &Comparison) -> Result<Vec<u8>, ChartError> {
    png::to_png(&figure(c).svg)
}
