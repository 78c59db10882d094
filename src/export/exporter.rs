//! One interface for every file `report` can write from a set of reports.

use super::chart::{self, ChartError};
use super::comparison::Comparison;
use super::html;
use super::load::Loaded;

/// Why an export could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// What an exporter renders from: the reports and their comparison.
pub struct Input<'a> {
    pub reports: &'a [Loaded],
    pub comparison: &'a Comparison,
}

/// Renders a whole file's bytes, so the caller writes it atomically.
pub trait Exporter {
    fn export(&self, input: &Input<'_>) -> Result<Vec<u8>, ExportError>;
}

/// The chart as SVG.
pub struct Svg;
/// The chart as PNG.
pub struct Png;
/// The self-contained HTML report.
pub struct Html;

impl Exporter for Svg {
    fn export(&self, input: &Input<'_>) -> Result<Vec<u8>, ExportError> {
        Ok(chart::render(input.comparison)?.into_bytes())
    }
}

impl Exporter for Png {
    fn export(&self, input: &Input<'_>) -> Result<Vec<u8>, ExportError> {
        Ok(chart::render_png(input.comparison)?)
    }
}

impl Exporter for Html {
    fn export(&self, input: &Input<'_>) -> Result<Vec<u8>, ExportError> {
        Ok(html::render(input.reports, input.comparison).into_bytes())
    }
}
