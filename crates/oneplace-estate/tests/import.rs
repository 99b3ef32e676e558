//! Importing partners' extracts: units, codes, idempotence, all or
//! nothing, updates, and every kind of bad input located by file, row and
//! column.

use oneplace_core::Money;
use oneplace_estate::{
    ExtractFormat, Mapping, Place, Register, SiteId, import, read_extract, read_mapping,
    read_place, read_register, write_register,
};

const PLACE: &str = r#"
[place]
name = "Testshire"
price_year = "2025/26"

[[partner]]
id = "district"
name = "Testshire District Council"
kind = "district-council"

[[partner]]
id = "police"
name = "Testshire Police"
kind = "police"
"#;

/// A district-style mapping: square feet, acres, £000s, codes.
const MAPPING: &str = r#"
partner = "district"
[units]
floor_area = "ft2"
site_area = "acres"
money = "thousands"
[columns]
reference = "Asset No"
name = "Site"
postcode = "Post Code"
latitude = "Lat"
longitude = "Lon"
tenure = "Holding"
use = "Use Class"
floor_area = "Floor Area (sq ft)"
site_area = "Acres"
capacity = "Desks"
occupants = "Staff"
condition = "Grade"
rates = "Rates £k"
energy = ["Electricity £k", "Gas £k"]
market_value = "Value £k"
[codes.use]
"CIV" = "office"
"CP" = "land"
[codes.condition]
"1" = "A"
"2" = "B"
"3" = "C"
"4" = "D"
"#;

const HEADER: &str = "Asset No,Site,Post Code,Lat,Lon,Holding,Use Class,Floor Area (sq ft),Acres,Desks,Staff,Grade,Rates £k,Electricity £k,Gas £k,Value £k";

fn place() -> Place {
    read_place("place.toml", PLACE).unwrap()
}

fn mapping(place: &Place) -> Mapping {
    read_mapping("district.toml", MAPPING, place).unwrap()
}

fn extract(rows: &[&str]) -> String {
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

const OFFICES: &str =
    "D1,Civic Offices,ts1 1ab,52.1,-1.2,Freehold,CIV,\"10,000\",2.5,80,52,2,12.5,8.25,4,1500";
const CAR_PARK: &str = "D2,Station car park,,52.11,-1.21,Freehold,CP,,1,,,,3,,,400";

fn run(
    place: &Place,
    register: &Register,
    text: &str,
    update: bool,
) -> Result<oneplace_estate::ImportOutcome, String> {
    let map = mapping(place);
    let grid = read_extract("district.csv", text.as_bytes(), ExtractFormat::Csv, None, 1)
        .map_err(|e| e.to_string())?;
    import(place, register, &map, &grid, update).map_err(|e| e.to_string())
}

#[test]
fn units_and_codes_become_the_registers_own() {
    let place = place();
    let out = run(
        &place,
        &Register::default(),
        &extract(&[OFFICES, CAR_PARK]),
        false,
    )
    .unwrap();
    assert_eq!(out.added.len(), 2);
    let site = out
        .register
        .get(&SiteId::parse("district/D1").unwrap())
        .unwrap();
    // 10,000 ft² × 0.09290304 m²/ft² = 929.0304 m², kept to 0.01 m².
    assert_eq!(site.floor_area_m2, 929.03);
    // 2.5 acres × 0.40468564224 ha/acre = 1.0117141056 ha, to 0.0001 ha.
    assert_eq!(site.site_area_ha, Some(1.0117));
    // £000s: 12.5 is £12,500; energy is electricity 8.25 + gas 4 = £12,250.
    assert_eq!(site.running_costs.rates, Money::from_pounds(12_500));
    assert_eq!(site.running_costs.energy, Money::from_pounds(12_250));
    assert_eq!(site.market_value, Some(Money::from_pounds(1_500_000)));
    assert_eq!(site.postcode.as_deref(), Some("TS1 1AB"));
    assert_eq!(site.condition, Some(oneplace_estate::model::Condition::B));
    assert_eq!(site.usage, oneplace_estate::model::Use::Office);
    // Land may carry costs with no floor area.
    let land = out
        .register
        .get(&SiteId::parse("district/D2").unwrap())
        .unwrap();
    assert_eq!(land.floor_area_m2, 0.0);
    assert_eq!(land.running_costs.total(), Money::from_pounds(3_000));
}

#[test]
fn importing_the_same_extract_again_changes_nothing() {
    let place = place();
    let text = extract(&[OFFICES, CAR_PARK]);
    let first = run(&place, &Register::default(), &text, false).unwrap();
    let written = write_register(&first.register);
    // Read back what was written and import the extract again.
    let reread = read_register(&place, "register.csv", &written).unwrap();
    assert_eq!(reread, first.register);
    let second = run(&place, &reread, &text, false).unwrap();
    assert!(!second.changes_register());
    assert_eq!(
        (second.added.len(), second.unchanged, second.changed.len()),
        (0, 2, 0)
    );
    assert_eq!(write_register(&second.register), written);
    // And as an update, too.
    let third = run(&place, &reread, &text, true).unwrap();
    assert!(!third.changes_register());
}

#[test]
fn one_bad_row_stops_the_whole_import_and_every_problem_is_named() {
    let place = place();
    let bad = "D3,Depot,TS1 2CD,52.1,-1.2,Freehold,DEP,\"2,000\",,,,,1,,,";
    let worse = "D4,Hall,TS1 2CE,fifty-two,-1.2,Freehold,CIV,500,,,,9,1,,,";
    let err = run(
        &place,
        &Register::default(),
        &extract(&[OFFICES, bad, CAR_PARK, worse]),
        false,
    )
    .unwrap_err();
    assert!(
        err.contains("district.csv: row 3, column 'Use Class': unknown use 'DEP'"),
        "{err}"
    );
    assert!(
        err.contains("district.csv: row 5, column 'Lat': 'fifty-two' is not a number"),
        "{err}"
    );
    assert!(
        err.contains("district.csv: row 5, column 'Grade': unknown condition '9'"),
        "{err}"
    );
    // The good rows are not imported either: there is no outcome at all.
    assert_eq!(err.lines().count(), 3, "{err}");
}

#[test]
fn a_changed_site_is_refused_unless_updating_and_each_change_is_reported() {
    let place = place();
    let first = run(&place, &Register::default(), &extract(&[OFFICES]), false).unwrap();
    // Someone adds the services by hand; the mapping does not read them.
    let mut register = first.register.clone();
    register.sites[0].services = vec!["planning".into(), "housing".into()];

    let changed = OFFICES
        .replace("\"10,000\"", "\"10,500\"")
        .replace(",8.25,", ",9,");
    let err = run(&place, &register, &extract(&[&changed]), false).unwrap_err();
    // 10,500 ft² = 975.48 m²; energy 9 + 4 = £13,000.
    assert!(
        err.contains("district.csv: row 2, column 'Floor Area (sq ft)': site 'district/D1' is already in the register with other values: floor_area_m2 929.03 → 975.48; energy 12250.00 → 13000.00"),
        "{err}"
    );
    assert!(err.contains("--update"), "{err}");

    let out = run(&place, &register, &extract(&[&changed]), true).unwrap();
    assert_eq!(out.changed.len(), 1);
    let fields: Vec<(&str, &str, &str)> = out.changed[0]
        .fields
        .iter()
        .map(|f| (f.field, f.old.as_str(), f.new.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("floor_area_m2", "929.03", "975.48"),
            ("energy", "12250.00", "13000.00")
        ]
    );
    let site = &out.register.sites[0];
    assert_eq!(site.floor_area_m2, 975.48);
    // What the mapping does not read is kept.
    assert_eq!(site.services, vec!["planning", "housing"]);
}

#[test]
fn sites_missing_from_an_extract_are_kept_and_named() {
    let place = place();
    let first = run(
        &place,
        &Register::default(),
        &extract(&[OFFICES, CAR_PARK]),
        false,
    )
    .unwrap();
    let out = run(&place, &first.register, &extract(&[OFFICES]), false).unwrap();
    assert_eq!(
        out.not_in_extract,
        vec![SiteId::parse("district/D2").unwrap()]
    );
    assert_eq!(out.register.sites.len(), 2);
}

#[test]
fn bad_input_is_refused_with_file_row_and_column() {
    let place = place();
    let cases: [(&str, &str); 7] = [
        // Outside the United Kingdom (Paris).
        (
            "D5,Bureau,,48.8566,2.3522,Freehold,CIV,100,,,,,1,,,",
            "district.csv: row 2, column 'Lat': latitude 48.8566, longitude 2.3522 is outside the United Kingdom",
        ),
        // Latitude and longitude swapped.
        (
            "D5,Office,,-1.2,52.1,Freehold,CIV,100,,,,,1,,,",
            "look swapped",
        ),
        // A building with no floor area but running costs.
        (
            "D5,Office,,52.1,-1.2,Freehold,CIV,0,,,,,1,,,",
            "district.csv: row 2, column 'Floor Area (sq ft)': the floor area is zero but running costs of £1,000.00 are attached",
        ),
        // Numbers that cannot be read.
        (
            "D5,Office,,52.1,-1.2,Freehold,CIV,\"1,00\",,,,,1,,,",
            "district.csv: row 2, column 'Floor Area (sq ft)': '1,00' is not a number",
        ),
        (
            "D5,Office,,52.1,-1.2,Freehold,CIV,100,,12.5,,,1,,,",
            "district.csv: row 2, column 'Desks': the capacity is 12.5, not a whole number",
        ),
        (
            "D5,Office,,52.1,-1.2,Freehold,CIV,100,,,,,0.000001,,,",
            "district.csv: row 2, column 'Rates £k': '0.000001' (£000s) is not an amount to the penny",
        ),
        // A postcode that is not one.
        (
            "D5,Office,NOT A CODE,52.1,-1.2,Freehold,CIV,100,,,,,1,,,",
            "district.csv: row 2, column 'Post Code': 'NOT A CODE' is not a UK postcode",
        ),
    ];
    for (row, expected) in cases {
        let err = run(&place, &Register::default(), &extract(&[row]), false).unwrap_err();
        assert!(err.contains(expected), "{row}\n{err}");
    }
    // The same site twice.
    let err = run(
        &place,
        &Register::default(),
        &extract(&[OFFICES, CAR_PARK, OFFICES]),
        false,
    )
    .unwrap_err();
    assert!(
        err.contains("district.csv: row 4, column 'Asset No': site 'district/D1' appears twice in the extract (first at row 2)"),
        "{err}"
    );
    // A header the mapping expects and the extract lacks.
    let err = run(
        &place,
        &Register::default(),
        &extract(&[]).replace("Lat,", "Latitude,"),
        false,
    )
    .unwrap_err();
    assert!(err.contains("district.csv: row 1: the header row (row 1) has no column 'Lat' (columns.latitude in district.toml)"), "{err}");
}

#[test]
fn a_site_owned_by_an_unknown_partner_is_refused() {
    // A shared extract whose Owner column says whose each site is.
    let place = place();
    let map = read_mapping(
        "shared.toml",
        r#"
[columns]
partner = "Owner"
reference = "Ref"
name = "Name"
latitude = "Lat"
longitude = "Lon"
tenure = "Tenure"
use = "Use"
floor_area = "GIA"
[codes.partner]
"Testshire Police" = "police"
"Testshire DC" = "district"
"#,
        &place,
    )
    .unwrap();
    let text = "Owner,Ref,Name,Lat,Lon,Tenure,Use,GIA\n\
                Testshire Police,P1,Station,52.1,-1.2,freehold,police-station,500\n\
                Testshire Fire,F1,Fire Station,52.1,-1.21,freehold,fire-station,400\n";
    let grid = read_extract("shared.csv", text.as_bytes(), ExtractFormat::Csv, None, 1).unwrap();
    let err = import(&place, &Register::default(), &map, &grid, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shared.csv: row 3, column 'Owner': unknown partner 'Testshire Fire': the place file does not name it"),
        "{err}"
    );
    assert!(err.contains("a code of [codes.partner]"), "{err}");
}

#[test]
fn workbook_cells_are_named_with_their_column() {
    let place = place();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Assets").unwrap();
    for (c, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    let values: [&str; 8] = ["D1", "Civic Offices", "", "", "-1.2", "Freehold", "CIV", ""];
    for (c, v) in values.iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    // Latitude 72°N is in the Arctic; the floor area is a number.
    sheet.write_number(1, 3, 72.0).unwrap();
    sheet.write_number(1, 7, 10_000.0).unwrap();
    sheet.write_number(1, 12, 12.5).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let map = mapping(&place);
    let grid = read_extract("district.xlsx", &bytes, ExtractFormat::Xlsx, None, 1).unwrap();
    let err = import(&place, &Register::default(), &map, &grid, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("district.xlsx: sheet 'Assets', cell D2: column 'Lat': latitude 72, longitude -1.2 is outside the United Kingdom"),
        "{err}"
    );
}

#[test]
fn the_register_file_is_checked_like_an_extract() {
    let place = place();
    let header = "partner,reference,name,postcode,latitude,longitude,tenure,use,floor_area_m2,site_area_ha,capacity,occupants,utilisation,condition,rent,rates,energy,water,cleaning,maintenance,security,other_costs,backlog_maintenance,book_value,market_value,services";
    let good = "police,P1,Station,,52.1,-1.2,freehold,police-station,500,,,,,,0.00,1000.00,0.00,0.00,0.00,0.00,0.00,0.00,,,,";
    let text = format!(
        "{header}\n{good}\nfire,F1,Fire Station,,52.1,-1.2,freehold,fire-station,400,,,,,,,,,,,,,,,,,\n{good}\n"
    );
    let err = read_register(&place, "register.csv", &text)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("register.csv: row 3, column 'partner': unknown partner 'fire'"),
        "{err}"
    );
    assert!(
        err.contains("register.csv: row 4, column 'reference': site 'police/P1' appears twice (first at row 2)"),
        "{err}"
    );
    let err = read_register(&place, "register.csv", &format!("{header},colour\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("register.csv: row 1, column 'colour': unknown column 'colour'"),
        "{err}"
    );
}

#[test]
fn the_example_register_is_written_back_byte_for_byte() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/estate/");
    let place_text = std::fs::read_to_string(format!("{root}place.toml")).unwrap();
    let place = read_place("place.toml", &place_text).unwrap();
    let text = std::fs::read_to_string(format!("{root}register.csv")).unwrap();
    let register = read_register(&place, "register.csv", &text).unwrap();
    assert_eq!(register.sites.len(), 39);
    assert_eq!(write_register(&register), text);
}
