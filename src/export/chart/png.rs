//! SVG to PNG with resvg, and the laid-out text boxes that let a check see
//! whether any label left the canvas or ran into another.

use std::sync::Arc;

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, Node, Tree};

use super::ChartError;

/// Families tried for the SVG's generic `sans-serif`, in order.
const SANS: [&str; 4] = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial"];

fn options() -> Result<usvg::Options<'static>, ChartError> {
    let mut db = usvg::fontdb::Database::new();
    db.load_system_fonts();
    if db.is_empty() {
        return Err(ChartError::NoFonts);
    }
    let has = |name: &str| {
        db.faces()
            .any(|f| f.families.iter().any(|(n, _)| n == name))
    };
    let sans = SANS
        .iter()
        .find(|n| has(n))
        .map(|s| s.to_string())
        .or_else(|| {
            db.faces()
                .next()
                .and_then(|f| f.families.first().map(|(n, _)| n.clone()))
        })
        .ok_or(ChartError::NoFonts)?;
    db.set_sans_serif_family(sans.clone());
    let mut opt = usvg::Options {
        font_family: sans,
        ..usvg::Options::default()
    };
    opt.fontdb = Arc::new(db);
    Ok(opt)
}

fn parse(svg: &str) -> Result<Tree, ChartError> {
    Tree::from_str(svg, &options()?).map_err(|e| ChartError::Svg(e.to_string()))
}

/// Rasterises an SVG document at its own size, on white.
pub fn to_png(svg: &str) -> Result<Vec<u8>, ChartError> {
    let tree = parse(svg)?;
    let size = tree.size().to_int_size();
    let mut pixmap = Pixmap::new(size.width(), size.height())
        .ok_or_else(|| ChartError::Png(format!("bad size {size:?}")))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, Transform::identity(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| ChartError::Png(e.to_string()))
}

/// A laid-out text element: its string and its box on the canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

impl TextBox {
    /// True when the two boxes share area (touching edges do not count).
    pub fn overlaps(&self, o: &TextBox) -> bool {
        self.left < o.right && o.left < self.right && self.top < o.bottom && o.top < self.bottom
    }
}

/// Every text element of `svg` as the renderer lays it out with the fonts
/// installed, plus the canvas size.
pub fn text_boxes(svg: &str) -> Result<(Vec<TextBox>, (f32, f32)), ChartError> {
    let tree = parse(svg)?;
    let mut out = Vec::new();
    collect(tree.root(), &mut out);
    Ok((out, (tree.size().width(), tree.size().height())))
}

fn collect(g: &usvg::Group, out: &mut Vec<TextBox>) {
    for node in g.children() {
        match node {
            Node::Group(g) => collect(g, out),
            Node::Text(t) => {
                let b = t.abs_bounding_box();
                let text = t.chunks().iter().map(|c| c.text()).collect::<String>();
                out.push(TextBox {
                    text,
                    left: b.left(),
                    top: b.top(),
                    right: b.right(),
                    bottom: b.bottom(),
                });
            }
            _ => {}
        }
    }
}
