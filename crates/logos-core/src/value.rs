//! Values that flow along edges, and their wire codec.
//!
//! The wire format is postcard's (what `postcard::to_allocvec` produces for
//! the equivalent serde types), so a guest compiled with serde + postcard and
//! the host agree byte for byte. Decoding is driven by the declared
//! [`PortType`]: bytes are never interpreted without a type, every length is
//! checked against the bytes that remain and against an element budget, and
//! only canonical encodings are accepted, so one value has exactly one
//! encoding (digests of encoded values are stable).

use std::fmt;

use crate::types::{MAX_TYPE_DEPTH, PortType};

/// A value of some [`PortType`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `bool`
    Bool(bool),
    /// `u8`
    U8(u8),
    /// `u16`
    U16(u16),
    /// `u32`
    U32(u32),
    /// `u64`
    U64(u64),
    /// `i8`
    I8(i8),
    /// `i16`
    I16(i16),
    /// `i32`
    I32(i32),
    /// `i64`
    I64(i64),
    /// `f64`
    F64(f64),
    /// `string`
    String(String),
    /// `bytes`
    Bytes(Vec<u8>),
    /// `list<T>`
    List(Vec<Value>),
    /// `option<T>`
    Option(Option<Box<Value>>),
    /// `record{...}`: field values in the type's field order, with their names
    Record(Vec<(String, Value)>),
    /// `enum{...}`: the variant's name
    Enum(String),
}

/// Bounds applied while decoding untrusted bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest encoded value accepted, in bytes.
    pub max_bytes: usize,
    /// Most values (scalars, elements, fields) one decode may produce; bounds
    /// memory even for zero-sized elements such as `list<record{}>`.
    pub max_items: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self { max_bytes: 16 * 1024 * 1024, max_items: 1 << 20 }
    }
}

/// Where in a value something went wrong, e.g. `.payment.tags[3]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValuePath(Vec<String>);

impl fmt::Display for ValuePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for seg in self.0.iter().rev() {
            f.write_str(seg)?;
        }
        Ok(())
    }
}

/// Why a value does not encode, decode or convert.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The value's shape is not the declared type.
    #[error("at {path}: expected {expected}, found {found}")]
    TypeMismatch {
        /// Where.
        path: ValuePath,
        /// The declared type.
        expected: String,
        /// What was there instead.
        found: String,
    },
    /// The bytes end before the value does.
    #[error("truncated input: needed more bytes at offset {offset}")]
    Truncated {
        /// Offset where more bytes were needed.
        offset: usize,
    },
    /// Bytes remain after a complete value.
    #[error("{extra} trailing bytes after the value at offset {offset}")]
    TrailingBytes {
        /// Offset of the first unused byte.
        offset: usize,
        /// Count of unused bytes.
        extra: usize,
    },
    /// The bytes are well formed but not what the type allows.
    #[error("invalid encoding at offset {offset}: {reason}")]
    Invalid {
        /// Offset of the offending byte.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// Decoding would exceed [`DecodeLimits`].
    #[error("value exceeds the decode limit: {0}")]
    TooLarge(&'static str),
    /// The type nests deeper than [`MAX_TYPE_DEPTH`].
    #[error("type nests deeper than {MAX_TYPE_DEPTH} levels")]
    TooDeep,
}

impl ValueError {
    fn at(mut self, seg: impl FnOnce() -> String) -> Self {
        if let Self::TypeMismatch { path, .. } = &mut self {
            path.0.push(seg());
        }
        self
    }

    fn mismatch(expected: &PortType, found: impl Into<String>) -> Self {
        Self::TypeMismatch { path: ValuePath::default(), expected: expected.to_string(), found: found.into() }
    }
}

impl Value {
    /// A short description of this value's shape, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Bool(_) => "bool",
            Self::U8(_) => "u8",
            Self::U16(_) => "u16",
            Self::U32(_) => "u32",
            Self::U64(_) => "u64",
            Self::I8(_) => "i8",
            Self::I16(_) => "i16",
            Self::I32(_) => "i32",
            Self::I64(_) => "i64",
            Self::F64(_) => "f64",
            Self::String(_) => "string",
            Self::Bytes(_) => "bytes",
            Self::List(_) => "list",
            Self::Option(_) => "option",
            Self::Record(_) => "record",
            Self::Enum(_) => "enum",
        }
    }

    /// Checks that this value has type `ty`.
    pub fn check(&self, ty: &PortType) -> Result<(), ValueError> {
        self.encode(ty).map(drop)
    }

    /// Encodes this value as `ty` in the postcard wire format.
    pub fn encode(&self, ty: &PortType) -> Result<Vec<u8>, ValueError> {
        let mut out = Vec::new();
        self.encode_into(ty, &mut out, 1)?;
        Ok(out)
    }

    fn encode_into(&self, ty: &PortType, out: &mut Vec<u8>, depth: usize) -> Result<(), ValueError> {
        if depth > MAX_TYPE_DEPTH {
            return Err(ValueError::TooDeep);
        }
        match (ty, self) {
            (PortType::Bool, Self::Bool(b)) => out.push(u8::from(*b)),
            (PortType::U8, Self::U8(v)) => out.push(*v),
            (PortType::I8, Self::I8(v)) => out.push(v.to_le_bytes()[0]),
            (PortType::U16, Self::U16(v)) => put_varint(out, u64::from(*v)),
            (PortType::U32, Self::U32(v)) => put_varint(out, u64::from(*v)),
            (PortType::U64, Self::U64(v)) => put_varint(out, *v),
            (PortType::I16, Self::I16(v)) => put_varint(out, zigzag(i64::from(*v))),
            (PortType::I32, Self::I32(v)) => put_varint(out, zigzag(i64::from(*v))),
            (PortType::I64, Self::I64(v)) => put_varint(out, zigzag(*v)),
            (PortType::F64, Self::F64(v)) => out.extend_from_slice(&v.to_le_bytes()),
            (PortType::String, Self::String(s)) => {
                put_varint(out, s.len() as u64);
                out.extend_from_slice(s.as_bytes());
            }
            (PortType::Bytes, Self::Bytes(b)) => {
                put_varint(out, b.len() as u64);
                out.extend_from_slice(b);
            }
            (PortType::List(inner), Self::List(items)) => {
                put_varint(out, items.len() as u64);
                for (i, item) in items.iter().enumerate() {
                    item.encode_into(inner, out, depth + 1).map_err(|e| e.at(|| format!("[{i}]")))?;
                }
            }
            (PortType::Option(_), Self::Option(None)) => out.push(0),
            (PortType::Option(inner), Self::Option(Some(v))) => {
                out.push(1);
                v.encode_into(inner, out, depth + 1)?;
            }
            (PortType::Record(fields), Self::Record(values)) => {
                if fields.len() != values.len() {
                    return Err(ValueError::mismatch(ty, format!("a record with {} fields", values.len())));
                }
                for (field, (name, v)) in fields.iter().zip(values) {
                    if &field.name != name {
                        return Err(ValueError::mismatch(
                            ty,
                            format!("field `{name}` where `{}` belongs", field.name),
                        ));
                    }
                    v.encode_into(&field.ty, out, depth + 1).map_err(|e| e.at(|| format!(".{name}")))?;
                }
            }
            (PortType::Enum(variants), Self::Enum(name)) => match variants.iter().position(|v| v == name) {
                Some(i) => put_varint(out, i as u64),
                None => return Err(ValueError::mismatch(ty, format!("variant `{name}`"))),
            },
            (_, v) => return Err(ValueError::mismatch(ty, v.kind())),
        }
        Ok(())
    }

    /// Decodes `bytes` as a value of type `ty` with default limits.
    pub fn decode(bytes: &[u8], ty: &PortType) -> Result<Value, ValueError> {
        Self::decode_with(bytes, ty, DecodeLimits::default())
    }

    /// Decodes `bytes` as a value of type `ty`; the whole input must be used.
    pub fn decode_with(bytes: &[u8], ty: &PortType, limits: DecodeLimits) -> Result<Value, ValueError> {
        if bytes.len() > limits.max_bytes {
            return Err(ValueError::TooLarge("input longer than max_bytes"));
        }
        let mut r = Reader { bytes, pos: 0, items_left: limits.max_items };
        let v = r.value(ty, 1)?;
        if r.pos != bytes.len() {
            return Err(ValueError::TrailingBytes { offset: r.pos, extra: bytes.len() - r.pos });
        }
        Ok(v)
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    items_left: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, ValueError> {
        let b = *self.bytes.get(self.pos).ok_or(ValueError::Truncated { offset: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> Result<&[u8], ValueError> {
        let start = self.pos;
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| start.checked_add(n))
            .filter(|end| *end <= self.bytes.len())
            .ok_or(ValueError::Truncated { offset: start })?;
        self.pos = end;
        Ok(&self.bytes[start..end])
    }

    /// A canonical LEB128 varint whose value fits in `max_bits` bits.
    fn varint(&mut self, max_bits: u32) -> Result<u64, ValueError> {
        let start = self.pos;
        let overflow = ValueError::Invalid { offset: start, reason: "varint overflows its type" };
        let mut value: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            if shift >= max_bits {
                return Err(overflow);
            }
            let chunk = u64::from(b & 0x7f);
            let room = max_bits - shift;
            if room < 7 && chunk >> room != 0 {
                return Err(overflow);
            }
            value |= chunk << shift;
            if b & 0x80 == 0 {
                // A zero final byte after the first means a shorter encoding existed.
                if b == 0 && shift > 0 {
                    return Err(ValueError::Invalid { offset: start, reason: "non-canonical varint" });
                }
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn spend(&mut self) -> Result<(), ValueError> {
        self.items_left = self.items_left.checked_sub(1).ok_or(ValueError::TooLarge("too many items"))?;
        Ok(())
    }

    fn value(&mut self, ty: &PortType, depth: usize) -> Result<Value, ValueError> {
        if depth > MAX_TYPE_DEPTH {
            return Err(ValueError::TooDeep);
        }
        self.spend()?;
        let at = self.pos;
        let narrow = |_| ValueError::Invalid { offset: at, reason: "integer out of range" };
        Ok(match ty {
            PortType::Bool => match self.byte()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => return Err(ValueError::Invalid { offset: at, reason: "bool byte is not 0 or 1" }),
            },
            PortType::U8 => Value::U8(self.byte()?),
            PortType::I8 => Value::I8(i8::from_le_bytes([self.byte()?])),
            PortType::U16 => {
                let v = self.varint(16)?;
                Value::U16(u16::try_from(v).map_err(narrow)?)
            }
            PortType::U32 => {
                let v = self.varint(32)?;
                Value::U32(u32::try_from(v).map_err(narrow)?)
            }
            PortType::U64 => Value::U64(self.varint(64)?),
            PortType::I16 => {
                let v = unzigzag(self.varint(16)?);
                Value::I16(i16::try_from(v).map_err(narrow)?)
            }
            PortType::I32 => {
                let v = unzigzag(self.varint(32)?);
                Value::I32(i32::try_from(v).map_err(narrow)?)
            }
            PortType::I64 => Value::I64(unzigzag(self.varint(64)?)),
            PortType::F64 => {
                let raw = self.take(8)?;
                let mut b = [0u8; 8];
                b.copy_from_slice(raw);
                Value::F64(f64::from_le_bytes(b))
            }
            PortType::String => {
                let len = self.varint(64)?;
                let raw = self.take(len)?;
                let s = std::str::from_utf8(raw)
                    .map_err(|_| ValueError::Invalid { offset: at, reason: "string is not UTF-8" })?;
                Value::String(s.to_owned())
            }
            PortType::Bytes => {
                let len = self.varint(64)?;
                Value::Bytes(self.take(len)?.to_vec())
            }
            PortType::List(inner) => {
                let len = self.varint(64)?;
                // Each element spends from the budget itself; refusing an
                // impossible count here just fails early.
                if len > self.items_left as u64 {
                    return Err(ValueError::TooLarge("too many items"));
                }
                // Never size an allocation by an untrusted count alone.
                let mut items = Vec::with_capacity((len as usize).min(4096));
                for _ in 0..len {
                    items.push(self.value(inner, depth + 1)?);
                }
                Value::List(items)
            }
            PortType::Option(inner) => match self.byte()? {
                0 => Value::Option(None),
                1 => Value::Option(Some(Box::new(self.value(inner, depth + 1)?))),
                _ => return Err(ValueError::Invalid { offset: at, reason: "option tag is not 0 or 1" }),
            },
            PortType::Record(fields) => {
                let mut values = Vec::with_capacity(fields.len());
                for f in fields {
                    values.push((f.name.clone(), self.value(&f.ty, depth + 1)?));
                }
                Value::Record(values)
            }
            PortType::Enum(variants) => {
                let i = self.varint(32)?;
                let name = usize::try_from(i)
                    .ok()
                    .and_then(|i| variants.get(i))
                    .ok_or(ValueError::Invalid { offset: at, reason: "enum variant index out of range" })?;
                Value::Enum(name.clone())
            }
        })
    }
}

mod json;
pub use json::JsonError;

#[cfg(test)]
mod tests;
