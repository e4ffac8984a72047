//! CSV as Japanese Excel opens it: UTF-8 with a byte-order mark (without it
//! Excel reads Shift_JIS and shows mojibake), CRLF line ends, cells written
//! by [`shokai_workflow::csv::cell`] (RFC 4180 quoting; formula-leading
//! text made inert). Every CSV the server hands to staff is written here.

use chrono::{DateTime, FixedOffset, Utc};

/// UTF-8's byte-order mark.
pub const BOM: &str = "\u{feff}";

/// A CSV file being written, header first.
pub struct ExcelCsv {
    out: String,
}

impl ExcelCsv {
    /// A file whose first row is `header`.
    pub fn new(header: &[&str]) -> ExcelCsv {
        let mut csv = ExcelCsv {
            out: BOM.to_owned(),
        };
        csv.row(header.iter().copied());
        csv
    }

    /// Appends one row.
    pub fn row<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        let mut first = true;
        for field in fields {
            if !first {
                self.out.push(',');
            }
            first = false;
            push_field(&mut self.out, field);
        }
        self.out.push_str("\r\n");
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}

fn push_field(out: &mut String, value: &str) {
    out.push_str(&shokai_workflow::csv::cell(value));
}

/// A time as staff read it: Japan time with its offset,
/// `2026-11-29 09:30:00+09:00` (Excel reads it as a date and time).
pub fn japan_time(t: DateTime<Utc>) -> String {
    let jst = FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    t.with_timezone(&jst)
        .format("%Y-%m-%d %H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_file_starts_with_the_bom_and_ends_each_row_with_crlf() {
        let mut csv = ExcelCsv::new(&["受付番号", "氏名"]);
        csv.row(["R8-000001-5", "山田, \"太郎\""]);
        let text = String::from_utf8(csv.finish()).unwrap();
        assert_eq!(
            text,
            "\u{feff}受付番号,氏名\r\nR8-000001-5,\"山田, \"\"太郎\"\"\"\r\n"
        );
    }

    #[test]
    fn a_time_is_written_in_japan_time_with_the_offset() {
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 15, 30, 0).unwrap();
        assert_eq!(japan_time(t), "2026-11-30 00:30:00+09:00");
    }
}
