//! A standalone SVG picture: boxes, curved edges with arrowheads and type
//! labels, a title and a legend, laid out by [`crate::layout`].
//!
//! Text is sized by counting monospace cells, and the SVG asks for a
//! monospace font, so the estimate holds without measuring glyphs.

use std::fmt::Write;

use crate::annotations::Layer;
use crate::layout::{EdgeIn, Layout, Rect, Size, layout};
use crate::mermaid::HIGHLIGHT;
use crate::scene::{Scene, SceneNode};
use crate::text::{cells, xml};

const FONT: &str = "'DejaVu Sans Mono', Menlo, Consolas, monospace";
/// Advance of one monospace cell per pixel of font size (0.6 in common
/// monospace fonts; a little more so text never touches the border).
const CELL: f64 = 0.62;
const NAME_SIZE: f64 = 12.0;
const DETAIL_SIZE: f64 = 11.0;
const LABEL_SIZE: f64 = 10.0;
const PAD_X: f64 = 12.0;
const NODE_HEIGHT: f64 = 64.0;
const MIN_NODE_WIDTH: f64 = 120.0;
const LABEL_HEIGHT: f64 = 16.0;
const MARGIN: f64 = 24.0;
const TITLE_HEIGHT: f64 = 36.0;
const LEGEND_GAP: f64 = 28.0;
const LEGEND_HEIGHT: f64 = 20.0;
/// How far a highlight outline reaches out of its box (stroke included).
const OUTLINE: f64 = 6.0;

const EDGE_COLOUR: &str = "#64748b";
const TEXT_COLOUR: &str = "#0f172a";
const MUTED_COLOUR: &str = "#64748b";

/// Fill, stroke and stroke width of a node box.
struct BoxStyle {
    fill: &'static str,
    stroke: &'static str,
    width: f64,
    dashed: bool,
}

fn box_style(layer: Option<Layer>, deprecated: bool) -> BoxStyle {
    let (fill, stroke, width) = match layer {
        None => ("#ffffff", "#64748b", 1.2),
        Some(Layer::Sediment) => ("#fdf6e3", "#a8a29e", 1.2),
        Some(Layer::Bedrock) => ("#e0e7ff", "#3730a3", 2.5),
    };
    BoxStyle { fill, stroke, width, dashed: deprecated }
}

pub(crate) fn render(scene: &Scene) -> String {
    let sizes: Vec<Size> = scene.nodes.iter().map(node_size).collect();
    let edges: Vec<EdgeIn> =
        scene.edges.iter().map(|e| EdgeIn { from: e.from, to: e.to, label: label_size(&e.label) }).collect();
    let laid = layout(&sizes, &edges, &scene.topo);
    let legend = legend_items(scene);
    let top = MARGIN + if scene.title.is_some() { TITLE_HEIGHT } else { 0.0 };
    let graph_height = if scene.nodes.is_empty() { LEGEND_HEIGHT } else { laid.height };
    let legend_y = top + graph_height + LEGEND_GAP;
    let title_width = scene.title.as_deref().map_or(0.0, |t| text_width(t, TITLE_FONT.size));
    let width = laid.width.max(legend_width(&legend)).max(title_width) + 2.0 * MARGIN;
    let height = legend_y + LEGEND_HEIGHT + MARGIN;

    // Writing into a String cannot fail, so `write!` results are ignored.
    let mut out = String::new();
    header(&mut out, scene, width, height);
    if scene.nodes.is_empty() {
        text(&mut out, MARGIN, top + 14.0, NOTE_FONT, "(empty graph)");
    }
    let _ = writeln!(out, "<g transform=\"translate({},{})\">", num(MARGIN), num(top));
    draw_edges(&mut out, scene, &laid);
    draw_nodes(&mut out, scene, &laid);
    out.push_str("</g>\n");
    draw_legend(&mut out, &legend, MARGIN, legend_y);
    out.push_str("</svg>\n");
    out
}

fn node_size(node: &SceneNode) -> Size {
    let [name, detail, caps] = node.lines();
    let w =
        text_width(name, NAME_SIZE).max(text_width(detail, DETAIL_SIZE)).max(text_width(caps, DETAIL_SIZE));
    Size { w: (w + 2.0 * PAD_X).max(MIN_NODE_WIDTH), h: NODE_HEIGHT }
}

fn label_size(label: &str) -> Size {
    Size { w: text_width(label, LABEL_SIZE) + 8.0, h: LABEL_HEIGHT }
}

fn text_width(s: &str, size: f64) -> f64 {
    cells(s) as f64 * size * CELL
}

fn header(out: &mut String, scene: &Scene, width: f64, height: f64) {
    let (w, h) = (num(width), num(height));
    let title = scene.title.as_deref().unwrap_or("LOGOS graph");
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"{FONT}\" role=\"img\">\n<title>{}</title>",
        xml(title)
    );
    out.push_str("<defs>\n");
    for (id, colour) in [("arrow", EDGE_COLOUR), ("arrow-lit", HIGHLIGHT)] {
        let _ = writeln!(
            out,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" \
             markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
             <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(out, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
    if let Some(t) = &scene.title {
        text(out, MARGIN, MARGIN + 16.0, TITLE_FONT, t);
    }
}

fn draw_edges(out: &mut String, scene: &Scene, laid: &Layout) {
    for (edge, route) in scene.edges.iter().zip(&laid.routes) {
        let dim = scene.emphasis && !edge.highlighted;
        let (colour, width, marker) =
            if edge.highlighted { (HIGHLIGHT, 2.5, "arrow-lit") } else { (EDGE_COLOUR, 1.4, "arrow") };
        let _ = writeln!(out, "<g class=\"edge\"{}>\n<title>{}</title>", opacity(dim), xml(&edge.label));
        let _ = writeln!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{}\" marker-end=\"url(#{marker})\"/>",
            path(&trimmed(
                &route.points,
                scene.nodes[edge.from].highlighted,
                scene.nodes[edge.to].highlighted
            )),
            num(width)
        );
        edge_label(out, &route.label, &edge.label);
        out.push_str("</g>\n");
    }
}

fn edge_label(out: &mut String, r: &Rect, label: &str) {
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" stroke=\"#e2e8f0\"/>",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h)
    );
    text(out, r.x + r.w / 2.0, r.y + r.h / 2.0 + 3.5, LABEL_FONT, label);
}

/// Ends moved off highlighted boxes, so the outline does not hide the
/// arrowhead.
fn trimmed(points: &[(f64, f64)], from_lit: bool, to_lit: bool) -> Vec<(f64, f64)> {
    let mut points = points.to_vec();
    if let Some(first) = points.first_mut().filter(|_| from_lit) {
        first.0 += OUTLINE;
    }
    if let Some(last) = points.last_mut().filter(|_| to_lit) {
        last.0 -= OUTLINE;
    }
    points
}

/// Straight runs where the height does not change, S-curves with level
/// ends where it does (so the arrowhead always points along the flow).
fn path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    let mut prev: Option<(f64, f64)> = None;
    for &(x, y) in points {
        match prev {
            None => {
                let _ = write!(d, "M{},{}", num(x), num(y));
            }
            Some((_, py)) if (py - y).abs() < 0.5 => {
                let _ = write!(d, " L{},{}", num(x), num(y));
            }
            Some((px, py)) => {
                let mx = num((px + x) / 2.0);
                let _ = write!(d, " C{mx},{} {mx},{} {},{}", num(py), num(y), num(x), num(y));
            }
        }
        prev = Some((x, y));
    }
    d
}

fn draw_nodes(out: &mut String, scene: &Scene, laid: &Layout) {
    for (node, r) in scene.nodes.iter().zip(&laid.nodes) {
        let dim = scene.emphasis && !node.highlighted;
        let _ = writeln!(
            out,
            "<g class=\"node\"{}>\n<title>{} {}</title>",
            opacity(dim),
            xml(&node.name),
            node.id
        );
        if node.highlighted {
            let (o, o2) = (OUTLINE - 1.5, 2.0 * OUTLINE - 3.0);
            let outline = Rect { x: r.x - o, y: r.y - o, w: r.w + o2, h: r.h + o2 };
            rounded(out, &outline, 11.0, "none", HIGHLIGHT, 3.0, false);
        }
        let style = box_style(node.layer, node.deprecated);
        rounded(out, r, 8.0, style.fill, style.stroke, style.width, style.dashed);
        let cx = r.x + r.w / 2.0;
        let name_font = if node.deprecated { DEPRECATED_NAME_FONT } else { NAME_FONT };
        let [name, detail, caps] = node.lines();
        text(out, cx, r.y + 20.0, name_font, name);
        text(out, cx, r.y + 37.0, DETAIL_FONT, detail);
        text(out, cx, r.y + 53.0, DETAIL_FONT, caps);
        out.push_str("</g>\n");
    }
}

fn opacity(dim: bool) -> &'static str {
    if dim { " opacity=\"0.5\"" } else { "" }
}

fn rounded(out: &mut String, r: &Rect, rx: f64, fill: &str, stroke: &str, width: f64, dashed: bool) {
    let dash = if dashed { " stroke-dasharray=\"6 4\"" } else { "" };
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" \
         stroke-width=\"{}\"{dash}/>",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h),
        num(rx),
        num(width)
    );
}

/// How a line of text is drawn.
#[derive(Clone, Copy)]
struct Font {
    size: f64,
    bold: bool,
    fill: &'static str,
    anchor: &'static str,
}

impl Font {
    const fn new(size: f64, fill: &'static str, anchor: &'static str) -> Self {
        Self { size, bold: false, fill, anchor }
    }

    const fn bold(self) -> Self {
        Self { bold: true, ..self }
    }
}

const TITLE_FONT: Font = Font::new(16.0, TEXT_COLOUR, "start").bold();
const NAME_FONT: Font = Font::new(NAME_SIZE, TEXT_COLOUR, "middle").bold();
const DEPRECATED_NAME_FONT: Font = Font::new(NAME_SIZE, MUTED_COLOUR, "middle").bold();
const DETAIL_FONT: Font = Font::new(DETAIL_SIZE, MUTED_COLOUR, "middle");
const LABEL_FONT: Font = Font::new(LABEL_SIZE, "#334155", "middle");
const LEGEND_FONT: Font = Font::new(DETAIL_SIZE, TEXT_COLOUR, "start");
const NOTE_FONT: Font = Font::new(DETAIL_SIZE, MUTED_COLOUR, "start");

fn text(out: &mut String, x: f64, y: f64, font: Font, content: &str) {
    let weight = if font.bold { " font-weight=\"bold\"" } else { "" };
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{weight} fill=\"{}\" text-anchor=\"{}\">{}</text>",
        num(x),
        num(y),
        num(font.size),
        font.fill,
        font.anchor,
        xml(content)
    );
}

/// A legend entry: what its swatch looks like and what it means.
enum Swatch {
    Node { layer: Option<Layer>, deprecated: bool },
    Highlight,
    Edge,
}

fn legend_items(scene: &Scene) -> Vec<(Swatch, &'static str)> {
    let mut items = vec![
        (Swatch::Node { layer: Some(Layer::Sediment), deprecated: false }, "sediment"),
        (Swatch::Node { layer: Some(Layer::Bedrock), deprecated: false }, "bedrock (locked)"),
        (Swatch::Node { layer: Some(Layer::Sediment), deprecated: true }, "deprecated"),
    ];
    if scene.nodes.iter().any(|n| n.layer.is_none()) {
        items.push((Swatch::Node { layer: None, deprecated: false }, "status not given"));
    }
    if scene.emphasis {
        items.push((Swatch::Highlight, "highlighted"));
    }
    items.push((Swatch::Edge, "output → input: type"));
    items
}

const SWATCH_WIDTH: f64 = 28.0;
const ITEM_GAP: f64 = 20.0;

fn legend_width(items: &[(Swatch, &str)]) -> f64 {
    items.iter().map(|(_, label)| SWATCH_WIDTH + 6.0 + text_width(label, DETAIL_SIZE) + ITEM_GAP).sum()
}

fn draw_legend(out: &mut String, items: &[(Swatch, &str)], x0: f64, y: f64) {
    out.push_str("<g class=\"legend\">\n");
    let mut x = x0;
    for (swatch, label) in items {
        let r = Rect { x, y: y + 2.0, w: SWATCH_WIDTH, h: LEGEND_HEIGHT - 4.0 };
        match swatch {
            Swatch::Node { layer, deprecated } => {
                let s = box_style(*layer, *deprecated);
                rounded(out, &r, 4.0, s.fill, s.stroke, s.width, s.dashed);
            }
            Swatch::Highlight => rounded(out, &r, 4.0, "#ffffff", HIGHLIGHT, 3.0, false),
            Swatch::Edge => {
                let (y_mid, x_end) = (num(y + LEGEND_HEIGHT / 2.0), num(x + SWATCH_WIDTH));
                let _ = writeln!(
                    out,
                    "<path d=\"M{},{y_mid} L{x_end},{y_mid}\" stroke=\"{EDGE_COLOUR}\" stroke-width=\"1.4\" \
                     marker-end=\"url(#arrow)\"/>",
                    num(x)
                );
            }
        }
        let tx = x + SWATCH_WIDTH + 6.0;
        text(out, tx, y + LEGEND_HEIGHT / 2.0 + 4.0, LEGEND_FONT, label);
        x = tx + text_width(label, DETAIL_SIZE) + ITEM_GAP;
    }
    out.push_str("</g>\n");
}

/// A coordinate with at most one decimal, no `-0`, no exponent.
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if !r.is_finite() || r == 0.0 {
        "0".to_owned()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}
