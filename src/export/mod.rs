//! Report schema and writers.

pub mod chart;
pub mod comparison;
pub mod exporter;
pub mod html;
pub mod load;
pub mod markdown;
pub mod noise;
pub mod report;
pub mod results;
pub mod units;
pub mod write;
