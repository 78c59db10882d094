//! Report schema and writers.

pub mod report;
