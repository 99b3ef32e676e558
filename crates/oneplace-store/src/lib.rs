//! Persistence for the oneplace web application.
//!
//! One [`Store`] over SQLite (a file, created and migrated on open) or
//! PostgreSQL (a `postgres://` URL), through sqlx's `Any` driver: the same
//! migrations and the same statements run on both (see `migrations.rs` for
//! the rules that make that possible).
//!
//! What it keeps: places and their partners, users (argon2id password
//! hashes, a role, a partner for partner finance leads), server-side
//! sessions (only the SHA-256 of the token is stored), failed logins (for
//! throttling), the documents a place works from (journals, appraisal
//! models, agreements, deals: text with a kind), and the append-only audit
//! log, each entry chained to the one before by SHA-256.
//!
//! It never computes domain figures and knows nothing of HTTP.

mod audit;
mod crypto;
mod migrations;
pub mod testing;

use std::fmt;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Row};

/// The sqlx in use, for callers that need raw SQL (tests, maintenance).
pub use sqlx;

pub use audit::{AuditBreak, AuditEntry, AuditRecord, GENESIS_HASH, canonical_content};
pub use crypto::{hash_password, random_token, sha256_hex, verify_password};

/// Failed logins for the same user name and client allowed in
/// [`THROTTLE_WINDOW_SECS`]; the next attempt is refused.
pub const MAX_LOGIN_FAILURES: i64 = 5;
/// The throttling window: 15 minutes.
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// How long a session lasts: 8 hours.
pub const SESSION_SECS: i64 = 8 * 60 * 60;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A value given to the store is not acceptable; the message names the
    /// field.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The thing does not exist (in this place).
    #[error("not found: {0}")]
    NotFound(String),
}

impl StoreError {
    fn invalid(field: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field,
            message: message.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database is behind the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a user may do. Stored by its kebab-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Administrator,
    /// The host body's manager of the pool.
    PoolManager,
    /// A partner's finance lead: changes only that partner's data.
    PartnerFinanceLead,
    Analyst,
    /// Reads everything, changes nothing (auditors too).
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Administrator,
        Role::PoolManager,
        Role::PartnerFinanceLead,
        Role::Analyst,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::PoolManager => "pool-manager",
            Role::PartnerFinanceLead => "partner-finance-lead",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::PoolManager => "Pool manager",
            Role::PartnerFinanceLead => "Partner finance lead",
            Role::Analyst => "Analyst",
            Role::Viewer => "Viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role '{s}': expected one of {}",
                    Role::ALL.map(Role::as_str).join(", ")
                )
            })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Partner {
    pub place_id: String,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub contact_name: String,
    pub contact_email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub place_id: String,
    /// The partner a partner finance lead acts for.
    pub partner_id: Option<String>,
    /// A disabled user cannot log in and has no sessions.
    pub disabled: bool,
}

/// A user to create.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub place_id: &'a str,
    pub partner_id: Option<&'a str>,
}

/// A logged-in session: the user and the CSRF token bound to it.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum Login {
    /// The password is right: a new session (`token` goes to the browser,
    /// only its hash is kept).
    Success {
        user: User,
        token: String,
        csrf_token: String,
    },
    /// Unknown user or wrong password (the two are not told apart).
    Failed,
    /// Too many failures for this user name from this client.
    Throttled,
}

/// The kinds of document a place keeps.
pub const DOCUMENT_KINDS: [&str; 10] = [
    "journal",
    "appraisal",
    "agreement",
    "plan",
    "deal",
    "results",
    "readiness",
    "mapping",
    "estate",
    "register",
];

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DocumentMeta {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub owner_partner: Option<String>,
    pub updated_at: i64,
    pub updated_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StoredDocument {
    #[serde(flatten)]
    pub meta: DocumentMeta,
    pub content: String,
}

/// A document to save.
pub struct NewDocument<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub owner_partner: Option<&'a str>,
    pub content: &'a str,
}

/// The persistent store.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Identifiers: lower-case kebab-case, as everywhere in oneplace.
pub fn check_id(field: &'static str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            field,
            format!(
                "'{id}' is not an identifier: use 1 to 64 lower-case letters, digits and hyphens"
            ),
        ))
    }
}

/// User names: 3 to 64 lower-case letters, digits, `-`, `_` or `.`.
pub fn check_username(username: &str) -> Result<()> {
    let ok = (3..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "username",
            "use 3 to 64 lower-case letters, digits, '-', '_' or '.'",
        ))
    }
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: role
            .parse()
            .map_err(|e: String| StoreError::invalid("role", e))?,
        place_id: row.try_get("place_id")?,
        partner_id: row.try_get("partner_id")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

fn partner_from_row(row: &sqlx::any::AnyRow) -> Result<Partner> {
    Ok(Partner {
        place_id: row.try_get("place_id")?,
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        contact_name: row.try_get("contact_name")?,
        contact_email: row.try_get("contact_email")?,
    })
}

fn meta_from_row(row: &sqlx::any::AnyRow) -> Result<DocumentMeta> {
    Ok(DocumentMeta {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        owner_partner: row.try_get("owner_partner")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
    })
}

const USER_COLUMNS: &str = "id, username, display_name, role, place_id, partner_id, disabled";

impl Store {
    /// Opens the store at `location` and brings its schema up to date.
    ///
    /// `location` is a `postgres://` (or `postgresql://`) URL, a
    /// `sqlite:` URL, or a file path (a SQLite database, created if
    /// missing).
    pub async fn open(location: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (url, backend) =
            if location.starts_with("postgres://") || location.starts_with("postgresql://") {
                (location.to_string(), Backend::Postgres)
            } else if location.starts_with("sqlite:") {
                (location.to_string(), Backend::Sqlite)
            } else {
                (format!("sqlite://{location}?mode=rwc"), Backend::Sqlite)
            };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for tests and maintenance that need raw SQL.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Applies the migrations not yet applied, each in a transaction.
    async fn migrate(&self) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL
            )",
        )
        .execute(&self.pool)
        .await?;
        let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<std::result::Result<_, _>>()?;
        for &(version, name, statements) in migrations::MIGRATIONS {
            if applied.contains(&version) {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            for statement in statements {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
                .bind(version)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The migrations applied, in order.
    pub async fn schema_versions(&self) -> Result<Vec<i64>> {
        Ok(
            sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<std::result::Result<_, _>>()?,
        )
    }

    // ── places and partners ──────────────────────────────────────────

    /// Creates a place (an error if the id is taken).
    pub async fn create_place(&self, id: &str, name: &str, actor: &str, now: i64) -> Result<()> {
        check_id("place", id)?;
        if name.trim().is_empty() {
            return Err(StoreError::invalid("name", "a place needs a name"));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO places (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(
                actor,
                "place.create",
                id,
                id,
                serde_json::json!({"name": name}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn place(&self, id: &str) -> Result<Option<Place>> {
        let row = sqlx::query("SELECT id, name FROM places WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Place {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .transpose()
    }

    pub async fn places(&self) -> Result<Vec<Place>> {
        sqlx::query("SELECT id, name FROM places ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Place {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    /// Adds a partner to a place.
    pub async fn create_partner(
        &self,
        place_id: &str,
        id: &str,
        name: &str,
        kind: &str,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        check_id("partner", id)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO partners (place_id, id, name, kind, contact_name, contact_email)
             VALUES ($1, $2, $3, $4, '', '')",
        )
        .bind(place_id)
        .bind(id)
        .bind(name)
        .bind(kind)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(
                actor,
                "partner.create",
                place_id,
                &format!("partner:{id}"),
                serde_json::json!({"name": name, "kind": kind}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn partners(&self, place_id: &str) -> Result<Vec<Partner>> {
        sqlx::query("SELECT * FROM partners WHERE place_id = $1 ORDER BY id")
            .bind(place_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(partner_from_row)
            .collect()
    }

    pub async fn partner(&self, place_id: &str, id: &str) -> Result<Option<Partner>> {
        sqlx::query("SELECT * FROM partners WHERE place_id = $1 AND id = $2")
            .bind(place_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(partner_from_row)
            .transpose()
    }

    /// Changes a partner's finance contact, recording the change (before and
    /// after) in the audit log in the same transaction. Checks every field
    /// first; nothing is saved if one is wrong.
    pub async fn update_partner_contact(
        &self,
        place_id: &str,
        id: &str,
        contact_name: &str,
        contact_email: &str,
        actor: &str,
        now: i64,
    ) -> Result<Partner> {
        let contact_name = contact_name.trim();
        let contact_email = contact_email.trim();
        if contact_name.is_empty() || contact_name.chars().count() > 100 {
            return Err(StoreError::invalid(
                "contact_name",
                "give the contact's name (at most 100 characters)",
            ));
        }
        if !looks_like_email(contact_email) {
            return Err(StoreError::invalid(
                "contact_email",
                format!("'{contact_email}' is not an e-mail address such as name@example.org"),
            ));
        }
        let before = self
            .partner(place_id, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("partner {id}")))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE partners SET contact_name = $1, contact_email = $2
             WHERE place_id = $3 AND id = $4",
        )
        .bind(contact_name)
        .bind(contact_email)
        .bind(place_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(
                actor,
                "partner.update",
                place_id,
                &format!("partner:{id}"),
                serde_json::json!({
                    "before": {"contact_name": before.contact_name, "contact_email": before.contact_email},
                    "after": {"contact_name": contact_name, "contact_email": contact_email},
                }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Partner {
            contact_name: contact_name.to_string(),
            contact_email: contact_email.to_string(),
            ..before
        })
    }

    // ── users, logins and sessions ───────────────────────────────────

    /// Creates a user. The password is hashed with argon2id; the clear text
    /// is neither stored nor logged.
    pub async fn create_user(&self, new: &NewUser<'_>, actor: &str, now: i64) -> Result<User> {
        check_username(new.username)?;
        if new.password.chars().count() < 12 {
            return Err(StoreError::invalid(
                "password",
                "a password needs at least 12 characters",
            ));
        }
        match (new.role, new.partner_id) {
            (Role::PartnerFinanceLead, None) => {
                return Err(StoreError::invalid(
                    "partner",
                    "a partner finance lead acts for one partner: name it",
                ));
            }
            (Role::PartnerFinanceLead, Some(p)) => {
                if self.partner(new.place_id, p).await?.is_none() {
                    return Err(StoreError::invalid(
                        "partner",
                        format!("no partner '{p}' in place '{}'", new.place_id),
                    ));
                }
            }
            (_, Some(_)) => {
                return Err(StoreError::invalid(
                    "partner",
                    "only a partner finance lead is tied to a partner",
                ));
            }
            (_, None) => {}
        }
        let password = new.password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::invalid("password", format!("hashing failed: {e}")))??;
        let user = User {
            id: random_token(16),
            username: new.username.to_string(),
            display_name: new.display_name.to_string(),
            role: new.role,
            place_id: new.place_id.to_string(),
            partner_id: new.partner_id.map(str::to_string),
            disabled: false,
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, role, place_id, partner_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&hash)
        .bind(user.role.as_str())
        .bind(&user.place_id)
        .bind(user.partner_id.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(
                actor,
                "user.create",
                &user.place_id,
                &format!("user:{}", user.username),
                serde_json::json!({"role": user.role.as_str(), "partner": user.partner_id}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    pub async fn users(&self, place_id: &str) -> Result<Vec<User>> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE place_id = $1 ORDER BY username"
        ))
        .bind(place_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(user_from_row)
        .collect()
    }

    /// Failed logins for this user name from this client in the window
    /// ending at `now`.
    pub async fn recent_failures(&self, username: &str, client: &str, now: i64) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) FROM login_failures WHERE username = $1 AND client = $2 AND at > $3",
        )
        .bind(username)
        .bind(client)
        .bind(now - THROTTLE_WINDOW_SECS)
        .fetch_one(&self.pool)
        .await?
        .try_get::<i64, _>(0)?)
    }

    /// Checks a user name and password from a client and, if they are
    /// right and the pair is not throttled, opens a session. Every outcome
    /// is written to the audit log (never the password).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
        now: i64,
    ) -> Result<Login> {
        let username = username.trim();
        if self.recent_failures(username, client, now).await? >= MAX_LOGIN_FAILURES {
            self.audit(
                &AuditEntry::new(
                    username,
                    "login.throttled",
                    "",
                    &format!("user:{username}"),
                    serde_json::json!({"client": client}),
                ),
                now,
            )
            .await?;
            return Ok(Login::Throttled);
        }
        let found = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        let (user, hash) = match &found {
            Some(row) => (
                Some(user_from_row(row)?),
                row.try_get::<String, _>("password_hash")?,
            ),
            // Verify against a fixed hash anyway, so that an unknown user
            // takes as long as a wrong password.
            None => (None, crypto::dummy_hash().to_string()),
        };
        let password = password.to_string();
        let right = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        match user {
            Some(user) if right && !user.disabled => {
                sqlx::query("DELETE FROM login_failures WHERE username = $1 AND client = $2")
                    .bind(username)
                    .bind(client)
                    .execute(&self.pool)
                    .await?;
                let (token, csrf_token) = self.create_session(&user, now).await?;
                self.audit(
                    &AuditEntry::new(
                        &user.username,
                        "login.ok",
                        &user.place_id,
                        &format!("user:{}", user.username),
                        serde_json::json!({"client": client}),
                    ),
                    now,
                )
                .await?;
                Ok(Login::Success {
                    user,
                    token,
                    csrf_token,
                })
            }
            user => {
                sqlx::query(
                    "INSERT INTO login_failures (username, client, at) VALUES ($1, $2, $3)",
                )
                .bind(username)
                .bind(client)
                .bind(now)
                .execute(&self.pool)
                .await?;
                self.audit(
                    &AuditEntry::new(
                        username,
                        "login.failed",
                        user.as_ref().map_or("", |u| u.place_id.as_str()),
                        &format!("user:{username}"),
                        serde_json::json!({"client": client, "known_user": user.is_some()}),
                    ),
                    now,
                )
                .await?;
                Ok(Login::Failed)
            }
        }
    }

    async fn create_session(&self, user: &User, now: i64) -> Result<(String, String)> {
        let token = random_token(32);
        let csrf = random_token(32);
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(&user.id)
        .bind(&csrf)
        .bind(now)
        .bind(now + SESSION_SECS)
        .execute(&self.pool)
        .await?;
        Ok((token, csrf))
    }

    /// The live session for a browser's token, if any.
    pub async fn session(&self, token: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.role, u.place_id, u.partner_id, u.disabled,
                    s.csrf_token, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                user: user_from_row(&r)?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Ends a session (logout); also clears expired sessions.
    pub async fn end_session(&self, token: &str, actor: &User, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(sha256_hex(token.as_bytes()))
            .bind(now)
            .execute(&self.pool)
            .await?;
        self.audit(
            &AuditEntry::new(
                &actor.username,
                "logout",
                &actor.place_id,
                &format!("user:{}", actor.username),
                serde_json::json!({}),
            ),
            now,
        )
        .await?;
        Ok(())
    }

    /// Disables a user of a place (or enables them again): a disabled user
    /// cannot log in, and their sessions end at once.
    pub async fn set_disabled(
        &self,
        place_id: &str,
        username: &str,
        disabled: bool,
        actor: &str,
        now: i64,
    ) -> Result<User> {
        let user = self
            .user_by_name(username)
            .await?
            .filter(|u| u.place_id == place_id)
            .ok_or_else(|| StoreError::NotFound(format!("user {username}")))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(&user.id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(&user.id)
                .execute(&mut *tx)
                .await?;
        }
        audit::append(
            &mut tx,
            &AuditEntry::new(
                actor,
                if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                place_id,
                &format!("user:{username}"),
                serde_json::json!({}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(User { disabled, ..user })
    }

    /// Changes a user's password, given the current one, and ends the
    /// user's other sessions (`keep_token` is the session making the
    /// change). `Invalid` names the field that is wrong; nothing changes
    /// then.
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
        keep_token: &str,
        now: i64,
    ) -> Result<()> {
        let hash: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(&user.id)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let current = current.to_string();
        let right = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
            .await
            .unwrap_or(false);
        if !right {
            return Err(StoreError::invalid(
                "current_password",
                "this is not your current password",
            ));
        }
        if new.chars().count() < 12 {
            return Err(StoreError::invalid(
                "new_password",
                "a password needs at least 12 characters",
            ));
        }
        let new = new.to_string();
        let new_hash = tokio::task::spawn_blocking(move || hash_password(&new))
            .await
            .map_err(|e| StoreError::invalid("new_password", format!("hashing failed: {e}")))??;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&new_hash)
            .bind(&user.id)
            .execute(&mut *tx)
            .await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(&user.id)
            .bind(sha256_hex(keep_token.as_bytes()))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        audit::append(
            &mut tx,
            &AuditEntry::new(
                &user.username,
                "password.change",
                &user.place_id,
                &format!("user:{}", user.username),
                serde_json::json!({"other_sessions_ended": ended}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ── documents ────────────────────────────────────────────────────

    /// Saves a document (new or replacing one with the same id), recording
    /// it in the audit log with the SHA-256 of its content.
    pub async fn put_document(
        &self,
        place_id: &str,
        doc: &NewDocument<'_>,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        check_id("id", doc.id)?;
        if !DOCUMENT_KINDS.contains(&doc.kind) {
            return Err(StoreError::invalid(
                "kind",
                format!(
                    "unknown kind '{}': expected one of {}",
                    doc.kind,
                    DOCUMENT_KINDS.join(", ")
                ),
            ));
        }
        if doc.title.trim().is_empty() {
            return Err(StoreError::invalid("title", "a document needs a title"));
        }
        if let Some(p) = doc.owner_partner
            && self.partner(place_id, p).await?.is_none()
        {
            return Err(StoreError::invalid(
                "owner_partner",
                format!("no partner '{p}' in place '{place_id}'"),
            ));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO documents (place_id, id, kind, title, owner_partner, content, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (place_id, id) DO UPDATE SET
               kind = excluded.kind, title = excluded.title, owner_partner = excluded.owner_partner,
               content = excluded.content, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(place_id)
        .bind(doc.id)
        .bind(doc.kind)
        .bind(doc.title)
        .bind(doc.owner_partner.map(str::to_string))
        .bind(doc.content)
        .bind(now)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(
                actor,
                "document.put",
                place_id,
                &format!("document:{}", doc.id),
                serde_json::json!({
                    "kind": doc.kind,
                    "title": doc.title,
                    "sha256": sha256_hex(doc.content.as_bytes()),
                    "bytes": doc.content.len(),
                }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A place's documents (without their content), optionally of one kind.
    pub async fn documents(&self, place_id: &str, kind: Option<&str>) -> Result<Vec<DocumentMeta>> {
        let rows =
            match kind {
                Some(k) => sqlx::query(
                    "SELECT id, kind, title, owner_partner, updated_at, updated_by FROM documents
                     WHERE place_id = $1 AND kind = $2 ORDER BY id",
                )
                .bind(place_id)
                .bind(k)
                .fetch_all(&self.pool)
                .await?,
                None => sqlx::query(
                    "SELECT id, kind, title, owner_partner, updated_at, updated_by FROM documents
                     WHERE place_id = $1 ORDER BY kind, id",
                )
                .bind(place_id)
                .fetch_all(&self.pool)
                .await?,
            };
        rows.iter().map(meta_from_row).collect()
    }

    pub async fn document(&self, place_id: &str, id: &str) -> Result<Option<StoredDocument>> {
        sqlx::query(
            "SELECT id, kind, title, owner_partner, updated_at, updated_by, content FROM documents
             WHERE place_id = $1 AND id = $2",
        )
        .bind(place_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| {
            Ok(StoredDocument {
                meta: meta_from_row(&r)?,
                content: r.try_get("content")?,
            })
        })
        .transpose()
    }

    /// A place's documents of one kind with their text, in id order: one
    /// query for what a page that reads them all needs.
    pub async fn documents_with_content(
        &self,
        place_id: &str,
        kind: &str,
    ) -> Result<Vec<StoredDocument>> {
        sqlx::query(
            "SELECT id, kind, title, owner_partner, updated_at, updated_by, content FROM documents
             WHERE place_id = $1 AND kind = $2 ORDER BY id",
        )
        .bind(place_id)
        .bind(kind)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(StoredDocument {
                meta: meta_from_row(r)?,
                content: r.try_get("content")?,
            })
        })
        .collect()
    }

    // ── the audit log ────────────────────────────────────────────────

    /// Appends one entry to the audit log.
    pub async fn audit(&self, entry: &AuditEntry, now: i64) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let seq = audit::append(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// The latest entries, newest first: all of them, or one place's.
    pub async fn audit_entries(
        &self,
        place_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        audit::entries(&self.pool, place_id, limit).await
    }

    /// Recomputes the whole chain. `Ok(n)`: the `n` entries are intact.
    /// `Err(break)`: the first entry that does not fit, and why.
    pub async fn verify_audit(&self) -> Result<std::result::Result<i64, AuditBreak>> {
        audit::verify(&self.pool).await
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}
