//! Pass 2: rules over the syntax tree: one file, allowlisted crates, no
//! shadowing of the names port types are read from.

use std::collections::BTreeSet;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use super::line_of;
use crate::errors::PayloadError;
use crate::template::{ALLOWED_DEPENDENCIES, HOST_CRATE};

/// Names a payload may not define or import: the type names the port
/// language is read from, serde's derive names and the crates' names. `type u64 = u32;` or
/// `use some::Thing as Vec;` would otherwise make the contract lie.
pub(crate) const RESERVED: &[&str] = &[
    "bool",
    "char",
    "str",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
    "String",
    "Vec",
    "Option",
    "Result",
    "Box",
    "Serialize",
    "Deserialize",
    "serde",
    "postcard",
    "sha2",
    "std",
    "core",
    "alloc",
    "logos",
];

/// Crate names a payload can reach (a local item with one of these names
/// would shadow the crate).
const CRATES: &[&str] = &["serde", "postcard", "sha2", "logos", "std", "core", "alloc"];

/// Standard-library modules that reach outside a node. The wasm has no way to
/// use them (the verifier refuses their imports); refusing them here turns a
/// late verification error into an early, clear one.
const FORBIDDEN_STD: &[&str] = &["arch", "env", "fs", "net", "os", "process", "thread"];

pub(crate) fn check_items(file: &syn::File) -> Result<(), PayloadError> {
    let mut roots: BTreeSet<String> =
        ["std", "core", "crate", "self", "super"].iter().map(|s| (*s).to_owned()).collect();
    roots.extend(ALLOWED_DEPENDENCIES.iter().map(|d| d.name.to_owned()));
    roots.insert(HOST_CRATE.to_owned());
    // `use Kind::{A, B}` and `use helpers::f` start at a top-level item.
    for item in &file.items {
        if let Some(ident) = item_ident(item) {
            roots.insert(ident.to_string());
        }
    }
    let mut checker = Checker { roots, error: None };
    checker.visit_file(file);
    match checker.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn item_ident(item: &syn::Item) -> Option<&syn::Ident> {
    Some(match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Mod(i) => &i.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::TraitAlias(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        _ => return None,
    })
}

struct Checker {
    roots: BTreeSet<String>,
    error: Option<PayloadError>,
}

impl Checker {
    fn fail(&mut self, e: PayloadError) {
        self.error.get_or_insert(e);
    }

    fn check_root(&mut self, root: &syn::Ident) {
        let name = root.to_string();
        if !self.roots.contains(&name) {
            self.fail(PayloadError::ForbiddenCrate {
                name: crate::errors::short(&name),
                line: line_of(root.span()),
            });
        }
    }

    fn check_std(&mut self, segments: &[String], line: usize) {
        if let [krate, module, ..] = segments
            && matches!(krate.as_str(), "std" | "core")
            && FORBIDDEN_STD.contains(&module.as_str())
        {
            self.fail(PayloadError::ForbiddenApi { path: format!("{krate}::{module}"), line });
        }
    }

    fn check_reserved(&mut self, ident: &syn::Ident) {
        let name = ident.to_string();
        if RESERVED.contains(&name.as_str()) {
            self.fail(PayloadError::ReservedName { name, line: line_of(ident.span()) });
        }
    }

    fn check_use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>, first: bool) {
        match tree {
            syn::UseTree::Path(p) => {
                if first {
                    self.check_root(&p.ident);
                }
                prefix.push(p.ident.to_string());
                self.check_use_tree(&p.tree, prefix, false);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                if first {
                    self.check_root(&n.ident);
                }
                prefix.push(n.ident.to_string());
                self.check_std(prefix, line_of(n.ident.span()));
                // `use serde::{Serialize, Deserialize}` is the one way to
                // import a reserved name.
                let serde_derive = matches!(prefix.as_slice(), [s, d] if s == "serde" && (d == "Serialize" || d == "Deserialize"));
                // `use serde;` names the crate itself.
                let whole_crate = prefix.len() == 1 && CRATES.contains(&prefix[0].as_str());
                if !(serde_derive || whole_crate) {
                    self.check_reserved(&n.ident);
                }
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                if first {
                    self.check_root(&r.ident);
                }
                prefix.push(r.ident.to_string());
                self.check_std(prefix, line_of(r.ident.span()));
                prefix.pop();
                self.check_reserved(&r.rename);
                // `use core::include_str as vec;` would turn an allowed macro
                // name into a forbidden macro.
                let new_name = r.rename.to_string();
                if super::ALLOWED_MACROS.contains(&new_name.as_str()) {
                    self.fail(PayloadError::ReservedName { name: new_name, line: line_of(r.rename.span()) });
                }
            }
            syn::UseTree::Glob(g) => self.fail(PayloadError::GlobImport { line: line_of(g.star_token.span) }),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.check_use_tree(t, prefix, first);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Checker {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let Some(ident) = item_ident(item) {
            self.check_reserved(ident);
        }
        match item {
            syn::Item::ExternCrate(i) => self.fail(PayloadError::Extern { line: line_of(i.span()) }),
            syn::Item::ForeignMod(i) => self.fail(PayloadError::Extern { line: line_of(i.span()) }),
            syn::Item::Macro(m) => {
                let name = m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                if m.ident.is_some() || !super::ALLOWED_MACROS.contains(&name.as_str()) {
                    self.fail(PayloadError::ForbiddenMacro { name, line: line_of(m.span()) });
                }
            }
            _ => {}
        }
        visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_none() {
            self.fail(PayloadError::OutlineModule {
                name: m.ident.to_string(),
                line: line_of(m.ident.span()),
            });
        }
        visit::visit_item_mod(self, m);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        if u.leading_colon.is_some() {
            // `use ::name` names a crate, never a local item.
            if let Some(root) = first_ident(&u.tree)
                && !(ALLOWED_DEPENDENCIES.iter().any(|d| root == d.name)
                    || root == HOST_CRATE
                    || root == "std"
                    || root == "core")
            {
                self.fail(PayloadError::ForbiddenCrate {
                    name: crate::errors::short(&root.to_string()),
                    line: line_of(root.span()),
                });
            }
        }
        self.check_use_tree(&u.tree, &mut prefix, true);
        visit::visit_item_use(self, u);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = p.segments.first() {
            if p.leading_colon.is_some() {
                let name = first.ident.to_string();
                if !(ALLOWED_DEPENDENCIES.iter().any(|d| d.name == name)
                    || name == HOST_CRATE
                    || name == "std"
                    || name == "core")
                {
                    self.fail(PayloadError::ForbiddenCrate {
                        name: crate::errors::short(&name),
                        line: line_of(first.ident.span()),
                    });
                }
            }
            self.check_std(&segments, line_of(first.ident.span()));
        }
        visit::visit_path(self, p);
    }
}

fn first_ident(tree: &syn::UseTree) -> Option<&syn::Ident> {
    match tree {
        syn::UseTree::Path(p) => Some(&p.ident),
        syn::UseTree::Name(n) => Some(&n.ident),
        syn::UseTree::Rename(r) => Some(&r.ident),
        syn::UseTree::Glob(_) | syn::UseTree::Group(_) => None,
    }
}
