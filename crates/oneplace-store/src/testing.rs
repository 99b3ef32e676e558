//! Fresh stores for tests, on both databases.
//!
//! [`backends`] gives a SQLite store in a new file and, when PostgreSQL is
//! reachable, a store in a PostgreSQL database created for the test
//! (dropped again by [`TestDb::finish`]). PostgreSQL is found at
//! `ONEPLACE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). If it cannot be reached
//! the test fails, saying so, unless `ONEPLACE_SKIP_POSTGRES=1`.

use std::path::PathBuf;

use sqlx::Connection;

use crate::{Backend, Store, random_token};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A store made for one test, and what to remove afterwards.
pub struct TestDb {
    pub store: Store,
    /// What the store was opened from (a file path or a URL).
    pub location: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Closes the store and removes its database.
    pub async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let mut admin = sqlx::AnyConnection::connect(&admin_url)
                    .await
                    .expect("PostgreSQL was reachable a moment ago");
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .expect("drop the test database");
                let _ = admin.close().await;
            }
        }
    }
}

/// A new SQLite store in a file of its own.
pub async fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join(format!("oneplace-test-{}", random_token(8)));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    let path = dir.join("oneplace.db");
    let location = path.display().to_string();
    let store = Store::open(&location).await.expect("open a SQLite store");
    TestDb {
        store,
        location,
        cleanup: Cleanup::Sqlite(dir),
    }
}

/// A new PostgreSQL store in a database of its own; `None` only when
/// `ONEPLACE_SKIP_POSTGRES=1` and PostgreSQL cannot be reached.
///
/// # Panics
///
/// When PostgreSQL cannot be reached and skipping was not asked for.
pub async fn postgres() -> Option<TestDb> {
    sqlx::any::install_default_drivers();
    let admin_url =
        std::env::var("ONEPLACE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
    let skip = std::env::var("ONEPLACE_SKIP_POSTGRES").is_ok_and(|v| v == "1");
    let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) if skip => {
            eprintln!("PostgreSQL not reachable at {admin_url} ({e}): skipped as asked");
            return None;
        }
        Err(e) => panic!(
            "PostgreSQL is not reachable at {admin_url}: {e}\n\
             The store's tests run against SQLite and PostgreSQL. Start PostgreSQL \
             (e.g. `pg_ctlcluster <version> main start`), point ONEPLACE_TEST_POSTGRES_URL at one, \
             or set ONEPLACE_SKIP_POSTGRES=1 to run the SQLite half only."
        ),
    };
    let name = format!("oneplace_test_{}", random_token(8));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let _ = admin.close().await;
    let location = with_database(&admin_url, &name);
    let store = Store::open(&location)
        .await
        .expect("open the PostgreSQL store");
    Some(TestDb {
        store,
        location,
        cleanup: Cleanup::Postgres { admin_url, name },
    })
}

/// SQLite always; PostgreSQL too unless skipped (see the module notes).
pub async fn backends() -> Vec<TestDb> {
    let mut all = vec![sqlite().await];
    all.extend(postgres().await);
    all
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            super::with_database("postgres://u@h/db?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "t3"),
            "postgres://u@h/t3"
        );
    }
}
