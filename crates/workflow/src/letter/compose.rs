//! Lays out the two pages of the letter: page 1 the inquiry (照会書), page 2
//! the response form and power of attorney (回答書 兼 委任状).
//!
//! Measures are in millimetres from the sheet's top-left corner. The body
//! keeps 20 mm side margins (the print house needs at least 15); the address
//! block sits inside the envelope window with a safety inset.

use shokai_card::{PinFormat, PinKind};

use super::content::LetterContent;
use super::fonts::LetterFonts;
use super::layout::{MM_PER_PT, MarkRole, PageModel, Paint, Pen};
use super::qr::{dark_runs, qr_modules, qr_payload};
use super::settings::{LetterSettings, WindowMm};
use super::template::{LetterTemplate, Vars};
use super::wareki::{wareki, weekday_ja};
use super::{CodeVisibility, LetterError};
use crate::Procedure;

const LEFT: f32 = 20.0;
const RIGHT: f32 = 190.0;
const BODY_PT: f32 = 10.5;
const SMALL_PT: f32 = 8.5;

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
        if let CodeVisibility::Withheld { mailed_fingerprint } = self.visibility {
            v.set("fingerprint", mailed_fingerprint.clone());
        }
        v
    }

    /// Paragraph `name` in the wording of the letter's procedure.
    fn text(&self, name: &str, vars: &Vars) -> String {
        self.template.fill_for(self.content.procedure, name, vars)
    }

    pub fn pages(&self) -> Result<Vec<PageModel>, LetterError> {
        let vars = self.vars();
        Ok(vec![self.page1(&vars), self.page2(&vars)?])
    }

    fn page1(&self, vars: &Vars) -> PageModel {
        let mut pen = Pen::new(self.fonts, LEFT, RIGHT, 0.0);
        self.address_block(&mut pen);
        self.sender_block(&mut pen, vars);

        pen.y = 70.0;
        self.title(&mut pen, vars);
        pen.y += 7.0;
        pen.paragraph(&self.text("salutation", vars), BODY_PT, 0.0, "salutation");
        pen.gap(1.0);
        pen.paragraph(&self.text("why", vars), BODY_PT, 3.5, "why");
        pen.gap(1.0);
        self.pin_list(&mut pen, vars);
        pen.gap(1.0);
        pen.paragraph(&self.text("purpose", vars), BODY_PT, 3.5, "purpose");

        pen.heading(&self.text("next_heading", vars), 10.5);
        numbered_lines(&mut pen, &self.text("next_steps", vars), BODY_PT);
        self.deadline_box(&mut pen, vars);

        pen.heading(&self.text("not_applied_heading", vars), 10.5);
        pen.paragraph(&self.text("not_applied", vars), BODY_PT, 3.5, "not applied");

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

    /// 〒, address and name in the envelope window, with 転送不要 and the reference.
    fn address_block(&self, pen: &mut Pen<'_>) {
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
        let mark = "転送不要";
        let mark_w = pen.width_mm(mark, 9.5);
        pen.rect(
            right - mark_w - 2.4,
            y - 4.0,
            mark_w + 2.4,
            5.2,
            Paint::Stroke(0.8),
            "転送不要 box",
        );
        pen.text_at(
            right - mark_w - 1.2,
            y,
            9.5,
            mark,
            MarkRole::Other("転送不要"),
        );
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
            &format!("整理番号 {}", self.content.reference),
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
        let office = &self.settings.office;
        let top = 246.0f32.max(pen.y + 3.0);
        let h = 28.0;
        pen.rect(LEFT, top, 28.0, h, Paint::Tint, "contact label band");
        pen.rect(
            LEFT,
            top,
            RIGHT - LEFT,
            h,
            Paint::Stroke(0.6),
            "contact box",
        );
        let label = self.text("contact_heading", vars);
        pen.text_centered(
            LEFT,
            LEFT + 28.0,
            top + h / 2.0 + 1.5,
            10.0,
            &label,
            "contact heading",
        );
        let x = LEFT + 32.0;
        pen.text_at(x, top + 6.5, 10.0, &office.name, MarkRole::Other("contact"));
        let addr = format!("〒{} {}", office.postal_code, office.address);
        pen.text_at(x, top + 12.5, 9.0, &addr, MarkRole::Other("contact"));
        pen.text_at(
            x,
            top + 19.5,
            11.0,
            &format!("電話 {}", office.phone),
            MarkRole::Other("contact"),
        );
        pen.text_at(
            x,
            top + 25.0,
            9.0,
            &format!("受付時間 {}", office.hours),
            MarkRole::Other("contact"),
        );
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

        pen.y = 48.0;
        pen.heading(&self.text("declaration_heading", vars), 10.5);
        self.declaration(&mut pen, vars);

        pen.heading(&self.text("pin_heading", vars), 10.5);
        pen.paragraph(&self.text("pin_note", vars), SMALL_PT, 0.0, "pin note");
        pen.gap(1.0);
        for kind in self.content.pins_in_card_order() {
            self.pin_boxes(&mut pen, vars, kind);
        }

        pen.heading(&self.text("signature_heading", vars), 10.5);
        self.signature_rows(&mut pen, vars, "signature_name");

        pen.heading(&self.text("attorney_heading", vars), 10.5);
        pen.paragraph(&self.text("attorney", vars), BODY_PT, 3.5, "attorney");
        pen.gap(1.5);
        let proxy = self.text("attorney_proxy", vars);
        pen.text_at(
            LEFT + 6.0,
            pen.y + 4.0,
            11.0,
            &proxy,
            MarkRole::Other("proxy"),
        );
        pen.y += 7.5;
        self.signature_rows(&mut pen, vars, "attorney_signature");

        pen.heading(&self.text("seal_heading", vars), 10.5);
        pen.paragraph(&self.text("seal", vars), BODY_PT, 3.5, "seal");
        self.office_use(&mut pen, vars);
        self.footer(&mut pen, vars, 2);
        Ok(pen.page)
    }

    /// Title, addressee, reference, code and QR code.
    fn form_header(&self, pen: &mut Pen<'_>, vars: &Vars) -> Result<(), LetterError> {
        let qr_size = 24.0;
        let qr_left = RIGHT - qr_size;
        pen.text_centered(
            LEFT,
            qr_left - 4.0,
            27.0,
            17.0,
            &self.text("form_title", vars),
            "form title",
        );
        pen.text_at(
            LEFT,
            40.0,
            11.0,
            &self.text("form_addressee", vars),
            MarkRole::Other("addressee"),
        );

        let ids_right = qr_left - 3.0;
        let reference = format!(
            "{}  {}",
            self.text("reference_label", vars),
            self.content.reference
        );
        pen.text_right(ids_right, 35.5, 9.0, &reference, "reference");
        let code = match self.visibility {
            CodeVisibility::Printed => self.content.verification_code.clone(),
            CodeVisibility::Withheld { .. } => self.text("code_withheld", vars),
        };
        let code_line = format!("{}  {}", self.text("code_label", vars), code);
        pen.text_right(ids_right, 41.5, 9.0, &code_line, "code");

        self.qr_block(pen, qr_left, 15.0, qr_size)
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

    fn declaration(&self, pen: &mut Pen<'_>, vars: &Vars) {
        let size = 10.5;
        let box_mm = 5.0;
        pen.rect(
            LEFT + 3.0,
            pen.y + 0.3,
            box_mm,
            box_mm,
            Paint::Stroke(1.0),
            "declaration checkbox",
        );
        let saved = pen.left;
        pen.left = LEFT + 3.0 + box_mm + 3.0;
        pen.paragraph(&self.text("declaration", vars), size, 0.0, "declaration");
        pen.left = saved;
        pen.gap(1.0);
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

    /// Date and signature line for the cardholder.
    fn signature_rows(&self, pen: &mut Pen<'_>, vars: &Vars, name_key: &str) {
        // Room for a handwritten signature: about 10 mm above the line.
        let y = pen.y + 10.0;
        pen.text_at(
            LEFT + 6.0,
            y,
            BODY_PT,
            &self.text("signature_date", vars),
            MarkRole::Other("date"),
        );
        let label = self.text(name_key, vars);
        let label_x = 100.0;
        pen.text_at(label_x, y, BODY_PT, &label, MarkRole::Other("signature"));
        let line_x = label_x + pen.width_mm(&label, BODY_PT) + 2.0;
        pen.line(line_x, y + 1.5, RIGHT - 2.0, y + 1.5, 0.6);
        pen.y = y + 5.0;
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
fn fit_size(pen: &Pen<'_>, text: &str, max_pt: f32, min_pt: f32, width: f32) -> f32 {
    let mut size = max_pt;
    while size > min_pt && pen.width_mm(text, size) > width {
        size -= 0.5;
    }
    size
}

/// Lines like `1．…` set as a numbered list with hanging continuation lines.
fn numbered_lines(pen: &mut Pen<'_>, text: &str, size: f32) {
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
