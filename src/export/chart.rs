//! SVG charts of a comparison: hash rate and J/TH per profile on log scales
//! against the ASIC reference rows, and revenue against energy cost.
//!
//! plotters is built with only its SVG backend: text goes into the SVG as
//! `<text>` elements, so no font library is needed to build or to run.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::comparison::Comparison;
use super::units::{si, sig3, usd};

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart: {0}")]
pub struct ChartError(String);

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

const WIDTH: u32 = 1000;
const PANEL_HEIGHT: u32 = 420;
const MEASURED: RGBColor = RGBColor(31, 119, 180);
const REFERENCE: [RGBColor; 4] = [
    RGBColor(214, 39, 40),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// Decade bounds around every value, so log axes start and end on powers of ten.
fn decades(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (1.0, 10.0);
    }
    // A decade of room when a value sits near an edge keeps reference lines
    // off the axis and value labels inside the plot.
    let mut dlo = 10f64.powf(lo.log10().floor());
    let mut dhi = 10f64.powf(hi.log10().ceil()).max(dlo * 10.0);
    if lo / dlo < 3.0 {
        dlo /= 10.0;
    }
    if dhi / hi < 3.0 {
        dhi *= 10.0;
    }
    // plotters walks a log axis decade by decade and never finishes on a
    // zero or infinite bound, or on a span whose ratio overflows f64: a
    // damaged report's 1e308 or 5e-324 must not hang `report --svg`.
    let dlo = dlo.clamp(AXIS_FLOOR, AXIS_CEIL / 10.0);
    (dlo, dhi.min(AXIS_CEIL).max(dlo * 10.0))
}

/// The widest log axis drawn: 300 decades, far past any real figure.
const AXIS_FLOOR: f64 = 1e-150;
const AXIS_CEIL: f64 = 1e150;

fn axis_label(v: &f64) -> String {
    format!("1e{}", v.log10().round() as i32)
}

/// Renders the whole figure as an SVG document.
pub fn render(c: &Comparison) -> Result<String, ChartError> {
    let measured: Vec<_> = c
        .mining()
        .filter(|(id, ..)| id.backend != "reference")
        .collect();
    // Coin rows get a panel of their own: J/MH, since their rates are
    // kH/s to MH/s and their reference ASICs are scrypt machines.
    let coin_jmh = coin_joules_per_mh(c);
    let panel_count = if coin_jmh.is_empty() { 3 } else { 4 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, PANEL_HEIGHT * panel_count as u32))
            .into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let title = format!("micromine: network snapshot {}", c.snapshot.snapshot_date);
        let root = root.titled(&title, ("sans-serif", 22)).map_err(err)?;
        let panels = root.split_evenly((panel_count, 1));
        let rates: Vec<(String, f64)> = measured
            .iter()
            .map(|(id, m, _)| (id.profile.clone(), m.hashrate))
            .collect();
        let refs_rate: Vec<(String, f64)> = c
            .snapshot
            .reference
            .iter()
            .map(|r| (r.name.clone(), r.hashrate_hs))
            .collect();
        bars(
            &panels[0],
            "sha256d hash rate per profile (H/s, log scale)",
            &rates,
            &refs_rate,
            &|v| si(v, "H/s"),
        )?;
        let jth: Vec<(String, f64)> = measured
            .iter()
            .filter_map(|(id, m, _)| {
                m.energy
                    .as_ref()
                    .map(|e| (id.profile.clone(), e.joules_per_th))
            })
            .collect();
        let refs_jth: Vec<(String, f64)> = c
            .snapshot
            .reference
            .iter()
            .map(|r| (r.name.clone(), r.joules_per_tera()))
            .collect();
        bars(
            &panels[1],
            "Energy per hash (J/TH, log scale; lower is better)",
            &jth,
            &refs_jth,
            &|v| format!("{} J/TH", sig3(v)),
        )?;
        revenue_vs_cost(&panels[2], c)?;
        if !coin_jmh.is_empty() {
            let refs: Vec<(String, f64)> = c
                .coins
                .scrypt_reference
                .iter()
                .map(|r| {
                    (
                        format!("{} (scrypt)", r.name),
                        r.power_w / r.hashrate_hs * 1e6,
                    )
                })
                .collect();
            bars(
                &panels[3],
                "Coin kernels: energy per hash (J/MH, log scale; lower is better)",
                &coin_jmh,
                &refs,
                &|v| format!("{} J/MH", sig3(v)),
            )?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// J/MH of every measured scrypt and DUCO-S1 row that has a power model,
/// labelled with profile and kernel.
fn coin_joules_per_mh(c: &Comparison) -> Vec<(String, f64)> {
    let scrypt = c
        .scrypt()
        .filter(|(id, _)| id.backend != "reference")
        .filter_map(|(id, m)| {
            let e = m.energy.as_ref()?;
            Some((format!("{} scrypt", id.profile), e.joules_per_mh))
        });
    let duco = c.duco().filter_map(|(id, m)| {
        let j = m.joules_per_mh?;
        Some((format!("{} duco-s1", id.profile), j))
    });
    scrypt.chain(duco).collect()
}

/// One bar per profile, and a horizontal line per reference device.
fn bars(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    rows: &[(String, f64)],
    references: &[(String, f64)],
    value: &dyn Fn(f64) -> String,
) -> Result<(), ChartError> {
    let (lo, hi) = decades(rows.iter().chain(references).map(|(_, v)| *v));
    let n = rows.len().max(1) as i32;
    // Segments of an integer range are inclusive of both ends, and the right
    // edge of the last one is `Last`.
    let right = |i: i32| {
        if i + 1 >= n {
            SegmentValue::Last
        } else {
            SegmentValue::Exact(i + 1)
        }
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((0..n - 1).into_segmented(), (lo..hi).log_scale())
        .map_err(err)?;
    let names: Vec<String> = rows.iter().map(|(n, _)| n.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(rows.len().max(1))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&axis_label)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
            let i = i as i32;
            let mut bar = Rectangle::new(
                [(SegmentValue::Exact(i), lo), (right(i), *v)],
                MEASURED.mix(0.8).filled(),
            );
            bar.set_margin(0, 0, 12, 12);
            bar
        }))
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
            Text::new(
                value(*v),
                (SegmentValue::CenterOf(i as i32), *v),
                ("sans-serif", 13).into_font(),
            )
        }))
        .map_err(err)?;
    for (k, (name, v)) in references.iter().enumerate() {
        let color = REFERENCE[k % REFERENCE.len()];
        chart
            .draw_series(DashedLineSeries::new(
                [(SegmentValue::Exact(0), *v), (SegmentValue::Last, *v)],
                8,
                4,
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(format!("{name}: {}", value(*v)))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    if !references.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// Revenue per day against energy cost per day on log-log axes; points above
/// the diagonal earn more than they burn.
fn revenue_vs_cost(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    c: &Comparison,
) -> Result<(), ChartError> {
    let points: Vec<(String, bool, f64, f64)> = c
        .mining()
        .filter_map(|(id, m, _)| {
            let e = m.energy.as_ref()?;
            Some((
                id.profile.clone(),
                id.backend == "reference",
                e.cost_usd_per_day,
                m.usd_per_day,
            ))
        })
        .collect();
    let (lo, hi) = decades(points.iter().flat_map(|p| [p.2, p.3]));
    let caption = format!(
        "Revenue vs energy cost per day (USD, log-log; BTC {}, electricity ${}/kWh)",
        usd(c.snapshot.btc_price_usd.value),
        c.snapshot.electricity_usd_per_kwh.value
    );
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((lo..hi).log_scale(), (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("energy cost per day (USD)")
        .y_desc("revenue per day (USD)")
        .x_label_formatter(&axis_label)
        .y_label_formatter(&axis_label)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(lo, lo), (hi, hi)],
            6,
            4,
            BLACK.stroke_width(1),
        ))
        .map_err(err)?
        .label("break-even (revenue = cost)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    for (name, reference, cost, revenue) in &points {
        let color = if *reference { REFERENCE[0] } else { MEASURED };
        chart
            .draw_series([Circle::new((*cost, *revenue), 5, color.filled())])
            .map_err(err)?;
        chart
            .draw_series([Text::new(
                name.clone(),
                (*cost, *revenue),
                ("sans-serif", 13).into_font(),
            )])
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    Ok(())
}
