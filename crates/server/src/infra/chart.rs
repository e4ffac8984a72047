//! Bar charts as SVG, written by hand with `<rect>`, `<line>` and `<text>`:
//! the pictures of the report page (`/reports/*.svg`).
//!
//! Bars run left to right, one row per category (a day, a state, a path)
//! with one bar per series in it, so every label and value fits however many
//! categories there are; the chart grows downwards. The value of each bar is
//! written beside it, the value axis has ticks at 1, 2 or 5 × 10ⁿ with
//! grid lines, and a bar may carry a whisker (e.g. shortest to longest).
//! Text is laid out by estimate (a full-width character is 1 em, any other
//! 0.6 em) and drawn by the browser with the office's Japanese fonts
//! ([`FONT_FAMILY`]): no font is read here.
//!
//! Invariants:
//! - Every text and attribute value is XML-escaped.
//! - Equal charts give identical bytes: no clock, no randomness, numbers
//!   written with at most one decimal.
//! - A chart is accessible on its own: `role="img"`, `aria-label`, `<title>`
//!   and `<desc>`.
//! - A chart without categories is a frame with a note, not an error.

use std::fmt::Write;

/// The fonts, in order: the letters' IPAex Gothic, the usual Linux one, any.
pub const FONT_FAMILY: &str = r#"IPAexGothic, "Noto Sans CJK JP", sans-serif"#;

/// Width of a chart whose labels leave the plot room enough.
const WIDTH: f64 = 720.0;
/// The narrowest plot; longer labels widen the chart instead.
const MIN_PLOT: f64 = 160.0;
/// Margin around everything.
const PAD: f64 = 12.0;
const TITLE_SIZE: f64 = 15.0;
const LABEL_SIZE: f64 = 13.0;
const VALUE_SIZE: f64 = 12.0;
/// Between two bars of one row.
const BAR_GAP: f64 = 2.0;
/// Between two rows.
const ROW_PAD: f64 = 8.0;
/// Height of the plot of an empty chart (room for its note).
const EMPTY_PLOT: f64 = 64.0;
const INK: &str = "#1b1f23";
const MUTED: &str = "#4a5560";
const GRID: &str = "#d5dbe0";
const STRIPE: &str = "#eef1f4";

/// One series: a bar in every row, in one colour.
#[derive(Debug, Clone)]
pub struct Series {
    /// Stable code (`data-series` of its bars), e.g. `issued`.
    pub key: String,
    /// Its name in the legend, e.g. 発行.
    pub name: String,
    /// Fill, e.g. `#0b4f8a`.
    pub colour: &'static str,
}

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Its length on the value axis (negative or not finite counts as 0).
    pub value: f64,
    /// What is written beside it, e.g. `3通`; empty writes nothing (a
    /// dense chart may leave its zeros to the table).
    pub text: String,
    /// A whisker from the first value to the second, drawn over the bar.
    pub range: Option<(f64, f64)>,
}

/// One row: a label and a bar per series.
#[derive(Debug, Clone)]
pub struct Category {
    /// Stable code (`data-key` of its bars), e.g. `pin_set`, `2026-11-26`.
    pub key: String,
    /// Its label on the category axis.
    pub label: String,
    /// One bar per series, in the order of the series.
    pub bars: Vec<Bar>,
}

/// A horizontal bar chart.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Drawn at the top, and the chart's `<title>` and `aria-label`.
    pub title: String,
    /// The chart in words (`<desc>`).
    pub description: String,
    /// The series; a legend is drawn for more than one, or with whiskers.
    pub series: Vec<Series>,
    /// What the whiskers mean, for the legend; `None` without whiskers.
    pub range_name: Option<String>,
    /// Under the value axis, e.g. 件数（件）.
    pub unit: String,
    /// The rows, top to bottom; none draws the empty chart.
    pub categories: Vec<Category>,
    /// Written in an empty chart, e.g. 「この期間の照会書はありません。」.
    pub empty_note: String,
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `v` with at most one decimal, without a trailing `.0`: `3`, `3.5`.
fn num(v: f64) -> String {
    let text = format!("{v:.1}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

/// The estimated width of `text` at `size`: full-width characters are
/// square, the others about 0.6 em.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// A value as drawn: negative and not-finite values are 0.
fn clean(v: f64) -> f64 {
    if v.is_finite() { v.max(0.0) } else { 0.0 }
}

/// The value axis: a step of 1, 2 or 5 × 10ⁿ (at least 1) and the number
/// of steps (1 to 5) that reach `max`.
fn axis(max: f64) -> (f64, u32) {
    let mut magnitude = 1.0;
    for _ in 0..20 {
        for m in [1.0, 2.0, 5.0] {
            let step = m * magnitude;
            let steps = (max / step).ceil();
            if steps <= 5.0 {
                // At most 5: the cast is exact.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                return (step, steps.max(1.0) as u32);
            }
        }
        magnitude *= 10.0;
    }
    (magnitude, 1)
}

/// Where everything goes.
struct Frame {
    width: f64,
    height: f64,
    plot_left: f64,
    plot_right: f64,
    plot_top: f64,
    plot_bottom: f64,
    bar_height: f64,
    row_height: f64,
    step: f64,
    steps: u32,
}

impl Frame {
    fn of(chart: &BarChart) -> Frame {
        let label_width = chart
            .categories
            .iter()
            .map(|c| text_width(&c.label, LABEL_SIZE))
            .fold(0.0, f64::max);
        let value_width = chart
            .categories
            .iter()
            .flat_map(|c| &c.bars)
            .map(|b| text_width(&b.text, VALUE_SIZE))
            .fold(0.0, f64::max);
        let plot_left = PAD + label_width + 8.0;
        let right_room = value_width + 6.0 + PAD;
        let width = WIDTH.max(plot_left + MIN_PLOT + right_room);
        let series = chart.series.len().max(1);
        let bar_height = if series == 1 { 18.0 } else { 9.0 };
        // A handful of series and rows: the conversions are exact.
        #[allow(clippy::cast_precision_loss)]
        let row_height = series as f64 * (bar_height + BAR_GAP) - BAR_GAP + ROW_PAD;
        let plot_top = if Frame::has_legend(chart) { 62.0 } else { 42.0 };
        #[allow(clippy::cast_precision_loss)]
        let plot_height = if chart.categories.is_empty() {
            EMPTY_PLOT
        } else {
            chart.categories.len() as f64 * row_height
        };
        let max = chart
            .categories
            .iter()
            .flat_map(|c| &c.bars)
            .flat_map(|b| [b.value, b.range.map_or(0.0, |r| r.1)])
            .map(clean)
            .fold(0.0, f64::max);
        let (step, steps) = axis(max);
        let plot_bottom = plot_top + plot_height;
        // Room for the ticks and the unit, which an empty chart lacks.
        let below = if chart.categories.is_empty() {
            0.0
        } else {
            40.0
        };
        Frame {
            width,
            height: plot_bottom + below + PAD,
            plot_left,
            plot_right: width - right_room,
            plot_top,
            plot_bottom,
            bar_height,
            row_height,
            step,
            steps,
        }
    }

    /// A legend names several series or the whiskers, when there are bars.
    fn has_legend(chart: &BarChart) -> bool {
        !chart.categories.is_empty() && (chart.series.len() > 1 || chart.range_name.is_some())
    }

    /// The x of `value` on the value axis.
    fn x(&self, value: f64) -> f64 {
        let top = self.step * f64::from(self.steps);
        self.plot_left + clean(value).min(top) / top * (self.plot_right - self.plot_left)
    }
}

impl BarChart {
    /// The chart as an SVG document.
    pub fn to_svg(&self) -> String {
        let frame = Frame::of(self);
        let mut svg = String::new();
        self.open(&mut svg, &frame);
        self.legend(&mut svg);
        if self.categories.is_empty() {
            self.empty(&mut svg, &frame);
        } else {
            self.stripes(&mut svg, &frame);
            self.value_axis(&mut svg, &frame);
            for (row, category) in self.categories.iter().enumerate() {
                self.row(&mut svg, &frame, row, category);
            }
        }
        svg.push_str("</svg>\n");
        svg
    }

    fn open(&self, svg: &mut String, frame: &Frame) {
        let (w, h) = (num(frame.width), num(frame.height));
        let title = escape(&self.title);
        // Writing to a String cannot fail.
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{title}\" \
             font-family=\"{font}\" font-size=\"{size}\">\n\
             <title>{title}</title>\n<desc>{desc}</desc>\n\
             <rect class=\"background\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n\
             <text class=\"chart-title\" x=\"{pad}\" y=\"{y}\" font-size=\"{title_size}\" \
             font-weight=\"bold\" fill=\"{INK}\">{title}</text>\n",
            font = escape(FONT_FAMILY),
            size = num(LABEL_SIZE),
            desc = escape(&self.description),
            pad = num(PAD),
            y = num(PAD + TITLE_SIZE),
            title_size = num(TITLE_SIZE),
        );
    }

    fn legend(&self, svg: &mut String) {
        if !Frame::has_legend(self) {
            return;
        }
        let y = 48.0;
        let mut x = PAD;
        svg.push_str("<g class=\"legend\">\n");
        for series in &self.series {
            let _ = writeln!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
                 <text x=\"{}\" y=\"{}\" fill=\"{INK}\">{}</text>",
                num(x),
                num(y - 10.0),
                escape(series.colour),
                num(x + 16.0),
                num(y),
                escape(&series.name),
            );
            x += 16.0 + text_width(&series.name, LABEL_SIZE) + 20.0;
        }
        if let Some(name) = &self.range_name {
            let _ = writeln!(
                svg,
                "<line x1=\"{x0}\" y1=\"{ym}\" x2=\"{x1}\" y2=\"{ym}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>\
                 <line x1=\"{x0}\" y1=\"{yt}\" x2=\"{x0}\" y2=\"{yb}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>\
                 <line x1=\"{x1}\" y1=\"{yt}\" x2=\"{x1}\" y2=\"{yb}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>\
                 <text x=\"{xt}\" y=\"{y}\" fill=\"{INK}\">{name}</text>",
                x0 = num(x),
                x1 = num(x + 14.0),
                ym = num(y - 4.0),
                yt = num(y - 8.0),
                yb = num(y),
                xt = num(x + 20.0),
                y = num(y),
                name = escape(name),
            );
        }
        svg.push_str("</g>\n");
    }

    fn empty(&self, svg: &mut String, frame: &Frame) {
        let _ = writeln!(
            svg,
            "<line class=\"axis\" x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"{INK}\"/>\n\
             <text class=\"empty-note\" x=\"{cx}\" y=\"{cy}\" text-anchor=\"middle\" fill=\"{MUTED}\">{note}</text>",
            l = num(PAD),
            r = num(frame.width - PAD),
            b = num(frame.plot_bottom),
            cx = num(frame.width / 2.0),
            cy = num(frame.plot_top + EMPTY_PLOT / 2.0),
            note = escape(&self.empty_note),
        );
    }

    /// A light band behind every other row when rows hold several bars,
    /// so that a row's bars read as one group.
    fn stripes(&self, svg: &mut String, frame: &Frame) {
        if self.series.len() < 2 {
            return;
        }
        for row in (1..self.categories.len()).step_by(2) {
            // Rows are few (a year of days at most): the conversion is exact.
            #[allow(clippy::cast_precision_loss)]
            let y = frame.plot_top + row as f64 * frame.row_height;
            let _ = writeln!(
                svg,
                "<rect class=\"stripe\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{STRIPE}\"/>",
                x = num(PAD),
                y = num(y),
                w = num(frame.width - 2.0 * PAD),
                h = num(frame.row_height),
            );
        }
    }

    /// Grid lines, ticks and their labels, the axes and the unit.
    fn value_axis(&self, svg: &mut String, frame: &Frame) {
        let (top, bottom) = (num(frame.plot_top), num(frame.plot_bottom));
        svg.push_str("<g class=\"value-axis\">\n");
        for i in 0..=frame.steps {
            let value = frame.step * f64::from(i);
            let x = num(frame.x(value));
            let _ = writeln!(
                svg,
                "<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{bottom}\" stroke=\"{GRID}\"/>\
                 <line x1=\"{x}\" y1=\"{bottom}\" x2=\"{x}\" y2=\"{tick}\" stroke=\"{INK}\"/>\
                 <text class=\"tick\" x=\"{x}\" y=\"{label}\" text-anchor=\"middle\" fill=\"{MUTED}\">{value}</text>",
                tick = num(frame.plot_bottom + 4.0),
                label = num(frame.plot_bottom + 17.0),
                value = num(value),
            );
        }
        let _ = writeln!(
            svg,
            "<line class=\"axis\" x1=\"{l}\" y1=\"{top}\" x2=\"{l}\" y2=\"{bottom}\" stroke=\"{INK}\"/>\
             <line class=\"axis\" x1=\"{l}\" y1=\"{bottom}\" x2=\"{r}\" y2=\"{bottom}\" stroke=\"{INK}\"/>\n\
             <text class=\"unit\" x=\"{cx}\" y=\"{y}\" text-anchor=\"middle\" fill=\"{MUTED}\">{unit}</text>\n</g>",
            l = num(frame.plot_left),
            r = num(frame.plot_right),
            cx = num(f64::midpoint(frame.plot_left, frame.plot_right)),
            y = num(frame.plot_bottom + 35.0),
            unit = escape(&self.unit),
        );
    }

    fn row(&self, svg: &mut String, frame: &Frame, row: usize, category: &Category) {
        // Rows are few (a year of days at most): the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let row_top = frame.plot_top + row as f64 * frame.row_height + ROW_PAD / 2.0;
        let bars_height = frame.row_height - ROW_PAD;
        let _ = writeln!(
            svg,
            "<text class=\"category\" x=\"{x}\" y=\"{y}\" dy=\".35em\" text-anchor=\"end\" fill=\"{INK}\">{label}</text>",
            x = num(frame.plot_left - 6.0),
            y = num(row_top + bars_height / 2.0),
            label = escape(&category.label),
        );
        for (i, (bar, series)) in category.bars.iter().zip(&self.series).enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let y = row_top + i as f64 * (frame.bar_height + BAR_GAP);
            bar_svg(svg, frame, y, (&category.key, series), bar);
        }
    }
}

/// One bar with its whisker and its value, as `<g class="bar">`.
fn bar_svg(svg: &mut String, frame: &Frame, y: f64, (key, series): (&str, &Series), bar: &Bar) {
    let end = frame.x(bar.value);
    let mid = y + frame.bar_height / 2.0;
    let _ = write!(
        svg,
        "<g class=\"bar\" data-key=\"{key}\" data-series=\"{series_key}\">\
         <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{colour}\"/>",
        key = escape(key),
        series_key = escape(&series.key),
        x = num(frame.plot_left),
        y = num(y),
        w = num(end - frame.plot_left),
        h = num(frame.bar_height),
        colour = escape(series.colour),
    );
    let mut text_x = end;
    if let Some((low, high)) = bar.range {
        let (x0, x1) = (frame.x(low), frame.x(high));
        let (yt, yb) = (num(y + 3.0), num(y + frame.bar_height - 3.0));
        let _ = write!(
            svg,
            "<line class=\"whisker\" x1=\"{a}\" y1=\"{m}\" x2=\"{b}\" y2=\"{m}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>\
             <line x1=\"{a}\" y1=\"{yt}\" x2=\"{a}\" y2=\"{yb}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>\
             <line x1=\"{b}\" y1=\"{yt}\" x2=\"{b}\" y2=\"{yb}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
            a = num(x0),
            b = num(x1),
            m = num(mid),
        );
        text_x = text_x.max(x1);
    }
    if !bar.text.is_empty() {
        let _ = write!(
            svg,
            "<text class=\"value\" x=\"{x}\" y=\"{y}\" dy=\".35em\" font-size=\"{size}\" fill=\"{INK}\">{text}</text>",
            x = num(text_x + 5.0),
            y = num(mid),
            size = num(VALUE_SIZE.min(frame.bar_height + 2.0)),
            text = escape(&bar.text),
        );
    }
    svg.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(key: &str) -> Series {
        Series {
            key: key.to_owned(),
            name: format!("系列{key}"),
            colour: "#0b4f8a",
        }
    }

    fn chart(values: &[&[f64]]) -> BarChart {
        let width = values.first().map_or(1, |v| v.len());
        BarChart {
            title: "照会書の発行・発送".into(),
            description: "日別の通数".into(),
            series: (0..width).map(|i| series(&i.to_string())).collect(),
            range_name: None,
            unit: "通数（通）".into(),
            categories: values
                .iter()
                .enumerate()
                .map(|(i, row)| Category {
                    key: format!("k{i}"),
                    label: format!("{i}日"),
                    bars: row
                        .iter()
                        .map(|v| Bar {
                            value: *v,
                            text: format!("{}通", num(*v)),
                            range: None,
                        })
                        .collect(),
                })
                .collect(),
            empty_note: "この期間の照会書はありません。".into(),
        }
    }

    /// The number that follows the first `marker` in `text` (up to a quote).
    fn number_after(text: &str, marker: &str) -> f64 {
        let start = text.find(marker).unwrap() + marker.len();
        text[start..start + text[start..].find('"').unwrap()]
            .parse()
            .unwrap()
    }

    /// The values of attribute `name` of every `<rect` inside a bar, in order.
    fn bar_attr(svg: &str, name: &str) -> Vec<f64> {
        svg.split("<g class=\"bar\"")
            .skip(1)
            .map(|bar| number_after(&bar[bar.find("<rect").unwrap()..], &format!(" {name}=\"")))
            .collect()
    }

    #[test]
    fn every_value_gets_one_bar_with_its_text() {
        let svg = chart(&[&[1.0, 2.0], &[3.0, 0.0], &[4.0, 5.0]]).to_svg();

        assert_eq!(svg.matches("<g class=\"bar\"").count(), 6);
        assert_eq!(svg.matches("<text class=\"category\"").count(), 3);
        for text in ["1通", "2通", "3通", "0通", "4通", "5通"] {
            assert!(
                svg.contains(&format!(">{text}</text></g>")),
                "{text}: {svg}"
            );
        }
        assert!(svg.contains(r#"data-key="k1" data-series="1""#));
    }

    #[test]
    fn a_bar_without_text_has_no_value_written() {
        let mut c = chart(&[&[0.0, 2.0]]);
        c.categories[0].bars[0].text.clear();

        let svg = c.to_svg();

        assert_eq!(svg.matches("<g class=\"bar\"").count(), 2);
        assert_eq!(svg.matches("<text class=\"value\"").count(), 1);
    }

    #[test]
    fn bar_lengths_are_proportional_to_the_values() {
        let svg = chart(&[&[1.0], &[2.0], &[4.0], &[0.0]]).to_svg();

        let widths = bar_attr(&svg, "width");
        assert_eq!(widths.len(), 4);
        assert!((widths[1] - 2.0 * widths[0]).abs() < 0.2, "{widths:?}");
        assert!((widths[2] - 4.0 * widths[0]).abs() < 0.2, "{widths:?}");
        assert_eq!(widths[3], 0.0);
        let lefts = bar_attr(&svg, "x");
        assert!(lefts.iter().all(|x| *x == lefts[0]), "bars share the axis");
    }

    #[test]
    fn the_value_axis_has_round_ticks_reaching_the_largest_value() {
        assert_eq!(axis(0.0), (1.0, 1));
        assert_eq!(axis(4.0), (1.0, 4));
        assert_eq!(axis(7.0), (2.0, 4));
        assert_eq!(axis(3.5), (1.0, 4));
        assert_eq!(axis(23.0), (5.0, 5));
        assert_eq!(axis(1234.0), (500.0, 3));
        let svg = chart(&[&[7.0]]).to_svg();
        for tick in ["0", "2", "4", "6", "8"] {
            assert!(
                svg.contains(&format!("fill=\"{MUTED}\">{tick}</text>")),
                "{tick}: {svg}"
            );
        }
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let mut c = chart(&[&[1.0]]);
        c.title = "a<b & \"c\"".into();
        c.description = "<script>".into();
        c.categories[0].label = "x'y>".into();
        c.categories[0].key = "k\"".into();
        c.categories[0].bars[0].text = "1 & 2".into();

        let svg = c.to_svg();

        assert!(svg.contains("<title>a&lt;b &amp; &quot;c&quot;</title>"));
        assert!(svg.contains("aria-label=\"a&lt;b &amp; &quot;c&quot;\""));
        assert!(svg.contains("<desc>&lt;script&gt;</desc>"));
        assert!(svg.contains(">x&apos;y&gt;</text>"));
        assert!(svg.contains("data-key=\"k&quot;\""));
        assert!(svg.contains(">1 &amp; 2</text>"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn a_chart_without_categories_draws_its_note_and_no_bar() {
        let svg = chart(&[]).to_svg();

        assert!(svg.contains("この期間の照会書はありません。"));
        assert!(!svg.contains("class=\"bar\""));
        assert!(!svg.contains("class=\"legend\""), "nothing to name");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
    }

    #[test]
    fn equal_charts_give_identical_bytes() {
        let values: &[&[f64]] = &[&[1.0, 2.5], &[3.0, 0.0]];
        assert_eq!(chart(values).to_svg(), chart(values).to_svg());
    }

    #[test]
    fn a_chart_is_labelled_for_assistive_technology_and_names_its_fonts() {
        let svg = chart(&[&[1.0]]).to_svg();

        assert!(svg.contains(r#"role="img" aria-label="照会書の発行・発送""#));
        assert!(svg.contains("<title>照会書の発行・発送</title>"));
        assert!(svg.contains("<desc>日別の通数</desc>"));
        assert!(
            svg.contains(r#"font-family="IPAexGothic, &quot;Noto Sans CJK JP&quot;, sans-serif""#)
        );
    }

    #[test]
    fn a_whisker_is_drawn_and_its_value_text_follows_it() {
        let mut c = chart(&[&[2.0]]);
        c.range_name = Some("最短〜最長".into());
        c.categories[0].bars[0].range = Some((1.0, 4.0));

        let svg = c.to_svg();

        assert_eq!(svg.matches("class=\"whisker\"").count(), 1);
        assert!(svg.contains(">最短〜最長</text>"), "the legend names it");
        let whisker_end = svg.split("class=\"whisker\"").nth(1).unwrap();
        let x2 = number_after(whisker_end, "x2=\"");
        let text_x = number_after(&svg, "<text class=\"value\" x=\"");
        assert!(text_x > x2, "the value is written past the whisker");
    }

    #[test]
    fn long_labels_widen_the_chart_instead_of_squeezing_the_plot() {
        let mut c = chart(&[&[1.0]]);
        c.categories[0].label = "長".repeat(60);

        let svg = c.to_svg();

        let width = number_after(&svg, "width=\"");
        assert!(width > WIDTH, "{width}");
    }
}
