//! The chart (`report --svg/--png`) and the HTML report (`report --html`)
//! on the reports of a real `micromine run --profile all` (tests/data/
//! reports/run/, provenance in tests/data/README.md): the PNG is decoded and
//! measured, and the page is opened in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use micromine::economics::Snapshot;
use micromine::economics::coins::CoinSnapshot;
use micromine::export::chart::{self, png, svg};
use micromine::export::{comparison, load};
use resvg::tiny_skia::Pixmap;

use crate::support::micromine;

const RUN: &str = "tests/data/reports/run";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report_chart")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Stdout of a successful run, with the status lines from stderr after it
/// (stdout holds only data; "written to" lines go to stderr).
fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "exit {:?}: {err}", o.status.code());
    String::from_utf8(o.stdout.clone()).unwrap() + &err
}

fn run_figure() -> chart::Figure {
    let reports = load::load_all(&[PathBuf::from(RUN)]).unwrap();
    let cmp =
        comparison::build_with_coins(&reports, &Snapshot::builtin(), &CoinSnapshot::builtin());
    chart::figure(&cmp)
}

/// `#rrggbb` as the exact RGB of an opaque pixel.
fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(&hex[1..], 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// Pixels of exactly `color` in rows `top..bottom` of the image.
fn count(p: &Pixmap, color: &str, top: f64, bottom: f64) -> usize {
    let c = rgb(color);
    let (t, b) = (top.max(0.0) as u32, (bottom as u32).min(p.height()));
    (t..b)
        .flat_map(|y| (0..p.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let px = p.pixel(x, y).unwrap().demultiply();
            px.alpha() == 255 && [px.red(), px.green(), px.blue()] == c
        })
        .count()
}

#[test]
fn png_chart_has_every_panel_each_against_its_own_reference() {
    let dir = scratch("png");
    let (png_path, svg_path) = (dir.join("chart.png"), dir.join("chart.svg"));
    let out = ok(&micromine(&[
        "report",
        RUN,
        "--png",
        png_path.to_str().unwrap(),
        "--svg",
        svg_path.to_str().unwrap(),
    ]));
    assert!(out.contains("Chart written to"), "{out}");
    let fig = run_figure();
    assert_eq!(std::fs::read_to_string(&svg_path).unwrap(), fig.svg);
    let img = Pixmap::decode_png(&std::fs::read(&png_path).unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (fig.width, fig.height));
    assert!(fig.height > 900, "six panels fit in {} px?", fig.height);

    let ids: Vec<&str> = fig.bands.iter().map(|b| b.id).collect();
    assert_eq!(
        ids,
        [
            "btc-energy",
            "btc-money",
            "btc-rate",
            "scrypt-energy",
            "scrypt-money",
            "duco-energy"
        ]
    );
    for b in &fig.bands {
        let bars = count(&img, svg::DEVICE, b.top, b.bottom);
        assert!(bars > 500, "{}: {bars} px of profile bars", b.id);
    }
    let band = |id: &str| fig.bands.iter().find(|b| b.id == id).unwrap();
    // Bitcoin and scrypt panels show their own ASICs; DUCO-S1 has none, and
    // no scrypt ASIC may be drawn against it.
    for id in ["btc-energy", "btc-rate", "scrypt-energy"] {
        let b = band(id);
        assert!(
            count(&img, svg::ASIC, b.top, b.bottom) > 200,
            "{id}: no ASIC bar"
        );
    }
    let duco = band("duco-energy");
    assert_eq!(count(&img, svg::ASIC, duco.top, duco.bottom), 0);
    // The tariff line is in the money panel (and its legend) only.
    let money = band("btc-money");
    assert!(count(&img, svg::TARIFF, money.top, money.bottom) > 40);
    assert_eq!(
        count(
            &img,
            svg::TARIFF,
            band("btc-energy").top,
            band("btc-energy").bottom
        ),
        0
    );
}

#[test]
fn every_label_is_inside_the_canvas_and_none_overlap() {
    let fig = run_figure();
    let (boxes, (w, h)) = png::text_boxes(&fig.svg).unwrap();
    assert_eq!((w, h), (fig.width as f32, fig.height as f32));
    let texts: Vec<&png::TextBox> = boxes.iter().filter(|b| !b.text.is_empty()).collect();
    assert!(
        texts.len() > 60,
        "only {} labels laid out: fonts missing?",
        texts.len()
    );
    for t in &texts {
        assert!(
            t.left >= 0.0 && t.top >= 0.0 && t.right <= w && t.bottom <= h,
            "{t:?} leaves the {w}x{h} canvas"
        );
    }
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            assert!(!a.overlaps(b), "labels overlap: {a:?} and {b:?}");
        }
    }
    for needle in [
        "10 TH/s",
        "200 TH/s",
        "$0.168/kWh",
        "Bitaxe Gamma",
        "7,170x",
    ] {
        assert!(
            texts.iter().any(|t| t.text.contains(needle)),
            "no label {needle}"
        );
    }
    assert!(
        !texts.iter().any(|t| t.text.contains("1e1")),
        "a 1eN tick label"
    );
}

#[test]
fn headline_answers_from_the_data_and_skips_the_placeholder_host() {
    let fig = run_figure();
    let h = &fig.headline;
    assert!(h.starts_with("Best appliance: "), "{h}");
    assert!(h.ends_with("none breaks even at $0.168/kWh"), "{h}");
    assert!(!h.starts_with("Best appliance: host "), "{h}");
    let (boxes, _) = png::text_boxes(&fig.svg).unwrap();
    let energy = &fig.bands[0];
    let host_bars = boxes.iter().filter(|b| {
        b.text.starts_with("host (")
            && b.top >= energy.top as f32
            && b.bottom <= energy.bottom as f32
    });
    assert_eq!(host_bars.count(), 0, "host plotted at placeholder power");
}

#[test]
fn an_unverified_row_is_marked_and_never_the_headline() {
    let dir = scratch("unverified");
    let reports = load::load_all(&[PathBuf::from(RUN)]).unwrap();
    let fig = run_figure();
    let best = fig.headline["Best appliance: ".len()..]
        .split(" at ")
        .next()
        .unwrap()
        .to_string();
    for r in &reports {
        let mut rep = r.report.clone();
        if rep.profile.name == best {
            for res in rep.results.iter_mut().filter(|x| x.kernel == "sha256d") {
                res.verified = false;
            }
        }
        let name = r.path.file_name().unwrap();
        std::fs::write(dir.join(name), serde_json::to_string(&rep).unwrap()).unwrap();
    }
    let png_path = dir.join("chart.png");
    ok(&micromine(&[
        "report",
        dir.to_str().unwrap(),
        "--png",
        png_path.to_str().unwrap(),
    ]));
    let img = Pixmap::decode_png(&std::fs::read(&png_path).unwrap()).unwrap();
    let tampered = {
        let loaded = load::load_all(std::slice::from_ref(&dir)).unwrap();
        let cmp =
            comparison::build_with_coins(&loaded, &Snapshot::builtin(), &CoinSnapshot::builtin());
        chart::figure(&cmp)
    };
    assert!(!tampered.headline.contains(&format!("appliance: {best} at")));
    let b = &tampered.bands[0];
    assert!(count(&img, svg::UNVERIFIED, b.top, b.bottom) > 100);
    assert!(tampered.svg.contains("UNVERIFIED") && tampered.svg.contains("NOT verified"));
}

/// Chromium, or None (the test is skipped) unless MICROMINE_REQUIRE_BROWSER=1.
fn chromium() -> Option<&'static str> {
    for bin in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(bin);
        }
    }
    assert!(
        std::env::var("MICROMINE_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "MICROMINE_REQUIRE_BROWSER=1 but no chromium found"
    );
    eprintln!("skipped: no chromium");
    None
}

fn headless(bin: &str, profile: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium")
}

/// Console messages Chromium logged while loading `page`.
fn console_lines(bin: &str, dir: &Path, page: &Path) -> Vec<String> {
    let url = format!("file://{}", page.display());
    let o = headless(bin, &dir.join("chrome-console"), &["--dump-dom", &url]);
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .map(str::to_string)
        .collect()
}

#[test]
fn html_report_loads_cleanly_in_chromium_with_charts_and_anchors() {
    let dir = scratch("html");
    let page = dir.join("report.html");
    let out = ok(&micromine(&[
        "report",
        RUN,
        "--html",
        page.to_str().unwrap(),
    ]));
    assert!(out.contains("HTML report written to"), "{out}");
    let html = std::fs::read_to_string(&page).unwrap();
    for banned in ["<script", "<link", "src=\"http", "url(http", "@import"] {
        assert!(!html.contains(banned), "not self-contained: {banned}");
    }
    for needle in [
        "id=\"profile-esp32\"",
        "id=\"profile-esp32-sha256d-scalar\"",
        "<svg",
        "Verification",
    ] {
        assert!(html.contains(needle), "page lacks {needle}");
    }
    let Some(bin) = chromium() else { return };
    let page = page.canonicalize().unwrap();

    // The console check can fail: a page that logs an error is caught.
    let bad = dir.join("bad.html");
    std::fs::write(&bad, "<p>x</p><script>console.error('planted')</script>").unwrap();
    assert!(
        !console_lines(bin, &dir, &bad).is_empty(),
        "console capture sees nothing"
    );
    let lines = console_lines(bin, &dir, &page);
    assert!(lines.is_empty(), "console messages: {lines:?}");

    // Links and the chart, checked by the browser's own DOM.
    let probe = dir.join("probe.html");
    let script = "<script>addEventListener('load',()=>{const bad=[...document.querySelectorAll('a[href^=\"#\"]')].filter(a=>!document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))));const s=document.querySelector('#chart svg').getBoundingClientRect();const p=document.createElement('pre');p.id='probe';p.textContent='links '+document.querySelectorAll('a[href^=\"#\"]').length+' missing ['+bad.map(a=>a.getAttribute('href')).join(' ')+'] svg '+Math.round(s.width)+'x'+Math.round(s.height);document.body.append(p)})</script>";
    std::fs::write(&probe, html.replace("</body>", &format!("{script}</body>"))).unwrap();
    let url = format!("file://{}", probe.display());
    let dom = headless(bin, &dir.join("chrome-dom"), &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom.stdout).to_string();
    let result = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| panic!("probe did not run: {}", &dom[..dom.len().min(300)]));
    assert!(result.contains("missing []"), "{result}");
    let links: usize = result.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(links > 20, "{result}");
    assert!(!result.contains("svg 0x"), "{result}");

    // A screenshot with the chart's bars in it.
    let shot = dir.join("shot.png");
    headless(
        bin,
        &dir.join("chrome-shot"),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2600",
            &format!("file://{}", page.display()),
        ],
    );
    let img = Pixmap::decode_png(&std::fs::read(&shot).expect("screenshot written")).unwrap();
    let bars = count(&img, svg::DEVICE, 0.0, img.height() as f64);
    assert!(
        bars > 2000,
        "chart not visible in the screenshot ({bars} px)"
    );
}
