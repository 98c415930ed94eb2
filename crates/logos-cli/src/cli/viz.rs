//! The grammar of `logos viz`: pictures of the graph and of the ledger.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// How many ledger entries `--format timeline` draws without `--last`.
pub const DEFAULT_LAST: u64 = 50;

/// What `logos viz` draws, and as what.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VizFormat {
    /// The graph as a Mermaid flowchart (renders on GitHub).
    Mermaid,
    /// The graph as a Graphviz digraph (`dot -Tpng`).
    Dot,
    /// The graph as a standalone SVG document.
    Svg,
    /// The last ledger entries as a Mermaid flowchart.
    Timeline,
}

impl VizFormat {
    /// The format's name, as `--format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mermaid => "mermaid",
            Self::Dot => "dot",
            Self::Svg => "svg",
            Self::Timeline => "timeline",
        }
    }
}

/// `logos viz --format FORMAT [--flow NAME [--only]] [--last N] [--out FILE]`
#[derive(Debug, Args)]
pub struct VizArgs {
    /// What to draw: the graph (mermaid, dot, svg) or the ledger (timeline).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: VizFormat,
    /// Outline the nodes flow NAME runs (`logos flow list` shows the flows).
    #[arg(long, value_name = "NAME")]
    pub flow: Option<String>,
    /// Draw only the nodes of --flow and the edges between them.
    #[arg(long, requires = "flow")]
    pub only: bool,
    /// How many of the last ledger entries the timeline draws [default: 50].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub last: Option<u64>,
    /// Write the picture to FILE (replacing a file, never a directory) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl VizArgs {
    /// Flags that parse but do not fit the format: the graph's and the
    /// ledger's options do not mix.
    pub fn conflict(&self) -> Option<&'static str> {
        match self.format {
            VizFormat::Timeline if self.flow.is_some() => {
                Some("--flow picks nodes of the graph, but --format timeline draws the ledger; drop --flow")
            }
            VizFormat::Mermaid | VizFormat::Dot | VizFormat::Svg if self.last.is_some() => {
                Some("--last counts ledger entries; use it with --format timeline")
            }
            _ => None,
        }
    }
}
