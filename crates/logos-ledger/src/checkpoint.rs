//! Signed tree checkpoints: C2SP `tlog-checkpoint` bodies wrapped in C2SP
//! `signed-note` envelopes with Ed25519 signatures.
//!
//! A checkpoint body is
//!
//! ```text
//! <origin>
//! <tree size in decimal>
//! <standard padded base64 of the 32-byte root hash>
//! [extension lines]
//! ```
//!
//! and a signed note is that text, a blank line, and one or more lines
//! `— <key name> <base64(4-byte key id || signature)>`.
//!
//! Everything arriving from outside is bounded ([`MAX_NOTE_BYTES`],
//! [`MAX_SIGNATURES`], [`MAX_EXTENSIONS`]) and parsed without panicking.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Largest note text (checkpoint body) accepted or produced, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Largest signed note accepted or produced, in bytes: the text plus room for
/// the signature lines.
pub const MAX_NOTE_BYTES: usize = 2 * MAX_TEXT_BYTES;
/// Most extension lines a checkpoint may carry.
pub const MAX_EXTENSIONS: usize = 100;
/// Most signature lines a signed note may carry.
pub const MAX_SIGNATURES: usize = 100;

/// C2SP signed-note signature type byte for Ed25519.
const ED25519_TYPE: u8 = 0x01;
/// Start of every signature line: U+2014 EM DASH and a space.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";
/// A key id plus at least one byte of signature.
const MIN_SIGNATURE_BYTES: usize = 5;
/// Key id followed by an Ed25519 signature.
const ED25519_SIGNATURE_BYTES: usize = 4 + 64;

/// Why a checkpoint, signed note, key or signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note text (checkpoint body) exceeds [`MAX_TEXT_BYTES`].
    #[error("note text is {len} bytes, over the {max}-byte limit")]
    TextTooLarge {
        /// Size of the text.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The signed note exceeds [`MAX_NOTE_BYTES`].
    #[error("signed note is {len} bytes, over the {max}-byte limit")]
    NoteTooLarge {
        /// Size of the note.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The note text is empty or does not end with a newline.
    #[error("note text does not end with a newline")]
    MissingFinalNewline,
    /// A control character other than a line-ending newline was found.
    #[error("{0} contains a control character")]
    ControlCharacter(&'static str),
    /// The checkpoint body stops before a mandatory line.
    #[error("checkpoint body has no {0} line")]
    MissingLine(&'static str),
    /// The checkpoint origin line is empty.
    #[error("checkpoint origin is empty")]
    EmptyOrigin,
    /// The tree size is not a decimal `u64` without sign or leading zeros.
    #[error("checkpoint tree size is not a canonical decimal u64")]
    InvalidSize,
    /// The root hash line is not canonical padded base64 of 32 bytes.
    #[error("checkpoint root hash is not canonical base64 of 32 bytes")]
    InvalidRoot,
    /// An extension line is empty.
    #[error("checkpoint extension line is empty")]
    EmptyExtension,
    /// The checkpoint has more than [`MAX_EXTENSIONS`] extension lines.
    #[error("checkpoint has more than {max} extension lines")]
    TooManyExtensions {
        /// The limit.
        max: usize,
    },
    /// The note has no blank line separating its text from its signatures.
    #[error("signed note has no blank line before its signatures")]
    MissingSignatureBlock,
    /// The note has a blank line but no signature lines after it.
    #[error("signed note has no signature lines")]
    NoSignatures,
    /// More than [`MAX_SIGNATURES`] signature lines (or signers).
    #[error("signed note has more than {max} signature lines")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// A signature line does not follow `— <name> <base64>`.
    #[error("signature line {line} is malformed: {reason}")]
    MalformedSignatureLine {
        /// One-based position among the signature lines.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key name is empty or contains whitespace, `+` or a control character.
    #[error("key name is empty or contains whitespace, '+' or a control character")]
    InvalidKeyName,
    /// A verifier key string is not `<name>+<8 hex digits>+<base64 key>`.
    #[error("verifier key is malformed: {0}")]
    MalformedVerifierKey(&'static str),
    /// A verifier key is for a signature type other than Ed25519.
    #[error("verifier key has signature type {0:#04x}, not ed25519 (0x01)")]
    UnsupportedKeyType(u8),
    /// A verifier key's key id does not match its name and public key.
    #[error("verifier key id does not match its name and public key")]
    KeyIdMismatch,
    /// A public key is not a valid Ed25519 point.
    #[error("public key is not a valid ed25519 point")]
    InvalidPublicKey,
    /// A public key is a small-order point, for which signatures prove nothing.
    #[error("public key is a weak (small-order) ed25519 point")]
    WeakKey,
    /// Two trusted verifiers share a name and key id but have different keys.
    #[error("trusted keys named {name} share key id {key_id:08x} but differ")]
    AmbiguousTrustedKey {
        /// The shared key name.
        name: String,
        /// The shared key id.
        key_id: u32,
    },
    /// A signature from a trusted key failed to verify.
    #[error("signature by trusted key {name} does not verify")]
    InvalidSignature {
        /// Name of the trusted key.
        name: String,
    },
    /// No signature line came from a trusted key.
    #[error("no trusted signature")]
    NoTrustedSignature,
    /// Signing was requested with an empty list of signers.
    #[error("no signers given")]
    NoSigners,
}

/// A C2SP `tlog-checkpoint`: a commitment to the first `size` entries of the
/// log named `origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Unique name of the log, usually a schema-less URL.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// Root hash of the tree of `size` leaves.
    pub root: Hash,
    /// Extension lines, each without its newline; opaque to this module.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Self { origin: origin.into(), size, root, extensions: Vec::new() }
    }

    /// Serialises the checkpoint as note text.
    ///
    /// Fails when the result would not parse back to this checkpoint (an
    /// empty or multi-line origin or extension, a control character, too
    /// many extensions, or a body over [`MAX_TEXT_BYTES`]): signing such a
    /// body would vouch for something other than what the caller holds.
    pub fn to_body(&self) -> Result<String, CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        check_line_chars(&self.origin, "checkpoint origin")?;
        if self.extensions.len() > MAX_EXTENSIONS {
            return Err(CheckpointError::TooManyExtensions { max: MAX_EXTENSIONS });
        }
        for extension in &self.extensions {
            if extension.is_empty() {
                return Err(CheckpointError::EmptyExtension);
            }
            check_line_chars(extension, "checkpoint extension line")?;
        }
        let mut body = format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.root));
        for extension in &self.extensions {
            body.push_str(extension);
            body.push('\n');
        }
        check_text_size(&body)?;
        Ok(body)
    }

    /// Parses note text as a checkpoint body, rejecting anything that
    /// [`Checkpoint::to_body`] would not have produced.
    pub fn parse_body(body: &str) -> Result<Self, CheckpointError> {
        check_text_size(body)?;
        let Some(text) = body.strip_suffix('\n') else {
            return Err(CheckpointError::MissingFinalNewline);
        };
        check_note_chars(text, "checkpoint body")?;
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_size(lines.next().ok_or(CheckpointError::MissingLine("tree size"))?)?;
        let root = parse_root(lines.next().ok_or(CheckpointError::MissingLine("root hash"))?)?;
        let mut extensions = Vec::new();
        for line in lines {
            if extensions.len() == MAX_EXTENSIONS {
                return Err(CheckpointError::TooManyExtensions { max: MAX_EXTENSIONS });
            }
            if line.is_empty() {
                return Err(CheckpointError::EmptyExtension);
            }
            extensions.push(line.to_owned());
        }
        Ok(Self { origin: origin.to_owned(), size, root, extensions })
    }
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    // `u64::from_str` would also take a leading '+', and a leading zero would
    // give one size several encodings, hence several valid signed notes.
    let canonical = !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && (line == "0" || !line.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::InvalidSize);
    }
    line.parse().map_err(|_| CheckpointError::InvalidSize)
}

fn parse_root(line: &str) -> Result<Hash, CheckpointError> {
    // The STANDARD engine insists on canonical padding and zero trailing
    // bits, so each root has exactly one accepted encoding.
    let bytes = STANDARD.decode(line).map_err(|_| CheckpointError::InvalidRoot)?;
    Hash::try_from(bytes.as_slice()).map_err(|_| CheckpointError::InvalidRoot)
}

fn check_text_size(text: &str) -> Result<(), CheckpointError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(CheckpointError::TextTooLarge { len: text.len(), max: MAX_TEXT_BYTES });
    }
    Ok(())
}

/// Rejects every ASCII control character, newline included; `what` names the
/// checked text in the error.
fn check_line_chars(text: &str, what: &'static str) -> Result<(), CheckpointError> {
    if text.chars().any(|c| c.is_ascii_control()) {
        return Err(CheckpointError::ControlCharacter(what));
    }
    Ok(())
}

/// Rejects ASCII control characters other than newline, as C2SP signed-note
/// requires of the whole note.
fn check_note_chars(text: &str, what: &'static str) -> Result<(), CheckpointError> {
    if text.chars().any(|c| c.is_ascii_control() && c != '\n') {
        return Err(CheckpointError::ControlCharacter(what));
    }
    Ok(())
}

fn check_key_name(name: &str) -> Result<(), CheckpointError> {
    let bad = |c: char| c.is_whitespace() || c == '+' || c.is_control();
    if name.is_empty() || name.chars().any(bad) {
        return Err(CheckpointError::InvalidKeyName);
    }
    Ok(())
}

/// C2SP key id for Ed25519: the first four bytes, big-endian, of
/// `SHA-256(name || 0x0A || 0x01 || public key)`.
fn ed25519_key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ED25519_TYPE])
        .chain_update(public_key)
        .finalize();
    let digest: [u8; 32] = digest.into();
    let [a, b, c, d, ..] = digest;
    u32::from_be_bytes([a, b, c, d])
}

/// A named Ed25519 key that signs notes.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    key_id: u32,
}

impl std::fmt::Debug for NoteSigner {
    // Keeps the secret key out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// Generates a fresh key from the operating system's random source.
    pub fn generate(name: &str) -> Result<Self, CheckpointError> {
        Self::with_key(name, SigningKey::generate(&mut rand_core::OsRng))
    }

    /// Restores a signer from the 32-byte Ed25519 secret key (seed) returned
    /// by [`NoteSigner::to_bytes`].
    pub fn from_bytes(name: &str, secret_key: &[u8; 32]) -> Result<Self, CheckpointError> {
        Self::with_key(name, SigningKey::from_bytes(secret_key))
    }

    fn with_key(name: &str, key: SigningKey) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        let key_id = ed25519_key_id(name, key.verifying_key().as_bytes());
        Ok(Self { name: name.to_owned(), key, key_id })
    }

    /// The 32-byte Ed25519 secret key (seed). Keep it secret.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The key name that appears on signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The C2SP key id of this key.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier for this signer's signatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier { name: self.name.clone(), key: self.key.verifying_key(), key_id: self.key_id }
    }

    /// Serialises `checkpoint` and returns the complete signed note.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, CheckpointError> {
        sign_note(&checkpoint.to_body()?, &[self])
    }
}

/// Signs `text` with every signer, in order, and returns the signed note.
///
/// `text` must end with a newline, contain no ASCII control characters other
/// than newline and be at most [`MAX_TEXT_BYTES`] long.
pub fn sign_note(text: &str, signers: &[&NoteSigner]) -> Result<String, CheckpointError> {
    check_text_size(text)?;
    if !text.ends_with('\n') {
        return Err(CheckpointError::MissingFinalNewline);
    }
    check_note_chars(text, "note text")?;
    if signers.is_empty() {
        return Err(CheckpointError::NoSigners);
    }
    if signers.len() > MAX_SIGNATURES {
        return Err(CheckpointError::TooManySignatures { max: MAX_SIGNATURES });
    }
    let mut note = String::with_capacity(text.len() + 1 + signers.len() * 120);
    note.push_str(text);
    note.push('\n');
    for signer in signers {
        let signature = signer.key.sign(text.as_bytes());
        let mut bytes = Vec::with_capacity(ED25519_SIGNATURE_BYTES);
        bytes.extend_from_slice(&signer.key_id.to_be_bytes());
        bytes.extend_from_slice(&signature.to_bytes());
        note.push_str(SIGNATURE_LINE_PREFIX);
        note.push_str(&signer.name);
        note.push(' ');
        note.push_str(&STANDARD.encode(bytes));
        note.push('\n');
    }
    if note.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::NoteTooLarge { len: note.len(), max: MAX_NOTE_BYTES });
    }
    Ok(note)
}

/// A named Ed25519 public key trusted to sign notes.
#[derive(Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key: VerifyingKey,
    key_id: u32,
}

impl std::fmt::Debug for NoteVerifier {
    // The vkey says everything about the verifier in one line, unlike the
    // curve point internals `VerifyingKey` prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("NoteVerifier").field(&self.to_vkey()).finish()
    }
}

impl NoteVerifier {
    /// A verifier for the 32-byte Ed25519 public key `public_key` under `name`.
    pub fn from_public_key(name: &str, public_key: &[u8; 32]) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| CheckpointError::InvalidPublicKey)?;
        if key.is_weak() {
            return Err(CheckpointError::WeakKey);
        }
        Ok(Self { name: name.to_owned(), key, key_id: ed25519_key_id(name, public_key) })
    }

    /// Parses a verifier key `<name>+<8 hex digits key id>+<base64(0x01 ||
    /// public key)>`, checking that the key id matches.
    pub fn from_vkey(vkey: &str) -> Result<Self, CheckpointError> {
        // The base64 part may itself contain '+', so split at most twice.
        let mut parts = vkey.splitn(3, '+');
        let name = parts.next().unwrap_or_default();
        let (Some(id_hex), Some(key_b64)) = (parts.next(), parts.next()) else {
            return Err(CheckpointError::MalformedVerifierKey("expected <name>+<key id>+<key>"));
        };
        check_key_name(name)?;
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if id_hex.len() != 8 || !id_hex.bytes().all(lower_hex) {
            return Err(CheckpointError::MalformedVerifierKey("key id is not 8 lowercase hex digits"));
        }
        let key_id = u32::from_str_radix(id_hex, 16)
            .map_err(|_| CheckpointError::MalformedVerifierKey("key id is not 8 lowercase hex digits"))?;
        let bytes = STANDARD
            .decode(key_b64)
            .map_err(|_| CheckpointError::MalformedVerifierKey("public key is not canonical base64"))?;
        let Some((&key_type, public_key)) = bytes.split_first() else {
            return Err(CheckpointError::MalformedVerifierKey("public key is empty"));
        };
        if key_type != ED25519_TYPE {
            return Err(CheckpointError::UnsupportedKeyType(key_type));
        }
        let public_key: &[u8; 32] = public_key
            .try_into()
            .map_err(|_| CheckpointError::MalformedVerifierKey("ed25519 public key is not 32 bytes"))?;
        let verifier = Self::from_public_key(name, public_key)?;
        if verifier.key_id != key_id {
            return Err(CheckpointError::KeyIdMismatch);
        }
        Ok(verifier)
    }

    /// Encodes the verifier key as `<name>+<key id hex>+<base64(0x01 || key)>`.
    pub fn to_vkey(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(ED25519_TYPE);
        key.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, STANDARD.encode(key))
    }

    /// The key name expected on signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The C2SP key id of this key.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
}

/// One parsed signature line.
struct SignatureLine<'a> {
    name: &'a str,
    key_id: u32,
    signature: Vec<u8>,
}

fn parse_signature_line(line: &str, number: usize) -> Result<SignatureLine<'_>, CheckpointError> {
    let malformed = |reason| CheckpointError::MalformedSignatureLine { line: number, reason };
    let rest = line
        .strip_prefix(SIGNATURE_LINE_PREFIX)
        .ok_or(malformed("does not start with an em dash and a space"))?;
    let (name, encoded) =
        rest.split_once(' ').ok_or(malformed("has no space between key name and signature"))?;
    check_key_name(name).map_err(|_| malformed("key name is invalid"))?;
    let signature = STANDARD.decode(encoded).map_err(|_| malformed("signature is not canonical base64"))?;
    let key_id = match signature.first_chunk::<4>() {
        Some(id) if signature.len() >= MIN_SIGNATURE_BYTES => u32::from_be_bytes(*id),
        _ => {
            return Err(malformed("signature is too short to hold a key id and a signature"));
        }
    };
    Ok(SignatureLine { name, key_id, signature })
}

/// Verifies a signed note against `trusted` keys and returns its text.
///
/// Signature lines whose (name, key id) pair matches no trusted key are
/// ignored, as C2SP signed-note requires; a matching line that fails to
/// verify rejects the whole note, and at least one trusted signature must
/// verify. Malformed signature lines always reject the note.
pub fn open_note<'a>(note: &'a str, trusted: &[NoteVerifier]) -> Result<&'a str, CheckpointError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::NoteTooLarge { len: note.len(), max: MAX_NOTE_BYTES });
    }
    check_note_chars(note, "signed note")?;
    // The text may itself contain blank lines; the last one separates it
    // from the signatures.
    let split = note.rfind("\n\n").ok_or(CheckpointError::MissingSignatureBlock)?;
    let (text, block) = note.split_at(split + 1);
    let block = block.get(1..).unwrap_or_default();
    check_text_size(text)?;
    if block.is_empty() {
        return Err(CheckpointError::NoSignatures);
    }
    let Some(block) = block.strip_suffix('\n') else {
        return Err(CheckpointError::MalformedSignatureLine {
            line: block.matches('\n').count() + 1,
            reason: "does not end with a newline",
        });
    };
    if block.matches('\n').count() >= MAX_SIGNATURES {
        return Err(CheckpointError::TooManySignatures { max: MAX_SIGNATURES });
    }

    let mut verified = 0usize;
    for (i, line) in block.split('\n').enumerate() {
        let line = parse_signature_line(line, i + 1)?;
        let mut matching = trusted.iter().filter(|v| v.name == line.name && v.key_id == line.key_id);
        let Some(verifier) = matching.next() else {
            continue;
        };
        if matching.any(|other| other.key != verifier.key) {
            return Err(CheckpointError::AmbiguousTrustedKey {
                name: verifier.name.clone(),
                key_id: verifier.key_id,
            });
        }
        let invalid = || CheckpointError::InvalidSignature { name: verifier.name.clone() };
        let bytes: &[u8; 64] = line.signature.get(4..).and_then(|s| s.try_into().ok()).ok_or_else(invalid)?;
        verifier.key.verify_strict(text.as_bytes(), &Signature::from_bytes(bytes)).map_err(|_| invalid())?;
        verified += 1;
    }
    if verified == 0 {
        return Err(CheckpointError::NoTrustedSignature);
    }
    Ok(text)
}

/// Verifies a signed checkpoint against `trusted` keys (see [`open_note`])
/// and parses its body.
pub fn open_checkpoint(note: &str, trusted: &[NoteVerifier]) -> Result<Checkpoint, CheckpointError> {
    Checkpoint::parse_body(open_note(note, trusted)?)
}
