//! Migration tokens, attacked from the outside: every way of getting a token
//! accepted that it should not be must end in its own specific refusal.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use logos_core::{Capability, NodeId};
use logos_ledger::Keyring;
use logos_ledger::token::{
    MAX_SIGNATURES, MAX_TOKEN_BYTES, Operation, Statement, Token, TokenError, VerifiedToken, VerifyContext,
};
use proptest::prelude::*;

const ORIGIN: &str = "logos.test/ledger";
const SIZE: u64 = 7;
const ROOT: [u8; 32] = [0x42; 32];
const NOW: u64 = 1_700_000_000_000;
const EXPIRES: u64 = 1_700_000_600_000;
const NONCE: [u8; 16] = [0x5a; 16];

fn human(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn public(seed: u8) -> [u8; 32] {
    human(seed).verifying_key().to_bytes()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn node(name: &str) -> NodeId {
    NodeId::of_wasm(name.as_bytes())
}

fn promote() -> Operation {
    Operation::Promote { node: node("payments") }
}

fn statement_for(op: Operation) -> Statement {
    Statement::new(ORIGIN, op, SIZE, ROOT, EXPIRES, NONCE).expect("test statement is canonical")
}

fn signed(statement: Statement, seeds: &[u8]) -> Token {
    let mut token = Token::new(statement);
    for seed in seeds {
        token.sign(&human(*seed)).expect("under the signature limit");
    }
    token
}

fn promote_token(seeds: &[u8]) -> Token {
    signed(statement_for(promote()), seeds)
}

/// A ledger as the store would see it: humans 1, 2 and 3 registered, 2 of 3
/// required, ten entries long, with root `ROOT` at size `SIZE`.
struct Ledger {
    keyring: Keyring,
    origin: String,
    now_ms: u64,
    current_size: u64,
    roots: BTreeMap<u64, [u8; 32]>,
    used: BTreeSet<[u8; 32]>,
}

impl Ledger {
    fn new() -> Self {
        let roots = (1..=10).map(|size| (size, [size as u8; 32])).chain([(SIZE, ROOT)]).collect();
        Self {
            keyring: Keyring { keys: vec![public(1), public(2), public(3)], quorum: 2 },
            origin: ORIGIN.into(),
            now_ms: NOW,
            current_size: 10,
            roots,
            used: BTreeSet::new(),
        }
    }

    fn verify(&self, token: &Token, expected: &Operation) -> Result<VerifiedToken, TokenError> {
        let root_at = |size: u64| self.roots.get(&size).copied();
        let is_used = |digest: &[u8; 32]| self.used.contains(digest);
        token.verify(&VerifyContext {
            keyring: &self.keyring,
            origin: &self.origin,
            expected,
            now_ms: self.now_ms,
            current_size: self.current_size,
            root_at: &root_at,
            is_used: &is_used,
        })
    }
}

/// Sends the token through its text form, as it would travel between humans.
fn reparse(token: &Token) -> Token {
    Token::parse(&token.to_text()).expect("a printed token parses")
}

fn sig_of(token: &Token, key: &[u8; 32]) -> [u8; 64] {
    token.signatures().find(|(k, _)| k == key).map(|(_, s)| s).expect("key has signed")
}

fn is_malformed(result: Result<Token, TokenError>) -> bool {
    matches!(result, Err(TokenError::Malformed { .. }))
}

#[test]
fn two_of_three_is_accepted_and_reports_its_signers() {
    let token = reparse(&promote_token(&[3, 1]));
    let verified = Ledger::new().verify(&token, &promote()).expect("valid token");

    let mut expected = vec![public(1), public(3)];
    expected.sort();
    assert_eq!(verified.signers(), expected.as_slice());
    assert_eq!(verified.operation(), &promote());
    assert_eq!(verified.digest(), token.digest());
    assert_eq!(verified.statement_text(), token.statement().to_text());
    assert_eq!(verified.statement(), token.statement());
    let pairs: Vec<_> = token.signatures().collect();
    assert_eq!(verified.signatures(), pairs.as_slice());
    assert_eq!(token.verify_signatures(&Ledger::new().keyring), Ok(expected));
}

#[test]
fn every_operation_kind_round_trips_and_verifies() {
    let mut keys = vec![public(1), public(2), public(4)];
    keys.sort();
    let ops = [
        promote(),
        Operation::Deprecate { node: node("old") },
        Operation::Migrate { from: node("old"), to: node("new") },
        Operation::MigrateVia { from: node("old"), to: node("new"), adapter: node("bridge") },
        Operation::Grant { node: node("fetch"), capability: Capability::Network },
        Operation::ChangeKeyring { keys, quorum: 2 },
        Operation::ChangePolicy { digest: [0xcd; 32] },
    ];
    let ledger = Ledger::new();
    for op in ops {
        let token = reparse(&signed(statement_for(op.clone()), &[1, 2]));
        assert_eq!(token.statement().operation(), &op);
        assert!(ledger.verify(&token, &op).is_ok(), "{op} refused");
    }
}

#[test]
fn a_signature_filed_under_another_key_is_invalid() {
    let honest = promote_token(&[1, 2]);
    let forged = Token::with_signatures(
        honest.statement().clone(),
        [(public(1), sig_of(&honest, &public(1))), (public(2), sig_of(&honest, &public(1)))],
    )
    .expect("two distinct keys");
    let err = Ledger::new().verify(&reparse(&forged), &promote()).unwrap_err();
    assert_eq!(err, TokenError::InvalidSignature { key: hex(&public(2)) });

    // The same forgery done by editing the file by hand.
    let text = honest.to_text();
    let edited = text
        .replace(&BASE64.encode(sig_of(&honest, &public(2))), &BASE64.encode(sig_of(&honest, &public(1))));
    assert_ne!(edited, text);
    let err =
        Ledger::new().verify(&Token::parse(&edited).expect("still well formed"), &promote()).unwrap_err();
    assert_eq!(err, TokenError::InvalidSignature { key: hex(&public(2)) });
}

#[test]
fn unregistered_signers_do_not_count() {
    let token = reparse(&promote_token(&[1, 9]));
    let err = Ledger::new().verify(&token, &promote()).unwrap_err();
    assert_eq!(err, TokenError::SubQuorum { valid: 1, required: 2 });

    // With enough registered signers they are simply left out of the record.
    let token = reparse(&promote_token(&[1, 2, 9]));
    let verified = Ledger::new().verify(&token, &promote()).expect("quorum reached");
    assert!(!verified.signers().contains(&public(9)));
    assert!(verified.signatures().iter().all(|(k, _)| *k != public(9)));
}

#[test]
fn an_invalid_signature_from_an_unregistered_key_still_refuses_the_token() {
    let mut token = promote_token(&[1, 2]);
    token.add_signature(public(9), [0; 64]).expect("new key");
    let err = Ledger::new().verify(&reparse(&token), &promote()).unwrap_err();
    assert_eq!(err, TokenError::InvalidSignature { key: hex(&public(9)) });
}

#[test]
fn below_quorum_is_refused() {
    let ledger = Ledger::new();
    let one = ledger.verify(&reparse(&promote_token(&[2])), &promote()).unwrap_err();
    assert_eq!(one, TokenError::SubQuorum { valid: 1, required: 2 });
    let none = ledger.verify(&reparse(&promote_token(&[])), &promote()).unwrap_err();
    assert_eq!(none, TokenError::SubQuorum { valid: 0, required: 2 });
}

#[test]
fn one_human_never_counts_twice() {
    // The same `sig` line twice in the file.
    let text = promote_token(&[1]).to_text();
    let line = text.lines().last().expect("one sig line").to_owned();
    let doubled = format!("{text}{line}\n");
    assert_eq!(Token::parse(&doubled).unwrap_err(), TokenError::DuplicateSigner { key: hex(&public(1)) });

    // Signing twice keeps one signature.
    let mut token = promote_token(&[1]);
    token.sign(&human(1)).expect("replaces");
    assert_eq!(token.signatures().len(), 1);
    let err = Ledger::new().verify(&token, &promote()).unwrap_err();
    assert_eq!(err, TokenError::SubQuorum { valid: 1, required: 2 });

    // A keyring that lists one key twice does not let that key meet a quorum of 2.
    let mut ledger = Ledger::new();
    ledger.keyring = Keyring { keys: vec![public(1), public(1)], quorum: 2 };
    let err = ledger.verify(&token, &promote()).unwrap_err();
    assert_eq!(err, TokenError::SubQuorum { valid: 1, required: 2 });
}

#[test]
fn a_used_token_is_refused_however_its_signatures_change() {
    let token = promote_token(&[1, 2]);
    let mut ledger = Ledger::new();
    let verified = ledger.verify(&token, &promote()).expect("first use");
    ledger.used.insert(verified.digest());

    let err = ledger.verify(&token, &promote()).unwrap_err();
    assert_eq!(err, TokenError::AlreadyUsed { digest: hex(&token.digest()) });

    // More, fewer or other signatures: still the same token.
    for seeds in [&[1, 2, 3][..], &[2, 3], &[3, 1]] {
        let resigned = promote_token(seeds);
        assert_eq!(resigned.digest(), token.digest());
        assert!(matches!(ledger.verify(&resigned, &promote()), Err(TokenError::AlreadyUsed { .. })));
    }
}

#[test]
fn a_token_for_something_else_is_refused() {
    let ledger = Ledger::new();
    let token = promote_token(&[1, 2]);
    let others = [
        Operation::Deprecate { node: node("payments") },
        Operation::Promote { node: node("billing") },
        Operation::Grant { node: node("payments"), capability: Capability::Clock },
    ];
    for other in others {
        let err = ledger.verify(&token, &other).unwrap_err();
        assert_eq!(
            err,
            TokenError::OperationMismatch { expected: other.to_string(), found: promote().to_string() }
        );
    }

    let grant_clock = signed(
        statement_for(Operation::Grant { node: node("payments"), capability: Capability::Clock }),
        &[1, 2],
    );
    let grant_network = Operation::Grant { node: node("payments"), capability: Capability::Network };
    assert!(matches!(ledger.verify(&grant_clock, &grant_network), Err(TokenError::OperationMismatch { .. })));

    let migrate = signed(statement_for(Operation::Migrate { from: node("a"), to: node("b") }), &[1, 2]);
    let backwards = Operation::Migrate { from: node("b"), to: node("a") };
    assert!(matches!(ledger.verify(&migrate, &backwards), Err(TokenError::OperationMismatch { .. })));
}

#[test]
fn a_token_for_another_ledger_is_refused() {
    let mut ledger = Ledger::new();
    ledger.origin = "logos.test/other".into();
    let err = ledger.verify(&promote_token(&[1, 2]), &promote()).unwrap_err();
    assert_eq!(err, TokenError::WrongOrigin { expected: "logos.test/other".into(), found: ORIGIN.into() });
}

#[test]
fn a_token_bound_to_another_history_is_refused() {
    let token = promote_token(&[1, 2]);

    let mut forked = Ledger::new();
    forked.roots.insert(SIZE, [0x43; 32]);
    assert_eq!(forked.verify(&token, &promote()).unwrap_err(), TokenError::HeadMismatch { size: SIZE });

    let mut amnesiac = Ledger::new();
    amnesiac.roots.remove(&SIZE);
    assert_eq!(amnesiac.verify(&token, &promote()).unwrap_err(), TokenError::UnknownHead { size: SIZE });

    let mut rolled_back = Ledger::new();
    rolled_back.current_size = SIZE - 1;
    assert_eq!(
        rolled_back.verify(&token, &promote()).unwrap_err(),
        TokenError::FutureHead { size: SIZE, current: SIZE - 1 }
    );

    // Exactly at the signed head is fine.
    let mut exact = Ledger::new();
    exact.current_size = SIZE;
    assert!(exact.verify(&token, &promote()).is_ok());
}

#[test]
fn the_empty_head_proves_nothing() {
    let statement = Statement::new(ORIGIN, promote(), 0, ROOT, EXPIRES, NONCE).expect("well formed");
    let token = reparse(&signed(statement, &[1, 2]));
    let mut ledger = Ledger::new();
    ledger.roots.insert(0, ROOT);
    assert_eq!(ledger.verify(&token, &promote()).unwrap_err(), TokenError::EmptyHead);
}

#[test]
fn a_token_expires_at_its_expiry() {
    let token = promote_token(&[1, 2]);
    let mut ledger = Ledger::new();
    ledger.now_ms = EXPIRES - 1;
    assert!(ledger.verify(&token, &promote()).is_ok());
    for now_ms in [EXPIRES, EXPIRES + 1, u64::MAX] {
        ledger.now_ms = now_ms;
        assert_eq!(
            ledger.verify(&token, &promote()).unwrap_err(),
            TokenError::Expired { expires_at_ms: EXPIRES, now_ms }
        );
    }
}

#[test]
fn a_misconfigured_keyring_authorises_nothing() {
    let token = promote_token(&[1, 2, 3]);
    let mut ledger = Ledger::new();
    ledger.keyring.quorum = 0;
    assert_eq!(ledger.verify(&token, &promote()).unwrap_err(), TokenError::NoQuorumConfigured);
    assert_eq!(token.verify_signatures(&ledger.keyring).unwrap_err(), TokenError::NoQuorumConfigured);

    ledger.keyring = Keyring { keys: vec![], quorum: 1 };
    assert_eq!(
        ledger.verify(&token, &promote()).unwrap_err(),
        TokenError::SubQuorum { valid: 0, required: 1 }
    );
}

#[test]
fn altering_any_signed_field_breaks_the_signatures() {
    let text = promote_token(&[1, 2]).to_text();
    let first_signer = {
        let mut keys = [public(1), public(2)];
        keys.sort();
        keys[0]
    };
    let edits = [
        (format!("expires {EXPIRES}"), format!("expires {}", EXPIRES + 1)),
        (format!("nonce {}", hex(&NONCE)), format!("nonce {}", hex(&[0x5b; 16]))),
        (format!("head {SIZE} "), format!("head {} ", SIZE + 1)),
        (format!("origin {ORIGIN}"), format!("origin {ORIGIN}x")),
    ];
    for (from, to) in edits {
        let edited = text.replacen(&from, &to, 1);
        assert_ne!(edited, text, "edit {from:?} did not apply");
        let token = Token::parse(&edited).expect("edit keeps the format");
        // Let every other check pass, so only the signatures stand between
        // the edit and acceptance.
        let mut ledger = Ledger::new();
        ledger.origin = token.statement().origin().to_owned();
        ledger.roots.insert(SIZE + 1, ROOT);
        let err = ledger.verify(&token, &promote()).unwrap_err();
        assert_eq!(err, TokenError::InvalidSignature { key: hex(&first_signer) }, "after {from:?} -> {to:?}");
    }
}

#[test]
fn non_canonical_spellings_are_refused() {
    let text = promote_token(&[1, 2]).to_text();
    let nonce = hex(&NONCE);
    let root = BASE64.encode(ROOT);
    let node_hex = node("payments").to_string();
    let mut variants = vec![
        text.replacen("origin ", "origin  ", 1),
        text.replacen(ORIGIN, &format!("{ORIGIN} "), 1),
        text.replacen("op promote ", "op  promote ", 1),
        text.replacen("op promote ", "op promote  ", 1),
        text.replacen(&node_hex, &format!("{node_hex} "), 1),
        text.replacen("head ", "head  ", 1),
        text.replacen(&format!("nonce {nonce}"), &format!("nonce {nonce} "), 1),
        text.replacen(&format!("nonce {nonce}"), &format!("nonce {}", nonce.to_uppercase()), 1),
        text.replacen(&node_hex, &node_hex.to_uppercase(), 1),
        text.replacen(&format!("head {SIZE}"), &format!("head 0{SIZE}"), 1),
        text.replacen(&format!("head {SIZE}"), &format!("head +{SIZE}"), 1),
        text.replacen(&format!("expires {EXPIRES}"), &format!("expires 0{EXPIRES}"), 1),
        text.replace('\n', "\r\n"),
        text.replacen('\n', "\r\n", 1),
        text.replacen("\n\n", "\n", 1),
        text.replacen("\n\n", "\n\n\n", 1),
        format!("{text}\n"),
        text.trim_end_matches('\n').to_owned(),
        format!("\u{feff}{text}"),
        text.replacen("logos-token/v1", "logos-token/v2", 1),
        text.replacen("logos-token/v1", "LOGOS-TOKEN/V1", 1),
        text.replacen("op promote", "op Promote", 1),
        text.replacen("op promote", "op elevate", 1),
        text.replacen(&root, root.trim_end_matches('='), 1),
        text.replacen("\nsig ", "\nsig  ", 1),
        text.replacen("\nsig ", "\nSIG ", 1),
        text.replacen('\n', "\t\n", 1),
        text.replacen("origin ", "origin\t", 1),
        String::new(),
        "\n".into(),
    ];
    // The last base64 symbol of a 32-byte root carries two unused bits.
    let mut loose_root = root.clone().into_bytes();
    loose_root[42] += 1;
    variants.push(text.replacen(&root, &String::from_utf8(loose_root).expect("ascii"), 1));
    // Signature lines out of key order.
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    lines.swap(n - 1, n - 2);
    variants.push(lines.iter().map(|l| format!("{l}\n")).collect());

    for variant in variants {
        assert_ne!(variant, text);
        assert!(is_malformed(Token::parse(&variant)), "accepted or misreported: {variant:?}");
    }
}

#[test]
fn statements_parse_alone_but_only_alone() {
    let statement = statement_for(promote());
    let text = statement.to_text();
    assert_eq!(Statement::parse(&text), Ok(statement.clone()));
    assert_eq!(statement.to_string(), text);
    assert!(Statement::parse(&format!("{text}\n")).is_err());
    assert!(Statement::parse(&text.replacen('\n', "\r\n", 1)).is_err());
    // A statement alone is not a token: the blank line is required.
    assert!(is_malformed(Token::parse(&text)));
}

#[test]
fn keyring_changes_must_be_canonical_and_usable() {
    let mut keys = vec![public(1), public(2)];
    keys.sort();
    let good = Operation::ChangeKeyring { keys: keys.clone(), quorum: 1 };
    let text = signed(statement_for(good), &[1, 2]).to_text();
    let (lo, hi) = (hex(&keys[0]), hex(&keys[1]));
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let variants = [
        text.replacen(&format!("{lo},{hi}"), &format!("{hi},{lo}"), 1),
        text.replacen(&format!("{lo},{hi}"), &format!("{lo},{lo}"), 1),
        text.replacen(&format!("{lo},{hi}"), &format!("{lo}, {hi}"), 1),
        text.replacen(&format!("{lo},{hi}"), &format!("{lo},{hi},"), 1),
        text.replacen(&format!("{lo},{hi}"), &format!("{lo},{}", hex(&identity)), 1),
        text.replacen("op keyring 1 ", "op keyring 0 ", 1),
        text.replacen("op keyring 1 ", "op keyring 3 ", 1),
        text.replacen("op keyring 1 ", "op keyring 01 ", 1),
        text.replacen("op keyring 1 ", "op keyring 65537 ", 1),
    ];
    for variant in variants {
        assert_ne!(variant, text);
        assert!(is_malformed(Token::parse(&variant)), "accepted: {variant:?}");
    }

    let unsorted = Operation::ChangeKeyring { keys: vec![keys[1], keys[0]], quorum: 1 };
    assert!(matches!(
        Statement::new(ORIGIN, unsorted, SIZE, ROOT, EXPIRES, NONCE),
        Err(TokenError::Malformed { line: 3, .. })
    ));
    let many: BTreeSet<[u8; 32]> = (0..=64u8).map(|i| public(i.wrapping_add(100))).collect();
    let too_many = Operation::ChangeKeyring { keys: many.into_iter().collect(), quorum: 1 };
    assert!(Statement::new(ORIGIN, too_many, SIZE, ROOT, EXPIRES, NONCE).is_err());
}

#[test]
fn origins_cannot_smuggle_lines() {
    for origin in ["", "a b", "a\nop promote x", "tab\there"] {
        assert!(
            matches!(
                Statement::new(origin, promote(), SIZE, ROOT, EXPIRES, NONCE),
                Err(TokenError::Malformed { line: 2, .. })
            ),
            "{origin:?} accepted"
        );
    }
}

#[test]
fn a_malleated_signature_is_refused() {
    // The group order L, little-endian. S + L verifies under lax checks but is
    // a second encoding of the same signature; verify_strict must refuse it.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let honest = promote_token(&[1, 2]);
    let mut sig = sig_of(&honest, &public(2));
    let mut carry = 0u16;
    for (s, l) in sig[32..].iter_mut().zip(L) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "S + L fits in 32 bytes");

    let malleated = Token::with_signatures(
        honest.statement().clone(),
        [(public(1), sig_of(&honest, &public(1))), (public(2), sig)],
    )
    .expect("distinct keys");
    let malleated = reparse(&malleated);
    assert_eq!(malleated.digest(), honest.digest());
    let err = Ledger::new().verify(&malleated, &promote()).unwrap_err();
    assert_eq!(err, TokenError::InvalidSignature { key: hex(&public(2)) });
    assert_eq!(
        malleated.verify_signatures(&Ledger::new().keyring).unwrap_err(),
        TokenError::InvalidSignature { key: hex(&public(2)) }
    );
}

#[test]
fn combining_merges_signatures_over_one_statement() {
    let a = reparse(&promote_token(&[1]));
    let b = reparse(&promote_token(&[3, 1]));
    let combined = Token::combine(a, b).expect("same statement");
    assert_eq!(combined.signatures().len(), 2);
    assert!(Ledger::new().verify(&combined, &promote()).is_ok());
}

#[test]
fn combining_different_statements_is_refused() {
    let a = promote_token(&[1]);
    let other_nonce =
        Statement::new(ORIGIN, promote(), SIZE, ROOT, EXPIRES, [0x5b; 16]).expect("well formed");
    let b = signed(other_nonce, &[2]);
    let err = Token::combine(a.clone(), b.clone()).unwrap_err();
    assert_eq!(err, TokenError::DifferentStatements { left: hex(&a.digest()), right: hex(&b.digest()) });
}

#[test]
fn combining_conflicting_signatures_is_refused() {
    let a = promote_token(&[1, 2]);
    let mut b = promote_token(&[1]);
    b.add_signature(public(2), [7; 64]).expect("new key");
    let err = Token::combine(a, b).unwrap_err();
    assert_eq!(err, TokenError::ConflictingSignatures { key: hex(&public(2)) });
}

#[test]
fn signature_count_is_bounded_and_fits_the_size_limit() {
    let mut token = promote_token(&[]);
    for seed in 0..MAX_SIGNATURES as u8 {
        token.sign(&human(seed.wrapping_add(100))).expect("under the limit");
    }
    let text = token.to_text();
    assert!(text.len() <= MAX_TOKEN_BYTES);
    assert_eq!(Token::parse(&text), Ok(token.clone()));
    assert_eq!(token.sign(&human(1)).unwrap_err(), TokenError::TooManySignatures { max: MAX_SIGNATURES });
    assert_eq!(
        token.add_signature(public(1), [0; 64]).unwrap_err(),
        TokenError::TooManySignatures { max: MAX_SIGNATURES }
    );
}

#[test]
fn oversized_text_is_refused_before_parsing() {
    let huge = format!("logos-token/v1\norigin {}\n", "x".repeat(MAX_TOKEN_BYTES));
    assert!(matches!(Token::parse(&huge), Err(TokenError::TooLarge { .. })));
    assert!(matches!(Statement::parse(&huge), Err(TokenError::TooLarge { .. })));
}

#[test]
fn an_auditor_can_recheck_recorded_signatures_after_expiry() {
    let token = promote_token(&[1, 2, 9]);
    let verified = Ledger::new().verify(&token, &promote()).expect("valid");
    let statement = Statement::parse(verified.statement_text()).expect("recorded text parses");
    let recorded =
        Token::with_signatures(statement, verified.signatures().iter().copied()).expect("distinct");
    // Long after expiry, and after the token was used, the signatures still stand.
    let keyring = Ledger::new().keyring;
    assert_eq!(recorded.verify_signatures(&keyring), Ok(verified.signers().to_vec()));
    assert_eq!(recorded.digest(), verified.digest());
}

#[test]
fn error_messages_are_lowercase_sentences() {
    let errors = [
        Token::parse("nope\n").unwrap_err(),
        TokenError::NoQuorumConfigured,
        TokenError::SubQuorum { valid: 1, required: 2 },
        TokenError::Expired { expires_at_ms: 1, now_ms: 2 },
        TokenError::EmptyHead,
    ];
    for err in errors {
        let message = err.to_string();
        assert!(message.starts_with(|c: char| c.is_ascii_lowercase()), "{message}");
        assert!(message.contains(';'), "no advice in: {message}");
    }
}

fn arb_node() -> impl Strategy<Value = NodeId> {
    any::<[u8; 32]>().prop_map(NodeId::from_bytes)
}

fn arb_operation() -> impl Strategy<Value = Operation> {
    let keyring = prop::collection::btree_set(any::<[u8; 32]>(), 1..8).prop_flat_map(|seeds| {
        let keys: BTreeSet<[u8; 32]> =
            seeds.iter().map(|s| SigningKey::from_bytes(s).verifying_key().to_bytes()).collect();
        let len = keys.len() as u16;
        (Just(keys.into_iter().collect::<Vec<_>>()), 1..=len)
    });
    prop_oneof![
        arb_node().prop_map(|node| Operation::Promote { node }),
        arb_node().prop_map(|node| Operation::Deprecate { node }),
        (arb_node(), arb_node()).prop_map(|(from, to)| Operation::Migrate { from, to }),
        (arb_node(), arb_node(), arb_node()).prop_map(|(from, to, adapter)| Operation::MigrateVia {
            from,
            to,
            adapter
        }),
        (arb_node(), prop::sample::select(Capability::ALL.to_vec()))
            .prop_map(|(node, capability)| Operation::Grant { node, capability }),
        keyring.prop_map(|(keys, quorum)| Operation::ChangeKeyring { keys, quorum }),
        any::<[u8; 32]>().prop_map(|digest| Operation::ChangePolicy { digest }),
    ]
}

fn arb_statement() -> impl Strategy<Value = Statement> {
    ("[!-~]{1,64}", arb_operation(), any::<u64>(), any::<[u8; 32]>(), any::<u64>(), any::<[u8; 16]>())
        .prop_map(|(origin, op, size, root, expires, nonce)| {
            Statement::new(origin, op, size, root, expires, nonce)
                .expect("generated statements are canonical")
        })
}

fn arb_signature() -> impl Strategy<Value = [u8; 64]> {
    (any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(|(r, s)| {
        let mut sig = [0; 64];
        sig[..32].copy_from_slice(&r);
        sig[32..].copy_from_slice(&s);
        sig
    })
}

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Token::parse(&text);
        let _ = Statement::parse(&text);
    }

    #[test]
    fn whatever_parses_prints_back_byte_for_byte(
        seed in 0..3u8,
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(
            vec!["", " ", "\n", "\r", "0", "a", "A", "=", "/", ",", "sig ", "op ", "\u{0}", "é"]
        )), 1..4),
    ) {
        let mut text = promote_token(&[1, 2, 3][..usize::from(seed) + 1]).to_text();
        for (at, insert) in edits {
            let mut cut = at.index(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            // Replace one character (or insert at the end).
            let end = text[cut..].chars().next().map_or(cut, |c| cut + c.len_utf8());
            text.replace_range(cut..end, insert);
        }
        if let Ok(token) = Token::parse(&text) {
            prop_assert_eq!(token.to_text(), text.as_str());
        }
        if let Ok(statement) = Statement::parse(&text) {
            prop_assert_eq!(statement.to_text(), text.as_str());
        }
    }

    #[test]
    fn statements_round_trip_and_keep_their_digest(statement in arb_statement()) {
        let text = statement.to_text();
        let parsed = Statement::parse(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&statement));
        let token = Token::new(statement.clone());
        prop_assert_eq!(token.digest(), statement.digest());
        let reparsed = Token::parse(&token.to_text());
        prop_assert_eq!(reparsed.as_ref(), Ok(&token));
        prop_assert_eq!(reparsed.map(|t| t.digest()), Ok(statement.digest()));
    }

    #[test]
    fn tokens_with_any_signatures_round_trip(
        statement in arb_statement(),
        signatures in prop::collection::btree_map(any::<[u8; 32]>(), arb_signature(), 0..8),
    ) {
        let token = Token::with_signatures(statement.clone(), signatures.clone())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let text = token.to_text();
        let parsed = Token::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed.digest(), statement.digest());
        prop_assert_eq!(parsed.signatures().collect::<BTreeMap<_, _>>(), signatures);
        prop_assert_eq!(parsed, token);
    }
}
