use super::*;
use crate::types::Field;

fn ty(s: &str) -> PortType {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[derive(serde::Serialize)]
enum Decision {
    #[allow(dead_code)]
    Approve,
    Review,
}

#[derive(serde::Serialize)]
struct Payment {
    amount: u64,
    delta: i32,
    small: i8,
    flag: bool,
    rate: f64,
    country: String,
    tags: Vec<String>,
    memo: Option<Vec<u8>>,
    decision: Decision,
}

#[test]
fn wire_format_is_postcard() {
    let native = Payment {
        amount: 1_000_000,
        delta: -300,
        small: -2,
        flag: true,
        rate: 0.25,
        country: "CH".into(),
        tags: vec!["a".into(), "bc".into()],
        memo: Some(vec![1, 2, 255]),
        decision: Decision::Review,
    };
    let t = ty("record{amount: u64, delta: i32, small: i8, flag: bool, rate: f64, country: string, \
                tags: list<string>, memo: option<bytes>, decision: enum{Approve, Review}}");
    let v = Value::Record(vec![
        ("amount".into(), Value::U64(1_000_000)),
        ("delta".into(), Value::I32(-300)),
        ("small".into(), Value::I8(-2)),
        ("flag".into(), Value::Bool(true)),
        ("rate".into(), Value::F64(0.25)),
        ("country".into(), Value::String("CH".into())),
        ("tags".into(), Value::List(vec![Value::String("a".into()), Value::String("bc".into())])),
        ("memo".into(), Value::Option(Some(Box::new(Value::Bytes(vec![1, 2, 255]))))),
        ("decision".into(), Value::Enum("Review".into())),
    ]);
    let expected = postcard::to_allocvec(&native).expect("postcard encodes");
    assert_eq!(v.encode(&t).expect("encodes"), expected);
    assert_eq!(Value::decode(&expected, &t).expect("decodes"), v);
}

#[test]
fn integer_extremes_match_postcard() {
    for (v, t, native) in [
        (Value::U64(u64::MAX), "u64", postcard::to_allocvec(&u64::MAX)),
        (Value::I64(i64::MIN), "i64", postcard::to_allocvec(&i64::MIN)),
        (Value::U16(u16::MAX), "u16", postcard::to_allocvec(&u16::MAX)),
        (Value::I16(i16::MIN), "i16", postcard::to_allocvec(&i16::MIN)),
        (Value::U32(u32::MAX), "u32", postcard::to_allocvec(&u32::MAX)),
    ] {
        let native = native.expect("postcard encodes");
        assert_eq!(v.encode(&ty(t)).expect("encodes"), native, "{t}");
        assert_eq!(Value::decode(&native, &ty(t)).expect("decodes"), v);
    }
}

#[test]
fn wrong_shape_names_the_path() {
    let t = ty("record{a: list<record{b: u32}>}");
    let v = Value::Record(vec![(
        "a".into(),
        Value::List(vec![Value::Record(vec![("b".into(), Value::U64(1))])]),
    )]);
    let err = v.encode(&t).unwrap_err();
    assert_eq!(err.to_string(), "at .a[0].b: expected u32, found u64");
}

#[test]
fn non_canonical_and_overflowing_varints_are_refused() {
    // 1 encoded in two bytes.
    assert!(matches!(Value::decode(&[0x81, 0x00], &PortType::U32), Err(ValueError::Invalid { .. })));
    // u16::MAX + 1
    assert!(Value::decode(&[0x80, 0x80, 0x04], &PortType::U16).is_err());
    // eleven bytes for a u64
    assert!(Value::decode(&[0xff; 11], &PortType::U64).is_err());
    // 2^64 (the tenth byte carries a bit past 64)
    assert!(
        Value::decode(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02], &PortType::U64).is_err()
    );
}

#[test]
fn huge_counts_do_not_allocate() {
    // A list claiming u64::MAX zero-sized elements.
    let mut bytes = Vec::new();
    put_varint(&mut bytes, u64::MAX);
    let err = Value::decode(&bytes, &ty("list<record{}>")).unwrap_err();
    assert_eq!(err, ValueError::TooLarge("too many items"));
    // A string claiming more bytes than exist.
    let mut bytes = Vec::new();
    put_varint(&mut bytes, 1 << 40);
    assert!(matches!(Value::decode(&bytes, &PortType::String), Err(ValueError::Truncated { .. })));
}

#[test]
fn item_budget_counts_zero_sized_elements() {
    let mut bytes = Vec::new();
    put_varint(&mut bytes, 10_000);
    let limits = DecodeLimits { max_bytes: 1024, max_items: 1000 };
    assert!(Value::decode_with(&bytes, &ty("list<record{}>"), limits).is_err());
    let limits = DecodeLimits { max_bytes: 1024, max_items: 20_000 };
    assert!(Value::decode_with(&bytes, &ty("list<record{}>"), limits).is_ok());
}

#[test]
fn trailing_bytes_and_bad_tags_are_refused() {
    assert_eq!(
        Value::decode(&[1, 0], &PortType::Bool),
        Err(ValueError::TrailingBytes { offset: 1, extra: 1 })
    );
    assert!(Value::decode(&[2], &PortType::Bool).is_err());
    assert!(Value::decode(&[2, 0], &ty("option<u8>")).is_err());
    assert!(Value::decode(&[2], &ty("enum{A, B}")).is_err());
    assert!(Value::decode(&[2, 0xff, 0xfe], &PortType::String).is_err());
}

#[test]
fn json_reads_by_type() {
    let t = ty("record{amount: u64, memo: option<bytes>, kind: enum{Card, Wire}, tags: list<i8>}");
    let v = Value::from_json(&serde_json::json!({"amount": 5, "kind": "Wire", "tags": [-1, 2]}), &t)
        .expect("reads");
    assert_eq!(v.to_json(), serde_json::json!({"amount": 5, "memo": null, "kind": "Wire", "tags": [-1, 2]}));
    let err =
        Value::from_json(&serde_json::json!({"amount": -5, "kind": "Wire", "tags": []}), &t).unwrap_err();
    assert_eq!(err.path, ".amount");
    let err =
        Value::from_json(&serde_json::json!({"amount": 1, "kind": "Cash", "tags": []}), &t).unwrap_err();
    assert!(err.to_string().contains("unknown variant `Cash`"), "{err}");
    let err = Value::from_json(&serde_json::json!({"amount": 1, "kind": "Card", "tags": [], "x": 1}), &t)
        .unwrap_err();
    assert!(err.to_string().contains("unknown field `x`"), "{err}");
}

#[test]
fn json_bytes_are_hex() {
    let v = Value::from_json(&serde_json::json!("00ff10"), &PortType::Bytes).expect("hex");
    assert_eq!(v, Value::Bytes(vec![0, 255, 16]));
    assert!(Value::from_json(&serde_json::json!("0"), &PortType::Bytes).is_err());
    assert!(Value::from_json(&serde_json::json!("zz"), &PortType::Bytes).is_err());
}

#[test]
fn record_field_names_must_match() {
    let t = PortType::Record(vec![Field::new("a", PortType::U8)]);
    assert!(Value::Record(vec![("b".into(), Value::U8(1))]).encode(&t).is_err());
}
