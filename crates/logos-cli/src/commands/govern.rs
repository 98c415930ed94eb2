//! Governed changes under a migration token: `node promote|deprecate|grant|migrate`,
//! `keyring set`, `policy set`.

use std::path::Path;

use logos_runtime::{StoreError, SupervisorError, Token};
use serde::Serialize;

use super::Context;
use super::change::{Change, describe, operation};
use crate::error::CliError;
use crate::files;
use crate::output::{self, hex, short_hex};

#[derive(Serialize)]
struct Governed {
    seq: u64,
    kind: &'static str,
    summary: String,
    /// The token's digest, now recorded as used.
    token: String,
}

/// Reads a token file.
pub fn read_token(path: &Path) -> Result<Token, CliError> {
    let text = files::read_text(path)?;
    Token::parse(&text).map_err(|source| CliError::Token { path: path.into(), source })
}

/// Makes `change` under the token in `token_path`, as `--as`, and prints its ledger seq.
pub fn run(ctx: &Context<'_>, change: Change<'_>, token_path: &Path) -> Result<(), CliError> {
    let token = read_token(token_path)?;
    let sup = ctx.supervisor()?;
    let event = change.event(sup.store())?;
    let what = describe(&operation(&event)?, &sup.state().graph);
    let (kind, summary) = (event.kind(), event.summary());
    let seq = ctx.session(&sup)?.govern(event, &token).map_err(|e| match e {
        SupervisorError::Store(StoreError::Token(source)) => {
            CliError::TokenRefused { path: token_path.into(), source }
        }
        other => other.into(),
    })?;
    if ctx.json {
        return output::print_json(&Governed { seq, kind, summary, token: hex(&token.digest()) });
    }
    output::print_text(&format!(
        "{what}: done (ledger seq {seq}, token {}… now used)\n",
        short_hex(&token.digest())
    ))
}
