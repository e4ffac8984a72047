//! Lays out the two pages of the letter (照会書兼回答書): page 1 the inquiry
//! (照会書), page 2 the response form and power of attorney (回答書兼委任状),
//! the only page the proxy brings back, so it carries the 受付番号 and the
//! 回答期限 itself.
//!
//! Measures are in millimetres from the sheet's top-left corner. The body
//! keeps 20 mm side margins (the print house needs at least 15); the address
//! block sits inside the envelope window with a safety inset.

use shokai_card::{PinFormat, PinKind};

use super::content::LetterContent;
use super::fonts::LetterFonts;
use super::layout::{MM_PER_PT, Mark, MarkRole, PageModel, Paint, Pen};
use super::qr::{dark_runs, qr_modules, qr_payload};
use super::settings::{LetterSettings, OfficeSettings, WindowMm};
use super::template::{LetterTemplate, Vars};
use super::wareki::{wareki, weekday_ja};
use super::{CodeVisibility, LetterError};
use crate::Procedure;

pub(super) const LEFT: f32 = 20.0;
pub(super) const RIGHT: f32 = 190.0;
const BODY_PT: f32 = 10.5;
const SMALL_PT: f32 = 8.5;
/// The two "if" paragraphs of page 1 (forgotten PIN, never applied).
const GUIDE_PT: f32 = 10.0;
/// Width of the parties' band in the power of attorney's table.
const PARTY_W: f32 = 34.0;

/// A cell of the power of attorney's table: its label's template key and
/// its right edge in mm.
type Cell<'a> = (&'a str, f32);

/// Everything the composer needs for one letter.
pub(crate) struct Composer<'a> {
    pub content: &'a LetterContent,
    pub settings: &'a LetterSettings,
    pub template: &'a LetterTemplate,
    pub fonts: &'a LetterFonts,
    pub visibility: &'a CodeVisibility,
}

impl Composer<'_> {
    pub fn vars(&self) -> Vars {
        let c = self.content;
        let office = &self.settings.office;
        let deadline = c.deadline_with(self.settings.deadline_days);
        let mut v = Vars::default();
        v.set("cardholder_name", c.cardholder.name.clone());
        v.set("proxy_name", c.proxy_name.clone());
        v.set("applied_on", wareki(c.applied_on));
        v.set("issued_on", wareki(c.issued_on));
        v.set(
            "deadline",
            format!("{}（{}）", wareki(deadline), weekday_ja(deadline)),
        );
        v.set("office_name", office.name.clone());
        v.set("office_head", office.head.clone());
        v.set(
            "office_address",
            format!("〒{} {}", office.postal_code, office.address),
        );
        v.set("office_phone", office.phone.clone());
        v.set("office_hours", office.hours.clone());
        v.set("reference", c.reference.clone());
        v.set("pin_count", c.pins_in_card_order().len().to_string());
        v.set("proxy_documents", c.proxy_documents_ja());
        if let CodeVisibility::Withheld { mailed_fingerprint } = self.visibility {
            v.set("fingerprint", mailed_fingerprint.clone());
        }
        v
    }

    /// Paragraph `name` in the wording of the letter's procedure.
    fn text(&self, name: &str, vars: &Vars) -> String {
        self.template.fill_for(self.content.procedure, name, vars)
    }

    /// Whether paragraph `name` has any wording for this letter (an empty
    /// paragraph is left out, with its heading or check box).
    fn has(&self, name: &str) -> bool {
        self.template
            .paragraph(self.content.procedure, name)
            .is_some_and(|p| !p.trim().is_empty())
    }

    pub fn pages(&self) -> Result<Vec<PageModel>, LetterError> {
        let vars = self.vars();
        Ok(vec![self.page1(&vars), self.page2(&vars)?])
    }

    fn page1(&self, vars: &Vars) -> PageModel {
        let mut pen = Pen::new(self.fonts, LEFT, RIGHT, 0.0);
        // Page 1 holds five sections under the address block: a little
        // less air above each heading keeps the contact box on the page.
        pen.heading_gap = 2.5;
        self.address_block(&mut pen, vars);
        self.sender_block(&mut pen, vars);

        pen.y = 67.0;
        self.title(&mut pen, vars);
        pen.y += 6.0;
        pen.paragraph(&self.text("salutation", vars), BODY_PT, 0.0, "salutation");
        pen.gap(0.5);
        pen.paragraph(&self.text("why", vars), BODY_PT, 3.5, "why");
        pen.gap(0.5);
        self.pin_list(&mut pen, vars);
        pen.gap(0.5);
        pen.paragraph(&self.text("purpose", vars), BODY_PT, 3.5, "purpose");

        pen.heading(&self.text("next_heading", vars), 10.5);
        numbered_lines(&mut pen, &self.text("next_steps", vars), BODY_PT);
        self.deadline_box(&mut pen, vars);

        if self.has("forgot_pin") {
            pen.heading(&self.text("forgot_pin_heading", vars), 10.5);
            pen.paragraph(&self.text("forgot_pin", vars), GUIDE_PT, 3.5, "forgot PIN");
        }

        pen.heading(&self.text("not_applied_heading", vars), 10.5);
        pen.paragraph(
            &self.text("not_applied", vars),
            GUIDE_PT,
            3.5,
            "not applied",
        );

        self.contact_box(&mut pen, vars);
        self.footer(&mut pen, vars, 1);
        pen.page
    }

    /// The letter's title, underlined. A longer title (a reset's) shrinks a
    /// little to fit the body and its underline grows to match.
    fn title(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let title = self.text("letter_title", vars);
        let size = fit_size(pen, &title, 15.0, 11.0, RIGHT - LEFT);
        pen.text_centered(LEFT, RIGHT, pen.y, size, &title, "title");
        let half = (pen.width_mm(&title, size) / 2.0).min((RIGHT - LEFT) / 2.0);
        let centre = (LEFT + RIGHT) / 2.0;
        let (from, to) = (
            (LEFT + 20.0).min(centre - half),
            (RIGHT - 20.0).max(centre + half),
        );
        pen.line(from, pen.y + 2.5, to, pen.y + 2.5, 0.6);
    }

    /// 〒, address and name in the envelope window, with 親展, 転送不要 and
    /// the reference.
    fn address_block(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let w = self.settings.window;
        let inset = WindowMm::SAFE_INSET;
        let (left, right) = (w.left + inset + 1.0, w.left + w.width - inset);
        let mut y = w.top + inset + 4.0;

        pen.text_at(
            left,
            y,
            10.5,
            &self.content.postal_code_display(),
            MarkRole::Address(1),
        );
        postal_marks(pen, right, y);
        y += 6.2;

        let mut line_no = 2;
        // A long line first shrinks the whole address a little (all lines in
        // one size look tidier), then wraps at a space or `・`.
        let size = self
            .content
            .cardholder
            .address_lines
            .iter()
            .map(|l| fit_size(pen, l, 11.0, 9.5, right - left))
            .fold(11.0, f32::min);
        for address_line in &self.content.cardholder.address_lines {
            for piece in pen.wrap_at_words(address_line, size, right - left) {
                pen.text_at(left, y, size, &piece, MarkRole::Address(line_no));
                line_no += 1;
                y += 5.2;
            }
        }
        y += 3.2;
        let name = format!("{}　様", self.content.cardholder.name);
        let name_pt = fit_size(pen, &name, 15.0, 11.0, right - left - 4.0);
        pen.text_at(left + 4.0, y, name_pt, &name, MarkRole::Address(line_no));
        y += 6.0;
        pen.text_at(
            left,
            y,
            7.5,
            &format!(
                "{} {}",
                self.text("reference_label", vars),
                self.content.reference
            ),
            MarkRole::Address(line_no + 1),
        );
    }

    /// Date, reference and the sender, right of the window.
    fn sender_block(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let office = &self.settings.office;
        pen.text_right(
            RIGHT,
            22.0,
            BODY_PT,
            &wareki(self.content.issued_on),
            "issue date",
        );
        let reference = format!(
            "{} {}",
            self.text("reference_label", vars),
            self.content.reference
        );
        pen.text_right(RIGHT, 27.5, SMALL_PT, &reference, "reference");
        // Left-aligned lines in a block that ends at the right margin.
        let max_w = 70.0;
        let mut lines: Vec<(String, f32)> = Vec::new();
        for line in pen.wrap_at_words(&office.name, 9.5, max_w) {
            lines.push((line, 9.5));
        }
        let address = format!("〒{} {}", office.postal_code, office.address);
        for line in pen.wrap_at_words(&address, SMALL_PT, max_w) {
            lines.push((line, SMALL_PT));
        }
        lines.push((format!("電話 {}", office.phone), SMALL_PT));
        let block_w = lines
            .iter()
            .map(|(l, size)| pen.width_mm(l, *size))
            .fold(0.0, f32::max);
        let x = RIGHT - block_w;
        let mut y = 38.0;
        for (line, size) in &lines {
            pen.text_at(x, y, *size, line, MarkRole::Other("office"));
            y += size * MM_PER_PT * 1.5;
        }
    }

    fn pin_list(&self, pen: &mut Pen<'_>, vars: &Vars) {
        pen.paragraph(
            &self.text("pins_heading", vars),
            BODY_PT,
            3.5,
            "pins heading",
        );
        for kind in self.content.pins_in_card_order() {
            let item = format!("{}（{}）", kind.name_ja(), kind.rule_ja());
            pen.list_item("○", &item, BODY_PT, 8.0, "pin");
        }
    }

    fn deadline_box(&self, pen: &mut Pen<'_>, vars: &Vars) {
        pen.gap(1.5);
        let text = self.text("deadline", vars);
        let top = pen.y;
        pen.y += 2.0;
        let size = 12.0;
        pen.text_at(
            LEFT + 5.0,
            pen.y + size * MM_PER_PT * 1.05,
            size,
            &text,
            MarkRole::Other("deadline"),
        );
        pen.y += size * MM_PER_PT * 1.6;
        let note = self.text("deadline_note", vars);
        let saved = (pen.left, pen.right);
        pen.left = LEFT + 5.0;
        pen.right = RIGHT - 5.0;
        pen.paragraph(&note, 9.0, 0.0, "deadline note");
        (pen.left, pen.right) = saved;
        pen.rect(
            LEFT,
            top,
            RIGHT - LEFT,
            pen.y - top + 0.5,
            Paint::Stroke(1.2),
            "deadline box",
        );
        pen.y += 1.5;
    }

    fn contact_box(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let label = self.text("contact_heading", vars);
        contact_box(pen, &self.settings.office, &label);
    }

    fn footer(&self, pen: &mut Pen<'_>, vars: &Vars, page: usize) {
        let text = format!("{}　{} / 2", self.content.reference, page);
        pen.text_right(RIGHT, 280.5, 7.0, &text, "footer");
        if let CodeVisibility::Withheld { .. } = self.visibility {
            let note = self.text("retained_copy", vars);
            pen.text_at(LEFT, 280.5, 6.5, &note, MarkRole::Other("retained copy"));
        }
    }

    fn page2(&self, vars: &Vars) -> Result<PageModel, LetterError> {
        let mut pen = Pen::new(self.fonts, LEFT, RIGHT, 0.0);
        self.form_header(&mut pen, vars)?;

        pen.y = 47.0;
        pen.heading(&self.text("declaration_heading", vars), 10.5);
        checkbox_paragraph(
            &mut pen,
            &self.text("declaration", vars),
            BODY_PT,
            "declaration",
        );

        pen.heading(&self.text("pin_heading", vars), 10.5);
        pen.paragraph(&self.text("pin_note", vars), SMALL_PT, 0.0, "pin note");
        pen.gap(1.0);
        for kind in self.content.pins_in_card_order() {
            self.pin_boxes(&mut pen, vars, kind);
        }
        if self.has("pin_forgotten") {
            pen.gap(0.5);
            checkbox_paragraph(
                &mut pen,
                &self.text("pin_forgotten", vars),
                SMALL_PT + 0.5,
                "forgotten PIN",
            );
        }

        pen.heading(&self.text("attorney_heading", vars), 10.5);
        pen.paragraph(&self.text("attorney", vars), BODY_PT, 3.5, "attorney");
        self.attorney_form(&mut pen, vars);

        pen.heading(&self.text("seal_heading", vars), 10.5);
        pen.paragraph(&self.text("seal", vars), BODY_PT, 3.5, "seal");
        self.office_use(&mut pen, vars);
        self.footer(&mut pen, vars, 2);
        Ok(pen.page)
    }

    /// Title and addressee, and beside the QR code a small table of what
    /// the counter checks on this page alone: reference, code and deadline.
    fn form_header(&self, pen: &mut Pen<'_>, vars: &Vars) -> Result<(), LetterError> {
        let qr_size = 24.0;
        let qr_left = RIGHT - qr_size;
        let top = 15.0;
        let (label_w, value_w, row_h) = (17.0, 52.0, 8.0);
        let table_left = qr_left - 3.0 - label_w - value_w;
        pen.text_centered(
            LEFT,
            table_left - 4.0,
            top + 11.0,
            17.0,
            &self.text("form_title", vars),
            "form title",
        );
        pen.text_at(
            LEFT,
            top + 25.0,
            11.0,
            &self.text("form_addressee", vars),
            MarkRole::Other("addressee"),
        );

        let ids = self.ids(vars);
        ids_table(pen, &ids, (table_left, top), (label_w, value_w, row_h));

        self.qr_block(pen, qr_left, top, qr_size)
    }

    /// What the counter checks on page 2 alone, as (label, value, size):
    /// reference, code (blanked on the kept copy) and deadline.
    fn ids(&self, vars: &Vars) -> [(String, String, f32); 3] {
        let code = match self.visibility {
            CodeVisibility::Printed => self.content.verification_code.clone(),
            CodeVisibility::Withheld { .. } => self.text("code_withheld", vars),
        };
        [
            (
                self.text("reference_label", vars),
                self.content.reference.clone(),
                10.0,
            ),
            (self.text("code_label", vars), code, 10.0),
            (
                self.text("deadline_label", vars),
                vars.get("deadline").to_owned(),
                11.0,
            ),
        ]
    }

    /// The QR code with its quiet zone, or an empty frame on the retained copy.
    fn qr_block(
        &self,
        pen: &mut Pen<'_>,
        left: f32,
        top: f32,
        size: f32,
    ) -> Result<(), LetterError> {
        if let CodeVisibility::Withheld { .. } = self.visibility {
            pen.rect(
                left,
                top,
                size,
                size,
                Paint::Stroke(0.4),
                "withheld QR frame",
            );
            let y = top + size / 2.0 + 1.0;
            pen.text_centered(left, left + size, y, 7.0, "QR（消去済）", "withheld QR");
            return Ok(());
        }
        let payload = qr_payload(&self.content.reference, &self.content.verification_code);
        let (modules, width) = qr_modules(&payload)?;
        // Four modules of quiet zone on every side, as the standard requires.
        let module = size / (width as f32 + 8.0);
        let origin = (left + 4.0 * module, top + 4.0 * module);
        for (row, col, len) in dark_runs(&modules, width) {
            let x = origin.0 + col as f32 * module;
            let y = origin.1 + row as f32 * module;
            pen.rect(x, y, len as f32 * module, module, Paint::Fill, "QR code");
        }
        Ok(())
    }

    /// One PIN: its name and rule on a tinted band, then boxes for the
    /// current and the new PIN (a reset: the new PIN only), one box per
    /// character. The three 4-digit PINs take one row (current and new side
    /// by side); the signature password, up to 16 characters, takes a row
    /// for each.
    fn pin_boxes(&self, pen: &mut Pen<'_>, vars: &Vars, kind: PinKind) {
        let label_w = 52.0;
        let top = pen.y;
        let text_lines = pin_label_lines(pen, kind, label_w - 4.0);
        let text_h = 3.0
            + text_lines
                .iter()
                .map(|(_, size)| size * MM_PER_PT * 1.45)
                .sum::<f32>();

        let labels_x = LEFT + label_w + 3.0;
        let (rows, cell, count) = box_grid(kind, labels_x, self.content.procedure);
        let boxes_h = rows.iter().map(|(_, dy)| dy + cell).fold(0.0, f32::max);
        let block_h = text_h.max(boxes_h + 4.0);
        pen.rect(LEFT, top, label_w, block_h, Paint::Tint, "PIN label band");
        pen.rect(
            LEFT,
            top,
            RIGHT - LEFT,
            block_h,
            Paint::Stroke(0.5),
            "PIN block",
        );
        let mut y = top + 1.5;
        for (line, size) in &text_lines {
            y += size * MM_PER_PT * 1.2;
            pen.text_at(LEFT + 2.0, y, *size, line, MarkRole::Other("PIN"));
            y += size * MM_PER_PT * 0.25;
        }
        let labels: Vec<String> = if self.content.procedure.needs_current_pin() {
            vec![self.text("pin_current", vars), self.text("pin_new", vars)]
        } else {
            vec![self.text("pin_new", vars)]
        };
        let boxes_top = top + (block_h - boxes_h) / 2.0;
        box_rows(pen, &rows, &labels, boxes_top, cell, count);
        pen.y = top + block_h + 1.5;
    }

    /// The power of attorney's fields, written by hand: one 記入日 for the
    /// form's one signature, then a table of the grantor (the cardholder:
    /// address, signed name, date of birth) and the grantee (the proxy:
    /// address, name). Nothing is pre-printed in them: the cardholder's own
    /// hand is what the counter checks against the proxy in front of it.
    fn attorney_form(&self, pen: &mut Pen<'_>, vars: &Vars) {
        self.signature_date(pen, vars);
        let split = LEFT + PARTY_W + (RIGHT - LEFT - PARTY_W) * 0.56;
        let grantor: [&[Cell<'_>]; 2] = [
            &[("attorney_address", RIGHT)],
            &[
                ("attorney_signed_name", split),
                ("attorney_birth_date", RIGHT),
            ],
        ];
        let grantee: [&[Cell<'_>]; 2] =
            [&[("attorney_address", RIGHT)], &[("attorney_name", RIGHT)]];
        let top = pen.y;
        self.party(pen, vars, "attorney_grantor", &grantor);
        self.party(pen, vars, "attorney_grantee", &grantee);
        pen.line(LEFT + PARTY_W, top, LEFT + PARTY_W, pen.y, 0.6);
        pen.rect(
            LEFT,
            top,
            RIGHT - LEFT,
            pen.y - top,
            Paint::Stroke(0.8),
            "attorney table",
        );
        pen.y += 1.0;
    }

    /// The form's one 記入日, at the right of the power of attorney's last
    /// line when there is room for it, else on a line of its own: either way
    /// just above the grantor's signature block.
    fn signature_date(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let date = self.text("signature_date", vars);
        let date_left = RIGHT - 3.0 - pen.width_mm(&date, BODY_PT);
        let last_line = pen.page.marks.iter().rev().find_map(|m| match m {
            Mark::Text { x, y, width, .. } => Some((x + width, *y)),
            _ => None,
        });
        match last_line {
            Some((end, baseline)) if end + 8.0 <= date_left => {
                pen.text_at(date_left, baseline, BODY_PT, &date, MarkRole::Other("date"));
                pen.gap(0.5);
            }
            _ => {
                let baseline = pen.y + 4.2;
                pen.text_at(date_left, baseline, BODY_PT, &date, MarkRole::Other("date"));
                pen.y += 6.0;
            }
        }
    }

    /// One party of the power of attorney: its name on a tinted band at the
    /// left, then `rows` of labelled cells (each cell's label key and right
    /// edge) with room for handwriting.
    fn party(&self, pen: &mut Pen<'_>, vars: &Vars, party: &str, rows: &[&[Cell<'_>]]) {
        let (size, row_h) = (9.5, 11.0);
        let top = pen.y;
        let h = row_h * rows.len() as f32;
        pen.rect(LEFT, top, PARTY_W, h, Paint::Tint, "attorney label band");
        let lines = label_lines(pen, &self.text(party, vars), size, PARTY_W - 3.0);
        let line_h = size * MM_PER_PT * 1.35;
        let first = top + (h - line_h * lines.len() as f32) / 2.0 + size * MM_PER_PT;
        for (i, (line, pt)) in lines.iter().enumerate() {
            let baseline = first + i as f32 * line_h;
            pen.text_at(
                LEFT + 2.0,
                baseline,
                *pt,
                line,
                MarkRole::Other("attorney party"),
            );
        }
        for (r, cells) in rows.iter().enumerate() {
            let row_top = top + r as f32 * row_h;
            if r > 0 {
                pen.line(LEFT + PARTY_W, row_top, RIGHT, row_top, 0.4);
            }
            let mut x = LEFT + PARTY_W;
            for (i, (key, right)) in cells.iter().enumerate() {
                if i > 0 {
                    pen.line(x, row_top, x, row_top + row_h, 0.4);
                }
                let baseline = row_top + row_h / 2.0 + size * MM_PER_PT * 0.36;
                let label = self.text(key, vars);
                pen.text_at(
                    x + 2.0,
                    baseline,
                    size,
                    &label,
                    MarkRole::Other("attorney field"),
                );
                x = *right;
            }
        }
        pen.line(LEFT, top + h, RIGHT, top + h, 0.6);
        pen.y = top + h;
    }

    fn office_use(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let top = 258.0f32.max(pen.y + 2.0);
        let h = 18.0;
        let label = self.text("office_use", vars);
        // A reset confirms no current PIN: the clerk initialises it instead.
        let cells = match self.content.procedure {
            Procedure::Change => ["受付日", "本人確認", "暗証番号確認", "設定完了"],
            Procedure::Reset => ["受付日", "本人確認", "初期化", "設定完了"],
        };
        let label_w = 22.0;
        let cell_w = (RIGHT - LEFT - label_w) / cells.len() as f32;
        pen.rect(LEFT, top, label_w, h, Paint::Tint, "office use band");
        pen.rect(
            LEFT,
            top,
            RIGHT - LEFT,
            h,
            Paint::Stroke(0.5),
            "office use box",
        );
        for (i, line) in pen.wrap(&label, 8.5, label_w - 3.0).iter().enumerate() {
            pen.text_at(
                LEFT + 1.5,
                top + 6.0 + i as f32 * 4.0,
                8.5,
                line,
                MarkRole::Other("office use"),
            );
        }
        for (i, cell) in cells.iter().enumerate() {
            let x = LEFT + label_w + i as f32 * cell_w;
            pen.line(x, top, x, top + h, 0.5);
            pen.text_at(x + 1.5, top + 4.0, 7.0, cell, MarkRole::Other("office use"));
        }
    }
}

/// The office's name, address, phone and hours in a box at the foot of the
/// page (or below the text, if that runs lower), labelled `label` on a
/// tinted band: the same on the letter and on the receipt.
pub(super) fn contact_box(pen: &mut Pen<'_>, office: &OfficeSettings, label: &str) {
    let h: f32 = 25.0;
    let top = (274.0 - h).max(pen.y + 3.0);
    pen.rect(LEFT, top, 28.0, h, Paint::Tint, "contact label band");
    pen.rect(
        LEFT,
        top,
        RIGHT - LEFT,
        h,
        Paint::Stroke(0.6),
        "contact box",
    );
    pen.text_centered(
        LEFT,
        LEFT + 28.0,
        top + h / 2.0 + 1.5,
        10.0,
        label,
        "contact heading",
    );
    let x = LEFT + 32.0;
    pen.text_at(x, top + 5.8, 10.0, &office.name, MarkRole::Other("contact"));
    let addr = format!("〒{} {}", office.postal_code, office.address);
    pen.text_at(x, top + 11.0, 9.0, &addr, MarkRole::Other("contact"));
    pen.text_at(
        x,
        top + 17.3,
        11.0,
        &format!("電話 {}", office.phone),
        MarkRole::Other("contact"),
    );
    pen.text_at(
        x,
        top + 22.3,
        9.0,
        &format!("受付時間 {}", office.hours),
        MarkRole::Other("contact"),
    );
    pen.y = top + h;
}

/// `rows` of (label, value, size) in a framed table whose top-left corner
/// is `at`, with `widths` = (label column, value column, row height); a
/// value too long for its column shrinks.
fn ids_table(
    pen: &mut Pen<'_>,
    rows: &[(String, String, f32)],
    at: (f32, f32),
    widths: (f32, f32, f32),
) {
    let ((left, top), (label_w, value_w, row_h)) = (at, widths);
    let height = row_h * rows.len() as f32;
    pen.rect(
        left,
        top,
        label_w,
        height,
        Paint::Tint,
        "form ids label band",
    );
    for (i, (label, value, size)) in rows.iter().enumerate() {
        let row_top = top + i as f32 * row_h;
        if i > 0 {
            pen.line(left, row_top, left + label_w + value_w, row_top, 0.4);
        }
        let baseline = row_top + row_h / 2.0 + 1.4;
        let label_pt = fit_size(pen, label, 9.0, 6.5, label_w - 2.0);
        pen.text_centered(
            left,
            left + label_w,
            baseline,
            label_pt,
            label,
            "form ids label",
        );
        let value_pt = fit_size(pen, value, *size, 7.0, value_w - 3.0);
        let x = left + label_w + 2.0;
        pen.text_at(x, baseline, value_pt, value, MarkRole::Other("form ids"));
    }
    pen.line(left + label_w, top, left + label_w, top + height, 0.4);
    pen.rect(
        left,
        top,
        label_w + value_w,
        height,
        Paint::Stroke(1.0),
        "form ids table",
    );
}

/// The postal marks, boxed, ending at `right` on the baseline `y` of the
/// postal code: 親展 (to be opened by the addressee only), then 転送不要
/// (not to be forwarded), in reading order.
fn postal_marks(pen: &mut Pen<'_>, right: f32, y: f32) {
    let marks = [("親展", "親展 box"), ("転送不要", "転送不要 box")];
    let (pad, gap) = (2.4, 2.0);
    let total: f32 = marks
        .iter()
        .map(|(mark, _)| pen.width_mm(mark, 9.5) + pad)
        .sum::<f32>()
        + gap * (marks.len() - 1) as f32;
    let mut x = right - total;
    for (mark, frame) in marks {
        let w = pen.width_mm(mark, 9.5) + pad;
        pen.rect(x, y - 4.0, w, 5.2, Paint::Stroke(0.8), frame);
        pen.text_at(x + pad / 2.0, y, 9.5, mark, MarkRole::Other(mark));
        x += w + gap;
    }
}

/// A check box followed by a paragraph whose lines hang beside it.
fn checkbox_paragraph(pen: &mut Pen<'_>, text: &str, size: f32, what: &'static str) {
    let box_mm = (size * MM_PER_PT * 1.3).min(5.0);
    // The box sits on the first line, centred on its glyphs (whose em box
    // runs from 0.88 em above the baseline to 0.12 em below).
    let baseline = pen.y + size * MM_PER_PT * 1.1;
    let box_top = baseline - size * MM_PER_PT * 0.38 - box_mm / 2.0;
    pen.rect(
        LEFT + 3.0,
        box_top,
        box_mm,
        box_mm,
        Paint::Stroke(1.0),
        "check box",
    );
    let saved = pen.left;
    pen.left = LEFT + 3.0 + box_mm + 3.0;
    pen.paragraph(text, size, 0.0, what);
    pen.left = saved;
    pen.gap(1.0);
}

/// A party's label in the attorney table, broken before its bracket
/// (委任者 / （カード名義人）), the bracket smaller; wrapped if it has none.
fn label_lines(pen: &Pen<'_>, text: &str, size: f32, width: f32) -> Vec<(String, f32)> {
    match text.find('（') {
        Some(at) if at > 0 => {
            let small = fit_size(pen, &text[at..], size - 1.0, 7.0, width);
            vec![
                (text[..at].to_owned(), size),
                (text[at..].to_owned(), small),
            ]
        }
        _ => pen
            .wrap(text, size, width)
            .into_iter()
            .map(|l| (l, size))
            .collect(),
    }
}

/// The PIN's name (broken at its space) and, smaller, its rule.
fn pin_label_lines(pen: &Pen<'_>, kind: PinKind, width: f32) -> Vec<(String, f32)> {
    let mut lines: Vec<(String, f32)> = pen
        .wrap_at_words(kind.name_ja(), 9.0, width)
        .into_iter()
        .map(|l| (l, 9.0))
        .collect();
    let rule = format!("（{}）", kind.rule_ja());
    lines.extend(pen.wrap(&rule, 7.5, width).into_iter().map(|l| (l, 7.5)));
    lines
}

/// Where a PIN's rows of boxes go: for each row its left edge and its offset
/// from the first row's top, then the box size and the boxes in a row. A
/// change has a row for the current PIN and one for the new; a reset only
/// the new PIN's.
fn box_grid(kind: PinKind, labels_x: f32, procedure: Procedure) -> (Vec<(f32, f32)>, f32, usize) {
    let (mut rows, cell, count) = match kind.format() {
        PinFormat::FourDigits => {
            let half = labels_x + (RIGHT - labels_x) / 2.0;
            (vec![(labels_x, 0.0), (half, 0.0)], 8.0, 4)
        }
        PinFormat::Alphanumeric { max, .. } => (vec![(labels_x, 0.0), (labels_x, 7.5)], 5.8, max),
    };
    if !procedure.needs_current_pin() {
        rows.truncate(1);
    }
    (rows, cell, count)
}

/// A label and a row of `count` boxes for each of `rows`.
fn box_rows(
    pen: &mut Pen<'_>,
    rows: &[(f32, f32)],
    labels: &[String],
    top: f32,
    cell: f32,
    count: usize,
) {
    let label_pt = 8.5;
    let label_w = labels
        .iter()
        .map(|l| pen.width_mm(l, label_pt))
        .fold(0.0, f32::max);
    for ((x, dy), label) in rows.iter().zip(labels) {
        let row_top = top + dy;
        pen.text_at(
            *x,
            row_top + cell / 2.0 + 1.3,
            label_pt,
            label,
            MarkRole::Other("PIN label"),
        );
        let first = x + label_w + 2.5;
        // Sixteen boxes must still end inside the block.
        let cell = cell.min((RIGHT - 2.5 - first) / count as f32);
        for b in 0..count {
            pen.rect(
                first + b as f32 * cell,
                row_top,
                cell,
                cell,
                Paint::Stroke(0.6),
                "PIN box",
            );
        }
    }
}

/// Shrinks `text` from `max_pt` towards `min_pt` until it fits `width`.
pub(super) fn fit_size(pen: &Pen<'_>, text: &str, max_pt: f32, min_pt: f32, width: f32) -> f32 {
    let mut size = max_pt;
    while size > min_pt && pen.width_mm(text, size) > width {
        size -= 0.5;
    }
    size
}

/// Lines like `1．…` set as a numbered list with hanging continuation lines.
pub(super) fn numbered_lines(pen: &mut Pen<'_>, text: &str, size: f32) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let split = line
            .char_indices()
            .take(4)
            .find(|(_, c)| matches!(c, '．' | '.' | '）' | ')'))
            .map(|(i, c)| i + c.len_utf8());
        match split {
            Some(at) => pen.list_item(&line[..at], line[at..].trim_start(), size, 3.5, "step"),
            None => pen.paragraph(line, size, 3.5, "step"),
        }
    }
}
