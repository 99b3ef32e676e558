//! The SVG map: well-formed, accessible, one marker per site, no marker
//! hidden under another.

use oneplace_estate::analysis::co_location_candidates;
use oneplace_estate::map::{map_description, map_svg};
use oneplace_estate::{Place, Register, read_place, read_register};

fn example() -> (Place, Register) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/estate/");
    let place = read_place(
        "place.toml",
        &std::fs::read_to_string(format!("{root}place.toml")).unwrap(),
    )
    .unwrap();
    let register = read_register(
        &place,
        "register.csv",
        &std::fs::read_to_string(format!("{root}register.csv")).unwrap(),
    )
    .unwrap();
    (place, register)
}

#[test]
fn the_example_map_is_accessible_svg_with_every_site() {
    let (place, register) = example();
    let links = co_location_candidates(&register, 0.5);
    let svg = map_svg(&place, &register, &links, 0.5);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(
        root.attribute("aria-label"),
        Some("Northshire: the public estate by partner")
    );
    let child = |name: &str| {
        root.children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(child("title"), "Northshire: the public estate by partner");
    let desc = child("desc");
    assert_eq!(desc, map_description(&place, &register, &links, 0.5));
    assert!(
        desc.starts_with("Map of the 39 sites of Northshire's public estate"),
        "{desc}"
    );
    assert!(
        desc.contains("Northshire County Council 13 sites (orange circles)"),
        "{desc}"
    );
    assert!(
        desc.contains("Northshire Fire and Rescue Service 5 sites (vermillion inverted triangles)"),
        "{desc}"
    );
    assert!(
        desc.contains(&format!("{} co-location candidates", links.len())),
        "{desc}"
    );

    let with_class = |class: &str| {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(class))
            .collect::<Vec<_>>()
    };
    let sites = with_class("site");
    assert_eq!(sites.len(), 39);
    // Every marker has a tooltip naming its site and owner.
    for s in &sites {
        let title = s.children().find(|n| n.has_tag_name("title")).unwrap();
        assert!(title.text().unwrap().contains(" ("), "{:?}", title.text());
    }
    assert!(sites.iter().any(|s| s
        .children()
        .any(|n| n.text() == Some("Kingsmere Police Station (police/P-KM), Northshire Police and Crime Commissioner; police station; 1150 m²; utilisation 31%; running costs £161,100.00 a year"))));
    // One group per partner, in the place file's order.
    let partners: Vec<&str> = with_class("partner")
        .iter()
        .filter_map(|n| n.attribute("data-partner"))
        .collect();
    assert_eq!(partners, ["county", "eastmere", "police", "health", "fire"]);
    assert_eq!(
        with_class("co-location")[0]
            .children()
            .filter(|n| n.is_element())
            .count(),
        links.len()
    );
    for class in ["graticule", "scale-bar", "north-arrow", "legend"] {
        assert_eq!(with_class(class).len(), 1, "{class}");
    }
    // No fonts or images are fetched: the only external reference is the
    // SVG namespace.
    assert!(!svg.contains("href"));
    assert!(!svg.contains("@font-face"));
}

#[test]
fn an_empty_register_still_gives_a_map() {
    let (place, _) = example();
    let svg = map_svg(&place, &Register::default(), &[], 0.5);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(svg.contains("No sites to show"));
    assert!(doc.descendants().any(|n| n.has_tag_name("desc")));
}
