//! Writes a print file of N generated letters, to measure time and memory:
//!
//! ```text
//! cargo run --release -p shokai-workflow --example print_file -- 10000 /tmp/print.pdf
//! /usr/bin/time -v target/release/examples/print_file 10000 /tmp/print.pdf
//! ```
//!
//! `--parallel` lays letters out on all cores in chunks of 64 and writes them
//! in order (`PreparedLetter` + `PrintFile::add_prepared`).

use std::io::BufWriter;
use std::time::Instant;

use rayon::prelude::*;
use shokai_workflow::letter::{LetterSettings, PreparedLetter, PrintFile};

#[path = "../tests/support/mod.rs"]
mod support;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parallel = args.iter().any(|a| a == "--parallel");
    let mut positional = args.iter().filter(|a| !a.starts_with("--"));
    let n: usize = positional.next().map_or(Ok(1000), |s| s.parse())?;
    let path = positional
        .next()
        .map_or("/tmp/shokai-print.pdf", String::as_str);

    let start = Instant::now();
    let fonts = support::fonts();
    let template = support::template();
    let settings = LetterSettings::default();
    let letters = support::letters(n, 1);
    let ready = start.elapsed();

    let start = Instant::now();
    let mut file = PrintFile::new(BufWriter::new(std::fs::File::create(path)?), fonts)?;
    if parallel {
        for chunk in letters.chunks(64) {
            let prepared: Vec<_> = chunk
                .par_iter()
                .map(|c| PreparedLetter::new(c, &settings, &template, fonts))
                .collect::<Result<_, _>>()?;
            for letter in prepared {
                file.add_prepared(letter)?;
            }
        }
    } else {
        for content in &letters {
            file.add_letter(content, &settings, &template)?;
        }
    }
    let (_, summary) = file.finish()?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} letters, {} pages, {} bytes ({:.0} bytes/letter), {} glyphs in {}, in {:.2} s ({:.0} letters/s{}); inputs {:.2} s; sha256 {}",
        summary.letters,
        summary.pages,
        summary.bytes,
        summary.bytes as f64 / summary.letters as f64,
        summary.glyphs,
        summary.font,
        secs,
        summary.letters as f64 / secs,
        if parallel { ", parallel layout" } else { "" },
        ready.as_secs_f64(),
        summary.sha256
    );
    Ok(())
}
