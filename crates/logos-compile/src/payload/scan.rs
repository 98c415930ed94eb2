//! Pass 1: rules over raw token trees.
//!
//! Working on tokens rather than the syntax tree matters: syn does not parse
//! macro arguments, so `vec![include_str!("/etc/passwd")]` or
//! `#[doc = env!("HOME")]` would slip past a syntax-tree visitor. Here every
//! token is seen, inside every group.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

use super::{ALLOWED_ATTRIBUTES, ALLOWED_DERIVES, ALLOWED_MACROS, line_of};
use crate::errors::PayloadError;

/// Deepest bracket nesting accepted. Real code stays far below; the bound
/// keeps syn's recursion (and ours) small.
pub(crate) const MAX_NESTING: usize = 64;
/// Longest run of operator characters accepted (`!!!!x` recurses in syn).
const MAX_PUNCT_RUN: usize = 32;

/// Rust's keywords: an identifier followed by `!` is a macro call unless it
/// is a keyword (`if !done`, `return !ok`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "unsafe", "use", "where", "while", "yield", "become", "abstract", "final", "macro", "override", "priv",
    "typeof", "unsized", "virtual",
];

/// Applies every token rule to the whole source.
pub(crate) fn check_tokens(tokens: &TokenStream) -> Result<(), PayloadError> {
    check_depth(tokens)?;
    scan(tokens)
}

/// Bounds group nesting iteratively, before anything recursive runs.
fn check_depth(tokens: &TokenStream) -> Result<(), PayloadError> {
    let mut stack = vec![tokens.clone().into_iter()];
    let mut run = 0usize;
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(TokenTree::Group(g)) => {
                run = 0;
                if stack.len() >= MAX_NESTING {
                    return Err(PayloadError::TooDeep { line: line_of(g.span()), limit: MAX_NESTING });
                }
                stack.push(g.stream().into_iter());
            }
            Some(TokenTree::Punct(p)) => {
                run += 1;
                if run > MAX_PUNCT_RUN {
                    return Err(PayloadError::TooDeep { line: line_of(p.span()), limit: MAX_PUNCT_RUN });
                }
            }
            Some(_) => run = 0,
            None => {
                run = 0;
                stack.pop();
            }
        }
    }
    Ok(())
}

/// Recursive, but only after [`check_depth`] bounded the depth.
fn scan(tokens: &TokenStream) -> Result<(), PayloadError> {
    let tts: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            TokenTree::Ident(ident) => {
                let word = ident.to_string();
                let line = line_of(ident.span());
                match word.as_str() {
                    "unsafe" => return Err(PayloadError::Unsafe { line }),
                    "extern" => return Err(PayloadError::Extern { line }),
                    _ => {}
                }
                if is_macro_call(&tts, i)
                    && !KEYWORDS.contains(&word.as_str())
                    && !ALLOWED_MACROS.contains(&word.as_str())
                {
                    return Err(PayloadError::ForbiddenMacro { name: word, line });
                }
            }
            TokenTree::Punct(p) if p.as_char() == '#' => match (tts.get(i + 1), tts.get(i + 2)) {
                (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(g)))
                    if bang.as_char() == '!' && g.delimiter() == Delimiter::Bracket =>
                {
                    check_inner_attribute(g.stream(), line_of(p.span()))?;
                }
                (Some(TokenTree::Group(g)), _) if g.delimiter() == Delimiter::Bracket => {
                    check_attribute(g.stream(), line_of(p.span()))?;
                }
                _ => {}
            },
            TokenTree::Group(g) => scan(&g.stream())?,
            _ => {}
        }
    }
    Ok(())
}

/// `name ! (...)`, `name ! [...]`, `name ! {...}` or `macro_rules ! name`.
fn is_macro_call(tts: &[TokenTree], i: usize) -> bool {
    let bang = matches!(tts.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!' && p.spacing() == Spacing::Alone);
    bang && matches!(tts.get(i + 2), Some(TokenTree::Group(_) | TokenTree::Ident(_)))
}

/// The leading path of an attribute's tokens: `derive`, `serde`,
/// `rustfmt::skip`, ...
fn attribute_path(tokens: &[TokenTree]) -> String {
    let mut path = String::new();
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => path.push_str(&i.to_string()),
            TokenTree::Punct(p) if p.as_char() == ':' => path.push(':'),
            _ => break,
        }
    }
    path
}

fn check_inner_attribute(tokens: TokenStream, line: usize) -> Result<(), PayloadError> {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    // `//!` doc comments arrive as `#![doc = "..."]`; nothing else is allowed.
    let is_doc = attribute_path(&tts) == "doc"
        && matches!(tts.get(1), Some(TokenTree::Punct(p)) if p.as_char() == '=')
        && matches!(tts.get(2), Some(TokenTree::Literal(_)))
        && tts.len() == 3;
    if is_doc { Ok(()) } else { Err(PayloadError::InnerAttribute { line }) }
}

fn check_attribute(tokens: TokenStream, line: usize) -> Result<(), PayloadError> {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    let path = attribute_path(&tts);
    if !ALLOWED_ATTRIBUTES.contains(&path.as_str()) {
        let mut name = path;
        // `#[unsafe(no_mangle)]`: name what was wrapped, too.
        if name == "unsafe"
            && let Some(TokenTree::Group(g)) = tts.get(1)
        {
            name = format!("unsafe({})", attribute_path(&g.stream().into_iter().collect::<Vec<_>>()));
        }
        if name.is_empty() {
            name = "?".into();
        }
        return Err(PayloadError::ForbiddenAttribute { name: crate::errors::short(&name), line });
    }
    // The const-evaluation guard is what stops a compile-time infinite loop
    // quickly; lowering it would leave only the build timeout.
    if matches!(path.as_str(), "allow" | "expect" | "warn") && mentions(&tts, GUARD_LINT) {
        return Err(PayloadError::ForbiddenAttribute { name: format!("{path}({GUARD_LINT})"), line });
    }
    if path == "derive" {
        let Some(TokenTree::Group(list)) = tts.get(1) else {
            return Err(PayloadError::ForbiddenAttribute { name: "derive".into(), line });
        };
        check_derives(list.stream(), line)?;
    }
    Ok(())
}

/// The lint that bounds compile-time evaluation (the glue forbids lowering it).
const GUARD_LINT: &str = "long_running_const_eval";

fn mentions(tts: &[TokenTree], word: &str) -> bool {
    tts.iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == word,
        TokenTree::Group(g) => mentions(&g.stream().into_iter().collect::<Vec<_>>(), word),
        _ => false,
    })
}

fn check_derives(tokens: TokenStream, line: usize) -> Result<(), PayloadError> {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    for item in tts.split(|tt| matches!(tt, TokenTree::Punct(p) if p.as_char() == ',')) {
        if item.is_empty() {
            continue;
        }
        let path = attribute_path(item).trim_start_matches("::").to_owned();
        let segments: Vec<&str> = path.split("::").collect();
        let last = segments.last().copied().unwrap_or_default();
        let crate_ok = segments.len() == 1 || matches!(segments[0], "serde" | "std" | "core");
        // The whole item must be the path: nothing after it.
        let whole = item.iter().all(|tt| matches!(tt, TokenTree::Ident(_) | TokenTree::Punct(_)));
        if !(crate_ok && whole && ALLOWED_DERIVES.contains(&last)) {
            let name = if path.is_empty() { "?".to_owned() } else { path };
            return Err(PayloadError::ForbiddenDerive { name: crate::errors::short(&name), line });
        }
    }
    Ok(())
}
