//! The check the logos-compile fuzz target runs: wasm ingestion and static
//! verification, the door every node module passes before it is stored.
//!
//! Like `checks.rs`, this file depends on nothing but `logos_compile`,
//! `logos_core` and `std`: it is compiled as `logos_fuzz::compile_checks` for
//! the libFuzzer target and, through `#[path]`, inside logos-compile's
//! `tests/fuzz_regressions.rs`, which replays the seeds on stable.

use logos_compile::{
    MANIFEST_SECTION, ManifestSectionError, VerifyError, VerifyLimits, embed_manifest, embedded_manifest,
    verify_embedded, verify_wasm,
};

/// A node module without a manifest that imports `logos.log` and
/// `logos.kv_get`, so it verifies only with a manifest requesting both.
/// Generated from:
///
/// ```text
/// (module
///   (import "logos" "log" (func (param i32 i32)))
///   (import "logos" "kv_get" (func (param i32 i32 i32 i32) (result i32)))
///   (memory (export "memory") 1)
///   (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
///   (func (export "logos_execute") (param i32 i32) (result i64) (i64.const 0)))
/// ```
pub const BARE_NODE: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x19, 0x04, 0x60, 0x02, 0x7f, 0x7f, 0x00, //
    0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, //
    0x7f, 0x01, 0x7e, 0x02, 0x1c, 0x02, 0x05, 0x6c, 0x6f, 0x67, 0x6f, 0x73, 0x03, 0x6c, 0x6f, 0x67, //
    0x00, 0x00, 0x05, 0x6c, 0x6f, 0x67, 0x6f, 0x73, 0x06, 0x6b, 0x76, 0x5f, 0x67, 0x65, 0x74, 0x00, //
    0x01, 0x03, 0x03, 0x02, 0x02, 0x03, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x28, 0x03, 0x06, 0x6d, //
    0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x0b, 0x6c, 0x6f, 0x67, 0x6f, 0x73, 0x5f, 0x61, 0x6c, //
    0x6c, 0x6f, 0x63, 0x00, 0x02, 0x0d, 0x6c, 0x6f, 0x67, 0x6f, 0x73, 0x5f, 0x65, 0x78, 0x65, 0x63, //
    0x75, 0x74, 0x65, 0x00, 0x03, 0x0a, 0x0c, 0x02, 0x05, 0x00, 0x41, 0x80, 0x08, 0x0b, 0x04, 0x00, //
    0x42, 0x00, 0x0b,
];

/// `wasm_verify`: either a manifest (input starting with `{`, which no wasm
/// module does), embedded as the `logos.manifest` section of [`BARE_NODE`],
/// or any other bytes, offered as a node module as they are. The first form
/// keeps the fuzzer on the accepting path, where byte mutations of whole
/// modules rarely stay; it fuzzes the manifest reader and the capability
/// gate on imports. Either way nothing panics, and:
///
/// - a module the verifier refuses under its own embedded contract is also
///   refused when that contract is declared separately (the two entry
///   points, `verify_embedded` for `logos node add-wasm` and `verify_wasm`
///   for `Session::add_node`, never disagree);
/// - a module it accepts returns a well-formed manifest, the one
///   `embedded_manifest` reads; `verify_wasm` accepts it with exactly that
///   manifest and refuses it with any other (`ManifestMismatch`); the size
///   cap is exact; no second manifest can be embedded; and with its manifest
///   section removed the module is refused (`ManifestMissing`), while
///   embedding the same manifest again gives a module that verifies to it.
pub fn wasm_verify(data: &[u8]) {
    if data.first() == Some(&b'{') {
        let mut module = BARE_NODE.to_vec();
        module.extend(custom_section(MANIFEST_SECTION, data));
        check_module(&module);
    } else {
        check_module(data);
    }
}

fn check_module(data: &[u8]) {
    let limits = VerifyLimits::default();
    let carried = embedded_manifest(data);
    let manifest = match verify_embedded(data, &limits) {
        Ok(manifest) => manifest,
        Err(refused) => {
            if let Ok(Some(m)) = &carried {
                assert!(
                    verify_wasm(data, m, &limits).is_err(),
                    "verify_embedded refuses the module ({refused}) but verify_wasm accepts it with the manifest it carries"
                );
            }
            return;
        }
    };
    if let Err(e) = manifest.validate() {
        panic!("the verifier accepted an invalid manifest {manifest:?}: {e}");
    }
    match &carried {
        Ok(Some(m)) => {
            assert_eq!(m, &manifest, "embedded_manifest and verify_embedded read different contracts")
        }
        other => {
            panic!("verify_embedded accepted a module whose manifest embedded_manifest reads as {other:?}")
        }
    }
    if let Err(e) = verify_wasm(data, &manifest, &limits) {
        panic!("verify_embedded accepts the module but verify_wasm refuses it with its own manifest: {e}");
    }
    let mut other = manifest.clone();
    other.name = if other.name == "x" { "y".into() } else { "x".into() };
    match verify_wasm(data, &other, &limits) {
        Err(VerifyError::ManifestMismatch { .. }) => {}
        result => panic!("declared with another name the module gives {result:?}, not ManifestMismatch"),
    }
    let tight = VerifyLimits { max_wasm_bytes: data.len() - 1, ..limits };
    match verify_embedded(data, &tight) {
        Err(VerifyError::TooLarge { size, .. }) if size == data.len() => {}
        result => panic!("one byte over the size cap the module gives {result:?}, not TooLarge"),
    }
    if !matches!(embed_manifest(data, &manifest), Err(ManifestSectionError::AlreadyEmbedded)) {
        panic!("a second manifest could be embedded into a verified module");
    }
    let bare = without_section(data, MANIFEST_SECTION);
    match verify_embedded(&bare, &limits) {
        Err(VerifyError::ManifestMissing) => {}
        result => panic!("without its manifest section the module gives {result:?}, not ManifestMissing"),
    }
    let again = match embed_manifest(&bare, &manifest) {
        Ok(again) => again,
        Err(e) => panic!("the verified manifest cannot be embedded again: {e}"),
    };
    // The manifest is written back as compact JSON, which may be longer than
    // the original spelling; past the caps a refusal is the right answer.
    if again.len() <= limits.max_wasm_bytes
        && section_len(&again, MANIFEST_SECTION) <= logos_compile::MAX_MANIFEST_SECTION
    {
        assert_eq!(
            verify_embedded(&again, &limits),
            Ok(manifest),
            "the re-embedded module verifies differently"
        );
    }
}

/// The sections of a valid module: `(whole section range, custom section
/// name)`. Only called on modules the verifier accepted, so a module that
/// does not walk is itself a finding.
fn sections(wasm: &[u8]) -> Vec<(std::ops::Range<usize>, Option<&[u8]>)> {
    fn leb(bytes: &[u8], at: &mut usize) -> Option<usize> {
        let mut v = 0usize;
        for shift in (0..35).step_by(7) {
            let b = *bytes.get(*at)?;
            *at += 1;
            v |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let mut out = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size =
            leb(wasm, &mut at).unwrap_or_else(|| panic!("verified module: bad section size at {start}"));
        let body = at;
        at = body
            .checked_add(size)
            .filter(|end| *end <= wasm.len())
            .unwrap_or_else(|| panic!("verified module: section at {start} runs past the end"));
        let name = (id == 0).then(|| {
            let mut p = body;
            let n =
                leb(wasm, &mut p).unwrap_or_else(|| panic!("verified module: bad custom name at {start}"));
            wasm.get(p..p + n).unwrap_or_else(|| panic!("verified module: custom name past its section"))
        });
        out.push((start..at, name));
    }
    out
}

/// `wasm` without its custom sections named `name`.
fn without_section(wasm: &[u8], name: &str) -> Vec<u8> {
    let mut out = wasm[..8].to_vec();
    for (range, custom) in sections(wasm) {
        if custom != Some(name.as_bytes()) {
            out.extend_from_slice(&wasm[range]);
        }
    }
    out
}

/// Size of the whole custom section named `name` (0 if absent).
fn section_len(wasm: &[u8], name: &str) -> usize {
    sections(wasm)
        .into_iter()
        .filter(|(_, custom)| *custom == Some(name.as_bytes()))
        .map(|(r, _)| r.len())
        .sum()
}

/// A custom section `name` holding `data`.
pub fn custom_section(name: &str, data: &[u8]) -> Vec<u8> {
    fn leb(mut v: usize, out: &mut Vec<u8>) {
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
    let mut body = Vec::with_capacity(name.len() + data.len() + 5);
    leb(name.len(), &mut body);
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    let mut out = vec![0];
    leb(body.len(), &mut out);
    out.extend(body);
    out
}
