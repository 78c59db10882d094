//! The per-profile part of the HTML report: the host, the profile's
//! parameters and sources, and each result with its verification.

use std::fmt::Write;

use serde_json::Value;

use super::{Ids, esc, slug};
use crate::export::load::Loaded;
use crate::export::report::BenchResult;
use crate::export::units::{si, sig3};

pub(super) fn section(reports: &[Loaded], pids: &[String]) -> String {
    let mut s = String::from("<section id=\"profiles\">\n<h2>Profiles</h2>\n");
    let mut ids = Ids::default();
    for (r, pid) in reports.iter().zip(pids) {
        s.push_str(&article(r, pid, &mut ids));
    }
    s.push_str("</section>\n");
    s
}

fn article(r: &Loaded, pid: &str, ids: &mut Ids) -> String {
    let rep = &r.report;
    let h = &rep.host;
    let mut s = format!(
        "<article id=\"{pid}\">\n<h3>Profile {}</h3>\n<p>{}</p>\n<dl>\n",
        esc(&rep.profile.name),
        esc(&rep.profile.description)
    );
    let mut item = |k: &str, v: String| {
        let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    };
    item("File", r.path.display().to_string());
    item(
        "Host CPU",
        format!("{} ({} logical cores)", h.cpu_model, h.logical_cores),
    );
    item("CPU features", h.cpu_features.join(", "));
    if !h.cpu_features_masked.is_empty() {
        item("Masked features", h.cpu_features_masked.join(", "));
    }
    item("OS", h.os.clone());
    item(
        "micromine",
        format!(
            "{} ({})",
            h.micromine_version,
            h.git_commit.as_deref().unwrap_or("commit unknown")
        ),
    );
    item("Started (Unix time)", rep.started_unix.to_string());
    item(
        "Interrupted",
        if rep.interrupted { "yes" } else { "no" }.into(),
    );
    s.push_str("</dl>\n");
    s.push_str(&parameters(&rep.profile.parameters));
    for res in &rep.results {
        let id = ids.take(&format!(
            "{pid}-{}-{}",
            slug(&res.kernel),
            slug(&res.backend)
        ));
        s.push_str(&result(res, &id));
    }
    s.push_str("</article>\n");
    s
}

/// The profile's parameters; `sources` and `assumptions` as lists.
fn parameters(p: &serde_json::Map<String, Value>) -> String {
    let mut s = String::new();
    let mut plain = String::new();
    for (k, v) in p {
        match (k.as_str(), v) {
            ("sources", Value::Array(items)) => {
                s.push_str("<h4>Sources</h4>\n<ul>\n");
                for it in items {
                    let text = match (it.get("supports"), it.get("url")) {
                        (Some(Value::String(a)), Some(Value::String(u))) => format!("{a}: {u}"),
                        _ => compact(it),
                    };
                    let _ = writeln!(s, "<li>{}</li>", esc(&text));
                }
                s.push_str("</ul>\n");
            }
            ("assumptions", Value::Array(items)) => {
                s.push_str("<h4>Assumptions</h4>\n<ul>\n");
                for it in items {
                    let _ = writeln!(s, "<li>{}</li>", esc(&compact(it)));
                }
                s.push_str("</ul>\n");
            }
            _ => {
                let _ = writeln!(plain, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&compact(v)));
            }
        }
    }
    if plain.is_empty() {
        s
    } else {
        format!("<h4>Parameters</h4>\n<dl>\n{plain}</dl>\n{s}")
    }
}

/// A JSON value on one line; strings without their quotes.
fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn result(r: &BenchResult, id: &str) -> String {
    let (class, mark) = if r.verified {
        ("ok", "verified")
    } else {
        ("bad", "NOT verified")
    };
    let mut s = format!(
        "<div class=\"row\" id=\"{id}\">\n<h4><a href=\"#{id}\">{} on {}</a>, {} thread(s): <span class=\"{class}\">{mark}</span></h4>\n<dl>\n",
        esc(&r.kernel),
        esc(&r.backend),
        r.threads
    );
    let unit = &r.rate.unit;
    let mut item = |k: &str, v: String| {
        let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    };
    item("Verification", r.verification.clone());
    item(
        "Rate (host)",
        format!(
            "median {}, MAD {}, min {}, max {} over {} samples in {} s",
            si(r.rate.median, unit),
            sig3(r.rate.mad),
            si(r.rate.min, unit),
            si(r.rate.max, unit),
            r.rate.samples.len(),
            sig3(r.duration_s)
        ),
    );
    if let Some(e) = &r.emulation {
        item(
            "Device (emulated)",
            format!(
                "full-power {}, target under cap {}, achieved on host {}",
                si(e.device_full_rate, unit),
                si(e.target_rate, unit),
                si(e.achieved_rate, unit)
            ),
        );
        item(
            "Power",
            format!(
                "{} modelled ({}, duty {}), {} J over the run, availability {}",
                si(e.power_w, "W"),
                e.power_model,
                sig3(e.duty),
                sig3(e.energy_j),
                sig3(e.availability)
            ),
        );
        item("Calibration source", e.calibration.factor_source.clone());
        item("Host energy", e.host_energy_note.clone());
        for n in &e.notes {
            item("Note", n.clone());
        }
    }
    s.push_str("</dl>\n</div>\n");
    s
}
