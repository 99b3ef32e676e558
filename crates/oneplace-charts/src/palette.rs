//! Colours: the Okabe–Ito palette, chosen because its hues stay distinct for
//! readers with the common forms of colour-blindness and in greyscale print.
//!
//! Meanings are fixed across charts so a reader learns them once:
//! vermillion is money going out (a loss, a cost), blue is money coming in
//! (a gain, a benefit).

use plotters::style::RGBColor;

/// Okabe–Ito orange.
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
/// Okabe–Ito sky blue.
pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
/// Okabe–Ito bluish green.
pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Okabe–Ito blue.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe–Ito vermillion.
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Okabe–Ito reddish purple.
pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);

/// Losses and costs.
pub const LOSS: RGBColor = VERMILLION;
/// Gains and benefits.
pub const GAIN: RGBColor = BLUE;
/// Text, axes, zero lines and markers: near-black is softer than pure black
/// but still has ample contrast on white.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text (legend, input labels).
pub const MUTED_INK: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
/// Fainter grid lines.
pub const GRID_LIGHT: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);
/// Background.
pub const BACKGROUND: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);

/// Every colour the charts draw with. The SVG post-processor reserves
/// colours whose red component is 0x01 for its own markers, so none of these
/// may have it (checked in the tests).
pub const ALL: [RGBColor; 13] = [
    ORANGE,
    SKY_BLUE,
    BLUISH_GREEN,
    BLUE,
    VERMILLION,
    REDDISH_PURPLE,
    LOSS,
    GAIN,
    INK,
    MUTED_INK,
    GRID,
    GRID_LIGHT,
    BACKGROUND,
];

/// `#RRGGBB` as plotters writes it into the SVG, for tests and callers that
/// want to style companion HTML to match.
pub fn hex(color: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_palette_colour_collides_with_the_reserved_marker_colours() {
        for c in ALL {
            assert_ne!(c.0, crate::svg::RESERVED_RED, "{}", hex(c));
        }
    }

    #[test]
    fn hex_matches_plotters_format() {
        assert_eq!(hex(ORANGE), "#E69F00");
    }
}
