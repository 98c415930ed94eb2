//! `logos token create|sign|combine|show`: migration tokens as files that
//! travel from the operator to each signer and back.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use logos_runtime::layers::ledger::token::VerifyContext;
use logos_runtime::{GraphStore, Keyring, RedbStore, Statement, Token, TokenError};
use serde::Serialize;

use super::Context;
use super::change::{Change, describe, operation};
use super::govern::read_token;
use crate::error::CliError;
use crate::files;
use crate::keys::read_secret_key;
use crate::output::{self, count, hex};
use crate::time::{now_ms, rfc3339_utc};

#[derive(Serialize)]
struct Created<'a> {
    /// Where it was written, or null when printed in `token`.
    file: Option<String>,
    token: &'a str,
    digest: String,
    operation: String,
    head_size: u64,
    expires_ms: u64,
    expires: String,
}

/// Builds an unsigned token for `change`, bound to the store's current head.
pub fn create(
    ctx: &Context<'_>,
    change: Change<'_>,
    lifetime_ms: u64,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let store = ctx.open()?;
    let event = change.event(&store)?;
    let op = operation(&event)?;
    let size = store.head()?.size;
    let root = store.root_at(size)?;
    let expires = now_ms().saturating_add(lifetime_ms);
    let nonce = Statement::random_nonce().map_err(|e| CliError::Input(e.to_string()))?;
    let statement = Statement::new(store.origin(), op, size, root, expires, nonce)
        .map_err(|e| CliError::Input(format!("cannot make this token: {e}")))?;
    let token = Token::new(statement);
    let text = token.to_text();
    if let Some(path) = out {
        files::write_new(path, &text, false)?;
    }
    if ctx.json {
        return output::print_json(&Created {
            file: out.map(|p| p.display().to_string()),
            token: &text,
            digest: hex(&token.digest()),
            operation: token.statement().operation().to_string(),
            head_size: size,
            expires_ms: expires,
            expires: rfc3339_utc(expires),
        });
    }
    let Some(path) = out else { return output::print_text(&text) };
    output::print_text(&format!(
        "wrote unsigned token {}: {}, bound to ledger head {size}, expires {}\n\
         next: each signer runs `logos token sign {} --key NAME.key`\n",
        path.display(),
        describe(token.statement().operation(), &store.state().graph),
        rfc3339_utc(expires),
        path.display(),
    ))
}

#[derive(Serialize)]
struct Signed {
    file: String,
    signer: String,
    signatures: usize,
}

/// Adds the signature of the key in `key_path` and writes the token back.
pub fn sign(
    ctx: &Context<'_>,
    token_path: &Path,
    key_path: &Path,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let mut token = read_token(token_path)?;
    let key = read_secret_key(key_path)?;
    let statement = token.statement();
    let now = now_ms();
    if now >= statement.expires_at_ms() {
        let source = TokenError::Expired { expires_at_ms: statement.expires_at_ms(), now_ms: now };
        return Err(CliError::Token { path: token_path.into(), source });
    }
    token.sign(&key).map_err(|source| CliError::Token { path: token_path.into(), source })?;
    let dest = out.unwrap_or(token_path);
    files::replace(dest, &token.to_text())?;
    let signer = hex(key.verifying_key().as_bytes());
    if ctx.json {
        let file = dest.display().to_string();
        return output::print_json(&Signed { file, signer, signatures: token.signatures().len() });
    }
    output::print_text(&format!(
        "signed {} as {}… ({}): `{}`; it carries {}\n",
        dest.display(),
        &signer[..12],
        token.statement().origin(),
        token.statement().operation(),
        count(token.signatures().len() as u64, "signature", "signatures"),
    ))
}

#[derive(Serialize)]
struct Combined {
    file: String,
    signatures: usize,
}

/// Merges the signatures of several copies of one token into `out`.
pub fn combine(ctx: &Context<'_>, paths: &[PathBuf], out: &Path) -> Result<(), CliError> {
    let mut merged: Option<Token> = None;
    for path in paths {
        let next = read_token(path)?;
        merged = Some(match merged {
            None => next,
            Some(acc) => {
                Token::combine(acc, next).map_err(|source| CliError::Token { path: path.clone(), source })?
            }
        });
    }
    let Some(token) = merged else {
        return Err(CliError::Input("give at least two tokens to combine".into()));
    };
    files::replace(out, &token.to_text())?;
    let n = token.signatures().len();
    if ctx.json {
        return output::print_json(&Combined { file: out.display().to_string(), signatures: n });
    }
    output::print_text(&format!(
        "wrote {} with {}\n",
        out.display(),
        count(n as u64, "signature", "signatures")
    ))
}

#[derive(Serialize)]
struct Shown {
    digest: String,
    origin: String,
    operation: String,
    description: String,
    head_size: u64,
    head_root: String,
    expires_ms: u64,
    expires: String,
    signers: Vec<Signer>,
    quorum: u16,
    /// Valid signatures from registered keys.
    counted: usize,
    /// How many more the quorum needs.
    needed: usize,
    /// Whether the store would accept this token for its change right now.
    ready: bool,
    /// Why not, when it would not.
    refusal: Option<String>,
}

#[derive(Serialize)]
struct Signer {
    key: String,
    registered: bool,
    valid: bool,
}

/// Shows what the token authorises, who signed, and what the store would say.
pub fn show(ctx: &Context<'_>, token_path: &Path) -> Result<(), CliError> {
    let token = read_token(token_path)?;
    let store = ctx.open()?;
    let state = store.state();
    let signers: Vec<Signer> = token
        .signatures()
        .map(|(key, signature)| Signer {
            key: hex(&key),
            registered: state.keyring.contains(&key),
            valid: signature_is_valid(&token, key, signature),
        })
        .collect();
    let counted = signers.iter().filter(|s| s.registered && s.valid).count();
    let needed = usize::from(state.keyring.quorum).saturating_sub(counted);
    let refusal = would_refuse(&token, &store, &state.keyring, &state.used_tokens)?;
    let s = token.statement();
    let shown = Shown {
        digest: hex(&token.digest()),
        origin: s.origin().to_owned(),
        operation: s.operation().to_string().trim_start_matches("op ").to_owned(),
        description: describe(s.operation(), &state.graph),
        head_size: s.head_size(),
        head_root: hex(s.head_root()),
        expires_ms: s.expires_at_ms(),
        expires: rfc3339_utc(s.expires_at_ms()),
        signers,
        quorum: state.keyring.quorum,
        counted,
        needed,
        ready: refusal.is_none(),
        refusal: refusal.map(|e| e.to_string()),
    };
    if ctx.json {
        return output::print_json(&shown);
    }
    let mut text = format!("token {}… ({})\n", &shown.digest[..12], token_path.display());
    text += &format!("  operation  {}\n", shown.description);
    text += &format!(
        "  ledger     {} at head {} (root {}…)\n",
        shown.origin,
        shown.head_size,
        &shown.head_root[..12]
    );
    text += &format!("  expires    {}\n", shown.expires);
    text += &format!("  signers    {} of quorum {}\n", shown.counted, shown.quorum);
    for signer in &shown.signers {
        let registered = if signer.registered { "registered" } else { "NOT in this store's keyring" };
        let valid = if signer.valid { "valid" } else { "INVALID signature" };
        text += &format!("    {}…  {registered}, {valid}\n", &signer.key[..12]);
    }
    text += &match (&shown.refusal, shown.needed) {
        (None, _) => "  status     ready: the store would accept it now\n".to_owned(),
        (Some(_), n) if n > 0 => format!(
            "  status     needs {n} more {}: `logos token sign {} --key KEYFILE`\n",
            if n == 1 { "signature" } else { "signatures" },
            token_path.display()
        ),
        (Some(why), _) => format!("  status     would be refused: {why}\n"),
    };
    output::print_text(&text)
}

/// Whether `signature` by `key` verifies over the token's statement, by the
/// ledger's own rule (strict verification, usable keys only).
fn signature_is_valid(token: &Token, key: [u8; 32], signature: [u8; 64]) -> bool {
    let alone = Token::with_signatures(token.statement().clone(), [(key, signature)]);
    let keyring = Keyring { keys: vec![key], quorum: 1 };
    alone.is_ok_and(|t| t.verify_signatures(&keyring).is_ok())
}

/// What the store would say to this token for its own operation, now.
fn would_refuse(
    token: &Token,
    store: &RedbStore,
    keyring: &Keyring,
    used: &BTreeSet<[u8; 32]>,
) -> Result<Option<TokenError>, CliError> {
    let size = store.head()?.size;
    let origin = store.origin();
    let root_at = |n: u64| store.root_at(n).ok();
    let is_used = |digest: &[u8; 32]| used.contains(digest);
    let ctx = VerifyContext {
        keyring,
        origin: &origin,
        expected: token.statement().operation(),
        now_ms: now_ms(),
        current_size: size,
        root_at: &root_at,
        is_used: &is_used,
    };
    Ok(token.verify(&ctx).err())
}
