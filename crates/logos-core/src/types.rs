//! The port type language and its canonical text syntax.
//!
//! ```text
//! bool  u8 u16 u32 u64  i8 i16 i32 i64  f64  string  bytes
//! list<T>   option<T>   record{name: T, ...}   enum{A, B, ...}
//! ```
//!
//! Equality is structural and exact: `u32` is not `u64`, and two records are
//! equal only if they have the same field names, in the same order, with equal
//! types (the order is part of the wire format). Printing is canonical, so
//! `parse(print(t)) == t` and `print(parse(s))` normalises spacing.

use std::fmt;
use std::str::FromStr;

/// Deepest nesting of `list`, `option` and `record` the parser and the value
/// codec accept. Bounds recursion on hostile input.
pub const MAX_TYPE_DEPTH: usize = 32;
/// Most fields in one record and most variants in one enum.
pub const MAX_MEMBERS: usize = 256;
/// Longest field or variant name.
pub const MAX_NAME_LEN: usize = 64;
/// Longest type text the parser reads.
pub const MAX_TYPE_TEXT: usize = 64 * 1024;

/// The type of a port: what flows along an edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PortType {
    /// `bool`
    Bool,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f64` (NaN is canonicalised by the runtime, not here)
    F64,
    /// `string`: UTF-8 text
    String,
    /// `bytes`: an opaque byte string
    Bytes,
    /// `list<T>`
    List(Box<PortType>),
    /// `option<T>`
    Option(Box<PortType>),
    /// `record{name: T, ...}`: named fields in declaration order
    Record(Vec<Field>),
    /// `enum{A, B, ...}`: unit variants, encoded by their index
    Enum(Vec<String>),
}

/// One named field of a record type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// Field name (an identifier).
    pub name: String,
    /// Field type.
    pub ty: PortType,
}

impl Field {
    /// A field called `name` of type `ty`.
    pub fn new(name: impl Into<String>, ty: PortType) -> Self {
        Self { name: name.into(), ty }
    }
}

impl PortType {
    /// `list<inner>`
    pub fn list(inner: PortType) -> Self {
        Self::List(Box::new(inner))
    }

    /// `option<inner>`
    pub fn option(inner: PortType) -> Self {
        Self::Option(Box::new(inner))
    }

    /// Nesting depth: 1 for scalars, +1 per list/option/record level.
    pub fn depth(&self) -> usize {
        match self {
            Self::List(t) | Self::Option(t) => 1 + t.depth(),
            Self::Record(fields) => 1 + fields.iter().map(|f| f.ty.depth()).max().unwrap_or(0),
            _ => 1,
        }
    }

    /// Checks the limits and naming rules a parsed type satisfies, for types
    /// built in code (for example derived from Rust structs).
    pub fn validate(&self) -> Result<(), TypeError> {
        self.validate_at(1)
    }

    fn validate_at(&self, depth: usize) -> Result<(), TypeError> {
        if depth > MAX_TYPE_DEPTH {
            return Err(TypeError::TooDeep);
        }
        match self {
            Self::List(t) | Self::Option(t) => t.validate_at(depth + 1),
            Self::Record(fields) => {
                if fields.len() > MAX_MEMBERS {
                    return Err(TypeError::TooManyMembers);
                }
                for (i, f) in fields.iter().enumerate() {
                    check_name(&f.name)?;
                    if fields[..i].iter().any(|g| g.name == f.name) {
                        return Err(TypeError::DuplicateName(f.name.clone()));
                    }
                    f.ty.validate_at(depth + 1)?;
                }
                Ok(())
            }
            Self::Enum(variants) => {
                if variants.is_empty() {
                    return Err(TypeError::EmptyEnum);
                }
                if variants.len() > MAX_MEMBERS {
                    return Err(TypeError::TooManyMembers);
                }
                for (i, v) in variants.iter().enumerate() {
                    check_name(v)?;
                    if variants[..i].contains(v) {
                        return Err(TypeError::DuplicateName(v.clone()));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Why a type is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    /// Nesting exceeds [`MAX_TYPE_DEPTH`].
    #[error("type nests deeper than {MAX_TYPE_DEPTH} levels")]
    TooDeep,
    /// A record or enum has more than [`MAX_MEMBERS`] members.
    #[error("record or enum has more than {MAX_MEMBERS} members")]
    TooManyMembers,
    /// An enum has no variants (no value could ever have that type).
    #[error("enum has no variants")]
    EmptyEnum,
    /// A field or variant name appears twice.
    #[error("name `{0}` appears twice")]
    DuplicateName(String),
    /// A field or variant name is not an identifier.
    #[error(
        "`{0}` is not a valid name (letters, digits and `_`, not starting with a digit, at most {MAX_NAME_LEN} bytes)"
    )]
    BadName(String),
}

/// Checks that `name` is an identifier: ASCII letters, digits and `_`, not
/// starting with a digit, 1..=[`MAX_NAME_LEN`] bytes.
pub fn check_name(name: &str) -> Result<(), TypeError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok { Ok(()) } else { Err(TypeError::BadName(name.chars().take(MAX_NAME_LEN + 8).collect())) }
}

impl fmt::Display for PortType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool => f.write_str("bool"),
            Self::U8 => f.write_str("u8"),
            Self::U16 => f.write_str("u16"),
            Self::U32 => f.write_str("u32"),
            Self::U64 => f.write_str("u64"),
            Self::I8 => f.write_str("i8"),
            Self::I16 => f.write_str("i16"),
            Self::I32 => f.write_str("i32"),
            Self::I64 => f.write_str("i64"),
            Self::F64 => f.write_str("f64"),
            Self::String => f.write_str("string"),
            Self::Bytes => f.write_str("bytes"),
            Self::List(t) => write!(f, "list<{t}>"),
            Self::Option(t) => write!(f, "option<{t}>"),
            Self::Record(fields) => {
                f.write_str("record{")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", field.name, field.ty)?;
                }
                f.write_str("}")
            }
            Self::Enum(variants) => write!(f, "enum{{{}}}", variants.join(", ")),
        }
    }
}

/// Why a type text does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid type at byte {position}: {reason}")]
pub struct ParseTypeError {
    /// Byte offset in the text where parsing stopped.
    pub position: usize,
    /// What was wrong there.
    pub reason: String,
}

impl FromStr for PortType {
    type Err = ParseTypeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() > MAX_TYPE_TEXT {
            return Err(ParseTypeError {
                position: 0,
                reason: format!("type text longer than {MAX_TYPE_TEXT} bytes"),
            });
        }
        let mut p = Parser { text: s.as_bytes(), pos: 0 };
        let ty = p.ty(1)?;
        p.skip_ws();
        if p.pos != p.text.len() {
            return Err(p.error("unexpected text after the type"));
        }
        Ok(ty)
    }
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, reason: impl Into<String>) -> ParseTypeError {
        ParseTypeError { position: self.pos, reason: reason.into() }
    }

    fn skip_ws(&mut self) {
        while self.text.get(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.text.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), ParseTypeError> {
        if self.eat(c) { Ok(()) } else { Err(self.error(format!("expected `{}`", c as char))) }
    }

    fn ident(&mut self) -> Result<String, ParseTypeError> {
        self.skip_ws();
        let start = self.pos;
        while self.text.get(self.pos).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.error("expected a name"));
        }
        // Only ASCII bytes were consumed, so this slice is valid UTF-8.
        let name = String::from_utf8_lossy(&self.text[start..self.pos]).into_owned();
        check_name(&name).map_err(|e| ParseTypeError { position: start, reason: e.to_string() })?;
        Ok(name)
    }

    fn ty(&mut self, depth: usize) -> Result<PortType, ParseTypeError> {
        if depth > MAX_TYPE_DEPTH {
            return Err(self.error(TypeError::TooDeep.to_string()));
        }
        let start = self.pos;
        let word = self.ident()?;
        let ty = match word.as_str() {
            "bool" => PortType::Bool,
            "u8" => PortType::U8,
            "u16" => PortType::U16,
            "u32" => PortType::U32,
            "u64" => PortType::U64,
            "i8" => PortType::I8,
            "i16" => PortType::I16,
            "i32" => PortType::I32,
            "i64" => PortType::I64,
            "f64" => PortType::F64,
            "string" => PortType::String,
            "bytes" => PortType::Bytes,
            "list" | "option" => {
                self.expect(b'<')?;
                let inner = self.ty(depth + 1)?;
                self.expect(b'>')?;
                if word == "list" { PortType::list(inner) } else { PortType::option(inner) }
            }
            "record" => {
                self.expect(b'{')?;
                let mut fields: Vec<Field> = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        let at = self.pos;
                        let name = self.ident()?;
                        if fields.iter().any(|f| f.name == name) {
                            return Err(ParseTypeError {
                                position: at,
                                reason: format!("field `{name}` appears twice"),
                            });
                        }
                        self.expect(b':')?;
                        let ty = self.ty(depth + 1)?;
                        fields.push(Field { name, ty });
                        if fields.len() > MAX_MEMBERS {
                            return Err(self.error(TypeError::TooManyMembers.to_string()));
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                PortType::Record(fields)
            }
            "enum" => {
                self.expect(b'{')?;
                let mut variants: Vec<String> = Vec::new();
                loop {
                    let at = self.pos;
                    let name = self.ident()?;
                    if variants.contains(&name) {
                        return Err(ParseTypeError {
                            position: at,
                            reason: format!("variant `{name}` appears twice"),
                        });
                    }
                    variants.push(name);
                    if variants.len() > MAX_MEMBERS {
                        return Err(self.error(TypeError::TooManyMembers.to_string()));
                    }
                    if self.eat(b'}') {
                        break;
                    }
                    self.expect(b',')?;
                }
                PortType::Enum(variants)
            }
            other => {
                return Err(ParseTypeError { position: start, reason: format!("unknown type `{other}`") });
            }
        };
        Ok(ty)
    }
}

impl serde::Serialize for PortType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PortType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> PortType {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn prints_canonically() {
        let t = parse(" record{ amount :u64,tags:list< string >, kind: enum{A ,B}, note: option<bytes>} ");
        assert_eq!(
            t.to_string(),
            "record{amount: u64, tags: list<string>, kind: enum{A, B}, note: option<bytes>}"
        );
        assert_eq!(parse(&t.to_string()), t);
    }

    #[test]
    fn integer_widths_are_distinct() {
        assert_ne!(parse("u32"), parse("u64"));
        assert_ne!(parse("i32"), parse("u32"));
    }

    #[test]
    fn record_field_order_matters() {
        assert_ne!(parse("record{a: u8, b: u8}"), parse("record{b: u8, a: u8}"));
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "u128",
            "list<u8",
            "list<>",
            "record{a u8}",
            "record{a: u8,}",
            "enum{}",
            "enum{A, A}",
            "record{a: u8, a: u8}",
            "u8 u8",
            "record{1a: u8}",
            "option<u8>>",
            "list<list<é>>",
        ] {
            assert!(bad.parse::<PortType>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}u8{}", "list<".repeat(5_000), ">".repeat(5_000));
        let err = deep.parse::<PortType>().unwrap_err();
        assert!(err.reason.contains("deeper"), "{err}");
        let ok = format!("{}u8{}", "list<".repeat(MAX_TYPE_DEPTH - 1), ">".repeat(MAX_TYPE_DEPTH - 1));
        assert_eq!(parse(&ok).depth(), MAX_TYPE_DEPTH);
    }

    #[test]
    fn validate_matches_parser_rules() {
        assert!(PortType::Enum(vec![]).validate().is_err());
        assert!(PortType::Record(vec![Field::new("a b", PortType::U8)]).validate().is_err());
        assert!(
            PortType::Record(vec![Field::new("a", PortType::U8), Field::new("a", PortType::U8)])
                .validate()
                .is_err()
        );
        assert!(parse("record{a: list<option<enum{X}>>}").validate().is_ok());
    }
}
