//! A layered (Sugiyama-style) left-to-right layout for the SVG renderer.
//!
//! 1. Rank: longest path from the sources, in topological order.
//! 2. Virtual vertices: columns alternate between node ranks and the gaps
//!    between them; every edge gets a label vertex in the gap after its source
//!    and a bend vertex in every column it passes, so labels and long edges
//!    take part in ordering and spacing like nodes do and never overlap them.
//! 3. Order: barycentric sweeps down and up, keeping the order with the fewest
//!    crossings.
//! 4. Place: each column is pulled towards its neighbours' centres with a
//!    least-squares fit that keeps the order and the gaps (pool adjacent
//!    violators), alternating directions.
//!
//! Ties are broken by index and floats are compared with a total order, so
//! equal inputs give equal coordinates.

/// Width and height of something to place.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Size {
    pub(crate) w: f64,
    pub(crate) h: f64,
}

/// A placed box, top-left corner first.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Rect {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) w: f64,
    pub(crate) h: f64,
}

/// An edge's polyline (left to right) and where its label goes.
pub(crate) struct Route {
    pub(crate) points: Vec<(f64, f64)>,
    pub(crate) label: Rect,
}

/// Node boxes (in input order), edge routes (in input order), total size.
pub(crate) struct Layout {
    pub(crate) nodes: Vec<Rect>,
    pub(crate) routes: Vec<Route>,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

/// An edge to lay out: source node, target node, label size.
pub(crate) struct EdgeIn {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) label: Size,
}

const COLUMN_GAP: f64 = 36.0;
const MAX_COLUMN_GAP: f64 = 160.0;
/// Horizontal room per unit of vertical distance an edge covers in a gap.
const GAP_PER_RISE: f64 = 0.5;
const NODE_GAP: f64 = 28.0;
/// Between a node and an edge passing it: room for a highlight outline.
const PASSING_GAP: f64 = 16.0;
const VIRTUAL_GAP: f64 = 10.0;
const BEND_HEIGHT: f64 = 2.0;
const ORDER_ROUNDS: usize = 12;
const PLACE_ROUNDS: usize = 8;

struct Vertex {
    col: usize,
    size: Size,
    real: bool,
}

/// The layered graph: vertices (nodes first, then virtual ones), their
/// neighbours in the previous and next column, and the columns' orders.
struct Layers {
    /// Vertices `0..node_count` are the nodes, in input order.
    node_count: usize,
    vertices: Vec<Vertex>,
    preds: Vec<Vec<usize>>,
    succs: Vec<Vec<usize>>,
    /// Per edge: its virtual vertices, left to right (empty if its ends are
    /// not ranked left to right, which a contract-checked graph rules out).
    chains: Vec<Vec<usize>>,
    columns: Vec<Vec<usize>>,
}

/// Lays out `nodes` (sizes) joined by `edges`, whose ends must be indices
/// into `nodes`; `topo` lists node indices in topological order (invalid
/// entries are skipped, nodes missing from it are ranked after it).
pub(crate) fn layout(nodes: &[Size], edges: &[EdgeIn], topo: &[usize]) -> Layout {
    let order = full_order(nodes.len(), topo);
    let ranks = ranks(nodes.len(), edges, &order);
    let mut layers = Layers::build(nodes, edges, &ranks, &order);
    layers.order();
    let ys = layers.place();
    let (xs, widths) = route::column_x(&layers, &ys);
    route::route(&layers, edges, &xs, &widths, &ys)
}

/// `topo` (valid, first occurrences only) followed by any node it misses.
fn full_order(n: usize, topo: &[usize]) -> Vec<usize> {
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for i in topo.iter().copied().chain(0..n) {
        if let Some(s) = seen.get_mut(i)
            && !*s
        {
            *s = true;
            order.push(i);
        }
    }
    order
}

/// Longest-path rank of each node (sources are 0).
fn ranks(n: usize, edges: &[EdgeIn], order: &[usize]) -> Vec<usize> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in edges.iter().filter(|e| e.from < n && e.to < n) {
        out[e.from].push(e.to);
    }
    let mut rank = vec![0; n];
    for &u in order {
        for &v in &out[u] {
            rank[v] = rank[v].max(rank[u] + 1);
        }
    }
    rank
}

impl Layers {
    fn build(nodes: &[Size], edges: &[EdgeIn], ranks: &[usize], order: &[usize]) -> Self {
        let vertices =
            nodes.iter().zip(ranks).map(|(s, r)| Vertex { col: 2 * r, size: *s, real: true }).collect();
        let mut layers = Self {
            node_count: nodes.len(),
            vertices,
            preds: vec![Vec::new(); nodes.len()],
            succs: vec![Vec::new(); nodes.len()],
            chains: Vec::with_capacity(edges.len()),
            columns: Vec::new(),
        };
        for e in edges {
            let chain = layers.add_chain(e, ranks);
            layers.chains.push(chain);
        }
        let cols = layers.vertices.iter().map(|v| v.col + 1).max().unwrap_or(0);
        layers.columns = vec![Vec::new(); cols];
        let virtuals = nodes.len()..layers.vertices.len();
        for v in order.iter().copied().chain(virtuals) {
            layers.columns[layers.vertices[v].col].push(v);
        }
        layers
    }

    /// Adds the label and bend vertices of edge `e` and links them up.
    fn add_chain(&mut self, e: &EdgeIn, ranks: &[usize]) -> Vec<usize> {
        let (Some(&rf), Some(&rt)) = (ranks.get(e.from), ranks.get(e.to)) else { return Vec::new() };
        if rt <= rf {
            return Vec::new();
        }
        let mut chain = Vec::new();
        let mut prev = e.from;
        for col in 2 * rf + 1..2 * rt {
            let size = if chain.is_empty() { e.label } else { Size { w: 0.0, h: BEND_HEIGHT } };
            let v = self.vertices.len();
            self.vertices.push(Vertex { col, size, real: false });
            self.preds.push(vec![prev]);
            self.succs.push(Vec::new());
            self.succs[prev].push(v);
            chain.push(v);
            prev = v;
        }
        self.succs[prev].push(e.to);
        self.preds[e.to].push(prev);
        chain
    }

    /// Barycentric sweeps; keeps the best order seen.
    fn order(&mut self) {
        let mut pos = self.positions();
        self.sweep(&mut pos, true);
        let mut best = (self.crossings(&pos), self.columns.clone());
        for _ in 0..ORDER_ROUNDS {
            self.sweep(&mut pos, false);
            self.sweep(&mut pos, true);
            let crossings = self.crossings(&pos);
            if crossings < best.0 {
                best = (crossings, self.columns.clone());
            }
        }
        self.columns = best.1;
    }

    fn positions(&self) -> Vec<usize> {
        let mut pos = vec![0; self.vertices.len()];
        for column in &self.columns {
            for (i, &v) in column.iter().enumerate() {
                pos[v] = i;
            }
        }
        pos
    }

    /// Reorders each column by the mean position of its neighbours in the
    /// column before (`down`) or after it.
    fn sweep(&mut self, pos: &mut [usize], down: bool) {
        let n = self.columns.len();
        let cols: Vec<usize> = if down { (1..n).collect() } else { (0..n.saturating_sub(1)).rev().collect() };
        let neighbours = if down { &self.preds } else { &self.succs };
        for c in cols {
            let mut keyed: Vec<(f64, usize, usize)> = self.columns[c]
                .iter()
                .map(|&v| {
                    let own = pos[v] as f64;
                    (mean(neighbours[v].iter().map(|&u| pos[u] as f64)).unwrap_or(own), pos[v], v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            self.columns[c] = keyed.into_iter().map(|(_, _, v)| v).collect();
            for (i, &v) in self.columns[c].iter().enumerate() {
                pos[v] = i;
            }
        }
    }

    /// Edge crossings between neighbouring columns.
    fn crossings(&self, pos: &[usize]) -> usize {
        let mut total = 0;
        for column in &self.columns {
            let mut pairs: Vec<(usize, usize)> =
                column.iter().flat_map(|&u| self.succs[u].iter().map(move |&v| (pos[u], pos[v]))).collect();
            pairs.sort_unstable();
            for (i, a) in pairs.iter().enumerate() {
                total += pairs[i + 1..].iter().filter(|b| b.0 > a.0 && b.1 < a.1).count();
            }
        }
        total
    }

    /// Vertical centre of every vertex, the topmost box touching y = 0.
    fn place(&self) -> Vec<f64> {
        let mut ys = vec![0.0; self.vertices.len()];
        for column in &self.columns {
            let stacked = vec![0.0; column.len()];
            self.fit(column, &stacked, &mut ys);
        }
        for round in 0..PLACE_ROUNDS {
            let down = round % 2 == 0;
            let cols: Vec<usize> = if down {
                (0..self.columns.len()).collect()
            } else {
                (0..self.columns.len()).rev().collect()
            };
            for c in cols {
                let neighbours = if down { &self.preds } else { &self.succs };
                let column = &self.columns[c];
                let wanted: Vec<f64> = column
                    .iter()
                    .map(|&v| mean(neighbours[v].iter().map(|&u| ys[u])).unwrap_or(ys[v]))
                    .collect();
                self.fit(column, &wanted, &mut ys);
            }
        }
        let top =
            self.vertices.iter().zip(&ys).map(|(v, y)| y - v.size.h / 2.0).fold(f64::INFINITY, f64::min);
        let top = if top.is_finite() { top } else { 0.0 };
        ys.iter().map(|y| y - top).collect()
    }

    /// Puts `column`'s centres as close to `wanted` as the order and the gaps
    /// allow (least squares, by pool adjacent violators).
    fn fit(&self, column: &[usize], wanted: &[f64], ys: &mut [f64]) {
        let mut offsets = Vec::with_capacity(column.len());
        let mut offset = 0.0;
        for (i, &v) in column.iter().enumerate() {
            if i > 0 {
                offset += self.separation(column[i - 1], v);
            }
            offsets.push(offset);
        }
        // Blocks of (sum of targets, count); targets are shifted so the
        // constraint becomes "non-decreasing".
        let mut blocks: Vec<(f64, usize)> = Vec::new();
        for (w, o) in wanted.iter().zip(&offsets) {
            blocks.push((w - o, 1));
            while blocks.len() > 1 {
                let (s2, n2) = blocks[blocks.len() - 1];
                let (s1, n1) = blocks[blocks.len() - 2];
                if s1 / n1 as f64 <= s2 / n2 as f64 {
                    break;
                }
                blocks.pop();
                let last = blocks.len() - 1;
                blocks[last] = (s1 + s2, n1 + n2);
            }
        }
        let mut i = 0;
        for (sum, count) in blocks {
            for _ in 0..count {
                ys[column[i]] = sum / count as f64 + offsets[i];
                i += 1;
            }
        }
    }

    /// Least distance between the centres of two neighbours in a column.
    fn separation(&self, a: usize, b: usize) -> f64 {
        let (va, vb) = (&self.vertices[a], &self.vertices[b]);
        let gap = match (va.real, vb.real) {
            (true, true) => NODE_GAP,
            (false, false) => VIRTUAL_GAP,
            _ => PASSING_GAP,
        };
        (va.size.h + vb.size.h) / 2.0 + gap
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

mod route;
#[cfg(test)]
mod tests;
