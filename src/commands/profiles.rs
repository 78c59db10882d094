use std::process::ExitCode;

use micromine::export::markdown::Table;
use micromine::export::units::{si, sig3};
use micromine::profile::{Profile, ProfileKind, builtin};

use super::ui;
use crate::cli::ProfilesArgs;

pub fn run(args: &ProfilesArgs) -> anyhow::Result<ExitCode> {
    let profiles = builtin::all()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&profiles)?);
        return Ok(ExitCode::SUCCESS);
    }
    let style = ui::stdout_style();
    print!("{}", devices(&profiles).render_terminal(style));
    println!();
    print!("{}", references(&profiles).render_terminal(style));
    Ok(ExitCode::SUCCESS)
}

/// Watts in one format for the whole column: three significant digits.
fn watts(w: f64) -> String {
    sig3(w)
}

/// The emulated and host profiles, one row each.
fn devices(profiles: &[Profile]) -> Table {
    let mut t = Table::new(
        "Device profiles",
        &[
            "Profile",
            "Kind",
            "CPU",
            "ISA",
            "Idle W",
            "Full W",
            "Cap W",
            "Available",
            "Calibrated on",
        ],
        4,
    );
    t.right[8] = false;
    for p in profiles {
        match &p.kind {
            ProfileKind::Emulated(e) => {
                let mut cpu = format!("{}x{:.0}MHz", e.cpu.big.cores, e.cpu.big.clock_hz / 1e6);
                if let Some(l) = &e.cpu.little {
                    cpu.push_str(&format!("+{}x{:.0}MHz", l.cores, l.clock_hz / 1e6));
                }
                let describe = e.calibration.describe();
                let calibrated = describe.split(';').next().unwrap_or_default();
                t.push(vec![
                    p.name.clone(),
                    "emulated".into(),
                    cpu,
                    e.cpu.isa.name().into(),
                    watts(e.power.idle_w),
                    watts(e.power.active_w),
                    e.power_cap_w.map_or_else(|| "none".into(), watts),
                    format!("{}%", sig3(100.0 * e.availability)),
                    calibrated.to_string(),
                ]);
            }
            ProfileKind::Host(h) => t.push(vec![
                p.name.clone(),
                "host".into(),
                "measured".into(),
                "best".into(),
                watts(h.power.idle_w),
                watts(h.power.active_w),
                "none".into(),
                format!("{}%", sig3(100.0 * h.availability)),
                "measured at run time".into(),
            ]),
            ProfileKind::Reference(_) => {}
        }
    }
    t
}

/// The ASIC rows reports compare against.
fn references(profiles: &[Profile]) -> Table {
    let mut t = Table::new(
        "Reference rows (published figures, not emulated)",
        &["Profile", "Hash rate", "Power", "Energy", "Description"],
        1,
    );
    t.right[4] = false;
    for p in profiles {
        if let ProfileKind::Reference(r) = &p.kind {
            t.push(vec![
                p.name.clone(),
                si(r.hash_rate_ths * 1e12, "H/s"),
                si(r.power_w, "W"),
                format!("{} J/TH", sig3(r.j_per_th)),
                p.description.clone(),
            ]);
        }
    }
    t
}
