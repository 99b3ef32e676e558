//! `oneplace serve --demo` end to end, from a directory outside the
//! repository (the demo is embedded): it seeds, prints the demo users once,
//! serves pages a user can log in to, and `oneplace audit verify` then
//! finds its audit log intact, and names the entry edited behind its back.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn oneplace() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oneplace"))
}

/// One HTTP/1.1 request; the whole response as text.
fn http(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect to the server");
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn header<'a>(response: &'a str, prefix: &str) -> &'a str {
    response
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {response}"))
}

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_demo_then_verify_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let log_path = dir.path().join("requests.log");
    let child = oneplace()
        .current_dir(dir.path())
        .args([
            "serve",
            "--demo",
            "--db",
            db.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log_path).unwrap()))
        .spawn()
        .unwrap();
    let mut server = Killed(child);
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let mut passwords = std::collections::HashMap::new();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server says where it serves")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Serving ") {
            let url = rest.split(" at http://").nth(1).unwrap();
            break url
                .trim_end_matches(" (Ctrl-C stops)")
                .trim_end_matches('/')
                .to_string();
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() >= 4 && (words[0] == "northshire" || words[0] == "westmere") {
            passwords.insert(words[1].to_string(), words[words.len() - 1].to_string());
        }
    };
    assert_eq!(
        passwords.len(),
        7,
        "a user for each role, and Westmere's manager"
    );
    assert!(db.exists(), "the database file is created");

    // Log in as the viewer through the login form.
    let page = http(
        &addr,
        "GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let login_cookie = header(&page, "set-cookie: ")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let body = format!(
        "csrf={token}&username=viewer&password={}",
        passwords["viewer"]
    );
    let r = http(
        &addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {login_cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(r.starts_with("HTTP/1.1 303"), "{r}");
    let session = r
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .find(|c| c.starts_with("oneplace_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let overview = http(
        &addr,
        &format!(
            "GET /p/northshire HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {session}\r\n\r\n"
        ),
    );
    assert!(overview.starts_with("HTTP/1.1 200"), "{overview}");
    // The pool's annual budget as `oneplace ledger report monitoring` gives it.
    assert!(overview.contains("£5,040,000.00"));
    drop(server);

    // The request log (standard error): each request with its status and
    // user, and no password, token or cookie.
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("GET /login 200"), "{log}");
    assert!(log.contains("POST /login 303"), "{log}");
    assert!(log.contains("GET /p/northshire 200"), "{log}");
    assert!(
        log.lines()
            .any(|l| l.contains("GET /p/northshire 200") && l.ends_with(" viewer")),
        "{log}"
    );
    let session_token = session.split('=').nth(1).unwrap();
    for secret in [passwords["viewer"].as_str(), token, session_token] {
        assert!(!log.contains(secret), "a secret in the log: {log}");
    }

    // Serving the same database with --demo again seeds nothing and shows
    // no password.
    let again = oneplace()
        .current_dir(dir.path())
        .args([
            "serve",
            "--demo",
            "--db",
            db.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut again = Killed(again);
    let first = BufReader::new(again.0.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    assert!(first.contains("already in this database"), "{first}");
    assert!(!passwords.values().any(|p| first.contains(p.as_str())));
    drop(again);

    let verify = |db: &std::path::Path| {
        oneplace()
            .args(["audit", "verify", "--db", db.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let ok = verify(&db);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("The audit log is intact:"));

    // Edit entry 2 behind the application's back.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = oneplace_store::Store::open(db.to_str().unwrap())
            .await
            .unwrap();
        oneplace_store::sqlx::query("UPDATE audit_log SET detail = '{}' WHERE seq = 2")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    });
    let bad = verify(&db);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("the audit log has been tampered with: audit entry 2: altered"),
        "{stderr}"
    );

    let missing = verify(&dir.path().join("missing.db"));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such database"));
}

#[test]
fn a_place_is_created_with_its_first_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let create = |id: &str, admin: &str| {
        oneplace()
            .args([
                "place",
                "create",
                id,
                "--name",
                "Eastmarsh",
                "--admin",
                admin,
                "--db",
                db.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let o = create("eastmarsh", "alice");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let password = out
        .split("the password ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    // The password printed is the one that logs in.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = oneplace_store::Store::open(db.to_str().unwrap())
            .await
            .unwrap();
        match store.login("alice", &password, "test", 1).await.unwrap() {
            oneplace_store::Login::Success { user, .. } => {
                assert_eq!(user.role, oneplace_store::Role::Administrator);
                assert_eq!(user.place_id, "eastmarsh");
            }
            other => panic!("alice cannot log in: {other:?}"),
        }
        store.close().await;
    });
    // Twice is an error, and so is a bad id; neither changes anything.
    let again = create("eastmarsh", "bob");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("the place 'eastmarsh' already exists")
    );
    let bad = create("East Marsh", "carol");
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not an identifier"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let bad_admin = create("westmarsh", "Bob Smith");
    assert_eq!(bad_admin.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_admin.stderr).contains("--admin: username"));
    rt.block_on(async {
        let store = oneplace_store::Store::open(db.to_str().unwrap())
            .await
            .unwrap();
        let ids: Vec<String> = store
            .places()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, ["eastmarsh"], "nothing half-made");
        store.close().await;
    });
    let ok = oneplace()
        .args(["audit", "verify", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
}
