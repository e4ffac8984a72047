//! The receipt handed to an optional proxy at the first visit (受付控え):
//! one A4 page printed from the case page right after intake, so the proxy
//! does not leave with nothing.
//!
//! It carries the 受付番号 and the date of application, what happens next
//! (the letter goes to the cardholder's registered address by 転送不要 mail,
//! the cardholder fills in and seals the 回答書兼委任状, the proxy brings it
//! back), when the letter is mailed (after it is issued; the planned mailing
//! date of its print batch; or the day it was mailed), the deadline rule
//! (and the deadline once the batch fixed it), what to bring to the second
//! visit (the proxy's documents worded from the office's
//! `id_proxy_response`, as on the letter), how to use the status page, and
//! the office's contact.
//!
//! It never carries a PIN, the code (照会番号) or the cardholder's address:
//! [`ReceiptContent`] has no field for any of them and the wording's
//! `[receipt]` table no placeholder, so they cannot be printed by mistake.
//!
//! Laid out with the letter's pen, fonts and contact box, preflighted (one
//! page, inside the printable area) and written by the same deterministic
//! PDF writer; [`receipt_png`] draws the same page as a picture.

use chrono::{NaiveDate, NaiveTime};
use shokai_card::PinKind;

use super::batch::{batch_date_for, planned_mailing};
use super::compose::{LEFT, RIGHT, contact_box, fit_size, numbered_lines};
use super::content::documents_ja;
use super::fonts::LetterFonts;
use super::from_case::LetterSourceError;
use super::layout::{MM_PER_PT, Mark, MarkRole, PageModel, Paint, Pen};
use super::preflight::{PreflightLimits, check_layout, check_pdf};
use super::raster::rasterize;
use super::settings::LetterSettings;
use super::template::{LetterTemplate, Vars};
use super::wareki::{wareki, weekday_ja};
use super::{LetterError, missing};
use crate::case::japan_date;
use crate::{CaseCore, IdRequirement, OfficeCalendar, Procedure, Representation, WorkflowSettings};

const BODY_PT: f32 = 10.0;
const HEADING_PT: f32 = 10.5;
/// Width of the label column of the facts table and of the mailing box.
const LABEL_W: f32 = 34.0;
/// Side of the square box for the office's stamp (受付印).
const STAMP: f32 = 26.0;

/// When the inquiry letter goes out, as the receipt tells the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptMailing {
    /// No letter issued yet: it goes out with the print batch after it is.
    AfterIssue,
    /// Issued: planned to be mailed on `on`; the deadline once a print batch
    /// has fixed it.
    Planned {
        on: NaiveDate,
        deadline: Option<NaiveDate>,
    },
    /// Mailed on `on`, with the case's deadline.
    Mailed {
        on: NaiveDate,
        deadline: Option<NaiveDate>,
    },
}

impl ReceiptMailing {
    /// Where the case's current letter stands on `today` (a Japan date).
    ///
    /// A letter waiting for its batch goes out the open day after the batch
    /// that takes it closes (the batch of the day it was issued, or of the
    /// next day when issued after the cut-off, and not before today); a
    /// printed letter on its batch's planned date (`batch_planned`, when the
    /// caller knows the batch; else the day after it was printed).
    pub fn of_case(
        core: &CaseCore,
        calendar: &OfficeCalendar,
        cutoff: NaiveTime,
        today: NaiveDate,
        batch_planned: Option<NaiveDate>,
    ) -> ReceiptMailing {
        let Some(letter) = core.current_letter() else {
            return ReceiptMailing::AfterIssue;
        };
        if let Some(on) = letter.mailed_on {
            return ReceiptMailing::Mailed {
                on,
                deadline: core.deadline().or(letter.deadline),
            };
        }
        if letter.awaits_print() {
            let closes_on =
                calendar.next_open_day(batch_date_for(letter.issued_at, cutoff).max(today));
            return ReceiptMailing::Planned {
                on: planned_mailing(calendar, closes_on),
                deadline: None,
            };
        }
        let printed_on = japan_date(letter.printed_at.unwrap_or(letter.issued_at));
        ReceiptMailing::Planned {
            on: batch_planned.unwrap_or_else(|| planned_mailing(calendar, printed_on)),
            deadline: letter.deadline,
        }
    }
}

/// What one receipt prints. Deliberately without the cardholder's address,
/// any PIN and the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptContent {
    /// `R8-000123-4`.
    pub reference: String,
    pub applied_on: NaiveDate,
    /// The day the receipt is printed.
    pub printed_on: NaiveDate,
    pub procedure: Procedure,
    /// The PINs applied for, in any order (printed in card order).
    pub pins: Vec<PinKind>,
    pub cardholder_name: String,
    pub proxy_name: String,
    pub mailing: ReceiptMailing,
    /// What the proxy shows at the second visit: the office's
    /// `WorkflowSettings::id_proxy_response`.
    pub proxy_documents: IdRequirement,
    /// The public status page, e.g. `https://shokai.example.jp/status`.
    pub status_url: String,
    /// Whether the proxy gave a phone number (the status page asks for its
    /// last four digits; without one it cannot be used).
    pub proxy_phone_given: bool,
}

impl ReceiptContent {
    /// The receipt of an optional-proxy case, printed on `printed_on`.
    pub fn from_case(
        case: &crate::Case,
        settings: &WorkflowSettings,
        printed_on: NaiveDate,
        mailing: ReceiptMailing,
        status_url: &str,
    ) -> Result<Self, LetterSourceError> {
        let Representation::OptionalProxy(proxy) = &case.parties().representation else {
            return Err(LetterSourceError::NotOptionalProxy);
        };
        Ok(ReceiptContent {
            reference: case.reference().to_string(),
            applied_on: case.applied_on(),
            printed_on,
            procedure: case.procedure(),
            pins: case.pins().iter().collect(),
            cardholder_name: case.parties().cardholder.name.name().to_owned(),
            proxy_name: proxy.person.name().to_owned(),
            mailing,
            proxy_documents: settings.id_proxy_response.clone(),
            status_url: status_url.to_owned(),
            proxy_phone_given: proxy.phone.is_some(),
        })
    }

    fn pins_in_card_order(&self) -> Vec<PinKind> {
        PinKind::ALL
            .into_iter()
            .filter(|k| self.pins.contains(k))
            .collect()
    }
}

/// A date as the receipt prints it: `令和8年11月25日（水）`.
fn dated(date: NaiveDate) -> String {
    format!("{}（{}）", wareki(date), weekday_ja(date))
}

/// Lays the receipt out as one page, checking that the font can print it.
pub fn layout_receipt(
    content: &ReceiptContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
) -> Result<PageModel, LetterError> {
    let page = Receipt {
        content,
        settings,
        template,
        fonts,
    }
    .page();
    for mark in &page.marks {
        if let Mark::Text { text, .. } = mark
            && let Some(ch) = fonts.first_missing(text)
        {
            return Err(missing(ch, "receipt"));
        }
    }
    Ok(page)
}

/// The receipt as a one-page PDF, preflighted.
pub fn render_receipt(
    content: &ReceiptContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
) -> Result<Vec<u8>, LetterError> {
    let page = layout_receipt(content, settings, template, fonts)?;
    let pages = [page];
    let limits = PreflightLimits {
        pages: 1,
        ..PreflightLimits::default()
    };
    check_layout(&pages, settings, fonts, &limits)?;
    let title = format!("受付控え {}", content.reference);
    let pdf = super::pdf::write_pdf(&pages, fonts, &title, content.printed_on)?;
    check_pdf(&pdf, &limits)?;
    Ok(pdf)
}

/// The receipt as a PNG picture at `dpi`, drawn from the same page.
pub fn receipt_png(
    content: &ReceiptContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
    dpi: u32,
) -> Result<Vec<u8>, LetterError> {
    let page = layout_receipt(content, settings, template, fonts)?;
    rasterize(&page, fonts, dpi)?.to_png()
}

/// Everything one receipt is laid out with.
struct Receipt<'a> {
    content: &'a ReceiptContent,
    settings: &'a LetterSettings,
    template: &'a LetterTemplate,
    fonts: &'a LetterFonts,
}

impl Receipt<'_> {
    fn vars(&self) -> Vars {
        let c = self.content;
        let office = &self.settings.office;
        let mut v = Vars::default();
        v.set("reference", c.reference.clone());
        v.set("applied_on", wareki(c.applied_on));
        v.set("printed_on", wareki(c.printed_on));
        v.set("procedure", c.procedure.name_ja());
        v.set("cardholder_name", c.cardholder_name.clone());
        v.set("proxy_name", c.proxy_name.clone());
        v.set("deadline_days", self.settings.deadline_days.to_string());
        v.set("proxy_documents", documents_ja(&c.proxy_documents));
        v.set("status_url", c.status_url.clone());
        v.set("office_name", office.name.clone());
        v.set("office_phone", office.phone.clone());
        v.set("office_hours", office.hours.clone());
        match c.mailing {
            ReceiptMailing::AfterIssue => {}
            ReceiptMailing::Planned { on, deadline } | ReceiptMailing::Mailed { on, deadline } => {
                v.set("mailing_date", dated(on));
                if let Some(deadline) = deadline {
                    v.set("deadline", dated(deadline));
                }
            }
        }
        v
    }

    fn text(&self, name: &str, vars: &Vars) -> String {
        self.template.fill_receipt(name, vars)
    }

    fn page(&self) -> PageModel {
        let vars = self.vars();
        let mut pen = Pen::new(self.fonts, LEFT, RIGHT, 0.0);
        pen.heading_gap = 2.5;
        self.header(&mut pen, &vars);
        self.facts(&mut pen, &vars);
        pen.gap(1.0);
        pen.paragraph(&self.text("no_secrets", &vars), 8.5, 0.0, "no secrets");
        pen.gap(1.5);
        self.mailing_box(&mut pen, &vars);

        pen.heading(&self.text("next_heading", &vars), HEADING_PT);
        numbered_lines(&mut pen, &self.text("next_steps", &vars), BODY_PT);

        pen.heading(&self.text("bring_heading", &vars), HEADING_PT);
        for item in self.text("bring", &vars).lines() {
            if !item.trim().is_empty() {
                pen.list_item("○", item.trim(), BODY_PT, 3.5, "bring");
            }
        }

        self.status(&mut pen, &vars);
        contact_box(
            &mut pen,
            &self.settings.office,
            &self.text("contact_heading", &vars),
        );
        let footer = format!("{}　{}", self.text("footer", &vars), self.content.reference);
        pen.text_right(RIGHT, 280.5, 7.0, &footer, "footer");
        pen.page
    }

    /// Date, title, what the receipt is about, and to whom it is handed.
    fn header(&self, pen: &mut Pen<'_>, vars: &Vars) {
        pen.text_right(
            RIGHT,
            22.0,
            BODY_PT,
            &wareki(self.content.printed_on),
            "printed on",
        );
        let title = self.text("title", vars);
        pen.text_centered(LEFT, RIGHT, 31.0, 20.0, &title, "title");
        let half = pen.width_mm(&title, 20.0) / 2.0 + 12.0;
        let centre = (LEFT + RIGHT) / 2.0;
        pen.line(centre - half, 33.5, centre + half, 33.5, 0.6);
        let subtitle = self.text("subtitle", vars);
        let size = fit_size(pen, &subtitle, 11.0, 9.0, RIGHT - LEFT);
        pen.text_centered(LEFT, RIGHT, 40.0, size, &subtitle, "subtitle");
        let addressee = self.text("addressee", vars);
        let size = fit_size(pen, &addressee, 12.5, 10.0, RIGHT - LEFT);
        pen.text_at(LEFT, 50.0, size, &addressee, MarkRole::Other("addressee"));
        pen.y = 52.5;
        pen.paragraph(&self.text("intro", vars), BODY_PT, 3.5, "intro");
        pen.gap(1.5);
    }

    /// The facts of the application in a framed table: reference, date,
    /// procedure, cardholder and the PINs applied for; beside it a box for
    /// the office's stamp (受付印), which makes the paper the office's.
    fn facts(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let c = self.content;
        let pins: Vec<&str> = c
            .pins_in_card_order()
            .into_iter()
            .map(PinKind::name_ja)
            .collect();
        let rows = [
            ("label_reference", c.reference.clone(), 13.0),
            ("label_applied_on", dated(c.applied_on), 10.5),
            ("label_procedure", c.procedure.name_ja().to_owned(), 10.5),
            (
                "label_cardholder",
                format!("{}　様", c.cardholder_name),
                10.5,
            ),
            ("label_pins", pins.join("、"), 9.5),
        ];
        let top = pen.y;
        let right = RIGHT - STAMP - 3.0;
        for (i, (label, value, size)) in rows.iter().enumerate() {
            if i > 0 {
                pen.line(LEFT, pen.y, right, pen.y, 0.4);
            }
            fact_row(pen, &self.text(label, vars), value, *size, right);
        }
        pen.line(LEFT + LABEL_W, top, LEFT + LABEL_W, pen.y, 0.4);
        pen.rect(
            LEFT,
            top,
            right - LEFT,
            pen.y - top,
            Paint::Stroke(1.0),
            "facts table",
        );
        // The clerk's stamp (受付印) beside the table.
        let stamp_left = RIGHT - STAMP;
        pen.rect(
            stamp_left,
            top,
            STAMP,
            STAMP,
            Paint::Stroke(0.6),
            "stamp box",
        );
        let label = self.text("stamp", vars);
        pen.text_centered(stamp_left, RIGHT, top + 4.0, 7.5, &label, "stamp");
        pen.y = pen.y.max(top + STAMP);
    }

    /// When the letter goes out and the deadline, in a heavy frame with its
    /// label on a tinted band (like the letter's deadline box).
    fn mailing_box(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let top = pen.y;
        let line = match self.content.mailing {
            ReceiptMailing::AfterIssue => self.text("mailing_after_issue", vars),
            ReceiptMailing::Planned { .. } => self.text("mailing_planned", vars),
            ReceiptMailing::Mailed { .. } => self.text("mailing_mailed", vars),
        };
        let deadline = match self.content.mailing {
            ReceiptMailing::Planned {
                deadline: Some(_), ..
            }
            | ReceiptMailing::Mailed {
                deadline: Some(_), ..
            } => Some(self.text("deadline_known", vars)),
            _ => None,
        };
        let saved = (pen.left, pen.right);
        pen.left = LEFT + LABEL_W + 3.0;
        pen.right = RIGHT - 3.0;
        pen.y += 1.5;
        pen.paragraph(&line, 11.0, 0.0, "mailing");
        if let Some(deadline) = deadline {
            pen.paragraph(&deadline, 11.0, 0.0, "deadline");
        }
        pen.paragraph(&self.text("deadline_rule", vars), 8.5, 0.0, "deadline rule");
        (pen.left, pen.right) = saved;
        let h = pen.y - top + 1.0;
        pen.rect(LEFT, top, LABEL_W, h, Paint::Tint, "mailing label band");
        pen.rect(
            LEFT,
            top,
            RIGHT - LEFT,
            h,
            Paint::Stroke(1.2),
            "mailing box",
        );
        let label = self.text("mailing_heading", vars);
        pen.text_centered(
            LEFT,
            LEFT + LABEL_W,
            top + h / 2.0 + 1.4,
            10.0,
            &label,
            "mailing label",
        );
        pen.y = top + h;
    }

    /// How to use the status page, or that it needs a phone number.
    fn status(&self, pen: &mut Pen<'_>, vars: &Vars) {
        pen.heading(&self.text("status_heading", vars), HEADING_PT);
        if !self.content.proxy_phone_given {
            pen.paragraph(&self.text("status_no_phone", vars), BODY_PT, 3.5, "status");
            return;
        }
        pen.paragraph(&self.text("status", vars), BODY_PT, 3.5, "status");
        let url = &self.content.status_url;
        let size = fit_size(pen, url, 12.0, 8.0, RIGHT - LEFT - 8.0);
        pen.y += 1.0;
        pen.text_at(
            LEFT + 8.0,
            pen.y + size * MM_PER_PT,
            size,
            url,
            MarkRole::Other("status url"),
        );
        pen.y += size * MM_PER_PT * 1.6;
    }
}

/// One row of the facts table at the cursor, ending at `right`: `label` on
/// the tinted band, `value` beside it at `size`, wrapped (the row grows to
/// hold it).
fn fact_row(pen: &mut Pen<'_>, label: &str, value: &str, size: f32, right: f32) {
    let row_top = pen.y;
    let lines = pen.wrap_at_words(value, size, right - LEFT - LABEL_W - 4.0);
    let line_h = size * MM_PER_PT * 1.45;
    let row_h = (line_h * lines.len() as f32 + 2.6).max(7.5);
    pen.rect(
        LEFT,
        row_top,
        LABEL_W,
        row_h,
        Paint::Tint,
        "facts label band",
    );
    let baseline = row_top + row_h / 2.0 + 1.4;
    pen.text_centered(LEFT, LEFT + LABEL_W, baseline, 9.0, label, "facts label");
    let first = row_top + (row_h - line_h * lines.len() as f32) / 2.0 + size * MM_PER_PT * 1.05;
    for (n, line) in lines.iter().enumerate() {
        let y = first + n as f32 * line_h;
        pen.text_at(
            LEFT + LABEL_W + 3.0,
            y,
            size,
            line,
            MarkRole::Other("facts"),
        );
    }
    pen.y = row_top + row_h;
}
