//! Signed checkpoint tests: body format, signed-note envelope, keys and the
//! rules for trusted, unknown and bad signatures.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use logos_ledger::checkpoint::{
    Checkpoint, CheckpointError, MAX_EXTENSIONS, MAX_NOTE_BYTES, MAX_SIGNATURES, MAX_TEXT_BYTES, NoteSigner,
    NoteVerifier, open_checkpoint, open_note, sign_note,
};
use logos_ledger::merkle::Hash;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const ORIGIN: &str = "logos.example/ledger";

fn signer(name: &str, seed: u8) -> NoteSigner {
    NoteSigner::from_bytes(name, &[seed; 32]).unwrap()
}

fn root() -> Hash {
    let mut root = [0u8; 32];
    for (i, b) in root.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(5);
    }
    root
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.to_owned(),
        size: 1_234_567,
        root: root(),
        extensions: vec!["ext one".to_owned(), "— ext two".to_owned()],
    }
}

fn body() -> String {
    format!("{ORIGIN}\n1234567\n{}\next one\n— ext two\n", STANDARD.encode(root()))
}

/// A signature line with arbitrary name, key id and signature bytes.
fn line(name: &str, key_id: u32, signature: &[u8]) -> String {
    let mut bytes = key_id.to_be_bytes().to_vec();
    bytes.extend_from_slice(signature);
    format!("\u{2014} {name} {}\n", STANDARD.encode(bytes))
}

fn signature_lines(note: &str) -> Vec<String> {
    let (_, block) = note.rsplit_once("\n\n").unwrap();
    block.lines().map(|l| format!("{l}\n")).collect()
}

/// The raw signature bytes (after the key id) of a single-signer note.
fn raw_signature(note: &str) -> Vec<u8> {
    let last = signature_lines(note).pop().unwrap();
    let encoded = last.trim_end().rsplit_once(' ').unwrap().1;
    STANDARD.decode(encoded).unwrap()[4..].to_vec()
}

#[test]
fn body_format_is_exact() {
    assert_eq!(checkpoint().to_body().unwrap(), body());
    assert_eq!(Checkpoint::parse_body(&body()).unwrap(), checkpoint());
    let empty = Checkpoint::new("o", 0, [0; 32]);
    assert_eq!(empty.to_body().unwrap(), "o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
}

#[test]
fn round_trip() {
    let s = signer(ORIGIN, 1);
    let note = s.sign(&checkpoint()).unwrap();
    assert!(note.starts_with(&body()));
    assert!(note.ends_with('\n'));
    assert_eq!(note.lines().nth(5), Some(""), "blank line after the body");
    assert!(note.lines().nth(6).unwrap().starts_with("\u{2014} logos.example/ledger "));
    assert_eq!(open_checkpoint(&note, &[s.verifier()]).unwrap(), checkpoint());

    let restored = NoteSigner::from_bytes(ORIGIN, &s.to_bytes()).unwrap();
    assert_eq!(restored.sign(&checkpoint()).unwrap(), note);

    let fresh = NoteSigner::generate("fresh.example").unwrap();
    let v = NoteVerifier::from_vkey(&fresh.verifier().to_vkey()).unwrap();
    assert_eq!(v, fresh.verifier());
    let note = fresh.sign(&checkpoint()).unwrap();
    assert_eq!(open_checkpoint(&note, &[v]).unwrap(), checkpoint());
}

#[test]
fn extreme_sizes_round_trip() {
    let s = signer(ORIGIN, 1);
    for size in [0, 1, 10, u64::MAX] {
        let cp = Checkpoint::new(ORIGIN, size, root());
        let note = s.sign(&cp).unwrap();
        assert_eq!(open_checkpoint(&note, &[s.verifier()]).unwrap(), cp);
    }
}

#[test]
fn tampered_notes_are_rejected() {
    let s = signer(ORIGIN, 1);
    let trusted = [s.verifier()];
    let note = s.sign(&checkpoint()).unwrap();
    let invalid = Err(CheckpointError::InvalidSignature { name: ORIGIN.to_owned() });

    let other_root = STANDARD.encode([9u8; 32]);
    let tampered = [
        note.replace("1234567", "1234568"),
        note.replacen(ORIGIN, "logos.example/other", 1),
        note.replace(&STANDARD.encode(root()), &other_root),
        note.replace("ext one\n", ""),
        note.replace("ext one\n", "ext one\nsneaked in\n"),
        note.replace("ext one", "ext onf"),
    ];
    for t in &tampered {
        assert_ne!(t, &note);
        assert_eq!(open_checkpoint(t, &trusted), invalid, "{t}");
    }

    // Every bit of the signature itself.
    let sig = raw_signature(&note);
    let body_and_blank = note.rsplit_once("\n\n").unwrap().0.to_owned() + "\n\n";
    for byte in 0..64 {
        for bit in 0..8 {
            let mut bad = sig.clone();
            bad[byte] ^= 1 << bit;
            let t = body_and_blank.clone() + &line(ORIGIN, s.key_id(), &bad);
            assert_eq!(open_checkpoint(&t, &trusted), invalid, "{byte}/{bit}");
        }
    }

    // Truncated or extended signatures from a trusted key are invalid too.
    for bad in [&sig[..63], &[sig.as_slice(), &[0]].concat()[..]] {
        let t = body_and_blank.clone() + &line(ORIGIN, s.key_id(), bad);
        assert_eq!(open_checkpoint(&t, &trusted), invalid);
    }
}

#[test]
fn unknown_signatures_only_is_no_trusted_signature() {
    let trusted = signer(ORIGIN, 1);
    let stranger = signer("stranger.example", 2);
    let note = stranger.sign(&checkpoint()).unwrap();
    let err = open_checkpoint(&note, &[trusted.verifier()]).unwrap_err();
    assert_eq!(err, CheckpointError::NoTrustedSignature);
    assert_eq!(err.to_string(), "no trusted signature");
    assert_eq!(open_checkpoint(&note, &[]), Err(CheckpointError::NoTrustedSignature));
}

#[test]
fn unknown_plus_trusted_signatures_open() {
    let trusted = signer(ORIGIN, 1);
    let stranger = signer("stranger.example", 2);
    let body = checkpoint().to_body().unwrap();
    for order in [[&stranger, &trusted], [&trusted, &stranger]] {
        let note = sign_note(&body, &order).unwrap();
        assert_eq!(signature_lines(&note).len(), 2);
        assert_eq!(open_checkpoint(&note, &[trusted.verifier()]).unwrap(), checkpoint());
        // Both trusted: both verified.
        assert_eq!(open_checkpoint(&note, &[stranger.verifier(), trusted.verifier()]).unwrap(), checkpoint());
    }

    // An unknown signature of a foreign type (not 64 bytes) is ignored too.
    let note = trusted.sign(&checkpoint()).unwrap() + &line("pq.example", 7, &[1; 700]);
    assert_eq!(open_checkpoint(&note, &[trusted.verifier()]).unwrap(), checkpoint());
}

#[test]
fn trusted_name_and_key_id_with_a_different_key_is_rejected() {
    // An attacker can cheaply find a key whose id collides with a trusted
    // one; the signature must then be verified, and fail.
    let trusted = signer(ORIGIN, 1);
    let attacker = signer(ORIGIN, 2);
    let body = checkpoint().to_body().unwrap();
    let forged_sig = raw_signature(&sign_note(&body, &[&attacker]).unwrap());
    let forged = format!("{body}\n{}", line(ORIGIN, trusted.key_id(), &forged_sig));
    assert_eq!(
        open_checkpoint(&forged, &[trusted.verifier()]),
        Err(CheckpointError::InvalidSignature { name: ORIGIN.to_owned() })
    );
    // Even next to a valid trusted signature, a failing one rejects the note.
    let both = trusted.sign(&checkpoint()).unwrap() + &line(ORIGIN, trusted.key_id(), &forged_sig);
    assert!(open_checkpoint(&both, &[trusted.verifier()]).is_err());

    // Sharing only the name or only the key id makes it an unknown key.
    let good = trusted.sign(&checkpoint()).unwrap();
    let same_name = good.clone() + &line(ORIGIN, trusted.key_id() ^ 1, &forged_sig);
    assert_eq!(open_checkpoint(&same_name, &[trusted.verifier()]).unwrap(), checkpoint());
    let same_id = good + &line("other.example", trusted.key_id(), &forged_sig);
    assert_eq!(open_checkpoint(&same_id, &[trusted.verifier()]).unwrap(), checkpoint());
}

#[test]
fn wrong_name_is_not_trusted() {
    let s = signer(ORIGIN, 1);
    let note = s.sign(&checkpoint()).unwrap();
    // Same key, different name: different key id, so an unknown key.
    let renamed = NoteVerifier::from_public_key("logos.example/other", &s.verifier().public_key()).unwrap();
    assert_ne!(renamed.key_id(), s.key_id());
    assert_eq!(open_checkpoint(&note, &[renamed]), Err(CheckpointError::NoTrustedSignature));
    // Relabelling the signature line with another name does not help.
    let sig = raw_signature(&note);
    let body = checkpoint().to_body().unwrap();
    let relabelled = format!("{body}\n{}", line("logos.example/other", s.key_id(), &sig));
    assert_eq!(open_checkpoint(&relabelled, &[s.verifier()]), Err(CheckpointError::NoTrustedSignature));
}

#[test]
fn malformed_signature_lines_are_rejected() {
    let s = signer(ORIGIN, 1);
    let trusted = [s.verifier()];
    let note = s.sign(&checkpoint()).unwrap();
    let (text, block) = note.rsplit_once("\n\n").unwrap();
    let text = format!("{text}\n");
    let good_line = block.to_owned();
    let good_b64 = good_line.trim_end().rsplit_once(' ').unwrap().1.to_owned();

    let bad_blocks = [
        good_line.replacen('\u{2014}', "-", 1),
        good_line.replacen('\u{2014}', "\u{2013}", 1),
        good_line.replacen("\u{2014} ", "\u{2014}", 1),
        good_line.replacen("\u{2014} ", " \u{2014} ", 1),
        format!("\u{2014} {good_b64}\n"),
        format!("\u{2014}  {good_b64}\n"),
        format!("\u{2014} a+b {good_b64}\n"),
        format!("\u{2014} {ORIGIN} {good_b64} extra\n"),
        format!("\u{2014} {ORIGIN} {}\n", good_b64.trim_end_matches('=')),
        format!("\u{2014} {ORIGIN} {good_b64}=\n"),
        format!("\u{2014} {ORIGIN} !{good_b64}\n"),
        format!("\u{2014} {ORIGIN} \n"),
        format!("\u{2014} {ORIGIN} AAAA\n"),
        format!("\u{2014} {ORIGIN} {}\n", STANDARD.encode([1, 2, 3, 4])),
        good_line.trim_end().to_owned(),
        format!("{good_line}not a signature\n"),
        format!("{good_line}\u{2014} \n"),
        format!("{good_line}\u{2014} name\n"),
    ];
    for block in &bad_blocks {
        let bad = format!("{text}\n{block}");
        assert!(
            matches!(open_checkpoint(&bad, &trusted), Err(CheckpointError::MalformedSignatureLine { .. })),
            "{block:?}: {:?}",
            open_checkpoint(&bad, &trusted)
        );
    }

    assert_eq!(open_checkpoint(&text, &trusted), Err(CheckpointError::MissingSignatureBlock));
    assert_eq!(open_checkpoint(&format!("{text}\n"), &trusted), Err(CheckpointError::NoSignatures));
    // A blank line after the signatures leaves them in the "text".
    assert_eq!(open_checkpoint(&format!("{note}\n"), &trusted), Err(CheckpointError::NoSignatures));
    // Control characters anywhere in the note.
    for bad in [note.replacen('\n', "\r\n", 1), note.replace(" ", "\t"), format!("{note}\0")] {
        assert!(matches!(open_checkpoint(&bad, &trusted), Err(CheckpointError::ControlCharacter(_))));
    }
}

#[test]
fn signature_and_size_limits() {
    let s = signer(ORIGIN, 1);
    let trusted = [s.verifier()];
    let note = s.sign(&checkpoint()).unwrap();
    let filler = line("filler.example", 1, &[0; 64]);

    let at_limit = note.clone() + &filler.repeat(MAX_SIGNATURES - 1);
    assert_eq!(open_checkpoint(&at_limit, &trusted).unwrap(), checkpoint());
    let over = at_limit + &filler;
    assert_eq!(
        open_checkpoint(&over, &trusted),
        Err(CheckpointError::TooManySignatures { max: MAX_SIGNATURES })
    );

    let huge = "x".repeat(MAX_NOTE_BYTES) + &note;
    assert!(matches!(open_checkpoint(&huge, &trusted), Err(CheckpointError::NoteTooLarge { .. })));

    let signers: Vec<NoteSigner> = (0..=MAX_SIGNATURES).map(|i| signer(&format!("s{i}"), i as u8)).collect();
    let refs: Vec<&NoteSigner> = signers.iter().collect();
    assert_eq!(sign_note(&body(), &refs), Err(CheckpointError::TooManySignatures { max: MAX_SIGNATURES }));
    let note = sign_note(&body(), &refs[..MAX_SIGNATURES]).unwrap();
    assert_eq!(open_checkpoint(&note, &[signers[42].verifier()]).unwrap(), checkpoint());
    assert_eq!(sign_note(&body(), &[]), Err(CheckpointError::NoSigners));
}

#[test]
fn sign_note_validates_text() {
    let s = signer(ORIGIN, 1);
    assert_eq!(sign_note("no newline", &[&s]), Err(CheckpointError::MissingFinalNewline));
    assert_eq!(sign_note("", &[&s]), Err(CheckpointError::MissingFinalNewline));
    assert!(matches!(sign_note("bell\x07\n", &[&s]), Err(CheckpointError::ControlCharacter(_))));
    assert!(matches!(
        sign_note(&"x\n".repeat(MAX_TEXT_BYTES), &[&s]),
        Err(CheckpointError::TextTooLarge { .. })
    ));
    // C2SP allows blank lines inside the text; the last one is the separator.
    let text = "first\n\nthird\n\n";
    let note = sign_note(text, &[&s]).unwrap();
    assert_eq!(open_note(&note, &[s.verifier()]).unwrap(), text);
}

#[test]
fn parse_body_rejects_non_canonical_bodies() {
    let b64 = STANDARD.encode(root());
    let ok = |size: &str| format!("o\n{size}\n{b64}\n");
    assert_eq!(Checkpoint::parse_body(&ok("0")).unwrap().size, 0);
    assert_eq!(Checkpoint::parse_body(&ok("18446744073709551615")).unwrap().size, u64::MAX);
    for size in [
        "",
        "00",
        "01",
        "+1",
        "-1",
        " 1",
        "1 ",
        "1.0",
        "0x10",
        "1e3",
        "١",
        "18446744073709551616",
        "99999999999999999999999",
    ] {
        assert_eq!(Checkpoint::parse_body(&ok(size)), Err(CheckpointError::InvalidSize), "{size:?}");
    }

    // The last base64 character of a 32-byte value carries two zero bits;
    // setting one gives another string that lenient decoders accept.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut trailing_bits = b64.clone().into_bytes();
    let last_data = trailing_bits.len() - 2;
    let position = alphabet.find(trailing_bits[last_data] as char).unwrap();
    assert_eq!(position % 4, 0);
    trailing_bits[last_data] = alphabet.as_bytes()[position + 1];
    let trailing_bits = String::from_utf8(trailing_bits).unwrap();
    assert_ne!(
        STANDARD.decode(&trailing_bits).ok().map(|v| v.len()),
        Some(32),
        "test input must be non-canonical"
    );
    for root_line in [
        trailing_bits,
        b64.trim_end_matches('=').to_owned(),
        format!("{b64}="),
        STANDARD.encode([0u8; 31]),
        STANDARD.encode([0u8; 33]),
        hex::encode(root()),
        format!(" {b64}"),
        String::new(),
    ] {
        assert_eq!(
            Checkpoint::parse_body(&format!("o\n5\n{root_line}\n")),
            Err(CheckpointError::InvalidRoot),
            "{root_line:?}"
        );
    }

    let cases: &[(&str, CheckpointError)] = &[
        ("", CheckpointError::MissingFinalNewline),
        ("o\n5\nAAAA", CheckpointError::MissingFinalNewline),
        ("\n", CheckpointError::EmptyOrigin),
        ("\n5\nAAAA\n", CheckpointError::EmptyOrigin),
        ("o\n", CheckpointError::MissingLine("tree size")),
        ("o\n5\n", CheckpointError::MissingLine("root hash")),
        ("o\r\n5\n", CheckpointError::ControlCharacter("checkpoint body")),
        ("o\t\n5\n", CheckpointError::ControlCharacter("checkpoint body")),
        ("o\x7f\n5\n", CheckpointError::ControlCharacter("checkpoint body")),
    ];
    for (text, err) in cases {
        assert_eq!(Checkpoint::parse_body(text).as_ref(), Err(err), "{text:?}");
    }
    assert_eq!(Checkpoint::parse_body(&format!("o\n5\n{b64}\n\n")), Err(CheckpointError::EmptyExtension));
    assert_eq!(
        Checkpoint::parse_body(&format!("o\n5\n{b64}\next\n\nmore\n")),
        Err(CheckpointError::EmptyExtension)
    );

    let with_extensions = |n: usize| format!("o\n5\n{b64}\n{}", "e\n".repeat(n));
    let parsed = Checkpoint::parse_body(&with_extensions(MAX_EXTENSIONS)).unwrap();
    assert_eq!(parsed.extensions.len(), MAX_EXTENSIONS);
    assert_eq!(
        Checkpoint::parse_body(&with_extensions(MAX_EXTENSIONS + 1)),
        Err(CheckpointError::TooManyExtensions { max: MAX_EXTENSIONS })
    );
    let big = format!("{}\n5\n{b64}\n", "o".repeat(MAX_TEXT_BYTES));
    assert!(matches!(Checkpoint::parse_body(&big), Err(CheckpointError::TextTooLarge { .. })));
}

#[test]
fn to_body_refuses_checkpoints_that_would_not_round_trip() {
    let mut cp = Checkpoint::new("", 1, root());
    assert_eq!(cp.to_body(), Err(CheckpointError::EmptyOrigin));
    cp.origin = "a\n2".to_owned();
    assert!(matches!(cp.to_body(), Err(CheckpointError::ControlCharacter(_))));
    cp.origin = "o".to_owned();
    cp.extensions = vec![String::new()];
    assert_eq!(cp.to_body(), Err(CheckpointError::EmptyExtension));
    cp.extensions = vec!["line\nline".to_owned()];
    assert!(matches!(cp.to_body(), Err(CheckpointError::ControlCharacter(_))));
    cp.extensions = vec!["e".to_owned(); MAX_EXTENSIONS + 1];
    assert!(matches!(cp.to_body(), Err(CheckpointError::TooManyExtensions { .. })));
    cp.extensions = vec!["e".repeat(MAX_TEXT_BYTES)];
    assert!(matches!(cp.to_body(), Err(CheckpointError::TextTooLarge { .. })));
    let s = signer("o", 1);
    assert!(s.sign(&cp).is_err());
}

#[test]
fn key_id_known_answer_computed_by_hand() {
    let seed = [0x42u8; 32];
    let name = "logos.example/ledger";
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();

    let mut input = name.as_bytes().to_vec();
    input.push(0x0a);
    input.push(0x01);
    input.extend_from_slice(&public);
    let digest = Sha256::digest(&input);
    let expected = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);

    let s = NoteSigner::from_bytes(name, &seed).unwrap();
    assert_eq!(s.key_id(), expected);
    assert_eq!(s.verifier().key_id(), expected);
    assert_eq!(s.verifier().public_key(), public);
    let mut key = vec![0x01];
    key.extend_from_slice(&public);
    assert_eq!(
        s.verifier().to_vkey(),
        format!("{name}+{}+{}", hex::encode(&digest[..4]), STANDARD.encode(key))
    );
    // The signature line starts with the same four bytes.
    let note = s.sign(&checkpoint()).unwrap();
    let last = signature_lines(&note).pop().unwrap();
    let encoded = last.trim_end().rsplit_once(' ').unwrap().1;
    assert_eq!(STANDARD.decode(encoded).unwrap()[..4], digest[..4]);
}

#[test]
fn verifier_keys_are_validated() {
    let s = signer(ORIGIN, 1);
    let vkey = s.verifier().to_vkey();
    assert_eq!(NoteVerifier::from_vkey(&vkey).unwrap(), s.verifier());
    assert_eq!(NoteVerifier::from_vkey(&vkey).unwrap().name(), ORIGIN);

    let (name, rest) = vkey.split_once('+').unwrap();
    let (id, key) = rest.split_once('+').unwrap();
    let key_bytes = STANDARD.decode(key).unwrap();
    let other_id = format!("{:08x}", s.key_id() ^ 0x8000_0000);

    let with_type = |t: u8| {
        let mut k = key_bytes.clone();
        k[0] = t;
        format!("{name}+{id}+{}", STANDARD.encode(k))
    };
    assert_eq!(NoteVerifier::from_vkey(&with_type(0x02)), Err(CheckpointError::UnsupportedKeyType(0x02)));
    assert_eq!(
        NoteVerifier::from_vkey(&format!("{name}+{other_id}+{key}")),
        Err(CheckpointError::KeyIdMismatch)
    );
    assert_eq!(NoteVerifier::from_vkey(&format!("other+{id}+{key}")), Err(CheckpointError::KeyIdMismatch));
    assert_eq!(NoteVerifier::from_vkey(&format!("+{id}+{key}")), Err(CheckpointError::InvalidKeyName));
    assert_eq!(NoteVerifier::from_vkey(&format!("a b+{id}+{key}")), Err(CheckpointError::InvalidKeyName));
    for bad in [
        String::new(),
        name.to_owned(),
        format!("{name}+{id}"),
        format!("{name}+{}+{key}", id.to_uppercase()),
        format!("{name}+{}+{key}", &id[..7]),
        format!("{name}+0{id}+{key}"),
        format!("{name}++{key}"),
        format!("{name}+{id}+"),
        format!("{name}+{id}+{}", &key[..key.len() - 1]),
        format!("{name}+{id}+{key}="),
        format!("{name}+{id}+{}", STANDARD.encode(&key_bytes[..32])),
        format!("{name}+{id}+{}", STANDARD.encode([&key_bytes[..], &[0]].concat())),
    ] {
        assert!(
            matches!(NoteVerifier::from_vkey(&bad), Err(CheckpointError::MalformedVerifierKey(_))),
            "{bad:?}: {:?}",
            NoteVerifier::from_vkey(&bad)
        );
    }

    // The identity point is a valid encoding but of small order.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(NoteVerifier::from_public_key("weak", &identity), Err(CheckpointError::WeakKey));
    let mut weak_key = vec![0x01];
    weak_key.extend_from_slice(&identity);
    let digest = Sha256::digest([b"weak\n\x01".as_slice(), &identity].concat());
    let weak = format!("weak+{}+{}", hex::encode(&digest[..4]), STANDARD.encode(weak_key));
    assert_eq!(NoteVerifier::from_vkey(&weak), Err(CheckpointError::WeakKey));

    for bad_name in ["", "a b", "a+b", "tab\there", "nl\n", "nbsp\u{a0}"] {
        assert_eq!(
            NoteSigner::from_bytes(bad_name, &[1; 32]).map(|_| ()),
            Err(CheckpointError::InvalidKeyName),
            "{bad_name:?}"
        );
    }
}

#[test]
fn debug_output_hides_the_secret_key() {
    let s = signer(ORIGIN, 0x5a);
    let shown = format!("{s:?}");
    assert!(shown.contains(ORIGIN));
    assert!(!shown.contains(&STANDARD.encode(s.to_bytes())));
    assert!(!shown.contains(&hex::encode(s.to_bytes())));
    assert!(!shown.contains("90, 90"), "{shown}");
    assert_eq!(format!("{:?}", s.verifier()), format!("NoteVerifier({:?})", s.verifier().to_vkey()));
}

fn signed() -> (String, NoteVerifier) {
    let s = signer(ORIGIN, 1);
    (s.sign(&checkpoint()).unwrap(), s.verifier())
}

proptest! {
    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        let (_, v) = signed();
        let _ = Checkpoint::parse_body(&text);
        let _ = NoteVerifier::from_vkey(&text);
        prop_assert!(open_checkpoint(&text, std::slice::from_ref(&v)).is_err());
    }

    #[test]
    fn note_shaped_text_never_panics(
        body in "[a-z0-9/+=\n]{0,60}",
        sigs in prop::collection::vec("(\u{2014} )?[a-zA-Z0-9+/=. ]{0,100}", 0..4),
    ) {
        let note = format!("{body}\n\n{}\n", sigs.join("\n"));
        let (_, v) = signed();
        let _ = Checkpoint::parse_body(&body);
        prop_assert!(open_checkpoint(&note, &[v]).is_err());
    }

    #[test]
    fn mutated_notes_never_open_to_something_else(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let (note, v) = signed();
        let mut bytes = note.clone().into_bytes();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let Ok(mutated) = String::from_utf8(bytes) else {
            return Ok(());
        };
        match open_checkpoint(&mutated, &[v]) {
            Ok(cp) => {
                prop_assert_eq!(cp, checkpoint());
                prop_assert_eq!(mutated, note);
            }
            Err(_) => prop_assert_ne!(mutated, note),
        }
    }

    #[test]
    fn valid_checkpoints_round_trip(
        origin in "[a-z][a-z0-9./-]{0,40}",
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        extensions in prop::collection::vec("[ -~]{1,30}", 0..5),
    ) {
        let cp = Checkpoint { origin, size, root, extensions };
        let body = cp.to_body().unwrap();
        prop_assert_eq!(&Checkpoint::parse_body(&body).unwrap(), &cp);
        let s = signer("k", 3);
        let note = s.sign(&cp).unwrap();
        prop_assert_eq!(open_checkpoint(&note, &[s.verifier()]).unwrap(), cp);
    }
}
