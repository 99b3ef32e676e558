//! Entry points for the command line, which has no async runtime of its
//! own: `oneplace serve` and `oneplace audit verify`.

use std::io::Write;
use std::net::SocketAddr;

use oneplace_store::{AuditBreak, Store};

use crate::demo::{self, Seeded};
use crate::{AppState, serve};

/// How `oneplace serve` was asked to run.
pub struct ServeOptions {
    /// A file path (SQLite) or a `postgres://` URL.
    pub db: String,
    pub demo: bool,
    pub bind: SocketAddr,
    pub secure_cookies: bool,
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the runtime: {e}"))
}

/// Where a database is, as said to people: a URL's password is hidden.
pub fn describe(db: &str) -> String {
    match db.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            _ => db.to_string(),
        },
        None => db.to_string(),
    }
}

/// Opens (creating and migrating) the store, seeds the demo if asked,
/// prints where it serves (and the demo users' passwords, once), then
/// serves until Ctrl-C.
pub fn serve_blocking(options: ServeOptions, out: &mut dyn Write) -> Result<(), String> {
    // The request log goes to standard error; standard output has only
    // where the server listens (and, once, the demo users).
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    runtime()?.block_on(async {
        let store = Store::open(&options.db)
            .await
            .map_err(|e| format!("{}: {e}", describe(&options.db)))?;
        if options.demo {
            match demo::seed(&store).await? {
                Seeded::Created(users) => {
                    let _ = writeln!(out, "Seeded the demo places Northshire and Westmere. Demo users (passwords shown only now):");
                    for u in &users {
                        let _ = writeln!(
                            out,
                            "  {:<10} {:<17} {:<22} {}",
                            u.place,
                            u.username,
                            match u.partner {
                                Some(p) => format!("{} ({p})", u.role),
                                None => u.role.to_string(),
                            },
                            u.password
                        );
                    }
                }
                Seeded::AlreadyThere => {
                    let _ = writeln!(out, "The demo places are already in this database; their users' passwords were shown when they were seeded.");
                }
            }
        }
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .map_err(|e| format!("--bind {}: {e}", options.bind))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let _ = writeln!(out, "Serving {} at http://{addr}/ (Ctrl-C stops)", describe(&options.db));
        let _ = out.flush();
        serve(AppState::new(store.clone(), options.secure_cookies), listener)
            .await
            .map_err(|e| format!("{addr}: {e}"))?;
        store.close().await;
        Ok(())
    })
}

/// Creates a place and its first administrator, for a database that is
/// not seeded with the demo. Returns the administrator's password (made
/// here, shown once, stored only as its hash).
pub fn create_place_blocking(
    db: &str,
    id: &str,
    name: &str,
    admin: &str,
) -> Result<String, String> {
    runtime()?.block_on(async {
        let store = Store::open(db)
            .await
            .map_err(|e| format!("{}: {e}", describe(db)))?;
        let result = async {
            if store.place(id).await.map_err(|e| e.to_string())?.is_some() {
                return Err(format!(
                    "the place '{id}' already exists in {}",
                    describe(db)
                ));
            }
            // Check everything before writing anything.
            oneplace_store::check_id("place", id).map_err(|e| e.to_string())?;
            oneplace_store::check_username(admin).map_err(|e| format!("--admin: {e}"))?;
            if name.trim().is_empty() {
                return Err("--name: a place needs a name".into());
            }
            if store
                .user_by_name(admin)
                .await
                .map_err(|e| e.to_string())?
                .is_some()
            {
                return Err(format!("--admin: the user name '{admin}' is taken"));
            }
            let now = crate::now();
            store
                .create_place(id, name, "system", now)
                .await
                .map_err(|e| e.to_string())?;
            let password = oneplace_store::random_token(8);
            store
                .create_user(
                    &oneplace_store::NewUser {
                        username: admin,
                        display_name: admin,
                        password: &password,
                        role: oneplace_store::Role::Administrator,
                        place_id: id,
                        partner_id: None,
                    },
                    "system",
                    now,
                )
                .await
                .map_err(|e| format!("--admin: {e}"))?;
            Ok(password)
        }
        .await;
        store.close().await;
        result
    })
}

/// Verifies the audit chain of the store at `db` (which must exist).
pub fn verify_audit_blocking(db: &str) -> Result<Result<i64, AuditBreak>, String> {
    let is_url = db.contains("://") || db.starts_with("sqlite:");
    if !is_url && !std::path::Path::new(db).exists() {
        return Err(format!("{db}: no such database"));
    }
    runtime()?.block_on(async {
        let store = Store::open(db)
            .await
            .map_err(|e| format!("{}: {e}", describe(db)))?;
        let verdict = store.verify_audit().await.map_err(|e| e.to_string());
        store.close().await;
        verdict
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_are_hidden() {
        assert_eq!(
            super::describe("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::describe("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::describe("oneplace.db"), "oneplace.db");
    }
}
