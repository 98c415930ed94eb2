//! The LOGOS ledger format, independent of any database.
//!
//! - [`Event`]: every architecture change (node created, edge added/removed,
//!   capability granted, promoted, deprecated, migrated, keyring/policy
//!   changed, execution recorded);
//! - [`Entry`]: seq, previous entry hash, actor, host timestamp, event and
//!   the token that authorised it (if governed), with a canonical postcard encoding and a SHA-256
//!   entry hash;
//! - [`ChainVerifier`] / [`verify_chain`]: checks any sequence of encoded
//!   entries and names the first bad seq and why;
//! - [`LedgerState`]: the architecture as a fold over entries (event
//!   sourcing), including the rule that governed changes carry a quorum token;
//! - [`merkle`]: the RFC 6962 tree, inclusion and consistency proofs;
//! - [`checkpoint`]: signed checkpoints in the C2SP signed-note format;
//! - [`token`]: N-of-M migration tokens;
//! - [`Auditor`]: all of the above over a stream of entries, with no database.
//!
//! It is not storage: it never opens a file or a database. `logos-store`
//! persists entries; auditors can verify an exported ledger with this crate alone.
//!
//! ```
//! use logos_core::Actor;
//! use logos_ledger::{Entry, Event, Keyring, verify_chain};
//!
//! let genesis = Entry {
//!     seq: 0,
//!     prev: [0; 32],
//!     actor: Actor::Host,
//!     timestamp_ms: 1_700_000_000_000,
//!     event: Event::Genesis { origin: "example.org/logos".into(), keyring: Keyring::empty() },
//!     authorization: None,
//! };
//! let policy = Entry {
//!     seq: 1,
//!     prev: genesis.hash(),
//!     actor: Actor::Host,
//!     timestamp_ms: 1_700_000_000_001,
//!     event: Event::PolicyChanged { policy: vec![] },
//!     authorization: None,
//! };
//! let (size, head) = verify_chain([genesis.encode(), policy.encode()])?;
//! assert_eq!((size, head), (2, policy.hash()));
//!
//! // Any flipped byte is caught, and the error names the entry.
//! let mut tampered = policy.encode();
//! tampered[1] ^= 1;
//! let err = verify_chain([genesis.encode(), tampered]).unwrap_err();
//! assert_eq!(err.seq, 1);
//! # Ok::<(), logos_ledger::ChainError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod audit;
mod bundle;
mod chain;
pub mod checkpoint;
mod entry;
mod event;
pub mod merkle;
pub mod policy;
mod state;
pub mod token;

pub use audit::{AuditError, Auditor};
pub use bundle::{BUNDLE_FORMAT, Bundle, BundleError, BundleReport, MAX_BUNDLE_BYTES, verify_bundle};
pub use chain::{ChainError, ChainFault, ChainVerifier, verify_chain};
pub use ed25519_dalek;
pub use entry::{Authorization, DecodeError, Entry, EntrySignature, Hash, MAX_ENTRY_BYTES, hash_encoded};
pub use event::{Event, Keyring};
pub use policy::Policy;
pub use state::{
    DefinedFlow, LedgerState, NodeStatus, Proposal, ProposalState, StateError, governed_event,
    required_operation,
};
