//! The deal document as PDF, through krilla (PDF writing, font embedding
//! and subsetting) and krilla-svg (the charts, drawn from the same SVG as
//! the HTML document).
//!
//! The text is set in Liberation Sans, shipped with the crate (`fonts/`,
//! SIL Open Font License), so that nothing is read from the system and the
//! PDF looks the same on every machine. Layout is deliberately simple:
//! A4 landscape pages, headings, paragraphs wrapped at word boundaries, and
//! tables whose columns share the width by their content, rows breaking
//! across pages with the header repeated.

use std::sync::Arc;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla_svg::{SurfaceExt, SvgSettings};
use oneplace_report::{Cell, Section};

use crate::document::{Chart, DealDocument};

const REGULAR: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/LiberationSans-Bold.ttf");

/// A4 landscape, in points.
const PAGE_W: f32 = 841.89;
const PAGE_H: f32 = 595.28;
const MARGIN: f32 = 42.0;
const BODY: f32 = 9.5;
const TABLE: f32 = 7.5;
const INK: (u8, u8, u8) = (34, 34, 34);
const MUTED: (u8, u8, u8) = (85, 85, 85);
const ACCENT: (u8, u8, u8) = (0, 114, 178);
const RULE: (u8, u8, u8) = (200, 200, 200);
const HEADER_BG: (u8, u8, u8) = (238, 243, 248);

/// Widths of text in one font, from its advance widths.
struct Metrics {
    face: ttf_parser::Face<'static>,
}

impl Metrics {
    fn new(data: &'static [u8]) -> Metrics {
        Metrics {
            face: ttf_parser::Face::parse(data, 0).expect("the shipped font parses"),
        }
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let upem = f32::from(self.face.units_per_em());
        let units: u32 = text
            .chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .map_or(500, u32::from)
            })
            .sum();
        units as f32 * size / upem
    }
}

struct Fonts {
    regular: Font,
    bold: Font,
    regular_metrics: Metrics,
    bold_metrics: Metrics,
}

impl Fonts {
    fn font(&self, bold: bool) -> (&Font, &Metrics) {
        if bold {
            (&self.bold, &self.bold_metrics)
        } else {
            (&self.regular, &self.regular_metrics)
        }
    }
}

/// Splits text into lines no wider than `width`, at spaces where it can
/// and inside words where it must.
fn wrap(text: &str, width: f32, size: f32, m: &Metrics) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if m.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if m.width(word, size) <= width {
            line = word.to_string();
        } else {
            // A word wider than the column: break it by characters.
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if m.width(&next, size) > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn color((r, g, b): (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

/// Lays pages out top to bottom, starting a new page when one is full.
struct Writer<'a> {
    doc: Document,
    fonts: &'a Fonts,
    fontdb: Arc<usvg::fontdb::Database>,
    pages: Vec<Vec<Op>>,
    y: f32,
    title: String,
}

/// What is drawn on a page, recorded so pages can be finished in order.
enum Op {
    Text {
        x: f32,
        y: f32,
        text: String,
        size: f32,
        bold: bool,
        color: (u8, u8, u8),
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: (u8, u8, u8),
        width: f32,
    },
    Svg {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        tree: Box<usvg::Tree>,
    },
}

impl<'a> Writer<'a> {
    fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    fn bottom(&self) -> f32 {
        PAGE_H - MARGIN - 14.0
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    fn room(&mut self, height: f32) {
        if self.pages.is_empty() || (self.y + height > self.bottom() && self.y > MARGIN + 1.0) {
            self.new_page();
        }
    }

    fn op(&mut self, op: Op) {
        if self.pages.is_empty() {
            self.new_page();
        }
        self.pages.last_mut().expect("a page").push(op);
    }

    fn text(
        &mut self,
        x: f32,
        baseline: f32,
        text: &str,
        size: f32,
        bold: bool,
        color: (u8, u8, u8),
    ) {
        self.op(Op::Text {
            x,
            y: baseline,
            text: text.to_string(),
            size,
            bold,
            color,
        });
    }

    /// A wrapped paragraph across the page.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, color: (u8, u8, u8), after: f32) {
        let (_, m) = self.fonts.font(bold);
        let lines = wrap(text, self.width(), size, m);
        let leading = size * 1.35;
        for line in lines {
            self.room(leading);
            self.y += leading;
            let y = self.y - size * 0.3;
            self.text(MARGIN, y, &line, size, bold, color);
        }
        self.y += after;
    }

    fn heading(&mut self, text: &str) {
        // Keep a heading with at least a few lines of what follows.
        self.room(120.0);
        self.y += 10.0;
        self.paragraph(text, 14.0, true, ACCENT, 2.0);
        let y = self.y;
        self.op(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: PAGE_W - MARGIN,
            y2: y,
            color: ACCENT,
            width: 1.2,
        });
        self.y += 6.0;
    }

    fn table(&mut self, s: &Section) {
        let t = &s.table;
        let n = t.columns.len();
        if n == 0 {
            return;
        }
        let pad = 3.0;
        let (_, rm) = self.fonts.font(false);
        let (_, bm) = self.fonts.font(true);
        let texts: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| {
                (0..n)
                    .map(|c| r.get(c).map_or(String::new(), |x| x.to_string()))
                    .collect()
            })
            .collect();
        let numeric: Vec<bool> = (0..n)
            .map(|c| {
                let mut cells = t
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .filter(|x| !matches!(x, Cell::Empty))
                    .peekable();
                cells.peek().is_some() && cells.all(Cell::is_numeric)
            })
            .collect();
        // Natural (one-line) and minimum (longest word) widths per column.
        let mut natural = vec![0f32; n];
        let mut minimum = vec![0f32; n];
        for c in 0..n {
            let heading = &t.columns[c].heading;
            let words = heading
                .split_whitespace()
                .map(|w| bm.width(w, TABLE))
                .fold(0f32, f32::max);
            natural[c] = bm.width(heading, TABLE).min(120.0).max(words);
            minimum[c] = words;
            for row in &texts {
                let cell = &row[c];
                let w = rm.width(cell, TABLE);
                natural[c] = natural[c].max(w.min(260.0));
                let longest = if numeric[c] {
                    w
                } else {
                    cell.split_whitespace()
                        .map(|w| rm.width(w, TABLE))
                        .fold(0f32, f32::max)
                        .min(110.0)
                };
                minimum[c] = minimum[c].max(longest);
            }
        }
        let avail = self.width() - 2.0 * pad * n as f32;
        let widths: Vec<f32> = {
            let total_natural: f32 = natural.iter().sum();
            let total_min: f32 = minimum.iter().sum();
            if total_natural <= avail {
                natural.clone()
            } else if total_min >= avail {
                minimum.iter().map(|m| m * avail / total_min).collect()
            } else {
                let spare = avail - total_min;
                let want: f32 = natural.iter().zip(&minimum).map(|(a, b)| a - b).sum();
                minimum
                    .iter()
                    .zip(&natural)
                    .map(|(m, nat)| m + (nat - m) * spare / want.max(1e-3))
                    .collect()
            }
        };
        let leading = TABLE * 1.3;
        let header: Vec<Vec<String>> = (0..n)
            .map(|c| wrap(&t.columns[c].heading, widths[c], TABLE, bm))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 2.0 * pad;
        let draw_header = |w: &mut Writer| {
            let y0 = w.y;
            let total: f32 = widths.iter().sum::<f32>() + 2.0 * pad * n as f32;
            w.op(Op::Rect {
                x: MARGIN,
                y: y0,
                w: total,
                h: header_h,
                color: HEADER_BG,
            });
            let mut x = MARGIN;
            for c in 0..n {
                for (k, line) in header[c].iter().enumerate() {
                    let lx = if numeric[c] {
                        x + pad + widths[c] - bm.width(line, TABLE)
                    } else {
                        x + pad
                    };
                    w.text(
                        lx,
                        y0 + pad + leading * (k as f32 + 1.0) - TABLE * 0.28,
                        line,
                        TABLE,
                        true,
                        INK,
                    );
                }
                x += widths[c] + 2.0 * pad;
            }
            w.y += header_h;
        };
        self.room(header_h + 3.0 * leading);
        draw_header(self);
        let total: f32 = widths.iter().sum::<f32>() + 2.0 * pad * n as f32;
        for row in &texts {
            let cells: Vec<Vec<String>> = (0..n)
                .map(|c| wrap(&row[c], widths[c], TABLE, rm))
                .collect();
            let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 2.0 * pad;
            if self.y + h > self.bottom() {
                self.new_page();
                draw_header(self);
            }
            let y0 = self.y;
            let mut x = MARGIN;
            for c in 0..n {
                for (k, line) in cells[c].iter().enumerate() {
                    let lx = if numeric[c] {
                        x + pad + widths[c] - rm.width(line, TABLE)
                    } else {
                        x + pad
                    };
                    self.text(
                        lx,
                        y0 + pad + leading * (k as f32 + 1.0) - TABLE * 0.28,
                        line,
                        TABLE,
                        false,
                        INK,
                    );
                }
                x += widths[c] + 2.0 * pad;
            }
            self.y += h;
            let y = self.y;
            self.op(Op::Line {
                x1: MARGIN,
                y1: y,
                x2: MARGIN + total,
                y2: y,
                color: RULE,
                width: 0.5,
            });
        }
        self.y += 8.0;
    }

    fn chart(&mut self, chart: &Chart) -> Result<(), String> {
        let options = usvg::Options {
            fontdb: self.fontdb.clone(),
            font_family: "Liberation Sans".into(),
            ..usvg::Options::default()
        };
        let tree = usvg::Tree::from_str(&chart.svg, &options)
            .map_err(|e| format!("chart '{}' is not valid SVG: {e}", chart.id))?;
        let size = tree.size();
        let w = (self.width() * 0.72).min(size.width());
        let h = w * size.height() / size.width();
        self.room(h + 30.0);
        let x = MARGIN + (self.width() - w) / 2.0;
        let y = self.y + 4.0;
        self.op(Op::Svg {
            x,
            y,
            w,
            h,
            tree: Box::new(tree),
        });
        self.y += h + 8.0;
        self.paragraph(&chart.description, TABLE, false, MUTED, 8.0);
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>, String> {
        let pages = std::mem::take(&mut self.pages);
        let count = pages.len();
        for (i, ops) in pages.into_iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?;
            let mut page = self.doc.start_page_with(settings);
            let mut surface = page.surface();
            for op in ops {
                draw(&mut surface, self.fonts, op);
            }
            let footer = format!("{}  ·  page {} of {count}", self.title, i + 1);
            draw(
                &mut surface,
                self.fonts,
                Op::Text {
                    x: MARGIN,
                    y: PAGE_H - MARGIN + 6.0,
                    text: footer,
                    size: 7.0,
                    bold: false,
                    color: MUTED,
                },
            );
            surface.finish();
            page.finish();
        }
        self.doc
            .finish()
            .map_err(|e| format!("writing the PDF: {e:?}"))
    }
}

fn draw(surface: &mut Surface, fonts: &Fonts, op: Op) {
    match op {
        Op::Text {
            x,
            y,
            text,
            size,
            bold,
            color: c,
        } => {
            surface.set_fill(Some(Fill {
                paint: color(c).into(),
                ..Fill::default()
            }));
            surface.set_stroke(None);
            let (font, _) = fonts.font(bold);
            surface.draw_text(
                Point::from_xy(x, y),
                font.clone(),
                size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            color: c,
        } => {
            if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                let mut pb = PathBuilder::new();
                pb.push_rect(rect);
                if let Some(path) = pb.finish() {
                    surface.set_fill(Some(Fill {
                        paint: color(c).into(),
                        ..Fill::default()
                    }));
                    surface.set_stroke(None);
                    surface.draw_path(&path);
                }
            }
        }
        Op::Line {
            x1,
            y1,
            x2,
            y2,
            color: c,
            width,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(x1, y1);
            pb.line_to(x2, y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: color(c).into(),
                    width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Op::Svg { x, y, w, h, tree } => {
            surface.push_transform(&krilla::geom::Transform::from_translate(x, y));
            if let Some(size) = Size::from_wh(w, h) {
                surface.draw_svg(&tree, size, SvgSettings::default());
            }
            surface.pop();
        }
    }
}

/// The deal document as a PDF file's bytes.
pub fn render_pdf(doc: &DealDocument) -> Result<Vec<u8>, String> {
    let fonts = Fonts {
        regular: Font::new(REGULAR.into(), 0).ok_or("the shipped regular font does not load")?,
        bold: Font::new(BOLD.into(), 0).ok_or("the shipped bold font does not load")?,
        regular_metrics: Metrics::new(REGULAR),
        bold_metrics: Metrics::new(BOLD),
    };
    // The charts name the generic sans-serif family: it is the shipped font.
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(REGULAR.to_vec());
    db.load_font_data(BOLD.to_vec());
    db.set_sans_serif_family("Liberation Sans");
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("en-GB".into())
            .creator("oneplace".into()),
    );
    let mut w = Writer {
        doc: document,
        fonts: &fonts,
        fontdb: Arc::new(db),
        pages: Vec::new(),
        y: MARGIN,
        title: doc.title.clone(),
    };
    w.new_page();
    w.paragraph(&doc.title, 20.0, true, INK, 2.0);
    w.paragraph(&doc.subtitle, 11.0, false, MUTED, 6.0);
    for n in &doc.notes {
        w.paragraph(n, BODY, false, MUTED, 3.0);
    }
    for part in &doc.parts {
        w.heading(&part.section.title);
        for p in &part.paragraphs {
            w.paragraph(p, BODY, false, INK, 4.0);
        }
        for n in &part.section.notes {
            w.paragraph(n, 8.5, false, MUTED, 2.0);
        }
        w.y += 4.0;
        w.table(&part.section);
        for chart in &part.charts {
            w.chart(chart)?;
        }
    }
    w.finish()
}
