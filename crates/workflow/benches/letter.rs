//! `make bench`: one inquiry letter, a 1,000-letter print batch, and a
//! 1,000-letter print file streamed to `io::sink` (the size and speed of
//! larger files are measured with the `print_file` example instead).
//!
//! Besides criterion's timings this prints bytes per letter and, for the
//! batch and the print file, letters per second, so the numbers an office
//! cares about are on one line.

use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use shokai_workflow::letter::{
    LetterContent, LetterFonts, LetterSettings, LetterTemplate, PrintFile, render_batch,
    render_letter,
};

#[path = "../tests/support/mod.rs"]
mod support;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn inputs() -> (LetterFonts, LetterTemplate, LetterContent) {
    let font = std::fs::read(repo().join("templates/fonts/ipaexg.ttf")).expect("font");
    let fonts = LetterFonts::from_bytes(&font).expect("font parses");
    let text =
        std::fs::read_to_string(repo().join("templates/letter/letter.toml")).expect("template");
    let template = LetterTemplate::parse(&text).expect("template parses");
    let json = std::fs::read_to_string(repo().join("fixtures/letters/all_four_pins.json"))
        .expect("fixture");
    let content: LetterContent = serde_json::from_str(&json).expect("fixture parses");
    (fonts, template, content)
}

/// 1,000 distinct letters spread over postal codes, like a busy week's backlog.
fn thousand(base: &LetterContent) -> Vec<LetterContent> {
    (0..1000u32)
        .map(|i| {
            let mut c = base.clone();
            c.reference = format!("2026-{:06}", 100_000 + i);
            c.cardholder.postal_code = format!("{:07}", 1_500_000 + (i * 7919) % 9000);
            c.cardholder.name = format!("山田 花子{}", i % 10);
            c
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let (fonts, template, content) = inputs();
    let settings = LetterSettings::default();

    let one = render_letter(&content, &settings, &template, &fonts).expect("renders");
    println!("one letter: {} bytes", one.pdf.len());
    c.bench_function("one letter", |b| {
        b.iter(|| render_letter(&content, &settings, &template, &fonts).expect("renders"));
    });

    let letters = thousand(&content);
    let date = content.issued_on;
    let start = Instant::now();
    let batch = render_batch(&letters, date, &settings, &template, &fonts).expect("batch renders");
    let secs = start.elapsed().as_secs_f64();
    let per_letter: usize =
        batch.letters.iter().map(|l| l.pdf.len()).sum::<usize>() / batch.letters.len();
    println!(
        "1,000-letter batch (one run): {:.1} ms/letter, {:.0} letters/s, {} bytes/letter, combined PDF {} bytes, on {} threads",
        secs * 1000.0 / 1000.0,
        1000.0 / secs,
        per_letter,
        batch.combined_pdf.len(),
        rayon::current_num_threads()
    );
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.bench_function("1000 letters", |b| {
        b.iter(|| {
            render_batch(&letters, date, &settings, &template, &fonts).expect("batch renders")
        });
    });
    group.finish();

    print_file(c, &fonts, &template, &settings);
}

/// Writes `letters` as one print file to `io::sink`; the file's size.
fn stream(
    letters: &[LetterContent],
    fonts: &LetterFonts,
    template: &LetterTemplate,
    settings: &LetterSettings,
) -> u64 {
    let mut file = PrintFile::new(std::io::sink(), fonts).expect("header written");
    for letter in letters {
        file.add_letter(letter, settings, template)
            .expect("letter accepted");
    }
    file.finish().expect("file finished").1.bytes
}

fn print_file(
    c: &mut Criterion,
    fonts: &LetterFonts,
    template: &LetterTemplate,
    settings: &LetterSettings,
) {
    let letters = support::letters(1000, 1);
    let start = Instant::now();
    let bytes = stream(&letters, fonts, template, settings);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "1,000-letter print file (one run): {:.2} ms/letter, {:.0} letters/s, {} bytes/letter, file {} bytes, one thread",
        secs,
        1000.0 / secs,
        bytes / 1000,
        bytes
    );
    let mut group = c.benchmark_group("print file");
    group.sample_size(10);
    group.bench_function("1000 letters to io::sink", |b| {
        b.iter(|| stream(&letters, fonts, template, settings));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
