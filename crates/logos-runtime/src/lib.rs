//! The crate a host application links to embed LOGOS.
//!
//! Today it is the facade over the foundation: the contract model
//! (`logos-core`), the ledger format (`logos-ledger`) and the redb store
//! (`logos-store`), re-exported so a host depends on one crate. The wasmtime
//! executor, flows, execution records and the supervisor land here next
//! (see docs/ARCHITECTURE.md).
//!
//! It is not a compiler (that is `logos-compile`) and holds no storage
//! format of its own.
//!
//! ```
//! use logos_runtime::{Actor, GraphStore, Keyring, RedbStore, Stamp};
//!
//! let dir = tempfile::tempdir()?;
//! let host = Stamp::new(Actor::Host, 1_700_000_000_000);
//! let store = RedbStore::create(dir.path().join("logos.redb"), "example.org/logos", Keyring::empty(), &host)?;
//! assert_eq!(store.head()?.size, 1); // the genesis entry
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use logos_core::{
    Actor, Capability, CapabilitySet, ContractError, Edge, Graph, GraphStore, LedgerHead, NodeAdded, NodeId,
    NodeManifest, Port, PortRef, PortType, Stamp, Value, ValueError,
};
pub use logos_ledger::{ChainError, Entry, Event, Keyring};
pub use logos_store::{RedbStore, StoreError, VerifyReport};

/// The lower crates, for hosts that need more than the re-exported names.
pub mod layers {
    pub use logos_core as core;
    pub use logos_ledger as ledger;
    pub use logos_store as store;
}

/// The README's embedding example, compiled and run as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
