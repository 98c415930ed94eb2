//! Pass 3: the contract. Each field of `Input`/`Output` is a port; its Rust
//! type maps to the port type language:
//!
//! | Rust | port type |
//! |---|---|
//! | `bool`, `u8`..`u64`, `i8`..`i64`, `f64` | the same name |
//! | `String` | `string` |
//! | `Vec<u8>` | `bytes` |
//! | `Vec<T>` (T not `u8`) | `list<T>` |
//! | `Option<T>` | `option<T>` |
//! | a named-field struct defined in the payload | `record{..}` |
//! | an enum of unit variants defined in the payload | `enum{..}` |
//!
//! `Vec<u8>` is `bytes`, never `list<u8>`: postcard encodes both the same
//! way (a varint length, then one byte per element), so the wire format
//! agrees either way, and `bytes` is the type that says what is meant. A
//! payload therefore cannot declare a `list<u8>` port.

use std::collections::BTreeMap;

use logos_core::{Capability, CapabilitySet, Field, MAX_TYPE_DEPTH, Port, PortType};
use quote::ToTokens;
use syn::spanned::Spanned;

use super::{Analysis, line_of};
use crate::errors::PayloadError;

/// Most type nodes the ports of one payload may expand to (records used
/// twice are expanded twice, so a few lines could otherwise describe an
/// exponentially large type).
pub(crate) const MAX_TYPE_NODES: usize = 10_000;

/// The directive prefix in a `//!` line.
const DIRECTIVE: &str = "logos:";

pub(crate) fn derive(file: &syn::File) -> Result<Analysis, PayloadError> {
    let mut defs = Defs { structs: BTreeMap::new(), enums: BTreeMap::new(), budget: MAX_TYPE_NODES };
    for item in &file.items {
        match item {
            syn::Item::Struct(s) => {
                defs.structs.insert(s.ident.to_string(), s);
            }
            syn::Item::Enum(e) => {
                defs.enums.insert(e.ident.to_string(), e);
            }
            _ => {}
        }
    }
    let input =
        defs.structs.get("Input").copied().ok_or(PayloadError::MissingItem { item: "`pub struct Input`" })?;
    let output = defs
        .structs
        .get("Output")
        .copied()
        .ok_or(PayloadError::MissingItem { item: "`pub struct Output`" })?;
    check_execute(file)?;
    let inputs = defs.ports(input)?;
    let outputs = defs.ports(output)?;
    let capabilities = capabilities(&file.attrs)?;
    Ok(Analysis { inputs, outputs, capabilities })
}

struct Defs<'a> {
    structs: BTreeMap<String, &'a syn::ItemStruct>,
    enums: BTreeMap<String, &'a syn::ItemEnum>,
    budget: usize,
}

impl<'a> Defs<'a> {
    fn ports(&mut self, s: &'a syn::ItemStruct) -> Result<Vec<Port>, PayloadError> {
        let name = s.ident.to_string();
        let fields = self.record_fields(s, &name, &mut vec![name.clone()], 1)?;
        Ok(fields.into_iter().map(|f| Port::new(f.name, f.ty)).collect())
    }

    fn spend(&mut self) -> Result<(), PayloadError> {
        self.budget =
            self.budget.checked_sub(1).ok_or(PayloadError::TypesTooLarge { limit: MAX_TYPE_NODES })?;
        Ok(())
    }

    /// The fields of a named-field struct as record fields. `stack` holds the
    /// structs being expanded, to refuse recursive types.
    fn record_fields(
        &mut self,
        s: &'a syn::ItemStruct,
        at: &str,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Result<Vec<Field>, PayloadError> {
        let line = line_of(s.ident.span());
        require_serde(&s.attrs, &s.ident)?;
        if !s.generics.params.is_empty() {
            return Err(unsupported(at, &s.ident, "generic structs are not port types", line));
        }
        let syn::Fields::Named(named) = &s.fields else {
            return Err(unsupported(
                at,
                &s.ident,
                "tuple and unit structs are not port types; use a struct with named fields",
                line,
            ));
        };
        let mut fields = Vec::with_capacity(named.named.len());
        for f in &named.named {
            // Named fields always have an ident; a missing one cannot parse.
            let Some(ident) = &f.ident else { continue };
            let fname = syn::ext::IdentExt::unraw(ident).to_string();
            let path = format!("{at}.{fname}");
            let ty = self.port_type(&f.ty, &path, stack, depth + 1)?;
            fields.push(Field::new(fname, ty));
        }
        Ok(fields)
    }

    fn port_type(
        &mut self,
        ty: &'a syn::Type,
        at: &str,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Result<PortType, PayloadError> {
        self.spend()?;
        let line = line_of(ty.span());
        if depth > MAX_TYPE_DEPTH {
            return Err(unsupported(at, ty, "nests deeper than the port type language allows", line));
        }
        let path = match ty {
            syn::Type::Path(p) if p.qself.is_none() => &p.path,
            syn::Type::Reference(_) => {
                return Err(unsupported(
                    at,
                    ty,
                    "references are not port types; ports own their data (use String or Vec)",
                    line,
                ));
            }
            syn::Type::Tuple(_) => {
                return Err(unsupported(
                    at,
                    ty,
                    "tuples are not port types; use a struct with named fields",
                    line,
                ));
            }
            syn::Type::Array(_) | syn::Type::Slice(_) => {
                return Err(unsupported(at, ty, "arrays and slices are not port types; use Vec<T>", line));
            }
            _ => return Err(unsupported(at, ty, LANGUAGE, line)),
        };
        let [segment] = path.segments.iter().collect::<Vec<_>>()[..] else {
            return Err(unsupported(
                at,
                ty,
                "write the plain type name (String, Vec, Option, or a struct or enum defined at the top level of this file)",
                line,
            ));
        };
        if path.leading_colon.is_some() {
            return Err(unsupported(at, ty, "write the plain type name", line));
        }
        let name = segment.ident.to_string();
        let args = match &segment.arguments {
            syn::PathArguments::None => Vec::new(),
            syn::PathArguments::AngleBracketed(a) => a.args.iter().collect(),
            syn::PathArguments::Parenthesized(_) => return Err(unsupported(at, ty, LANGUAGE, line)),
        };
        let scalar = match name.as_str() {
            "bool" => Some(PortType::Bool),
            "u8" => Some(PortType::U8),
            "u16" => Some(PortType::U16),
            "u32" => Some(PortType::U32),
            "u64" => Some(PortType::U64),
            "i8" => Some(PortType::I8),
            "i16" => Some(PortType::I16),
            "i32" => Some(PortType::I32),
            "i64" => Some(PortType::I64),
            "f64" => Some(PortType::F64),
            "String" => Some(PortType::String),
            _ => None,
        };
        if let Some(t) = scalar {
            if !args.is_empty() {
                return Err(unsupported(at, ty, "this type takes no type arguments", line));
            }
            return Ok(t);
        }
        match (name.as_str(), args.as_slice()) {
            ("Vec", [syn::GenericArgument::Type(inner)]) => {
                if is_u8(inner) {
                    self.spend()?;
                    return Ok(PortType::Bytes);
                }
                return Ok(PortType::list(self.port_type(inner, &format!("{at}[]"), stack, depth + 1)?));
            }
            ("Option", [syn::GenericArgument::Type(inner)]) => {
                return Ok(PortType::option(self.port_type(inner, at, stack, depth + 1)?));
            }
            ("Vec" | "Option", _) => {
                return Err(unsupported(at, ty, "takes exactly one type argument", line));
            }
            _ => {}
        }
        let known = self.structs.contains_key(&name) || self.enums.contains_key(&name);
        if !known || !args.is_empty() {
            let reason = match reason_for(&name) {
                LANGUAGE if !args.is_empty() => "generic types are not port types",
                specific => specific,
            };
            return Err(unsupported(at, ty, reason, line));
        }
        if let Some(s) = self.structs.get(&name).copied() {
            if stack.contains(&name) {
                return Err(unsupported(
                    at,
                    ty,
                    "recursive types are not port types: a record cannot contain itself",
                    line,
                ));
            }
            stack.push(name.clone());
            let fields = self.record_fields(s, at, stack, depth)?;
            stack.pop();
            return Ok(PortType::Record(fields));
        }
        match self.enums.get(&name).copied() {
            Some(e) => enum_type(e, at),
            None => Err(unsupported(at, ty, reason_for(&name), line)),
        }
    }
}

const LANGUAGE: &str = "port types are bool, u8, u16, u32, u64, i8, i16, i32, i64, f64, String, Vec<T>, Option<T>, \
     and structs (named fields) or enums (unit variants) defined at the top level of this file";

fn reason_for(name: &str) -> &'static str {
    match name {
        "usize" | "isize" => "platform-sized integers are not port types; use u32 or u64 (i32 or i64)",
        "u128" | "i128" => {
            "128-bit integers are not in the port type language; use two u64 fields or a string"
        }
        "f32" => "use f64",
        "char" => "use String",
        "str" => "use String",
        "Box" | "Rc" | "Arc" | "Cow" => "smart pointers are not port types; use the inner type",
        "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" => {
            "maps and sets are not port types; use Vec of a struct (for example Vec<Entry> with key and value fields)"
        }
        _ => LANGUAGE,
    }
}

fn is_u8(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.is_ident("u8"))
}

fn enum_type(e: &syn::ItemEnum, at: &str) -> Result<PortType, PayloadError> {
    let line = line_of(e.ident.span());
    require_serde(&e.attrs, &e.ident)?;
    if !e.generics.params.is_empty() {
        return Err(unsupported(at, &e.ident, "generic enums are not port types", line));
    }
    let mut variants = Vec::with_capacity(e.variants.len());
    for v in &e.variants {
        if !matches!(v.fields, syn::Fields::Unit) {
            return Err(unsupported(
                at,
                &e.ident,
                &format!(
                    "variant `{}` carries data; port enums have unit variants only (use a struct with an enum field)",
                    v.ident
                ),
                line_of(v.ident.span()),
            ));
        }
        variants.push(syn::ext::IdentExt::unraw(&v.ident).to_string());
    }
    Ok(PortType::Enum(variants))
}

/// The derive list must name both serde traits, so the wire format is the
/// derived one (a hand-written impl would conflict with the derive).
fn require_serde(attrs: &[syn::Attribute], ident: &syn::Ident) -> Result<(), PayloadError> {
    let mut ser = false;
    let mut de = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) =
            attr.parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        for p in paths {
            match p.segments.last().map(|s| s.ident.to_string()).as_deref() {
                Some("Serialize") => ser = true,
                Some("Deserialize") => de = true,
                _ => {}
            }
        }
    }
    if ser && de {
        Ok(())
    } else {
        Err(PayloadError::NotDerived { name: ident.to_string(), line: line_of(ident.span()) })
    }
}

fn check_execute(file: &syn::File) -> Result<(), PayloadError> {
    let f = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Fn(f) if f.sig.ident == "execute" => Some(f),
            _ => None,
        })
        .ok_or(PayloadError::MissingItem { item: "`pub fn execute`" })?;
    let sig = &f.sig;
    let line = line_of(sig.ident.span());
    let bad = |reason: &str| PayloadError::BadSignature { line, reason: reason.to_owned() };
    if !matches!(f.vis, syn::Visibility::Public(_)) {
        return Err(bad("it must be `pub`"));
    }
    if sig.constness.is_some() || sig.asyncness.is_some() || sig.abi.is_some() || sig.variadic.is_some() {
        return Err(bad("it must be a plain function (not const, async or extern)"));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(bad("it must not be generic"));
    }
    let args: Vec<_> = sig.inputs.iter().collect();
    let [syn::FnArg::Typed(arg)] = args[..] else {
        return Err(bad("it takes exactly one argument, of type `Input`"));
    };
    if !is_named(&arg.ty, "Input") {
        return Err(bad("its argument must have type `Input`"));
    }
    let syn::ReturnType::Type(_, ret) = &sig.output else {
        return Err(bad("it must return `Output` or `Result<Output, String>`"));
    };
    if is_named(ret, "Output") || is_result_output(ret) {
        Ok(())
    } else {
        Err(bad("it must return `Output` or `Result<Output, String>`"))
    }
}

fn is_named(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.is_ident(name))
}

fn is_result_output(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    if p.qself.is_some() || p.path.leading_colon.is_some() || p.path.segments.len() != 1 {
        return false;
    }
    let seg = &p.path.segments[0];
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else { return false };
    let args: Vec<_> = a.args.iter().collect();
    seg.ident == "Result"
        && matches!(args[..], [syn::GenericArgument::Type(ok), syn::GenericArgument::Type(err)]
            if is_named(ok, "Output") && is_named(err, "String"))
}

/// Reads `//! logos:capabilities = clock, log` (at most one such line).
fn capabilities(attrs: &[syn::Attribute]) -> Result<CapabilitySet, PayloadError> {
    let mut found: Option<CapabilitySet> = None;
    for attr in
        attrs.iter().filter(|a| matches!(a.style, syn::AttrStyle::Inner(_)) && a.path().is_ident("doc"))
    {
        let line = line_of(attr.span());
        let syn::Meta::NameValue(nv) = &attr.meta else { continue };
        let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &nv.value else { continue };
        for (offset, raw) in text.value().lines().enumerate() {
            let Some(rest) = raw.trim().strip_prefix(DIRECTIVE) else { continue };
            let line = line + offset;
            let fail = |reason: String| PayloadError::Capabilities { line, reason };
            let Some((key, value)) = rest.split_once('=') else {
                return Err(fail("write the directive as `//! logos:capabilities = clock, log`".into()));
            };
            if key.trim() != "capabilities" {
                return Err(fail(format!(
                    "unknown directive `logos:{}`; the only directive is `logos:capabilities`",
                    crate::errors::short(key.trim())
                )));
            }
            if found.is_some() {
                return Err(fail(
                    "`logos:capabilities` appears twice; list every capability on one line".into(),
                ));
            }
            let mut set = CapabilitySet::none();
            for name in value.split(',').map(str::trim).filter(|n| !n.is_empty() && *n != "none") {
                let cap: Capability = name.parse().map_err(|e: logos_core::UnknownCapability| {
                    fail(format!(
                        "unknown capability `{}` (known: clock, random, log, kv, network)",
                        crate::errors::short(&e.0)
                    ))
                })?;
                set.insert(cap);
            }
            found = Some(set);
        }
    }
    Ok(found.unwrap_or_default())
}

fn unsupported(at: &str, ty: &dyn ToTokens, reason: &str, line: usize) -> PayloadError {
    PayloadError::UnsupportedType { at: at.to_owned(), ty: render(ty), reason: reason.to_owned(), line }
}

/// A type (or ident) as the user wrote it, spacing tidied and shortened:
/// `Vec < String >` becomes `Vec<String>`.
fn render(value: &dyn ToTokens) -> String {
    let text = value.to_token_stream().to_string();
    let tidy =
        text.replace(" < ", "<").replace(" <", "<").replace("< ", "<").replace(" >", ">").replace(" ,", ",");
    crate::errors::short(&tidy)
}
