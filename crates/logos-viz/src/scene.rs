//! The format-neutral picture: which nodes and edges are drawn, with what
//! (already cleaned) text and emphasis. Every renderer starts from a
//! [`Scene`], so the formats cannot disagree about what they show.

use std::collections::BTreeMap;

use logos_core::{Graph, NodeId};

use crate::annotations::{Annotations, Focus, Layer};
use crate::text::{MAX_NAME, MAX_TYPE, clean};

/// Nodes in id order, edges in canonical order.
pub(crate) struct Scene {
    pub(crate) title: Option<String>,
    pub(crate) nodes: Vec<SceneNode>,
    pub(crate) edges: Vec<SceneEdge>,
    /// Whether highlighted items are drawn differently from the rest.
    pub(crate) emphasis: bool,
    /// Indices into `nodes`, every node after all nodes feeding it.
    pub(crate) topo: Vec<usize>,
}

pub(crate) struct SceneNode {
    pub(crate) id: NodeId,
    /// Cleaned node name.
    pub(crate) name: String,
    /// Short id, then the layer and deprecation if known.
    pub(crate) detail: String,
    /// Requested capabilities, then the granted ones if known.
    pub(crate) caps: String,
    /// `None` when the caller gave no status for the node.
    pub(crate) layer: Option<Layer>,
    pub(crate) deprecated: bool,
    pub(crate) highlighted: bool,
}

impl SceneNode {
    /// The label lines, name first.
    pub(crate) fn lines(&self) -> [&str; 3] {
        [&self.name, &self.detail, &self.caps]
    }
}

pub(crate) struct SceneEdge {
    /// Index into `Scene::nodes`.
    pub(crate) from: usize,
    /// Index into `Scene::nodes`.
    pub(crate) to: usize,
    /// `out → in: type`, cleaned.
    pub(crate) label: String,
    pub(crate) highlighted: bool,
}

impl Scene {
    pub(crate) fn new(graph: &Graph, notes: &Annotations) -> Self {
        let only = notes.focus == Focus::Only;
        let emphasis = !only && graph.nodes().any(|(id, _)| notes.highlight.contains(id));
        let kept = |id: &NodeId| !only || notes.highlight.contains(id);
        let nodes: Vec<SceneNode> = graph
            .nodes()
            .filter(|(id, _)| kept(id))
            .map(|(id, manifest)| {
                let style = notes.styles.get(id);
                let mut detail = id.short();
                let mut caps = format!("asks: {}", manifest.capabilities);
                if let Some(style) = style {
                    detail = format!("{detail} · {}", style.layer);
                    if style.deprecated {
                        detail.push_str(" · deprecated");
                    }
                    caps = format!("{caps} · granted: {}", style.grants);
                }
                SceneNode {
                    id: *id,
                    name: clean(&manifest.name, MAX_NAME),
                    detail,
                    caps,
                    layer: style.map(|s| s.layer),
                    deprecated: style.is_some_and(|s| s.deprecated),
                    highlighted: emphasis && notes.highlight.contains(id),
                }
            })
            .collect();
        let index: BTreeMap<NodeId, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
        let edges = graph
            .edges()
            .filter_map(|e| {
                let (from, to) = (*index.get(&e.from.node)?, *index.get(&e.to.node)?);
                let ty = graph.node(&e.from.node).and_then(|m| m.output(&e.from.port));
                let ty = ty.map_or_else(|| "?".to_owned(), |t| clean(&t.to_string(), MAX_TYPE));
                let label =
                    format!("{} → {}: {ty}", clean(&e.from.port, MAX_NAME), clean(&e.to.port, MAX_NAME));
                let highlighted = nodes[from].highlighted && nodes[to].highlighted;
                Some(SceneEdge { from, to, label, highlighted })
            })
            .collect();
        let topo = graph.topological_order().iter().filter_map(|id| index.get(id).copied()).collect();
        let title = notes.title.as_deref().map(|t| clean(t, MAX_NAME * 2));
        Self { title, nodes, edges, emphasis, topo }
    }
}
