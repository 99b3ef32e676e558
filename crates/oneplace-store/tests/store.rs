//! The store on SQLite and PostgreSQL: the same behaviour from both.

use oneplace_store::sqlx;
use oneplace_store::testing::{TestDb, backends};
use oneplace_store::{
    Backend, Login, MAX_LOGIN_FAILURES, NewDocument, NewUser, Role, SESSION_SECS, Store,
    StoreError, THROTTLE_WINDOW_SECS,
};

const T0: i64 = 1_764_000_000;

async fn place(store: &Store) {
    store
        .create_place("northshire", "Northshire", "system", T0)
        .await
        .unwrap();
    store
        .create_partner("northshire", "icb", "Northshire ICB", "icb", "system", T0)
        .await
        .unwrap();
    store
        .create_partner(
            "northshire",
            "county-council",
            "Northshire County Council",
            "county-council",
            "system",
            T0,
        )
        .await
        .unwrap();
}

async fn user(store: &Store, name: &str, role: Role, partner: Option<&str>) {
    store
        .create_user(
            &NewUser {
                username: name,
                display_name: name,
                password: "a long enough password",
                role,
                place_id: "northshire",
                partner_id: partner,
            },
            "system",
            T0,
        )
        .await
        .unwrap();
}

fn label(db: &TestDb) -> &'static str {
    match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

#[tokio::test]
async fn opening_migrates_once_and_reopening_keeps_the_data() {
    let db = oneplace_store::testing::sqlite().await;
    place(&db.store).await;
    assert_eq!(db.store.schema_versions().await.unwrap(), vec![1, 2]);
    db.store.close().await;
    let again = Store::open(&db.location).await.unwrap();
    assert_eq!(again.schema_versions().await.unwrap(), vec![1, 2]);
    assert_eq!(again.places().await.unwrap().len(), 1);
    again.close().await;
    db.finish().await;
}

#[tokio::test]
async fn places_partners_and_users() {
    for db in backends().await {
        let s = &db.store;
        let which = label(&db);
        place(s).await;
        assert_eq!(
            s.place("northshire").await.unwrap().unwrap().name,
            "Northshire"
        );
        assert!(s.place("westmere").await.unwrap().is_none());
        let partners: Vec<String> = s
            .partners("northshire")
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(partners, ["county-council", "icb"], "{which}");

        user(s, "lead-icb", Role::PartnerFinanceLead, Some("icb")).await;
        let u = s.user_by_name("lead-icb").await.unwrap().unwrap();
        assert_eq!(u.role, Role::PartnerFinanceLead);
        assert_eq!(u.partner_id.as_deref(), Some("icb"));
        // The hash is argon2id, and the password is nowhere in the row.
        let row: (String,) =
            sqlx::query_as("SELECT password_hash FROM users WHERE username = 'lead-icb'")
                .fetch_one(s.pool())
                .await
                .unwrap();
        assert!(row.0.starts_with("$argon2id$"), "{which}");
        assert!(!row.0.contains("a long enough password"));

        // Bad users name their field and save nothing.
        let bad = |username: &'static str, password: &'static str, role, partner| NewUser {
            username,
            display_name: "x",
            password,
            role,
            place_id: "northshire",
            partner_id: partner,
        };
        let cases = [
            (
                bad("A B", "a long enough password", Role::Viewer, None),
                "username",
            ),
            (bad("short-pw", "too short", Role::Viewer, None), "password"),
            (
                bad(
                    "no-partner",
                    "a long enough password",
                    Role::PartnerFinanceLead,
                    None,
                ),
                "partner",
            ),
            (
                bad(
                    "wrong-partner",
                    "a long enough password",
                    Role::PartnerFinanceLead,
                    Some("police"),
                ),
                "partner",
            ),
            (
                bad(
                    "viewer-with-partner",
                    "a long enough password",
                    Role::Viewer,
                    Some("icb"),
                ),
                "partner",
            ),
        ];
        for (new, field) in cases {
            match s.create_user(&new, "system", T0).await {
                Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field, "{which}"),
                other => panic!("{which}: expected an error on {field}, got {other:?}"),
            }
        }
        assert_eq!(s.users("northshire").await.unwrap().len(), 1, "{which}");
        // A taken user name is refused by the database.
        let dup = NewUser {
            username: "lead-icb",
            display_name: "again",
            password: "a long enough password",
            role: Role::Viewer,
            place_id: "northshire",
            partner_id: None,
        };
        assert!(matches!(
            s.create_user(&dup, "system", T0).await,
            Err(StoreError::Database(_))
        ));
        db.finish().await;
    }
}

#[tokio::test]
async fn logins_sessions_and_throttling() {
    for db in backends().await {
        let s = &db.store;
        let which = label(&db);
        place(s).await;
        user(s, "ana", Role::Analyst, None).await;

        let Login::Success {
            user,
            token,
            csrf_token,
        } = s
            .login("ana", "a long enough password", "10.0.0.1", T0)
            .await
            .unwrap()
        else {
            panic!("{which}: the right password logs in")
        };
        assert_eq!(user.username, "ana");
        let session = s.session(&token, T0 + 10).await.unwrap().unwrap();
        assert_eq!(session.user.username, "ana");
        assert_eq!(session.csrf_token, csrf_token);
        // The token itself is not stored, only its hash.
        let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM sessions")
            .fetch_all(s.pool())
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0].0, token);
        assert_eq!(stored[0].0, oneplace_store::sha256_hex(token.as_bytes()));
        // Sessions expire.
        assert!(
            s.session(&token, T0 + SESSION_SECS)
                .await
                .unwrap()
                .is_none(),
            "{which}"
        );
        assert!(s.session("not a token", T0).await.unwrap().is_none());
        // Logout ends it.
        s.end_session(&token, &user, T0 + 20).await.unwrap();
        assert!(
            s.session(&token, T0 + 30).await.unwrap().is_none(),
            "{which}"
        );

        // Wrong password and unknown user both fail the same way.
        assert!(matches!(
            s.login("ana", "wrong", "10.0.0.1", T0).await.unwrap(),
            Login::Failed
        ));
        assert!(matches!(
            s.login("nobody", "wrong", "10.0.0.1", T0).await.unwrap(),
            Login::Failed
        ));
        for i in 1..MAX_LOGIN_FAILURES {
            assert!(matches!(
                s.login("ana", "wrong", "10.0.0.1", T0 + i).await.unwrap(),
                Login::Failed
            ));
        }
        // Five failures: even the right password is refused from that client …
        assert!(
            matches!(
                s.login("ana", "a long enough password", "10.0.0.1", T0 + 60)
                    .await
                    .unwrap(),
                Login::Throttled
            ),
            "{which}"
        );
        // … but not from another client,
        assert!(matches!(
            s.login("ana", "a long enough password", "10.0.0.2", T0 + 60)
                .await
                .unwrap(),
            Login::Success { .. }
        ));
        // and not once the window has passed.
        assert!(matches!(
            s.login(
                "ana",
                "a long enough password",
                "10.0.0.1",
                T0 + THROTTLE_WINDOW_SECS + 10
            )
            .await
            .unwrap(),
            Login::Success { .. }
        ));
        // Every attempt is on the record, and no password is.
        let log = s.audit_entries(None, 1000).await.unwrap();
        let count = |a: &str| log.iter().filter(|e| e.action == a).count();
        assert_eq!(count("login.ok"), 3, "{which}");
        assert_eq!(count("login.failed"), 6, "{which}");
        assert_eq!(count("login.throttled"), 1, "{which}");
        assert_eq!(count("logout"), 1, "{which}");
        assert!(log.iter().all(|e| !e.detail.contains("password")));
        db.finish().await;
    }
}

#[tokio::test]
async fn partner_contacts_are_checked_and_changes_recorded() {
    for db in backends().await {
        let s = &db.store;
        let which = label(&db);
        place(s).await;
        let p = s
            .update_partner_contact(
                "northshire",
                "icb",
                " Jo Bloggs ",
                "jo@icb.example.nhs.uk",
                "lead-icb",
                T0,
            )
            .await
            .unwrap();
        assert_eq!(p.contact_name, "Jo Bloggs");
        let e = s
            .update_partner_contact("northshire", "icb", "Jo", "not-an-address", "lead-icb", T0)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Invalid {
                    field: "contact_email",
                    ..
                }
            ),
            "{which}: {e}"
        );
        let e = s
            .update_partner_contact("northshire", "icb", "  ", "a@b.org", "lead-icb", T0)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Invalid {
                    field: "contact_name",
                    ..
                }
            ),
            "{which}"
        );
        // Nothing was saved by the bad attempts.
        let now = s.partner("northshire", "icb").await.unwrap().unwrap();
        assert_eq!(
            (now.contact_name.as_str(), now.contact_email.as_str()),
            ("Jo Bloggs", "jo@icb.example.nhs.uk")
        );
        // Another place's partner is not found.
        assert!(matches!(
            s.update_partner_contact("westmere", "icb", "Jo", "a@b.org", "x", T0)
                .await,
            Err(StoreError::NotFound(_))
        ));
        let last = &s.audit_entries(Some("northshire"), 1).await.unwrap()[0];
        assert_eq!(last.action, "partner.update");
        assert_eq!(last.target, "partner:icb");
        assert!(last.detail.contains("jo@icb.example.nhs.uk"));
        db.finish().await;
    }
}

#[tokio::test]
async fn documents_are_kept_per_place() {
    for db in backends().await {
        let s = &db.store;
        let which = label(&db);
        place(s).await;
        s.create_place("westmere", "Westmere", "system", T0)
            .await
            .unwrap();
        let doc = NewDocument {
            id: "bcf",
            kind: "journal",
            title: "Better Care Fund",
            owner_partner: None,
            content: "; a journal\n",
        };
        s.put_document("northshire", &doc, "system", T0)
            .await
            .unwrap();
        // Replacing keeps one document.
        let doc2 = NewDocument {
            content: "; changed\n",
            ..doc
        };
        s.put_document("northshire", &doc2, "pm", T0 + 5)
            .await
            .unwrap();
        let got = s.document("northshire", "bcf").await.unwrap().unwrap();
        assert_eq!(got.content, "; changed\n", "{which}");
        assert_eq!(got.meta.updated_by, "pm");
        assert_eq!(s.documents("northshire", None).await.unwrap().len(), 1);
        assert_eq!(
            s.documents("northshire", Some("journal"))
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            s.documents("northshire", Some("deal"))
                .await
                .unwrap()
                .is_empty()
        );
        // Another place sees nothing of it.
        assert!(
            s.document("westmere", "bcf").await.unwrap().is_none(),
            "{which}"
        );
        assert!(s.documents("westmere", None).await.unwrap().is_empty());
        // With their text, in one query: the kind's documents of the place only.
        let all = s
            .documents_with_content("northshire", "journal")
            .await
            .unwrap();
        assert_eq!(all, vec![got.clone()], "{which}");
        assert!(
            s.documents_with_content("westmere", "journal")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.documents_with_content("northshire", "deal")
                .await
                .unwrap()
                .is_empty()
        );
        // Bad documents name the field.
        for (bad, field) in [
            (
                NewDocument {
                    kind: "spreadsheet",
                    ..doc2
                },
                "kind",
            ),
            (
                NewDocument {
                    id: "Not An Id",
                    ..doc2
                },
                "id",
            ),
            (NewDocument { title: " ", ..doc2 }, "title"),
            (
                NewDocument {
                    owner_partner: Some("police"),
                    ..doc2
                },
                "owner_partner",
            ),
        ] {
            match s.put_document("northshire", &bad, "x", T0).await {
                Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{which}: expected {field} refused, got {other:?}"),
            }
        }
        db.finish().await;
    }
}

/// Writes `n` entries and returns the store.
async fn chained(s: &Store, n: i64) {
    for i in 0..n {
        s.audit(
            &oneplace_store::AuditEntry::new(
                "tester",
                "test.entry",
                "p",
                &format!("t:{i}"),
                serde_json::json!({"i": i}),
            ),
            T0 + i,
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn the_audit_chain_verifies_and_its_hashes_are_reproducible() {
    for db in backends().await {
        let s = &db.store;
        chained(s, 3).await;
        assert_eq!(s.verify_audit().await.unwrap(), Ok(3));
        // Recompute entry 1's hash from its published definition.
        let first = s.audit_entries(None, 10).await.unwrap().pop().unwrap();
        assert_eq!(first.seq, 1);
        assert_eq!(first.prev_hash, oneplace_store::GENESIS_HASH);
        let canonical = r#"[1,1764000000,"tester","test.entry","p","t:0","{\"i\":0}"]"#;
        assert_eq!(
            oneplace_store::canonical_content(
                1,
                T0,
                "tester",
                "test.entry",
                "p",
                "t:0",
                r#"{"i":0}"#
            ),
            canonical
        );
        let expected = oneplace_store::sha256_hex(
            format!("{}{canonical}", oneplace_store::GENESIS_HASH).as_bytes(),
        );
        assert_eq!(first.hash, expected);
        db.finish().await;
    }
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_found_and_located() {
    // Each case tampers with a fresh chain of five entries by raw SQL.
    let cases: [(&str, &str, i64, &str); 6] = [
        (
            "edited detail",
            "UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3",
            3,
            "altered",
        ),
        (
            "edited actor",
            "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2",
            2,
            "altered",
        ),
        (
            "deleted entry",
            "DELETE FROM audit_log WHERE seq = 3",
            3,
            "missing",
        ),
        (
            "deleted last entry",
            "DELETE FROM audit_log WHERE seq = 5",
            5,
            "missing",
        ),
        (
            "rehashed entry",
            // Edited and its own hash recomputed: the next entry no longer follows.
            "UPDATE audit_log SET hash = 'ffff' WHERE seq = 4",
            4,
            "altered",
        ),
        (
            "reordered entries",
            "UPDATE audit_log SET seq = 102 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 102",
            2,
            "",
        ),
    ];
    for (what, sql, bad_seq, reason) in cases {
        for db in backends().await {
            let s = &db.store;
            chained(s, 5).await;
            assert_eq!(s.verify_audit().await.unwrap(), Ok(5));
            for statement in sql.split("; ") {
                sqlx::query(statement).execute(s.pool()).await.unwrap();
            }
            let broken = s.verify_audit().await.unwrap().expect_err(what);
            assert_eq!(broken.seq, bad_seq, "{what} on {}: {broken}", label(&db));
            assert!(broken.reason.contains(reason), "{what}: {broken}");
            db.finish().await;
        }
    }
}

#[tokio::test]
async fn concurrent_appends_keep_one_chain() {
    for db in backends().await {
        let s = db.store.clone();
        let mut tasks = Vec::new();
        for w in 0..4 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    s.audit(
                        &oneplace_store::AuditEntry::new(
                            "w",
                            "test.entry",
                            "p",
                            &format!("{w}:{i}"),
                            serde_json::json!({}),
                        ),
                        T0,
                    )
                    .await
                    .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(s.verify_audit().await.unwrap(), Ok(40), "{}", label(&db));
        db.finish().await;
    }
}

#[tokio::test]
async fn changing_a_password_ends_the_other_sessions() {
    for db in backends().await {
        let s = &db.store;
        let which = label(&db);
        place(s).await;
        user(s, "ana", Role::Analyst, None).await;
        let login = |client: &'static str| async move {
            match s
                .login("ana", "a long enough password", client, T0)
                .await
                .unwrap()
            {
                Login::Success { user, token, .. } => (user, token),
                other => panic!("{other:?}"),
            }
        };
        let (ana, here) = login("laptop").await;
        let (_, elsewhere) = login("phone").await;
        // Wrong current password, or too short a new one: nothing changes.
        for (current, new, field) in [
            ("not it", "another long password", "current_password"),
            ("a long enough password", "short", "new_password"),
        ] {
            match s.change_password(&ana, current, new, &here, T0).await {
                Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field, "{which}"),
                other => panic!("{which}: {other:?}"),
            }
        }
        assert!(s.session(&elsewhere, T0).await.unwrap().is_some());
        s.change_password(
            &ana,
            "a long enough password",
            "another long password",
            &here,
            T0,
        )
        .await
        .unwrap();
        assert!(
            s.session(&here, T0).await.unwrap().is_some(),
            "{which}: this session stays"
        );
        assert!(
            s.session(&elsewhere, T0).await.unwrap().is_none(),
            "{which}: the others end"
        );
        assert!(matches!(
            s.login("ana", "a long enough password", "x", T0)
                .await
                .unwrap(),
            Login::Failed
        ));
        assert!(matches!(
            s.login("ana", "another long password", "x", T0)
                .await
                .unwrap(),
            Login::Success { .. }
        ));
        assert_eq!(s.verify_audit().await.unwrap().map(|n| n > 0), Ok(true));
        db.finish().await;
    }
}

#[tokio::test]
async fn disabled_users_cannot_log_in_and_lose_their_sessions() {
    for db in backends().await {
        let s = &db.store;
        let which = label(&db);
        place(s).await;
        user(s, "leaver", Role::PoolManager, None).await;
        let Login::Success { token, .. } = s
            .login("leaver", "a long enough password", "x", T0)
            .await
            .unwrap()
        else {
            panic!("{which}")
        };
        let u = s
            .set_disabled("northshire", "leaver", true, "admin", T0)
            .await
            .unwrap();
        assert!(u.disabled);
        assert!(s.session(&token, T0).await.unwrap().is_none(), "{which}");
        assert!(matches!(
            s.login("leaver", "a long enough password", "x", T0)
                .await
                .unwrap(),
            Login::Failed
        ));
        // Another place's administrator cannot reach them.
        assert!(matches!(
            s.set_disabled("westmere", "leaver", false, "admin", T0)
                .await,
            Err(StoreError::NotFound(_))
        ));
        s.set_disabled("northshire", "leaver", false, "admin", T0)
            .await
            .unwrap();
        assert!(matches!(
            s.login("leaver", "a long enough password", "x", T0)
                .await
                .unwrap(),
            Login::Success { .. }
        ));
        let actions: Vec<String> = s
            .audit_entries(None, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(
            actions.contains(&"user.disable".to_string())
                && actions.contains(&"user.enable".to_string())
        );
        db.finish().await;
    }
}
