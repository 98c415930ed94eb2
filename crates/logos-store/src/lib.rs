//! LOGOS storage on redb: the content-addressed node registry, the typed
//! edges and the ledger, in one file.
//!
//! [`RedbStore`] implements [`logos_core::GraphStore`]. The ledger is the
//! source of truth; the node and edge tables are indexes written in the same
//! redb write transaction (immediate durability) as the ledger entry that
//! justifies them, so a change happens with its event or not at all. No API
//! updates or deletes a ledger entry. Opening a store checks its format and
//! chain head; [`RedbStore::verify`] re-checks everything, including that the
//! graph rebuilt from events equals the indexes.
//!
//! It is not the ledger format (that is `logos-ledger`, which needs no
//! database) and it does not execute anything.
//!
//! ```
//! use logos_core::{Actor, GraphStore, NodeManifest, Port, PortType, Stamp};
//! use logos_ledger::Keyring;
//! use logos_store::RedbStore;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("logos.redb");
//! let host = Stamp::new(Actor::Host, 1_700_000_000_000);
//! let store = RedbStore::create(&path, "example.org/logos", Keyring::empty(), &host)?;
//!
//! let manifest = NodeManifest {
//!     name: "limit".into(),
//!     inputs: vec![Port::new("amount", PortType::U64)],
//!     outputs: vec![Port::new("ok", PortType::Bool)],
//!     capabilities: Default::default(),
//! };
//! let wasm = b"\0asm\x01\0\0\0";
//! let added = store.add_node(&host, wasm, &manifest)?;
//! assert_eq!(added.seq, Some(1));
//! // Identical wasm is the same node: no second event.
//! assert_eq!(store.add_node(&host, wasm, &manifest)?.seq, None);
//! drop(store);
//!
//! let store = RedbStore::open(&path)?;
//! assert_eq!(store.verify()?.entries, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "fault-injection")]
pub mod backend;
mod error;
mod governance;
mod index;
mod store;
mod tables;
mod tree;
mod verify;

pub use error::StoreError;
pub use store::{ExecutionSummary, RedbStore, check_origin};
pub use verify::VerifyReport;
