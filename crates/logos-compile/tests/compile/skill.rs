//! docs/skill.md is what an agent learns the format from: every complete
//! example in it must compile, so the guide cannot rot.

use logos_compile::ALLOWED_DEPENDENCIES;

use crate::{compile_with, compiler};

fn skill_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/skill.md");
    std::fs::read_to_string(path).expect("docs/skill.md exists")
}

/// The bodies of the ```` ```rust ```` blocks (not `rust,ignore` or `text`).
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == "```rust" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn every_skill_example_compiles() {
    let blocks = rust_blocks(&skill_md());
    assert!(
        blocks.len() >= 3,
        "skill.md should have at least three complete examples, found {}",
        blocks.len()
    );
    for (i, block) in blocks.iter().enumerate() {
        let name = format!("skill-example-{}", i + 1);
        let (result, _) = compile_with(compiler(), block, &name);
        match result {
            Ok(node) => assert!(!node.manifest.inputs.is_empty() || !node.manifest.outputs.is_empty()),
            Err(e) => panic!("skill.md example {} does not compile: {e}\n{block}", i + 1),
        }
    }
}

#[test]
fn skill_lists_every_allowed_dependency_with_its_version() {
    let md = skill_md();
    for dep in ALLOWED_DEPENDENCIES {
        assert!(
            md.contains(&format!("`{}` {}", dep.name, dep.version)),
            "skill.md does not list {} {}",
            dep.name,
            dep.version
        );
    }
}
