//! The LOGOS model: pure data and rules, no I/O.
//!
//! This crate owns what every other LOGOS crate agrees on:
//!
//! - [`NodeId`]: a node is named by the SHA-256 of its wasm bytes;
//! - [`PortType`]: the port type language (`bool`, integers, `f64`, `string`,
//!   `bytes`, `list<T>`, `option<T>`, `record{..}`, `enum{..}`) with a canonical
//!   text syntax, and [`Value`], its values, with a postcard codec that decodes
//!   bytes only against a declared type and within [`DecodeLimits`];
//! - [`NodeManifest`] and [`Capability`]: what a node declares and may ask for;
//! - [`Edge`] and [`Graph`]: typed edges and the contract checker (exact type
//!   equality, one feeder per input, no cycles);
//! - [`GraphStore`]: the contract a storage backend fulfils.
//!
//! It is not a store, a ledger, a compiler or a runtime: it reads no files,
//! no clock and no network, and has no unsafe code.
//!
//! ```
//! use logos_core::{Edge, Graph, NodeId, NodeManifest, Port, PortRef, PortType, Value};
//!
//! let amount: PortType = "record{cents: u64, currency: string}".parse()?;
//! let producer = NodeManifest {
//!     name: "parse".into(),
//!     inputs: vec![],
//!     outputs: vec![Port::new("amount", amount.clone())],
//!     capabilities: Default::default(),
//! };
//! let consumer = NodeManifest {
//!     name: "limit".into(),
//!     inputs: vec![Port::new("amount", amount.clone())],
//!     outputs: vec![Port::new("ok", PortType::Bool)],
//!     capabilities: Default::default(),
//! };
//! let (p, c) = (NodeId::of_wasm(b"parse wasm"), NodeId::of_wasm(b"limit wasm"));
//! let mut graph = Graph::new();
//! graph.add_node(p, producer);
//! graph.add_node(c, consumer);
//! graph.add_edge(Edge::new(PortRef::new(p, "amount"), PortRef::new(c, "amount")))?;
//!
//! // A u64 is never silently a u32: this edge is refused, naming both types.
//! let bad = Edge::new(PortRef::new(c, "ok"), PortRef::new(p, "amount"));
//! assert!(graph.add_edge(bad).is_err());
//!
//! // Values travel as postcard bytes and are decoded against the declared type.
//! let v = Value::from_json(&serde_json::json!({"cents": 1250, "currency": "EUR"}), &amount)?;
//! let bytes = v.encode(&amount)?;
//! assert_eq!(Value::decode(&bytes, &amount)?, v);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod actor;
mod flow;
mod graph;
mod id;
mod manifest;
mod store;
mod types;
mod value;

pub use actor::{Actor, MAX_AGENT_NAME, ParseActorError};
pub use flow::{Flow, FlowDefError, FlowKind, MAX_FLOW_NAME, valid_flow_name};
pub use graph::{ContractError, Edge, Graph, PortRef};
pub use id::{NodeId, ParseNodeIdError};
pub use manifest::{
    Capability, CapabilitySet, MAX_NODE_NAME, MAX_PORTS, ManifestError, NodeManifest, Port, UnknownCapability,
};
pub use store::{GraphStore, LedgerHead, NodeAdded, Stamp};
pub use types::{
    Field, MAX_MEMBERS, MAX_NAME_LEN, MAX_TYPE_DEPTH, MAX_TYPE_TEXT, ParseTypeError, PortType, TypeError,
    check_name,
};
pub use value::{DecodeLimits, JsonError, Value, ValueError, ValuePath};
