//! The OpenAPI 3.1 document served at `/api/openapi.json`, kept by hand:
//! one entry per API route below. A test holds this list to the routes the
//! router actually serves, both ways.

use serde_json::{Map, Value, json};

/// `(method, path, summary, what it returns)` for every route under `/api`.
pub const OPERATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "POST",
        "/api/session",
        "Log in with {\"username\", \"password\"}: sets the session cookie",
        "The user and the CSRF token to send as X-CSRF-Token.",
    ),
    (
        "DELETE",
        "/api/session",
        "Log out (ends the session)",
        "No content.",
    ),
    (
        "GET",
        "/api/me",
        "The logged-in user",
        "The user and the session's CSRF token.",
    ),
    (
        "GET",
        "/api/places/{place}",
        "The place's overview: partners and each pool's position for its latest month, with the lines over materiality",
        "Place, partners, pools.",
    ),
    (
        "GET",
        "/api/places/{place}/documents",
        "The place's documents (journals, appraisals, agreements, plans, deals), optionally of one ?kind=",
        "Document metadata.",
    ),
    (
        "GET",
        "/api/places/{place}/documents/{doc}",
        "One document with its text",
        "The document.",
    ),
    (
        "GET",
        "/api/places/{place}/ledger/{doc}/monitoring",
        "A pool's monitoring report for ?period= (default: the latest month with postings)",
        "The ledger's monitoring report, as `oneplace ledger report monitoring --format json`.",
    ),
    (
        "GET",
        "/api/places/{place}/ledger/{doc}/postings",
        "The postings behind a monitoring figure's actual to date, for ?period= and a line (?scheme=&source=), a scheme (?scheme=), a partner (?partner=: each line it commissions, with its share) or the whole pool (nothing)",
        "The postings (date, description, reference, partner, scheme, source, account, amount), their total, a partner's shares, and the monitoring report's own figure for comparison.",
    ),
    (
        "GET",
        "/api/places/{place}/ledger/{doc}/contributions",
        "Each partner's contributions to a pool: year, partner, funding source, amount, client income, net and instalments",
        "The contributions.",
    ),
    (
        "POST",
        "/api/places/{place}/ledger/{doc}/contributions/{partner}/{source}",
        "Change a contribution ({\"year\", \"amount\", \"client_income\", \"schedule\": quarterly|monthly|annual|listed, \"instalments\": [[date, amount], …]}); the journal is read again before it is saved; pool managers and administrators, or that partner's finance lead; audited with the directive before and after",
        "The contribution as saved.",
    ),
    (
        "POST",
        "/api/places/{place}/ledger/{doc}/import",
        "Post a partner's general-ledger extract ({\"mapping\": id, \"csv\": text, \"confirm\": bool}): a preview unless confirm is true; every problem by row and column, nothing saved; pool managers, administrators, or the mapping's partner's finance lead",
        "What was (or would be) posted.",
    ),
    (
        "GET",
        "/api/places/{place}/settlement/{doc}",
        "A risk-share agreement settled against the place's ledger: every step of the waterfall, each partner's figure, and the settlement transactions",
        "The settlement, as `oneplace pool settle --format json`.",
    ),
    (
        "POST",
        "/api/places/{place}/documents",
        "Add or replace a document ({\"id\", \"kind\": journal|appraisal|agreement|mapping|plan|estate|register, \"title\", \"content\"}), checked by its reader first (administrators and pool managers; analysts for appraisals)",
        "The document's metadata (201).",
    ),
    (
        "GET",
        "/api/places/{place}/users",
        "The place's users (administrators)",
        "Users.",
    ),
    (
        "POST",
        "/api/places/{place}/users",
        "Add a user ({\"username\", \"display_name\", \"role\", \"partner\"}); the generated password is returned once (administrators)",
        "The user and their password (201).",
    ),
    (
        "GET",
        "/api/places/{place}/deals/{doc}",
        "A reform deal loaded with the evidence it cites (the place's appraisals, journals, results and readiness surveys): its balance for each party",
        "The deal's name and balance, as `oneplace deal balance --format json`.",
    ),
    (
        "GET",
        "/api/places/{place}/results/{doc}",
        "A measurement's results: outcomes, savings by agency (gross change labelled gross, net impact by difference in differences with its interval where given) and the appraisal's expected savings beside them",
        "The savings by agency and the results document as stored.",
    ),
    (
        "GET",
        "/api/places/{place}/deals/{doc}/readiness",
        "The deal's readiness survey pooled: each item's scores, mean, lowest, highest, spread and disagreement, the tier met and the menu of credible asks",
        "The deal's partners and the pooled readiness, as the deal's loader makes it.",
    ),
    (
        "POST",
        "/api/places/{place}/deals/{doc}/readiness/{partner}",
        "A partner's answers to the readiness questionnaire ({\"respondent\", \"date\", \"scores\": {item: 1..scale}, \"comments\": {item: text}}), checked by the deal's reader and saved as the partner's readiness file; that partner's finance lead, pool managers, administrators",
        "The pooled readiness after the change.",
    ),
    (
        "GET",
        "/api/places/{place}/estate",
        "The shared estate: the estate register's sites (with their coordinates) and the co-location candidates",
        "The estate's partners, sites and co-location candidates.",
    ),
    (
        "GET",
        "/api/places/{place}/plans/{doc}",
        "A contribution plan worked out against the place's ledger: next year's contributions, their build-up and instalments",
        "Next year's contributions, as `oneplace pool contributions --format json`.",
    ),
    (
        "POST",
        "/api/places/{place}/users/{username}/access",
        "Disable a user ({\"disabled\": true}: they cannot log in and their sessions end) or enable them again (administrators; not oneself)",
        "The user.",
    ),
    (
        "GET",
        "/api/places/{place}/appraisals",
        "The place's appraisals with their headline figures",
        "Appraisals.",
    ),
    (
        "GET",
        "/api/places/{place}/appraisals/{doc}",
        "One appraisal's results",
        "The appraisal, as `oneplace appraise --format json`.",
    ),
    (
        "GET",
        "/api/places/{place}/appraisals/{doc}/inputs",
        "An appraisal model's main inputs as the edit form shows them, by name (settings; each cost's amounts and grade; each outcome's cohort, rates, profile and value lines), with the model's version",
        "Groups of fields: name, label, kind, current text.",
    ),
    (
        "POST",
        "/api/places/{place}/appraisals/{doc}/inputs",
        "Change inputs ({\"name\": \"text\", …, optionally \"version\"}): each field is checked, then the whole model by the appraisal engine; saved into the model's TOML (comments kept) only if all is right, and audited (administrators, pool managers, analysts)",
        "The fields changed, the new version and the appraisal re-run; 422 with {\"errors\": {field: message}} and nothing saved.",
    ),
    (
        "GET",
        "/api/places/{place}/appraisals/{doc}/compare",
        "The appraisal and each of its named scenarios side by side (or, with ?with=another, two appraisals): NPBI, returns, NPPV, payback, each agency's net, and each variant's difference from the first",
        "Variants with their differences.",
    ),
    (
        "GET",
        "/api/places/{place}/appraisals/{doc}/simulation",
        "The appraisal's latest simulation: state (none, running, done, failed), draws done of draws asked, and when done the statistics and histograms",
        "The run's status, and its report as `oneplace appraise --simulate N --seed S --format json` gives it.",
    ),
    (
        "POST",
        "/api/places/{place}/appraisals/{doc}/simulation",
        "Start a simulation ({\"draws\": N up to 200,000, \"seed\": S}) on a background thread; one run per appraisal at a time (409 while one runs); administrators, pool managers, analysts",
        "202 with the run's status; poll GET for progress.",
    ),
    (
        "GET",
        "/api/places/{place}/partners",
        "The place's partners",
        "Partners.",
    ),
    (
        "POST",
        "/api/places/{place}/partners/{partner}",
        "Change a partner's finance contact ({\"contact_name\", \"contact_email\"}); a partner finance lead may change only their own partner",
        "The partner as saved.",
    ),
    (
        "GET",
        "/api/places/{place}/audit",
        "The place's latest audit entries and whether the whole chain verifies (administrators, pool managers, viewers)",
        "Entries and the verdict.",
    ),
    (
        "GET",
        "/api/ucd",
        "Search the Unit Cost Database: ?q=words&limit=N",
        "Matching entries with values uprated to the database's price year.",
    ),
    ("GET", "/api/openapi.json", "This document", "OpenAPI 3.1."),
];

fn parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect()
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for &(method, path, summary, returns) in OPERATIONS {
        let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let mut responses = json!({
            "200": {"description": returns, "content": {"application/json": {}}},
            "401": {"description": "Not logged in."},
            "403": {"description": "The user's role does not allow this, or the CSRF token is missing (recorded in the audit log)."},
            "404": {"description": "No such thing in the user's place (another place's data is never shown)."},
        });
        if method != "GET" {
            responses["422"] = json!({"description": "A field is wrong: {\"error\", \"field\"}; nothing was saved."});
        }
        let mut op = json!({
            "summary": summary,
            "operationId": format!("{} {}", method.to_lowercase(), path),
            "parameters": parameters(path),
            "responses": responses,
        });
        if method != "GET" && path != "/api/session" {
            op["parameters"].as_array_mut().expect("an array").push(json!({
                "name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"},
                "description": "The session's CSRF token (from POST /api/session or GET /api/me)."
            }));
        }
        item[method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "oneplace",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The partnership's shared workspace: a place's pools, appraisals, partners and audit log. Log in with POST /api/session; the session is a cookie.",
        },
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}},
        },
        "security": [{"session": []}],
        "paths": paths,
    })
}
