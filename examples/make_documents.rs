//! Writes the demo expo's documents into `assets/documents/`: a casebook per theme of the
//! exhibition hall (a cover, a page for each booth's case from `assets/maps/hall.tmx`, a table
//! of contents as the PDF's outline) and the ceremony's slide decks, all in Korean and English
//! with the bundled NanumGothic, embedded as a subset (a CID font, so every Hangul syllable
//! the text uses is in the file).
//!
//!     cargo run --example make_documents            # writes assets/documents/*.pdf
//!
//! The output is the same for the same inputs (no dates, no random ids), so the files are
//! committed and a change shows in review.

use std::collections::BTreeMap;
use std::path::Path;

use madang_shared::map::{Booth, check_expo};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;

const FONT: &str = "assets/fonts/NanumGothic.ttf";
const OUT: &str = "assets/documents";

/// A4 portrait, in points.
const A4: (f32, f32) = (595.0, 842.0);
/// 16:9 slides, in points.
const SLIDE: (f32, f32) = (960.0, 540.0);

/// The bundled font, its glyphs kept as the text uses them.
struct Font {
    data: Vec<u8>,
    remap: subsetter::GlyphRemapper,
    /// New glyph id → (advance in thousandths of an em, the text it stands for).
    used: BTreeMap<u16, (f32, char)>,
}

impl Font {
    fn load() -> Font {
        let data = std::fs::read(FONT).expect("the bundled font (assets/fonts)");
        Font {
            data,
            remap: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        }
    }

    /// The glyphs of `s` as two-byte codes (the new glyph ids) and its width at `size`.
    fn encode(&mut self, s: &str, size: f32) -> (Vec<u8>, f32) {
        let font = skrifa::FontRef::new(&self.data).expect("the font reads");
        let charmap = font.charmap();
        let upem = font.head().map(|h| h.units_per_em()).unwrap_or(1000) as f32;
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut out = Vec::new();
        let mut width = 0.0;
        for c in s.chars() {
            let gid = charmap.map(c).map(|g| g.to_u32() as u16).unwrap_or(0);
            let advance = metrics
                .advance_width(skrifa::GlyphId::new(gid as u32))
                .unwrap_or(upem / 2.0)
                * 1000.0
                / upem;
            let new = self.remap.remap(gid);
            self.used.entry(new).or_insert((advance, c));
            out.extend_from_slice(&new.to_be_bytes());
            width += advance * size / 1000.0;
        }
        (out, width)
    }

    fn width(&mut self, s: &str, size: f32) -> f32 {
        self.encode(s, size).1
    }

    /// Writes the font's objects: a Type 0 font over a CID font with the subset embedded.
    fn write(&self, pdf: &mut Pdf, alloc: &mut Ref, type0: Ref) {
        let cid = alloc.bump();
        let descriptor = alloc.bump();
        let file = alloc.bump();
        let cmap = alloc.bump();
        let base = Name(b"MDANGX+NanumGothic");
        pdf.type0_font(type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(1000.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut widths = cid_font.widths();
        for (&gid, &(advance, _)) in &self.used {
            widths.consecutive(gid, [advance]);
        }
        widths.finish();
        cid_font.finish();
        pdf.font_descriptor(descriptor)
            .name(base)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(-100.0, -250.0, 1000.0, 900.0))
            .italic_angle(0.0)
            .ascent(800.0)
            .descent(-200.0)
            .cap_height(700.0)
            .stem_v(80.0)
            .font_file2(file);
        let subset = subsetter::subset(&self.data, 0, &self.remap).expect("the font subsets");
        let packed = compress(&subset);
        pdf.stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);
        let mut unicode = UnicodeCmap::new(Name(b"Custom"), system);
        for (&gid, &(_, c)) in &self.used {
            unicode.pair(gid, c);
        }
        pdf.cmap(cmap, &unicode.finish())
            .name(Name(b"Custom"))
            .system_info(system);
    }
}

/// zlib, as PDFs' FlateDecode reads it (stored blocks: no compressor needed, and the file
/// stays the same byte for byte).
fn compress(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        out.push(last as u8);
        let n = chunk.len() as u16;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + byte as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// One page being drawn.
struct Page {
    size: (f32, f32),
    content: Content,
}

impl Page {
    fn new(size: (f32, f32)) -> Page {
        Page {
            size,
            content: Content::new(),
        }
    }

    fn fill(&mut self, rgb: [f32; 3], x: f32, y: f32, w: f32, h: f32) {
        self.content.save_state();
        self.content.set_fill_rgb(rgb[0], rgb[1], rgb[2]);
        // From the top-left, as a reader thinks of a page.
        self.content.rect(x, self.size.1 - y - h, w, h);
        self.content.fill_nonzero();
        self.content.restore_state();
    }

    /// One line of text whose baseline is `y` below the page's top.
    fn text(&mut self, font: &mut Font, rgb: [f32; 3], x: f32, y: f32, size: f32, s: &str) {
        let (codes, _) = font.encode(s, size);
        self.content.save_state();
        self.content.set_fill_rgb(rgb[0], rgb[1], rgb[2]);
        self.content.begin_text();
        self.content.set_font(Name(b"F1"), size);
        self.content.next_line(x, self.size.1 - y);
        self.content.show(Str(&codes));
        self.content.end_text();
        self.content.restore_state();
    }

    /// Text wrapped at spaces to `width`; returns the baseline after the last line.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &mut self,
        font: &mut Font,
        rgb: [f32; 3],
        x: f32,
        mut y: f32,
        width: f32,
        size: f32,
        s: &str,
    ) -> f32 {
        let mut line = String::new();
        for word in s.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if font.width(&candidate, size) > width && !line.is_empty() {
                self.text(font, rgb, x, y, size, &line);
                y += size * 1.5;
                line = word.to_owned();
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            self.text(font, rgb, x, y, size, &line);
            y += size * 1.5;
        }
        y
    }
}

/// A document: its pages and its outline (title, page index).
struct Document {
    title: String,
    pages: Vec<Page>,
    outline: Vec<(String, usize)>,
}

fn write_document(doc: Document, font: &mut Font, path: &Path) {
    let mut alloc = Ref::new(1);
    let catalog = alloc.bump();
    let tree = alloc.bump();
    let font_ref = alloc.bump();
    let outline_ref = alloc.bump();
    let info = alloc.bump();
    let page_refs: Vec<Ref> = doc.pages.iter().map(|_| alloc.bump()).collect();
    let content_refs: Vec<Ref> = doc.pages.iter().map(|_| alloc.bump()).collect();
    let item_refs: Vec<Ref> = doc.outline.iter().map(|_| alloc.bump()).collect();

    let mut pdf = Pdf::new();
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree);
    if !doc.outline.is_empty() {
        cat.outlines(outline_ref);
    }
    cat.finish();
    pdf.document_info(info).title(TextStr(&doc.title));
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(page_refs.len() as i32);
    for (i, page) in doc.pages.into_iter().enumerate() {
        let mut p = pdf.page(page_refs[i]);
        p.media_box(Rect::new(0.0, 0.0, page.size.0, page.size.1));
        p.parent(tree);
        p.contents(content_refs[i]);
        p.resources().fonts().pair(Name(b"F1"), font_ref);
        p.finish();
        pdf.stream(content_refs[i], &page.content.finish());
    }
    if !doc.outline.is_empty() {
        pdf.outline(outline_ref)
            .first(item_refs[0])
            .last(*item_refs.last().expect("not empty"))
            .count(item_refs.len() as i32);
        for (i, (title, page)) in doc.outline.iter().enumerate() {
            let mut item = pdf.outline_item(item_refs[i]);
            item.title(TextStr(title)).parent(outline_ref);
            if i > 0 {
                item.prev(item_refs[i - 1]);
            }
            if i + 1 < item_refs.len() {
                item.next(item_refs[i + 1]);
            }
            item.dest().page(page_refs[*page]).fit();
        }
    }
    font.write(&mut pdf, &mut alloc, font_ref);
    std::fs::write(path, pdf.finish()).expect("writes the document");
    println!("wrote {}", path.display());
}

const INK: [f32; 3] = [0.13, 0.14, 0.18];
const GREY: [f32; 3] = [0.38, 0.40, 0.46];
const WHITE: [f32; 3] = [1.0, 1.0, 1.0];

fn theme_colour(theme: &str) -> [f32; 3] {
    match theme {
        "social_value" => [0.80, 0.36, 0.29],
        "digital_services" => [0.22, 0.45, 0.75],
        "participation" => [0.25, 0.58, 0.40],
        _ => [0.55, 0.38, 0.70],
    }
}

fn theme_title(theme: &str) -> (&'static str, &'static str) {
    match theme {
        "social_value" => ("사회적 가치관", "Social value"),
        "digital_services" => ("디지털 서비스관", "Digital services"),
        "participation" => ("참여·협력관", "Participation and cooperation"),
        _ => ("지역 혁신관", "Regional innovation"),
    }
}

fn casebook(font: &mut Font, theme: &str, booths: &[&Booth]) -> Document {
    let colour = theme_colour(theme);
    let (ko, en) = theme_title(theme);
    let mut pages = Vec::new();
    let mut outline = vec![("표지 · Cover".to_owned(), 0)];
    let mut cover = Page::new(A4);
    cover.fill(colour, 0.0, 0.0, A4.0, 300.0);
    cover.text(
        font,
        WHITE,
        56.0,
        120.0,
        20.0,
        "2026 정부혁신 박람회 · 사례집",
    );
    cover.text(font, WHITE, 56.0, 190.0, 40.0, ko);
    cover.text(font, WHITE, 56.0, 240.0, 22.0, &format!("{en}: casebook"));
    let mut y = 370.0;
    cover.text(font, INK, 56.0, y, 18.0, "수록 사례 · Cases");
    y += 40.0;
    for (i, b) in booths.iter().enumerate() {
        cover.text(
            font,
            INK,
            56.0,
            y,
            15.0,
            &format!("{}. {} — {}", i + 1, b.title.ko, b.org.ko),
        );
        cover.text(font, GREY, 76.0, y + 22.0, 12.0, &b.title.en);
        y += 56.0;
    }
    cover.text(
        font,
        GREY,
        56.0,
        800.0,
        11.0,
        "Madang 데모 박람회 · 이 자료는 예시입니다.",
    );
    pages.push(cover);
    for (i, b) in booths.iter().enumerate() {
        let mut p = Page::new(A4);
        p.fill(colour, 0.0, 0.0, A4.0, 16.0);
        p.fill(colour, 56.0, 70.0, 6.0, 64.0);
        p.text(
            font,
            GREY,
            74.0,
            86.0,
            13.0,
            &format!("사례 {} · Case {}", i + 1, i + 1),
        );
        p.text(font, INK, 74.0, 116.0, 26.0, &b.title.ko);
        p.text(font, GREY, 74.0, 142.0, 14.0, &b.title.en);
        p.text(
            font,
            INK,
            56.0,
            200.0,
            16.0,
            &format!("기관 · {}", b.org.ko),
        );
        p.text(font, GREY, 56.0, 222.0, 12.0, &b.org.en);
        p.fill([0.94, 0.95, 0.97], 56.0, 250.0, A4.0 - 112.0, 150.0);
        let y = p.paragraph(
            font,
            INK,
            72.0,
            286.0,
            A4.0 - 144.0,
            15.0,
            &b.description.ko,
        );
        p.paragraph(
            font,
            GREY,
            72.0,
            y + 8.0,
            A4.0 - 144.0,
            12.0,
            &b.description.en,
        );
        p.text(font, INK, 56.0, 450.0, 16.0, "추진 배경 · Why");
        let y = p.paragraph(
            font,
            INK,
            56.0,
            480.0,
            A4.0 - 112.0,
            13.0,
            "현장의 불편을 국민과 함께 찾고, 기관의 경계를 넘어 해결책을 설계했습니다.",
        );
        p.text(font, INK, 56.0, y + 30.0, 16.0, "성과 · Results");
        p.paragraph(
            font,
            INK,
            56.0,
            y + 60.0,
            A4.0 - 112.0,
            13.0,
            "서비스 이용 시간이 줄고 만족도가 높아졌으며, 다른 기관으로 확산되고 있습니다.",
        );
        p.text(
            font,
            GREY,
            56.0,
            800.0,
            11.0,
            &format!("{ko} · {}", pages.len() + 1),
        );
        outline.push((b.title.ko.clone(), pages.len()));
        pages.push(p);
    }
    Document {
        title: format!("{ko} 사례집 · {en} casebook"),
        pages,
        outline,
    }
}

/// The case presentation shown on the ceremony room's screen: Daegu's second chances for the
/// young (the 2019 relay's host presenting its cases).
fn deck(font: &mut Font) -> Document {
    let colour = theme_colour("regional_innovation");
    let (w, h) = SLIDE;
    let mut pages = Vec::new();
    let mut title = Page::new(SLIDE);
    title.fill(colour, 0.0, 0.0, w, h);
    title.text(
        font,
        WHITE,
        70.0,
        200.0,
        28.0,
        "사례 발표 · Case presentation",
    );
    title.text(font, WHITE, 70.0, 280.0, 56.0, "대구 청년 재도전 지원");
    title.text(
        font,
        WHITE,
        70.0,
        340.0,
        26.0,
        "Second chances for Daegu's youth",
    );
    title.text(
        font,
        WHITE,
        70.0,
        470.0,
        20.0,
        "대구광역시 · Daegu Metropolitan City",
    );
    pages.push(title);
    let slides: [(&str, &str, [&str; 3]); 3] = [
        (
            "1. 왜 시작했나",
            "Why we started",
            [
                "청년 열 명 중 여섯이 첫 실패 뒤 다시 도전하지 않았습니다.",
                "실패 경험을 숨기지 않고 정책의 재료로 삼기로 했습니다.",
                "Six in ten young people never tried again after a first failure.",
            ],
        ),
        (
            "2. 숙의 토론 테이블",
            "Deliberative tables",
            [
                "청년 120명이 8개 테이블에서 실패 경험을 나눴습니다.",
                "시민 퍼실리테이터가 제안을 정리해 시에 전달했습니다.",
                "120 young people, 8 tables, proposals handed to the city.",
            ],
        ),
        (
            "3. 바뀐 것",
            "What changed",
            [
                "재도전 자금 지원 요건에서 '실패 이력'이 빠졌습니다.",
                "재도전 상담 창구가 구·군마다 생겼습니다.",
                "A past failure no longer bars anyone from restart funds.",
            ],
        ),
    ];
    for (i, (ko, en, lines)) in slides.iter().enumerate() {
        let mut p = Page::new(SLIDE);
        p.fill(colour, 0.0, 0.0, w, 110.0);
        p.text(font, WHITE, 60.0, 62.0, 36.0, ko);
        p.text(font, WHITE, 60.0, 94.0, 18.0, en);
        let mut y = 190.0;
        for line in lines {
            p.fill(colour, 60.0, y - 16.0, 12.0, 12.0);
            p.text(font, INK, 90.0, y, 24.0, line);
            y += 70.0;
        }
        p.text(
            font,
            GREY,
            w - 120.0,
            h - 30.0,
            16.0,
            &format!("{} / 4", i + 2),
        );
        pages.push(p);
    }
    Document {
        title: "대구 청년 재도전 지원 · 사례 발표".into(),
        outline: vec![
            ("표지 · Title".into(), 0),
            ("왜 시작했나 · Why".into(), 1),
            ("숙의 토론 테이블 · Tables".into(), 2),
            ("바뀐 것 · What changed".into(), 3),
        ],
        pages,
    }
}

fn main() {
    std::fs::create_dir_all(OUT).expect("the documents folder");
    // Read even while the hall names documents not written yet (the problems that says).
    let (halls, _) = check_expo(&[Path::new("assets/maps/hall.tmx").to_path_buf()]);
    let hall = halls.into_iter().next().expect("the demo hall reads");
    let mut themes: BTreeMap<&str, Vec<&Booth>> = BTreeMap::new();
    for b in &hall.booths {
        themes.entry(b.theme.id()).or_default().push(b);
    }
    for (theme, booths) in &themes {
        let mut font = Font::load();
        let doc = casebook(&mut font, theme, booths);
        write_document(
            doc,
            &mut font,
            &Path::new(OUT).join(format!("casebook_{theme}.pdf")),
        );
    }
    let mut font = Font::load();
    let doc = deck(&mut font);
    write_document(doc, &mut font, &Path::new(OUT).join("slides_daegu.pdf"));
}
