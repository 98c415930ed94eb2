//! Resource limits: what one node execution may consume, and the wasmtime
//! resource limiter that enforces the memory and table bounds.
//!
//! The runtime's limits are ceilings: a node's own limits (for example the
//! supervisor's lower limits for sediment nodes) can only lower them, field
//! by field, never raise them.

use std::fmt;
use std::time::Duration;

/// Bounds on one node execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (wasmtime's deterministic instruction budget).
    pub fuel: u64,
    /// Largest linear memory, in bytes.
    pub memory_bytes: u64,
    /// Largest output buffer (status byte included), in bytes.
    pub output_bytes: u32,
    /// Wall-clock budget, enforced by epoch interruption with a resolution of
    /// a few milliseconds. Unlike fuel it is not deterministic: it is the
    /// backstop for a node blocked in a slow host call, not a metering tool.
    pub wall_clock: Duration,
    /// Most bytes kept from stdout, from stderr, and from `logos.log` lines
    /// (each). Beyond it output is dropped and marked truncated; the guest
    /// is not told.
    pub capture_bytes: u32,
    /// Most bytes of granted nondeterminism (clock readings, random bytes,
    /// kv reads) one execution may record for replay.
    pub tape_bytes: u32,
}

impl Limits {
    /// Generous defaults for trusted, small nodes: 100 M fuel, 64 MiB of
    /// memory, 1 MiB of output, 1 s of wall clock, 64 KiB per captured stream
    /// and 1 MiB of recorded nondeterminism.
    pub const DEFAULT: Limits = Limits {
        fuel: 100_000_000,
        memory_bytes: 64 << 20,
        output_bytes: 1 << 20,
        wall_clock: Duration::from_secs(1),
        capture_bytes: 64 << 10,
        tape_bytes: 1 << 20,
    };

    /// Field-wise minimum: `self` lowered by `other`.
    pub fn min(self, other: Limits) -> Limits {
        Limits {
            fuel: self.fuel.min(other.fuel),
            memory_bytes: self.memory_bytes.min(other.memory_bytes),
            output_bytes: self.output_bytes.min(other.output_bytes),
            wall_clock: self.wall_clock.min(other.wall_clock),
            capture_bytes: self.capture_bytes.min(other.capture_bytes),
            tape_bytes: self.tape_bytes.min(other.tape_bytes),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Most elements one table may hold (function tables of ordinary Rust
/// nodes hold a few hundred).
pub(crate) const MAX_TABLE_ELEMENTS: usize = 10_000;

/// Which limit an execution hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// The node's fuel limit.
    Fuel {
        /// The limit, in fuel units.
        limit: u64,
    },
    /// The flow's total fuel budget ran out during this node.
    FlowFuel {
        /// The budget, in fuel units.
        limit: u64,
    },
    /// The node tried to grow its memory beyond the limit.
    Memory {
        /// The limit, in bytes.
        limit: u64,
        /// The size it asked for, in bytes.
        requested: u64,
    },
    /// A table would grow beyond the element limit.
    Table {
        /// The limit, in elements.
        limit: u64,
    },
    /// The output buffer is larger than allowed.
    Output {
        /// The limit, in bytes.
        limit: u32,
        /// The length the node returned.
        len: u32,
    },
    /// The node ran longer than its wall-clock budget.
    WallClock {
        /// The budget.
        limit: Duration,
    },
    /// The flow's wall-clock deadline passed during this node.
    FlowWallClock {
        /// The deadline, from the start of the flow.
        limit: Duration,
    },
    /// The node recorded more granted nondeterminism than allowed.
    Tape {
        /// The limit, in bytes.
        limit: u32,
    },
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fuel { limit } => {
                write!(f, "fuel limit of {limit} (raise Limits::fuel or make the node do less work)")
            }
            Self::FlowFuel { limit } => {
                write!(f, "share of the flow's fuel budget of {limit} (raise RunOptions::fuel)")
            }
            Self::Memory { limit, requested } => {
                write!(
                    f,
                    "memory limit of {limit} bytes (it asked for {requested}; raise Limits::memory_bytes)"
                )
            }
            Self::Table { limit } => write!(f, "table limit of {limit} elements"),
            Self::Output { limit, len } => {
                write!(f, "output limit of {limit} bytes (it returned {len}; raise Limits::output_bytes)")
            }
            Self::WallClock { limit } => {
                write!(f, "wall-clock limit of {limit:?} (raise Limits::wall_clock)")
            }
            Self::FlowWallClock { limit } => write!(f, "share of the flow's deadline of {limit:?}"),
            Self::Tape { limit } => {
                write!(
                    f,
                    "limit of {limit} bytes of recorded clock, random and kv values (raise Limits::tape_bytes)"
                )
            }
        }
    }
}

/// Raised (as a trap) when a memory or table would grow past its limit, so
/// that the breach is an error naming the limit rather than a `-1` the guest
/// might misreport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct LimitHit(pub LimitKind);

/// The per-store resource limiter.
#[derive(Debug)]
pub(crate) struct Limiter {
    pub memory_bytes: u64,
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let requested = desired as u64;
        if requested > self.memory_bytes {
            return Err(wasmtime::Error::new(LimitHit(LimitKind::Memory {
                limit: self.memory_bytes,
                requested,
            })));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            return Err(wasmtime::Error::new(LimitHit(LimitKind::Table {
                limit: MAX_TABLE_ELEMENTS as u64,
            })));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        4
    }

    fn memories(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_limits_only_lower_the_ceiling() {
        let node = Limits { fuel: 10, memory_bytes: u64::MAX, ..Limits::DEFAULT };
        let eff = Limits::DEFAULT.min(node);
        assert_eq!(eff.fuel, 10);
        assert_eq!(eff.memory_bytes, Limits::DEFAULT.memory_bytes);
    }
}
