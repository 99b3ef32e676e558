//! Where a site is: WGS84 coordinates, the distance between two sites, the
//! United Kingdom's bounds, and postcodes.

use serde::Serialize;

/// The Earth's mean radius in kilometres (IUGG mean radius R₁ = (2a + b)/3
/// of the WGS84 ellipsoid). On a sphere of this radius great-circle
/// distances are within about 0.5% of the distance on the ellipsoid, far
/// finer than screening sites for co-location needs.
pub const EARTH_MEAN_RADIUS_KM: f64 = 6371.0088;

/// A point on the WGS84 ellipsoid, in decimal degrees (north and east
/// positive), as GPS, Google Maps and OS Places give them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub const fn new(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }
}

/// The angle at the Earth's centre between two points, in radians, by the
/// haversine formula. Unlike the spherical law of cosines, it stays
/// accurate for points metres apart, which neighbouring public buildings
/// are.
pub fn central_angle(a: LatLon, b: LatLon) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let d_phi = phi2 - phi1;
    let d_lambda = (b.lon - a.lon).to_radians();
    let h = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    // Rounding can take h a hair above 1 for antipodal points.
    2.0 * h.sqrt().min(1.0).asin()
}

/// Great-circle distance in kilometres on a sphere of the Earth's mean
/// radius.
pub fn distance_km(a: LatLon, b: LatLon) -> f64 {
    EARTH_MEAN_RADIUS_KM * central_angle(a, b)
}

/// A box around the United Kingdom: Great Britain, Northern Ireland, the
/// Isles of Scilly, Orkney and Shetland (southernmost point 49.86°N in
/// Scilly, northernmost 60.86°N at Out Stack, westernmost 8.18°W in County
/// Fermanagh, easternmost 1.76°E at Lowestoft Ness), with a little margin.
/// The Channel Islands and the Isle of Man are Crown Dependencies, not the
/// United Kingdom; the Isle of Man falls inside the box, the Channel
/// Islands (south of 49.8°N) outside.
pub const UK_LATITUDE: (f64, f64) = (49.8, 61.0);
pub const UK_LONGITUDE: (f64, f64) = (-8.7, 1.8);

/// Whether a point lies in the box around the United Kingdom.
pub fn in_uk(p: LatLon) -> bool {
    (UK_LATITUDE.0..=UK_LATITUDE.1).contains(&p.lat)
        && (UK_LONGITUDE.0..=UK_LONGITUDE.1).contains(&p.lon)
}

/// Why a point is not in the United Kingdom, in words a user can act on;
/// `None` when it is.
pub fn outside_uk(p: LatLon) -> Option<String> {
    if in_uk(p) {
        return None;
    }
    let swapped = LatLon::new(p.lon, p.lat);
    let hint = if in_uk(swapped) {
        ": the latitude and longitude look swapped"
    } else if p.lat.abs() < 0.5 && p.lon.abs() < 0.5 {
        ": is the location missing (0, 0)?"
    } else {
        ""
    };
    Some(format!(
        "latitude {}, longitude {} is outside the United Kingdom (latitude {} to {}, longitude {} to {}){hint}",
        p.lat, p.lon, UK_LATITUDE.0, UK_LATITUDE.1, UK_LONGITUDE.0, UK_LONGITUDE.1
    ))
}

/// A postcode in its standard form (`NS1 4AB`): upper case, one space
/// before the inward code. `None` if `text` is not shaped like a UK
/// postcode (outward code `A9`, `A99`, `AA9`, `AA99`, `A9A` or `AA9A`,
/// then `9AA`; or `GIR 0AA`). Whether the postcode exists is not checked.
pub fn normalise_postcode(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact == "GIR0AA" {
        return Some("GIR 0AA".to_string());
    }
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    // Letters (L) and digits (D) of the outward code.
    let shape: String = outward
        .bytes()
        .map(|b| {
            if b.is_ascii_alphabetic() {
                'L'
            } else if b.is_ascii_digit() {
                'D'
            } else {
                '?'
            }
        })
        .collect();
    let outward_ok = matches!(
        shape.as_str(),
        "LD" | "LDD" | "LLD" | "LLDD" | "LDL" | "LLDL"
    );
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_take_their_standard_form() {
        assert_eq!(normalise_postcode("ns1 4ab").as_deref(), Some("NS1 4AB"));
        assert_eq!(normalise_postcode("SW1A2AA").as_deref(), Some("SW1A 2AA"));
        assert_eq!(normalise_postcode(" M1  1AE ").as_deref(), Some("M1 1AE"));
        assert_eq!(normalise_postcode("B33 8TH").as_deref(), Some("B33 8TH"));
        assert_eq!(normalise_postcode("CR2 6XH").as_deref(), Some("CR2 6XH"));
        assert_eq!(normalise_postcode("DN55 1PT").as_deref(), Some("DN55 1PT"));
        assert_eq!(normalise_postcode("W1A 0AX").as_deref(), Some("W1A 0AX"));
        assert_eq!(normalise_postcode("gir 0aa").as_deref(), Some("GIR 0AA"));
        for bad in [
            "", "NS1", "NS1 4A", "1NS 4AB", "NS1 AAB", "NSS1 4AB", "NS1-4AB",
        ] {
            assert_eq!(normalise_postcode(bad), None, "{bad}");
        }
    }

    #[test]
    fn uk_bounds_catch_swaps_and_missing_locations() {
        assert!(in_uk(LatLon::new(51.5007, -0.1246)));
        // Out Stack, Shetland; Lowestoft Ness; the Isles of Scilly.
        assert!(in_uk(LatLon::new(60.86, -0.87)));
        assert!(in_uk(LatLon::new(52.48, 1.76)));
        assert!(in_uk(LatLon::new(49.89, -6.36)));
        // St Helier, Jersey, is not in the United Kingdom.
        assert!(!in_uk(LatLon::new(49.18, -2.11)));
        let swapped = outside_uk(LatLon::new(-0.48, 52.63)).unwrap();
        assert!(swapped.contains("look swapped"), "{swapped}");
        let zero = outside_uk(LatLon::new(0.0, 0.0)).unwrap();
        assert!(zero.contains("missing"), "{zero}");
        assert_eq!(outside_uk(LatLon::new(52.63, -0.48)), None);
    }
}
