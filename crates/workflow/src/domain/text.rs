//! Small text helpers shared by the parsers: clerks type on Japanese keyboards,
//! so full-width digits, letters and dashes are folded to ASCII before checking.

/// Folds a full-width ASCII variant (`０`-`９`, `Ａ`-`Ｚ`, `ａ`-`ｚ`) to ASCII and
/// every dash-like character clerks type for a hyphen to `-`.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFF01 + 0x21).unwrap_or(c),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' => '-',
        '\u{3000}' => ' ',
        other => other,
    }
}

/// True for characters that would corrupt a printed line or a log: C0/C1
/// controls, and line/paragraph separators.
pub(crate) fn is_control(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Trims ASCII and ideographic spaces from both ends.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
}
