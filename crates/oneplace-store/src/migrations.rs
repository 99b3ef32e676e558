//! The schema, as an ordered list of migrations.
//!
//! Every statement is written once for both databases: only `BIGINT` and
//! `TEXT` columns (booleans as 0/1, times as Unix seconds), keys chosen by
//! the application (no auto-increment, whose syntax differs), and
//! `ON CONFLICT` where an upsert is needed (SQLite 3.24+ and PostgreSQL).
//! A migration, once released, is never edited: a change is a new entry.

/// `(version, name, statements)`, in order.
pub const MIGRATIONS: &[(i64, &str, &[&str])] = &[
    (
        1,
        "initial schema",
        &[
            "CREATE TABLE places (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )",
            "CREATE TABLE partners (
            place_id TEXT NOT NULL REFERENCES places(id),
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            contact_name TEXT NOT NULL,
            contact_email TEXT NOT NULL,
            PRIMARY KEY (place_id, id)
        )",
            "CREATE TABLE users (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            place_id TEXT NOT NULL REFERENCES places(id),
            partner_id TEXT,
            created_at BIGINT NOT NULL
        )",
            "CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            csrf_token TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL
        )",
            "CREATE INDEX sessions_user ON sessions (user_id)",
            "CREATE TABLE login_failures (
            username TEXT NOT NULL,
            client TEXT NOT NULL,
            at BIGINT NOT NULL
        )",
            "CREATE INDEX login_failures_who ON login_failures (username, client, at)",
            "CREATE TABLE documents (
            place_id TEXT NOT NULL REFERENCES places(id),
            id TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            owner_partner TEXT,
            content TEXT NOT NULL,
            updated_at BIGINT NOT NULL,
            updated_by TEXT NOT NULL,
            PRIMARY KEY (place_id, id)
        )",
            "CREATE TABLE audit_log (
            seq BIGINT PRIMARY KEY,
            at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            place_id TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )",
            // One row: the chain's head. Appending updates it first, which
            // serialises appenders (a row lock in PostgreSQL, the write lock in
            // SQLite), and lets verification notice entries cut off the end.
            "CREATE TABLE audit_head (
            id BIGINT PRIMARY KEY,
            seq BIGINT NOT NULL,
            hash TEXT NOT NULL
        )",
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')",
        ],
    ),
    (
        2,
        "users can be disabled",
        &["ALTER TABLE users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0"],
    ),
];
