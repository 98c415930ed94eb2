//! Migration tokens: N-of-M Ed25519 quorum approvals for governed operations.
//!
//! A token authorises exactly one [`Operation`] on exactly one ledger. Its
//! [`Statement`] names the operation, the ledger's origin, the ledger head it
//! was signed against (tree size and RFC 6962 root hash), an expiry and a
//! random nonce. Registered humans sign the statement's canonical text; once
//! enough distinct registered keys have signed, the token can be presented
//! to the store, which records its [`Token::digest`] so it is never accepted
//! twice.
//!
//! # Text format
//!
//! The statement is plain text so that humans read exactly what they sign:
//!
//! ```text
//! logos-token/v1
//! origin <origin>
//! op <promote|migrate|deprecate|grant|keyring|policy> <args...>
//! head <size> <base64 root>
//! expires <ms decimal>
//! nonce <32 lowercase hex>
//! ```
//!
//! - `op promote <node>`, `op deprecate <node>`, `op migrate <from> <to>`,
//!   `op migrate-via <from> <to> <adapter>`, `op grant <node> <capability>`, `op keyring <quorum> <key>,<key>,...`,
//!   `op policy <sha-256 of the policy document>`;
//! - node ids, keys and digests are 64 lowercase hex digits; keyring keys are
//!   sorted, unique, valid Ed25519 keys (at most [`MAX_KEYRING_KEYS`]) and the
//!   quorum is between 1 and their count;
//! - the origin is 1 to [`MAX_ORIGIN_LEN`] printable ASCII characters, no spaces;
//! - every line ends in `\n`; decimals have no leading zeros; base64 is the
//!   padded standard alphabet.
//!
//! The signed message is the statement text itself; its first line doubles as
//! the domain separator. A token file is the statement text, a blank line,
//! then one `sig <64 hex public key> <base64 signature>` line per signer,
//! sorted by key. Parsing is strict: anything whose re-encoding is not
//! byte-for-byte the input is refused, so every token has exactly one
//! spelling and one [`Token::digest`].
//!
//! # Freshness rule
//!
//! [`Token::verify`] accepts a token if and only if, in this order:
//!
//! 0. the keyring's quorum is at least 1 (a misconfigured keyring with
//!    quorum 0 never authorises anything);
//! 1. its origin equals the ledger's origin;
//! 2. its operation equals the expected operation exactly;
//! 3. `now_ms < expires_at_ms` (a token is already expired *at* its expiry);
//! 4. `0 < head_size <= current_size` and the ledger's root at `head_size`
//!    is `head_root`: the token was signed against a real prefix of *this*
//!    ledger, so a token from another ledger, or from a history that was
//!    forked or rolled back, is refused;
//! 5. its digest (SHA-256 of the statement text) was never used;
//! 6. every signature in the file verifies under `verify_strict` (one bad
//!    signature means the file was tampered with, so the whole token is
//!    refused), and at least `quorum` distinct *registered* keys are among
//!    the signers. Valid signatures from unregistered keys are ignored: they
//!    neither count nor invalidate.
//!
//! [`Token::verify_signatures`] is rule 0 and rule 6 alone, for an auditor
//! re-checking a recorded token when the clock and the used-set can no
//! longer be evaluated as they were.
//!
//! Signatures are not part of a token's identity: adding, removing or
//! re-encoding signatures never yields a "new" token that escapes rule 5.
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use logos_core::NodeId;
//! use logos_ledger::Keyring;
//! use logos_ledger::token::{Operation, Statement, Token, VerifyContext};
//!
//! let humans: Vec<SigningKey> = (1..=3u8).map(|i| SigningKey::from_bytes(&[i; 32])).collect();
//! let keyring = Keyring { keys: humans.iter().map(|k| k.verifying_key().to_bytes()).collect(), quorum: 2 };
//! let root = [7u8; 32];
//! let op = Operation::Promote { node: NodeId::of_wasm(b"payments") };
//!
//! let statement = Statement::new("example.org/logos", op.clone(), 5, root, 2_000, [0; 16])?;
//! let mut token = Token::new(statement);
//! token.sign(&humans[0])?;
//! token.sign(&humans[2])?;
//! let text = token.to_text();
//!
//! let token = Token::parse(&text)?;
//! let ctx = VerifyContext {
//!     keyring: &keyring,
//!     origin: "example.org/logos",
//!     expected: &op,
//!     now_ms: 1_000,
//!     current_size: 9,
//!     root_at: &|size| (size == 5).then_some(root),
//!     is_used: &|_| false,
//! };
//! let verified = token.verify(&ctx)?;
//! assert_eq!(verified.signers().len(), 2);
//! assert_eq!(verified.digest(), token.digest());
//! # Ok::<(), logos_ledger::token::TokenError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use logos_core::{Capability, NodeId};
use rand_core::{OsRng, RngCore as _};
use sha2::{Digest as _, Sha256};

use crate::event::Keyring;

/// First line of every statement: format version and signing domain in one.
pub const VERSION_LINE: &str = "logos-token/v1";
/// Largest token (or statement) text accepted, in bytes.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Most keys a `keyring` operation may register.
pub const MAX_KEYRING_KEYS: usize = 64;
/// Most signatures one token may carry.
pub const MAX_SIGNATURES: usize = 64;
/// Longest origin, in bytes.
pub const MAX_ORIGIN_LEN: usize = 256;

// Fixed line numbers of the canonical layout, used in error reports.
const LINE_VERSION: usize = 1;
const LINE_ORIGIN: usize = 2;
const LINE_OP: usize = 3;
const LINE_HEAD: usize = 4;
const LINE_EXPIRES: usize = 5;
const LINE_NONCE: usize = 6;
const LINE_BLANK: usize = 7;
const STATEMENT_LINES: usize = 6;

/// Why a token was refused (or could not be built, parsed or combined).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The text is longer than [`MAX_TOKEN_BYTES`].
    #[error("token text is {len} bytes but at most {max} are accepted; this is not a logos token")]
    TooLarge {
        /// Length of the offered text.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text (or a statement field) breaks the canonical format.
    /// Line numbers refer to the canonical layout, counted from 1; line 0
    /// means the text as a whole.
    #[error("token line {line} is malformed: {reason}")]
    Malformed {
        /// Offending line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The token was signed for another ledger.
    #[error(
        "token is for ledger `{found}`, not this ledger `{expected}`; have it signed for this ledger's origin"
    )]
    WrongOrigin {
        /// This ledger's origin.
        expected: String,
        /// The token's origin.
        found: String,
    },
    /// The token authorises a different operation than the one requested.
    #[error(
        "token authorises `{found}`, not the requested `{expected}`; have a token signed for the exact operation"
    )]
    OperationMismatch {
        /// The requested operation, as its `op` line.
        expected: String,
        /// The token's operation, as its `op` line.
        found: String,
    },
    /// The token's expiry has passed.
    #[error("token expired at {expires_at_ms} ms and it is now {now_ms} ms; have a fresh token signed")]
    Expired {
        /// The token's expiry.
        expires_at_ms: u64,
        /// The time of verification.
        now_ms: u64,
    },
    /// The token is bound to the empty ledger, which every ledger shares.
    #[error(
        "token is bound to ledger head size 0, which proves nothing; sign it against the current ledger head"
    )]
    EmptyHead,
    /// The token is bound to a head this ledger has not reached.
    #[error(
        "token is bound to ledger head size {size} but this ledger has {current} entries; it was signed against \
         another or a rolled-back ledger, so sign it against the current head"
    )]
    FutureHead {
        /// The token's head size.
        size: u64,
        /// This ledger's size.
        current: u64,
    },
    /// This ledger could not name its root at the token's head size.
    #[error(
        "this ledger has no root hash for head size {size}; sign the token against the current ledger head"
    )]
    UnknownHead {
        /// The token's head size.
        size: u64,
    },
    /// This ledger's root at the token's head size is not the token's root.
    #[error(
        "token's ledger root at size {size} differs from this ledger's; it was signed against another ledger \
         or a forked history, so sign it against the current head"
    )]
    HeadMismatch {
        /// The token's head size.
        size: u64,
    },
    /// The token's digest is already recorded as used.
    #[error("token {digest} was already used; to repeat the operation sign a new token with a new nonce")]
    AlreadyUsed {
        /// The token digest, as lowercase hex.
        digest: String,
    },
    /// Fewer registered keys signed than the keyring requires.
    #[error(
        "token has valid signatures from {valid} registered keys but the keyring requires {required}; \
         collect more signatures"
    )]
    SubQuorum {
        /// Distinct registered keys with a valid signature.
        valid: usize,
        /// The keyring's quorum.
        required: u16,
    },
    /// A signature does not verify (strictly) under the key it names.
    #[error(
        "signature by key {key} does not verify against the statement; the token was altered or mis-signed, \
         so discard it and sign again"
    )]
    InvalidSignature {
        /// The key, as lowercase hex.
        key: String,
    },
    /// The same key appears on more than one `sig` line.
    #[error("key {key} signs the token more than once; keep a single `sig` line per key")]
    DuplicateSigner {
        /// The key, as lowercase hex.
        key: String,
    },
    /// The keyring's quorum is 0.
    #[error(
        "the keyring's quorum is 0, so no token can authorise anything; register human keys and a quorum of \
         at least 1"
    )]
    NoQuorumConfigured,
    /// Two tokens being combined carry different signatures for one key.
    #[error(
        "cannot combine: key {key} carries two different signatures; verify each token on its own and drop \
         the one that fails"
    )]
    ConflictingSignatures {
        /// The key, as lowercase hex.
        key: String,
    },
    /// Two tokens being combined sign different statements.
    #[error(
        "cannot combine tokens for different statements ({left} and {right}); only signatures over the same \
         statement can be merged"
    )]
    DifferentStatements {
        /// Digest of the first token, as lowercase hex.
        left: String,
        /// Digest of the second token, as lowercase hex.
        right: String,
    },
    /// Adding a signature would exceed [`MAX_SIGNATURES`].
    #[error("a token carries at most {max} signatures; drop signatures from unregistered keys")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// The operating system could not provide randomness for a nonce.
    #[error(
        "could not draw a random nonce from the operating system ({reason}); retry or pass a nonce explicitly"
    )]
    NoEntropy {
        /// The underlying failure.
        reason: String,
    },
}

fn malformed(line: usize, reason: impl Into<String>) -> TokenError {
    TokenError::Malformed { line, reason: reason.into() }
}

/// One governed operation a token may authorise.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Promote a node to bedrock.
    Promote {
        /// The node.
        node: NodeId,
    },
    /// Replace bedrock node `from` by `to`.
    Migrate {
        /// The replaced node.
        from: NodeId,
        /// Its successor.
        to: NodeId,
    },
    /// Deprecate a node.
    Deprecate {
        /// The node.
        node: NodeId,
    },
    /// Replace bedrock node `from` by `to` whose outputs differ, through
    /// `adapter`, which turns `to`'s outputs into `from`'s.
    MigrateVia {
        /// The replaced node.
        from: NodeId,
        /// Its successor.
        to: NodeId,
        /// The declared adapter.
        adapter: NodeId,
    },
    /// Grant a capability to a node.
    Grant {
        /// The node.
        node: NodeId,
        /// The capability.
        capability: Capability,
    },
    /// Replace the human keyring. Keys must be sorted, unique, valid Ed25519
    /// keys; the quorum must be between 1 and the number of keys.
    ChangeKeyring {
        /// The new keys, sorted ascending.
        keys: Vec<[u8; 32]>,
        /// The new quorum.
        quorum: u16,
    },
    /// Replace the governance policy, named by the SHA-256 of its document.
    ChangePolicy {
        /// SHA-256 of the policy document.
        digest: [u8; 32],
    },
}

impl Operation {
    /// The word on the `op` line: `promote`, `migrate`, `migrate-via`,
    /// `deprecate`, `grant`, `keyring` or `policy`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Promote { .. } => "promote",
            Self::Migrate { .. } => "migrate",
            Self::MigrateVia { .. } => "migrate-via",
            Self::Deprecate { .. } => "deprecate",
            Self::Grant { .. } => "grant",
            Self::ChangeKeyring { .. } => "keyring",
            Self::ChangePolicy { .. } => "policy",
        }
    }

    // Only keyring changes carry constraints beyond their types; checking them
    // here keeps a keyring that could never reach its quorum (or that counts
    // one human twice) from ever being signed.
    fn check(&self) -> Result<(), String> {
        let Self::ChangeKeyring { keys, quorum } = self else {
            return Ok(());
        };
        if keys.is_empty() {
            return Err("keyring has no keys; register at least one".into());
        }
        if keys.len() > MAX_KEYRING_KEYS {
            return Err(format!("keyring has {} keys; at most {MAX_KEYRING_KEYS} are allowed", keys.len()));
        }
        for pair in keys.windows(2) {
            if pair[0] == pair[1] {
                return Err(format!("keyring lists key {} twice", hex(&pair[0])));
            }
            if pair[0] > pair[1] {
                return Err("keyring keys must be sorted in ascending hex order".into());
            }
        }
        if let Some(bad) = keys.iter().find(|k| usable_key(k).is_none()) {
            return Err(format!("keyring key {} is not a usable ed25519 public key", hex(bad)));
        }
        if *quorum == 0 || usize::from(*quorum) > keys.len() {
            return Err(format!("keyring quorum must be between 1 and {} (the number of keys)", keys.len()));
        }
        Ok(())
    }
}

/// Renders the operation as its `op` line, without the newline.
impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "op {}", self.kind())?;
        match self {
            Self::Promote { node } | Self::Deprecate { node } => write!(f, " {node}"),
            Self::Migrate { from, to } => write!(f, " {from} {to}"),
            Self::MigrateVia { from, to, adapter } => write!(f, " {from} {to} {adapter}"),
            Self::Grant { node, capability } => write!(f, " {node} {}", capability.name()),
            Self::ChangeKeyring { keys, quorum } => {
                write!(f, " {quorum} ")?;
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str(&hex(key))?;
                }
                Ok(())
            }
            Self::ChangePolicy { digest } => write!(f, " {}", hex(digest)),
        }
    }
}

/// What a token says: one operation, on one ledger, at one head, until one time.
///
/// Every value of this type is canonical: [`Statement::to_text`] parses back
/// to an equal statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Statement {
    origin: String,
    operation: Operation,
    head_size: u64,
    head_root: [u8; 32],
    expires_at_ms: u64,
    nonce: [u8; 16],
}

impl Statement {
    /// A statement of `operation` on the ledger `origin`, bound to its head
    /// (`head_size`, `head_root`) and valid strictly before `expires_at_ms`.
    ///
    /// The nonce keeps two otherwise identical requests distinct, so that a
    /// used token cannot be mistaken for a new one; draw it with
    /// [`Statement::random_nonce`]. Fails with [`TokenError::Malformed`]
    /// (naming the line the field lives on) if the origin or a keyring change
    /// breaks the format rules.
    pub fn new(
        origin: impl Into<String>,
        operation: Operation,
        head_size: u64,
        head_root: [u8; 32],
        expires_at_ms: u64,
        nonce: [u8; 16],
    ) -> Result<Self, TokenError> {
        let origin = origin.into();
        check_origin(&origin).map_err(|r| malformed(LINE_ORIGIN, r))?;
        operation.check().map_err(|r| malformed(LINE_OP, r))?;
        Ok(Self { origin, operation, head_size, head_root, expires_at_ms, nonce })
    }

    /// Sixteen bytes from the operating system's random source.
    pub fn random_nonce() -> Result<[u8; 16], TokenError> {
        let mut nonce = [0; 16];
        OsRng.try_fill_bytes(&mut nonce).map_err(|e| TokenError::NoEntropy { reason: e.to_string() })?;
        Ok(nonce)
    }

    /// The ledger origin the token is for.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The authorised operation.
    pub fn operation(&self) -> &Operation {
        &self.operation
    }

    /// Ledger size at signing time.
    pub fn head_size(&self) -> u64 {
        self.head_size
    }

    /// RFC 6962 root hash of the ledger at [`Statement::head_size`].
    pub fn head_root(&self) -> &[u8; 32] {
        &self.head_root
    }

    /// The token is valid strictly before this time, in ms since the Unix epoch.
    pub fn expires_at_ms(&self) -> u64 {
        self.expires_at_ms
    }

    /// The random nonce.
    pub fn nonce(&self) -> &[u8; 16] {
        &self.nonce
    }

    /// The canonical text: exactly what signers sign.
    pub fn to_text(&self) -> String {
        format!(
            "{VERSION_LINE}\norigin {}\n{}\nhead {} {}\nexpires {}\nnonce {}\n",
            self.origin,
            self.operation,
            self.head_size,
            BASE64.encode(self.head_root),
            self.expires_at_ms,
            hex(&self.nonce),
        )
    }

    /// SHA-256 of [`Statement::to_text`]: the identity the ledger records as used.
    pub fn digest(&self) -> [u8; 32] {
        sha256(self.to_text().as_bytes())
    }

    /// Parses a statement's canonical text (without blank line or signatures).
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let lines = split_lines(text)?;
        if lines.len() > STATEMENT_LINES {
            return Err(malformed(
                STATEMENT_LINES + 1,
                "unexpected line; a statement ends after its nonce line",
            ));
        }
        let statement = parse_statement(&lines)?;
        if statement.to_text() != text {
            return Err(malformed(0, "statement is not in canonical form"));
        }
        Ok(statement)
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A statement plus the signatures collected for it so far.
///
/// A token holds at most one signature per key and at most
/// [`MAX_SIGNATURES`] signatures; whether they are valid is decided only by
/// [`Token::verify`] and [`Token::verify_signatures`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    statement: Statement,
    text: String,
    signatures: BTreeMap<[u8; 32], [u8; 64]>,
}

impl Token {
    /// An unsigned token for `statement`.
    pub fn new(statement: Statement) -> Self {
        let text = statement.to_text();
        Self { statement, text, signatures: BTreeMap::new() }
    }

    /// A token for `statement` carrying already-made signatures, for example
    /// ones read back from a ledger entry. Refuses a key listed twice with
    /// different signatures, and more than [`MAX_SIGNATURES`] signatures.
    pub fn with_signatures(
        statement: Statement,
        signatures: impl IntoIterator<Item = ([u8; 32], [u8; 64])>,
    ) -> Result<Self, TokenError> {
        let mut token = Self::new(statement);
        for (key, signature) in signatures {
            token.add_signature(key, signature)?;
        }
        Ok(token)
    }

    /// The statement being signed.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The statement's canonical text: the signed message.
    pub fn statement_text(&self) -> &str {
        &self.text
    }

    /// SHA-256 of the statement text. Signatures are deliberately left out, so
    /// adding or changing them never makes a token look unused.
    pub fn digest(&self) -> [u8; 32] {
        sha256(self.text.as_bytes())
    }

    /// The `(public key, signature)` pairs, sorted by key.
    pub fn signatures(&self) -> impl ExactSizeIterator<Item = ([u8; 32], [u8; 64])> + '_ {
        self.signatures.iter().map(|(k, s)| (*k, *s))
    }

    /// Signs the statement with `key`, replacing any signature already held for it.
    pub fn sign(&mut self, key: &SigningKey) -> Result<(), TokenError> {
        let public = key.verifying_key().to_bytes();
        if !self.signatures.contains_key(&public) && self.signatures.len() >= MAX_SIGNATURES {
            return Err(TokenError::TooManySignatures { max: MAX_SIGNATURES });
        }
        let signature = key.sign(self.text.as_bytes()).to_bytes();
        self.signatures.insert(public, signature);
        Ok(())
    }

    /// Adds a signature made elsewhere. Adding the same pair twice is a no-op;
    /// a different signature for a key already present is refused, because
    /// at most one of the two can be genuine and this is not the place to guess.
    pub fn add_signature(&mut self, key: [u8; 32], signature: [u8; 64]) -> Result<(), TokenError> {
        match self.signatures.get(&key) {
            Some(held) if *held == signature => Ok(()),
            Some(_) => Err(TokenError::ConflictingSignatures { key: hex(&key) }),
            None if self.signatures.len() >= MAX_SIGNATURES => {
                Err(TokenError::TooManySignatures { max: MAX_SIGNATURES })
            }
            None => {
                self.signatures.insert(key, signature);
                Ok(())
            }
        }
    }

    /// Merges the signatures of two tokens for the same statement.
    pub fn combine(a: Token, b: Token) -> Result<Token, TokenError> {
        if a.text != b.text {
            return Err(TokenError::DifferentStatements { left: hex(&a.digest()), right: hex(&b.digest()) });
        }
        let mut merged = a;
        for (key, signature) in b.signatures {
            merged.add_signature(key, signature)?;
        }
        Ok(merged)
    }

    /// The token file: statement text, a blank line, then one `sig` line per
    /// signature, sorted by key.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 1 + self.signatures.len() * 160);
        out.push_str(&self.text);
        out.push('\n');
        for (key, signature) in &self.signatures {
            out.push_str("sig ");
            out.push_str(&hex(key));
            out.push(' ');
            out.push_str(&BASE64.encode(signature));
            out.push('\n');
        }
        out
    }

    /// Parses a token file. Only the exact output of [`Token::to_text`] is accepted.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let lines = split_lines(text)?;
        let statement = parse_statement(&lines)?;
        match lines.get(STATEMENT_LINES) {
            Some(&"") => {}
            Some(_) => {
                return Err(malformed(
                    LINE_BLANK,
                    "expected a blank line between the statement and the signatures",
                ));
            }
            None => return Err(malformed(LINE_BLANK, "missing the blank line that ends the statement")),
        }
        let sig_lines = &lines[STATEMENT_LINES + 1..];
        if sig_lines.len() > MAX_SIGNATURES {
            return Err(TokenError::TooManySignatures { max: MAX_SIGNATURES });
        }
        let mut token = Self::new(statement);
        let mut previous: Option<[u8; 32]> = None;
        for (i, line) in sig_lines.iter().enumerate() {
            let number = LINE_BLANK + 1 + i;
            let (key, signature) = parse_sig_line(line).map_err(|r| malformed(number, r))?;
            match previous {
                Some(p) if p == key => return Err(TokenError::DuplicateSigner { key: hex(&key) }),
                Some(p) if p > key => {
                    return Err(malformed(number, "signature lines must be sorted by public key"));
                }
                _ => {}
            }
            previous = Some(key);
            token.signatures.insert(key, signature);
        }
        if token.to_text() != text {
            return Err(malformed(0, "token is not in canonical form"));
        }
        Ok(token)
    }

    /// Checks the signatures alone (rules 0 and 6 of the module's freshness
    /// rule) and returns the distinct registered keys whose signatures count,
    /// sorted. This is what an auditor can re-check from a recorded token
    /// long after its expiry.
    pub fn verify_signatures(&self, keyring: &Keyring) -> Result<Vec<[u8; 32]>, TokenError> {
        Ok(self.counted_signatures(keyring)?.into_iter().map(|(key, _)| key).collect())
    }

    /// Applies the full freshness rule (see the module documentation) and, if
    /// every check passes, returns the proof of it.
    pub fn verify(&self, ctx: &VerifyContext<'_>) -> Result<VerifiedToken, TokenError> {
        if ctx.keyring.quorum == 0 {
            return Err(TokenError::NoQuorumConfigured);
        }
        let s = &self.statement;
        if s.origin != ctx.origin {
            return Err(TokenError::WrongOrigin { expected: ctx.origin.to_owned(), found: s.origin.clone() });
        }
        if s.operation != *ctx.expected {
            return Err(TokenError::OperationMismatch {
                expected: ctx.expected.to_string(),
                found: s.operation.to_string(),
            });
        }
        if ctx.now_ms >= s.expires_at_ms {
            return Err(TokenError::Expired { expires_at_ms: s.expires_at_ms, now_ms: ctx.now_ms });
        }
        // The empty tree's root is the same for every ledger, so binding to it
        // would prove nothing about which ledger the signers looked at.
        if s.head_size == 0 {
            return Err(TokenError::EmptyHead);
        }
        if s.head_size > ctx.current_size {
            return Err(TokenError::FutureHead { size: s.head_size, current: ctx.current_size });
        }
        match (ctx.root_at)(s.head_size) {
            None => return Err(TokenError::UnknownHead { size: s.head_size }),
            Some(root) if root != s.head_root => return Err(TokenError::HeadMismatch { size: s.head_size }),
            Some(_) => {}
        }
        let digest = self.digest();
        if (ctx.is_used)(&digest) {
            return Err(TokenError::AlreadyUsed { digest: hex(&digest) });
        }
        let signatures = self.counted_signatures(ctx.keyring)?;
        let signers = signatures.iter().map(|(key, _)| *key).collect();
        Ok(VerifiedToken { statement: s.clone(), text: self.text.clone(), digest, signers, signatures })
    }

    fn counted_signatures(&self, keyring: &Keyring) -> Result<Vec<KeyedSignature>, TokenError> {
        if keyring.quorum == 0 {
            return Err(TokenError::NoQuorumConfigured);
        }
        let mut counted = Vec::new();
        // The map is keyed by public key, so each key is looked at once: a
        // keyring or file that repeats a key can never make it count twice.
        for (key, signature) in &self.signatures {
            let invalid = || TokenError::InvalidSignature { key: hex(key) };
            let public = usable_key(key).ok_or_else(invalid)?;
            public
                .verify_strict(self.text.as_bytes(), &Signature::from_bytes(signature))
                .map_err(|_| invalid())?;
            if keyring.keys.contains(key) {
                counted.push((*key, *signature));
            }
        }
        if counted.len() < usize::from(keyring.quorum) {
            return Err(TokenError::SubQuorum { valid: counted.len(), required: keyring.quorum });
        }
        Ok(counted)
    }
}

/// What [`Token::verify`] needs to know about the ledger it guards.
pub struct VerifyContext<'a> {
    /// The ledger's current keyring.
    pub keyring: &'a Keyring,
    /// The ledger's origin.
    pub origin: &'a str,
    /// The operation about to be performed; the token must name exactly this
    /// (for a keyring change, with its keys sorted ascending).
    pub expected: &'a Operation,
    /// The current time, in ms since the Unix epoch.
    pub now_ms: u64,
    /// The ledger's current size (number of entries).
    pub current_size: u64,
    /// The ledger's RFC 6962 root hash at a given size, or `None` if it has none.
    pub root_at: &'a dyn Fn(u64) -> Option<[u8; 32]>,
    /// Whether a token digest was already used.
    pub is_used: &'a dyn Fn(&[u8; 32]) -> bool,
}

/// A token that passed [`Token::verify`]. It cannot be made any other way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    statement: Statement,
    text: String,
    digest: [u8; 32],
    signers: Vec<[u8; 32]>,
    signatures: Vec<([u8; 32], [u8; 64])>,
}

impl VerifiedToken {
    /// The authorised operation.
    pub fn operation(&self) -> &Operation {
        &self.statement.operation
    }

    /// The verified statement.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The token digest to record as used.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The distinct registered keys whose signatures counted, sorted.
    pub fn signers(&self) -> &[[u8; 32]] {
        &self.signers
    }

    /// The statement's canonical text (the signed message).
    pub fn statement_text(&self) -> &str {
        &self.text
    }

    /// The counted `(public key, signature)` pairs, sorted by key, ready to
    /// be written into a ledger entry. Signatures from unregistered keys are
    /// left out.
    pub fn signatures(&self) -> &[([u8; 32], [u8; 64])] {
        &self.signatures
    }
}

// A key counts only if it is a valid point in its one canonical encoding and
// not of small order: otherwise one human could hold two "different" keys,
// or a key could accept signatures from no one in particular.
fn usable_key(bytes: &[u8; 32]) -> Option<VerifyingKey> {
    let key = VerifyingKey::from_bytes(bytes).ok()?;
    (!key.is_weak() && key.to_edwards().compress().to_bytes() == *bytes).then_some(key)
}

// A signer's public key and signature over the statement text.
type KeyedSignature = ([u8; 32], [u8; 64]);

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn check_origin(origin: &str) -> Result<(), String> {
    if origin.is_empty() {
        return Err("origin is empty".into());
    }
    if origin.len() > MAX_ORIGIN_LEN {
        return Err(format!("origin is longer than {MAX_ORIGIN_LEN} bytes"));
    }
    if !origin.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("origin may contain only printable ascii characters, without spaces".into());
    }
    Ok(())
}

// Splits canonical text into lines. Every line must end in `\n`, so the text
// must too; the piece after the final `\n` is dropped.
fn split_lines(text: &str) -> Result<Vec<&str>, TokenError> {
    if text.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge { len: text.len(), max: MAX_TOKEN_BYTES });
    }
    let Some(body) = text.strip_suffix('\n') else {
        let line = text.split('\n').count();
        return Err(malformed(line, "missing the final newline; every line ends in \\n"));
    };
    let lines: Vec<&str> = body.split('\n').collect();
    if let Some(i) = lines.iter().position(|l| l.contains('\r')) {
        return Err(malformed(i + 1, "carriage return found; lines end in \\n alone"));
    }
    Ok(lines)
}

fn parse_statement(lines: &[&str]) -> Result<Statement, TokenError> {
    let line = |number: usize, form: &str| {
        lines
            .get(number - 1)
            .copied()
            .ok_or_else(|| malformed(number, format!("missing line; expected `{form}`")))
    };
    if line(LINE_VERSION, VERSION_LINE)? != VERSION_LINE {
        return Err(malformed(
            LINE_VERSION,
            format!("expected `{VERSION_LINE}`; this is not a logos token or its version is not supported"),
        ));
    }
    let origin = field(line(LINE_ORIGIN, "origin <origin>")?, "origin", LINE_ORIGIN)?;
    check_origin(origin).map_err(|r| malformed(LINE_ORIGIN, r))?;
    let op = field(line(LINE_OP, "op <kind> <args>")?, "op", LINE_OP)?;
    let operation = parse_operation(op).map_err(|r| malformed(LINE_OP, r))?;
    let head_form = "head <size> <base64 root>";
    let head = field(line(LINE_HEAD, head_form)?, "head", LINE_HEAD)?;
    let (size, root) =
        head.split_once(' ').ok_or_else(|| malformed(LINE_HEAD, format!("expected `{head_form}`")))?;
    let head_size = decimal(size).map_err(|r| malformed(LINE_HEAD, format!("head size: {r}")))?;
    let head_root = base64_array::<32>(root).map_err(|r| malformed(LINE_HEAD, format!("head root: {r}")))?;
    let expires = field(line(LINE_EXPIRES, "expires <ms>")?, "expires", LINE_EXPIRES)?;
    let expires_at_ms = decimal(expires).map_err(|r| malformed(LINE_EXPIRES, format!("expiry: {r}")))?;
    let nonce = field(line(LINE_NONCE, "nonce <32 hex digits>")?, "nonce", LINE_NONCE)?;
    let nonce = hex_array::<16>(nonce).map_err(|r| malformed(LINE_NONCE, format!("nonce: {r}")))?;
    Ok(Statement { origin: origin.to_owned(), operation, head_size, head_root, expires_at_ms, nonce })
}

fn field<'a>(line: &'a str, keyword: &str, number: usize) -> Result<&'a str, TokenError> {
    line.strip_prefix(keyword)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| malformed(number, format!("expected a line starting with `{keyword} `")))
}

fn parse_operation(text: &str) -> Result<Operation, String> {
    let (kind, args) = text.split_once(' ').ok_or("expected `op <kind> <args>`")?;
    let args: Vec<&str> = args.split(' ').collect();
    let node = |s: &str| hex_array::<32>(s).map(NodeId::from_bytes).map_err(|r| format!("node id: {r}"));
    let operation = match (kind, args.as_slice()) {
        ("promote", [n]) => Operation::Promote { node: node(n)? },
        ("deprecate", [n]) => Operation::Deprecate { node: node(n)? },
        ("migrate", [from, to]) => Operation::Migrate { from: node(from)?, to: node(to)? },
        ("migrate-via", [from, to, adapter]) => {
            Operation::MigrateVia { from: node(from)?, to: node(to)?, adapter: node(adapter)? }
        }
        ("grant", [n, c]) => {
            let capability = c.parse::<Capability>().map_err(|e| e.to_string())?;
            Operation::Grant { node: node(n)?, capability }
        }
        ("keyring", [quorum, keys]) => {
            let quorum = decimal(quorum).map_err(|r| format!("keyring quorum: {r}"))?;
            let quorum = u16::try_from(quorum).map_err(|_| "keyring quorum does not fit in 16 bits")?;
            let items: Vec<&str> = keys.split(',').collect();
            if items.len() > MAX_KEYRING_KEYS {
                return Err(format!(
                    "keyring has {} keys; at most {MAX_KEYRING_KEYS} are allowed",
                    items.len()
                ));
            }
            let keys = items
                .into_iter()
                .map(|k| hex_array::<32>(k).map_err(|r| format!("keyring key: {r}")))
                .collect::<Result<Vec<_>, _>>()?;
            Operation::ChangeKeyring { keys, quorum }
        }
        ("policy", [d]) => {
            Operation::ChangePolicy { digest: hex_array::<32>(d).map_err(|r| format!("policy: {r}"))? }
        }
        ("promote" | "deprecate" | "policy", _) => {
            return Err(format!("`op {kind}` takes exactly one argument after a single space"));
        }
        ("migrate" | "grant" | "keyring", _) => {
            return Err(format!("`op {kind}` takes exactly two arguments separated by single spaces"));
        }
        _ => {
            return Err(
                "unknown operation (known: promote, migrate, deprecate, grant, keyring, policy)".into()
            );
        }
    };
    operation.check()?;
    Ok(operation)
}

fn parse_sig_line(line: &str) -> Result<([u8; 32], [u8; 64]), String> {
    let form = "expected `sig <64 hex public key> <base64 signature>`";
    let rest = line.strip_prefix("sig ").ok_or(form)?;
    let (key, signature) = rest.split_once(' ').ok_or(form)?;
    let key = hex_array::<32>(key).map_err(|r| format!("signer key: {r}"))?;
    let signature = base64_array::<64>(signature).map_err(|r| format!("signature: {r}"))?;
    Ok((key, signature))
}

fn decimal(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected a decimal number (digits 0-9 only)".into());
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err("leading zeros are not allowed".into());
    }
    text.parse().map_err(|_| "number does not fit in 64 bits".into())
}

fn hex_array<const N: usize>(text: &str) -> Result<[u8; N], String> {
    let wrong = || format!("expected {} lowercase hex digits", 2 * N);
    if text.len() != 2 * N {
        return Err(wrong());
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0; N];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        *byte = (digit(pair[0]).ok_or_else(wrong)? << 4) | digit(pair[1]).ok_or_else(wrong)?;
    }
    Ok(out)
}

fn base64_array<const N: usize>(text: &str) -> Result<[u8; N], String> {
    let encoded_len = N.div_ceil(3) * 4;
    if text.len() != encoded_len {
        return Err(format!("expected {encoded_len} characters of padded base64"));
    }
    let bytes = BASE64.decode(text).map_err(|e| format!("not valid base64 ({e})"))?;
    let array = <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| format!("expected {N} bytes of base64"))?;
    // The decoder already rejects stray trailing bits; comparing the
    // re-encoding makes "one spelling per value" hold whatever it accepts.
    if BASE64.encode(array) != text {
        return Err("base64 is not in canonical form".into());
    }
    Ok(array)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_canonical() {
        assert_eq!(decimal("0"), Ok(0));
        assert_eq!(decimal("18446744073709551615"), Ok(u64::MAX));
        for bad in ["", "00", "01", "+1", "-1", " 1", "1 ", "1_000", "18446744073709551616", "１"] {
            assert!(decimal(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn hex_is_lowercase_and_exact() {
        assert_eq!(hex_array::<2>("0aff"), Ok([0x0a, 0xff]));
        for bad in ["0aFF", "0af", "0aff0", "0ag0", "+aff", "éé"] {
            assert!(hex_array::<2>(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(hex(&[0x0a, 0xff]), "0aff");
    }

    #[test]
    fn base64_is_padded_and_canonical() {
        let good = BASE64.encode([0xffu8; 32]);
        assert_eq!(base64_array::<32>(&good), Ok([0xff; 32]));
        // 32 bytes leave two unused bits in the last symbol; setting them is
        // a second spelling of (almost) the same value and must be refused.
        let mut loose = good.clone().into_bytes();
        loose[42] = b'/';
        let loose = String::from_utf8(loose).unwrap_or_default();
        assert_ne!(loose, good);
        assert!(base64_array::<32>(&loose).is_err());
        assert!(base64_array::<32>(good.trim_end_matches('=')).is_err());
        let url_safe = good.replace('/', "_");
        assert!(base64_array::<32>(&url_safe).is_err());
    }

    #[test]
    fn origins_are_printable_without_spaces() {
        assert!(check_origin("example.org/logos").is_ok());
        for bad in ["", "a b", "a\tb", "a\nb", "ünï", &"x".repeat(MAX_ORIGIN_LEN + 1)] {
            assert!(check_origin(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn weak_and_non_canonical_keys_are_unusable() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(usable_key(&identity).is_none());
        let genuine = SigningKey::from_bytes(&[5; 32]).verifying_key().to_bytes();
        assert!(usable_key(&genuine).is_some());
        // y = p + 1 encodes the identity again, non-canonically.
        let mut alias = [0xffu8; 32];
        alias[0] = 0xee;
        alias[31] = 0x7f;
        assert!(usable_key(&alias).is_none());
    }

    #[test]
    fn operation_lines_name_the_kind() {
        let op = Operation::ChangePolicy { digest: [0xab; 32] };
        assert_eq!(op.to_string(), format!("op policy {}", "ab".repeat(32)));
        assert_eq!(parse_operation(&op.to_string()["op ".len()..]), Ok(op));
    }

    #[test]
    fn keyring_changes_must_be_reachable() {
        let a = SigningKey::from_bytes(&[1; 32]).verifying_key().to_bytes();
        let b = SigningKey::from_bytes(&[2; 32]).verifying_key().to_bytes();
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let ok = Operation::ChangeKeyring { keys: vec![lo, hi], quorum: 2 };
        assert!(ok.check().is_ok());
        for bad in [
            Operation::ChangeKeyring { keys: vec![], quorum: 0 },
            Operation::ChangeKeyring { keys: vec![lo, hi], quorum: 0 },
            Operation::ChangeKeyring { keys: vec![lo, hi], quorum: 3 },
            Operation::ChangeKeyring { keys: vec![hi, lo], quorum: 1 },
            Operation::ChangeKeyring { keys: vec![lo, lo], quorum: 1 },
            Operation::ChangeKeyring { keys: vec![lo; MAX_KEYRING_KEYS + 1], quorum: 1 },
        ] {
            assert!(bad.check().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn missing_final_newline_is_refused() {
        let err = split_lines("logos-token/v1\norigin x").unwrap_err();
        assert_eq!(err, malformed(2, "missing the final newline; every line ends in \\n"));
    }
}
