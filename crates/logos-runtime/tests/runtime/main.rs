//! logos-runtime behaviour, one test binary (wasmtime links once).

mod cache;
mod caps;
mod exec;
mod flow;
mod record;
mod soak;
mod supervisor;
mod support;
