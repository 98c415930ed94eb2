//! Forged migration tokens: each tries to promote the host's sediment node
//! `target` to bedrock (or replay the setup's promotion) without a quorum of
//! humans having signed exactly that, for this ledger, now. Tokens are built
//! against the live head at attack time, so these rows are code, not files.

use logos_runtime::layers::ledger::StateError;
use logos_runtime::{Actor, Capability, Event, Operation, Stamp, Statement, StoreError, Token, TokenError};

use crate::harness::{Attack, Failure, HOUR, NOW, ORIGIN, Outcome, Seen, World, store_error, token_error};

/// The signers of the honest quorum.
const QUORUM: &[u8] = &[1, 2];

fn row(
    name: &str,
    must: &str,
    run: fn(&World) -> Result<Token, Failure>,
    expect: fn(&Outcome) -> bool,
) -> Attack {
    Attack {
        name: format!("token/{name}"),
        must: must.to_owned(),
        run: Box::new(move |w| {
            let token = run(w)?;
            promote_target(w, &token)
        }),
        expect,
    }
}

/// The host presents `token` to promote `target`.
fn promote_target(w: &World, token: &Token) -> Outcome {
    let seq = w.sup.host().govern(Event::Promoted { node: w.target }, token).map_err(Failure::Supervisor)?;
    Ok(Seen::text(format!("promoted at seq {seq}")))
}

/// A statement for `Promote { target }` with these fields, signed by `signers`.
fn statement(w: &World, origin: &str, size: u64, root: [u8; 32], expires: u64) -> Statement {
    let op = Operation::Promote { node: w.target };
    Statement::new(origin, op, size, root, expires, Statement::random_nonce().expect("nonce"))
        .expect("statement")
}

fn signed(statement: Statement, signers: &[u8]) -> Token {
    let mut token = Token::new(statement);
    for i in signers {
        token.sign(&crate::harness::human(*i)).expect("sign");
    }
    token
}

fn current(w: &World) -> (u64, [u8; 32]) {
    let size = w.head().size;
    (size, w.sup.store().root_at(size).expect("root"))
}

fn is(o: &Outcome, f: fn(&TokenError) -> bool) -> bool {
    token_error(o).is_some_and(f)
}

/// The operation every forged token here is presented for.
fn promote(w: &World) -> Operation {
    Operation::Promote { node: w.target }
}

pub fn attacks() -> Vec<Attack> {
    vec![
        row(
            "sub_quorum",
            "signed by 1 of the 2 humans required: TokenError::SubQuorum { valid: 1, required: 2 }",
            |w| Ok(w.token(promote(w), &[1], NOW + HOUR)),
            |o| is(o, |t| matches!(t, TokenError::SubQuorum { valid: 1, required: 2 })),
        ),
        row(
            "stranger_keys",
            "signed by two keys outside the keyring: TokenError::SubQuorum { valid: 0 }",
            |w| Ok(w.token(promote(w), &[8, 9], NOW + HOUR)),
            |o| is(o, |t| matches!(t, TokenError::SubQuorum { valid: 0, .. })),
        ),
        row(
            "quorum_plus_bad_signature",
            "a valid quorum plus one signature that does not verify: TokenError::InvalidSignature (one bad line voids the file)",
            |w| {
                let mut token = w.token(promote(w), QUORUM, NOW + HOUR);
                token.add_signature(crate::harness::human(3).verifying_key().to_bytes(), [9; 64]).expect("add");
                Ok(token)
            },
            |o| is(o, |t| matches!(t, TokenError::InvalidSignature { .. })),
        ),
        row(
            "tampered_statement",
            "a quorum-signed token whose expiry line was edited after signing: TokenError::InvalidSignature",
            |w| {
                let token = w.token(promote(w), QUORUM, NOW + HOUR);
                let text = token.to_text();
                let edited = text.replace(&format!("expires {}", NOW + HOUR), &format!("expires {}", NOW + 1000 * HOUR));
                if edited == text {
                    return Err(Failure::Broken("the expiry line was not found".into()));
                }
                Token::parse(&edited).map_err(Failure::Token)
            },
            |o| is(o, |t| matches!(t, TokenError::InvalidSignature { .. })),
        ),
        row(
            "transplanted_signatures",
            "the quorum's signatures for deprecating the keystone attached to a statement promoting the target: TokenError::InvalidSignature",
            |w| {
                let honest = w.token(Operation::Deprecate { node: w.keystone }, QUORUM, NOW + HOUR);
                let (size, root) = current(w);
                Token::with_signatures(statement(w, ORIGIN, size, root, NOW + HOUR), honest.signatures())
                    .map_err(Failure::Token)
            },
            |o| is(o, |t| matches!(t, TokenError::InvalidSignature { .. })),
        ),
        Attack {
            name: "token/replayed".into(),
            must: "the setup's promotion token presented again: TokenError::AlreadyUsed".into(),
            run: Box::new(|w| {
                let seq = w
                    .sup
                    .host()
                    .govern(Event::Promoted { node: w.keystone }, &w.used_token)
                    .map_err(Failure::Supervisor)?;
                Ok(Seen::text(format!("applied at seq {seq}")))
            }),
            expect: |o| is(o, |t| matches!(t, TokenError::AlreadyUsed { .. })),
        },
        row(
            "expired",
            "a quorum token whose expiry is the supervisor's now: TokenError::Expired",
            |w| Ok(w.token(promote(w), QUORUM, NOW)),
            |o| is(o, |t| matches!(t, TokenError::Expired { .. })),
        ),
        row(
            "forked_head",
            "a quorum token bound to this ledger's size but another root (a forked history): TokenError::HeadMismatch",
            |w| {
                let (size, _) = current(w);
                Ok(signed(statement(w, ORIGIN, size, [0x5a; 32], NOW + HOUR), QUORUM))
            },
            |o| is(o, |t| matches!(t, TokenError::HeadMismatch { .. })),
        ),
        row(
            "future_head",
            "a quorum token bound to a head this ledger has not reached: TokenError::FutureHead",
            |w| {
                let (size, root) = current(w);
                Ok(signed(statement(w, ORIGIN, size + 10, root, NOW + HOUR), QUORUM))
            },
            |o| is(o, |t| matches!(t, TokenError::FutureHead { .. })),
        ),
        row(
            "empty_head",
            "a quorum token bound to the empty ledger, which every ledger shares: TokenError::EmptyHead",
            |w| {
                let empty = logos_runtime::layers::ledger::merkle::empty_root();
                Ok(signed(statement(w, ORIGIN, 0, empty, NOW + HOUR), QUORUM))
            },
            |o| is(o, |t| matches!(t, TokenError::EmptyHead)),
        ),
        row(
            "other_origin",
            "a quorum token signed for another ledger: TokenError::WrongOrigin",
            |w| {
                let (size, root) = current(w);
                Ok(signed(statement(w, "test.logos/elsewhere", size, root, NOW + HOUR), QUORUM))
            },
            |o| is(o, |t| matches!(t, TokenError::WrongOrigin { .. })),
        ),
        row(
            "other_operation",
            "a quorum token granting the target the clock, presented to promote it: TokenError::OperationMismatch",
            |w| Ok(w.token(Operation::Grant { node: w.target, capability: Capability::Clock }, QUORUM, NOW + HOUR)),
            |o| is(o, |t| matches!(t, TokenError::OperationMismatch { .. })),
        ),
        row(
            "duplicate_signer",
            "a token file with one human's signature line twice, to count it twice: TokenError::DuplicateSigner at parsing",
            |w| {
                let token = w.token(promote(w), &[1], NOW + HOUR);
                let text = token.to_text();
                let sig = text.lines().find(|l| l.starts_with("sig ")).unwrap_or_default().to_owned();
                Token::parse(&format!("{text}{sig}\n")).map_err(Failure::Token)
            },
            |o| is(o, |t| matches!(t, TokenError::DuplicateSigner { .. })),
        ),
        row(
            "non_canonical_text",
            "a quorum token file with CRLF line ends (a second spelling, so a second digest): TokenError::Malformed at parsing",
            |w| {
                let token = w.token(promote(w), QUORUM, NOW + HOUR);
                Token::parse(&token.to_text().replace('\n', "\r\n")).map_err(Failure::Token)
            },
            |o| is(o, |t| matches!(t, TokenError::Malformed { .. })),
        ),
        row(
            "oversized_text",
            "a 1 MiB token file: TokenError::TooLarge at parsing, before any line is read",
            |_| Token::parse(&"sig ".repeat(256 << 10)).map_err(Failure::Token),
            |o| is(o, |t| matches!(t, TokenError::TooLarge { .. })),
        ),
        Attack {
            name: "token/none_at_all".into(),
            must: "the host appends the governed promotion straight to the store, with no token: StoreError::State(StateError::Unauthorized)".into(),
            run: Box::new(|w| {
                let stamp = Stamp::new(Actor::Host, NOW);
                let seq = w.sup.store().append(&stamp, Event::Promoted { node: w.target }).map_err(Failure::Store)?;
                Ok(Seen::text(format!("appended at seq {seq}")))
            }),
            expect: |o| matches!(store_error(o), Some(StoreError::State(StateError::Unauthorized(_)))),
        },
    ]
}
