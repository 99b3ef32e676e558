//! Figures checked against answers worked by hand or published elsewhere,
//! never against the code under test.

use oneplace_core::Money;
use oneplace_estate::analysis::{UtilisationBasis, analyse, co_location_candidates};
use oneplace_estate::geo::{EARTH_MEAN_RADIUS_KM, LatLon, central_angle, distance_km};
use oneplace_estate::model::Thresholds;
use oneplace_estate::options::{appraise_options, read_options};
use oneplace_estate::{Place, Register, SiteId, read_place, read_register};
use oneplace_refdata::ReferenceData;

const PLACE: &str = r#"
[place]
name = "Testshire"
price_year = "2025/26"

[[partner]]
id = "county"
name = "Testshire County Council"
kind = "county-council"

[[partner]]
id = "police"
name = "Testshire Police"
kind = "police"
"#;

const HEADER: &str = "partner,reference,name,postcode,latitude,longitude,tenure,use,floor_area_m2,site_area_ha,capacity,occupants,utilisation,condition,rent,rates,energy,water,cleaning,maintenance,security,other_costs,backlog_maintenance,book_value,market_value,services";

/// A register row from (column, value) pairs; other columns blank.
fn row(values: &[(&str, &str)]) -> String {
    HEADER
        .split(',')
        .map(|c| values.iter().find(|(k, _)| *k == c).map_or("", |(_, v)| *v))
        .collect::<Vec<_>>()
        .join(",")
}

fn register(place: &Place, rows: &[String]) -> Register {
    let text = format!("{HEADER}\n{}\n", rows.join("\n"));
    read_register(place, "register.csv", &text).unwrap()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

fn testshire() -> (Place, Register) {
    let place = read_place("place.toml", PLACE).unwrap();
    let rows = [
        row(&[
            ("partner", "county"),
            ("reference", "A"),
            ("name", "Shire Hall"),
            ("latitude", "52.0"),
            ("longitude", "-1.0"),
            ("tenure", "freehold"),
            ("use", "office"),
            ("floor_area_m2", "1250"),
            ("capacity", "100"),
            ("occupants", "45"),
            ("rates", "32500"),
            ("energy", "27500"),
            ("water", "3750"),
            ("cleaning", "18750"),
            ("maintenance", "25000"),
            ("security", "7500"),
            ("other_costs", "10000"),
        ]),
        row(&[
            ("partner", "county"),
            ("reference", "B"),
            ("name", "Library"),
            ("latitude", "52.01"),
            ("longitude", "-1.0"),
            ("tenure", "leasehold"),
            ("use", "library"),
            ("floor_area_m2", "400"),
            ("capacity", "20"),
            ("occupants", "12"),
            ("utilisation", "72%"),
            ("rent", "8000"),
            ("energy", "6000"),
            ("cleaning", "4000"),
        ]),
        row(&[
            ("partner", "county"),
            ("reference", "C"),
            ("name", "Old school site"),
            ("latitude", "52.05"),
            ("longitude", "-1.05"),
            ("tenure", "freehold"),
            ("use", "land"),
            ("floor_area_m2", "0"),
            ("security", "6000"),
            ("market_value", "1500000"),
        ]),
        row(&[
            ("partner", "police"),
            ("reference", "P1"),
            ("name", "Police Station"),
            ("latitude", "52.002"),
            ("longitude", "-1.003"),
            ("tenure", "freehold"),
            ("use", "police-station"),
            ("floor_area_m2", "800"),
            ("capacity", "40"),
            ("occupants", "30"),
            ("rates", "20000"),
            ("energy", "16000"),
            ("maintenance", "12000"),
            ("market_value", "200000"),
        ]),
    ];
    let reg = register(&place, &rows);
    (place, reg)
}

#[test]
fn cost_per_square_metre_per_occupant_and_utilisation_by_hand() {
    let (place, reg) = testshire();
    let a = analyse(&place, &reg, place.analysis);
    let site = |r: &str| a.sites.iter().find(|m| m.site.reference == r).unwrap();

    // Shire Hall: 32,500 + 27,500 + 3,750 + 18,750 + 25,000 + 7,500 + 10,000
    // = £125,000 a year over 1,250 m² and 45 people.
    let hall = site("A");
    assert_eq!(hall.running_cost, Money::from_pounds(125_000));
    // 125,000 ÷ 1,250 = £100.00 per m².
    assert!(close(hall.cost_per_m2.unwrap(), 100.0, 1e-9));
    // 125,000 ÷ 45 = £2,777.78 per occupant.
    assert!(close(
        hall.cost_per_occupant.unwrap(),
        2_777.777_777_8,
        1e-6
    ));
    // 1,250 ÷ 45 = 27.78 m² per occupant.
    assert!(close(hall.m2_per_occupant.unwrap(), 27.777_777_8, 1e-6));
    // No survey: 45 occupants ÷ 100 workstations = 45%, under 60%.
    assert_eq!(hall.utilisation, Some(0.45));
    assert_eq!(hall.utilisation_basis, Some(UtilisationBasis::Occupancy));
    assert!(hall.under_used);
    assert_eq!(hall.spare_capacity, Some(55));

    // Library: 8,000 + 6,000 + 4,000 = £18,000 over 400 m² = £45.00 per m².
    // The survey's 72% stands, not 12 ÷ 20 = 60%: not under-used.
    let library = site("B");
    assert!(close(library.cost_per_m2.unwrap(), 45.0, 1e-9));
    assert_eq!(library.utilisation, Some(0.72));
    assert_eq!(library.utilisation_basis, Some(UtilisationBasis::Measured));
    assert!(!library.under_used);

    // Land has a running cost (security) but no cost per m².
    let land = site("C");
    assert_eq!(land.running_cost, Money::from_pounds(6_000));
    assert_eq!(land.cost_per_m2, None);
    assert_eq!(land.utilisation, None);

    // The county: £149,000 in all; per m² only over its buildings:
    // (125,000 + 18,000) ÷ (1,250 + 400) = 143,000 ÷ 1,650 = £86.67;
    // per occupant (125,000 + 18,000) ÷ (45 + 12) = £2,508.77.
    let county = &a.partners[0];
    assert_eq!(county.running_cost, Money::from_pounds(149_000));
    assert!(close(
        county.cost_per_m2.unwrap(),
        143_000.0 / 1_650.0,
        1e-9
    ));
    assert!(close(county.cost_per_m2.unwrap(), 86.67, 0.005));
    assert!(close(county.cost_per_occupant.unwrap(), 2_508.77, 0.005));
    assert_eq!(county.under_used, 1);
    assert_eq!(county.running_costs.rent, Money::from_pounds(8_000));

    // The estate: police station 20,000 + 16,000 + 12,000 = 48,000 over
    // 800 m²; (143,000 + 48,000) ÷ (1,650 + 800) = 191,000 ÷ 2,450 = £77.96.
    assert!(close(a.estate.cost_per_m2.unwrap(), 77.96, 0.005));
    assert_eq!(a.estate.running_cost, Money::from_pounds(197_000));
    assert_eq!(a.estate.occupants, 87);

    // At 80% the police station (30 ÷ 40 = 75%) and the library (72%)
    // are under-used too.
    let strict = analyse(
        &place,
        &reg,
        Thresholds {
            under_used_below: 0.8,
            ..place.analysis
        },
    );
    assert_eq!(strict.under_used().count(), 3);
}

#[test]
fn great_circle_distances_match_published_figures() {
    // Ed Williams' Aviation Formulary works the distance from Los Angeles
    // (LAX, 33°57'N 118°24'W) to New York (JFK, 40°38'N 73°47'W) by this
    // formula: d = 0.623585 radians, about 2,144 nautical miles.
    let lax = LatLon::new(33.0 + 57.0 / 60.0, -(118.0 + 24.0 / 60.0));
    let jfk = LatLon::new(40.0 + 38.0 / 60.0, -(73.0 + 47.0 / 60.0));
    let d = central_angle(lax, jfk);
    assert!(close(d, 0.623_585, 5e-7), "{d}");
    // One nautical mile is one minute of arc.
    let nautical_miles = d.to_degrees() * 60.0;
    assert!(close(nautical_miles, 2_144.0, 0.5), "{nautical_miles}");

    // Land's End (50.0657°N, 5.7132°W) to John o' Groats (58.6373°N,
    // 3.0689°W): 603 miles, 970 km, as the crow flies, the figure usually
    // published. A sphere is within about 0.5% of the ellipsoid.
    let km = distance_km(LatLon::new(50.0657, -5.7132), LatLon::new(58.6373, -3.0689));
    assert!((km / 970.0 - 1.0).abs() < 0.005, "{km}");
}

#[test]
fn nearby_sites_agree_with_the_spherical_law_of_cosines() {
    // Two points on one meridian, 0.01° apart: the distance is R × Δφ =
    // 6,371.0088 km × 0.01 × π / 180 = 6,371.0088 × 0.000174533 = 1.111951 km.
    let a = LatLon::new(52.0, -1.0);
    let b = LatLon::new(52.01, -1.0);
    assert!(close(distance_km(a, b), 1.111_951, 1e-6));

    // Shire Hall (52.0°N, 1.0°W) to the police station (52.002°N,
    // 1.003°W), by the spherical law of cosines:
    // cos c = sin φ1 sin φ2 + cos φ1 cos φ2 cos Δλ.
    let (phi1, phi2) = (52.0_f64.to_radians(), 52.002_f64.to_radians());
    let d_lambda = (-1.003_f64 - -1.0_f64).to_radians();
    let cos_c = phi1.sin() * phi2.sin() + phi1.cos() * phi2.cos() * d_lambda.cos();
    let by_hand = EARTH_MEAN_RADIUS_KM * cos_c.acos();
    // About 0.3 km: Δφ = 0.002° is 222 m north, Δλ = 0.003° is
    // 0.003 × 111.195 × cos 52° = 205 m west, √(222² + 205²) ≈ 303 m.
    assert!(close(by_hand, 0.303, 0.002), "{by_hand}");
    let haversine = distance_km(LatLon::new(52.0, -1.0), LatLon::new(52.002, -1.003));
    assert!(close(haversine, by_hand, 1e-6), "{haversine} {by_hand}");
}

#[test]
fn co_location_pairs_different_partners_within_the_distance() {
    let (_place, reg) = testshire();
    // Shire Hall and the police station are 0.303 km apart; the library is
    // 1.11 km north of the hall and 0.92 km from the police station (both
    // county sites, so never paired with each other); land is not paired.
    let pairs = co_location_candidates(&reg, 0.5);
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].a, SiteId::parse("county/A").unwrap());
    assert_eq!(pairs[0].b, SiteId::parse("police/P1").unwrap());
    assert!(close(pairs[0].distance_km, 0.303, 0.002));
    // The station's 30 people fit in the hall's 55 spare places; the
    // hall's 45 do not fit in the station's 10.
    assert_eq!(pairs[0].fits, Some("b → a"));
    assert_eq!(co_location_candidates(&reg, 1.0).len(), 2);
}

#[test]
fn pruned_search_finds_every_pair_a_full_search_finds() {
    // Sites scattered over a county by a fixed linear congruential
    // sequence; the latitude-band search must find exactly the pairs that
    // comparing every pair finds.
    let place = read_place("place.toml", PLACE).unwrap();
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut rows = Vec::new();
    for i in 0..300 {
        let lat = format!("{:.6}", 52.5 + next() * 0.3);
        let lon = format!("{:.6}", -1.0 + next() * 0.4);
        let partner = if next() < 0.5 { "county" } else { "police" };
        let reference = format!("S{i}");
        rows.push(row(&[
            ("partner", partner),
            ("reference", &reference),
            ("name", "Site"),
            ("latitude", &lat),
            ("longitude", &lon),
            ("tenure", "freehold"),
            ("use", "office"),
            ("floor_area_m2", "100"),
        ]));
    }
    let reg = register(&place, &rows);
    for within in [0.3, 1.0, 2.5] {
        let found = co_location_candidates(&reg, within);
        let mut expected = 0;
        for (i, a) in reg.sites.iter().enumerate() {
            for b in &reg.sites[i + 1..] {
                if a.partner != b.partner && distance_km(a.location, b.location) <= within {
                    expected += 1;
                }
            }
        }
        assert_eq!(found.len(), expected, "within {within} km");
        assert!(
            found
                .windows(2)
                .all(|w| w[0].distance_km <= w[1].distance_km)
        );
    }
}

const OPTIONS: &str = r#"
[appraisal]
first_year = "2026/27"
years = 4

[[option]]
id = "move-in"
name = "Police move into Shire Hall"
host = "county/A"
confidence = 1

  [[option.vacate]]
  site = "police/P1"
  from = "2027/28"
  dispose = true

  [[option.cost]]
  name = "Refit"
  partner = "county"
  type = "capital"
  amounts = { "2026/27" = "£100,000" }
"#;

#[test]
fn an_option_appraised_by_hand_at_the_green_book_rate() {
    let (place, reg) = testshire();
    let data = ReferenceData::embedded();
    let file = read_options("options.toml", OPTIONS, &place, &reg, data).unwrap();
    let results = appraise_options(&place, &reg, &file, data);
    let r = &results[0];
    let a = &r.appraisal;

    // Discount factors at 3.5%: DF(0) = 1, DF(1) = 1/1.035 = 0.966183575,
    // DF(2) = 1/1.035² = 0.933510700, DF(3) = 1/1.035³ = 0.901942706.
    // Years 1–3 sum to 2.801636981.
    let df = [1.0, 0.966_183_575, 0.933_510_700, 0.901_942_706];
    for (t, f) in df.iter().enumerate() {
        assert!(close(a.years[t].discount_factor, *f, 1e-9));
    }
    let annuity = 2.801_636_981;

    // Grade 1: no optimism bias. Cost: £100,000 in year 0.
    assert!(close(a.totals.pv_costs, 100_000.0, 1e-6));
    // The station's running costs stop from year 1: 16,000 + 12,000 =
    // £28,000 a year besides rates, and £20,000 of rates.
    // PV running costs = 28,000 × 2.801636981 = 78,445.835
    // PV rates         = 20,000 × 2.801636981 = 56,032.740
    // PV receipt       = 200,000 × 0.966183575 = 193,236.715 (sold in year 1)
    let pv_running = 28_000.0 * annuity;
    let pv_rates = 20_000.0 * annuity;
    let pv_receipt = 200_000.0 * df[1];
    assert!(close(pv_running, 78_445.835, 0.001));
    assert!(close(pv_rates, 56_032.740, 0.001));
    assert!(close(pv_receipt, 193_236.715, 0.001));
    assert!(close(r.pv_receipts, pv_receipt, 0.01));
    assert!(close(
        r.pv_running_cost_savings,
        pv_running + pv_rates,
        0.01
    ));
    // PV fiscal = 78,445.835 + 56,032.740 + 193,236.715 = 327,715.290;
    // NPBI = 327,715.290 − 100,000 = 227,715.290.
    assert!(close(a.totals.pv_fiscal, 327_715.290, 0.01));
    assert!(close(a.npbi, 227_715.290, 0.01));
    // Rates and the receipt are transfers: public value is the running
    // costs alone, 78,445.835; NPPV = 78,445.835 − 100,000 = −21,554.165;
    // the benefit-cost ratio 0.784.
    assert!(close(a.totals.pv_transfers, 56_032.740 + 193_236.715, 0.01));
    assert!(close(a.totals.pv_public_value, 78_445.835, 0.01));
    assert!(close(a.nppv, -21_554.165, 0.01));
    assert!(close(a.public_value_roi.unwrap(), 0.784_458, 1e-5));
    assert_eq!(a.value_for_money_band, Some("poor"));
    // The county pays, the police benefit.
    let agency = |id: &str| a.agencies.iter().find(|x| x.agency == id).unwrap();
    assert!(close(agency("county").pv_cost, 100_000.0, 1e-6));
    assert!(close(agency("county").pv_fiscal_benefit, 0.0, 1e-9));
    assert!(close(agency("police").pv_fiscal_benefit, 327_715.290, 0.01));
    // Discounted: −100,000 in year 0, then +(48,000 + 200,000) × 0.966 in
    // year 1: paid back in year 1.
    assert_eq!(a.payback_year_discounted, Some(1));
    // One Public Estate's measures, undiscounted.
    assert_eq!(r.capital_receipts, Money::from_pounds(200_000));
    assert_eq!(r.annual_saving, Money::from_pounds(48_000));
    assert_eq!(r.capital_costs, Money::from_pounds(100_000));
    assert_eq!(r.kind, "co-location");
    // 30 police move; the hall has 100 − 45 = 55 places spare.
    assert_eq!(r.moving, Some(30));
    assert_eq!(r.host_spare_capacity, Some(55));
}

#[test]
fn optimism_bias_and_valued_homes_follow_the_grades() {
    let (place, reg) = testshire();
    let data = ReferenceData::embedded();
    let text = OPTIONS.replace("confidence = 1", "confidence = 3")
        + r#"
  [[option.outcome]]
  measure = "homes"
  count = 10
  year = "2028/29"
  economic = "£20,000"
  deadweight = "25%"
  value_source = "a test figure"

  [[option.outcome]]
  measure = "jobs"
  count = 4
  year = "2028/29"
"#;
    let file = read_options("options.toml", &text, &place, &reg, data).unwrap();
    let r = &appraise_options(&place, &reg, &file, data)[0];
    let a = &r.appraisal;
    // Grade 3 in the shipped table: costs +10%, benefits −10%.
    assert!(close(a.totals.pv_costs, 110_000.0, 1e-6));
    assert!(close(a.totals.pv_fiscal, 327_715.290 * 0.9, 0.01));
    // Homes: 10 × (1 − 25%) × £20,000 × (1 − 10%) in year 2, discounted by
    // 0.933510700: 135,000 × 0.933510700 = 126,023.945.
    assert!(close(a.totals.pv_economic, 126_023.945, 0.01));
    // Public value: 78,445.835 × 0.9 + 126,023.945 = 196,625.197.
    assert!(close(a.totals.pv_public_value, 196_625.197, 0.01));
    assert_eq!((r.homes, r.jobs), (10, 4));
    assert_eq!(r.unmonetised, vec!["Jobs created: 4 jobs"]);
}
