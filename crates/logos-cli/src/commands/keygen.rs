//! `logos keygen --out NAME`: a human's token-signing key pair.

use std::fs;
use std::path::Path;

use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::files::{self, with_suffix};
use crate::keys::{generate_human_key, public_key_text, secret_key_text};
use crate::output::{self, hex};

#[derive(Serialize)]
struct Generated {
    secret_key_file: String,
    public_key_file: String,
    public_key: String,
}

/// Writes `NAME.key` (secret, 0600) and `NAME.pub`; refuses to overwrite either.
pub fn run(ctx: &Context<'_>, name: &Path) -> Result<(), CliError> {
    let (secret_path, public_path) = (with_suffix(name, ".key"), with_suffix(name, ".pub"));
    let key = generate_human_key()?;
    // Claim both names before writing anything, so a refusal leaves no half pair.
    let secret = files::create_new(&secret_path, true)?;
    let public = match files::create_new(&public_path, false) {
        Ok(file) => file,
        Err(e) => {
            let _ = fs::remove_file(&secret_path);
            return Err(e);
        }
    };
    let written = files::fill(secret, &secret_path, &secret_key_text(&key))
        .and_then(|()| files::fill(public, &public_path, &public_key_text(&key)));
    if let Err(e) = written {
        let _ = fs::remove_file(&secret_path);
        let _ = fs::remove_file(&public_path);
        return Err(e);
    }
    let public_key = hex(key.verifying_key().as_bytes());
    if ctx.json {
        return output::print_json(&Generated {
            secret_key_file: secret_path.display().to_string(),
            public_key_file: public_path.display().to_string(),
            public_key,
        });
    }
    output::print_text(&format!(
        "wrote secret key {} (keep it private: it signs migration tokens)\n\
         wrote public key {}: {public_key}\n\
         register it with `logos init --human {} ...` or `logos keyring set --human ...`\n",
        secret_path.display(),
        public_path.display(),
        public_path.display(),
    ))
}
