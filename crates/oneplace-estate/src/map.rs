//! Every partner's sites on one map, as an SVG document that needs no map
//! tiles, fonts or network: a graticule of latitude and longitude, a scale
//! bar, a north arrow, one marker per site (a colour and a shape per
//! partner, so the map reads in greyscale and for colour-blind readers),
//! dashed lines joining co-location candidates, and a legend.
//!
//! Like the charts (`oneplace-charts`), the SVG carries `role="img"`, an
//! `aria-label`, a `<title>` and a `<desc>` that says in words what the
//! map shows, and every marker sits in a `<g class="site">` with a
//! `<title>` tooltip naming the site. Colours are the Okabe–Ito palette
//! the charts use.
//!
//! The projection is equirectangular about the estate's centre (east-west
//! distances scaled by the cosine of the central latitude): over a county
//! it is true to scale within a fraction of a percent, and it needs no
//! projection library.

use std::fmt::Write as _;

use oneplace_charts::palette;

use crate::analysis::{CoLocation, utilisation};
use crate::geo::EARTH_MEAN_RADIUS_KM;
use crate::model::{Place, Register, Site, Vocabulary};
use crate::record::trimmed;

const WIDTH: f64 = 820.0;
const HEIGHT: f64 = 650.0;
const LEFT: f64 = 72.0;
const TOP: f64 = 56.0;
const RIGHT: f64 = 250.0;
const BOTTOM: f64 = 58.0;
const MARKER: f64 = 6.5;

/// Marker colours, one per partner in the place file's order (then again
/// with the next shape).
fn colour(i: usize) -> String {
    let colours = [
        palette::ORANGE,
        palette::SKY_BLUE,
        palette::BLUISH_GREEN,
        palette::BLUE,
        palette::VERMILLION,
        palette::REDDISH_PURPLE,
        palette::INK,
    ];
    palette::hex(colours[i % colours.len()])
}

#[derive(Clone, Copy)]
enum Shape {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
}

const SHAPES: [Shape; 5] = [
    Shape::Circle,
    Shape::Square,
    Shape::TriangleUp,
    Shape::Diamond,
    Shape::TriangleDown,
];

fn shape(i: usize) -> Shape {
    SHAPES[i % SHAPES.len()]
}

fn shape_name(i: usize) -> &'static str {
    match shape(i) {
        Shape::Circle => "circles",
        Shape::Square => "squares",
        Shape::TriangleUp => "triangles",
        Shape::Diamond => "diamonds",
        Shape::TriangleDown => "inverted triangles",
    }
}

fn colour_name(i: usize) -> &'static str {
    [
        "orange",
        "sky blue",
        "green",
        "blue",
        "vermillion",
        "purple",
        "black",
    ][i % 7]
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn n(x: f64) -> String {
    trimmed(x, 1)
}

/// A marker of partner `i` centred on (x, y).
fn marker(out: &mut String, i: usize, x: f64, y: f64, r: f64) {
    let fill = colour(i);
    let style = format!(r##"fill="{fill}" stroke="#222222" stroke-width="1""##);
    let _ = match shape(i) {
        Shape::Circle => write!(
            out,
            r#"<circle cx="{}" cy="{}" r="{}" {style}/>"#,
            n(x),
            n(y),
            n(r)
        ),
        Shape::Square => {
            let s = r * 0.9;
            write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" {style}/>"#,
                n(x - s),
                n(y - s),
                n(2.0 * s),
                n(2.0 * s)
            )
        }
        Shape::TriangleUp => {
            let h = r * 1.2;
            write!(
                out,
                r#"<polygon points="{},{} {},{} {},{}" {style}/>"#,
                n(x),
                n(y - h),
                n(x + h),
                n(y + h * 0.8),
                n(x - h),
                n(y + h * 0.8)
            )
        }
        Shape::TriangleDown => {
            let h = r * 1.2;
            write!(
                out,
                r#"<polygon points="{},{} {},{} {},{}" {style}/>"#,
                n(x),
                n(y + h),
                n(x + h),
                n(y - h * 0.8),
                n(x - h),
                n(y - h * 0.8)
            )
        }
        Shape::Diamond => {
            let h = r * 1.25;
            write!(
                out,
                r#"<polygon points="{},{} {},{} {},{} {},{}" {style}/>"#,
                n(x),
                n(y - h),
                n(x + h),
                n(y),
                n(x),
                n(y + h),
                n(x - h),
                n(y)
            )
        }
    };
}

/// Maps latitude and longitude to the page.
struct Projection {
    lat0: f64,
    lon0: f64,
    cos0: f64,
    /// Pixels per kilometre.
    scale: f64,
    /// The page position of (lat0, lon0).
    cx: f64,
    cy: f64,
}

impl Projection {
    fn fit(sites: &[&Site]) -> Projection {
        let (mut lat_min, mut lat_max, mut lon_min, mut lon_max) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for s in sites {
            lat_min = lat_min.min(s.location.lat);
            lat_max = lat_max.max(s.location.lat);
            lon_min = lon_min.min(s.location.lon);
            lon_max = lon_max.max(s.location.lon);
        }
        let lat0 = (lat_min + lat_max) / 2.0;
        let lon0 = (lon_min + lon_max) / 2.0;
        let cos0 = lat0.to_radians().cos();
        let km = |deg: f64| deg.to_radians() * EARTH_MEAN_RADIUS_KM;
        // At least 2 km across, and a margin of a tenth each side.
        let width_km = (km(lon_max - lon_min) * cos0).max(2.0) * 1.2;
        let height_km = km(lat_max - lat_min).max(2.0) * 1.2;
        let (w, h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        Projection {
            lat0,
            lon0,
            cos0,
            scale: (w / width_km).min(h / height_km),
            cx: LEFT + w / 2.0,
            cy: TOP + h / 2.0,
        }
    }

    fn x(&self, lon: f64) -> f64 {
        self.cx + (lon - self.lon0).to_radians() * EARTH_MEAN_RADIUS_KM * self.cos0 * self.scale
    }

    fn y(&self, lat: f64) -> f64 {
        self.cy - (lat - self.lat0).to_radians() * EARTH_MEAN_RADIUS_KM * self.scale
    }

    fn lon(&self, x: f64) -> f64 {
        self.lon0 + ((x - self.cx) / (self.scale * self.cos0 * EARTH_MEAN_RADIUS_KM)).to_degrees()
    }

    fn lat(&self, y: f64) -> f64 {
        self.lat0 + ((self.cy - y) / (self.scale * EARTH_MEAN_RADIUS_KM)).to_degrees()
    }
}

/// A round step giving a handful of lines across `span`.
fn nice_step(span: f64, candidates: &[f64], most: f64) -> f64 {
    candidates
        .iter()
        .copied()
        .find(|s| span / s <= most)
        .unwrap_or(*candidates.last().expect("candidates"))
}

fn degrees(x: f64, positive: char, negative: char, decimals: usize) -> String {
    let text = format!("{:.decimals$}", x.abs());
    if text.trim_start_matches(['0', '.']).is_empty() {
        format!("{text}°")
    } else if x < 0.0 {
        format!("{text}°{negative}")
    } else {
        format!("{text}°{positive}")
    }
}

fn decimals_of(step: f64) -> usize {
    let mut d = 0;
    while (step * 10f64.powi(d as i32)).fract().abs() > 1e-9 && d < 4 {
        d += 1;
    }
    d
}

/// The map's description in words: the `<desc>` of the SVG, for use beside
/// it too.
pub fn map_description(
    place: &Place,
    register: &Register,
    links: &[CoLocation],
    within_km: f64,
) -> String {
    if register.sites.is_empty() {
        return format!("The register of {} has no sites to show.", place.name);
    }
    let by_partner: Vec<String> = place
        .partners
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let count = register.sites.iter().filter(|s| s.partner == p.id).count();
            format!(
                "{} {} site{} ({} {})",
                p.name,
                count,
                if count == 1 { "" } else { "s" },
                colour_name(i),
                shape_name(i)
            )
        })
        .collect();
    let (lat_min, lat_max) = register
        .sites
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), s| {
            (a.min(s.location.lat), b.max(s.location.lat))
        });
    let (lon_min, lon_max) = register
        .sites
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), s| {
            (a.min(s.location.lon), b.max(s.location.lon))
        });
    let links_text = if links.is_empty() {
        format!(
            "No sites of different partners are within {} km of each other.",
            trimmed(within_km, 2)
        )
    } else {
        format!(
            "{} co-location candidate{} (buildings of different partners within {} km) {} joined by dashed lines.",
            links.len(),
            if links.len() == 1 { "" } else { "s" },
            trimmed(within_km, 2),
            if links.len() == 1 { "is" } else { "are" }
        )
    };
    format!(
        "Map of the {} sites of {}'s public estate by partner: {}. {} Sites lie between {} and {} and between {} and {}.",
        register.sites.len(),
        place.name,
        by_partner.join("; "),
        links_text,
        degrees(lat_min, 'N', 'S', 2),
        degrees(lat_max, 'N', 'S', 2),
        degrees(lon_min, 'E', 'W', 2),
        degrees(lon_max, 'E', 'W', 2),
    )
}

/// The tooltip of a site's marker.
fn site_title(place: &Place, s: &Site) -> String {
    let owner = place
        .partner(&s.partner)
        .map_or(s.partner.as_str(), |p| p.name.as_str());
    let mut parts = vec![
        format!("{} ({}), {}", s.name, s.id(), owner),
        s.usage.as_str().replace('-', " "),
    ];
    if s.floor_area_m2 > 0.0 {
        parts.push(format!("{} m²", trimmed(s.floor_area_m2, 0)));
    }
    if let Some((u, _)) = utilisation(s) {
        parts.push(format!("utilisation {}%", trimmed(u * 100.0, 0)));
    }
    parts.push(format!("running costs {} a year", s.running_costs.total()));
    parts.join("; ")
}

/// The map as a complete SVG document. `links` are the co-location
/// candidates to draw (`within_km` is their distance, for the legend).
pub fn map_svg(place: &Place, register: &Register, links: &[CoLocation], within_km: f64) -> String {
    let title = format!("{}: the public estate by partner", place.name);
    let desc = map_description(place, register, links, within_km);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" font-family="sans-serif">"#,
        w = WIDTH,
        h = HEIGHT,
        t = escape(&title)
    );
    let _ = writeln!(
        out,
        "<title>{}</title>\n<desc>{}</desc>",
        escape(&title),
        escape(&desc)
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#FFFFFF"/>"##
    );
    let _ = writeln!(
        out,
        r##"<text x="{}" y="32" font-size="18" font-weight="bold" fill="#222222">{}</text>"##,
        n(LEFT),
        escape(&title)
    );
    let (x0, y0, x1, y1) = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM);
    let _ = writeln!(
        out,
        r##"<rect class="frame" x="{}" y="{}" width="{}" height="{}" fill="#FAFAFA" stroke="#444444" stroke-width="1"/>"##,
        n(x0),
        n(y0),
        n(x1 - x0),
        n(y1 - y0)
    );
    let sites: Vec<&Site> = register
        .sites
        .iter()
        .filter(|s| place.partner(&s.partner).is_some())
        .collect();
    if sites.is_empty() {
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" font-size="14" text-anchor="middle" fill="#444444">No sites to show</text>"##,
            n((x0 + x1) / 2.0),
            n((y0 + y1) / 2.0)
        );
        out.push_str("</svg>\n");
        return out;
    }
    let p = Projection::fit(&sites);

    // Graticule.
    let (lat_lo, lat_hi) = (p.lat(y1), p.lat(y0));
    let (lon_lo, lon_hi) = (p.lon(x0), p.lon(x1));
    let steps = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0];
    let lat_step = nice_step(lat_hi - lat_lo, &steps, 7.0);
    let lon_step = nice_step(lon_hi - lon_lo, &steps, 7.0);
    out.push_str(r##"<g class="graticule" stroke="#DDDDDD" stroke-width="1">"##);
    out.push('\n');
    let mut labels = String::new();
    let mut lat = (lat_lo / lat_step).ceil() * lat_step;
    while lat <= lat_hi {
        let y = p.y(lat);
        let _ = writeln!(
            out,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}"/>"#,
            n(x0),
            n(x1),
            y = n(y)
        );
        let _ = writeln!(
            labels,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#444444">{}</text>"##,
            n(x0 - 6.0),
            n(y + 4.0),
            degrees(lat, 'N', 'S', decimals_of(lat_step))
        );
        lat += lat_step;
    }
    let mut lon = (lon_lo / lon_step).ceil() * lon_step;
    while lon <= lon_hi {
        let x = p.x(lon);
        let _ = writeln!(
            out,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
            n(y0),
            n(y1),
            x = n(x)
        );
        let _ = writeln!(
            labels,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#444444">{}</text>"##,
            n(x),
            n(y1 + 16.0),
            degrees(lon, 'E', 'W', decimals_of(lon_step))
        );
        lon += lon_step;
    }
    out.push_str("</g>\n<g class=\"graticule-labels\">\n");
    out.push_str(&labels);
    out.push_str("</g>\n");

    // Scale bar, bottom left inside the frame.
    // The longest round length within a quarter of the frame.
    let bar_km = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
        .into_iter()
        .rev()
        .find(|k| k * p.scale <= (x1 - x0) / 4.0)
        .unwrap_or(0.1);
    let (bx, by) = (x0 + 14.0, y1 - 16.0);
    let bw = bar_km * p.scale;
    let _ = writeln!(
        out,
        r##"<g class="scale-bar"><title>Scale bar: {km} km</title><rect x="{}" y="{}" width="{}" height="5" fill="#222222"/><rect x="{}" y="{}" width="{}" height="5" fill="#FFFFFF" stroke="#222222" stroke-width="1"/><text x="{}" y="{}" font-size="11" fill="#222222">{km} km</text></g>"##,
        n(bx),
        n(by),
        n(bw / 2.0),
        n(bx + bw / 2.0),
        n(by),
        n(bw / 2.0),
        n(bx),
        n(by - 5.0),
        km = trimmed(bar_km, 1)
    );
    // North arrow, top right inside the frame.
    let (nx, ny) = (x1 - 22.0, y0 + 16.0);
    let _ = writeln!(
        out,
        r##"<g class="north-arrow"><title>North is up</title><polygon points="{},{} {},{} {},{}" fill="#222222"/><text x="{}" y="{}" font-size="12" text-anchor="middle" fill="#222222">N</text></g>"##,
        n(nx),
        n(ny),
        n(nx + 6.0),
        n(ny + 16.0),
        n(nx - 6.0),
        n(ny + 16.0),
        n(nx),
        n(ny + 30.0)
    );

    // Where each marker goes: its own position, or spread round a ring
    // when markers would overlap (sites in the same town), with a leader
    // line to the true position.
    let truth: Vec<(f64, f64)> = sites
        .iter()
        .map(|s| (p.x(s.location.lon), p.y(s.location.lat)))
        .collect();
    let placed = spread(&truth, MARKER);
    let at =
        |id: &crate::model::SiteId| sites.iter().position(|s| s.id() == *id).map(|i| placed[i]);

    // Co-location candidates under the markers, joining the markers.
    if !links.is_empty() {
        out.push_str(r##"<g class="co-location" stroke="#666666" stroke-width="1.5" stroke-dasharray="4 3">"##);
        out.push('\n');
        for l in links {
            let (Some(a), Some(b), Some(pa), Some(pb)) =
                (register.get(&l.a), register.get(&l.b), at(&l.a), at(&l.b))
            else {
                continue;
            };
            let _ = writeln!(
                out,
                r#"<g><title>{} and {}: {} km apart</title><line x1="{}" y1="{}" x2="{}" y2="{}"/></g>"#,
                escape(&a.name),
                escape(&b.name),
                trimmed(l.distance_km, 2),
                n(pa.0),
                n(pa.1),
                n(pb.0),
                n(pb.1)
            );
        }
        out.push_str("</g>\n");
    }

    // Leader lines from moved markers to where the sites are.
    let moved: Vec<usize> = (0..sites.len())
        .filter(|&i| placed[i] != truth[i])
        .collect();
    if !moved.is_empty() {
        out.push_str(r##"<g class="leaders" stroke="#888888" stroke-width="0.8" fill="#222222">"##);
        out.push('\n');
        for i in moved {
            let ((tx, ty), (mx, my)) = (truth[i], placed[i]);
            let _ = writeln!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/><circle cx="{}" cy="{}" r="1.5" stroke="none"/>"#,
                n(tx),
                n(ty),
                n(mx),
                n(my),
                n(tx),
                n(ty)
            );
        }
        out.push_str("</g>\n");
    }

    // Sites, partner by partner so the legend's order is the drawing order.
    for (i, partner) in place.partners.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<g class="partner" data-partner="{}">"#,
            escape(&partner.id)
        );
        for (k, s) in sites
            .iter()
            .enumerate()
            .filter(|(_, s)| s.partner == partner.id)
        {
            let _ = write!(
                out,
                r#"<g class="site"><title>{}</title>"#,
                escape(&site_title(place, s))
            );
            marker(&mut out, i, placed[k].0, placed[k].1, MARKER);
            out.push_str("</g>\n");
        }
        out.push_str("</g>\n");
    }

    // Legend.
    let lx = x1 + 20.0;
    let mut ly = y0 + 8.0;
    out.push_str("<g class=\"legend\">\n");
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" font-size="13" font-weight="bold" fill="#222222">Partners</text>"##,
        n(lx),
        n(ly)
    );
    ly += 22.0;
    for (i, partner) in place.partners.iter().enumerate() {
        let count = sites.iter().filter(|s| s.partner == partner.id).count();
        marker(&mut out, i, lx + 7.0, ly - 4.0, 5.5);
        let words = format!("{} ({count})", partner.name);
        for (k, line) in wrap(&words, 30).iter().enumerate() {
            let _ = writeln!(
                out,
                r##"<text x="{}" y="{}" font-size="12" fill="#222222">{}</text>"##,
                n(lx + 20.0),
                n(ly + 15.0 * k as f64),
                escape(line)
            );
        }
        ly += 15.0 * wrap(&words, 30).len() as f64 + 9.0;
    }
    if !links.is_empty() {
        ly += 6.0;
        let _ = writeln!(
            out,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#666666" stroke-width="1.5" stroke-dasharray="4 3"/>"##,
            n(lx),
            n(ly - 4.0),
            n(lx + 14.0),
            n(ly - 4.0)
        );
        let words = format!(
            "co-location candidate (different partners within {} km)",
            trimmed(within_km, 2)
        );
        for (k, line) in wrap(&words, 30).iter().enumerate() {
            let _ = writeln!(
                out,
                r##"<text x="{}" y="{}" font-size="12" fill="#222222">{}</text>"##,
                n(lx + 20.0),
                n(ly + 15.0 * k as f64),
                escape(line)
            );
        }
    }
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" font-size="10" fill="#444444">WGS84 latitude and longitude, equirectangular projection. Sites closer than a marker are spread round a ring, with a line to where each is.</text>"##,
        n(x0),
        n(y1 + 38.0)
    );
    out.push_str("</g>\n</svg>\n");
    out
}

/// Marker positions with no two markers overlapping: markers closer than
/// a marker's width are gathered into groups and set evenly round a ring
/// about the group's centre, in the order of their bearings from it (so
/// the arrangement keeps its shape); groups whose rings touch are merged
/// and laid out again. Deterministic: the same points give the same
/// layout.
fn spread(points: &[(f64, f64)], r: f64) -> Vec<(f64, f64)> {
    let gap = 2.4 * r;
    let n = points.len();
    // Each point's group, by union-find over close pairs.
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let close = |a: (f64, f64), b: (f64, f64), d: f64| (a.0 - b.0).hypot(a.1 - b.1) < d;
    for i in 0..n {
        for j in i + 1..n {
            if close(points[i], points[j], gap) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut placed = points.to_vec();
    // Lay the groups out until no two rings touch (each round merges at
    // least two groups, so this ends).
    loop {
        let mut groups: std::collections::BTreeMap<usize, Vec<usize>> =
            std::collections::BTreeMap::new();
        for i in 0..n {
            let g = root(&mut parent, i);
            groups.entry(g).or_default().push(i);
        }
        let mut rings: Vec<(usize, (f64, f64), f64)> = Vec::new();
        for (g, members) in &groups {
            let k = members.len();
            let cx = members.iter().map(|&i| points[i].0).sum::<f64>() / k as f64;
            let cy = members.iter().map(|&i| points[i].1).sum::<f64>() / k as f64;
            if k == 1 {
                placed[members[0]] = points[members[0]];
                rings.push((*g, (cx, cy), r));
                continue;
            }
            let radius = (gap * k as f64 / std::f64::consts::TAU).max(gap);
            let mut order = members.clone();
            let bearing = |i: usize| (points[i].1 - cy).atan2(points[i].0 - cx);
            order.sort_by(|&a, &b| bearing(a).total_cmp(&bearing(b)).then(a.cmp(&b)));
            for (slot, &i) in order.iter().enumerate() {
                let angle =
                    -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * slot as f64 / k as f64;
                placed[i] = (cx + radius * angle.cos(), cy + radius * angle.sin());
            }
            rings.push((*g, (cx, cy), radius + r));
        }
        let mut merged = false;
        for a in 0..rings.len() {
            for b in a + 1..rings.len() {
                let ((ga, ca, ra), (gb, cb, rb)) = (rings[a], rings[b]);
                if close(ca, cb, ra + rb + r * 0.5) {
                    let (x, y) = (root(&mut parent, ga), root(&mut parent, gb));
                    if x != y {
                        parent[x.max(y)] = x.min(y);
                        merged = true;
                    }
                }
            }
        }
        if !merged {
            return placed;
        }
    }
}

/// Words in lines of at most `width` characters (a longer word has a line
/// of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_are_labelled_by_hemisphere() {
        assert_eq!(degrees(52.7, 'N', 'S', 2), "52.70°N");
        assert_eq!(degrees(-0.5, 'E', 'W', 1), "0.5°W");
        assert_eq!(degrees(0.0, 'E', 'W', 1), "0.0°");
        assert_eq!(degrees(-0.0001, 'E', 'W', 2), "0.00°");
        assert_eq!(decimals_of(0.05), 2);
        assert_eq!(decimals_of(0.25), 2);
        assert_eq!(decimals_of(1.0), 0);
    }

    #[test]
    fn spread_markers_never_overlap() {
        // Clusters of points (towns) and points on top of one another.
        let mut seed: u64 = 7;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut points = Vec::new();
        for town in 0..6 {
            let (cx, cy) = (100.0 + 60.0 * town as f64, 100.0 + 35.0 * (town % 3) as f64);
            for _ in 0..(3 + town * 2) {
                points.push((cx + next() * 12.0, cy + next() * 12.0));
            }
        }
        points.push(points[0]);
        points.push(points[0]);
        let r = MARKER;
        let placed = spread(&points, r);
        for i in 0..placed.len() {
            for j in i + 1..placed.len() {
                let d = (placed[i].0 - placed[j].0).hypot(placed[i].1 - placed[j].1);
                assert!(d >= 2.0 * r, "{i} and {j} are {d} apart");
            }
        }
        // A point far from any other stays where it is.
        let alone = spread(&[(0.0, 0.0), (500.0, 500.0)], r);
        assert_eq!(alone, vec![(0.0, 0.0), (500.0, 500.0)]);
    }

    #[test]
    fn legend_text_wraps_at_words() {
        assert_eq!(
            wrap("Northshire Community Health NHS Trust (6)", 30),
            vec!["Northshire Community Health", "NHS Trust (6)"]
        );
    }

    #[test]
    fn the_projection_is_true_to_scale_both_ways() {
        use crate::geo::{LatLon, distance_km};
        let site = |lat, lon| Site {
            partner: "x".into(),
            reference: "1".into(),
            name: "x".into(),
            postcode: None,
            location: LatLon::new(lat, lon),
            tenure: crate::model::Tenure::Freehold,
            usage: crate::model::Use::Office,
            floor_area_m2: 0.0,
            site_area_ha: None,
            capacity: None,
            occupants: None,
            utilisation: None,
            condition: None,
            running_costs: Default::default(),
            backlog_maintenance: None,
            book_value: None,
            market_value: None,
            services: vec![],
        };
        let (a, b, c) = (site(52.6, -0.6), site(52.8, -0.6), site(52.7, -0.3));
        let p = Projection::fit(&[&a, &b, &c]);
        // North–south and east–west page distances against great-circle
        // distances (within 0.5%).
        let ns_px = (p.y(a.location.lat) - p.y(b.location.lat)).abs();
        let ns_km = distance_km(a.location, b.location);
        let ew = (LatLon::new(52.7, -0.6), LatLon::new(52.7, -0.3));
        let ew_px = (p.x(ew.1.lon) - p.x(ew.0.lon)).abs();
        let ew_km = distance_km(ew.0, ew.1);
        assert!((ns_px / p.scale / ns_km - 1.0).abs() < 0.005);
        assert!((ew_px / p.scale / ew_km - 1.0).abs() < 0.005);
    }
}
