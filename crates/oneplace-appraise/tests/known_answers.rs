//! Appraisals whose arithmetic is worked by hand here, independently of
//! the engine: each expected figure is written out from the method's
//! formulas (DOMAIN §7) with the inputs of the model beside it.

use oneplace_appraise::{Appraisal, evaluate, read_toml};
use oneplace_refdata::ReferenceData;

fn appraise(toml: &str) -> Appraisal {
    let data = ReferenceData::embedded();
    let model = read_toml("test.toml", toml, data).unwrap_or_else(|e| panic!("{e}"));
    evaluate(&model, data)
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-6 * expected.abs().max(1.0),
        "expected {expected}, got {actual}"
    );
}

const GRADES: &str = r#"
[[optimism_bias.grade]]
grade = 1
cost_uplift = 0
benefit_reduction = 0
[[optimism_bias.grade]]
grade = 2
cost_uplift = "10%"
benefit_reduction = "20%"
"#;

/// Two payers, one outcome with a lag and a drop-off, optimism bias on one
/// cost and on one value.
#[test]
fn small_partnership_by_hand() {
    let model = format!(
        r#"
[appraisal]
name = "Hand-worked partnership"
first_year = "2015/16"
years = 3
price_base = "2015/16"
{GRADES}
[[agency]]
id = "council"
kind = "county-council"
[[agency]]
id = "police"
kind = "police"
cashable = 0.5
[[agency]]
id = "icb"
kind = "icb"

[[cost]]
id = "workers"
agency = "council"
type = "revenue"
amounts = [100000, "£100,000"]
confidence = 1

[[cost]]
id = "officer-time"
agency = "police"
type = "in_kind"
amounts = [20000]
confidence = 2

[[outcome]]
id = "fewer-incidents"
cohort = 100
engagement = 0.8
success = "50%"
deadweight = 0.25
lag = 1
duration = 2
drop_off = 0.5
confidence = 1
  [[outcome.value]]
  label = "incident avoided"
  fiscal = 1000
  economic = 500
  shares = {{ police = 0.6, icb = 0.4 }}
  [[outcome.value]]
  label = "wellbeing"
  social = 250
  confidence = 2
"#
    );
    let a = appraise(&model);
    // Successful outcomes: 100 × 0.8 × 0.5 × (1 − 0.25) = 30. Profile by
    // years since starting: year 0 lag → 0; year 1 → 1; year 2 → 0.5.
    let df1 = 1.0 / 1.035;
    let df2 = 1.0 / (1.035 * 1.035);
    // Costs: council 100,000 in years 0 and 1; police 20,000 × 1.10 in year 0.
    let pv_council = 100_000.0 + 100_000.0 * df1; // 196,618.357…
    let pv_police = 22_000.0;
    let pv_costs = pv_council + pv_police;
    // Fiscal: 30 × 1,000 in year 1, 15 × 1,000 in year 2; 60% police, 40% ICB.
    let pv_fiscal = 30_000.0 * df1 + 15_000.0 * df2;
    let pv_economic = 15_000.0 * df1 + 7_500.0 * df2;
    // Social: 250 × (1 − 0.20) = 200 per outcome.
    let pv_social = 30.0 * 200.0 * df1 + 15.0 * 200.0 * df2;
    close(a.totals.pv_costs, pv_costs);
    close(a.totals.pv_in_kind_costs, 22_000.0);
    close(a.totals.pv_fiscal, pv_fiscal);
    close(a.npbi, pv_fiscal - pv_costs);
    close(a.financial_roi.unwrap(), pv_fiscal / pv_costs);
    // Only the police's half of its 60% is cashable.
    close(a.totals.pv_cashable, 0.6 * 0.5 * pv_fiscal);
    close(
        a.cashable_financial_roi.unwrap(),
        0.3 * pv_fiscal / pv_costs,
    );
    let pv_public = pv_fiscal + pv_economic + pv_social;
    close(a.totals.pv_public_value, pv_public);
    close(a.nppv, pv_public - pv_costs);
    close(a.public_value_roi.unwrap(), pv_public / pv_costs);
    assert_eq!(a.value_for_money_band, Some("poor"));
    // Never pays back: cumulative fiscal 45,000 against costs of 222,000.
    assert_eq!(a.payback_year_undiscounted, None);
    assert_eq!(a.payback_year_discounted, None);

    let police = a.agencies.iter().find(|x| x.agency == "police").unwrap();
    close(police.pv_cost, 22_000.0);
    close(police.pv_fiscal_benefit, 0.6 * pv_fiscal);
    close(police.net, 0.6 * pv_fiscal - 22_000.0);
    close(police.roi.unwrap(), 0.6 * pv_fiscal / 22_000.0);
    let icb = a.agencies.iter().find(|x| x.agency == "icb").unwrap();
    assert_eq!(icb.roi, None, "no cost borne, so no ROI");

    // Who pays, who benefits: council's share of cost × the ICB's benefit.
    let f = a
        .matrix
        .funders
        .iter()
        .position(|x| x == "council")
        .unwrap();
    let b = a
        .matrix
        .beneficiaries
        .iter()
        .position(|x| x == "icb")
        .unwrap();
    close(
        a.matrix.values[f][b],
        pv_council / pv_costs * 0.4 * pv_fiscal,
    );
    let matrix_sum: f64 = a.matrix.values.iter().flatten().sum();
    close(matrix_sum, pv_fiscal);

    // Year by year.
    assert_eq!(a.years.len(), 3);
    assert_eq!(a.years[2].financial_year.to_string(), "2017/18");
    close(a.years[0].costs, 122_000.0);
    close(a.years[1].fiscal, 30_000.0);
    close(a.years[2].economic, 7_500.0);
    close(a.years[2].cumulative_net_fiscal, 45_000.0 - 222_000.0);
}

/// The workbook's own public-value statement for a jobseeker entering work,
/// appraised for one person for one year in 2012/13 prices: fiscal benefit
/// £9,800 (DWP £9,234, a transfer; NHS £566) and economic £14,044, so public
/// value £14,610.
#[test]
fn jobseeker_into_work_public_value_excludes_the_transfer() {
    let model = format!(
        r#"
[appraisal]
name = "One jobseeker"
first_year = "2012/13"
years = 1
price_base = "2012/13"
{GRADES}
[[agency]]
id = "jobcentre"
kind = "dwp"
[[agency]]
id = "icb"
kind = "icb"
[[agency]]
id = "council"
kind = "local-authority"

[[cost]]
id = "employment-support"
agency = "council"
type = "revenue"
amounts = [5000]
confidence = 1

[[outcome]]
id = "into-work"
cohort = 1
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  ucd = "E&E1.0.1"
  transfer = true
  [[outcome.value]]
  ucd = "E&E1.0.2"
  [[outcome.value]]
  ucd = "E&E1.0"
  kinds = ["economic"]
"#
    );
    let a = appraise(&model);
    close(a.totals.pv_fiscal, 9_800.0);
    close(a.totals.pv_transfers, 9_234.0);
    close(a.totals.pv_economic, 14_044.0);
    close(a.totals.pv_public_value, 14_610.0);
    close(a.npbi, 9_800.0 - 5_000.0);
    close(a.nppv, 14_610.0 - 5_000.0);
    close(a.financial_roi.unwrap(), 1.96);
    close(a.public_value_roi.unwrap(), 2.922);
    assert_eq!(a.value_for_money_band, Some("high"));
    // Benefits land on DWP and the NHS by the database's own agencies.
    let dwp = a.agencies.iter().find(|x| x.agency == "jobcentre").unwrap();
    close(dwp.pv_fiscal_benefit, 9_234.0);
    // Year 0 pays back at once: 9,800 ≥ 5,000.
    assert_eq!(a.payback_year_undiscounted, Some(0));
    assert_eq!(a.payback_year_discounted, Some(0));
}

/// A long appraisal across the band change after year 30, with a capital
/// cost given in earlier prices, cohorts in two years, health discounting of
/// the social value, and payback.
#[test]
fn long_horizon_with_price_conversion_and_health_discounting() {
    let model = format!(
        r#"
[appraisal]
name = "Long horizon"
first_year = "2015/16"
years = 33
price_base = "2015/16"
{GRADES}
[[agency]]
id = "council"
kind = "local-authority"

[[cost]]
id = "building"
agency = "council"
type = "capital"
amounts = [1000000]
price_year = "2013/14"
confidence = 1

[[cost]]
id = "running"
agency = "council"
type = "revenue"
confidence = 1
  [[cost.phase]]
  from = 1
  to = "2047/48"
  annual = 50000

[[outcome]]
id = "healthier"
cohort = [10, 10]
engagement = 1
success = 1
duration = 40
confidence = 1
health_discounting = true
  [[outcome.value]]
  fiscal = 6000
  social = 1000
"#
    );
    let a = appraise(&model);
    // Capital in 2013/14 prices to 2015/16: the deflator rose 1.7% in
    // 2014/15 and 1.4% in 2015/16 (Lookups sheet), so × 1.017 × 1.014.
    let capital = 1_000_000.0 * 1.017 * 1.014;
    // Standard discount factors: 3.5% to year 30, then 3.0%.
    let df = |t: i32| {
        if t <= 30 {
            1.035f64.powi(-t)
        } else {
            1.035f64.powi(-30) * 1.03f64.powi(-(t - 30))
        }
    };
    // Health: 1.5% to year 30, then 1.29%.
    let dfh = |t: i32| {
        if t <= 30 {
            1.015f64.powi(-t)
        } else {
            1.015f64.powi(-30) * 1.0129f64.powi(-(t - 30))
        }
    };
    // "2047/48" is year 32, so running costs in years 1..=32.
    let pv_costs = capital + (1..=32).map(|t| 50_000.0 * df(t)).sum::<f64>();
    // 10 start in year 0 and 10 more in year 1; the benefit lasts 40 years,
    // beyond the horizon: 10 outcomes in year 0, 20 in every later year.
    let n = |t: i32| if t == 0 { 10.0 } else { 20.0 };
    let pv_fiscal: f64 = (0..=32).map(|t| n(t) * 6_000.0 * df(t)).sum();
    let pv_social: f64 = (0..=32).map(|t| n(t) * 1_000.0 * dfh(t)).sum();
    close(a.totals.pv_costs, pv_costs);
    close(a.totals.pv_fiscal, pv_fiscal);
    close(a.totals.pv_social, pv_social);
    close(a.nppv, pv_fiscal + pv_social - pv_costs);
    close(a.years[31].discount_factor, df(31));
    // Undiscounted: cumulative costs 1,031,238 + 50,000 t against fiscal
    // 60,000 + 120,000 t, so net −971,238 + 70,000 t ≥ 0 from t = 13.87:
    // year 14.
    assert_eq!(a.payback_year_undiscounted, Some(14));
    let discounted_payback = (0..=32)
        .find(|&t| {
            let benefit: f64 = (0..=t).map(|s| n(s) * 6_000.0 * df(s)).sum();
            let cost: f64 = capital + (1..=t).map(|s| 50_000.0 * df(s)).sum::<f64>();
            benefit >= cost
        })
        .map(|t| t as usize);
    assert_eq!(a.payback_year_discounted, discounted_payback);
    // Worked separately: by year 19 discounted benefits are £1,705,180
    // against £1,716,730 of cost; by year 20, £1,765,488 against £1,741,858.
    assert_eq!(discounted_payback, Some(20));
}

/// Discounting year 0 divides every factor by one more year of the rate.
#[test]
fn discounting_year_zero() {
    let model = format!(
        r#"
[appraisal]
name = "Year zero"
first_year = "2015/16"
years = 2
discount_year_zero = true
{GRADES}
[[agency]]
id = "council"
kind = "local-authority"
[[cost]]
id = "c"
agency = "council"
type = "revenue"
amounts = [1000, 1000]
confidence = 1
[[outcome]]
id = "o"
cohort = 1
engagement = 1
success = 1
duration = 2
confidence = 1
  [[outcome.value]]
  fiscal = 3000
"#
    );
    let a = appraise(&model);
    close(
        a.totals.pv_costs,
        1000.0 / 1.035 + 1000.0 / 1.035f64.powi(2),
    );
    close(a.npbi, 2000.0 / 1.035 + 2000.0 / 1.035f64.powi(2));
}

/// The fair split worked by hand. The council pays everything; the police
/// and the ICB receive benefits; the police also gives officers' time.
#[test]
fn fair_split_by_hand() {
    let model = format!(
        r#"
[appraisal]
name = "Fair split"
first_year = "2015/16"
years = 1
{GRADES}
[[agency]]
id = "council"
kind = "county-council"
[[agency]]
id = "police"
kind = "police"
[[agency]]
id = "icb"
kind = "icb"
[[agency]]
id = "dwp"
kind = "dwp"
contributes = false

[[cost]]
id = "cash"
agency = "council"
type = "revenue"
amounts = [90000]
confidence = 1
[[cost]]
id = "officers"
agency = "police"
type = "in_kind"
amounts = [30000]
confidence = 1

[[outcome]]
id = "o"
cohort = 100
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  fiscal = 2000
  shares = {{ council = 0.2, police = 0.1, icb = 0.5, dwp = 0.2 }}
  transfer = false
"#
    );
    let a = appraise(&model);
    let s = &a.fair_split;
    // Benefits: 200,000 in all; council 40,000, police 20,000, ICB 100,000,
    // DWP 40,000 (not at the table). Costs 120,000, of which the police's
    // 30,000 is in kind: 90,000 cash to split.
    close(s.total_cost, 120_000.0);
    close(s.cash_to_split, 90_000.0);
    let row = |id: &str| s.agencies.iter().find(|r| r.agency == id).unwrap();
    // (a) Benefit share among contributors (40k + 20k + 100k = 160k):
    // council 90k × 40/160 = 22,500; police 30,000 + 11,250; ICB 56,250.
    close(row("council").benefit_share.unwrap(), 22_500.0);
    close(row("police").benefit_share.unwrap(), 41_250.0);
    close(row("icb").benefit_share.unwrap(), 56_250.0);
    close(row("dwp").benefit_share.unwrap(), 0.0);
    close(row("icb").benefit_share_of_cash.unwrap(), 0.625);
    // Police are worse off: 20,000 benefit against 41,250.
    assert_eq!(s.no_worse_off.benefit_share, vec!["police".to_string()]);
    // (b) Equal return over the 120,000 contributors put in: 160k/120k
    // = 1.333 would ask the police for 15,000, below its 30,000 in kind, so
    // it is set aside; the council and the ICB share 90,000 over benefits
    // of 140,000: ρ = 140/90 = 1.5556; council 25,714.29, ICB 64,285.71.
    close(s.equal_roi.unwrap(), 140_000.0 / 90_000.0);
    close(row("council").equal_roi.unwrap(), 90_000.0 * 40.0 / 140.0);
    close(row("icb").equal_roi.unwrap(), 90_000.0 * 100.0 / 140.0);
    close(row("police").equal_roi.unwrap(), 30_000.0);
    // Currently: the council pays 90,000 for 40,000 of benefit.
    close(row("council").net_current, -50_000.0);
    assert_eq!(
        s.no_worse_off.current,
        vec!["council".to_string(), "police".to_string()]
    );
    // Net positions (benefit − contribution), by hand.
    // Now: council 40,000 − 90,000; police 20,000 − 30,000; ICB 100,000 − 0;
    // DWP 40,000 − 0.
    close(row("police").net_current, -10_000.0);
    close(row("icb").net_current, 100_000.0);
    close(row("dwp").net_current, 40_000.0);
    // (a): council 40,000 − 22,500 = 17,500; police 20,000 − 41,250 =
    // −21,250; ICB 100,000 − 56,250 = 43,750; DWP pays nothing: 40,000.
    close(row("council").net_benefit_share.unwrap(), 17_500.0);
    close(row("police").net_benefit_share.unwrap(), -21_250.0);
    close(row("icb").net_benefit_share.unwrap(), 43_750.0);
    close(row("dwp").net_benefit_share.unwrap(), 40_000.0);
    // (b): council 40,000 − 25,714.29 = 14,285.71; police 20,000 − 30,000 =
    // −10,000; ICB 100,000 − 64,285.71 = 35,714.29; DWP 40,000.
    close(
        row("council").net_equal_roi.unwrap(),
        40_000.0 - 90_000.0 * 40.0 / 140.0,
    );
    close(row("police").net_equal_roi.unwrap(), -10_000.0);
    close(
        row("icb").net_equal_roi.unwrap(),
        100_000.0 - 90_000.0 * 100.0 / 140.0,
    );
    close(row("dwp").net_equal_roi.unwrap(), 40_000.0);
    // The no-worse-off check: only the police, under either proposal.
    assert_eq!(s.no_worse_off.benefit_share, vec!["police".to_string()]);
    assert_eq!(s.no_worse_off.equal_roi, vec!["police".to_string()]);
    // The DWP is named as a beneficiary paying nothing, and the police as
    // asked for cash (11,250 on top of its 30,000 in kind) beyond its
    // benefit under (a); under (b) it puts in no cash.
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("contribute nothing (dwp £40,000.00)")),
        "{:?}",
        s.notes
    );
    assert!(
        s.notes.iter().any(|n| n.ends_with(
            "police would pay £41,250.00 under benefit share against its own benefit of £20,000.00."
        )),
        "{:?}",
        s.notes
    );
    // The police's in-kind 30,000 exceeds its 20,000 benefit: no split of
    // the cash can make it whole.
    assert!(!s.no_worse_off.achievable);
    assert!(
        s.notes.iter().any(|n| n.contains("£40,000.00")),
        "{:?}",
        s.notes
    );
}

/// Displacement, leakage, an explicit profile, a quantity, a later start, a
/// per-agency transfer list, a per-agency cashable map and a value priced
/// in an earlier year, in one outcome worked by hand.
#[test]
fn model_features_by_hand() {
    let model = format!(
        r#"
[appraisal]
name = "Features"
first_year = "2015/16"
years = 4
price_base = "2015/16"
{GRADES}
[[agency]]
id = "council"
kind = "local-authority"
[[agency]]
id = "police"
kind = "police"
cashable = 0.5
[[agency]]
id = "jobcentre"
kind = "dwp"

[[cost]]
id = "c"
agency = "council"
type = "revenue"
amounts = [10000, 0, 0, 0]
confidence = 1

[[outcome]]
id = "o"
cohort = 200
start = 1
engagement = 0.5
success = 0.5
deadweight = 0.2
displacement = 0.25
leakage = "10%"
profile = [1, 0.5]
cashable = {{ council = 0.4 }}
confidence = 1
  [[outcome.value]]
  fiscal = 100
  quantity = 3
  price_year = "2013/14"
  shares = {{ council = 0.5, police = 0.3, jobcentre = 0.2 }}
  transfer = ["jobcentre"]
  [[outcome.value]]
  economic = 50
"#
    );
    let a = appraise(&model);
    // Successful outcomes per starter: 0.5 × 0.5 × (1 − 0.2) × (1 − 0.25)
    // × (1 − 0.1) = 0.135; 200 start in year 1, so 27 outcomes.
    let o = &a.outcomes[0];
    close(o.rate, 0.135);
    // Profile by years since starting [1, 0.5]: 27 in year 1, 13.5 in
    // year 2, none in years 0 and 3.
    close(o.outcome_years, 40.5);
    // £100 in 2013/14 prices: the deflator rose 1.7% in 2014/15 and 1.4% in
    // 2015/16 (Lookups sheet), so £100 × 1.017 × 1.014 = £103.1238; three
    // units per outcome: £309.3714 a year.
    let per_outcome = 3.0 * 100.0 * 1.017 * 1.014;
    let df1 = 1.0 / 1.035;
    let df2 = df1 * df1;
    let pv_fiscal = 27.0 * per_outcome * df1 + 13.5 * per_outcome * df2;
    close(a.totals.pv_fiscal, pv_fiscal);
    close(a.years[0].fiscal, 0.0);
    close(a.years[1].fiscal, 27.0 * per_outcome); // £8,353.0278
    close(a.years[2].fiscal, 13.5 * per_outcome); // £4,176.5139
    close(a.years[3].fiscal, 0.0);
    // Only the jobcentre's 20% is a transfer.
    close(a.totals.pv_transfers, 0.2 * pv_fiscal);
    // Cashable: the council's half at its own 40%, the police's 30% at its
    // default 50%, the jobcentre's 20% at the default 0: 0.20 + 0.15 = 0.35.
    close(a.totals.pv_cashable, 0.35 * pv_fiscal);
    let council = a.agencies.iter().find(|x| x.agency == "council").unwrap();
    close(council.pv_fiscal_benefit, 0.5 * pv_fiscal);
    close(council.pv_cashable_benefit, 0.2 * pv_fiscal);
    let police = a.agencies.iter().find(|x| x.agency == "police").unwrap();
    close(police.pv_cashable_benefit, 0.15 * pv_fiscal);
    // Economic £50 per outcome in the price base.
    let pv_economic = 27.0 * 50.0 * df1 + 13.5 * 50.0 * df2;
    close(a.totals.pv_economic, pv_economic);
    // Public value: fiscal less the transfer, plus economic.
    close(a.totals.pv_public_value, 0.8 * pv_fiscal + pv_economic);
    close(a.nppv, 0.8 * pv_fiscal + pv_economic - 10_000.0);
    close(a.npbi, pv_fiscal - 10_000.0);
    // pv_fiscal = 8,353.0278 / 1.035 + 4,176.5139 / 1.035² = 8,070.5583 +
    // 3,898.8204 = 11,969.3787 ≥ 10,000: the discounted case pays back in
    // year 2, not year 1 (8,070.56 < 10,000).
    assert!((pv_fiscal - 11_969.378_7).abs() < 0.0001);
    assert_eq!(a.payback_year_discounted, Some(2));
}

/// The workbook's other employment public-value statements, through the
/// engine: one claimant into work for one year in 2012/13 prices, benefits
/// to DWP a transfer. The workbook's comments give the public value:
/// ESA/Incapacity Benefit (E&E2.0) £13,700 = NHS £1,132 + economic £12,568;
/// Income Support (E&E3.0) £9,267 = NHS £566 + economic £8,701.
#[test]
fn other_employment_public_value_statements_through_the_engine() {
    for (code, fiscal, transfer, stated) in [
        ("E&E2.0", 8_632.0, 7_500.0, 13_700.0),
        ("E&E3.0", 7_570.0, 7_004.0, 9_267.0),
    ] {
        let model = format!(
            r#"
[appraisal]
name = "One claimant"
first_year = "2012/13"
years = 1
price_base = "2012/13"
{GRADES}
[[agency]]
id = "jobcentre"
kind = "dwp"
[[agency]]
id = "icb"
kind = "icb"
[[agency]]
id = "council"
kind = "local-authority"

[[cost]]
id = "support"
agency = "council"
type = "revenue"
amounts = [1000]
confidence = 1

[[outcome]]
id = "into-work"
cohort = 1
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  ucd = "{code}.1"
  transfer = true
  [[outcome.value]]
  ucd = "{code}.2"
  [[outcome.value]]
  ucd = "{code}"
  kinds = ["economic"]
"#
        );
        let a = appraise(&model);
        close(a.totals.pv_fiscal, fiscal);
        close(a.totals.pv_transfers, transfer);
        close(a.totals.pv_public_value, stated);
        close(a.nppv, stated - 1_000.0);
        let dwp = a.agencies.iter().find(|x| x.agency == "jobcentre").unwrap();
        close(dwp.pv_fiscal_benefit, transfer);
        let icb = a.agencies.iter().find(|x| x.agency == "icb").unwrap();
        close(icb.pv_fiscal_benefit, fiscal - transfer);
    }
}
