//! Print batches: which letters go to the print house today, in what order,
//! and the 発送簿 (dispatch manifest) that goes with them.
//!
//! A batch closes at the office's daily cut-off (default 17:00 Japan time)
//! and holds every letter issued before it that no earlier batch took.
//! Letters render in parallel (rayon, all cores) sharing one parsed font.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rayon::prelude::*;

use super::layout::{MarkRole, PageModel, Paint, Pen};
use super::pdf::write_pdf;
use super::{
    CodeVisibility, LetterContent, LetterError, LetterFonts, LetterSettings, LetterTemplate,
    RenderedLetter, compose_checked, fingerprint,
};

/// Japan Standard Time is UTC+9 all year (no daylight saving).
const JST_OFFSET_HOURS: i64 = 9;

/// The instant a batch for `date` (a Japan date) closes.
pub fn batch_close(date: NaiveDate, cutoff: NaiveTime) -> DateTime<Utc> {
    date.and_time(cutoff).and_utc() - Duration::hours(JST_OFFSET_HOURS)
}

/// The Japan date of the first batch a letter issued at `issued_at` falls into:
/// the same day if issued before the cut-off, otherwise the next day.
pub fn batch_date_for(issued_at: DateTime<Utc>, cutoff: NaiveTime) -> NaiveDate {
    let local = (issued_at + Duration::hours(JST_OFFSET_HOURS)).naive_utc();
    if local.time() < cutoff {
        local.date()
    } else {
        local.date() + Duration::days(1)
    }
}

/// Whether a not-yet-batched letter issued at `issued_at` joins the batch closing at `close`.
pub fn falls_in_batch(issued_at: DateTime<Utc>, close: DateTime<Utc>) -> bool {
    issued_at < close
}

/// A letter waiting for a batch.
#[derive(Debug, Clone)]
pub struct PendingLetter {
    pub content: LetterContent,
    pub issued_at: DateTime<Utc>,
}

/// The letters (not yet in any batch) that the batch closing at `close` takes.
pub fn select_for_batch(pending: &[PendingLetter], close: DateTime<Utc>) -> Vec<&PendingLetter> {
    pending
        .iter()
        .filter(|l| falls_in_batch(l.issued_at, close))
        .collect()
}

/// One line of the dispatch manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    pub reference: String,
    pub name: String,
    pub postal_code: String,
    pub address: String,
    pub pages: usize,
}

/// Everything a closed batch hands to the print house and keeps on file.
#[derive(Debug, Clone)]
pub struct PrintBatch {
    /// All letters in postal-code order in one file, for the press.
    pub combined_pdf: Vec<u8>,
    pub combined_fingerprint: String,
    /// Per-letter files, in the same order as the combined file.
    pub letters: Vec<RenderedLetter>,
    pub manifest: Vec<ManifestRow>,
    pub manifest_csv: String,
    pub manifest_pdf: Vec<u8>,
}

/// A letter that kept the batch from being produced.
#[derive(Debug, thiserror::Error)]
#[error("letter {reference}: {source}")]
pub struct BatchError {
    pub reference: String,
    #[source]
    pub source: LetterError,
}

/// Renders a batch dated `date`: every letter checked, ordered by postal code.
pub fn render_batch(
    letters: &[LetterContent],
    date: NaiveDate,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
) -> Result<PrintBatch, BatchError> {
    let mut ordered: Vec<&LetterContent> = letters.iter().collect();
    ordered.sort_by_cached_key(|c| print_order_key(&c.cardholder.postal_code, &c.reference));
    let rendered: Vec<(Vec<PageModel>, RenderedLetter)> = ordered
        .par_iter()
        .map(|content| {
            compose_checked(content, settings, template, fonts, &CodeVisibility::Printed).map_err(
                |source| BatchError {
                    reference: content.reference.clone(),
                    source,
                },
            )
        })
        .collect::<Result<_, _>>()?;

    let batch_err = |source| BatchError {
        reference: format!("batch {date}"),
        source,
    };
    let all_pages: Vec<PageModel> = rendered
        .iter()
        .flat_map(|(p, _)| p.iter().cloned())
        .collect();
    let combined_pdf = write_pdf(&all_pages, fonts, "照会書 印刷用", date).map_err(batch_err)?;
    let manifest: Vec<ManifestRow> = ordered
        .iter()
        .zip(&rendered)
        .map(|(c, (_, r))| ManifestRow::of(c, r.pages))
        .collect();
    let manifest_pdf = manifest_pdf(&manifest, date, settings, fonts).map_err(batch_err)?;
    Ok(PrintBatch {
        combined_fingerprint: fingerprint(&combined_pdf),
        combined_pdf,
        letters: rendered.into_iter().map(|(_, r)| r).collect(),
        manifest_csv: manifest_csv(&manifest),
        manifest,
        manifest_pdf,
    })
}

fn postal_digits(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

/// Where a letter goes in its print file: by postal code (digits only, so
/// `150-0001` and `1500001` sort alike), then by reference. The post office
/// gives a discount for mail handed in sorted by postal code.
pub fn print_order_key(postal_code: &str, reference: &str) -> (String, String) {
    (postal_digits(postal_code), reference.to_owned())
}

/// The mailing date a batch closed on `closed_on` plans for: the next open
/// office day after it (the letters are printed and enveloped that evening
/// and posted the next working day).
pub fn planned_mailing(calendar: &crate::OfficeCalendar, closed_on: NaiveDate) -> NaiveDate {
    calendar.next_open_day(closed_on.succ_opt().unwrap_or(closed_on))
}

impl ManifestRow {
    /// The 発送簿 line of a letter of `pages` pages.
    pub fn of(content: &LetterContent, pages: usize) -> ManifestRow {
        ManifestRow {
            reference: content.reference.clone(),
            name: content.cardholder.name.clone(),
            postal_code: content.postal_code_hyphenated(),
            address: content.cardholder.address_lines.join(" "),
            pages,
        }
    }
}

/// The manifest as CSV for Japanese Excel: UTF-8 with a byte-order mark
/// (without it Excel reads Shift_JIS), CRLF line ends, Japanese headers.
pub fn manifest_csv(rows: &[ManifestRow]) -> String {
    let mut out = String::from("\u{feff}受付番号,氏名,郵便番号,住所,頁数\r\n");
    for r in rows {
        let fields = [
            crate::csv::cell(&r.reference),
            crate::csv::cell(&r.name),
            crate::csv::cell(&r.postal_code),
            crate::csv::cell(&r.address),
            r.pages.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Column left edges and the right edge of the manifest table, in mm.
const COLUMNS: [(f32, &str); 5] = [
    (15.0, "受付番号"),
    (45.0, "氏名"),
    (78.0, "郵便番号"),
    (97.0, "住所"),
    (185.0, "頁数"),
];
const TABLE_RIGHT: f32 = 195.0;
const ROW_PT: f32 = 8.0;

/// The manifest as an A4 table, as many pages as it needs.
fn manifest_pdf(
    rows: &[ManifestRow],
    date: NaiveDate,
    settings: &LetterSettings,
    fonts: &LetterFonts,
) -> Result<Vec<u8>, LetterError> {
    let title = format!("発送簿　{}　{}通", super::wareki::wareki(date), rows.len());
    let office = &settings.office.name;
    let mut pages = Vec::new();
    let mut pen = manifest_page(fonts, &title, office, 1);
    for (i, row) in rows.iter().enumerate() {
        let address_lines = pen.wrap(&row.address, ROW_PT, TABLE_RIGHT - COLUMNS[3].0 - 13.0);
        let h = 2.5 + address_lines.len() as f32 * 3.9;
        if pen.y + h > 280.0 {
            let next = manifest_page(fonts, &title, office, pages.len() + 2);
            pages.push(std::mem::replace(&mut pen, next).page);
        }
        if i % 2 == 1 {
            pen.rect(
                15.0,
                pen.y,
                TABLE_RIGHT - 15.0,
                h,
                Paint::Tint,
                "manifest row band",
            );
        }
        manifest_row(&mut pen, row, &address_lines);
        pen.y += h;
        pen.line(15.0, pen.y, TABLE_RIGHT, pen.y, 0.2);
    }
    let total: usize = rows.iter().map(|r| r.pages).sum();
    let summary = format!("計 {}通 {}頁", rows.len(), total);
    pen.text_right(
        TABLE_RIGHT - 1.5,
        pen.y + 5.0,
        9.0,
        &summary,
        "manifest total",
    );
    pages.push(pen.page);
    write_pdf(&pages, fonts, &title, date)
}

fn manifest_row(pen: &mut Pen<'_>, row: &ManifestRow, address_lines: &[String]) {
    let base = pen.y + 3.9;
    let cells = [&row.reference, &row.name, &row.postal_code];
    for ((x, _), text) in COLUMNS.iter().zip(cells) {
        pen.text_at(x + 1.0, base, ROW_PT, text, MarkRole::Other("manifest"));
    }
    for (k, line) in address_lines.iter().enumerate() {
        let y = base + k as f32 * 3.9;
        pen.text_at(
            COLUMNS[3].0 + 1.0,
            y,
            ROW_PT,
            line,
            MarkRole::Other("manifest"),
        );
    }
    pen.text_right(
        TABLE_RIGHT - 1.5,
        base,
        ROW_PT,
        &row.pages.to_string(),
        "manifest pages",
    );
}

fn manifest_page<'f>(fonts: &'f LetterFonts, title: &str, office: &str, number: usize) -> Pen<'f> {
    let mut pen = Pen::new(fonts, 15.0, TABLE_RIGHT, 0.0);
    pen.text_at(15.0, 22.0, 13.0, title, MarkRole::Other("manifest title"));
    pen.text_at(15.0, 28.0, 9.0, office, MarkRole::Other("manifest office"));
    pen.text_right(
        TABLE_RIGHT,
        28.0,
        8.0,
        &format!("{number}頁"),
        "manifest page",
    );
    pen.y = 32.0;
    pen.rect(
        15.0,
        pen.y,
        TABLE_RIGHT - 15.0,
        6.0,
        Paint::Tint,
        "manifest header band",
    );
    for (x, label) in COLUMNS {
        pen.text_at(
            x + 1.0,
            pen.y + 4.2,
            8.5,
            label,
            MarkRole::Other("manifest header"),
        );
    }
    pen.y += 6.0;
    pen.line(15.0, pen.y, TABLE_RIGHT, pen.y, 0.5);
    pen
}

/// The 発送簿 CSV `manifest` (as [`manifest_csv`] wrote it) with the name,
/// postal code and address emptied on every line whose reference `purged`
/// names: the retention purge of closed cases. The reference and the page
/// count stay, so the batch still reads its print order and its counts from
/// the file; every other line keeps its bytes. A line that does not have
/// the manifest's five cells cannot be told apart from personal data and is
/// emptied whole, but for its reference when it has one.
pub fn redact_manifest(manifest: &str, purged: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(manifest.len());
    for (i, record) in csv_records(manifest).into_iter().enumerate() {
        let cells = csv_cells(record);
        let reference = cells.first().map_or("", |r| crate::csv::unescape(r));
        if i == 0 || !purged(reference) {
            out.push_str(record);
        } else if let [reference, _, _, _, pages] = cells.as_slice() {
            out.push_str(&format!("{reference},,,,{pages}"));
        } else {
            out.push_str(cells.first().copied().unwrap_or_default());
        }
        out.push_str("\r\n");
    }
    out
}

/// The records of a CSV text (RFC 4180: a line break inside quotes belongs
/// to its cell), without their CRLF; the last line's end is optional.
fn csv_records(text: &str) -> Vec<&str> {
    let mut records = Vec::new();
    let (mut start, mut quoted) = (0, false);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => quoted = !quoted,
            b'\r' if !quoted && bytes.get(i + 1) == Some(&b'\n') => {
                records.push(&text[start..i]);
                i += 1;
                start = i + 1;
            }
            b'\n' if !quoted => {
                records.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        records.push(&text[start..]);
    }
    records
}

/// The cells of one CSV record as written (still quoted).
fn csv_cells(record: &str) -> Vec<&str> {
    let mut cells = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, b) in record.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                cells.push(&record[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    cells.push(&record[start..]);
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_letter_issued_at_1659_jst_makes_that_days_batch_and_1700_the_next() {
        let cutoff = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let close = batch_close(day, cutoff);
        assert_eq!(close, utc("2026-11-26T08:00:00Z"));
        assert!(falls_in_batch(utc("2026-11-26T07:59:59Z"), close));
        assert!(!falls_in_batch(utc("2026-11-26T08:00:00Z"), close));
        assert_eq!(batch_date_for(utc("2026-11-26T07:59:59Z"), cutoff), day);
        assert_eq!(
            batch_date_for(utc("2026-11-26T08:00:00Z"), cutoff),
            day.succ_opt().unwrap()
        );
    }

    #[test]
    fn a_letter_issued_after_midnight_jst_but_before_midnight_utc_counts_as_the_japan_day() {
        let cutoff = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        // 2026-11-26 23:30 UTC is 2026-11-27 08:30 JST.
        let date = batch_date_for(utc("2026-11-26T23:30:00Z"), cutoff);
        assert_eq!(date, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_batch_plans_to_mail_on_the_next_open_day_after_it_closes() {
        let calendar = crate::OfficeCalendar::new();
        // Thu → Fri; Fri → Mon.
        assert_eq!(
            planned_mailing(&calendar, date(2026, 11, 26)),
            date(2026, 11, 27)
        );
        assert_eq!(
            planned_mailing(&calendar, date(2026, 11, 27)),
            date(2026, 11, 30)
        );
        // Fri 20 Nov: Mon 23 Nov is 勤労感謝の日 → Tue 24 Nov.
        assert_eq!(
            planned_mailing(&calendar, date(2026, 11, 20)),
            date(2026, 11, 24)
        );
        // Mon 28 Dec: closed 29 Dec – 3 Jan → Mon 4 Jan 2027.
        assert_eq!(
            planned_mailing(&calendar, date(2026, 12, 28)),
            date(2027, 1, 4)
        );
    }

    #[test]
    fn a_batch_closed_on_a_closed_day_still_plans_the_next_open_day() {
        let mut calendar = crate::OfficeCalendar::new();
        calendar.extra_closed.insert(date(2026, 11, 30));
        // Sat 28 Nov → Mon 30 Nov is an extra closure → Tue 1 Dec.
        assert_eq!(
            planned_mailing(&calendar, date(2026, 11, 28)),
            date(2026, 12, 1)
        );
    }

    #[test]
    fn the_print_order_is_by_postal_code_digits_whatever_the_hyphen_then_by_reference() {
        assert_eq!(
            print_order_key("150-0001", "R8-000123-4"),
            print_order_key("1500001", "R8-000123-4")
        );
        let mut keys = vec![
            print_order_key("151-0053", "R8-000001-1"),
            print_order_key("1500002", "R8-000009-1"),
            print_order_key("150-0002", "R8-000002-1"),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                ("1500002".to_owned(), "R8-000002-1".to_owned()),
                ("1500002".to_owned(), "R8-000009-1".to_owned()),
                ("1510053".to_owned(), "R8-000001-1".to_owned()),
            ]
        );
    }

    #[test]
    fn csv_fields_with_commas_and_quotes_are_quoted() {
        let rows = [ManifestRow {
            reference: "R1".into(),
            name: "山田 \"太郎\"".into(),
            postal_code: "150-0001".into(),
            address: "東京都みどり区1-1, 101号".into(),
            pages: 2,
        }];
        let csv = manifest_csv(&rows);
        assert_eq!(
            csv.lines().nth(1).unwrap(),
            "R1,\"山田 \"\"太郎\"\"\",150-0001,\"東京都みどり区1-1, 101号\",2"
        );
    }

    fn row(reference: &str, name: &str, address: &str) -> ManifestRow {
        ManifestRow {
            reference: reference.to_owned(),
            name: name.to_owned(),
            postal_code: "160-0022".to_owned(),
            address: address.to_owned(),
            pages: 2,
        }
    }

    #[test]
    fn redacting_a_manifest_empties_only_the_purged_cases_lines_and_keeps_references_and_pages() {
        let csv = manifest_csv(&[
            row("R8-000001-5", "山田 太郎", "東京都新宿区新宿一丁目1番1号"),
            row("R8-000002-3", "佐藤, \"花子\"", "東京都渋谷区\r\n道玄坂1番"),
            row("R8-000003-1", "鈴木 一郎", "東京都中野区中野1番"),
        ]);

        let redacted = redact_manifest(&csv, |r| r == "R8-000002-3" || r == "R8-000003-1");

        assert_eq!(
            redacted,
            "\u{feff}受付番号,氏名,郵便番号,住所,頁数\r\n\
             R8-000001-5,山田 太郎,160-0022,東京都新宿区新宿一丁目1番1号,2\r\n\
             R8-000002-3,,,,2\r\n\
             R8-000003-1,,,,2\r\n"
        );
        let again = redact_manifest(&redacted, |r| r != "R8-000001-5");
        assert_eq!(again, redacted, "a second purge changes nothing");
    }

    #[test]
    fn redacting_with_nothing_purged_gives_the_manifest_back_byte_for_byte() {
        let csv = manifest_csv(&[row("R8-000001-5", "=危険", "東京都, 新宿区")]);
        assert_eq!(redact_manifest(&csv, |_| false), csv);
    }
}
