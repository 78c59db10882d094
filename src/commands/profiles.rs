use std::process::ExitCode;

use micromine::profile::{Profile, ProfileKind, builtin};

use crate::cli::ProfilesArgs;

pub fn run(args: &ProfilesArgs) -> anyhow::Result<ExitCode> {
    let profiles = builtin::all()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&profiles)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<15} {:<9} {:<22} {:<8} {:>7} {:>7} {:>7} {:>5}  calibrated on",
        "profile", "kind", "cpu", "isa", "idle W", "full W", "cap W", "avail"
    );
    for p in profiles.iter().filter(|p| !p.is_reference()) {
        println!("{}", row(p));
    }
    println!();
    println!(
        "{:<15} {:>10} {:>9} {:>7}  (reference rows, not emulated)",
        "reference", "TH/s", "W", "J/TH"
    );
    for p in &profiles {
        if let ProfileKind::Reference(r) = &p.kind {
            println!(
                "{:<15} {:>10.1} {:>9.0} {:>7.1}  {}",
                p.name, r.hash_rate_ths, r.power_w, r.j_per_th, p.description
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn row(p: &Profile) -> String {
    match &p.kind {
        ProfileKind::Emulated(e) => {
            let mut cpu = format!("{}x{:.0}MHz", e.cpu.big.cores, e.cpu.big.clock_hz / 1e6);
            if let Some(l) = &e.cpu.little {
                cpu.push_str(&format!("+{}x{:.0}MHz", l.cores, l.clock_hz / 1e6));
            }
            format!(
                "{:<15} {:<9} {:<22} {:<8} {:>7.3} {:>7.3} {:>7} {:>5.2}  {}",
                p.name,
                "emulated",
                cpu,
                e.cpu.isa.name(),
                e.power.idle_w,
                e.power.active_w,
                e.power_cap_w.map_or("none".into(), |c| format!("{c:.3}")),
                e.availability,
                e.calibration
                    .describe()
                    .split(';')
                    .next()
                    .unwrap_or_default()
            )
        }
        ProfileKind::Host(h) => format!(
            "{:<15} {:<9} {:<22} {:<8} {:>7.3} {:>7.3} {:>7} {:>5.2}  measured at run time",
            p.name,
            "host",
            "measured",
            "best",
            h.power.idle_w,
            h.power.active_w,
            "none",
            h.availability
        ),
        ProfileKind::Reference(_) => String::new(),
    }
}
