//! One print file for a whole batch, written while it renders.
//!
//! Joining per-letter PDFs repeats the font subset in every letter (a
//! 1,000-letter file came to 60 MB) and holds every letter in memory. A
//! [`PrintFile`] instead writes each letter's pages to the caller's writer as
//! soon as they are laid out and embeds the font once, at the end, cut down
//! to the glyphs the whole file used. What it keeps between letters is small
//! and fixed per page: each object's byte offset (for the cross-reference
//! table) and the set of glyphs used so far.
//!
//! # The file
//!
//! ```text
//! %PDF-1.7
//! 10        shared /Resources (the font as /F1)        written by `new`
//! 11, 12    page 1 and its content stream               written by `add_letter`
//! 13, 14    page 2 …                                    (two objects per page)
//! 3–8       Type0 font, CIDFontType2, descriptor,       written by `finish`
//!           FontFile2, ToUnicode, CIDToGIDMap
//! 9, 2, 1   information dictionary, page tree, catalogue
//! xref, trailer (/ID derived from the bytes before it)
//! ```
//!
//! The font is a `Type0` font with `Identity-H` encoding over a
//! `CIDFontType2` descendant; its `/W` widths, `FontFile2` subset and
//! `ToUnicode` CMap (so `pdftotext` reads the Japanese text and the
//! verification code) are written once the last letter is in.
//!
//! # Why CIDs are the full font's glyph ids
//!
//! Content streams are written before the final glyph set is known, so they
//! cannot address glyphs by their number in the subset. They use the glyph's
//! id in the full font as its CID, and a `/CIDToGIDMap` stream maps each CID
//! to the subset's glyph at the end (ISO 32000-1, 9.7.4.2). So a letter's
//! content streams depend only on the letter (not on the letters before it),
//! which makes [`LetterReceipt::digest`] comparable across files.
//!
//! # Refusals leave the file as it was
//!
//! A letter is laid out, preflighted, encoded and compressed in memory first
//! ([`PreparedLetter::new`]); only a letter that passed all of that is
//! written, with one `write_all`. A refused letter (missing glyph, layout
//! preflight, QR code) returns its error and the writer has not seen a byte
//! of it, so the batch can go on without it. A failing writer, on the other
//! hand, leaves a torn file: the [`PrintFile`] then refuses everything with
//! [`LetterError::Write`].
//!
//! Deterministic: the same letters in the same order give byte-identical
//! files (no dates, no random ids; the subset tag and `/ID` are hashes).

use std::collections::BTreeMap;
use std::io::{self, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;

use super::fonts::LetterFonts;
use super::layout::{MM_PER_PT, Mark, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageModel, Paint};
use super::{
    CodeVisibility, LetterContent, LetterError, LetterSettings, LetterTemplate, checked_pages,
    missing,
};

// Object numbers fixed in advance, so page objects written early can point
// at the font and the page tree that are only written by `finish`.
const CATALOG: u32 = 1;
const PAGES: u32 = 2;
const FONT: u32 = 3;
const CID_FONT: u32 = 4;
const DESCRIPTOR: u32 = 5;
const FONT_FILE: u32 = 6;
const TO_UNICODE: u32 = 7;
const CID_TO_GID: u32 = 8;
const INFO: u32 = 9;
const RESOURCES: u32 = 10;

/// The document title in the information dictionary.
const TITLE: &str = "照会書 印刷用";
/// Glyphs narrower or wider than this (thousandths of an em) are listed in `/W`;
/// IPAex Gothic's kana and kanji are all exactly one em wide.
const DEFAULT_WIDTH: i64 = 1000;
/// Bytes gathered before they are handed to the writer while `finish` writes
/// the long tables (xref, page tree), so an unbuffered file is not written
/// twenty bytes at a time.
const CHUNK: usize = 64 * 1024;

/// A print file being written: letters go in one by one, in print order.
///
/// `W` is any [`Write`]r (a `BufWriter<File>`, a `Vec<u8>`, [`io::sink`]);
/// no `Seek` is needed. Each letter is handed to it in one `write_all`.
pub struct PrintFile<'f, W: Write> {
    out: Tally<W>,
    fonts: &'f LetterFonts,
    /// Byte offset of every object by object number (0 for "not yet written").
    offsets: Vec<u64>,
    /// Number of pages written; page `k` (0-based) is object
    /// `RESOURCES + 1 + 2k` and its content stream the object after it.
    pages: usize,
    letters: usize,
    /// Glyph id → the first character it was used for (for `ToUnicode`).
    glyphs: BTreeMap<u16, char>,
    /// Reused for each letter's bytes, so a letter costs one write.
    buf: Vec<u8>,
    /// Set once the writer failed: the file is torn and takes nothing more.
    broken: bool,
}

impl<W: Write> std::fmt::Debug for PrintFile<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrintFile")
            .field("letters", &self.letters)
            .field("pages", &self.pages)
            .field("bytes", &self.out.bytes)
            .field("glyphs", &self.glyphs.len())
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

/// Where a letter landed in the print file, and what was printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterReceipt {
    /// The case reference printed on the letter.
    pub reference: String,
    /// The letter's first page in the file, counted from 1 as a print room does.
    pub first_page: usize,
    /// How many pages the letter occupies (its pages are consecutive).
    pub pages: usize,
    /// Lower-case hex SHA-256 over the letter's uncompressed content streams,
    /// each preceded by its length as 8 bytes big-endian, in page order.
    ///
    /// It stands in for the standalone file's SHA-256 a per-letter PDF had: it
    /// covers every mark printed (text as glyph ids of the full font, lines,
    /// boxes, QR modules and their positions) and nothing about the file
    /// around it, so the same letter gives the same digest wherever it sits
    /// in whichever print file. Like the file fingerprint it also depends on
    /// the verification code, so it is not a way to recover the code.
    pub digest: String,
}

/// What a finished print file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintFileSummary {
    /// Letters written.
    pub letters: usize,
    /// Pages written.
    pub pages: usize,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the whole file, computed while it was written.
    pub sha256: String,
    /// `/BaseFont` of the one embedded font, subset tag included (`ABCDEF+IPAexGothic`).
    pub font: String,
    /// Glyphs in the embedded subset (`.notdef` and composite parts not counted).
    pub glyphs: usize,
}

/// A letter laid out, preflighted and encoded, not yet written.
///
/// [`PrintFile::add_letter`] makes one and writes it at once. Making them is
/// the expensive part and needs no access to the file, so a caller may make
/// a bounded chunk of them on several threads and add them in order with
/// [`PrintFile::add_prepared`]; memory then grows with the chunk, not the batch.
pub struct PreparedLetter<'f> {
    fonts: &'f LetterFonts,
    reference: String,
    /// Deflated content stream of each page.
    streams: Vec<Vec<u8>>,
    /// Glyph id → character, for the glyphs this letter uses.
    glyphs: BTreeMap<u16, char>,
    digest: String,
}

impl std::fmt::Debug for PreparedLetter<'_> {
    // The streams hold the verification code; only their sizes are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedLetter")
            .field("reference", &self.reference)
            .field("pages", &self.streams.len())
            .field(
                "stream_bytes",
                &self.streams.iter().map(Vec::len).sum::<usize>(),
            )
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

impl<'f> PreparedLetter<'f> {
    /// Lays out the letter to be mailed (code and QR code printed) with the
    /// same composition and preflight as [`super::render_letter`], and
    /// encodes its pages as content streams for a [`PrintFile`] using `fonts`.
    pub fn new(
        content: &LetterContent,
        settings: &LetterSettings,
        template: &LetterTemplate,
        fonts: &'f LetterFonts,
    ) -> Result<Self, LetterError> {
        let pages = checked_pages(content, settings, template, fonts, &CodeVisibility::Printed)?;
        let mut glyphs = BTreeMap::new();
        let mut digest = Sha256::new();
        let mut streams = Vec::with_capacity(pages.len());
        let mut raw = Vec::with_capacity(16 * 1024);
        for page in &pages {
            raw.clear();
            encode_page(page, fonts, &mut glyphs, &mut raw)?;
            digest.update(u64::try_from(raw.len()).unwrap_or(u64::MAX).to_be_bytes());
            digest.update(&raw);
            streams.push(deflate(&raw)?);
        }
        Ok(Self {
            fonts,
            reference: content.reference.clone(),
            streams,
            glyphs,
            digest: hex::encode(digest.finalize()),
        })
    }

    /// The case reference printed on the letter.
    pub fn reference(&self) -> &str {
        &self.reference
    }
}

impl<'f, W: Write> PrintFile<'f, W> {
    /// Starts a print file on `writer` (writes the header and the shared page
    /// resources). Every letter added must be laid out with the same `fonts`.
    pub fn new(writer: W, fonts: &'f LetterFonts) -> Result<Self, LetterError> {
        let mut file = Self {
            out: Tally {
                inner: writer,
                bytes: 0,
                hash: Sha256::new(),
            },
            fonts,
            offsets: vec![0; RESOURCES as usize + 1],
            pages: 0,
            letters: 0,
            glyphs: BTreeMap::new(),
            buf: Vec::with_capacity(CHUNK),
            broken: false,
        };
        // The second line's bytes above 127 tell transfer tools the file is binary.
        file.buf.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        file.begin_object(RESOURCES);
        file.buf
            .put(&format!("<< /Font << /F1 {FONT} 0 R >> >>\nendobj\n"));
        file.emit()?;
        Ok(file)
    }

    /// Lays out, preflights and writes one letter (the mailed version: code
    /// and QR code printed) after those already in the file.
    ///
    /// A refused letter is refused before any of it is written: the error is
    /// returned, the file is as it was, and further letters may follow.
    pub fn add_letter(
        &mut self,
        content: &LetterContent,
        settings: &LetterSettings,
        template: &LetterTemplate,
    ) -> Result<LetterReceipt, LetterError> {
        self.usable()?;
        let letter = PreparedLetter::new(content, settings, template, self.fonts)?;
        self.add_prepared(letter)
    }

    /// Writes a letter prepared earlier (see [`PreparedLetter`]) after those
    /// already in the file.
    pub fn add_prepared(
        &mut self,
        letter: PreparedLetter<'_>,
    ) -> Result<LetterReceipt, LetterError> {
        self.usable()?;
        // Glyph ids only mean something in the font the letter was set with.
        if !std::ptr::eq(letter.fonts, self.fonts) {
            return Err(LetterError::Pdf(format!(
                "letter {} was prepared with another font than the print file's",
                letter.reference
            )));
        }
        let first_page = self.pages + 1;
        let objects_before = self.offsets.len();
        let media_box = format!(
            "[0 0 {} {}]",
            Num(PAGE_WIDTH_MM / MM_PER_PT),
            Num(PAGE_HEIGHT_MM / MM_PER_PT)
        );
        for stream in &letter.streams {
            let page = self.next_id();
            self.begin_object(page);
            self.buf.put(&format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox {media_box} /Resources {RESOURCES} 0 R /Contents {} 0 R >>\nendobj\n",
                page + 1
            ));
            let contents = self.next_id();
            self.write_stream(contents, "", stream);
        }
        if let Err(e) = self.emit() {
            self.offsets.truncate(objects_before);
            return Err(e);
        }
        self.pages += letter.streams.len();
        self.letters += 1;
        for (gid, ch) in letter.glyphs {
            self.glyphs.entry(gid).or_insert(ch);
        }
        Ok(LetterReceipt {
            reference: letter.reference,
            first_page,
            pages: letter.streams.len(),
            digest: letter.digest,
        })
    }

    /// Letters written so far.
    pub fn letters(&self) -> usize {
        self.letters
    }

    /// Pages written so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Bytes handed to the writer so far.
    pub fn bytes_written(&self) -> u64 {
        self.out.bytes
    }

    /// Writes the font subset of every glyph the file used, the page tree,
    /// catalogue, cross-reference table and trailer, flushes the writer and
    /// hands it back with what the file holds.
    pub fn finish(mut self) -> Result<(W, PrintFileSummary), LetterError> {
        self.usable()?;
        if self.letters == 0 {
            return Err(LetterError::EmptyPrintFile);
        }
        let font = self.write_font()?;
        self.write_document()?;
        let xref_at = self.out.bytes + self.buf.len() as u64;
        self.write_xref()?;
        self.emit()?;
        // The file id is a hash of everything before the trailer, so equal
        // files get equal ids without a clock or a random source.
        let id = hex::encode(&self.out.hash.clone().finalize()[..16]);
        self.buf.put(&format!(
            "trailer\n<< /Size {} /Root {CATALOG} 0 R /Info {INFO} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref_at}\n%%EOF\n",
            self.offsets.len()
        ));
        self.emit()?;
        self.out.inner.flush().map_err(write_error)?;
        let summary = PrintFileSummary {
            letters: self.letters,
            pages: self.pages,
            bytes: self.out.bytes,
            sha256: hex::encode(self.out.hash.finalize()),
            font,
            glyphs: self.glyphs.len(),
        };
        Ok((self.out.inner, summary))
    }

    fn usable(&self) -> Result<(), LetterError> {
        if self.broken {
            Err(LetterError::Write(
                "an earlier write failed; the file is incomplete".to_owned(),
            ))
        } else {
            Ok(())
        }
    }

    /// Allocates the next object number (its offset is set by `begin_object`).
    fn next_id(&self) -> u32 {
        u32::try_from(self.offsets.len()).unwrap_or(u32::MAX)
    }

    /// Records where object `id` starts and writes its header.
    fn begin_object(&mut self, id: u32) {
        let at = self.out.bytes + self.buf.len() as u64;
        let index = id as usize;
        if index >= self.offsets.len() {
            self.offsets.resize(index + 1, 0);
        }
        self.offsets[index] = at;
        self.buf.put(&format!("{id} 0 obj\n"));
    }

    /// A complete stream object with already deflated `data`.
    fn write_stream(&mut self, id: u32, extra: &str, data: &[u8]) {
        self.begin_object(id);
        self.buf.put(&format!(
            "<< /Length {} /Filter /FlateDecode{extra} >>\nstream\n",
            data.len()
        ));
        self.buf.extend_from_slice(data);
        self.buf.put("\nendstream\nendobj\n");
    }

    /// Hands the gathered bytes to the writer; a failure breaks the file.
    fn emit(&mut self) -> Result<(), LetterError> {
        let result = self.out.write_all(&self.buf);
        self.buf.clear();
        result.map_err(|e| {
            self.broken = true;
            write_error(e)
        })
    }

    /// Subsets the font to the glyphs used and writes objects 3–8; returns
    /// the `/BaseFont` name.
    fn write_font(&mut self) -> Result<String, LetterError> {
        let fonts = self.fonts;
        // Sorted glyph ids give the subset's glyph numbers; composite glyphs'
        // parts are appended after them by the subsetter.
        let mut remapper = GlyphRemapper::new();
        for &gid in self.glyphs.keys() {
            remapper.remap(gid);
        }
        let program = fonts
            .with_program(|bytes| subsetter::subset(bytes, 0, &remapper))
            .ok_or_else(|| LetterError::Pdf("the font's file is not available".to_owned()))?
            .map_err(|e| LetterError::Pdf(format!("the font cannot be subset: {e}")))?;
        let name = format!(
            "{}+{}",
            subset_tag(self.glyphs.keys().copied()),
            fonts.postscript_name()
        );

        self.begin_object(FONT);
        self.buf.put(&format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{CID_FONT} 0 R] /ToUnicode {TO_UNICODE} 0 R >>\nendobj\n"
        ));
        self.begin_object(CID_FONT);
        self.buf.put(&format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {DESCRIPTOR} 0 R /DW {DEFAULT_WIDTH} /W {} /CIDToGIDMap {CID_TO_GID} 0 R >>\nendobj\n",
            widths(fonts, self.glyphs.keys().copied())
        ));
        let m = fonts.descriptor_metrics();
        let [x0, y0, x1, y1] = m.bbox;
        self.begin_object(DESCRIPTOR);
        // Flags 4 = symbolic: the font has glyphs outside the standard Latin set.
        // StemV is not in the font file; 80 is the usual value for a regular weight.
        self.buf.put(&format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {FONT_FILE} 0 R >>\nendobj\n",
            m.ascent, m.descent, m.cap_height
        ));
        self.write_stream(
            FONT_FILE,
            &format!(" /Length1 {}", program.len()),
            &deflate(&program)?,
        );
        self.write_stream(TO_UNICODE, "", &deflate(&to_unicode(&self.glyphs))?);
        self.write_stream(
            CID_TO_GID,
            "",
            &deflate(&cid_to_gid(&remapper, &self.glyphs))?,
        );
        self.emit()?;
        Ok(name)
    }

    /// Information dictionary, page tree and catalogue.
    fn write_document(&mut self) -> Result<(), LetterError> {
        self.begin_object(INFO);
        let title: String = std::iter::once(0xFEFF)
            .chain(TITLE.encode_utf16())
            .map(|u| format!("{u:04X}"))
            .collect();
        self.buf.put(&format!(
            "<< /Title <{title}> /Producer (shokai) >>\nendobj\n"
        ));
        self.begin_object(PAGES);
        self.buf
            .put(&format!("<< /Type /Pages /Count {} /Kids [", self.pages));
        for k in 0..self.pages {
            let page = RESOURCES as usize + 1 + 2 * k;
            // Short lines: some tools read PDF lines into fixed buffers.
            let sep = if k % 16 == 0 { "\n" } else { " " };
            self.buf.put(&format!("{sep}{page} 0 R"));
            if self.buf.len() >= CHUNK {
                self.emit()?;
            }
        }
        self.buf.put("\n] >>\nendobj\n");
        self.begin_object(CATALOG);
        self.buf.put(&format!(
            "<< /Type /Catalog /Pages {PAGES} 0 R >>\nendobj\n"
        ));
        self.emit()
    }

    /// The classic cross-reference table: 20 bytes per object.
    fn write_xref(&mut self) -> Result<(), LetterError> {
        self.buf.put(&format!(
            "xref\n0 {}\n0000000000 65535 f\r\n",
            self.offsets.len()
        ));
        for i in 1..self.offsets.len() {
            let entry = format!("{:010} 00000 n\r\n", self.offsets[i]);
            self.buf.put(&entry);
            if self.buf.len() >= CHUNK {
                self.emit()?;
            }
        }
        Ok(())
    }
}

/// Counts and hashes what reaches the writer, so offsets and the file's
/// SHA-256 are known without reading anything back.
struct Tally<W> {
    inner: W,
    bytes: u64,
    hash: Sha256,
}

impl<W: Write> Write for Tally<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn write_error(e: io::Error) -> LetterError {
    LetterError::Write(e.to_string())
}

/// Appending text to a byte buffer (writing to a `Vec` cannot fail, so no
/// `io::Result` to handle).
trait Put {
    fn put(&mut self, s: &str);
}

impl Put for Vec<u8> {
    fn put(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
}

/// A number as a PDF operand: rounded to hundredths of a point (3.5 µm,
/// far below what a press resolves) without trailing zeros, so equal
/// layouts give equal bytes and the streams stay short.
struct Num(f32);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hundredths = (f64::from(self.0) * 100.0).round() as i64;
        let sign = if hundredths < 0 { "-" } else { "" };
        let abs = hundredths.unsigned_abs();
        let (int, frac) = (abs / 100, abs % 100);
        match frac {
            0 => write!(f, "{sign}{int}"),
            _ if frac % 10 == 0 => write!(f, "{sign}{int}.{}", frac / 10),
            _ => write!(f, "{sign}{int}.{frac:02}"),
        }
    }
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, LetterError> {
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(data.len() / 3), Compression::default());
    encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .map_err(|e| LetterError::Pdf(format!("deflate: {e}")))
}

/// Six capital letters from the glyph set, as ISO 32000-1 (9.6.4) asks of
/// subset tags: equal for equal subsets, different (almost surely) otherwise.
fn subset_tag(gids: impl Iterator<Item = u16>) -> String {
    let mut hash = Sha256::new();
    for gid in gids {
        hash.update(gid.to_be_bytes());
    }
    super::pdf::tag_from_digest(&hash.finalize())
}

/// Where a mark's points go on the PDF page: points from the bottom-left
/// corner, where the page model has millimetres from the top-left.
fn x_pt(mm: f32) -> Num {
    Num(mm / MM_PER_PT)
}

fn y_pt(mm_from_top: f32) -> Num {
    Num((PAGE_HEIGHT_MM - mm_from_top) / MM_PER_PT)
}

fn len_pt(mm: f32) -> Num {
    Num(mm / MM_PER_PT)
}

/// The content stream of one page, operator by operator, keeping a little
/// graphics state so runs of text share one `BT … ET` and runs of filled
/// boxes (the QR code's modules) share one fill.
struct PageEncoder<'a> {
    out: &'a mut Vec<u8>,
    fonts: &'a LetterFonts,
    glyphs: &'a mut BTreeMap<u16, char>,
    space: u16,
    in_text: bool,
    size: Option<f32>,
    /// Rectangles appended to the current path, waiting for `f`.
    filling: bool,
    /// The PDF default line width is 1 pt.
    line_width: f32,
}

fn encode_page(
    page: &PageModel,
    fonts: &LetterFonts,
    glyphs: &mut BTreeMap<u16, char>,
    out: &mut Vec<u8>,
) -> Result<(), LetterError> {
    let mut enc = PageEncoder {
        out,
        fonts,
        glyphs,
        // A space the font lacks (none in IPAex Gothic) still advances like one.
        space: fonts.glyph_id(' ').unwrap_or(0),
        in_text: false,
        size: None,
        filling: false,
        line_width: 1.0,
    };
    for mark in &page.marks {
        enc.mark(mark)?;
    }
    enc.end_text();
    enc.end_fill();
    Ok(())
}

impl PageEncoder<'_> {
    fn mark(&mut self, mark: &Mark) -> Result<(), LetterError> {
        match mark {
            Mark::Text {
                x,
                y,
                size_pt,
                text,
                ..
            } => self.text(*x, *y, *size_pt, text)?,
            Mark::Rect {
                x, y, w, h, style, ..
            } => self.rect(*x, *y, *w, *h, *style),
            Mark::Line {
                x1,
                y1,
                x2,
                y2,
                width_pt,
            } => {
                self.end_text();
                self.end_fill();
                self.set_line_width(*width_pt);
                self.out.put(&format!(
                    "{} {} m {} {} l S\n",
                    x_pt(*x1),
                    y_pt(*y1),
                    x_pt(*x2),
                    y_pt(*y2)
                ));
            }
        }
        Ok(())
    }

    /// One line of text with its baseline at `y`.
    fn text(&mut self, x: f32, y: f32, size_pt: f32, text: &str) -> Result<(), LetterError> {
        self.end_fill();
        if !self.in_text {
            self.out.put("BT\n");
            self.in_text = true;
        }
        if self.size != Some(size_pt) {
            self.out.put(&format!("/F1 {} Tf\n", Num(size_pt)));
            self.size = Some(size_pt);
        }
        self.out
            .put(&format!("1 0 0 1 {} {} Tm\n", x_pt(x), y_pt(y)));
        self.show(text)
    }

    /// A rectangle whose top edge is `y`; filled ones join the current path
    /// (one fill for a whole QR code), the others are painted at once.
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, style: Paint) {
        self.end_text();
        let rect = format!("{} {} {} {} re", x_pt(x), y_pt(y + h), len_pt(w), len_pt(h));
        match style {
            Paint::Fill => {
                self.out.put(&rect);
                self.out.put("\n");
                self.filling = true;
            }
            Paint::Stroke(width) => {
                self.end_fill();
                self.set_line_width(width);
                self.out.put(&format!("{rect} S\n"));
            }
            Paint::Tint => {
                self.end_fill();
                self.out.put(&format!("0.9 g {rect} f 0 g\n"));
            }
        }
    }

    /// `<…> Tj` with two bytes per glyph: the glyph id in the full font (CID = GID).
    fn show(&mut self, text: &str) -> Result<(), LetterError> {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.out.push(b'<');
        for ch in text.chars() {
            let gid = match self.fonts.glyph_id(ch) {
                Some(gid) => {
                    self.glyphs.entry(gid).or_insert(ch);
                    gid
                }
                None if ch.is_whitespace() => self.space,
                // Layout refuses such text first; this keeps the encoder honest.
                None => return Err(missing(ch, "letter text")),
            };
            for shift in [12, 8, 4, 0] {
                self.out.push(HEX[usize::from((gid >> shift) & 0xF)]);
            }
        }
        self.out.put("> Tj\n");
        Ok(())
    }

    fn set_line_width(&mut self, width: f32) {
        if width != self.line_width {
            self.out.put(&format!("{} w\n", Num(width)));
            self.line_width = width;
        }
    }

    fn end_text(&mut self) {
        if self.in_text {
            self.out.put("ET\n");
            self.in_text = false;
            // A new BT keeps the font, but writing Tf again is cheaper than
            // reasoning about what survives between text objects.
            self.size = None;
        }
    }

    fn end_fill(&mut self) {
        if self.filling {
            self.out.put("f\n");
            self.filling = false;
        }
    }
}

/// `/W` entries for glyphs whose width is not [`DEFAULT_WIDTH`], consecutive
/// CIDs grouped: `[32 [231 291] 48 [500]]`.
fn widths(fonts: &LetterFonts, cids: impl Iterator<Item = u16>) -> String {
    let upem = f64::from(fonts.units_per_em());
    let mut out = String::from("[");
    let mut previous: Option<u16> = None;
    for cid in cids {
        let width = (f64::from(fonts.advance_units(cid)) * 1000.0 / upem).round() as i64;
        if width == DEFAULT_WIDTH {
            continue;
        }
        if previous.is_some_and(|p| p.checked_add(1) == Some(cid)) {
            out.push_str(&format!(" {width}"));
        } else {
            if previous.is_some() {
                out.push_str("]\n");
            }
            out.push_str(&format!("{cid} [{width}"));
        }
        previous = Some(cid);
    }
    if previous.is_some() {
        out.push(']');
    }
    out.push(']');
    out
}

/// The `ToUnicode` CMap: each CID back to the character it was set for, so
/// text can be searched and extracted (characters beyond the BMP, such as
/// 𠮷 in a font that has it, as UTF-16 surrogate pairs).
fn to_unicode(glyphs: &BTreeMap<u16, char>) -> Vec<u8> {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(&u16, &char)> = glyphs.iter().collect();
    // A bfchar block holds at most 100 entries (Adobe Technical Note #5411).
    for block in entries.chunks(100) {
        out.push_str(&format!("{} beginbfchar\n", block.len()));
        for (cid, ch) in block {
            let mut units = [0u16; 2];
            let utf16: String = ch
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            out.push_str(&format!("<{cid:04X}> <{utf16}>\n"));
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out.into_bytes()
}

/// The `/CIDToGIDMap` stream: for every CID up to the largest used, the
/// subset's glyph id as two bytes big-endian (0, `.notdef`, for unused CIDs).
fn cid_to_gid(remapper: &GlyphRemapper, glyphs: &BTreeMap<u16, char>) -> Vec<u8> {
    let last = glyphs.keys().next_back().copied().unwrap_or(0);
    let mut map = vec![0u8; 2 * (usize::from(last) + 1)];
    for &cid in glyphs.keys() {
        let gid = remapper.get(cid).unwrap_or(0);
        let at = 2 * usize::from(cid);
        map[at..at + 2].copy_from_slice(&gid.to_be_bytes());
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_to_hundredths_without_trailing_zeros() {
        let shown: Vec<String> = [0.0, -0.001, 12.5, 12.345, -3.0, 0.05, 595.2756, 841.8898]
            .iter()
            .map(|v| Num(*v).to_string())
            .collect();
        assert_eq!(
            shown,
            ["0", "0", "12.5", "12.35", "-3", "0.05", "595.28", "841.89"]
        );
    }

    #[test]
    fn a_subset_tag_is_six_capitals_that_follow_the_glyph_set() {
        let a = subset_tag([1, 2, 3].into_iter());
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|b| b.is_ascii_uppercase()));
        assert_eq!(a, subset_tag([1, 2, 3].into_iter()));
        assert_ne!(a, subset_tag([1, 2, 4].into_iter()));
    }

    #[test]
    fn to_unicode_writes_characters_beyond_the_bmp_as_surrogate_pairs() {
        let glyphs = BTreeMap::from([(7, 'A'), (300, '𠮷')]);
        let cmap = String::from_utf8(to_unicode(&glyphs)).unwrap_or_default();
        assert!(cmap.contains("2 beginbfchar\n<0007> <0041>\n<012C> <D842DFB7>\n"));
    }

    #[test]
    fn the_cid_to_gid_map_sends_each_used_glyph_to_its_place_in_the_subset() {
        let glyphs = BTreeMap::from([(2, 'a'), (5, 'b')]);
        let mut remapper = GlyphRemapper::new();
        for &gid in glyphs.keys() {
            remapper.remap(gid);
        }
        assert_eq!(
            cid_to_gid(&remapper, &glyphs),
            [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2]
        );
    }
}
