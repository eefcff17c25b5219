//! A booth's casebook as a visitor reads it, in the real window under Xvfb with real key
//! presses and clicks (xdotool): the window walks to Daegu's booth in the exhibition hall
//! (`--visit`), its panel lists the theme's casebook, a click opens it in the reader at the
//! booth's own case (page 3: white under a thin band, Korean text drawn), Home goes to the
//! cover (a coloured band across its top third), PageDown to page 2 (another case), 3 and Enter
//! back to page 3, T shows the table of contents, and Esc closes it.
//!
//! The window must run on the main thread, so this test has its own `main` (harness = false).

mod common;

use std::process::ExitCode;
use std::time::Duration;

use common::hands::*;
use common::*;
use image::RgbaImage;
use madang_client::app::ClientArgs;

const W: u32 = 1280;
const H: u32 = 720;
/// The regional innovation theme's colour, as the casebook's cover band is filled.
const THEME: [u8; 3] = [140, 97, 179];

fn main() -> ExitCode {
    let shots = match window_test("client_documents") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = temp_data_dir();
    std::fs::create_dir_all(&dir).expect("a temp folder");
    let server = madang_server::spawn(test_settings()).expect("the server starts");
    let args = ClientArgs {
        visit: Some("대구 청년 재도전 지원".into()),
        ..window_args(&server, "사례집 독자", ("hall", "plaza"), &dir, &shots)
    };
    let keep = [
        (1, "panel"),
        (2, "page3"),
        (3, "cover"),
        (4, "page2"),
        (6, "contents"),
    ];
    let exit = run_window("client_documents", args, &keep, move || reader(&shots));
    server.stop();
    exit
}

/// Shares of a band of the page (from `y0` to `y1` of its height): near-white pixels, pixels
/// of the theme's colour, and dark (text) pixels.
fn band(img: &RgbaImage, page: Area, y0: f32, y1: f32) -> (f32, f32, usize) {
    let (x, y, w, h) = page;
    let top = y + (h as f32 * y0) as u32;
    let bottom = y + (h as f32 * y1) as u32;
    let total = (w * (bottom - top)).max(1) as f32;
    let white = count(img, x, top, x + w, bottom, |p| {
        close(p, [255, 255, 255], 12)
    });
    let theme = count(img, x, top, x + w, bottom, |p| close(p, THEME, 24));
    let dark = count(img, x, top, x + w, bottom, |p| {
        (p[0] as u32 + p[1] as u32 + p[2] as u32) < 3 * 110
    });
    (white as f32 / total, theme as f32 / total, dark)
}

/// Waits for the page to be drawn: the reader's page shows (white, or the cover's band).
fn page_shot(shots: &std::path::Path, n: usize) -> Result<(RgbaImage, Area), String> {
    let img = snap(shots, n)?;
    let page = mark(shots, n, "reader_page")?;
    if page.2 < 100 || page.3 < 100 {
        return Err(format!("the page is drawn {}×{} px", page.2, page.3));
    }
    Ok((img, page))
}

/// The share of the page's pixels that differ between two pictures of it.
fn differ(a: &RgbaImage, b: &RgbaImage, page: Area) -> f32 {
    let (x, y, w, h) = page;
    let mut n = 0;
    for j in y..(y + h).min(a.height()).min(b.height()) {
        for i in x..(x + w).min(a.width()).min(b.width()) {
            let (p, q) = (a.get_pixel(i, j), b.get_pixel(i, j));
            if (0..3).any(|c| (p[c] as i32 - q[c] as i32).abs() > 40) {
                n += 1;
            }
        }
    }
    n as f32 / (w * h).max(1) as f32
}

/// Whether the page looks like a case: white under a thin band, with text.
fn a_case(img: &RgbaImage, page: Area) -> Result<(), String> {
    let (white, theme, _) = band(img, page, 0.05, 0.30);
    let (_, _, text) = band(img, page, 0.08, 0.45);
    if white > 0.6 && theme < 0.2 && text > 300 {
        Ok(())
    } else {
        Err(format!(
            "top band {:.0} % white, {:.0} % theme colour; {text} text pixels",
            white * 100.0,
            theme * 100.0
        ))
    }
}

fn reader(shots: &std::path::Path) -> Result<Steps, String> {
    let mut steps: Steps = Vec::new();
    let window = wait_for_window()?;
    xdo(&["mousemove", "5", "5"])?;
    std::thread::sleep(Duration::from_secs(5));
    let _ = xdo(&["windowfocus", &window]);
    // Help shows on a first visit; Esc puts it away. The walk to the booth opens its panel.
    key("Escape")?;
    std::thread::sleep(Duration::from_secs(8));
    let _ = snap(shots, 1)?;
    let button = mark(shots, 1, "document");
    steps.push((
        "the booth's panel lists its casebook".into(),
        button.as_ref().map(|_| ()).map_err(|e| e.clone()),
    ));
    click_area(button?)?;
    std::thread::sleep(Duration::from_secs(3));
    // Daegu's case is the third page of the regional innovation casebook.
    let (own, own_page) = page_shot(shots, 2)?;
    steps.push((
        "a click opens the casebook at the booth's own case (page 3)".into(),
        a_case(&own, own_page),
    ));
    key("Home")?;
    std::thread::sleep(Duration::from_secs(2));
    let (img, page) = page_shot(shots, 3)?;
    let (_, cover, _) = band(&img, page, 0.05, 0.30);
    steps.push((
        "Home goes to the cover (the theme's band across the top)".into(),
        if cover > 0.6 {
            Ok(())
        } else {
            Err(format!(
                "{:.0} % of the top band is the theme's colour",
                cover * 100.0
            ))
        },
    ));
    key("Next")?;
    std::thread::sleep(Duration::from_secs(3));
    let (two, page) = page_shot(shots, 4)?;
    let other = differ(&two, &own, page);
    steps.push((
        "PageDown turns to page 2: another case, with its Korean text".into(),
        a_case(&two, page).and_then(|()| {
            if other > 0.01 {
                Ok(())
            } else {
                Err(format!(
                    "page 2 looks like page 3 ({:.2} % differs)",
                    other * 100.0
                ))
            }
        }),
    ));
    key("3")?;
    key("Return")?;
    std::thread::sleep(Duration::from_secs(2));
    let (three, page) = page_shot(shots, 5)?;
    let same = differ(&three, &own, page);
    steps.push((
        "3 and Enter go to page 3 again".into(),
        if same < 0.005 {
            Ok(())
        } else {
            Err(format!(
                "{:.2} % of the page differs from page 3",
                same * 100.0
            ))
        },
    ));
    key("t")?;
    std::thread::sleep(Duration::from_millis(800));
    let _ = snap(shots, 6)?;
    let toc = mark(shots, 6, "reader_contents_list");
    steps.push((
        "T shows the casebook's table of contents".into(),
        match toc {
            Ok(a) if a.2 > 100 && a.3 > 100 => Ok(()),
            Ok(a) => Err(format!("the list is {}×{} px", a.2, a.3)),
            Err(e) => Err(e),
        },
    ));
    key("Escape")?;
    std::thread::sleep(Duration::from_millis(600));
    let _ = snap(shots, 7)?;
    steps.push((
        "Esc closes the reader".into(),
        match mark(shots, 7, "reader_page") {
            Err(_) => Ok(()),
            Ok(a) if a.2 == 0 => Ok(()),
            Ok(a) => Err(format!("the page is still shown at {a:?}")),
        },
    ));
    Ok(steps)
}
