//! PDFs as the window draws them: the demo's casebooks (written by `examples/make_documents.rs`
//! with the bundled Hangul font) open with their pages and table of contents, a page with
//! Korean text matches its reference picture, Korean text in a font the PDF does not carry is
//! drawn with the bundled one, and broken files are errors, never a crash or a stall.
//!
//! `MADANG_WRITE_REFERENCES=1` writes the reference pictures anew (look at them first).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use madang_client::documents::{
    Answer, Ask, PageImage, Renderer, interpreter_settings, render_page,
};
use madang_shared::document::{DocumentError, inspect_bytes, inspect_within};

fn casebook() -> PathBuf {
    common::root().join("assets/documents/casebook_regional_innovation.pdf")
}

fn font() -> PathBuf {
    common::root().join("assets/fonts/NanumGothic.ttf")
}

fn settings() -> madang_client::documents::InterpreterSettings {
    interpreter_settings(Some(Arc::new(std::fs::read(font()).expect("the font"))))
}

fn save(image: &PageImage, name: &str) -> PathBuf {
    let dir = common::root().join("target/artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    let path = dir.join(name);
    image::RgbaImage::from_raw(image.width, image.height, image.rgba.clone())
        .expect("a whole image")
        .save(&path)
        .expect("saves");
    path
}

/// Pixels darker than mid-grey inside a box of the page (fractions of its size).
fn dark_in(image: &PageImage, x0: f32, y0: f32, x1: f32, y1: f32) -> usize {
    let (w, h) = (image.width as f32, image.height as f32);
    let mut n = 0;
    for y in (y0 * h) as u32..(y1 * h) as u32 {
        for x in (x0 * w) as u32..(x1 * w) as u32 {
            let i = ((y * image.width + x) * 4) as usize;
            let p = &image.rgba[i..i + 3];
            if (p[0] as u32 + p[1] as u32 + p[2] as u32) < 3 * 110 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn a_casebook_opens_with_its_pages_and_contents() {
    let info = inspect_within(&casebook(), Duration::from_secs(5)).expect("the casebook opens");
    // A cover and the four cases of the regional innovation quarter.
    assert_eq!(info.pages, 5);
    let titles: Vec<(&str, u32)> = info
        .outline
        .iter()
        .map(|e| (e.title.as_str(), e.page))
        .collect();
    assert_eq!(titles.len(), 5, "{titles:?}");
    assert_eq!(titles[0], ("표지 · Cover", 1));
    assert!(
        titles.contains(&("대구 청년 재도전 지원", 3)),
        "Daegu's case is on page 3: {titles:?}"
    );
}

#[test]
fn a_page_with_korean_text_matches_its_reference() {
    let bytes = std::fs::read(casebook()).expect("the casebook");
    let page = render_page(bytes, 2, 420, &settings(), &casebook()).expect("page 2 draws");
    let drawn = save(&page, "casebook_page2.png");
    assert_eq!(page.width, 420);
    // Korean text in the title's place (the case's title, 26 pt, at the top) and the body.
    let (title, body) = (
        dark_in(&page, 0.1, 0.1, 0.8, 0.15),
        dark_in(&page, 0.1, 0.3, 0.9, 0.4),
    );
    assert!(title > 400, "the title is drawn ({title} dark pixels)");
    assert!(body > 100, "the description is drawn ({body} dark pixels)");
    let reference = common::root().join("tests/fixtures/documents/casebook_page2.png");
    if std::env::var_os("MADANG_WRITE_REFERENCES").is_some() {
        std::fs::create_dir_all(reference.parent().expect("a folder")).expect("folder");
        std::fs::copy(&drawn, &reference).expect("writes the reference");
    }
    let want = image::open(&reference)
        .expect("the reference picture (MADANG_WRITE_REFERENCES=1 writes it)")
        .to_rgba8();
    assert_eq!((want.width(), want.height()), (page.width, page.height));
    let mut sum = 0u64;
    let mut off = 0usize;
    for (a, b) in want.as_raw().iter().zip(&page.rgba) {
        let d = (*a as i32 - *b as i32).unsigned_abs();
        sum += d as u64;
        if d > 48 {
            off += 1;
        }
    }
    let mean = sum as f64 / page.rgba.len() as f64;
    assert!(
        mean < 2.0 && off < page.rgba.len() / 100,
        "page 2 differs from its reference: mean {mean:.2}, {off} channels far off"
    );
}

/// A page whose Korean text names HYGoThic-Medium without carrying it (as office software
/// writes for the common Korean fonts): drawn with the bundled font.
fn unembedded_korean_pdf() -> Vec<u8> {
    use pdf_writer::types::{CidFontType, SystemInfo};
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
    let mut pdf = Pdf::new();
    let (catalog, tree, page, content, font, cid, descriptor) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
        Ref::new(7),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, 400.0, 200.0));
    p.parent(tree);
    p.contents(content);
    p.resources().fonts().pair(Name(b"K"), font);
    p.finish();
    let text: Vec<u8> = "한국어 문서"
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    let mut c = Content::new();
    c.begin_text();
    c.set_font(Name(b"K"), 40.0);
    c.next_line(30.0, 90.0);
    c.show(Str(&text));
    c.end_text();
    pdf.stream(content, &c.finish());
    let korea = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Korea1"),
        supplement: 2,
    };
    pdf.type0_font(font)
        .base_font(Name(b"HYGoThic-Medium"))
        .encoding_predefined(Name(b"UniKS-UCS2-H"))
        .descendant_font(cid);
    pdf.cid_font(cid)
        .subtype(CidFontType::Type0)
        .base_font(Name(b"HYGoThic-Medium"))
        .system_info(korea)
        .font_descriptor(descriptor)
        .default_width(1000.0);
    pdf.font_descriptor(descriptor)
        .name(Name(b"HYGoThic-Medium"))
        .flags(pdf_writer::types::FontFlags::SYMBOLIC)
        .bbox(Rect::new(0.0, -200.0, 1000.0, 800.0))
        .italic_angle(0.0)
        .ascent(800.0)
        .descent(-200.0)
        .cap_height(700.0)
        .stem_v(80.0);
    pdf.finish()
}

#[test]
fn korean_text_in_a_font_the_pdf_does_not_carry_is_drawn_with_the_bundled_one() {
    let path = Path::new("unembedded.pdf");
    let page = render_page(unembedded_korean_pdf(), 1, 400, &settings(), path).expect("draws");
    save(&page, "unembedded_korean.png");
    let with = dark_in(&page, 0.0, 0.0, 1.0, 1.0);
    let without = render_page(
        unembedded_korean_pdf(),
        1,
        400,
        &interpreter_settings(None),
        path,
    )
    .map(|p| dark_in(&p, 0.0, 0.0, 1.0, 1.0))
    .unwrap_or(0);
    assert!(
        with > 1000 && without < with / 4,
        "the text is drawn with the bundled font ({with} dark pixels; {without} without it)"
    );
}

#[test]
fn broken_and_foreign_files_are_errors() {
    let bytes = std::fs::read(casebook()).expect("the casebook");
    let p = Path::new("x.pdf");
    // Cut in half: the page tree or the fonts are gone.
    let half = bytes[..bytes.len() / 2].to_vec();
    match render_page(half.clone(), 2, 300, &settings(), p) {
        Err(_) => {}
        Ok(page) => {
            // hayro mends what it can find: a page may still come out, but never a panic.
            assert!(page.width > 0);
        }
    }
    // Only the header: nothing to show.
    let head = bytes[..64].to_vec();
    assert!(matches!(
        inspect_bytes(head, p),
        Err(DocumentError::Damaged { .. })
    ));
    assert!(matches!(
        render_page(b"PK\x03\x04 a zip file".to_vec(), 1, 300, &settings(), p),
        Err(DocumentError::NotPdf { .. })
    ));
    assert!(matches!(
        render_page(bytes, 99, 300, &settings(), p),
        Err(DocumentError::Damaged { .. })
    ));
}

#[test]
fn the_worker_answers_pages_and_errors_without_stalling() {
    let r = Renderer::new(Some(&font())).expect("starts");
    let dir = common::temp_data_dir();
    std::fs::create_dir_all(&dir).expect("folder");
    let junk = dir.join("junk.pdf");
    std::fs::write(&junk, b"%PDF-1.7\nthis is not a document at all").expect("writes");
    let asks = [
        Ask::Info { path: casebook() },
        Ask::Page {
            path: casebook(),
            page: 1,
            width: 300,
        },
        Ask::Page {
            path: junk.clone(),
            page: 1,
            width: 300,
        },
        Ask::Info {
            path: dir.join("missing.pdf"),
        },
    ];
    for a in &asks {
        r.ask(a.clone());
    }
    let start = Instant::now();
    let mut got = Vec::new();
    while got.len() < asks.len() && start.elapsed() < Duration::from_secs(30) {
        got.extend(r.poll());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(got.len(), asks.len(), "every ask is answered");
    for (ask, answer) in got {
        match (ask, answer) {
            (Ask::Info { path }, Answer::Info(r)) if path == casebook() => {
                assert_eq!(r.expect("opens").pages, 5)
            }
            (Ask::Page { path, .. }, Answer::Page(r)) if path == casebook() => {
                assert_eq!(r.expect("draws").width, 300)
            }
            (Ask::Page { .. }, Answer::Page(r)) => assert!(r.is_err(), "junk is an error"),
            (Ask::Info { .. }, Answer::Info(r)) => {
                assert!(matches!(r, Err(DocumentError::Read { .. })))
            }
            other => panic!("an answer of the wrong kind: {other:?}"),
        }
    }
}
