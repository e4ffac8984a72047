//! Japanese line breaking with kinsoku shori (禁則処理).
//!
//! Japanese text may break between almost any two characters, except that a
//! line must not start with closing brackets, punctuation, small kana or the
//! long-vowel mark (行頭禁則), must not end with an opening bracket (行末禁則),
//! and runs of Latin letters and digits (reference numbers, phone numbers,
//! PIN rules such as `A-Z`) stay whole. When the natural break point is
//! forbidden the break moves earlier (追い出し), which keeps every line inside
//! the measure instead of hanging punctuation into the margin.

/// Characters that must not begin a line.
const NO_LINE_START: &str = "、。，．,.)）]］｝〕〉》」』】〙〗〟’”｠»・：；:;!！?？‐-–〜～ーゝゞヽヾ々ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ%％";

/// Characters that must not end a line.
const NO_LINE_END: &str = "(（[［｛〔〈《「『【〘〖〝‘“｟«〒#＃";

pub(crate) fn may_not_start_line(c: char) -> bool {
    NO_LINE_START.contains(c)
}

pub(crate) fn may_not_end_line(c: char) -> bool {
    NO_LINE_END.contains(c)
}

/// Latin letters, digits and the joiners inside codes like `A-Z0-9` or `03-1234-5678`.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ',' | ':' | '/' | '@' | '_')
}

/// Counters and units that stay with the number before them (数字と単位の分離禁止).
const UNITS: &str = "年月日時分秒号番件桁文字階丁目条点回種枚通";

/// Whether a line may break between `before` and `after`.
pub(crate) fn break_allowed(before: char, after: char) -> bool {
    if may_not_start_line(after) || may_not_end_line(before) {
        return false;
    }
    // Keep 令和8年 and 11月24日 whole: no break between era name and year,
    // nor between a number and its unit.
    let era = (before == '令' && after == '和') || (before == '平' && after == '成');
    if era
        || (before.is_ascii_digit() && UNITS.contains(after))
        || ("和成元".contains(before) && after.is_ascii_digit())
    {
        return false;
    }
    !(is_word_char(before) && is_word_char(after))
}

/// Splits `text` into lines no wider than `max_width`, measuring each character
/// with `advance`. Explicit `\n` always breaks. Leading spaces of a wrapped
/// line are dropped. A run that cannot break anywhere is cut at the measure as
/// a last resort, so layout never loops or overflows.
pub(crate) fn break_lines(
    text: &str,
    max_width: f32,
    advance: impl Fn(char) -> f32,
) -> Vec<String> {
    break_lines_preferring(text, max_width, advance, &[])
}

/// Like [`break_lines`], but when one of `prefer` (e.g. a space or `・` in an
/// address or an office name) lies in the second half of a line, the line
/// breaks after it, so names of buildings and departments stay whole.
pub(crate) fn break_lines_preferring(
    text: &str,
    max_width: f32,
    advance: impl Fn(char) -> f32,
    prefer: &[char],
) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        break_paragraph(paragraph, max_width, &advance, prefer, &mut lines);
    }
    lines
}

fn break_paragraph(
    text: &str,
    max_width: f32,
    advance: &impl Fn(char) -> f32,
    prefer: &[char],
    out: &mut Vec<String>,
) {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        out.push(String::new());
        return;
    }
    let mut start = 0;
    while start < chars.len() {
        let end = fit_end(&chars, start, max_width, advance);
        if end >= chars.len() {
            out.push(chars[start..].iter().collect());
            break;
        }
        let cut = (start + 1..=end)
            .rev()
            .find(|&i| break_allowed(chars[i - 1], chars[i]))
            .unwrap_or(end.max(start + 1));
        let half = start + (cut - start) / 2;
        let cut = (half.max(start + 1)..=cut)
            .rev()
            .find(|&i| {
                prefer.contains(&chars[i - 1])
                    && i < chars.len()
                    && break_allowed(chars[i - 1], chars[i])
            })
            .unwrap_or(cut);
        out.push(
            chars[start..cut]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_owned(),
        );
        start = cut;
        while start < chars.len() && chars[start] == ' ' {
            start += 1;
        }
    }
}

/// The largest `end` such that `chars[start..end]` fits in `max_width`.
fn fit_end(chars: &[char], start: usize, max_width: f32, advance: &impl Fn(char) -> f32) -> usize {
    let mut width = 0.0;
    for (i, &c) in chars.iter().enumerate().skip(start) {
        width += advance(c);
        if width > max_width + 1e-3 {
            return i;
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit wide: a line holds `width` characters.
    fn lines(text: &str, width: f32) -> Vec<String> {
        break_lines(text, width, |_| 1.0)
    }

    #[test]
    fn no_line_starts_with_a_full_stop_or_closing_bracket() {
        let out = lines("あいうえお。かきくけこ」さしすせそ", 5.0);
        assert_eq!(out[0], "あいうえ");
        assert_eq!(out[1], "お。かきく");
        for line in &out {
            let first = line.chars().next().unwrap();
            assert!(!may_not_start_line(first), "{out:?}");
        }
    }

    #[test]
    fn no_line_ends_with_an_opening_bracket() {
        let out = lines("あいうえ「かきくけこ」", 5.0);
        assert_eq!(out[0], "あいうえ");
        assert!(out[1].starts_with('「'));
    }

    #[test]
    fn a_long_vowel_mark_stays_with_the_preceding_kana() {
        let out = lines("カードのパスワード", 4.0);
        assert!(out.iter().all(|l| !l.starts_with('ー')), "{out:?}");
    }

    #[test]
    fn phone_numbers_are_not_split() {
        let out = lines("電話03-1234-5678です", 12.0);
        assert_eq!(out[0], "電話");
        assert_eq!(out[1], "03-1234-5678");
    }

    #[test]
    fn dates_stay_whole() {
        let out = lines("申請（令和8年11月24日受付）", 5.0);
        assert_eq!(out, vec!["申請", "（令和8年", "11月", "24日受", "付）"]);
    }

    #[test]
    fn a_count_stays_with_its_counter() {
        let out = lines("書類1点と5回", 3.0);
        assert_eq!(out, vec!["書類", "1点と", "5回"]);
    }

    #[test]
    fn a_building_name_breaks_at_its_middle_dot_when_one_is_near() {
        let out = break_lines_preferring(
            "グランドメゾン・ザ・レジデンス東棟",
            12.0,
            |_| 1.0,
            &['・', ' '],
        );
        assert_eq!(out, vec!["グランドメゾン・ザ・", "レジデンス東棟"]);
    }

    #[test]
    fn an_unbreakable_run_is_cut_at_the_measure() {
        let out = lines("ABCDEFGHIJ", 4.0);
        assert_eq!(out, vec!["ABCD", "EFGH", "IJ"]);
    }
}
