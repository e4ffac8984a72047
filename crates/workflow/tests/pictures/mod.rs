//! What the receipt and preview tests share: decoding the pictures they
//! make and keeping what they render for a look (`SHOKAI_REVIEW_DIR`).

use std::path::PathBuf;

use shokai_workflow::letter::{PREVIEW_DPI, PageImage};

/// Keeps `bytes` in `$SHOKAI_REVIEW_DIR/name`, when that is set.
pub fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("SHOKAI_REVIEW_DIR") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("create the review directory");
        std::fs::write(dir.join(name), bytes).expect("write into the review directory");
    }
}

/// A PNG as a grey page: the first channel of each pixel, whatever the
/// channels it is stored in (our pictures are 8-bit grey; poppler's `-gray`
/// pages may come as RGB). Its resolution is taken to be the previews'.
pub fn decode(png: &[u8]) -> PageImage {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut pixels).expect("a PNG image");
    pixels.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    PageImage {
        width: info.width,
        height: info.height,
        dpi: PREVIEW_DPI as u32,
        pixels: pixels.iter().step_by(channels).copied().collect(),
    }
}

/// Whether a PNG is stored as 8-bit grey, as previews are.
pub fn is_grey(png: &[u8]) -> bool {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().expect("a PNG header");
    let info = reader.info();
    info.color_type == png::ColorType::Grayscale && info.bit_depth == png::BitDepth::Eight
}
