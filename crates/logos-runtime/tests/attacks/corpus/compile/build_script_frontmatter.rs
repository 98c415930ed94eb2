---
[package]
build = "build.rs"

[dependencies]
libc = "0.2"
---
// attack: declare a build script and extra dependencies in cargo-script frontmatter, so cargo would run host code
// must: CompileError::Payload(PayloadError::Syntax { .. }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
