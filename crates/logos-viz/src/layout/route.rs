//! Coordinates from a placed layering: column x positions, node boxes,
//! edge polylines and label boxes.

use super::{COLUMN_GAP, EdgeIn, GAP_PER_RISE, Layers, Layout, MAX_COLUMN_GAP, Rect, Route, Size};

/// Left edge and width of every column. A gap widens with the steepest
/// edge crossing it, so curves between far-apart rows stay readable.
pub(super) fn column_x(layers: &Layers, ys: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let widths: Vec<f64> = layers
        .columns
        .iter()
        .map(|c| c.iter().map(|&v| layers.vertices[v].size.w).fold(0.0, f64::max))
        .collect();
    let mut xs = Vec::with_capacity(widths.len());
    let mut x = 0.0;
    for (column, w) in layers.columns.iter().zip(&widths) {
        xs.push(x);
        let rise = column
            .iter()
            .flat_map(|&u| layers.succs[u].iter().map(move |&v| (ys[u] - ys[v]).abs()))
            .fold(0.0, f64::max);
        x += w + (rise * GAP_PER_RISE).clamp(COLUMN_GAP, MAX_COLUMN_GAP);
    }
    (xs, widths)
}

/// Boxes for the nodes, and for each edge a polyline from its source's
/// right side through its virtual vertices to its target's left side.
pub(super) fn route(layers: &Layers, edges: &[EdgeIn], xs: &[f64], widths: &[f64], ys: &[f64]) -> Layout {
    let boxed = |v: usize| {
        let vx = &layers.vertices[v];
        let (x, w) = (xs[vx.col] + (widths[vx.col] - vx.size.w) / 2.0, vx.size.w);
        Rect { x, y: ys[v] - vx.size.h / 2.0, w, h: vx.size.h }
    };
    let nodes: Vec<Rect> = (0..layers.node_count).map(boxed).collect();
    let (outs, ins) = attachments(layers, edges, &nodes, ys);
    let routes = edges
        .iter()
        .zip(&layers.chains)
        .enumerate()
        .map(|(i, (e, chain))| {
            let mut points = vec![(nodes[e.from].x + nodes[e.from].w, outs[i])];
            for &v in chain {
                let c = layers.vertices[v].col;
                points.push((xs[c], ys[v]));
                points.push((xs[c] + widths[c], ys[v]));
            }
            points.push((nodes[e.to].x, ins[i]));
            let label = chain.first().map_or_else(|| fallback_label(&points, e.label), |&v| boxed(v));
            Route { points, label }
        })
        .collect();
    let width = xs.last().zip(widths.last()).map_or(0.0, |(x, w)| x + w);
    let height = layers.vertices.iter().zip(ys).map(|(v, y)| y + v.size.h / 2.0).fold(0.0, f64::max);
    Layout { nodes, routes, width, height }
}

/// Where each edge leaves its source and enters its target: a node's edges
/// are spread along its side, ordered by where they come from or go to, so
/// they neither overlap nor cross at the box.
fn attachments(layers: &Layers, edges: &[EdgeIn], nodes: &[Rect], ys: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let next_y = |i: usize, e: &EdgeIn| layers.chains[i].first().map_or(ys[e.to], |&v| ys[v]);
    let prev_y = |i: usize, e: &EdgeIn| layers.chains[i].last().map_or(ys[e.from], |&v| ys[v]);
    let outs = spread(edges, nodes, |e| e.from, next_y);
    let ins = spread(edges, nodes, |e| e.to, prev_y);
    (outs, ins)
}

fn spread(
    edges: &[EdgeIn],
    nodes: &[Rect],
    end: impl Fn(&EdgeIn) -> usize,
    other_y: impl Fn(usize, &EdgeIn) -> f64,
) -> Vec<f64> {
    let mut per_node: Vec<Vec<(f64, usize)>> = vec![Vec::new(); nodes.len()];
    for (i, e) in edges.iter().enumerate() {
        if let Some(list) = per_node.get_mut(end(e)) {
            list.push((other_y(i, e), i));
        }
    }
    let mut at = vec![0.0; edges.len()];
    for (rect, mut mine) in nodes.iter().zip(per_node) {
        mine.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let k = mine.len() as f64;
        for (slot, (_, i)) in mine.iter().enumerate() {
            at[*i] = rect.y + rect.h * (slot as f64 + 1.0) / (k + 1.0);
        }
    }
    at
}

/// Label box for an edge with no label vertex: centred on its straight line.
fn fallback_label(points: &[(f64, f64)], size: Size) -> Rect {
    let (a, b) = (points.first().copied().unwrap_or_default(), points.last().copied().unwrap_or_default());
    let (cx, cy) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    Rect { x: cx - size.w / 2.0, y: cy - size.h / 2.0, w: size.w, h: size.h }
}
