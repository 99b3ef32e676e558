//! Post-processing of plotters' SVG output.
//!
//! plotters writes a flat list of shapes and text and has no notion of
//! groups, titles or ARIA attributes. Web pages need them: screen readers
//! read `role="img"`, `aria-label`, `<title>` and `<desc>`; a `<title>` inside
//! a `<g>` is the hover tooltip of a bar; CSS and tests find bars by class;
//! and `stroke-dasharray` on a group is the only way to get dashed lines,
//! which plotters' SVG backend cannot draw.
//!
//! The trick: while drawing, [`Groups::open`] and [`Groups::close`] draw a
//! single pixel in a reserved colour (red component [`RESERVED_RED`], the
//! other two components numbering the group). plotters writes each element
//! on a line of its own, so [`finish`] can swap those pixel lines for
//! `<g …>` and `</g>` without parsing the SVG. Drawing goes to one backend
//! in program order, so the groups wrap exactly what was drawn in between.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::format::escape_xml;

/// Red component reserved for group markers; no chart colour may use it.
pub(crate) const RESERVED_RED: u8 = 0x01;
/// Marker number meaning "close the innermost group".
const CLOSE: u16 = 0xFFFF;

/// The root drawing area every chart draws on.
pub(crate) type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A group to wrap around the elements drawn until the matching close.
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    /// CSS class, e.g. `"bars"`; tests and stylesheets select on it.
    pub class: String,
    /// Tooltip and accessible name of the group, e.g. "Police pays £1.2k".
    pub title: Option<String>,
    /// Extra presentation attributes inherited by the children, e.g.
    /// `stroke-dasharray`.
    pub attrs: Vec<(&'static str, String)>,
}

impl Group {
    /// A group with only a class.
    pub fn class(class: &str) -> Self {
        Group {
            class: class.to_string(),
            ..Group::default()
        }
    }

    /// Add a tooltip title.
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Make the lines in this group dashed (SVG `stroke-dasharray`).
    pub fn dashed(mut self, pattern: &str) -> Self {
        self.attrs.push(("stroke-dasharray", pattern.to_string()));
        self
    }
}

/// The groups opened while drawing one chart.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    specs: Vec<Group>,
    /// For each open group, whether a marker was actually drawn (groups past
    /// the numbering limit are silently not opened, and so not closed).
    open: Vec<bool>,
}

impl Groups {
    /// Start a group: elements drawn from now on go inside it.
    pub fn open(&mut self, root: &Root, group: Group) -> Result<(), DrawErr> {
        let index = self.specs.len();
        if index >= usize::from(CLOSE) {
            self.open.push(false);
            return Ok(());
        }
        self.specs.push(group);
        self.open.push(true);
        let [high, low] = (index as u16).to_be_bytes();
        root.draw_pixel((0, 0), &RGBColor(RESERVED_RED, high, low))?;
        Ok(())
    }

    /// End the innermost open group.
    pub fn close(&mut self, root: &Root) -> Result<(), DrawErr> {
        if self.open.pop() == Some(true) {
            let [high, low] = CLOSE.to_be_bytes();
            root.draw_pixel((0, 0), &RGBColor(RESERVED_RED, high, low))?;
        }
        Ok(())
    }

    /// Run `draw` inside a group.
    pub fn within<T>(
        &mut self,
        root: &Root,
        group: Group,
        draw: impl FnOnce(&mut Self) -> Result<T, DrawErr>,
    ) -> Result<T, DrawErr> {
        self.open(root, group)?;
        let result = draw(self)?;
        self.close(root)?;
        Ok(result)
    }
}

/// Errors while drawing are boxed: plotters' error type is generic over the
/// backend, and the only thing a chart does with an error is give up.
pub(crate) type DrawErr = Box<dyn std::error::Error>;

/// Turn plotters' raw SVG into the final document: accessibility attributes
/// and elements on the root, group markers replaced by `<g>` elements.
pub(crate) fn finish(raw: &str, groups: &Groups, title: &str, desc: &str) -> String {
    let mut out = String::with_capacity(raw.len() + desc.len() + 256);
    let mut seen_root = false;
    for line in raw.lines() {
        if !seen_root && line.starts_with("<svg") {
            seen_root = true;
            out.push_str(&accessible_root(line, title));
            out.push('\n');
            out.push_str(&format!(
                "<title>{}</title>\n<desc>{}</desc>\n",
                escape_xml(title),
                escape_xml(desc)
            ));
            continue;
        }
        match group_marker(line) {
            Some(CLOSE) => out.push_str("</g>"),
            Some(index) => match groups.specs.get(usize::from(index)) {
                Some(group) => out.push_str(&open_tag(group)),
                // Cannot happen: every marker drawn has a spec. Dropping the
                // line keeps the document well-formed regardless.
                None => continue,
            },
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// `<svg …>` with `role="img"` and an `aria-label`.
fn accessible_root(line: &str, title: &str) -> String {
    let attrs = format!(r#" role="img" aria-label="{}""#, escape_xml(title));
    match line.strip_suffix('>') {
        Some(head) => format!("{head}{attrs}>"),
        None => line.to_string(),
    }
}

/// The group number if `line` is one of our marker pixels.
fn group_marker(line: &str) -> Option<u16> {
    if !line.starts_with("<rect") {
        return None;
    }
    let prefix = format!("fill=\"#{RESERVED_RED:02X}");
    let start = line.find(&prefix)? + prefix.len();
    let digits = line.get(start..start + 4)?;
    u16::from_str_radix(digits, 16).ok()
}

fn open_tag(group: &Group) -> String {
    let mut tag = format!(r#"<g class="{}""#, escape_xml(&group.class));
    for (name, value) in &group.attrs {
        tag.push_str(&format!(r#" {name}="{}""#, escape_xml(value)));
    }
    tag.push('>');
    if let Some(title) = &group.title {
        tag.push_str(&format!("<title>{}</title>", escape_xml(title)));
    }
    tag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_recognised_only_in_the_reserved_colour() {
        assert_eq!(
            group_marker(
                r##"<rect x="0" y="0" width="1" height="1" stroke="none" opacity="1" fill="#010003"/>"##
            ),
            Some(3)
        );
        assert_eq!(
            group_marker(r##"<rect x="0" y="0" width="1" height="1" fill="#01FFFF"/>"##),
            Some(CLOSE)
        );
        assert_eq!(group_marker(r##"<rect fill="#0072B2"/>"##), None);
        assert_eq!(group_marker(r##"<circle fill="#010003"/>"##), None);
    }

    #[test]
    fn root_gets_role_and_label_and_title_and_desc() {
        let raw = "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>\n";
        let out = finish(raw, &Groups::default(), "A & B", "Words");
        assert!(
            out.contains(r#"role="img" aria-label="A &amp; B">"#),
            "{out}"
        );
        assert!(out.contains("<title>A &amp; B</title>\n<desc>Words</desc>"));
    }

    #[test]
    fn open_tag_carries_class_attributes_and_tooltip() {
        let g = Group::class("marker").dashed("4 3").titled("P10 <low>");
        assert_eq!(
            open_tag(&g),
            r#"<g class="marker" stroke-dasharray="4 3"><title>P10 &lt;low&gt;</title>"#
        );
    }
}
