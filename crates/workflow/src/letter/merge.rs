//! Joining letters that were rendered (and kept) at issue time into the one
//! file the press prints.
//!
//! Why not render again: a letter's verification code exists in plain text
//! only while its PDF is written at issue time; afterwards the system keeps
//! just the code's HMAC and the PDF. So a batch is built from the kept files,
//! page for page, and each letter's bytes inside the combined file are the
//! ones whose SHA-256 the store recorded.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Object, ObjectId};
use sha2::{Digest, Sha256};

use super::LetterError;

/// Page attributes a page may inherit from its page-tree ancestors
/// (ISO 32000-1, 7.7.3.4); copied onto each page since the ancestors are
/// replaced by one new page tree.
const INHERITABLE: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// Joins whole PDF files, in order, into one. Deterministic: equal inputs
/// give byte-identical output (no dates, the file id derived from the content).
pub fn merge_pdfs(files: &[&[u8]]) -> Result<Vec<u8>, LetterError> {
    let pdf_err = |e: lopdf::Error| LetterError::Pdf(e.to_string());
    let mut out = Document::with_version("1.7");
    let pages_id = out.new_object_id();
    let mut kids: Vec<Object> = Vec::new();
    for bytes in files {
        let mut doc = Document::load_mem(bytes).map_err(pdf_err)?;
        doc.renumber_objects_with(out.max_id + 1);
        out.max_id = doc.max_id;
        let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
        for id in &page_ids {
            let inherited = inherited_attributes(&doc, *id);
            let page = doc
                .get_object_mut(*id)
                .and_then(Object::as_dict_mut)
                .map_err(pdf_err)?;
            for (key, value) in inherited {
                if !page.has(&key) {
                    page.set(key, value);
                }
            }
            page.set("Parent", pages_id);
            kids.push(Object::Reference(*id));
        }
        for (id, object) in doc.objects {
            // The old catalogue and page trees are replaced; object and xref
            // streams are re-made by the writer.
            let skip = matches!(
                object.type_name().unwrap_or_default(),
                b"Catalog" | b"Pages" | b"ObjStm" | b"XRef"
            );
            if !skip {
                out.objects.insert(id, object);
            }
        }
    }
    let count = i64::try_from(kids.len()).unwrap_or(i64::MAX);
    let mut pages = Dictionary::new();
    pages.set("Type", Object::Name(b"Pages".to_vec()));
    pages.set("Count", count);
    pages.set("Kids", Object::Array(kids));
    out.objects.insert(pages_id, Object::Dictionary(pages));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", pages_id);
    let catalog_id = out.add_object(Object::Dictionary(catalog));
    out.trailer.set("Root", catalog_id);
    // Each letter's information dictionary and metadata are left behind.
    out.prune_objects();
    out.renumber_objects();
    let id = Sha256::digest(streams_of(&out))[..16].to_vec();
    out.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
            Object::String(id, lopdf::StringFormat::Hexadecimal),
        ]),
    );
    let mut bytes = Vec::new();
    out.save_to(&mut bytes)
        .map_err(|e| LetterError::Pdf(e.to_string()))?;
    Ok(bytes)
}

/// The inheritable attributes the ancestors of page `id` define, nearest first.
fn inherited_attributes(doc: &Document, id: ObjectId) -> BTreeMap<Vec<u8>, Object> {
    let mut found = BTreeMap::new();
    let mut next = doc
        .get_dictionary(id)
        .ok()
        .and_then(|d| d.get(b"Parent").and_then(Object::as_reference).ok());
    // A malformed tree could loop; no real tree is this deep.
    for _ in 0..64 {
        let Some(parent) = next else { break };
        let Ok(dict) = doc.get_dictionary(parent) else {
            break;
        };
        for key in INHERITABLE {
            if let Ok(value) = dict.get(key) {
                found.entry(key.to_vec()).or_insert_with(|| value.clone());
            }
        }
        next = dict.get(b"Parent").and_then(Object::as_reference).ok();
    }
    found
}

/// Every stream's bytes in object order: what the file id is derived from.
fn streams_of(doc: &Document) -> Vec<u8> {
    let mut all = Vec::new();
    for object in doc.objects.values() {
        if let Object::Stream(stream) = object {
            all.extend_from_slice(&stream.content);
        }
    }
    all
}
