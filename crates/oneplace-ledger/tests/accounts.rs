//! Partners' accounts, worked by hand: the Westmere pool at the year end,
//! and a small pool with client income and a surplus.

use oneplace_core::{FinancialYear, Money};
use oneplace_ledger::report::partner_accounts;
use oneplace_ledger::{Journal, Ledger, load};

fn ledger(name: &str, text: &str) -> Ledger {
    load(&[Journal { name, text }]).unwrap_or_else(|e| panic!("{e}"))
}

fn westmere() -> Ledger {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/westmere-year-end.journal"
    );
    ledger(
        "westmere-year-end.journal",
        &std::fs::read_to_string(path).unwrap(),
    )
}

fn pounds(p: &str) -> Money {
    Money::parse(p).unwrap()
}

fn year() -> FinancialYear {
    FinancialYear::starting(2025)
}

#[test]
fn westmere_partners_accounts() {
    let a = partner_accounts(&westmere(), year());
    // Contributions £900,000 + £900,000 + £200,000 = £2,000,000; spending
    // 1,060,000 + 350,000 + 440,000 + 150,000 = £2,000,000: no surplus.
    assert_eq!(a.total_income, pounds("2,000,000"));
    assert_eq!(a.total_expenditure, pounds("2,000,000"));
    assert_eq!(a.surplus, Money::ZERO);

    // Joint operation: shares 45%, 45%, 10% of income and spending.
    let joint: Vec<(&str, f64, Money, Money)> = a
        .joint_operation
        .iter()
        .map(|j| (j.partner.as_str(), j.share, j.income, j.expenditure))
        .collect();
    assert_eq!(
        joint,
        vec![
            ("council", 0.45, pounds("900,000"), pounds("900,000")),
            ("icb", 0.45, pounds("900,000"), pounds("900,000")),
            ("district", 0.10, pounds("200,000"), pounds("200,000")),
        ]
    );

    // Host-controlled: the council carries the pool gross; the others show
    // their contributions as payments to it.
    let host = &a.host_controlled;
    assert!(host[0].host);
    assert_eq!(host[0].income, pounds("2,000,000"));
    assert_eq!(host[0].payment, Money::ZERO);
    assert_eq!(host[1].income, Money::ZERO);
    assert_eq!(host[1].payment, pounds("900,000"));
    assert_eq!(host[2].payment, pounds("200,000"));

    // Spending on each partner's functions, by the commissioning split:
    // rehab £1,060,000 is 60% ICB (£636,000) and 40% council (£424,000);
    // nursing £350,000 is ICB's; home care £440,000 the council's;
    // adaptations £150,000 the district's.
    // ICB 636,000 + 350,000 = 986,000; council 424,000 + 440,000 = 864,000.
    let functions: Vec<Money> = a
        .memoranda
        .iter()
        .map(|m| m.spending_on_functions)
        .collect();
    assert_eq!(
        functions,
        vec![pounds("864,000"), pounds("986,000"), pounds("150,000")]
    );

    assert!(a.disclosure_note.contains("section 75"));
    assert!(
        a.disclosure_note
            .contains("Westmere Integrated Care Board contributed £900,000.00")
    );
}

const WITH_CLIENT_INCOME: &str = "\
partner county \"Eastholm County Council\"
  host
partner icb \"Eastholm ICB\"

fund pool \"Eastholm pool\"
  basis s75-pooled
  host county

source care \"Care budget\"
  from county
source health \"Health budget\"
  from icb

scheme homecare \"Home care\"
  type social-care
  commissioner county 100%
  sources care, health

year 2025/26 open

contribution 2025/26 county care £750,000
  instalments quarterly
  client-income £50,000
contribution 2025/26 icb health £300,000
  instalments quarterly

2025-04-01 Contributions  ; ref:IN-1
  assets:bank  £700,000  partner:county source:care
  assets:bank  £300,000  partner:icb source:health
  income:contributions  -£700,000  partner:county source:care
  income:contributions  -£300,000  partner:icb source:health

2026-03-31 Home care, the year  ; ref:OUT-1 partner:county
  expenditure:services  £900,000  scheme:homecare source:care
  assets:bank
";

#[test]
fn client_income_nets_the_contribution_and_the_surplus_is_shared() {
    let l = ledger("eastholm.journal", WITH_CLIENT_INCOME);
    // The county contributes £750,000 gross, less £50,000 charged to
    // service users: it pays £700,000, in four instalments of £175,000.
    let county = &l.contributions[0];
    assert_eq!(county.amount, pounds("750,000"));
    assert_eq!(county.client_income, pounds("50,000"));
    let instalments: Vec<Money> = county.instalments.iter().map(|i| i.amount).collect();
    assert_eq!(instalments, vec![pounds("175,000"); 4]);

    let a = partner_accounts(&l, year());
    // £1,000,000 in, £900,000 out: a £100,000 surplus, shared 70:30.
    assert_eq!(a.surplus, pounds("100,000"));
    let m = &a.memoranda;
    assert_eq!(m[0].planned_gross, pounds("750,000"));
    assert_eq!(m[0].client_income, pounds("50,000"));
    assert_eq!(m[0].planned_net, pounds("700,000"));
    assert_eq!(m[0].share_of_surplus, pounds("70,000"));
    assert_eq!(m[1].planned_net, pounds("300,000"));
    assert_eq!(m[1].share_of_surplus, pounds("30,000"));
    // All the spending is on the county's functions.
    assert_eq!(m[0].spending_on_functions, pounds("900,000"));
    assert_eq!(m[1].spending_on_functions, Money::ZERO);
    assert!(a.disclosure_note.contains("a surplus of £100,000.00"));
}

#[test]
fn client_income_above_the_contribution_is_refused_with_its_line() {
    let text = WITH_CLIENT_INCOME.replace("client-income £50,000", "client-income £800,000");
    let err = load(&[Journal {
        name: "eastholm.journal",
        text: &text,
    }])
    .unwrap_err()
    .to_string();
    assert!(err.contains("eastholm.journal:"), "{err}");
    assert!(err.contains("client income £800,000.00 exceeds"), "{err}");
}
