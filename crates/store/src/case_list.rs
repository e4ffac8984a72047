//! The case list at office scale: filters, a total for them, and keyset
//! paging, newest first.
//!
//! Cases are ordered by `(created_at, id)` descending: `created_at` is when
//! the application was registered (the case's `applied_at`) and never
//! changes, and `id` tells apart cases registered in the same microsecond,
//! so the order is total and stable. A page is the rows after (or before) a
//! [`Cursor`], the key of the last (or first) row shown, never an offset:
//! page 2,000 costs what page 1 costs, and a case registered meanwhile
//! neither repeats nor hides a row.
//!
//! Each filter asked for adds its own condition to the statement, so the
//! planner sees only those and can use the index behind them (migration 9):
//! `cases_list (created_at, id, …)` for the order, the cursor and the
//! application dates, `cases_list_state (state, created_at, id, …)` and
//! `cases_list_path (path, created_at, id, …)`. Each index also carries the
//! other columns a filter reads (state, path, reference, reading; the state
//! index the deadline), so the page's ids are found by walking one index in
//! order and checking the rest on its entries, and only the page's own rows
//! are read from the table: a search that matches little walks megabytes of
//! index, not the table with its JSON. The total is a count over the same
//! index.
//!
//! The reading (フリガナ) is kept in `cases.cardholder_kana` in the form the
//! search compares ([`KanaSearch`]): katakana without spaces or middle dots.
//! It is personal data and is purged with the case's `parties`.

use chrono::{DateTime, NaiveDate, Utc};
use shokai_workflow::case::japan_midnight;
use shokai_workflow::{CaseState, Path, PersonName};

use crate::cases::CaseSummary;
use crate::db::{Assembled, Tx, args};
use crate::error::StoreError;

/// Rows on a page when the caller does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// The most rows one page may hold.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Which cases the list shows; every filter is optional and they combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseSearch {
    /// Only cases whose reference starts with this (a whole reference is a prefix of itself).
    pub reference: Option<ReferencePrefix>,
    /// Only cases whose cardholder's reading contains this.
    pub kana: Option<KanaSearch>,
    /// Only cases in this state.
    pub state: Option<CaseState>,
    /// Only cases of this path (申請区分).
    pub path: Option<Path>,
    /// Only cases applied for on or after this Japan date.
    pub applied_from: Option<NaiveDate>,
    /// Only cases applied for on or before this Japan date.
    pub applied_to: Option<NaiveDate>,
    /// Only cases waiting for a response whose deadline passed before this Japan date.
    pub overdue_on: Option<NaiveDate>,
    /// Only cases waiting for a response whose deadline falls in this
    /// inclusive range of Japan dates.
    pub due_between: Option<(NaiveDate, NaiveDate)>,
}

/// Why a typed reference prefix was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReferencePrefixError {
    /// Nothing but spaces.
    #[error("the reference is empty")]
    Empty,
    /// Not the start of a reference such as `R8-000123-4`.
    #[error("`{0}` cannot be part of a reference such as R8-000123-4")]
    WrongShape(char),
    /// Longer than any reference.
    #[error("a reference has at most {max} characters")]
    TooLong {
        /// The longest reference.
        max: usize,
    },
}

/// The start of a reference number (`R8-0001`, or all of `R8-000123-4`), as
/// typed: full-width characters and dashes folded, letters upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferencePrefix(String);

impl ReferencePrefix {
    /// The longest reference (`R99-999999-9`).
    pub const MAX_CHARS: usize = 12;

    /// Parses what a clerk typed.
    pub fn parse(typed: &str) -> Result<ReferencePrefix, ReferencePrefixError> {
        let mut folded = String::new();
        for c in typed.trim_matches([' ', '\u{3000}']).chars() {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                '\u{2010}'..='\u{2015}' | '\u{2212}' | 'ー' | 'ｰ' => '-',
                other => other,
            }
            .to_ascii_uppercase();
            let fits = if folded.is_empty() {
                c == 'R'
            } else {
                c.is_ascii_digit() || c == '-'
            };
            if !fits {
                return Err(ReferencePrefixError::WrongShape(c));
            }
            folded.push(c);
        }
        if folded.is_empty() {
            return Err(ReferencePrefixError::Empty);
        }
        if folded.len() > Self::MAX_CHARS {
            return Err(ReferencePrefixError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(ReferencePrefix(folded))
    }

    /// The prefix, e.g. `R8-0001`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a typed reading was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KanaSearchError {
    /// Nothing but spaces and middle dots.
    #[error("the reading is empty")]
    Empty,
    /// A character that is not kana.
    #[error("the reading must be kana; `{0}` is not")]
    NotKana(char),
}

/// Part of a reading to look for, in the form `cases.cardholder_kana` keeps:
/// katakana (hiragana and half-width katakana are folded to it, a sound
/// mark typed apart joins its kana), without spaces or middle dots, so
/// `やまだ たろう`, `ﾔﾏﾀﾞﾀﾛｳ` and `ヤマダ　タロウ` all find ヤマダ タロウ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KanaSearch(String);

impl KanaSearch {
    /// Parses what a clerk typed.
    pub fn parse(typed: &str) -> Result<KanaSearch, KanaSearchError> {
        let folded = fold_kana(typed).map_err(KanaSearchError::NotKana)?;
        if folded.is_empty() {
            return Err(KanaSearchError::Empty);
        }
        Ok(KanaSearch(folded))
    }

    /// The folded reading.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The reading of `name` as `cases.cardholder_kana` keeps it.
pub(crate) fn stored_kana(name: &PersonName) -> String {
    // A PersonName's reading is katakana, ー, ・, spaces and iteration marks,
    // all of which fold; the fallback only keeps the column total.
    fold_kana(name.kana()).unwrap_or_else(|_| name.kana().replace(['\u{3000}', ' ', '・'], ""))
}

/// Half-width katakana U+FF66..=U+FF9D, in code point order.
const HALF_WIDTH_KATAKANA: &str = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

/// Folds a reading to katakana without spaces or middle dots; the first
/// character that is not kana is the error.
fn fold_kana(text: &str) -> Result<String, char> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ' ' | '\u{3000}' | '・' | '･' => {}
            // Hiragana and its iteration marks sit 0x60 below katakana.
            '\u{3041}'..='\u{3096}' | 'ゝ' | 'ゞ' => {
                out.push(char::from_u32(u32::from(c) + 0x60).unwrap_or(c));
            }
            '\u{30A1}'..='\u{30FA}' | 'ー' | 'ヽ' | 'ヾ' => out.push(c),
            '-' | '－' | '‐' | '−' => out.push('ー'),
            '\u{FF66}'..='\u{FF9D}' => {
                let index = (u32::from(c) - 0xFF66) as usize;
                out.extend(HALF_WIDTH_KATAKANA.chars().nth(index));
            }
            'ﾞ' | 'ﾟ' => {
                let mark = if c == 'ﾞ' { 1 } else { 2 };
                let base = out.pop().ok_or(c)?;
                out.push(with_sound_mark(base, mark).ok_or(c)?);
            }
            other => return Err(other),
        }
    }
    Ok(out)
}

/// `base` with a voiced (1) or semi-voiced (2) sound mark: カ→ガ, ハ→パ, ウ→ヴ.
fn with_sound_mark(base: char, mark: u32) -> Option<char> {
    let voiced = "カキクケコサシスセソタチツテトハヒフヘホ";
    let semi_voiced = "ハヒフヘホ";
    match (base, mark) {
        ('ウ', 1) => Some('ヴ'),
        (b, 1) if voiced.contains(b) => char::from_u32(u32::from(b) + 1),
        (b, 2) if semi_voiced.contains(b) => char::from_u32(u32::from(b) + 2),
        _ => None,
    }
}

/// Which side of its key a [`Cursor`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The older cases after the key (次へ).
    After,
    /// The newer cases before the key (前へ).
    Before,
}

/// Where a page starts: a row's key and which side of it to list. Clients
/// see it only as the opaque text of [`Cursor::encode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// After or before the key.
    pub direction: Direction,
    /// The key row's `created_at`.
    pub created_at: DateTime<Utc>,
    /// The key row's id.
    pub id: i64,
}

/// Why a cursor from a client was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a cursor this server handed out")]
pub struct CursorError;

/// The format of [`Cursor::encode`]; a new format gets a new number.
const CURSOR_VERSION: u8 = 1;

impl Cursor {
    /// Lowercase hex of 18 bytes: format version, direction (`a`fter or
    /// `b`efore), `created_at` in microseconds since 1970 and the id, both
    /// big-endian i64.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(18);
        bytes.push(CURSOR_VERSION);
        bytes.push(match self.direction {
            Direction::After => b'a',
            Direction::Before => b'b',
        });
        bytes.extend(self.created_at.timestamp_micros().to_be_bytes());
        bytes.extend(self.id.to_be_bytes());
        hex::encode(bytes)
    }

    /// Parses [`Cursor::encode`]'s text.
    pub fn decode(text: &str) -> Result<Cursor, CursorError> {
        let bytes = hex::decode(text.trim()).map_err(|_| CursorError)?;
        let [version, direction, rest @ ..] = bytes.as_slice() else {
            return Err(CursorError);
        };
        let (Ok(micros), Ok(id)) = (
            <[u8; 8]>::try_from(rest.get(..8).ok_or(CursorError)?),
            <[u8; 8]>::try_from(rest.get(8..).ok_or(CursorError)?),
        ) else {
            return Err(CursorError);
        };
        let direction = match (*version, *direction) {
            (CURSOR_VERSION, b'a') => Direction::After,
            (CURSOR_VERSION, b'b') => Direction::Before,
            _ => return Err(CursorError),
        };
        Ok(Cursor {
            direction,
            created_at: DateTime::from_timestamp_micros(i64::from_be_bytes(micros))
                .ok_or(CursorError)?,
            id: i64::from_be_bytes(id),
        })
    }

    fn at(direction: Direction, case: &CaseSummary) -> Cursor {
        Cursor {
            direction,
            created_at: case.created_at,
            id: case.id,
        }
    }
}

/// One page of the case list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePage {
    /// The cases, newest first.
    pub cases: Vec<CaseSummary>,
    /// How many cases match the filters, on every page.
    pub total: i64,
    /// The page after this one, if there are older cases.
    pub next: Option<Cursor>,
    /// The page before this one, if this is not the first.
    pub previous: Option<Cursor>,
}

/// `search`'s conditions, appended to `sql`.
fn push_filters(sql: &mut Assembled, search: &CaseSearch) {
    if let Some(state) = search.state {
        sql.push(" AND state = ?", args![state.code()]);
    }
    if let Some(path) = search.path {
        sql.push(" AND path = ?", args![path.code()]);
    }
    if let Some(from) = search.applied_from {
        sql.push(" AND created_at >= ?", args![japan_midnight(from)]);
    }
    if let Some(to) = search.applied_to {
        let end = to.succ_opt().map(japan_midnight);
        sql.push(" AND created_at < ?", args![end]);
    }
    // Both patterns are made of checked characters only (see the parsers):
    // no `%` or `_` of a user's can reach them.
    if let Some(reference) = &search.reference {
        sql.push(
            " AND reference LIKE ?",
            args![format!("{}%", reference.as_str())],
        );
    }
    if let Some(kana) = &search.kana {
        sql.push(
            " AND cardholder_kana LIKE ?",
            args![format!("%{}%", kana.as_str())],
        );
    }
    if let Some(today) = search.overdue_on {
        sql.push(
            " AND state = ? AND deadline < ?",
            args![CaseState::InquiryMailed.code(), today],
        );
    }
    if let Some((from, to)) = search.due_between {
        sql.push(
            " AND state = ? AND deadline >= ? AND deadline <= ?",
            args![CaseState::InquiryMailed.code(), from, to],
        );
    }
}

/// The statement of one page: the ids found on an index alone (see the
/// module doc), then only their rows read from the table; `fetch` rows at
/// most.
fn page_sql(search: &CaseSearch, cursor: Option<&Cursor>, fetch: i64) -> Assembled {
    let mut sql = Assembled::new(
        "SELECT c.id, c.reference, c.path, c.state, c.version, c.deadline, c.created_at, \
         c.updated_at FROM cases AS c JOIN (SELECT id FROM cases WHERE 1 = 1",
    );
    push_filters(&mut sql, search);
    match cursor {
        None => {}
        Some(c) if c.direction == Direction::After => {
            sql.push(" AND (created_at, id) < (?, ?)", args![c.created_at, c.id]);
        }
        Some(c) => {
            sql.push(" AND (created_at, id) > (?, ?)", args![c.created_at, c.id]);
        }
    }
    if cursor.is_some_and(|c| c.direction == Direction::Before) {
        sql.push(
            " ORDER BY created_at, id LIMIT ?) AS page ON page.id = c.id \
             ORDER BY c.created_at, c.id",
            args![fetch],
        );
    } else {
        sql.push(
            " ORDER BY created_at DESC, id DESC LIMIT ?) AS page ON page.id = c.id \
             ORDER BY c.created_at DESC, c.id DESC",
            args![fetch],
        );
    }
    sql
}

/// How many cases match `search`.
pub async fn count_cases(tx: &mut Tx, search: &CaseSearch) -> Result<i64, StoreError> {
    let mut sql = Assembled::new("SELECT COUNT(*) AS n FROM cases WHERE 1 = 1");
    push_filters(&mut sql, search);
    let (sql, args) = sql.finish();
    tx.fetch_one(sql, args).await?.get("n")
}

/// One page of the cases matching `search`, newest first: the first page
/// without a cursor, else the page `cursor` points to; at most `limit` rows
/// (clamped to 1..=[`MAX_PAGE_SIZE`]). With the total for the filters and
/// the cursors of the pages either side.
pub async fn search_cases(
    tx: &mut Tx,
    search: &CaseSearch,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Result<CasePage, StoreError> {
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    let direction = cursor.map(|c| c.direction);
    // One row more than asked says whether there is a page beyond.
    let sql = page_sql(search, cursor, i64::from(limit) + 1);
    let (sql, args) = sql.finish();
    let mut cases = tx
        .fetch_all(sql, args)
        .await?
        .iter()
        .map(CaseSummary::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let beyond = cases.len() > limit as usize;
    cases.truncate(limit as usize);
    if direction == Some(Direction::Before) {
        cases.reverse();
    }
    let first = cases.first().map(|c| Cursor::at(Direction::Before, c));
    let last = cases.last().map(|c| Cursor::at(Direction::After, c));
    let (next, previous) = match direction {
        None => (last.filter(|_| beyond), None),
        Some(Direction::After) => (last.filter(|_| beyond), first),
        Some(Direction::Before) => (last, first.filter(|_| beyond)),
    };
    Ok(CasePage {
        cases,
        total: count_cases(tx, search).await?,
        next,
        previous,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiragana_half_width_and_spaced_readings_fold_to_the_stored_form() {
        let folded = |typed: &str| KanaSearch::parse(typed).unwrap().as_str().to_owned();
        assert_eq!(folded("やまだ たろう"), "ヤマダタロウ");
        assert_eq!(folded("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダタロウ");
        assert_eq!(folded("ﾎﾟｰﾙ･ｽﾐｽ"), "ポールスミス");
        assert_eq!(folded("ｳﾞｨｯﾄ"), "ヴィット");
        assert_eq!(folded("スズキ　イチロー"), "スズキイチロー");
        assert_eq!(folded("すずき いちろ-"), "スズキイチロー");
        let name = PersonName::parse("鈴木 一郎", "すずき いちろう").unwrap();
        assert_eq!(stored_kana(&name), "スズキイチロウ");
    }

    #[test]
    fn a_reading_with_anything_but_kana_is_refused_by_its_character() {
        assert_eq!(
            KanaSearch::parse("ヤマダ%"),
            Err(KanaSearchError::NotKana('%'))
        );
        assert_eq!(
            KanaSearch::parse("山田"),
            Err(KanaSearchError::NotKana('山'))
        );
        assert_eq!(KanaSearch::parse("ﾞ"), Err(KanaSearchError::NotKana('ﾞ')));
        assert_eq!(KanaSearch::parse(" ・ "), Err(KanaSearchError::Empty));
    }

    #[test]
    fn a_reference_prefix_is_folded_to_ascii_and_checked_character_by_character() {
        let parsed = |typed: &str| ReferencePrefix::parse(typed).map(|p| p.as_str().to_owned());
        assert_eq!(parsed(" ｒ８－０００１ "), Ok("R8-0001".to_owned()));
        assert_eq!(parsed("R8ー000123ー4"), Ok("R8-000123-4".to_owned()));
        assert_eq!(parsed("R8_"), Err(ReferencePrefixError::WrongShape('_')));
        assert_eq!(parsed("8-0001"), Err(ReferencePrefixError::WrongShape('8')));
        assert_eq!(parsed("R%"), Err(ReferencePrefixError::WrongShape('%')));
        assert_eq!(
            parsed("R8-000123-4-1"),
            Err(ReferencePrefixError::TooLong { max: 12 })
        );
        assert_eq!(parsed("　"), Err(ReferencePrefixError::Empty));
    }

    #[test]
    fn a_cursor_survives_its_text_and_anything_else_is_refused() {
        let cursor = Cursor {
            direction: Direction::Before,
            created_at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
            id: 4242,
        };
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text), Ok(cursor));
        assert!(text.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
        let other_version = format!("02{}", &text[2..]);
        for bad in ["", "zz", &text[..34], &format!("{text}00"), &other_version] {
            assert_eq!(Cursor::decode(bad), Err(CursorError), "{bad}");
        }
        let wrong_direction = format!("01{}{}", hex::encode("c"), &text[4..]);
        assert_eq!(Cursor::decode(&wrong_direction), Err(CursorError));
    }

    #[test]
    fn a_japan_date_begins_at_15_00_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(
            japan_midnight(day).to_rfc3339(),
            "2026-11-25T15:00:00+00:00"
        );
    }
}
