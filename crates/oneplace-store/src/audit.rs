//! The append-only, hash-chained audit log.
//!
//! Entry `n` stores `hash = SHA-256(hash(n−1) ‖ canonical(n))`, the hashes
//! written as lower-case hex, entry 1 chaining from [`GENESIS_HASH`].
//! `canonical` is a compact JSON array of the entry's sequence number, time,
//! actor, action, place, target and detail, in that order, so any change to
//! any field, or a move to another position, changes the hash. The
//! one-row `audit_head` table holds the last sequence number and hash:
//! appending updates it first (serialising appenders on both databases) and
//! verification compares it with the last entry, so entries cut off the end
//! are noticed too.

use std::fmt;

use sqlx::{AnyConnection, AnyPool, Row};

use crate::Result;
use crate::crypto::sha256_hex;

/// What entry 1 chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    /// The user name, or `system`.
    pub actor: String,
    /// What happened: `login.ok`, `partner.update`, `access.denied`, …
    pub action: String,
    /// The place concerned (empty when none is known, e.g. a failed login
    /// for an unknown user).
    pub place_id: String,
    /// What it happened to: `partner:icb`, `document:family-support`,
    /// `route:POST /p/northshire/partners/icb`.
    pub target: String,
    /// Further facts as JSON (never a password or token).
    pub detail: serde_json::Value,
}

impl AuditEntry {
    pub fn new(
        actor: &str,
        action: &str,
        place_id: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            actor: actor.to_string(),
            action: action.to_string(),
            place_id: place_id.to_string(),
            target: target.to_string(),
            detail,
        }
    }
}

/// An entry as stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub place_id: String,
    pub target: String,
    /// JSON text.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain breaks: the first entry that does not fit, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditBreak {
    pub seq: i64,
    pub reason: String,
}

impl fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "audit entry {}: {}", self.seq, self.reason)
    }
}

/// The bytes hashed for an entry, after its predecessor's hash.
pub fn canonical_content(
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    place_id: &str,
    target: &str,
    detail: &str,
) -> String {
    serde_json::json!([seq, at, actor, action, place_id, target, detail]).to_string()
}

fn chain(prev_hash: &str, canonical: &str) -> String {
    let mut bytes = Vec::with_capacity(prev_hash.len() + canonical.len());
    bytes.extend_from_slice(prev_hash.as_bytes());
    bytes.extend_from_slice(canonical.as_bytes());
    sha256_hex(&bytes)
}

/// Appends `entry` inside the caller's transaction, so that a change and
/// its record commit together or not at all. Returns its sequence number.
pub(crate) async fn append(conn: &mut AnyConnection, entry: &AuditEntry, now: i64) -> Result<i64> {
    sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let detail = entry.detail.to_string();
    let canonical = canonical_content(
        seq,
        now,
        &entry.actor,
        &entry.action,
        &entry.place_id,
        &entry.target,
        &detail,
    );
    let hash = chain(&prev, &canonical);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, place_id, target, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(now)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.place_id)
    .bind(&entry.target)
    .bind(&detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(seq)
}

fn record(row: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        place_id: row.try_get("place_id")?,
        target: row.try_get("target")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const COLUMNS: &str = "seq, at, actor, action, place_id, target, detail, prev_hash, hash";

pub(crate) async fn entries(
    pool: &AnyPool,
    place_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRecord>> {
    let rows = match place_id {
        Some(p) => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_log WHERE place_id = $1 ORDER BY seq DESC LIMIT $2"
            ))
            .bind(p)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(record).collect()
}

/// Walks the chain in pages of 1,000 entries.
pub(crate) async fn verify(pool: &AnyPool) -> Result<std::result::Result<i64, AuditBreak>> {
    let mut expected_seq = 1i64;
    let mut prev = GENESIS_HASH.to_string();
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 1000"
        ))
        .bind(expected_seq)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let r = record(row)?;
            if r.seq != expected_seq {
                return Ok(Err(AuditBreak {
                    seq: expected_seq,
                    reason: format!("missing (the next entry is {})", r.seq),
                }));
            }
            if r.prev_hash != prev {
                return Ok(Err(AuditBreak {
                    seq: r.seq,
                    reason: "does not follow the entry before it (its previous hash differs)"
                        .into(),
                }));
            }
            let canonical = canonical_content(
                r.seq,
                r.at,
                &r.actor,
                &r.action,
                &r.place_id,
                &r.target,
                &r.detail,
            );
            if chain(&prev, &canonical) != r.hash {
                return Ok(Err(AuditBreak {
                    seq: r.seq,
                    reason: format!(
                        "altered: its content no longer matches its hash (action '{}', actor '{}')",
                        r.action, r.actor
                    ),
                }));
            }
            prev = r.hash;
            expected_seq += 1;
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    let last = expected_seq - 1;
    if head_seq != last || head_hash != prev {
        return Ok(Err(AuditBreak {
            seq: last + 1,
            reason: if head_seq > last {
                format!("missing: the log ends at entry {last} but {head_seq} were written")
            } else {
                format!(
                    "the chain's head (entry {head_seq}) does not match the last entry ({last})"
                )
            },
        }));
    }
    Ok(Ok(last))
}
