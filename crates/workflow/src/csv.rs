//! One CSV cell, as every CSV of ours writes it (the server's exports, the
//! store's audit export, the 発送簿): RFC 4180 quoting, and formula-leading
//! text made inert for spreadsheets.
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
//! would be run as a formula by Excel (a reason typed as
//! `=HYPERLINK(...)` could send a click elsewhere), so it is written with a
//! `'` in front, which Excel shows as text. A cell that begins with `'`
//! gets one too, so the rule reverses without doubt: **a cell that begins
//! with `'` had one `'` added; drop it** ([`unescape`]). Auditors who
//! recompute the audit chain from an export apply exactly that to every
//! cell before hashing.

/// The characters that start a formula, plus the escape itself.
const ESCAPED_LEADERS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// `value` as one CSV cell: escaped when formula-leading, quoted when it
/// holds a comma, quote or line break.
pub fn cell(value: &str) -> String {
    let text = if value.starts_with(ESCAPED_LEADERS) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The value a cell's text (already unquoted) was written from.
pub fn unescape(text: &str) -> &str {
    text.strip_prefix('\'').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_stays_as_it_is_and_separators_are_quoted() {
        assert_eq!(cell("R8-000123-4"), "R8-000123-4");
        assert_eq!(cell("山田, \"太郎\""), "\"山田, \"\"太郎\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell(r#"{"a":1,"b":2}"#), r#""{""a"":1,""b"":2}""#);
    }

    #[test]
    fn formula_leading_cells_are_made_text_for_spreadsheets() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("+81"), "'+81");
        assert_eq!(cell("-本人申出"), "'-本人申出");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(
            cell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
    }

    #[test]
    fn every_value_comes_back_from_its_cell_even_one_that_began_with_the_escape() {
        for value in ["plain", "=1+1", "'=1+1", "'quoted'", "-x", "", "2026-11-30"] {
            let written = cell(value);
            let unquoted = written
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .map_or(written.clone(), |t| t.replace("\"\"", "\""));
            assert_eq!(unescape(&unquoted), value, "{written}");
        }
    }
}
