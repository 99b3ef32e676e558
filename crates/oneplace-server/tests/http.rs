//! The application through its router, as a browser or script would use it:
//! logging in, CSRF, roles, places, bad input, the audit log, and the
//! figures the pages show.
//!
//! Expected figures come from outside the server: the command line's
//! golden output for the same example files
//! (`crates/oneplace-cli/tests/snapshots/`).

use std::collections::{BTreeSet, HashMap};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use oneplace_server::demo::{self, Seeded};
use oneplace_server::{AppState, router};
use oneplace_store::testing::{self, TestDb};
use oneplace_store::{Store, sqlx};
use tower::ServiceExt;

/// A seeded store, the application over it, and the demo passwords.
struct App {
    db: TestDb,
    router: Router,
    passwords: HashMap<String, String>,
}

async fn seeded(db: TestDb) -> App {
    let Seeded::Created(users) = demo::seed(&db.store).await.expect("the demo seeds") else {
        panic!("a fresh store has no demo yet")
    };
    let passwords = users
        .into_iter()
        .map(|u| (u.username.to_string(), u.password))
        .collect();
    let router = router(AppState::new(db.store.clone(), false));
    App {
        db,
        router,
        passwords,
    }
}

async fn app() -> App {
    seeded(testing::sqlite().await).await
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser: the cookies it holds and the CSRF token of its session.
#[derive(Clone, Default)]
struct Browser {
    cookies: HashMap<String, String>,
    csrf: String,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, app: &Router, req: axum::http::request::Builder, body: Body) -> Reply {
        let req = req
            .header(header::COOKIE, self.cookie_header())
            .body(body)
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let reply = Reply {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        };
        for c in reply.set_cookies() {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        reply
    }

    async fn get(&mut self, app: &Router, path: &str) -> Reply {
        self.send(app, Request::get(path), Body::empty()).await
    }

    async fn post_form(&mut self, app: &Router, path: &str, body: &str) -> Reply {
        self.send(
            app,
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body.to_string()),
        )
        .await
    }

    async fn post_json(
        &mut self,
        app: &Router,
        path: &str,
        body: serde_json::Value,
        csrf: Option<&str>,
    ) -> Reply {
        let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        self.send(app, req, Body::from(body.to_string())).await
    }

    /// Logs in through the login page, as a person would.
    async fn login(app: &App, username: &str) -> Browser {
        let mut b = Browser::default();
        let r = b
            .try_login(&app.router, username, &app.passwords[username])
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{username} logs in: {}",
            r.body
        );
        let me = b.get(&app.router, "/api/me").await;
        b.csrf = me.json()["csrf_token"].as_str().unwrap().to_string();
        b
    }

    async fn try_login(&mut self, app: &Router, username: &str, password: &str) -> Reply {
        let page = self.get(app, "/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let token = hidden_csrf(&page.body);
        self.post_form(
            app,
            "/login",
            &form(&[
                ("csrf", &token),
                ("username", username),
                ("password", password),
            ]),
        )
        .await
    }
}

/// The value of the form's hidden `csrf` field.
fn hidden_csrf(html: &str) -> String {
    let at =
        html.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

async fn audit_actions(store: &Store) -> Vec<(String, String, String)> {
    store
        .audit_entries(None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action, e.target))
        .collect()
}

#[tokio::test]
async fn logging_in_and_out() {
    let app = app().await;
    // Anonymous: pages send to the login page, the API says 401.
    let mut anon = Browser::default();
    let r = anon.get(&app.router, "/p/northshire").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert_eq!(
        anon.get(&app.router, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // The session cookie is HttpOnly and SameSite=Strict.
    let mut b = Browser::default();
    let r = b
        .try_login(&app.router, "analyst", &app.passwords["analyst"])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/p/northshire");
    let session = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("oneplace_session="))
        .expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    let me = b.get(&app.router, "/api/me").await.json();
    assert_eq!(me["user"]["username"], "analyst");
    assert_eq!(me["user"]["role"], "analyst");

    // Logging out needs the CSRF token, and ends the session.
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let r = b
        .post_form(&app.router, "/logout", &form(&[("csrf", &csrf)]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        b.get(&app.router, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );

    // The JSON login gives the CSRF token; it must be sent as JSON.
    let mut s = Browser::default();
    let r = s
        .post_json(
            &app.router,
            "/api/session",
            serde_json::json!({"username": "viewer", "password": app.passwords["viewer"]}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["csrf_token"].as_str().unwrap().len() == 64);
    let r = s
        .send(
            &app.router,
            Request::post("/api/session")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from("username=viewer&password=x"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    app.db.finish().await;
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_throttled() {
    let app = app().await;
    let mut b = Browser::default();
    let r = b
        .try_login(&app.router, "analyst", "not the password")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body.contains("The user name or password is wrong."),
        "{}",
        r.body
    );
    // Unknown users get the same answer.
    let r = b.try_login(&app.router, "nobody", "not the password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("The user name or password is wrong."));
    for _ in 0..4 {
        assert_eq!(
            b.try_login(&app.router, "analyst", "still wrong")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Five failures in 15 minutes: now even the right password is refused.
    let r = b
        .try_login(&app.router, "analyst", &app.passwords["analyst"])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("try again in 15 minutes"));
    assert!(b.get(&app.router, "/api/me").await.status == StatusCode::UNAUTHORIZED);
    // Other users are not affected.
    Browser::login(&app, "viewer").await;
    let actions = audit_actions(&app.db.store).await;
    assert_eq!(actions.iter().filter(|a| a.1 == "login.failed").count(), 6);
    assert_eq!(
        actions.iter().filter(|a| a.1 == "login.throttled").count(),
        1
    );
    // No password reached the log.
    for e in app.db.store.audit_entries(None, 10_000).await.unwrap() {
        assert!(!e.detail.contains("still wrong") && !e.detail.contains(&app.passwords["analyst"]));
    }
    app.db.finish().await;
}

#[tokio::test]
async fn every_change_needs_the_csrf_token() {
    let app = app().await;
    let mut lead = Browser::login(&app, "icb-lead").await;
    let path = "/p/northshire/partners/icb";
    let fields = [
        ("contact_name", "Jo Bloggs"),
        ("contact_email", "jo@icb.example"),
    ];
    // No token, a wrong token: refused, recorded, nothing saved.
    let r = lead.post_form(&app.router, path, &form(&fields)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("security token"), "{}", r.body);
    let mut with_wrong = fields.to_vec();
    with_wrong.push(("csrf", "0000"));
    assert_eq!(
        lead.post_form(&app.router, path, &form(&with_wrong))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The API without its header.
    let api = "/api/places/northshire/partners/icb";
    let body = serde_json::json!({"contact_name": "Jo", "contact_email": "jo@icb.example"});
    assert_eq!(
        lead.post_json(&app.router, api, body.clone(), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Logging out too.
    assert_eq!(
        lead.post_form(&app.router, "/logout", "").await.status,
        StatusCode::FORBIDDEN
    );
    let partner = app
        .db
        .store
        .partner("northshire", "icb")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(partner.contact_name, "", "nothing was saved");
    let rejected = audit_actions(&app.db.store)
        .await
        .into_iter()
        .filter(|a| a.1 == "csrf.rejected")
        .count();
    assert_eq!(rejected, 4);
    // The login form's own token: a post without the cookie it pairs with is refused.
    let mut stranger = Browser::default();
    let r = stranger
        .post_form(
            &app.router,
            "/login",
            &form(&[("csrf", "abcd"), ("username", "admin"), ("password", "x")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // With the token, the change goes through.
    let mut ok = fields.to_vec();
    let csrf = lead.csrf.clone();
    ok.push(("csrf", &csrf));
    let r = lead.post_form(&app.router, path, &form(&ok)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/p/northshire/partners/icb?saved=1");
    let r = lead.post_json(&app.router, api, body, Some(&csrf)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["partner"]["contact_name"], "Jo");
    app.db.finish().await;
}

#[tokio::test]
async fn roles_decide_who_may_change_what() {
    let app = app().await;
    let change = |csrf: &str| {
        form(&[
            ("csrf", csrf),
            ("contact_name", "Sam Smith"),
            ("contact_email", "sam@example.org"),
        ])
    };
    // A partner's finance lead may change their own partner …
    let mut lead = Browser::login(&app, "icb-lead").await;
    let r = lead
        .post_form(
            &app.router,
            "/p/northshire/partners/icb",
            &change(&lead.csrf.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // … but not another partner's: 403, recorded, nothing saved.
    let r = lead
        .post_form(
            &app.router,
            "/p/northshire/partners/county-council",
            &change(&lead.csrf.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body.contains("you may change icb&#39;s details only"),
        "{}",
        r.body
    );
    let council = app
        .db
        .store
        .partner("northshire", "county-council")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(council.contact_name, "");
    let denied: Vec<_> = audit_actions(&app.db.store)
        .await
        .into_iter()
        .filter(|a| a.1 == "access.denied")
        .collect();
    assert_eq!(
        denied,
        [(
            "icb-lead".to_string(),
            "access.denied".to_string(),
            "route:POST /p/northshire/partners/county-council".to_string()
        )]
    );
    // The same through the API.
    let r = lead
        .post_json(
            &app.router,
            "/api/places/northshire/partners/county-council",
            serde_json::json!({"contact_name": "X", "contact_email": "x@example.org"}),
            Some(&lead.csrf.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The form is not even offered to those who may not use it.
    let page = lead
        .get(&app.router, "/p/northshire/partners/county-council")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page
            .body
            .contains("<form method=\"post\" action=\"/p/northshire/partners")
    );
    // Analysts and viewers change no partner; the pool manager and the
    // administrator may change any.
    for (user, expected) in [
        ("analyst", StatusCode::FORBIDDEN),
        ("viewer", StatusCode::FORBIDDEN),
        ("pool-manager", StatusCode::SEE_OTHER),
        ("admin", StatusCode::SEE_OTHER),
    ] {
        let mut b = Browser::login(&app, user).await;
        let r = b
            .post_form(
                &app.router,
                "/p/northshire/partners/county-council",
                &change(&b.csrf.clone()),
            )
            .await;
        assert_eq!(r.status, expected, "{user}");
    }
    // The audit log: viewers (auditors), pool managers and administrators.
    for (user, expected) in [
        ("viewer", StatusCode::OK),
        ("pool-manager", StatusCode::OK),
        ("admin", StatusCode::OK),
        ("analyst", StatusCode::FORBIDDEN),
        ("icb-lead", StatusCode::FORBIDDEN),
    ] {
        let mut b = Browser::login(&app, user).await;
        assert_eq!(
            b.get(&app.router, "/p/northshire/audit").await.status,
            expected,
            "{user}"
        );
        assert_eq!(
            b.get(&app.router, "/api/places/northshire/audit")
                .await
                .status,
            expected,
            "{user}"
        );
    }
    app.db.finish().await;
}

#[tokio::test]
async fn another_places_data_is_not_found() {
    let app = app().await;
    let mut wes = Browser::login(&app, "westmere-manager").await;
    // Westmere's manager sees Westmere …
    let r = wes.get(&app.router, "/p/westmere").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Westmere"));
    // … and nothing of Northshire, not even that it exists: 404, never 403.
    for path in [
        "/p/northshire",
        "/p/northshire/appraisals",
        "/p/northshire/appraisals/family-support",
        "/p/northshire/ledger/northshire-bcf",
        "/p/northshire/documents/northshire-bcf",
        "/p/northshire/partners/icb",
        "/p/northshire/audit",
        "/api/places/northshire",
        "/api/places/northshire/documents/northshire-bcf",
        "/api/places/northshire/ledger/northshire-bcf/monitoring",
        "/p/nowhere",
    ] {
        assert_eq!(
            wes.get(&app.router, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = wes
        .post_form(
            &app.router,
            "/p/northshire/partners/icb",
            &form(&[
                ("csrf", &wes.csrf.clone()),
                ("contact_name", "W"),
                ("contact_email", "w@example.org"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A Northshire user asking for a Westmere document by a Northshire URL.
    let mut admin = Browser::login(&app, "admin").await;
    assert_eq!(
        admin
            .get(&app.router, "/p/northshire/documents/westmere-year-end")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get(&app.router, "/p/westmere").await.status,
        StatusCode::NOT_FOUND
    );
    app.db.finish().await;
}

#[tokio::test]
async fn bad_input_is_reported_by_field_and_nothing_is_saved() {
    let app = app().await;
    let mut lead = Browser::login(&app, "icb-lead").await;
    let csrf = lead.csrf.clone();
    let r = lead
        .post_form(
            &app.router,
            "/p/northshire/partners/icb",
            &form(&[
                ("csrf", &csrf),
                ("contact_name", "Jo"),
                ("contact_email", "jo at icb"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The message is next to the field, which is marked invalid, and the
    // summary links to it; what was typed is kept.
    assert!(r.body.contains("id=\"contact_email-error\""), "{}", r.body);
    assert!(r.body.contains("is not an e-mail address"));
    assert!(
        r.body
            .contains("aria-invalid=\"true\" aria-describedby=\"contact_email-error\"")
    );
    assert!(r.body.contains("href=\"#contact_email\""));
    assert!(r.body.contains("value=\"jo at icb\""));
    let r = lead
        .post_json(
            &app.router,
            "/api/places/northshire/partners/icb",
            serde_json::json!({"contact_name": "", "contact_email": "jo@icb.example"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "contact_name");
    let r = lead
        .post_json(
            &app.router,
            "/api/places/northshire/partners/icb",
            serde_json::json!([1, 2]),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let icb = app
        .db
        .store
        .partner("northshire", "icb")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (icb.contact_name.as_str(), icb.contact_email.as_str()),
        ("", "")
    );
    assert!(
        !audit_actions(&app.db.store)
            .await
            .iter()
            .any(|a| a.1 == "partner.update")
    );
    // A period that is not one is a 400 naming it.
    let r = lead
        .get(
            &app.router,
            "/api/places/northshire/ledger/northshire-bcf/monitoring?period=March",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["error"].as_str().unwrap().starts_with("period:"),
        "{}",
        r.body
    );
    app.db.finish().await;
}

/// The Northshire pool at 2025/26 M01, as `oneplace ledger report
/// monitoring examples/ledger/northshire-bcf.journal` shows it
/// (snapshot `cli__ledger_monitoring_2025_26_m01.snap`).
#[tokio::test]
async fn the_overview_shows_the_pool_position_on_both_databases() {
    let mut dbs = vec![testing::sqlite().await];
    dbs.extend(testing::postgres().await);
    for db in dbs {
        let app = seeded(db).await;
        let mut viewer = Browser::login(&app, "viewer").await;
        let r = viewer.get(&app.router, "/p/northshire").await;
        assert_eq!(r.status, StatusCode::OK);
        let page = &r.body;
        assert!(
            page.contains("Northshire Better Care Fund: pool position, 2025/26 M01"),
            "{page}"
        );
        for figure in [
            "<dt>Annual budget</dt><dd>£5,040,000.00</dd>",
            "<dt>Budget to date</dt><dd>£411,666.67</dd>",
            "<dt>Actual to date</dt><dd>£408,750.00</dd>",
            "<dt>Commitments</dt><dd>£12,000.00</dd>",
            "<dt>Forecast outturn</dt><dd>£5,049,500.00</dd>",
            "<dt>Variance</dt><dd>£9,500.00</dd>",
        ] {
            assert!(page.contains(figure), "{figure} missing");
        }
        // Two lines over materiality (the greater of £10,000 and 2%):
        // community nursing over, home care from the grant under.
        assert_eq!(page.matches("<li class=\"alert\">").count(), 2);
        assert!(page.contains("<strong>Over budget</strong>: community-nursing paid from nhs-minimum: forecast outturn £2,450,000.00 against a budget of £2,400,000.00, variance £50,000.00 (2.1%)."));
        assert!(page.contains("<strong>Under budget</strong>: home-care paid from la-grant: forecast outturn £855,000.00 against a budget of £900,000.00, variance -£45,000.00 (-5.0%)."));
        // The partners and documents are listed.
        assert!(page.contains("Northshire Integrated Care Board"));
        assert!(page.contains("/p/northshire/documents/northshire-deal"));

        let j = viewer
            .get(&app.router, "/api/places/northshire")
            .await
            .json();
        let pool = &j["pools"][0];
        assert_eq!(pool["period"], "2025/26 M01");
        assert_eq!(pool["total"]["annual_budget"], 5_040_000.0);
        assert_eq!(pool["total"]["forecast_outturn"], 5_049_500.0);
        assert_eq!(pool["total"]["variance"], 9_500.0);
        let flagged: Vec<(&str, &str)> = pool["flagged_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["scheme"].as_str().unwrap(), l["source"].as_str().unwrap()))
            .collect();
        assert_eq!(
            flagged,
            [
                ("community-nursing", "nhs-minimum"),
                ("home-care", "la-grant")
            ]
        );
        app.db.finish().await;
    }
}

#[tokio::test]
async fn reports_come_from_the_domain_crates() {
    let app = app().await;
    let mut a = Browser::login(&app, "analyst").await;
    // The monitoring report: the ledger's document as tables.
    let r = a
        .get(&app.router, "/p/northshire/ledger/northshire-bcf")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("<h1>Northshire Better Care Fund: monitoring, 2025/26 M01</h1>"),
        "{}",
        r.body
    );
    assert!(r.body.contains(">community-nursing</a></th>"));
    assert!(r.body.contains("<td class=\"num\">£2,450,000.00</td>"));
    assert!(r.body.contains("<td class=\"flag\">OVER</td>"));
    // The JSON is the command line's JSON.
    let j = a
        .get(
            &app.router,
            "/api/places/northshire/ledger/northshire-bcf/monitoring",
        )
        .await
        .json();
    assert_eq!(j["period"], "2025/26 M01");
    assert_eq!(j["total"]["actual"], 408_750.0);
    // Another period.
    let j = a
        .get(
            &app.router,
            "/api/places/northshire/ledger/northshire-bcf/monitoring?period=2025/26+M06",
        )
        .await
        .json();
    assert_eq!(j["period"], "2025/26 M06");

    // Appraisals: Northshire Families Together as `oneplace appraise`
    // reports it (snapshot `cli__appraise_family-support_table.snap`).
    let r = a.get(&app.router, "/p/northshire/appraisals").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Northshire Families Together"));
    assert!(r.body.contains("<td class=\"num\">£2,261,119.64</td><td class=\"num\">1.90</td><td class=\"num\">£3,913,622.07</td><td class=\"num\">2.57</td>"), "{}", r.body);
    let r = a
        .get(&app.router, "/p/northshire/appraisals/family-support")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("<h1>Appraisal: Northshire Families Together</h1>")
    );
    assert!(
        r.body.contains(
            "<th scope=\"row\">Net present budget impact</th><td class=\"num\">£2,261,119.64</td>"
        ),
        "{}",
        r.body
    );
    let j = a
        .get(&app.router, "/api/places/northshire/appraisals")
        .await
        .json();
    assert_eq!(j["appraisals"].as_array().unwrap().len(), 4);
    let j = a
        .get(
            &app.router,
            "/api/places/northshire/appraisals/family-support",
        )
        .await
        .json();
    assert_eq!(j["npbi"], 2_261_119.64);
    assert_eq!(j["nppv"], 3_913_622.07);
    // An appraisal id that is a journal is not an appraisal.
    assert_eq!(
        a.get(&app.router, "/p/northshire/appraisals/northshire-bcf")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The Unit Cost Database, as `oneplace ucd search domestic violence
    // police` finds it (snapshot `cli__ucd_search_domestic_violence_police.snap`).
    let r = a.get(&app.router, "/ucd?q=domestic+violence+police").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("2 entries match"), "{}", r.body);
    assert!(r.body.contains("<th scope=\"row\">CR2.0.3</th><td>Domestic violence - fiscal cost per incident: police</td>"));
    assert!(r.body.contains("£476.57") && r.body.contains("£667.20"));
    let j = a
        .get(&app.router, "/api/ucd?q=domestic+violence+police")
        .await
        .json();
    assert_eq!(j["matches"], 2);
    assert_eq!(j["entries"][0]["code"], "CR2.0.3");
    assert_eq!(j["entries"][0]["fiscal"], 476.57);
    app.db.finish().await;
}

#[tokio::test]
async fn the_audit_log_records_changes_and_shows_tampering() {
    let app = app().await;
    let mut lead = Browser::login(&app, "council-lead").await;
    let csrf = lead.csrf.clone();
    lead.post_form(
        &app.router,
        "/p/northshire/partners/county-council",
        &form(&[
            ("csrf", &csrf),
            ("contact_name", "Chris"),
            ("contact_email", "chris@council.example"),
        ]),
    )
    .await;
    let mut viewer = Browser::login(&app, "viewer").await;
    let r = viewer.get(&app.router, "/p/northshire/audit").await;
    assert!(r.body.contains("The audit log is intact"), "{}", r.body);
    assert!(r.body.contains("partner.update"));
    assert!(r.body.contains("chris@council.example"));
    // Someone edits an entry in the database directly.
    let n = app.db.store.verify_audit().await.unwrap().unwrap();
    assert!(n > 10);
    sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 7")
        .execute(app.db.store.pool())
        .await
        .unwrap();
    let r = viewer.get(&app.router, "/p/northshire/audit").await;
    assert!(
        r.body
            .contains("The audit log has been tampered with: audit entry 7: altered"),
        "{}",
        r.body
    );
    let j = viewer
        .get(&app.router, "/api/places/northshire/audit")
        .await
        .json();
    assert_eq!(j["intact"], false);
    assert_eq!(j["first_bad_entry"]["seq"], 7);
    app.db.finish().await;
}

/// `oneplace audit verify` is `run::verify_audit_blocking`: intact, then
/// tampered (by raw SQL), then a database that is not there.
#[test]
fn audit_verify_names_the_first_bad_entry() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (location, dir) = rt.block_on(async {
        let db = testing::sqlite().await;
        let app = seeded(db).await;
        let location = app.db.location.clone();
        app.db.store.close().await;
        let dir = std::path::Path::new(&location)
            .parent()
            .unwrap()
            .to_path_buf();
        (location, dir)
    });
    let n = oneplace_server::run::verify_audit_blocking(&location)
        .unwrap()
        .unwrap();
    assert!(n > 20, "{n}");
    rt.block_on(async {
        let store = Store::open(&location).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq = 5")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    });
    let broken = oneplace_server::run::verify_audit_blocking(&location)
        .unwrap()
        .unwrap_err();
    assert_eq!(broken.seq, 5);
    assert_eq!(
        broken.to_string(),
        "audit entry 5: missing (the next entry is 6)"
    );
    let missing = dir.join("not-there.db");
    let e = oneplace_server::run::verify_audit_blocking(missing.to_str().unwrap()).unwrap_err();
    assert!(e.ends_with("no such database"), "{e}");
    assert!(!missing.exists(), "verifying creates nothing");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route_and_each_is_served() {
    let app = app().await;
    let served: BTreeSet<(String, String)> = oneplace_server::route_list()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api"))
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let documented: BTreeSet<(String, String)> = oneplace_server::openapi::OPERATIONS
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(served, documented);
    let mut anon = Browser::default();
    let doc = anon.get(&app.router, "/api/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for (m, p) in &documented {
        assert!(
            doc["paths"][p][m.to_lowercase()].is_object(),
            "{m} {p} in the document"
        );
    }
    // Every documented route answers (filled in with the demo's ids), none
    // with the router's "no such page".
    let mut admin = Browser::login(&app, "admin").await;
    let csrf = admin.csrf.clone();
    let mut wes = Browser::login(&app, "westmere-manager").await;
    for (m, p) in &documented {
        if p.contains("settlement") {
            // Westmere has the agreement.
            let r = wes
                .get(
                    &app.router,
                    &p.replace("{place}", "westmere")
                        .replace("{doc}", "westmere-agreement"),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.body);
            continue;
        }
        let path = p
            .replace("{place}", "northshire")
            .replace("{partner}", "icb")
            .replace("{source}", "nhs-minimum")
            .replace("{username}", "viewer")
            .replace(
                "{doc}",
                if p.contains("ledger") {
                    "northshire-bcf"
                } else if p.contains("deals") {
                    "northshire-deal"
                } else if p.contains("plans") {
                    "northshire-2026-27-plan"
                } else if p.contains("results") {
                    "families-results"
                } else {
                    "family-support"
                },
            );
        if (m.as_str(), p.as_str()) == ("DELETE", "/api/session") {
            continue; // would end the session the loop uses; tested in logging_in_and_out
        }
        let r = match m.as_str() {
            "GET" => admin.get(&app.router, &path).await,
            _ => {
                let body = if path == "/api/session" {
                    serde_json::json!({"username": "admin", "password": app.passwords["admin"]})
                } else if path.ends_with("/import") {
                    serde_json::json!({"mapping": "icb-mapping", "csv": EXTRACT})
                } else if path.contains("/readiness/") {
                    serde_json::json!({"respondent": "Chief Finance Officer", "scores": icb_scores()})
                } else if path.contains("/contributions/") {
                    serde_json::json!({"year": "2025/26", "amount": "£3,600,000", "schedule": "quarterly"})
                } else if path.ends_with("/access") {
                    serde_json::json!({"disabled": false})
                } else if path.ends_with("/users") {
                    serde_json::json!({"username": "new-user", "display_name": "New", "role": "viewer"})
                } else if path.ends_with("/inputs") {
                    serde_json::json!({})
                } else if path.ends_with("/simulation") {
                    serde_json::json!({"draws": 1000, "seed": 1})
                } else if path.ends_with("/documents") {
                    serde_json::json!({"id": "another", "kind": "appraisal", "title": "Another", "content": FAMILY_SUPPORT})
                } else {
                    serde_json::json!({"contact_name": "A", "contact_email": "a@example.org"})
                };
                admin.post_json(&app.router, &path, body, Some(&csrf)).await
            }
        };
        assert!(r.status.is_success(), "{m} {path}: {} {}", r.status, r.body);
    }
    let r = admin.get(&app.router, "/api/nothing-here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.db.finish().await;
}

/// Structural accessibility checks on every page: language, one h1, the
/// skip link to main, labelled inputs, scoped table headers.
#[tokio::test]
async fn pages_are_accessible_in_structure() {
    let app = app().await;
    let admin = Browser::login(&app, "admin").await;
    let mut pages = vec![(Browser::default(), "/login".to_string())];
    for p in [
        "/p/northshire",
        "/p/northshire/ledger/northshire-bcf",
        "/p/northshire/appraisals",
        "/p/northshire/appraisals/integrated-care",
        "/p/northshire/documents/northshire-plan-missing",
        "/p/northshire/documents/northshire-2026-27-plan",
        "/p/northshire/partners/icb",
        "/p/northshire/audit",
        "/ucd?q=housing",
        "/p/northshire/users",
        "/p/northshire/documents-new",
        "/account",
        "/p/northshire/deals/northshire-deal",
        "/p/northshire/ledger/northshire-bcf/import",
        "/p/northshire/appraisals/family-support/edit",
        "/p/northshire/appraisals/family-support/compare",
        "/p/northshire/appraisals/family-support/simulation",
        "/p/northshire/ledger/northshire-bcf/postings?partner=icb",
        "/p/northshire/ledger/northshire-bcf/contributions",
        "/p/northshire/ledger/northshire-bcf/contributions/icb/nhs-minimum",
        "/p/northshire/results/families-results",
        "/p/northshire/deals/northshire-deal/readiness/icb",
        "/p/northshire/estate",
    ] {
        pages.push((admin.clone(), p.to_string()));
    }
    for (mut b, path) in pages {
        let r = b.get(&app.router, &path).await;
        let html = &r.body;
        assert!(
            html.starts_with("<!doctype html>\n<html lang=\"en-GB\">"),
            "{path}"
        );
        assert_eq!(html.matches("<h1").count(), 1, "{path}: one h1");
        assert!(
            html.contains("<a class=\"skip-link\" href=\"#main\">"),
            "{path}"
        );
        assert!(html.contains("<main id=\"main\""), "{path}");
        assert_eq!(
            html.matches("<th ").count() + html.matches("<th>").count(),
            html.matches("<th scope=\"col\"").count() + html.matches("<th scope=\"row\"").count(),
            "{path}: every th has a scope"
        );
        for (i, _) in html.match_indices("<input id=\"") {
            let id = html[i + 11..].split('"').next().unwrap();
            assert!(
                html.contains(&format!("<label for=\"{id}\">")),
                "{path}: input {id} has a label"
            );
        }
        assert!(
            !html.contains("<input name=") && !html.contains("<input type=\"text\""),
            "{path}: every visible input has an id and label"
        );
        let headers = &r.headers;
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
    }
    app.db.finish().await;
}

const EXTRACT: &str = include_str!("../../../examples/ledger/import/icb-2025-05.csv");

/// The ICB's May extract (`examples/ledger/import/`): 15 rows, £295,032.00
/// in all (£97,066.15 on Home First cost centres, £197,965.85 on community
/// nursing, the credit note netted), summed by hand from the CSV.
#[tokio::test]
async fn a_partner_posts_its_extract_after_a_preview() {
    let app = app().await;
    let mut lead = Browser::login(&app, "icb-lead").await;
    let csrf = lead.csrf.clone();
    let path = "/p/northshire/ledger/northshire-bcf/import";
    let page = lead.get(&app.router, path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<label for=\"extract\">Extract file (CSV)</label>")
    );
    let monitoring = "/api/places/northshire/ledger/northshire-bcf/monitoring?period=2025/26+M02";
    let before = lead.get(&app.router, monitoring).await.json()["total"]["actual"]
        .as_f64()
        .unwrap();
    let journal_before = app
        .db
        .store
        .document("northshire", "northshire-bcf")
        .await
        .unwrap()
        .unwrap()
        .content;

    // An unknown cost centre on the second data row: every problem is
    // listed by row, nothing is saved.
    let bad = EXTRACT.replacen("NC4101", "ZZ9999", 1);
    let r = lead
        .post_form(
            &app.router,
            path,
            &form(&[("csrf", &csrf), ("mapping", "icb-mapping"), ("csv", &bad)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("nothing was saved"));
    assert!(r.body.contains("row 3"), "{}", r.body);
    assert!(r.body.contains("ZZ9999"));
    assert!(r.body.contains("aria-invalid=\"true\""));
    // The API reports the same problems.
    let r = lead
        .post_json(
            &app.router,
            "/api/places/northshire/ledger/northshire-bcf/import",
            serde_json::json!({"mapping": "icb-mapping", "csv": bad, "confirm": true}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["problems"][0].as_str().unwrap().contains("row 3"));
    assert_eq!(
        app.db
            .store
            .document("northshire", "northshire-bcf")
            .await
            .unwrap()
            .unwrap()
            .content,
        journal_before
    );

    // The good extract: a preview first, which saves nothing …
    let r = lead
        .post_form(
            &app.router,
            path,
            &form(&[
                ("csrf", &csrf),
                ("mapping", "icb-mapping"),
                ("csv", EXTRACT),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("15 rows: 15 new transactions, 0 already in the ledger."),
        "{}",
        r.body
    );
    assert!(r.body.contains("Post 15 transactions"));
    assert_eq!(
        app.db
            .store
            .document("northshire", "northshire-bcf")
            .await
            .unwrap()
            .unwrap()
            .content,
        journal_before
    );
    // … then confirmed.
    let r = lead
        .post_form(
            &app.router,
            path,
            &form(&[
                ("csrf", &csrf),
                ("mapping", "icb-mapping"),
                ("csv", EXTRACT),
                ("confirm", "1"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location(),
        "/p/northshire/ledger/northshire-bcf?imported=15"
    );
    let after = lead.get(&app.router, monitoring).await.json()["total"]["actual"]
        .as_f64()
        .unwrap();
    assert!(
        (after - before - 295_032.00).abs() < 0.005,
        "{before} → {after}"
    );
    let notice = lead
        .get(
            &app.router,
            "/p/northshire/ledger/northshire-bcf?imported=15",
        )
        .await;
    assert!(
        notice
            .body
            .contains("The extract was posted: 15 new transactions.")
    );
    let last = &app
        .db
        .store
        .audit_entries(Some("northshire"), 1)
        .await
        .unwrap()[0];
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("icb-lead", "ledger.import")
    );
    assert!(last.detail.contains("\"added\":15"));
    // Posting it again adds nothing.
    let r = lead
        .post_json(
            &app.router,
            "/api/places/northshire/ledger/northshire-bcf/import",
            serde_json::json!({"mapping": "icb-mapping", "csv": EXTRACT, "confirm": true}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["added"], 0);
    assert_eq!(r.json()["already_posted"], 15);
    assert_eq!(r.json()["posted"], false);

    // The council's lead may not post the ICB's extract; the analyst may not post at all.
    for user in ["council-lead", "analyst"] {
        let mut other = Browser::login(&app, user).await;
        let c = other.csrf.clone();
        let r = other
            .post_form(
                &app.router,
                path,
                &form(&[("csrf", &c), ("mapping", "icb-mapping"), ("csv", EXTRACT)]),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    let denied = audit_actions(&app.db.store)
        .await
        .into_iter()
        .filter(|a| a.1 == "access.denied")
        .count();
    assert_eq!(denied, 2);
    app.db.finish().await;
}

/// Westmere's year end settled by its agreement, as `oneplace pool settle
/// examples/ledger/westmere-agreement.toml examples/ledger/westmere-year-end.journal`
/// shows it (snapshot `cli__westmere_settlement.snap`); and the reports as
/// downloads.
#[tokio::test]
async fn settlement_and_downloads() {
    let app = app().await;
    let mut wes = Browser::login(&app, "westmere-manager").await;
    let r = wes
        .get(&app.router, "/p/westmere/settlement/westmere-agreement")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(
            "<h1>Westmere section 75 agreement, schedule 3: risk share: settlement 2025/26</h1>"
        ),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Total variance £50,000.00; risk pool used £20,000.00")
    );
    assert!(
        r.body
            .contains("<th scope=\"row\">council</th><td class=\"num\">£6,545.46</td>"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("<th scope=\"row\">icb</th><td class=\"num\">£23,454.54</td>")
    );
    assert!(r.body.contains("2026-03-31 Risk-share settlement 2025/26: council  ; ref:settle-2025-26-council partner:council source:grant\n  assets:bank  £6,545.46"), "{}", r.body);
    let j = wes
        .get(
            &app.router,
            "/api/places/westmere/settlement/westmere-agreement",
        )
        .await
        .json();
    assert!(j.is_object());
    // Not an agreement, or another place's: 404.
    assert_eq!(
        wes.get(&app.router, "/p/westmere/settlement/westmere-year-end")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut admin = Browser::login(&app, "admin").await;
    assert_eq!(
        admin
            .get(&app.router, "/p/westmere/settlement/westmere-agreement")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Downloads: CSV as the command line's CSV, XLSX a zip workbook.
    let r = admin
        .get(
            &app.router,
            "/p/northshire/download/monitoring/northshire-bcf?format=csv",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("northshire-bcf-monitoring.csv")
    );
    assert!(
        r.body.contains("community-nursing,nhs-minimum,2400000.00"),
        "{}",
        r.body
    );
    let resp = app
        .router
        .clone()
        .oneshot(
            Request::get("/p/northshire/download/appraisal/family-support?format=xlsx")
                .header(header::COOKIE, admin.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX workbook is a zip file");
    let r = admin
        .get(
            &app.router,
            "/p/northshire/download/monitoring/northshire-bcf?format=pdf",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body
            .contains("format: &#39;pdf&#39; is not a download format")
    );
    assert_eq!(
        admin
            .get(&app.router, "/p/northshire/download/nothing/northshire-bcf")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.db.finish().await;
}

const FAMILY_SUPPORT: &str = include_str!("../../../examples/family-support.toml");

#[tokio::test]
async fn administrators_add_users_who_can_then_log_in() {
    let app = app().await;
    let mut admin = Browser::login(&app, "admin").await;
    let csrf = admin.csrf.clone();
    let r = admin.get(&app.router, "/p/northshire/users").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<th scope=\"row\">icb-lead</th>"));
    let r = admin
        .post_form(
            &app.router,
            "/p/northshire/users",
            &form(&[
                ("csrf", &csrf),
                ("username", "police-lead"),
                ("display_name", "Pat Police"),
                ("role", "partner-finance-lead"),
                ("partner", "icb"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let password = r
        .body
        .split("with the password <code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(password.len(), 16);
    let mut new = Browser::default();
    assert_eq!(
        new.try_login(&app.router, "police-lead", &password)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(audit_actions(&app.db.store).await.contains(&(
        "admin".to_string(),
        "user.create".to_string(),
        "user:police-lead".to_string()
    )));
    // Bad users name the field; nothing is saved.
    for (fields, field) in [
        (
            vec![
                ("username", "police-lead"),
                ("display_name", "Again"),
                ("role", "viewer"),
            ],
            "username",
        ),
        (
            vec![
                ("username", "Bad Name"),
                ("display_name", "X"),
                ("role", "viewer"),
            ],
            "username",
        ),
        (
            vec![
                ("username", "someone"),
                ("display_name", "X"),
                ("role", "boss"),
            ],
            "role",
        ),
        (
            vec![
                ("username", "someone"),
                ("display_name", "X"),
                ("role", "partner-finance-lead"),
            ],
            "partner",
        ),
        (
            vec![
                ("username", "someone"),
                ("display_name", " "),
                ("role", "viewer"),
            ],
            "display_name",
        ),
    ] {
        let mut all = fields.clone();
        all.push(("csrf", &csrf));
        let r = admin
            .post_form(&app.router, "/p/northshire/users", &form(&all))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!("href=\"#{field}\"")),
            "{field}: {}",
            r.body
        );
    }
    assert_eq!(app.db.store.users("northshire").await.unwrap().len(), 7);
    // Only administrators manage users.
    let mut pm = Browser::login(&app, "pool-manager").await;
    assert_eq!(
        pm.get(&app.router, "/p/northshire/users").await.status,
        StatusCode::FORBIDDEN
    );
    let c = pm.csrf.clone();
    let r = pm
        .post_json(
            &app.router,
            "/api/places/northshire/users",
            serde_json::json!({"username": "x-user", "display_name": "X", "role": "administrator"}),
            Some(&c),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.db.finish().await;
}

#[tokio::test]
async fn documents_are_checked_by_their_readers_before_they_are_saved() {
    let app = app().await;
    // An analyst adds an appraisal, which then appears with its figures.
    let mut analyst = Browser::login(&app, "analyst").await;
    let csrf = analyst.csrf.clone();
    let r = analyst
        .post_form(
            &app.router,
            "/p/northshire/documents",
            &form(&[
                ("csrf", &csrf),
                ("kind", "appraisal"),
                ("id", "families-copy"),
                ("title", "Families, a copy"),
                ("content", FAMILY_SUPPORT),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/p/northshire/documents/families-copy");
    let list = analyst
        .get(&app.router, "/api/places/northshire/appraisals")
        .await
        .json();
    assert_eq!(list["appraisals"].as_array().unwrap().len(), 5);
    // A broken model: the reader's message, naming the line; nothing saved.
    let broken = format!("{FAMILY_SUPPORT}\nextra = [unclosed\n");
    let r = analyst
        .post_form(
            &app.router,
            "/p/northshire/documents",
            &form(&[
                ("csrf", &csrf),
                ("kind", "appraisal"),
                ("id", "broken"),
                ("title", "Broken"),
                ("content", &broken),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"content-error\""), "{}", r.body);
    assert!(
        r.body.contains("broken:"),
        "the message names the document and line: {}",
        r.body
    );
    assert!(
        app.db
            .store
            .document("northshire", "broken")
            .await
            .unwrap()
            .is_none()
    );
    // Analysts add appraisals only.
    let r = analyst
        .post_form(
            &app.router,
            "/p/northshire/documents",
            &form(&[
                ("csrf", &csrf),
                ("kind", "journal"),
                ("id", "j2"),
                ("title", "J"),
                ("content", ""),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut pm = Browser::login(&app, "pool-manager").await;
    let c = pm.csrf.clone();
    let westmere_journal = include_str!("../../../examples/ledger/westmere-year-end.journal");
    let westmere_agreement = include_str!("../../../examples/ledger/westmere-agreement.toml");
    for (kind, id, content, field, says) in [
        (
            "journal",
            "westmere",
            westmere_journal,
            "content",
            "this journal is for the place 'westmere', not 'northshire'",
        ),
        (
            "journal",
            "bad-journal",
            "2025-04-01 nonsense\n  x\n",
            "content",
            "bad-journal:",
        ),
        (
            "agreement",
            "westmere-rules",
            westmere_agreement,
            "content",
            "westmere-rules:",
        ),
        (
            "appraisal",
            "northshire-bcf",
            FAMILY_SUPPORT,
            "id",
            "is already a journal",
        ),
        ("deal", "a-deal", "x", "kind", "cannot be added here"),
        (
            "appraisal",
            "Not An Id",
            FAMILY_SUPPORT,
            "id",
            "is not an identifier",
        ),
    ] {
        let r = pm
            .post_json(
                &app.router,
                "/api/places/northshire/documents",
                serde_json::json!({"kind": kind, "id": id, "title": "T", "content": content}),
                Some(&c),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind} {id}: {}",
            r.body
        );
        let j = r.json();
        assert_eq!(j["field"], field, "{kind} {id}: {j}");
        assert!(
            j["error"].as_str().unwrap().contains(says),
            "{kind} {id}: {j}"
        );
    }
    // The fourteen seeded and the one added.
    assert_eq!(
        app.db
            .store
            .documents("northshire", None)
            .await
            .unwrap()
            .len(),
        15
    );
    app.db.finish().await;
}

/// The Northshire deal, loaded from the place's documents, as `oneplace
/// deal balance examples/deal/northshire-deal.toml` shows it (snapshot
/// `deal__deal_balance_table.snap`).
#[tokio::test]
async fn the_deal_is_built_from_the_places_documents() {
    let app = app().await;
    let mut viewer = Browser::login(&app, "viewer").await;
    let r = viewer
        .get(&app.router, "/p/northshire/deals/northshire-deal")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Northshire Families and Work Deal"));
    for figure in [
        "£617,394.09",
        "-£83,127.72",
        "£2,093,949.33",
        "£1,522,433.33",
    ] {
        assert!(r.body.contains(figure), "{figure} missing");
    }
    assert!(r.body.contains("<svg"), "the deal's charts are shown");
    let j = viewer
        .get(&app.router, "/api/places/northshire/deals/northshire-deal")
        .await
        .json();
    assert_eq!(j["name"], "Northshire Families and Work Deal");
    assert!(j["balance"].is_object());
    let resp = app
        .router
        .clone()
        .oneshot(
            Request::get("/p/northshire/deals/northshire-deal/document?format=pdf")
                .header(header::COOKIE, viewer.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/pdf");
    let pdf = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let md = viewer
        .get(
            &app.router,
            "/p/northshire/deals/northshire-deal/document?format=md",
        )
        .await;
    assert!(
        md.body
            .starts_with("# Reform deal: Northshire Families and Work Deal"),
        "{}",
        &md.body[..200.min(md.body.len())]
    );
    // Not a deal: 404. Another place's: 404.
    assert_eq!(
        viewer
            .get(&app.router, "/p/northshire/deals/family-support")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut wes = Browser::login(&app, "westmere-manager").await;
    assert_eq!(
        wes.get(&app.router, "/p/northshire/deals/northshire-deal")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.db.finish().await;
}

/// Northshire's plan for 2026/27, as `oneplace pool contributions
/// examples/ledger/northshire-2026-27-plan.toml examples/ledger/northshire-bcf.journal`
/// shows it (snapshot `cli__northshire_contributions_2026_27.snap`).
#[tokio::test]
async fn next_years_contributions_from_the_plan() {
    let app = app().await;
    let mut pm = Browser::login(&app, "pool-manager").await;
    let r = pm
        .get(&app.router, "/p/northshire/plans/northshire-2026-27-plan")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("<h1>Northshire Better Care Fund: contributions for 2026/27</h1>")
    );
    assert!(
        r.body.contains(
            "Next year&#39;s contributions £5,420,552.00; payable by partners £5,390,552.00."
        ),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(
            "<th scope=\"row\">icb</th><td>nhs-minimum</td><td class=\"num\">£3,600,000.00</td>"
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("Contribution directives"));
    let j = pm
        .get(
            &app.router,
            "/api/places/northshire/plans/northshire-2026-27-plan",
        )
        .await;
    assert_eq!(j.status, StatusCode::OK);
    let csv = pm
        .get(
            &app.router,
            "/p/northshire/download/plan/northshire-2026-27-plan?format=csv",
        )
        .await;
    assert!(
        csv.body
            .contains("icb,nhs-minimum,3600000.00,120000.00,3720000.00"),
        "{}",
        csv.body
    );
    assert_eq!(
        pm.get(&app.router, "/p/northshire/plans/northshire-bcf")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.db.finish().await;
}

#[tokio::test]
async fn users_change_their_own_password() {
    let app = app().await;
    let mut here = Browser::login(&app, "analyst").await;
    let mut there = Browser::login(&app, "analyst").await;
    let csrf = here.csrf.clone();
    let old = app.passwords["analyst"].clone();
    let page = here.get(&app.router, "/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<label for=\"new_password\">New password</label>")
    );
    let change = |current: &str, new: &str, confirm: &str| {
        form(&[
            ("csrf", &csrf),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ])
    };
    for (body, field) in [
        (
            change("wrong", "a brand new password", "a brand new password"),
            "current_password",
        ),
        (change(&old, "short", "short"), "new_password"),
        (
            change(&old, "a brand new password", "a brand new passwore"),
            "confirm_password",
        ),
    ] {
        let r = here
            .post_form(&app.router, "/account/password", &body)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field}: {}",
            r.body
        );
    }
    let r = here
        .post_form(
            &app.router,
            "/account/password",
            &change(&old, "a brand new password", "a brand new password"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Your password has been changed."));
    // This session goes on; the other is logged out; the new password works.
    assert_eq!(
        here.get(&app.router, "/api/me").await.status,
        StatusCode::OK
    );
    assert_eq!(
        there.get(&app.router, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut fresh = Browser::default();
    assert_eq!(
        fresh.try_login(&app.router, "analyst", &old).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh
            .try_login(&app.router, "analyst", "a brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.db.finish().await;
}

#[tokio::test]
async fn administrators_disable_and_enable_users() {
    let app = app().await;
    let mut leaver = Browser::login(&app, "pool-manager").await;
    let mut admin = Browser::login(&app, "admin").await;
    let csrf = admin.csrf.clone();
    let page = admin.get(&app.router, "/p/northshire/users").await;
    assert!(page.body.contains("aria-label=\"Disable pool-manager\""));
    let r = admin
        .post_form(
            &app.router,
            "/p/northshire/users/pool-manager/access",
            &form(&[("csrf", &csrf), ("disabled", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Their session ends at once, and they cannot log in again.
    assert_eq!(
        leaver.get(&app.router, "/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut again = Browser::default();
    assert_eq!(
        again
            .try_login(&app.router, "pool-manager", &app.passwords["pool-manager"])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Not oneself; not another place's user; not by a non-administrator.
    let r = admin
        .post_form(
            &app.router,
            "/p/northshire/users/admin/access",
            &form(&[("csrf", &csrf), ("disabled", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_form(
            &app.router,
            "/p/northshire/users/westmere-manager/access",
            &form(&[("csrf", &csrf), ("disabled", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut analyst = Browser::login(&app, "analyst").await;
    let c = analyst.csrf.clone();
    let r = analyst
        .post_json(
            &app.router,
            "/api/places/northshire/users/viewer/access",
            serde_json::json!({"disabled": true}),
            Some(&c),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Enabled again, they log in.
    let r = admin
        .post_json(
            &app.router,
            "/api/places/northshire/users/pool-manager/access",
            serde_json::json!({"disabled": false}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["user"]["disabled"], false);
    assert_eq!(
        again
            .try_login(&app.router, "pool-manager", &app.passwords["pool-manager"])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.db.finish().await;
}

/// A `multipart/form-data` body, as a browser sends a form with a file
/// input: text fields in order, then the file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----oneplace-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"extract\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Browser {
    async fn post_multipart(
        &mut self,
        app: &Router,
        path: &str,
        (ct, body): (String, Vec<u8>),
    ) -> Reply {
        self.send(
            app,
            Request::post(path).header(header::CONTENT_TYPE, ct),
            Body::from(body),
        )
        .await
    }
}

async fn journal_text(app: &App) -> String {
    app.db
        .store
        .document("northshire", "northshire-bcf")
        .await
        .unwrap()
        .unwrap()
        .content
}

/// The extract as a file: CSRF checked, a bad row reported by row with
/// nothing saved, a file over the limit refused in words, then the good
/// file previewed and posted.
#[tokio::test]
async fn an_extract_is_uploaded_as_a_file() {
    let app = app().await;
    let mut lead = Browser::login(&app, "icb-lead").await;
    let csrf = lead.csrf.clone();
    let path = "/p/northshire/ledger/northshire-bcf/import";
    let before = journal_text(&app).await;
    let audit_before = app
        .db
        .store
        .audit_entries(None, 10_000)
        .await
        .unwrap()
        .len();

    // No token in the multipart form: refused before anything is read.
    let r = lead
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("mapping", "icb-mapping")],
                Some(("may.csv", EXTRACT.as_bytes())),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // A wrong token likewise.
    let r = lead
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("csrf", "0123"), ("mapping", "icb-mapping")],
                Some(("may.csv", EXTRACT.as_bytes())),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // An unknown cost centre on the second data row (row 3 of the file).
    let bad = EXTRACT.replacen("NC4101", "ZZ9999", 1);
    let r = lead
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("csrf", &csrf), ("mapping", "icb-mapping"), ("csv", "")],
                Some(("icb-may.csv", bad.as_bytes())),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("nothing was saved"));
    assert!(r.body.contains("row 3"), "{}", r.body);
    assert!(r.body.contains("ZZ9999"));
    assert_eq!(journal_text(&app).await, before);

    // Over the 4 MiB limit: a clear message, nothing saved.
    let mut huge = EXTRACT.as_bytes().to_vec();
    huge.resize(4 * 1024 * 1024 + 1, b' ');
    let r = lead
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("csrf", &csrf), ("mapping", "icb-mapping")],
                Some(("huge.csv", &huge)),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.body.contains("larger than the 4 MB limit"), "{}", r.body);
    assert_eq!(journal_text(&app).await, before);

    // Not UTF-8 text.
    let r = lead
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("csrf", &csrf), ("mapping", "icb-mapping")],
                Some(("may.xlsx", &[0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe][..])),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("not text in UTF-8"), "{}", r.body);

    // No file and nothing pasted.
    let r = lead
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("csrf", &csrf), ("mapping", "icb-mapping"), ("csv", "")],
                None,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("choose the extract"), "{}", r.body);
    assert_eq!(journal_text(&app).await, before);
    // No change was recorded, only the two refusals of the bad tokens.
    let audit = app.db.store.audit_entries(None, 10_000).await.unwrap();
    assert_eq!(audit.len(), audit_before + 2);

    // The good file (with a spreadsheet's byte-order mark): a preview …
    let with_bom = format!("\u{feff}{EXTRACT}");
    let r = lead
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("csrf", &csrf), ("mapping", "icb-mapping")],
                Some(("icb-may.csv", with_bom.as_bytes())),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("15 rows: 15 new transactions, 0 already in the ledger."),
        "{}",
        r.body
    );
    assert!(r.body.contains("Last checked: icb-may.csv."));
    assert_eq!(journal_text(&app).await, before);
    // … confirmed through the preview's form.
    let r = lead
        .post_form(
            &app.router,
            path,
            &form(&[
                ("csrf", &csrf),
                ("mapping", "icb-mapping"),
                ("csv", EXTRACT),
                ("confirm", "1"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_ne!(journal_text(&app).await, before);

    // The council's lead may not post the ICB's extract as a file either;
    // another place's pool is not found.
    let mut council = Browser::login(&app, "council-lead").await;
    let c = council.csrf.clone();
    let r = council
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("csrf", &c), ("mapping", "icb-mapping")],
                Some(("icb-may.csv", EXTRACT.as_bytes())),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut wes = Browser::login(&app, "westmere-manager").await;
    let c = wes.csrf.clone();
    let r = wes
        .post_multipart(
            &app.router,
            path,
            multipart(
                &[("csrf", &c), ("mapping", "icb-mapping")],
                Some(("icb-may.csv", EXTRACT.as_bytes())),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.db.finish().await;
}

/// The postings behind the monitoring report's figures. Expected figures
/// are read by hand from `examples/ledger/northshire-bcf.journal` (April,
/// 2025/26 M01): Home First £98,000.00 (NHS minimum, ICB-AP-4412) and
/// £24,500.00 (LA grant), community nursing £200,000.00, home care
/// £71,250.00 and £15,000.00; the ICB commissions Home First at 60% and
/// community nursing at 100%, so its actual is £58,800 + £14,700 +
/// £200,000 = £273,500.00, the council's £135,250.00; the pool £408,750.00.
#[tokio::test]
async fn each_monitoring_figure_opens_the_postings_behind_it() {
    let app = app().await;
    let mut viewer = Browser::login(&app, "viewer").await;
    let api = "/api/places/northshire/ledger/northshire-bcf/postings";
    let get = |q: &str| format!("{api}?period=2025%2F26+M01{q}");

    let line = viewer
        .get(&app.router, &get("&scheme=home-first&source=nhs-minimum"))
        .await;
    assert_eq!(line.status, StatusCode::OK, "{}", line.body);
    let j = line.json();
    assert_eq!(j["postings"].as_array().unwrap().len(), 1);
    let p = &j["postings"][0];
    assert_eq!(p["date"], "2025-04-30");
    assert_eq!(p["reference"], "ICB-AP-4412");
    assert_eq!(p["partner"], "icb");
    assert_eq!(p["source"], "nhs-minimum");
    assert_eq!(p["amount"], 98_000.0);
    assert_eq!(j["actual"], 98_000.0);
    assert_eq!(j["report_actual"], 98_000.0);

    let scheme = viewer
        .get(&app.router, &get("&scheme=home-first"))
        .await
        .json();
    assert_eq!(scheme["postings"].as_array().unwrap().len(), 2);
    assert_eq!(scheme["actual"], 122_500.0);
    assert_eq!(scheme["report_actual"], 122_500.0);
    let home_care = viewer
        .get(&app.router, &get("&scheme=home-care"))
        .await
        .json();
    assert_eq!(home_care["actual"], 86_250.0);

    let icb = viewer.get(&app.router, &get("&partner=icb")).await.json();
    assert_eq!(icb["postings"].as_array().unwrap().len(), 3);
    assert_eq!(icb["postings_total"], 322_500.0);
    let shares: Vec<(String, f64)> = icb["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                format!(
                    "{} {}",
                    s["scheme"].as_str().unwrap(),
                    s["source"].as_str().unwrap()
                ),
                s["share"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(
        shares.contains(&("home-first nhs-minimum".into(), 58_800.0)),
        "{shares:?}"
    );
    assert!(
        shares.contains(&("home-first la-grant".into(), 14_700.0)),
        "{shares:?}"
    );
    assert!(
        shares.contains(&("community-nursing nhs-minimum".into(), 200_000.0)),
        "{shares:?}"
    );
    assert_eq!(icb["actual"], 273_500.0);
    assert_eq!(icb["report_actual"], 273_500.0);
    let council = viewer
        .get(&app.router, &get("&partner=county-council"))
        .await
        .json();
    assert_eq!(council["actual"], 135_250.0);
    let total = viewer.get(&app.router, &get("")).await.json();
    assert_eq!(total["postings"].as_array().unwrap().len(), 5);
    assert_eq!(total["actual"], 408_750.0);

    // Unknown names and mixed filters are not found; a bad period is 400.
    for q in [
        "&scheme=nowhere",
        "&partner=nobody",
        "&source=la-grant",
        "&partner=icb&scheme=home-first",
    ] {
        let r = viewer.get(&app.router, &get(q)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{q}");
    }
    let r = viewer.get(&app.router, &format!("{api}?period=M13")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The page: the postings with their total, which agrees with the report.
    let page = viewer
        .get(
            &app.router,
            "/p/northshire/ledger/northshire-bcf/postings?period=2025%2F26+M01&scheme=home-first",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("NCC-GL-77120"));
    assert!(
        page.body
            .contains("<td class=\"num\" id=\"postings-total\">£122,500.00</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("The postings add up to the monitoring report's figure.")
    );
    // The monitoring report links each row to its postings.
    let report = viewer
        .get(&app.router, "/p/northshire/ledger/northshire-bcf")
        .await;
    assert!(report.body.contains(
        "<a href=\"/p/northshire/ledger/northshire-bcf/postings?period=2025%2F26+M01&amp;scheme=home-first&amp;source=nhs-minimum\">home-first</a>"
    ), "{}", report.body);
    assert!(
        report
            .body
            .contains("postings?period=2025%2F26+M01&amp;partner=icb\">icb</a>")
    );
    // The overview's chart, with its table.
    let overview = viewer.get(&app.router, "/p/northshire").await;
    assert!(
        overview
            .body
            .contains("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
    );
    assert_eq!(
        overview.body.matches("<g class=\"line flagged\">").count(),
        2,
        "two lines over materiality"
    );
    assert!(
        overview
            .body
            .contains("Postings for community-nursing, nhs-minimum")
    );
    // As a download.
    let csv = viewer
        .get(&app.router, "/p/northshire/download/postings/northshire-bcf?format=csv&period=2025%2F26+M01&partner=icb")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("ICB-AP-4413"), "{}", csv.body);
    assert!(
        csv.body.contains("273500") || csv.body.contains("273,500"),
        "{}",
        csv.body
    );

    // After the ICB's May extract, Home First's NHS line for M02 is April's
    // £98,000.00 and May's Home First rows (£97,066.15, summed by hand).
    let mut lead = Browser::login(&app, "icb-lead").await;
    let c = lead.csrf.clone();
    let r = lead
        .post_json(
            &app.router,
            "/api/places/northshire/ledger/northshire-bcf/import",
            serde_json::json!({"mapping": "icb-mapping", "csv": EXTRACT, "confirm": true}),
            Some(&c),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let m02 = viewer
        .get(
            &app.router,
            &format!("{api}?period=2025%2F26+M02&scheme=home-first&source=nhs-minimum"),
        )
        .await
        .json();
    assert_eq!(m02["postings"].as_array().unwrap().len(), 1 + 8);
    assert_eq!(m02["actual"], 195_066.15);
    assert_eq!(m02["report_actual"], 195_066.15);

    // Another place's pool is not found.
    let mut wes = Browser::login(&app, "westmere-manager").await;
    let r = wes.get(&app.router, &get("")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = wes
        .get(&app.router, "/p/northshire/ledger/northshire-bcf/postings")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.db.finish().await;
}

/// Contributions (`examples/ledger/northshire-bcf.journal`: the ICB's NHS
/// minimum £3,600,000 in quarters, the council's grant £1,200,000 in
/// quarters and its additional £240,000 once) edited by the partners' leads
/// and the pool manager.
#[tokio::test]
async fn partner_leads_edit_their_own_contributions_only() {
    let app = app().await;
    let api = "/api/places/northshire/ledger/northshire-bcf/contributions";
    let mut lead = Browser::login(&app, "icb-lead").await;
    let csrf = lead.csrf.clone();
    let list = lead.get(&app.router, api).await.json();
    let icb = list["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["partner"] == "icb")
        .unwrap()
        .clone();
    assert_eq!(icb["amount"], 3_600_000.0);
    assert_eq!(icb["instalments"].as_array().unwrap().len(), 4);
    assert_eq!(icb["instalments"][0]["amount"], 900_000.0);

    // The list page offers the lead an edit of its own contribution only.
    let page = lead
        .get(
            &app.router,
            "/p/northshire/ledger/northshire-bcf/contributions",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Edit icb's nhs-minimum contribution"));
    assert!(!page.body.contains("Edit county-council"));

    // Its own: £3,720,000 monthly is £310,000 a month.
    let form_path = "/p/northshire/ledger/northshire-bcf/contributions/icb/nhs-minimum";
    let r = lead
        .post_form(
            &app.router,
            form_path,
            &form(&[
                ("csrf", &csrf),
                ("year", "2025/26"),
                ("amount", "£3,720,000"),
                ("client_income", ""),
                ("schedule", "monthly"),
                ("instalments", ""),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = lead.get(&app.router, api).await.json();
    let icb = list["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["partner"] == "icb")
        .unwrap()
        .clone();
    assert_eq!(icb["amount"], 3_720_000.0);
    assert_eq!(icb["instalments"].as_array().unwrap().len(), 12);
    assert_eq!(icb["instalments"][0]["amount"], 310_000.0);
    let last = &app
        .db
        .store
        .audit_entries(Some("northshire"), 1)
        .await
        .unwrap()[0];
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("icb-lead", "contribution.update")
    );
    assert!(last.detail.contains("£3,600,000"), "{}", last.detail);
    assert!(last.detail.contains("£3,720,000.00"), "{}", last.detail);
    assert!(
        last.detail.contains("instalments monthly"),
        "{}",
        last.detail
    );

    // Another partner's: 403 with an audit entry, nothing saved; the form
    // is not even shown.
    let before = journal_text(&app).await;
    let other = "/p/northshire/ledger/northshire-bcf/contributions/county-council/la-grant";
    let r = lead
        .get(&app.router, &format!("{other}?year=2025%2F26"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = lead
        .post_form(
            &app.router,
            other,
            &form(&[
                ("csrf", &csrf),
                ("year", "2025/26"),
                ("amount", "£1"),
                ("schedule", "annual"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = lead
        .post_json(
            &app.router,
            &format!("{api}/county-council/la-grant"),
            serde_json::json!({"year": "2025/26", "amount": "£1", "schedule": "annual"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(journal_text(&app).await, before);
    let denied: Vec<_> = audit_actions(&app.db.store)
        .await
        .into_iter()
        .filter(|a| a.0 == "icb-lead" && a.1 == "access.denied")
        .collect();
    assert_eq!(denied.len(), 3, "{denied:?}");
    assert!(
        denied
            .iter()
            .all(|a| a.2.contains("county-council/la-grant"))
    );

    // Without the CSRF token: refused.
    let r = lead
        .post_form(
            &app.router,
            form_path,
            &form(&[
                ("year", "2025/26"),
                ("amount", "£1"),
                ("schedule", "annual"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Bad input: every field's problem, nothing saved.
    let r = lead
        .post_form(
            &app.router,
            form_path,
            &form(&[
                ("csrf", &csrf),
                ("year", "2025/26"),
                ("amount", "lots"),
                ("client_income", "-£5"),
                ("schedule", "listed"),
                ("instalments", "first of April £100"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("amount: &#39;lots&#39; is not an amount"),
        "{}",
        r.body
    );
    assert!(r.body.contains("client_income: must not be negative"));
    assert!(r.body.contains("instalments: line 1"));
    assert!(r.body.contains("nothing was saved"));
    // Listed instalments that do not add up: the journal's reader refuses them.
    let r = lead
        .post_json(
            &app.router,
            &format!("{api}/icb/nhs-minimum"),
            serde_json::json!({"year": "2025/26", "amount": "£3,720,000", "schedule": "listed",
                "instalments": [["2025-04-01", "£1,000,000"], ["2025-10-01", "£1,000,000"]]}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "instalments");
    assert_eq!(journal_text(&app).await, before);
    // An unknown contribution, another place: not found.
    let r = lead
        .get(
            &app.router,
            "/p/northshire/ledger/northshire-bcf/contributions/icb/la-grant",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut wes = Browser::login(&app, "westmere-manager").await;
    let c = wes.csrf.clone();
    let r = wes
        .post_json(
            &app.router,
            &format!("{api}/icb/nhs-minimum"),
            serde_json::json!({"year": "2025/26", "amount": "£1", "schedule": "annual"}),
            Some(&c),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The pool manager may change the council's: listed instalments.
    let mut manager = Browser::login(&app, "pool-manager").await;
    let c = manager.csrf.clone();
    let r = manager
        .post_json(
            &app.router,
            &format!("{api}/county-council/council-additional"),
            serde_json::json!({"year": "2025/26", "amount": "£250,000", "client_income": "£10,000", "schedule": "listed",
                "instalments": [["2025-04-01", "£120,000"], ["2025-10-01", "£120,000"]]}),
            Some(&c),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = &r.json()["contribution"];
    assert_eq!(c["amount"], 250_000.0);
    assert_eq!(c["client_income"], 10_000.0);
    assert_eq!(c["net"], 240_000.0);
    assert_eq!(c["instalments"][1]["date"], "2025-10-01");
    let last = &app
        .db
        .store
        .audit_entries(Some("northshire"), 1)
        .await
        .unwrap()[0];
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("pool-manager", "contribution.update")
    );
    // The journal still loads (the overview reads it).
    let r = manager.get(&app.router, "/api/places/northshire").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("cannot be read"));
    app.db.finish().await;
}

/// The measured results the demo seeds (`examples/deal/families-results.json`):
/// police £212,400.00 gross and £96,300.00 net, DWP £148,900.00 and
/// £61,200.00, with their intervals and the appraisal's expectations.
#[tokio::test]
async fn measured_results_are_shown_gross_and_net() {
    let app = app().await;
    let mut viewer = Browser::login(&app, "viewer").await;
    let r = viewer
        .get(
            &app.router,
            "/api/places/northshire/results/families-results",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["savings"][0]["agency"], "police");
    assert_eq!(j["savings"][0]["gross"], 212_400.0);
    assert_eq!(j["savings"][0]["net"], 96_300.0);
    assert_eq!(j["savings"][1]["agency"], "dwp");
    assert_eq!(j["savings"][1]["net"], 61_200.0);
    let page = viewer
        .get(&app.router, "/p/northshire/results/families-results")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Gross savings (before and after, not impact)")
    );
    assert!(
        page.body.contains("<td class=\"num\">£96,300.00</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
    );
    // The net savings' intervals and the appraisal's expectation, as the
    // file gives them.
    assert!(
        page.body.contains("£41,800.00 to £150,900.00"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<td class=\"num\">£120,000.00</td>"));
    assert!(page.body.contains("Gross change (not impact)"));
    // Not results, another place's: not found.
    let r = viewer
        .get(&app.router, "/p/northshire/results/northshire-bcf")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut wes = Browser::login(&app, "westmere-manager").await;
    let r = wes
        .get(
            &app.router,
            "/api/places/northshire/results/families-results",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.db.finish().await;
}

const ICB_READINESS: &str = include_str!("../../../examples/deal/readiness/icb.toml");

/// The ICB's scores in `examples/deal/readiness/icb.toml`.
fn icb_scores() -> serde_json::Map<String, serde_json::Value> {
    let scores = ICB_READINESS
        .split("[scores]")
        .nth(1)
        .unwrap()
        .split("[comments]")
        .next()
        .unwrap();
    scores
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                serde_json::json!(v.trim().parse::<u8>().unwrap()),
            )
        })
        .collect()
}

/// The readiness survey: sensible geography is scored 3 by the county
/// council, 2 by the ICB and 4 by the police in `examples/deal/readiness/`
/// (mean 3, spread 2); the ICB changing its score to 5 makes the mean 4
/// and the lowest 3.
#[tokio::test]
async fn partners_answer_the_readiness_survey() {
    let app = app().await;
    let mut lead = Browser::login(&app, "icb-lead").await;
    let csrf = lead.csrf.clone();
    let pooled = "/api/places/northshire/deals/northshire-deal/readiness";
    let item = |j: &serde_json::Value, id: &str| {
        j["readiness"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    let j = lead.get(&app.router, pooled).await.json();
    let g = item(&j, "sensible-geography");
    assert_eq!(g["mean"], 3.0);
    assert_eq!(g["spread"], 2);
    assert_eq!(g["disagreement"], true);

    let page_path = "/p/northshire/deals/northshire-deal/readiness/icb";
    let page = lead.get(&app.router, page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("value=\"Chief Finance Officer\""));
    assert!(
        page.body
            .contains("name=\"score-sensible-geography\" value=\"2\" checked")
    );
    // The deal page links the lead to its own survey only.
    let deal = lead
        .get(&app.router, "/p/northshire/deals/northshire-deal")
        .await;
    assert!(
        deal.body
            .contains("answer for Northshire Integrated Care Board")
    );
    assert!(!deal.body.contains("answer for Northshire Police"));

    // Without the CSRF token: refused.
    let r = lead
        .post_form(&app.router, page_path, &form(&[("respondent", "Mallory")]))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A missing score and no respondent: 422, nothing saved.
    let before = app
        .db
        .store
        .document("northshire", "readiness-icb")
        .await
        .unwrap()
        .unwrap()
        .content;
    let mut fields: Vec<(String, String)> = icb_scores()
        .into_iter()
        .filter(|(k, _)| k != "trust")
        .map(|(k, v)| (format!("score-{k}"), v.to_string()))
        .collect();
    fields.push(("csrf".into(), csrf.clone()));
    let body: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = lead.post_form(&app.router, page_path, &form(&body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("respondent: say who answered"));
    assert!(r.body.contains("Trust"), "{}", r.body);
    assert_eq!(
        app.db
            .store
            .document("northshire", "readiness-icb")
            .await
            .unwrap()
            .unwrap()
            .content,
        before
    );

    // Answered in full, sensible geography now 5.
    let mut fields: Vec<(String, String)> = icb_scores()
        .into_iter()
        .map(|(k, v)| {
            let v = if k == "sensible-geography" {
                "5".to_string()
            } else {
                v.to_string()
            };
            (format!("score-{k}"), v)
        })
        .collect();
    fields.push(("csrf".into(), csrf.clone()));
    fields.push(("respondent".into(), "Chief Finance Officer".into()));
    fields.push(("date".into(), "2026-03-01".into()));
    fields.push((
        "comment-trust".into(),
        "Better since the \"joint\" board".into(),
    ));
    let body: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = lead.post_form(&app.router, page_path, &form(&body)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let j = lead.get(&app.router, pooled).await.json();
    let g = item(&j, "sensible-geography");
    assert_eq!(g["mean"], 4.0);
    assert_eq!(g["lowest"], 3);
    assert_eq!(g["highest"], 5);
    let last = &app
        .db
        .store
        .audit_entries(Some("northshire"), 1)
        .await
        .unwrap()[0];
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("icb-lead", "readiness.update")
    );
    let saved = lead.get(&app.router, page_path).await;
    assert!(
        saved
            .body
            .contains("value=\"Better since the &quot;joint&quot; board\""),
        "{}",
        saved.body
    );

    // Another partner's survey: 403 and an audit entry; an unknown partner
    // and another place: 404.
    let r = lead
        .get(
            &app.router,
            "/p/northshire/deals/northshire-deal/readiness/police",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = lead
        .post_json(
            &app.router,
            "/api/places/northshire/deals/northshire-deal/readiness/police",
            serde_json::json!({"respondent": "Mallory", "scores": icb_scores()}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let last = &app
        .db
        .store
        .audit_entries(Some("northshire"), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.action, "access.denied");
    let r = lead
        .get(
            &app.router,
            "/p/northshire/deals/northshire-deal/readiness/nobody",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut wes = Browser::login(&app, "westmere-manager").await;
    let r = wes.get(&app.router, pooled).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.db.finish().await;
}

/// The shared estate (`examples/estate/register.csv`: 39 sites; County Hall,
/// C-001, at 52.740719, -0.628217) as a map and a table.
#[tokio::test]
async fn the_estate_is_drawn_as_a_map_with_its_sites_listed() {
    let app = app().await;
    let mut viewer = Browser::login(&app, "viewer").await;
    let j = viewer
        .get(&app.router, "/api/places/northshire/estate")
        .await
        .json();
    let sites = j["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 39);
    let hall = sites.iter().find(|s| s["reference"] == "C-001").unwrap();
    assert_eq!(hall["name"], "County Hall");
    assert_eq!(hall["location"]["lat"], 52.740719);
    assert_eq!(hall["location"]["lon"], -0.628217);
    let page = viewer.get(&app.router, "/p/northshire/estate").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("role=\"img\""));
    assert!(page.body.contains("<th scope=\"row\">County Hall</th>"));
    assert!(page.body.contains("52.74072"));
    assert_eq!(page.body.matches("<tr id=\"site-").count(), 39);
    // A register is checked by the estate's reader before it is saved.
    let mut admin = Browser::login(&app, "admin").await;
    let csrf = admin.csrf.clone();
    let register = include_str!("../../../examples/estate/register.csv");
    let bad = register.replacen("52.740719", "north", 1);
    let r = admin
        .post_json(
            &app.router,
            "/api/places/northshire/documents",
            serde_json::json!({"id": "estate-register", "kind": "register", "title": "Register", "content": bad}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "content");
    let j = viewer
        .get(&app.router, "/api/places/northshire/estate")
        .await
        .json();
    assert_eq!(j["sites"].as_array().unwrap().len(), 39);
    let r = admin
        .post_json(
            &app.router,
            "/api/places/northshire/documents",
            serde_json::json!({"id": "estate-register", "kind": "register", "title": "Register", "content": register}),
            Some(&csrf),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);

    // Westmere keeps no register; Northshire's is not Westmere's to see.
    let mut wes = Browser::login(&app, "westmere-manager").await;
    assert_eq!(
        wes.get(&app.router, "/p/westmere/estate").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        wes.get(&app.router, "/api/places/northshire/estate")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.db.finish().await;
}

/// The new tables as downloads: the contributions of
/// `examples/ledger/northshire-bcf.journal` (the ICB's £3,600,000) and the
/// estate report of `examples/estate/` (County Hall among its sites).
#[tokio::test]
async fn the_new_tables_download_as_csv() {
    let app = app().await;
    let mut viewer = Browser::login(&app, "viewer").await;
    let r = viewer
        .get(
            &app.router,
            "/p/northshire/download/contributions/northshire-bcf?format=csv",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("nhs-minimum"), "{}", r.body);
    assert!(r.body.contains("3600000"), "{}", r.body);
    let r = viewer
        .get(
            &app.router,
            "/p/northshire/download/estate/register?format=csv",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("County Hall"));
    let mut wes = Browser::login(&app, "westmere-manager").await;
    let r = wes
        .get(
            &app.router,
            "/p/northshire/download/contributions/northshire-bcf?format=csv",
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.db.finish().await;
}

// ── appraisal inputs in a form, scenarios, simulation ────────────────

const EDIT: &str = "/p/northshire/appraisals/family-support/edit";

async fn stored(app: &App, place: &str, id: &str) -> String {
    app.db
        .store
        .document(place, id)
        .await
        .unwrap()
        .expect("the document")
        .content
}

/// The hidden `version` field of the edit form.
fn hidden_version(html: &str) -> String {
    let at = html
        .find("name=\"version\" value=\"")
        .expect("a version field")
        + "name=\"version\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Editing `examples/family-support.toml`'s one-off set-up cost (£180,000
/// in year 0, grade 3: 10% optimism bias, so £198,000 in the appraisal)
/// to £280,000 at grade 1 (no uplift) adds £82,000 to the present value
/// of costs in year 0 (undiscounted): the CLI's golden NPBI £2,261,119.64
/// and NPPV £3,913,622.07 each fall by exactly that.
#[tokio::test]
async fn an_analyst_edits_appraisal_inputs_and_sees_the_new_results() {
    let app = app().await;
    let mut analyst = Browser::login(&app, "analyst").await;
    let results = analyst
        .get(&app.router, "/p/northshire/appraisals/family-support")
        .await;
    assert!(results.body.contains("£2,261,119.64"));
    let page = analyst.get(&app.router, EDIT).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(
        "id=\"in-cost__set-up__amounts\" name=\"cost.set-up.amounts\" type=\"text\" value=\"180000\""
    ));
    assert!(page.body.contains("<svg"), "the results have charts");
    assert!(page.body.contains("£2,261,119.64"));
    let before = stored(&app, "northshire", "family-support").await;
    let csrf = hidden_csrf(&page.body);
    let version = hidden_version(&page.body);
    let r = analyst
        .post_form(
            &app.router,
            EDIT,
            &form(&[
                ("csrf", &csrf),
                ("version", &version),
                ("appraisal.years", "10"),
                ("cost.set-up.amounts", "280000"),
                ("cost.set-up.confidence", "1"),
                ("outcome.less-crime.success", "pert(0.2, 0.35, 0.45)"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{EDIT}?saved=2"));
    let a = analyst
        .get(
            &app.router,
            "/api/places/northshire/appraisals/family-support",
        )
        .await
        .json();
    assert!(
        (a["npbi"].as_f64().unwrap() - (2_261_119.64 - 82_000.0)).abs() < 0.005,
        "{}",
        a["npbi"]
    );
    assert!(
        (a["nppv"].as_f64().unwrap() - (3_913_622.07 - 82_000.0)).abs() < 0.005,
        "{}",
        a["nppv"]
    );
    let results = analyst
        .get(&app.router, "/p/northshire/appraisals/family-support")
        .await;
    assert!(
        results.body.contains("£2,179,119.64") && !results.body.contains("£2,261,119.64"),
        "the results page shows the changed model"
    );
    let page = analyst.get(&app.router, r.location()).await;
    assert!(page.body.contains("Saved: 2 inputs changed"));
    assert!(
        page.body.contains("£2,179,119.64"),
        "the page shows the new results"
    );
    // The text changed in those two lines only; comments are kept.
    let after = stored(&app, "northshire", "family-support").await;
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [
            ("amounts = [180000]", "amounts = [280000]"),
            ("confidence = 3", "confidence = 1")
        ]
    );
    assert_eq!(before.lines().count(), after.lines().count());
    // Audited: the document and the fields, before and after.
    let entries = app
        .db
        .store
        .audit_entries(Some("northshire"), 20)
        .await
        .unwrap();
    let e = entries
        .iter()
        .find(|e| e.action == "appraisal.inputs")
        .expect("an appraisal.inputs entry");
    assert_eq!(e.actor, "analyst");
    assert_eq!(e.target, "document:family-support");
    assert!(
        e.detail
            .contains("\"cost.set-up.amounts\":{\"after\":\"280000\",\"before\":\"180000\"}"),
        "{}",
        e.detail
    );
    assert!(
        entries
            .iter()
            .any(|e| e.action == "document.put" && e.actor == "analyst")
    );
    // The same form sent again is stale: nothing is saved.
    let r = analyst
        .post_form(
            &app.router,
            EDIT,
            &form(&[
                ("csrf", &csrf),
                ("version", &version),
                ("cost.set-up.amounts", "1"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("changed by someone else"));
    assert_eq!(stored(&app, "northshire", "family-support").await, after);
    app.db.finish().await;
}

#[tokio::test]
async fn bad_appraisal_inputs_are_shown_beside_their_fields_and_nothing_is_saved() {
    let app = app().await;
    let mut analyst = Browser::login(&app, "analyst").await;
    let before = stored(&app, "northshire", "family-support").await;
    let audit_before = audit_actions(&app.db.store).await.len();
    let csrf = analyst.csrf.clone();
    let r = analyst
        .post_form(
            &app.router,
            EDIT,
            &form(&[
                ("csrf", &csrf),
                ("outcome.less-crime.success", "lots"),
                ("cost.set-up.amounts", "280000"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let id = "in-outcome__less-crime__success";
    assert!(
        r.body.contains(&format!(
            "<p class=\"field-error\" id=\"{id}-error\">&#39;lots&#39; is not a share"
        )),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!(
        "aria-describedby=\"{id}-hint {id}-error\" aria-invalid=\"true\""
    )));
    assert!(r.body.contains("value=\"lots\""), "what was typed is kept");
    // Shares that pass the field check but not the engine's validator.
    let r = analyst
        .post_form(
            &app.router,
            EDIT,
            &form(&[
                ("csrf", &csrf),
                (
                    "outcome.less-crime.value.1.shares",
                    "police = 0.5, justice = 0.2",
                ),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("id=\"in-outcome__less-crime__value__1__shares-error\""),
        "{}",
        r.body
    );
    // The API says the same, by field.
    let r = analyst
        .post_json(
            &app.router,
            "/api/places/northshire/appraisals/family-support/inputs",
            serde_json::json!({"appraisal.years": "0"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "appraisal.years");
    assert_eq!(stored(&app, "northshire", "family-support").await, before);
    assert_eq!(
        audit_actions(&app.db.store).await.len(),
        audit_before,
        "nothing recorded, nothing saved"
    );
    // A good change by the API re-runs the appraisal.
    let r = analyst
        .post_json(
            &app.router,
            "/api/places/northshire/appraisals/family-support/inputs",
            serde_json::json!({"cost.set-up.amounts": "280000", "cost.set-up.confidence": "1"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert!((j["appraisal"]["npbi"].as_f64().unwrap() - 2_179_119.64).abs() < 0.005);
    assert_eq!(j["changed"].as_array().unwrap().len(), 2);
    app.db.finish().await;
}

#[tokio::test]
async fn appraisal_edits_and_simulations_are_for_analysts_and_administrators() {
    let app = app().await;
    let before = stored(&app, "northshire", "family-support").await;
    let mut viewer = Browser::login(&app, "viewer").await;
    let csrf = viewer.csrf.clone();
    assert_eq!(
        viewer.get(&app.router, EDIT).await.status,
        StatusCode::FORBIDDEN
    );
    let r = viewer
        .post_form(
            &app.router,
            EDIT,
            &form(&[("csrf", &csrf), ("cost.set-up.amounts", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = viewer
        .post_json(
            &app.router,
            "/api/places/northshire/appraisals/family-support/inputs",
            serde_json::json!({"cost.set-up.amounts": "1"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = viewer
        .post_form(
            &app.router,
            "/p/northshire/appraisals/family-support/simulation",
            &form(&[("csrf", &csrf), ("draws", "100"), ("seed", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A viewer still sees the inputs, the comparison and the simulation page.
    for p in [
        "/api/places/northshire/appraisals/family-support/inputs",
        "/p/northshire/appraisals/family-support/compare",
        "/p/northshire/appraisals/family-support/simulation",
    ] {
        assert_eq!(
            viewer.get(&app.router, p).await.status,
            StatusCode::OK,
            "{p}"
        );
    }
    let denied: Vec<_> = audit_actions(&app.db.store)
        .await
        .into_iter()
        .filter(|(actor, action, _)| actor == "viewer" && action == "access.denied")
        .map(|(_, _, target)| target)
        .rev()
        .collect();
    assert_eq!(
        denied,
        [
            format!("route:GET {EDIT}"),
            format!("route:POST {EDIT}"),
            "route:POST /api/places/northshire/appraisals/family-support/inputs".to_string(),
            "route:POST /p/northshire/appraisals/family-support/simulation".to_string(),
        ]
    );
    // Without the CSRF token: refused before anything else.
    let mut admin = Browser::login(&app, "admin").await;
    let r = admin
        .post_form(&app.router, EDIT, &form(&[("cost.set-up.amounts", "1")]))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = admin
        .post_json(
            &app.router,
            "/api/places/northshire/appraisals/family-support/simulation",
            serde_json::json!({"draws": 100, "seed": 1}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another place's appraisal, or an unknown one, is not found.
    let mut wes = Browser::login(&app, "westmere-manager").await;
    let wcsrf = wes.csrf.clone();
    for p in [
        EDIT,
        "/p/northshire/appraisals/family-support/compare",
        "/p/northshire/appraisals/family-support/simulation",
        "/api/places/northshire/appraisals/family-support/inputs",
        "/api/places/northshire/appraisals/family-support/compare",
        "/api/places/northshire/appraisals/family-support/simulation",
    ] {
        assert_eq!(
            wes.get(&app.router, p).await.status,
            StatusCode::NOT_FOUND,
            "{p}"
        );
    }
    let r = wes
        .post_form(
            &app.router,
            EDIT,
            &form(&[("csrf", &wcsrf), ("cost.set-up.amounts", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        admin
            .get(&app.router, "/p/northshire/appraisals/nothing/edit")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .get(&app.router, "/p/northshire/appraisals/northshire-bcf/edit")
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a journal is not an appraisal"
    );
    assert_eq!(stored(&app, "northshire", "family-support").await, before);
    app.db.finish().await;
}

/// The scenarios side by side agree with the CLI's golden `--sensitivity`
/// scenario table for `examples/family-support.toml`.
#[tokio::test]
async fn named_scenarios_are_compared_side_by_side() {
    let app = app().await;
    let mut viewer = Browser::login(&app, "viewer").await;
    let j = viewer
        .get(
            &app.router,
            "/api/places/northshire/appraisals/family-support/compare",
        )
        .await
        .json();
    let v = j["variants"].as_array().unwrap();
    let names: Vec<&str> = v.iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["As appraised", "Pessimistic", "Two intakes only"]);
    let close = |a: &serde_json::Value, b: f64| (a.as_f64().unwrap() - b).abs() < 0.005;
    assert!(close(&v[0]["nppv"], 3_913_622.07));
    assert!(close(&v[1]["npbi"], 877_830.40));
    assert!(close(&v[1]["nppv"], 1_964_176.98));
    assert!(close(&v[2]["nppv"], 2_589_950.39));
    // (Each figure is rounded to the penny, so their difference is within 1p.)
    let within_1p = |a: &serde_json::Value, b: f64| (a.as_f64().unwrap() - b).abs() < 0.0101;
    assert!(within_1p(
        &v[1]["difference"]["nppv"],
        1_964_176.98 - 3_913_622.07
    ));
    assert_eq!(v[1]["payback_discounted"], "2028/29");
    assert_eq!(v[1]["difference"]["payback_years"], 1);
    // Each agency's net positions sum to the NPBI (PV fiscal − PV costs).
    for x in v {
        let sum: f64 = x["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["net"].as_f64().unwrap())
            .sum();
        assert!((sum - x["npbi"].as_f64().unwrap()).abs() < 0.01);
    }
    let page = viewer
        .get(
            &app.router,
            "/p/northshire/appraisals/family-support/compare",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for figure in [
        "£3,913,622.07",
        "£1,964,176.98",
        "£2,589,950.39",
        "2028/29",
        "+1 year",
    ] {
        assert!(page.body.contains(figure), "{figure}");
    }
    // Two appraisals side by side: their own headline figures, as the
    // CLI's golden output gives each.
    let j = viewer
        .get(
            &app.router,
            "/api/places/northshire/appraisals/family-support/compare?with=integrated-care",
        )
        .await
        .json();
    let v = j["variants"].as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert!(close(&v[0]["npbi"], 2_261_119.64));
    let other = INTEGRATED_CARE_NPBI;
    assert!(close(&v[1]["npbi"], other));
    assert!(within_1p(&v[1]["difference"]["npbi"], other - 2_261_119.64));
    app.db.finish().await;
}

#[tokio::test]
async fn a_simulation_runs_in_the_background_with_its_progress() {
    let app = app().await;
    let mut analyst = Browser::login(&app, "analyst").await;
    let csrf = analyst.csrf.clone();
    let page_path = "/p/northshire/appraisals/family-support/simulation";
    let api = "/api/places/northshire/appraisals/family-support/simulation";
    assert_eq!(analyst.get(&app.router, api).await.json()["state"], "none");
    // Bad draws and seed: a message beside each field, nothing started.
    let r = analyst
        .post_form(
            &app.router,
            page_path,
            &form(&[("csrf", &csrf), ("draws", "5000000"), ("seed", "x")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("<p class=\"field-error\" id=\"draws-error\">")
    );
    assert!(r.body.contains("aria-describedby=\"seed-hint seed-error\""));
    assert_eq!(analyst.get(&app.router, api).await.json()["state"], "none");
    // A run, then another while it runs: one at a time.
    let r = analyst
        .post_form(
            &app.router,
            page_path,
            &form(&[("csrf", &csrf), ("draws", "200000"), ("seed", "7")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = analyst
        .post_json(
            &app.router,
            api,
            serde_json::json!({"draws": 100, "seed": 1}),
            Some(&csrf),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let running = analyst.get(&app.router, page_path).await.body;
    assert!(
        running.contains("<progress id=\"sim-progress\" max=\"200000\"")
            || running.contains("id=\"sim-results\""),
        "{running}"
    );
    let mut status = serde_json::Value::Null;
    for _ in 0..600 {
        status = analyst.get(&app.router, api).await.json();
        if status["state"] != "running" {
            break;
        }
        assert!(status["done"].as_u64().unwrap() <= 200_000);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["done"], 200_000);
    let report = &status["report"];
    assert_eq!(report["draws"], 200_000);
    assert_eq!(report["seed"], 7);
    let n = &report["nppv"];
    let count: u64 = n["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(count, 200_000);
    let (p5, p50, p95) = (
        n["p5"].as_f64().unwrap(),
        n["p50"].as_f64().unwrap(),
        n["p95"].as_f64().unwrap(),
    );
    // The deterministic NPPV (the CLI's golden £3,913,622.07) lies within
    // the simulated 5–95% range.
    assert!(
        p5 < 3_913_622.07 && 3_913_622.07 < p95 && p5 < p50 && p50 < p95,
        "{n}"
    );
    let page = analyst.get(&app.router, page_path).await.body;
    assert!(page.contains("<progress id=\"sim-progress\" max=\"200000\" value=\"200000\">"));
    assert!(page.contains("id=\"sim-stats\"") && page.contains("<svg"));
    // The same seed again gives the same figures.
    let r = analyst
        .post_json(
            &app.router,
            api,
            serde_json::json!({"draws": 200000, "seed": 7}),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    for _ in 0..600 {
        status = analyst.get(&app.router, api).await.json();
        if status["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status["report"]["nppv"]["p50"].as_f64(), Some(p50));
    assert!(
        audit_actions(&app.db.store)
            .await
            .iter()
            .filter(|(a, action, _)| a == "analyst" && action == "appraisal.simulate")
            .count()
            == 2
    );
    app.db.finish().await;
}

/// `examples/integrated-care.toml`'s NPBI, from the CLI's golden JSON.
const INTEGRATED_CARE_NPBI: f64 = -312_299.81;
