//! Next year's contributions, worked by hand from the Northshire and
//! Westmere example pools.

use oneplace_core::{FinancialYear, Money};
use oneplace_ledger::contributions::next_year::{Base, directives};
use oneplace_ledger::contributions::{next_year, parse_plan};
use oneplace_ledger::{Journal, Ledger, load};

fn example(file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../examples/ledger/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn ledger(text: &str) -> Ledger {
    load(&[Journal {
        name: "pool.journal",
        text,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn pounds(p: &str) -> Money {
    Money::parse(p).unwrap()
}

#[test]
fn northshire_2026_27_worked_by_hand() {
    let l = ledger(&example("northshire-bcf.journal"));
    let plan = parse_plan("plan.toml", &example("northshire-2026-27-plan.toml"), &l)
        .unwrap_or_else(|e| panic!("{e}"));
    let n = next_year(&plan, &l).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.base, Base::Planned);
    assert_eq!(n.base_year, FinancialYear::starting(2025));
    let line = |partner: &str, source: &str| {
        n.lines
            .iter()
            .find(|l| l.partner == partner && l.source == source)
            .unwrap_or_else(|| panic!("{partner} {source}"))
    };

    // ICB, NHS minimum: base £3,600,000 + recurrent £120,000 = £3,720,000;
    // uplift 5.66% of that = £210,552.00; contribution £3,930,552.00, paid
    // monthly: 3,930,552 / 12 = £327,546.00 exactly.
    let icb = line("icb", "nhs-minimum");
    assert_eq!(icb.base, pounds("3,600,000"));
    assert_eq!(icb.adjusted_base, pounds("3,720,000"));
    assert_eq!(icb.uplift, pounds("210,552"));
    assert_eq!(icb.contribution, pounds("3,930,552"));
    assert_eq!(icb.instalments.len(), 12);
    assert!(
        icb.instalments
            .iter()
            .all(|i| i.amount == pounds("327,546"))
    );

    // Council, grant: £1,200,000, uplift 2.5% = £30,000, plus £50,000 new,
    // less £36,000 saved = £1,244,000, four quarters of £311,000.
    let grant = line("county-council", "la-grant");
    assert_eq!(grant.uplift, pounds("30,000"));
    assert_eq!(grant.planned, pounds("50,000"));
    assert_eq!(grant.efficiencies, pounds("36,000"));
    assert_eq!(grant.contribution, pounds("1,244,000"));
    assert_eq!(
        grant
            .instalments
            .iter()
            .map(|i| i.amount)
            .collect::<Vec<_>>(),
        vec![pounds("311,000"); 4]
    );

    // Council, additional: £240,000 + 2.5% = £246,000 gross, less £30,000
    // client income = £216,000 net, £54,000 a quarter.
    let extra = line("county-council", "council-additional");
    assert_eq!(extra.contribution, pounds("246,000"));
    assert_eq!(extra.client_income, pounds("30,000"));
    assert_eq!(extra.net, pounds("216,000"));
    assert!(
        extra
            .instalments
            .iter()
            .all(|i| i.amount == pounds("54,000"))
    );

    // 3,930,552 + 1,244,000 + 246,000 = 5,420,552; net 5,390,552.
    assert_eq!(n.total_base, pounds("5,040,000"));
    assert_eq!(n.total_contribution, pounds("5,420,552"));
    assert_eq!(n.total_net, pounds("5,390,552"));
}

#[test]
fn the_directives_load_back_as_the_same_plan() {
    let journal = example("northshire-bcf.journal");
    let l = ledger(&journal);
    let plan = parse_plan("plan.toml", &example("northshire-2026-27-plan.toml"), &l).unwrap();
    let n = next_year(&plan, &l).unwrap();
    let extended = ledger(&format!("{journal}\n{}", directives(&n)));
    let next = FinancialYear::starting(2026);
    let loaded: Vec<_> = extended
        .contributions
        .iter()
        .filter(|c| c.year == next)
        .collect();
    assert_eq!(loaded.len(), n.lines.len());
    for (c, line) in loaded.iter().zip(&n.lines) {
        assert_eq!(extended.partners[c.partner as usize].id, line.partner);
        assert_eq!(extended.sources[c.source as usize].id, line.source);
        assert_eq!(c.amount, line.contribution);
        assert_eq!(c.client_income, line.client_income);
        let dates: Vec<_> = c.instalments.iter().map(|i| (i.date, i.amount)).collect();
        let planned: Vec<_> = line
            .instalments
            .iter()
            .map(|i| (i.date, i.amount))
            .collect();
        assert_eq!(dates, planned);
    }
}

#[test]
fn without_planned_contributions_the_base_is_what_was_received() {
    let l = ledger(&example("westmere-year-end.journal"));
    let plan = parse_plan(
        "plan.toml",
        "[plan]\nyear = \"2026/27\"\nuplift = \"3%\"\nremainder = \"first\"\n\n\
         [[change]]\npartner = \"district\"\nsource = \"dfg\"\nkind = \"recurrent\"\n\
         amount = \"-£20,000.01\"\nreason = \"Grant cut\"\n",
        &l,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let n = next_year(&plan, &l).unwrap();
    assert_eq!(n.base, Base::Received);
    let got: Vec<(&str, Money, Money)> = n
        .lines
        .iter()
        .map(|l| (l.partner.as_str(), l.base, l.contribution))
        .collect();
    // Received in 2025/26: council £900,000, ICB £900,000, district
    // £200,000. Plus 3%: £927,000 each for the first two. The district's
    // base falls by £20,000.01 to £179,999.99; 3% of that is £5,399.9997,
    // £5,400.00 to the penny: £185,399.99.
    assert_eq!(
        got,
        vec![
            ("council", pounds("900,000"), pounds("927,000")),
            ("icb", pounds("900,000"), pounds("927,000")),
            ("district", pounds("200,000"), pounds("185,399.99")),
        ]
    );
    // Quarterly by default: £185,399.99 / 4 = £46,349.99 and 3p over; the
    // plan puts the odd pence first: £46,350.02, then three of £46,349.99.
    let d = &n.lines[2].instalments;
    assert_eq!(d[0].amount, pounds("46,350.02"));
    assert!(d[1..].iter().all(|i| i.amount == pounds("46,349.99")));
}

fn plan_error(plan: &str) -> String {
    let l = ledger(&example("northshire-bcf.journal"));
    match parse_plan("plan.toml", plan, &l) {
        Err(e) => e.to_string(),
        Ok(p) => next_year(&p, &l)
            .expect_err("the plan should be refused")
            .to_string(),
    }
}

#[test]
fn bad_plans_are_refused_at_their_place() {
    let e = plan_error(
        "[plan]\nyear = \"2026/27\"\n\n[[change]]\npartner = \"nhs\"\nsource = \"la-grant\"\nkind = \"planned\"\namount = 1000\n",
    );
    assert!(e.contains("plan.toml:5:11: unknown partner 'nhs'"), "{e}");
    let e = plan_error("[plan]\nyear = \"2026/27\"\ninstalments = \"weekly\"\n");
    assert!(
        e.contains("plan.toml:3:15: 'weekly' is not an instalment schedule"),
        "{e}"
    );
    let e = plan_error("[plan]\nyear = \"2026/27\"\nuplift = \"250%\"\n");
    assert!(
        e.contains("plan.toml:3:10: the uplift is not a percentage"),
        "{e}"
    );
    let e = plan_error(
        "[plan]\nyear = \"2026/27\"\n\n[[change]]\npartner = \"icb\"\nsource = \"nhs-minimum\"\nkind = \"cut\"\namount = 1000\n",
    );
    assert!(
        e.contains("plan.toml:7:8: 'cut' is not a kind of change"),
        "{e}"
    );
    // Efficiencies larger than the base: refused at the efficiency.
    let e = plan_error(
        "[plan]\nyear = \"2026/27\"\n\n[[change]]\npartner = \"county-council\"\nsource = \"council-additional\"\nkind = \"efficiency\"\namount = \"£250,000\"\n",
    );
    assert!(
        e.contains("plan.toml:4:1: county-council council-additional would contribute -£10,000.00 in 2026/27"),
        "{e}"
    );
    // A planned base where the base year plans nothing.
    let e = plan_error("[plan]\nyear = \"2027/28\"\nbase = \"planned\"\n");
    assert!(
        e.contains("plan.toml:1:1: the ledger plans no contributions for 2026/27"),
        "{e}"
    );
    // Client income above the contribution.
    let e = plan_error(
        "[plan]\nyear = \"2026/27\"\n\n[[client_income]]\npartner = \"icb\"\nsource = \"nhs-minimum\"\namount = \"£5,000,000\"\n",
    );
    assert!(
        e.contains("plan.toml:4:1: icb nhs-minimum: client income £5,000,000.00 exceeds"),
        "{e}"
    );
    let e = plan_error("year = \"2026/27\"\n");
    assert!(e.contains("plan.toml:1:1: unknown field `year`"), "{e}");
    let e = plan_error("# nothing yet\n");
    assert!(e.contains("no [plan] section"), "{e}");
}

/// The odd pence on a stated instalment. Westmere received £900,000 from
/// the ICB in 2025/26; with a recurrent £0.03 added the base is
/// £900,000.03, no uplift: quarterly, 90,000,003p / 4 = 22,500,000 and 3p
/// over, so £225,000.00, £225,000.00, £225,000.03 (the third, 1 October
/// 2026), £225,000.00. The directive records it, and the journal reads it
/// back to the same instalments.
#[test]
fn the_odd_pence_on_a_stated_instalment() {
    let text = example("westmere-year-end.journal");
    let l = ledger(&text);
    let plan = parse_plan(
        "plan.toml",
        "[plan]\nyear = \"2026/27\"\nremainder = 3\n\n\
         [[change]]\npartner = \"icb\"\nsource = \"nhs\"\nkind = \"recurrent\"\n\
         amount = \"£0.03\"\n",
        &l,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let n = next_year(&plan, &l).unwrap();
    let icb = n.lines.iter().find(|l| l.partner == "icb").unwrap();
    assert_eq!(icb.net, pounds("900,000.03"));
    let got: Vec<(String, Money)> = icb
        .instalments
        .iter()
        .map(|i| (i.date.to_string(), i.amount))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2026-04-01".to_string(), pounds("225,000")),
            ("2026-07-01".to_string(), pounds("225,000")),
            ("2026-10-01".to_string(), pounds("225,000.03")),
            ("2027-01-01".to_string(), pounds("225,000")),
        ]
    );
    let d = directives(&n);
    assert!(
        d.contains("  instalments quarterly\n  remainder 3\n"),
        "{d}"
    );
    let both = ledger(&format!("{text}\n{d}"));
    let c = both
        .contributions
        .iter()
        .find(|c| c.partner == both.partner("icb").unwrap())
        .unwrap();
    let read: Vec<Money> = c.instalments.iter().map(|i| i.amount).collect();
    assert_eq!(
        read,
        vec![
            pounds("225,000"),
            pounds("225,000"),
            pounds("225,000.03"),
            pounds("225,000")
        ]
    );

    // Out of range: a quarterly schedule has no fifth instalment; a
    // partner paying annually has no second.
    let e = plan_error("[plan]\nyear = \"2026/27\"\nremainder = 5\n");
    assert!(
        e.contains("plan.toml:3:13: the odd pence fall on instalment 5, but the plan's quarterly schedule has 4"),
        "{e}"
    );
    let e = plan_error(
        "[plan]\nyear = \"2026/27\"\nremainder = \"2\"\n[instalments_by_partner]\nicb = \"annual\"\n",
    );
    assert!(
        e.contains(
            "plan.toml:3:13: the odd pence fall on instalment 2, but icb's annual schedule has 1"
        ),
        "{e}"
    );
    let e = plan_error("[plan]\nyear = \"2026/27\"\nremainder = 0\n");
    assert!(
        e.contains("plan.toml:3:13: '0' is not an instalment"),
        "{e}"
    );
    // In the journal too, at the directive.
    let bad = format!(
        "{text}\ncontribution 2026/27 icb nhs £100\n  instalments quarterly\n  remainder 7\n"
    );
    let e = load(&[Journal {
        name: "pool.journal",
        text: &bad,
    }])
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("the odd pence fall on instalment 7, and quarterly instalments are 4"),
        "{e}"
    );
}
