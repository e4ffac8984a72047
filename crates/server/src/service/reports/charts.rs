//! Three parts of the [`Report`] as pictures and as data: letters per day,
//! cases per state (now) and days from application to PIN set per 申請区分.
//! The report is computed once; the SVG ([`crate::infra::chart`]) and the
//! CSV ([`crate::infra::csv`]) are two renderings of the same numbers, so a
//! chart and its file never disagree. Dates are written `YYYY-MM-DD`.

use chrono::{Datelike, NaiveDate};

use super::{LetterDay, PathRow, Period, Report, StateRow, report};
use crate::infra::chart::{Bar, BarChart, Category, Series};
use crate::infra::csv::ExcelCsv;
use crate::service::error::ServiceError;
use crate::state::AppState;
use shokai_workflow::case::japan_date;

/// The stylesheet's `--brand` and `--ok`: an `<img>` cannot read them.
const BRAND: &str = "#0b4f8a";
const OK: &str = "#0f6b3a";

/// One of the report's charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Letters issued and mailed per day of the period.
    Letters,
    /// Cases per state, now.
    States,
    /// Days from application to PIN set per path, for PINs set in the period.
    Completion,
}

impl Chart {
    /// Every chart, in the page's order.
    pub const ALL: [Chart; 3] = [Chart::Letters, Chart::States, Chart::Completion];

    /// The stem of its files: `letters`, `states`, `completion`.
    pub fn slug(self) -> &'static str {
        match self {
            Chart::Letters => "letters",
            Chart::States => "states",
            Chart::Completion => "completion",
        }
    }
}

/// How a chart is handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The picture.
    Svg,
    /// Its numbers, for Excel.
    Csv,
}

/// A chart's file as the page links it: `letters.svg` … `completion.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFile {
    /// Which chart.
    pub chart: Chart,
    /// Picture or data.
    pub format: Format,
}

/// A chart's file, made.
#[derive(Debug)]
pub struct RenderedChart {
    /// What it is.
    pub file: ChartFile,
    /// The name to save it under, with the period, e.g.
    /// `letters_2026-10-28_2026-11-26.csv`.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl ChartFile {
    /// `letters.svg` and the like; any other name is not found.
    pub fn parse(name: &str) -> Result<ChartFile, ServiceError> {
        let not_found = || ServiceError::NotFound {
            what: format!("report file {name}"),
        };
        let (stem, extension) = name.rsplit_once('.').ok_or_else(not_found)?;
        let chart = Chart::ALL
            .into_iter()
            .find(|c| c.slug() == stem)
            .ok_or_else(not_found)?;
        let format = match extension {
            "svg" => Format::Svg,
            "csv" => Format::Csv,
            _ => return Err(not_found()),
        };
        Ok(ChartFile { chart, format })
    }

    /// The file for `report`.
    pub fn render(self, report: &Report) -> RenderedChart {
        let (from, to) = match self.chart {
            // Counted now: the day the report was made.
            Chart::States => {
                let today = japan_date(report.generated_at);
                (today, today)
            }
            Chart::Letters | Chart::Completion => (report.period.from, report.period.to),
        };
        let (extension, bytes) = match self.format {
            Format::Svg => ("svg", bar_chart(report, self.chart).to_svg().into_bytes()),
            Format::Csv => ("csv", csv(report, self.chart)),
        };
        let name = if from == to {
            format!("{}_{from}.{extension}", self.chart.slug())
        } else {
            format!("{}_{from}_{to}.{extension}", self.chart.slug())
        };
        RenderedChart {
            file: self,
            name,
            bytes,
        }
    }
}

/// The file `name` (`letters.svg` … `completion.csv`) for the period typed,
/// checked as [`super::Period::parse`] does.
#[tracing::instrument(skip_all, fields(file = %name))]
pub async fn chart_file(
    state: &AppState,
    name: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<RenderedChart, ServiceError> {
    let file = ChartFile::parse(name)?;
    let report = report(state, from, to).await?;
    Ok(file.render(&report))
}

/// A chart in words, as its `<desc>` and the page's `alt` say it.
pub fn describe(report: &Report, chart: Chart) -> String {
    bar_chart(report, chart).description
}

/// A day of `period` as the chart and the page label it: `11/26（木）`,
/// with the year when the period spans two.
pub fn day_label(day: NaiveDate, period: &Period) -> String {
    let weekday =
        ["月", "火", "水", "木", "金", "土", "日"][day.weekday().num_days_from_monday() as usize];
    let date = if period.from.year() != period.to.year() {
        day.format("%Y/%m/%d")
    } else {
        day.format("%m/%d")
    };
    format!("{date}（{weekday}）")
}

fn bar_chart(report: &Report, chart: Chart) -> BarChart {
    match chart {
        Chart::Letters => letters_chart(report),
        Chart::States => states_chart(report),
        Chart::Completion => completion_chart(report),
    }
}

fn csv(report: &Report, chart: Chart) -> Vec<u8> {
    match chart {
        Chart::Letters => letters_csv(&report.letters),
        Chart::States => states_csv(&report.states),
        Chart::Completion => completion_csv(&report.paths),
    }
}

/// A bar of `count` things, written `3通`.
fn count_bar(count: i64, unit: &str) -> Bar {
    // Counts of letters and cases are far below 2^53: the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let value = count as f64;
    Bar {
        value,
        text: format!("{count}{unit}"),
        range: None,
    }
}

/// A day's bar of letters: a zero is left to the table, as two rows of
/// zeros a day would bury the days that have letters.
fn letters_bar(count: i64) -> Bar {
    let mut bar = count_bar(count, "通");
    if count == 0 {
        bar.text.clear();
    }
    bar
}

fn series(key: &str, name: &str, colour: &'static str) -> Vec<Series> {
    vec![Series {
        key: key.to_owned(),
        name: name.to_owned(),
        colour,
    }]
}

fn letters_chart(report: &Report) -> BarChart {
    let period = report.period;
    let issued: i64 = report.letters.iter().map(|d| d.issued).sum();
    let mailed: i64 = report.letters.iter().map(|d| d.mailed).sum();
    let categories = if issued + mailed == 0 {
        Vec::new()
    } else {
        report
            .letters
            .iter()
            .map(|d| Category {
                key: d.day.to_string(),
                label: day_label(d.day, &period),
                bars: vec![letters_bar(d.issued), letters_bar(d.mailed)],
            })
            .collect()
    };
    let mut all_series = series("issued", "発行", BRAND);
    all_series.extend(series("mailed", "発送", OK));
    BarChart {
        title: format!("照会書の発行・発送（日別、{}〜{}）", period.from, period.to),
        description: format!(
            "{}から{}までの日ごとの照会書の通数の棒グラフ。発行 計{issued}通、発送 計{mailed}通。",
            period.from, period.to
        ),
        series: all_series,
        range_name: None,
        unit: "通数（通）".into(),
        categories,
        empty_note: "この期間に発行・発送した照会書はありません。".into(),
    }
}

fn states_chart(report: &Report) -> BarChart {
    let today = japan_date(report.generated_at);
    let counts: Vec<String> = report
        .states
        .iter()
        .map(|s| format!("{} {}件", s.name_ja, s.count))
        .collect();
    let categories = if report.total_cases == 0 {
        Vec::new()
    } else {
        report
            .states
            .iter()
            .map(|s| Category {
                key: s.state.to_owned(),
                label: s.name_ja.to_owned(),
                bars: vec![count_bar(s.count, "件")],
            })
            .collect()
    };
    BarChart {
        title: format!("状態別の件数（{today} 現在）"),
        description: format!(
            "{today}現在の状態ごとの案件数の棒グラフ。合計{}件：{}。",
            report.total_cases,
            counts.join("、")
        ),
        series: series("count", "件数", BRAND),
        range_name: None,
        unit: "件数（件）".into(),
        categories,
        empty_note: "案件はまだありません。".into(),
    }
}

/// `3.5日`, whole days without a decimal: `2日`.
fn days_text(days: f64) -> String {
    let text = format!("{days:.1}");
    format!("{}日", text.strip_suffix(".0").unwrap_or(&text))
}

fn completion_row(row: &PathRow) -> Category {
    let bar = match (row.median_days, row.min_days, row.max_days) {
        (Some(median), Some(min), Some(max)) => {
            // Whole days, far below 2^53: the conversions are exact.
            #[allow(clippy::cast_precision_loss)]
            let range = Some((min as f64, max as f64));
            Bar {
                value: median,
                text: format!("{}（{}件）", days_text(median), row.cases),
                range,
            }
        }
        _ => Bar {
            value: 0.0,
            text: format!("—（{}件）", row.cases),
            range: None,
        },
    };
    Category {
        key: row.path.to_owned(),
        label: row.name_ja.to_owned(),
        bars: vec![bar],
    }
}

fn completion_chart(report: &Report) -> BarChart {
    let period = report.period;
    let words: Vec<String> = report
        .paths
        .iter()
        .map(|p| match (p.median_days, p.min_days, p.max_days) {
            (Some(median), Some(min), Some(max)) => format!(
                "{} 中央値{}（{}件、最短{min}日、最長{max}日）",
                p.name_ja,
                days_text(median),
                p.cases
            ),
            _ => format!("{} 0件", p.name_ja),
        })
        .collect();
    let categories = if report.paths.iter().all(|p| p.cases == 0) {
        Vec::new()
    } else {
        report.paths.iter().map(completion_row).collect()
    };
    BarChart {
        title: format!(
            "申請から変更完了までの日数（{}〜{}）",
            period.from, period.to
        ),
        description: format!(
            "{}から{}までに暗証番号の変更が完了した案件の、申請区分ごとの申請から完了までの暦日数（中央値）の棒グラフ。{}。",
            period.from,
            period.to,
            words.join("、")
        ),
        series: series("median", "中央値", BRAND),
        range_name: Some("最短〜最長".into()),
        unit: "日数（日）".into(),
        categories,
        empty_note: "この期間に暗証番号の変更が完了した案件はありません。".into(),
    }
}

fn letters_csv(days: &[LetterDay]) -> Vec<u8> {
    let mut csv = ExcelCsv::new(&["日付", "発行", "発送"]);
    for d in days {
        let (day, issued, mailed) = (
            d.day.to_string(),
            d.issued.to_string(),
            d.mailed.to_string(),
        );
        csv.row([day.as_str(), issued.as_str(), mailed.as_str()]);
    }
    csv.finish()
}

fn states_csv(states: &[StateRow]) -> Vec<u8> {
    let mut csv = ExcelCsv::new(&["状態", "状態コード", "件数"]);
    for s in states {
        let count = s.count.to_string();
        csv.row([s.name_ja, s.state, count.as_str()]);
    }
    csv.finish()
}

fn completion_csv(paths: &[PathRow]) -> Vec<u8> {
    let mut csv = ExcelCsv::new(&[
        "申請区分",
        "申請区分コード",
        "件数",
        "中央値（日）",
        "最短（日）",
        "最長（日）",
    ]);
    let text = |v: Option<i64>| v.map(|d| d.to_string()).unwrap_or_default();
    for p in paths {
        let cases = p.cases.to_string();
        let median = p.median_days.map(|m| format!("{m:.1}")).unwrap_or_default();
        let (min, max) = (text(p.min_days), text(p.max_days));
        csv.row([p.name_ja, p.path, &cases, &median, &min, &max]);
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::super::OverdueRow;
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn sample() -> Report {
        let period = Period {
            from: day("2026-11-25"),
            to: day("2026-11-26"),
        };
        Report {
            period,
            generated_at: Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap(),
            states: vec![
                StateRow {
                    state: "applied",
                    name_ja: "受付済",
                    count: 2,
                },
                StateRow {
                    state: "pin_set",
                    name_ja: "変更完了",
                    count: 3,
                },
            ],
            total_cases: 5,
            overdue: Vec::<OverdueRow>::new(),
            paths: vec![
                PathRow {
                    path: "in_person",
                    name_ja: "本人",
                    cases: 2,
                    median_days: Some(0.0),
                    min_days: Some(0),
                    max_days: Some(0),
                },
                PathRow {
                    path: "optional_proxy",
                    name_ja: "任意代理人",
                    cases: 4,
                    median_days: Some(9.5),
                    min_days: Some(7),
                    max_days: Some(14),
                },
                PathRow {
                    path: "legal_representative",
                    name_ja: "法定代理人",
                    cases: 0,
                    median_days: None,
                    min_days: None,
                    max_days: None,
                },
            ],
            letters: vec![
                LetterDay {
                    day: day("2026-11-25"),
                    issued: 3,
                    mailed: 0,
                },
                LetterDay {
                    day: day("2026-11-26"),
                    issued: 1,
                    mailed: 3,
                },
            ],
        }
    }

    fn text(file: &RenderedChart) -> &str {
        std::str::from_utf8(&file.bytes).unwrap()
    }

    /// The files `names` of `report`, in order.
    fn render<const N: usize>(report: &Report, names: [&str; N]) -> [RenderedChart; N] {
        names.map(|name| ChartFile::parse(name).unwrap().render(report))
    }

    #[test]
    fn a_files_name_chooses_the_chart_and_the_format() {
        let file = ChartFile::parse("completion.csv").unwrap();
        assert_eq!((file.chart, file.format), (Chart::Completion, Format::Csv));
        for bad in ["letters", "letters.png", "other.svg", "", ".svg"] {
            assert!(
                matches!(ChartFile::parse(bad), Err(ServiceError::NotFound { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn each_csv_has_japanese_headers_with_the_codes_in_their_own_columns() {
        let [letters, states, completion] =
            render(&sample(), ["letters.csv", "states.csv", "completion.csv"]);

        assert_eq!(
            text(&letters),
            "\u{feff}日付,発行,発送\r\n2026-11-25,3,0\r\n2026-11-26,1,3\r\n"
        );
        assert_eq!(
            text(&states),
            "\u{feff}状態,状態コード,件数\r\n受付済,applied,2\r\n変更完了,pin_set,3\r\n"
        );
        assert_eq!(
            text(&completion),
            "\u{feff}申請区分,申請区分コード,件数,中央値（日）,最短（日）,最長（日）\r\n\
             本人,in_person,2,0.0,0,0\r\n任意代理人,optional_proxy,4,9.5,7,14\r\n\
             法定代理人,legal_representative,0,,,\r\n"
        );
        assert_eq!(letters.name, "letters_2026-11-25_2026-11-26.csv");
        assert_eq!(states.name, "states_2026-11-26.csv", "counted now");
    }

    #[test]
    fn each_svg_has_a_bar_per_category_and_series_with_its_value() {
        let [letters, states, completion] =
            render(&sample(), ["letters.svg", "states.svg", "completion.svg"]);

        assert_eq!(text(&letters).matches("<g class=\"bar\"").count(), 4);
        assert!(text(&letters).contains(">11/26（木）</text>"));
        assert!(text(&letters).contains("data-key=\"2026-11-26\" data-series=\"mailed\""));
        assert_eq!(text(&states).matches("<g class=\"bar\"").count(), 2);
        assert!(text(&states).contains(">変更完了</text>"));
        assert!(text(&states).contains(">3件</text></g>"));
        let completion = text(&completion);
        assert!(completion.contains(">9.5日（4件）</text></g>"));
        assert!(completion.contains(">0日（2件）</text></g>"));
        assert!(completion.contains(">—（0件）</text></g>"));
        assert_eq!(completion.matches("class=\"whisker\"").count(), 2);
    }

    #[test]
    fn a_period_without_letters_draws_the_note() {
        let mut report = sample();
        for d in &mut report.letters {
            (d.issued, d.mailed) = (0, 0);
        }

        let [svg] = render(&report, ["letters.svg"]);

        assert!(text(&svg).contains("この期間に発行・発送した照会書はありません。"));
        assert!(!text(&svg).contains("class=\"bar\""));
    }

    #[test]
    fn the_description_gives_the_numbers_in_words() {
        let report = sample();
        assert!(describe(&report, Chart::Letters).contains("発行 計4通、発送 計3通"));
        assert!(describe(&report, Chart::States).contains("合計5件：受付済 2件、変更完了 3件"));
        assert!(
            describe(&report, Chart::Completion)
                .contains("任意代理人 中央値9.5日（4件、最短7日、最長14日）、法定代理人 0件")
        );
    }

    #[test]
    fn a_day_label_has_the_weekday_and_the_year_only_across_years() {
        let within = Period {
            from: day("2026-11-01"),
            to: day("2026-11-30"),
        };
        let across = Period {
            from: day("2026-12-01"),
            to: day("2027-01-31"),
        };
        assert_eq!(day_label(day("2026-11-26"), &within), "11/26（木）");
        assert_eq!(day_label(day("2027-01-03"), &across), "2027/01/03（日）");
    }
}
