//! What the caller knows about nodes that a [`Graph`](logos_core::Graph)
//! does not: each node's layer, deprecation and grants (kept by the ledger),
//! a title, and which nodes to emphasise.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use logos_core::{CapabilitySet, NodeId};

/// The layer a node lives in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Freely replaceable: where every node starts.
    #[default]
    Sediment,
    /// Promoted under a quorum token and locked: changed only by migration.
    Bedrock,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sediment => "sediment",
            Self::Bedrock => "bedrock (locked)",
        })
    }
}

/// One node's status, as the ledger knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeStyle {
    /// Sediment or bedrock.
    pub layer: Layer,
    /// Deprecated nodes stay in the graph but are drawn dashed.
    pub deprecated: bool,
    /// Capabilities actually granted (the manifest only says what it asks for).
    pub grants: CapabilitySet,
}

/// What the renderers do with [`Annotations::highlight`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Focus {
    /// Draw every node; outline the highlighted ones and the edges between
    /// them (in SVG, the rest is dimmed). No effect if nothing is highlighted.
    #[default]
    Emphasise,
    /// Draw only the highlighted nodes and the edges between them (an empty
    /// highlight set draws an empty graph).
    Only,
}

/// Everything a picture shows beyond the graph itself. The default shows the
/// bare graph: no title, no layer line, nothing highlighted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotations {
    /// Per-node status. A node without an entry is drawn without a layer or
    /// grants line (unknown is not the same as sediment).
    pub styles: BTreeMap<NodeId, NodeStyle>,
    /// A title drawn above the graph.
    pub title: Option<String>,
    /// Nodes to emphasise or keep, for example the nodes of one flow. Ids that
    /// are not in the graph are ignored.
    pub highlight: BTreeSet<NodeId>,
    /// What to do with `highlight`.
    pub focus: Focus,
}
