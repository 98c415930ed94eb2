//! logos-viz behaviour, one test binary.

mod dot;
mod escaping;
mod fixtures;
mod mermaid;
mod svg;
mod timeline;
mod xml;
