//! JSON views of values, for CLIs and HTTP hosts. The port type decides how
//! each JSON value is read: numbers must fit the declared width exactly,
//! `bytes` are hex strings, enums are variant names, options are `null` or
//! the value, and records are objects with exactly the declared fields
//! (an absent `option` field reads as `null`).

use serde_json::{Map, Number, Value as Json};

use super::Value;
use crate::types::{MAX_TYPE_DEPTH, PortType};

/// Why a JSON document is not a value of the declared type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at {path}: expected {expected}, {problem}")]
pub struct JsonError {
    /// Where, e.g. `.payment.amount`.
    pub path: String,
    /// The declared type.
    pub expected: String,
    /// What was wrong.
    pub problem: String,
}

impl Value {
    /// Reads `json` as a value of type `ty`.
    pub fn from_json(json: &Json, ty: &PortType) -> Result<Value, JsonError> {
        let mut path = Vec::new();
        from_json(json, ty, &mut path, 1)
    }

    /// This value as JSON (non-finite floats become `null`).
    pub fn to_json(&self) -> Json {
        match self {
            Value::Bool(b) => Json::Bool(*b),
            Value::U8(v) => Json::from(*v),
            Value::U16(v) => Json::from(*v),
            Value::U32(v) => Json::from(*v),
            Value::U64(v) => Json::from(*v),
            Value::I8(v) => Json::from(*v),
            Value::I16(v) => Json::from(*v),
            Value::I32(v) => Json::from(*v),
            Value::I64(v) => Json::from(*v),
            Value::F64(v) => Number::from_f64(*v).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::Bytes(b) => Json::String(b.iter().map(|b| format!("{b:02x}")).collect()),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Option(None) => Json::Null,
            Value::Option(Some(v)) => v.to_json(),
            Value::Record(fields) => {
                Json::Object(fields.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<Map<_, _>>())
            }
            Value::Enum(name) => Json::String(name.clone()),
        }
    }
}

fn from_json(json: &Json, ty: &PortType, path: &mut Vec<String>, depth: usize) -> Result<Value, JsonError> {
    let fail = |path: &Vec<String>, problem: String| JsonError {
        path: if path.is_empty() { "(root)".into() } else { path.concat() },
        expected: ty.to_string(),
        problem,
    };
    if depth > MAX_TYPE_DEPTH {
        return Err(fail(path, "the type nests too deeply".into()));
    }
    let found = || match json {
        Json::Null => "found null".to_string(),
        Json::Bool(_) => "found a boolean".into(),
        Json::Number(n) => format!("found the number {n}"),
        Json::String(_) => "found a string".into(),
        Json::Array(_) => "found an array".into(),
        Json::Object(_) => "found an object".into(),
    };
    macro_rules! int {
        ($variant:ident, $t:ty) => {{
            let n = json
                .as_u64()
                .and_then(|v| <$t>::try_from(v).ok())
                .or_else(|| json.as_i64().and_then(|v| <$t>::try_from(v).ok()));
            match n {
                Some(v) => Value::$variant(v),
                None => return Err(fail(path, format!("{} (out of range or not an integer)", found()))),
            }
        }};
    }
    Ok(match ty {
        PortType::Bool => match json {
            Json::Bool(b) => Value::Bool(*b),
            _ => return Err(fail(path, found())),
        },
        PortType::U8 => int!(U8, u8),
        PortType::U16 => int!(U16, u16),
        PortType::U32 => int!(U32, u32),
        PortType::U64 => int!(U64, u64),
        PortType::I8 => int!(I8, i8),
        PortType::I16 => int!(I16, i16),
        PortType::I32 => int!(I32, i32),
        PortType::I64 => int!(I64, i64),
        PortType::F64 => match json.as_f64() {
            Some(v) => Value::F64(v),
            None => return Err(fail(path, found())),
        },
        PortType::String => match json {
            Json::String(s) => Value::String(s.clone()),
            _ => return Err(fail(path, found())),
        },
        PortType::Bytes => match json.as_str().and_then(decode_hex) {
            Some(b) => Value::Bytes(b),
            None => {
                return Err(fail(
                    path,
                    format!("{} (bytes are written as an even-length hex string)", found()),
                ));
            }
        },
        PortType::List(inner) => match json {
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(format!("[{i}]"));
                    out.push(from_json(item, inner, path, depth + 1)?);
                    path.pop();
                }
                Value::List(out)
            }
            _ => return Err(fail(path, found())),
        },
        PortType::Option(inner) => match json {
            Json::Null => Value::Option(None),
            other => Value::Option(Some(Box::new(from_json(other, inner, path, depth + 1)?))),
        },
        PortType::Record(fields) => match json {
            Json::Object(map) => {
                if let Some(extra) = map.keys().find(|k| !fields.iter().any(|f| &f.name == *k)) {
                    return Err(fail(path, format!("found unknown field `{extra}`")));
                }
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    path.push(format!(".{}", f.name));
                    let v = match (map.get(&f.name), &f.ty) {
                        (Some(v), ty) => from_json(v, ty, path, depth + 1)?,
                        (None, PortType::Option(_)) => Value::Option(None),
                        (None, _) => {
                            path.pop();
                            return Err(fail(path, format!("field `{}` is missing", f.name)));
                        }
                    };
                    path.pop();
                    out.push((f.name.clone(), v));
                }
                Value::Record(out)
            }
            _ => return Err(fail(path, found())),
        },
        PortType::Enum(variants) => match json {
            Json::String(s) if variants.contains(s) => Value::Enum(s.clone()),
            Json::String(s) => return Err(fail(path, format!("found unknown variant `{s}`"))),
            _ => return Err(fail(path, found())),
        },
    })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    // `from_str_radix` alone would also take a leading `+` ("+f" is 15), so
    // every character is checked to be a hex digit first.
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}
