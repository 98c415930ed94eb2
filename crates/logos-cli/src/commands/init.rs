//! `logos init`: a new store with its genesis entry (origin, human keyring)
//! and the log key that will sign its checkpoints.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use logos_runtime::layers::store::check_origin;
use logos_runtime::{GraphStore, Keyring, LedgerHead, NoteSigner, RedbStore};
use serde::Serialize;

use super::Context;
use crate::cli::InitArgs;
use crate::error::CliError;
use crate::files::{self, with_suffix};
use crate::keys::{self, log_key_text};
use crate::output::{self, count, hex, short_hex};

#[derive(Serialize)]
struct Created<'a> {
    store: String,
    origin: &'a str,
    seq: u64,
    head: String,
    keyring: KeyringJson,
    log_key: String,
    verifier_key_file: String,
    verifier_key: String,
}

#[derive(Serialize)]
struct KeyringJson {
    keys: Vec<String>,
    quorum: u16,
}

/// The files `init` claims, removed again if it fails half way.
struct Claimed(Vec<PathBuf>);

impl Claimed {
    fn claim(&mut self, path: &Path, secret: bool) -> Result<File, CliError> {
        let file = files::create_new(path, secret)?;
        self.0.push(path.to_path_buf());
        Ok(file)
    }

    fn release(self) {
        for path in self.0 {
            let _ = fs::remove_file(path);
        }
    }
}

/// Creates the store at `--store` and its log key; refuses if any of the
/// files is already there.
pub fn run(ctx: &Context<'_>, args: &InitArgs) -> Result<(), CliError> {
    let keyring = keys::keyring(&args.human, args.quorum)?;
    let origin = args.origin.as_str();
    check_origin(origin)?;
    let signer =
        NoteSigner::generate(origin).map_err(|e| CliError::Input(format!("--origin {origin:?}: {e}")))?;
    let path = ctx.store.to_path_buf();
    let key_path = ctx.log_key(args.log_key.as_deref());
    let vkey_path = with_suffix(&key_path, ".pub");
    // Claim every path atomically first: two racing `init`s cannot both
    // succeed, and an existing file (a store, a key) is never touched.
    let mut claimed = Claimed(Vec::new());
    let result = (|| {
        claimed.claim(&path, false).map_err(|e| match e {
            CliError::Exists(p) => CliError::StoreExists(p),
            e => e,
        })?;
        let key_file = claimed.claim(&key_path, true)?;
        let vkey_file = claimed.claim(&vkey_path, false)?;
        let head = create(&path, origin, keyring.clone(), ctx)?;
        files::fill(key_file, &key_path, &log_key_text(&signer))?;
        files::fill(vkey_file, &vkey_path, &format!("{}\n", signer.verifier().to_vkey()))?;
        Ok(head)
    })();
    let head = match result {
        Ok(head) => head,
        Err(e) => {
            // Only files this call created are removed.
            claimed.release();
            return Err(e);
        }
    };
    let seq = head.size - 1;
    let vkey = signer.verifier().to_vkey();
    if ctx.json {
        return output::print_json(&Created {
            store: path.display().to_string(),
            origin,
            seq,
            head: hex(&head.hash),
            keyring: KeyringJson {
                keys: keyring.keys.iter().map(|k| hex(k)).collect(),
                quorum: keyring.quorum,
            },
            log_key: key_path.display().to_string(),
            verifier_key_file: vkey_path.display().to_string(),
            verifier_key: vkey,
        });
    }
    let governance = if keyring.keys.is_empty() {
        "no human keyring: governed changes (promote, deprecate, grant, migrate, keyring, policy) \
         can never be made in this store"
            .to_owned()
    } else {
        format!(
            "human keyring: {}, {} of them must sign each migration token",
            count(keyring.keys.len() as u64, "key", "keys"),
            keyring.quorum
        )
    };
    output::print_text(&format!(
        "created LOGOS store {} (origin {origin:?}, genesis entry {})\n\
         {governance}\n\
         log key {} (secret: it signs checkpoints; keep it with the store, private)\n\
         verifier key {}: {vkey}\n\
         auditors trust that .pub: `logos ledger verify --bundle BUNDLE --trusted-key {}`\n",
        path.display(),
        short_hex(&head.hash),
        key_path.display(),
        vkey_path.display(),
        vkey_path.display(),
    ))
}

fn create(path: &Path, origin: &str, keyring: Keyring, ctx: &Context<'_>) -> Result<LedgerHead, CliError> {
    let store = RedbStore::create(path, origin, keyring, &ctx.stamp())?;
    Ok(store.head()?)
}
