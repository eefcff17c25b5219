//! Mutated files through what reads files we did not make: TMX maps through the map loader
//! and the expo check behind `check-map`, MP4 videos through the server's header probe and the
//! client's decoder, PDFs through the document check (the server's and `check-map`'s) and the
//! client's page drawing, as the window runs it (on a thread with a time limit, a panic in the
//! PDF library caught and shown as a damaged document: counted apart, not a failure). Each
//! input runs on a thread of its own with a time limit; a panic or an overrun is counted and
//! named.
//!
//!     cargo run --example fuzz_files -- [MAPS] [VIDEOS] [SEED] [PDFS]   # defaults: 1000 300 1 1000
//!
//! Prints inputs run, inputs per second, problems found (a clear error, the expected outcome
//! for most), panics and time-outs; exits non-zero on any panic or time-out.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The most one input may take.
const LIMIT: Duration = Duration::from_secs(5);

/// The last panic's message and place (the hook keeps it; the run reports it).
static LAST_PANIC: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Where inputs that panicked or ran over are kept, to reproduce them.
fn failures_dir() -> PathBuf {
    std::env::temp_dir().join("madang-fuzz-failures")
}

#[derive(Default)]
struct Tally {
    inputs: u64,
    ok: u64,
    refused: u64,
    panics: Vec<String>,
    timeouts: Vec<String>,
    slowest: Duration,
}

impl Tally {
    fn print(&self, what: &str, secs: f64) {
        println!(
            "{what}: {} inputs in {secs:.1} s ({:.0}/s): {} read, {} refused with an error, {} panics, {} time-outs, slowest {:.0} ms",
            self.inputs,
            self.inputs as f64 / secs.max(1e-9),
            self.ok,
            self.refused,
            self.panics.len(),
            self.timeouts.len(),
            self.slowest.as_secs_f64() * 1e3
        );
        for p in self.panics.iter().chain(&self.timeouts).take(8) {
            println!("  {p}");
        }
    }

    /// Runs `f` on a thread with the time limit; `f` says whether the input was read.
    fn run(&mut self, name: &str, f: impl FnOnce() -> bool + Send + 'static) {
        self.inputs += 1;
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        let spawned = std::thread::Builder::new().spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(r);
        });
        if spawned.is_err() {
            self.timeouts.push(format!("{name}: no thread"));
            return;
        }
        match rx.recv_timeout(LIMIT) {
            Ok(Ok(true)) => self.ok += 1,
            Ok(Ok(false)) => self.refused += 1,
            Ok(Err(p)) => {
                let place = LAST_PANIC.lock().map(|l| l.clone()).unwrap_or_default();
                let text = madang_shared::video::panic_text(&p);
                self.panics.push(format!("{name}: {text} ({place})"));
            }
            Err(_) => self.timeouts.push(format!("{name}: over {LIMIT:?}")),
        }
        self.slowest = self.slowest.max(start.elapsed());
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let maps: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let videos: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let pdfs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // Quiet: the panics are counted and printed here, with where they happened.
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
        }
    }));
    let mut rng = StdRng::seed_from_u64(seed);
    let work = std::env::temp_dir().join(format!("madang-fuzz-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);

    let start = Instant::now();
    let map_tally = fuzz_maps(&root, &work, maps, &mut rng);
    map_tally.print("maps", start.elapsed().as_secs_f64());
    let start = Instant::now();
    let video_tally = fuzz_videos(&root, &work, videos, &mut rng);
    video_tally.print("videos", start.elapsed().as_secs_f64());
    let start = Instant::now();
    let (pdf_tally, caught) = fuzz_pdfs(&root, &work, pdfs, &mut rng);
    pdf_tally.print("pdfs", start.elapsed().as_secs_f64());
    println!("  of the PDFs refused, {caught} were a panic inside the PDF library, caught");
    let _ = std::fs::remove_dir_all(&work);
    let bad = [&map_tally, &video_tally, &pdf_tally]
        .iter()
        .map(|t| t.panics.len() + t.timeouts.len())
        .sum::<usize>();
    println!("panics and time-outs: {bad}");
    if bad > 0 {
        std::process::exit(1);
    }
}

/// Keeps the input when the last run added a panic or a time-out.
fn keep_failure(tally: &Tally, before: usize, name: &str, bytes: &[u8]) {
    if tally.panics.len() + tally.timeouts.len() > before {
        let dir = failures_dir();
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(name), bytes);
        println!("  kept {}", dir.join(name).display());
    }
}

/// A copy of the demo's assets, so that mutated maps find their tilesets and media.
fn copy_assets(root: &Path, to: &Path) {
    for dir in ["maps", "tilesets", "photos", "videos", "documents"] {
        let from = root.join("assets").join(dir);
        std::fs::create_dir_all(to.join(dir)).expect("a temp folder");
        for e in std::fs::read_dir(&from)
            .expect("the demo's assets")
            .flatten()
        {
            let _ = std::fs::copy(e.path(), to.join(dir).join(e.file_name()));
        }
    }
}

/// Copies a folder and what it holds.
fn copy_tree(from: &Path, to: &Path) {
    let _ = std::fs::create_dir_all(to);
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(e.file_name()));
        } else {
            let _ = std::fs::copy(&path, to.join(e.file_name()));
        }
    }
}

fn fuzz_maps(root: &Path, work: &Path, n: u64, rng: &mut StdRng) -> Tally {
    let assets = work.join("assets");
    copy_assets(root, &assets);
    // The seeds: the demo's halls, the small maps of each thing other tools put in maps
    // (tile sizes, encodings, infinite maps, WorkAdventure's conventions), and WorkAdventure's
    // starter kit; all in one folder, so that their tilesets are found.
    copy_tree(
        &root.join("tests/fixtures/maps/tiled"),
        &assets.join("maps"),
    );
    copy_tree(
        &root.join("tests/fixtures/workadventure"),
        &assets.join("maps"),
    );
    let seeds: Vec<String> = madang_shared::map::maps_in_dir(&assets.join("maps"))
        .unwrap_or_default()
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let mut tally = Tally::default();
    for i in 0..n {
        let text = mutate_text(&seeds[rng.random_range(0..seeds.len())], rng);
        let path = assets.join("maps").join(format!("fuzz{i}.tmx"));
        // The loader reads the text given; check-map reads the file and the halls it names.
        let _ = std::fs::write(&path, &text);
        let p = path.clone();
        let kept = text.clone();
        let bad = tally.panics.len() + tally.timeouts.len();
        tally.run(&format!("map {i}"), move || {
            let one = madang_shared::map::load_hall_text(&p, &text).is_ok();
            let expo = madang_shared::map::load_expo(std::slice::from_ref(&p)).is_ok();
            one && expo
        });
        keep_failure(&tally, bad, &format!("map{i}.tmx"), kept.as_bytes());
        let _ = std::fs::remove_file(&path);
    }
    tally
}

/// Structured and blind changes to a map's XML: numbers at their edges, attributes emptied,
/// elements cut, bytes flipped.
fn mutate_text(seed: &str, rng: &mut StdRng) -> String {
    let mut text = seed.to_owned();
    for _ in 0..rng.random_range(1..6) {
        match rng.random_range(0..6) {
            0 => {
                // A number somewhere replaced by an edge value.
                let digits: Vec<usize> = text
                    .char_indices()
                    .filter(|(_, c)| c.is_ascii_digit())
                    .map(|(i, _)| i)
                    .collect();
                if let Some(&at) = digits.get(rng.random_range(0..digits.len().max(1))) {
                    let end = text[at..]
                        .find(|c: char| !c.is_ascii_digit())
                        .map_or(text.len(), |e| at + e);
                    const EDGES: [&str; 9] = [
                        "0",
                        "-1",
                        "4294967295",
                        "4294967296",
                        "99999999999",
                        "1e309",
                        "NaN",
                        "",
                        "-0",
                    ];
                    text.replace_range(at..end, EDGES[rng.random_range(0..EDGES.len())]);
                }
            }
            1 => {
                // An attribute's value emptied or made huge.
                if let Some(at) = nth_match(&text, "=\"", rng) {
                    let start = at + 2;
                    if let Some(len) = text[start..].find('"') {
                        let v = if rng.random_bool(0.5) {
                            String::new()
                        } else {
                            "9".repeat(rng.random_range(1..40))
                        };
                        text.replace_range(start..start + len, &v);
                    }
                }
            }
            2 => {
                // Cut at a random character boundary.
                let at = rng.random_range(0..=text.len());
                let at = (0..=at)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                text.truncate(at);
            }
            3 => {
                // A chunk repeated.
                let a = rng.random_range(0..text.len().max(1));
                let b = (a + rng.random_range(0..400)).min(text.len());
                if text.is_char_boundary(a) && text.is_char_boundary(b) {
                    let chunk = text[a..b].to_owned();
                    text.insert_str(b, &chunk);
                }
            }
            4 => {
                // A property's value replaced by paths and odd text.
                const VALUES: [&str; 6] = [
                    "../../../../etc/passwd",
                    "/dev/zero",
                    "daily 25:99",
                    "\u{202E}\u{0000}",
                    "a,,,,,b",
                    "../videos/does-not-exist.mp4",
                ];
                if let Some(at) = nth_match(&text, "value=\"", rng) {
                    let start = at + 7;
                    if let Some(len) = text[start..].find('"') {
                        text.replace_range(
                            start..start + len,
                            VALUES[rng.random_range(0..VALUES.len())],
                        );
                    }
                }
            }
            _ => {
                // Bytes flipped, kept as text.
                let mut bytes = text.into_bytes();
                for _ in 0..rng.random_range(1..8) {
                    if !bytes.is_empty() {
                        let i = rng.random_range(0..bytes.len());
                        bytes[i] ^= 1 << rng.random_range(0..7);
                    }
                }
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
    }
    text
}

fn nth_match(text: &str, pat: &str, rng: &mut StdRng) -> Option<usize> {
    let all: Vec<usize> = text.match_indices(pat).map(|(i, _)| i).collect();
    (!all.is_empty()).then(|| all[rng.random_range(0..all.len())])
}

fn fuzz_videos(root: &Path, work: &Path, n: u64, rng: &mut StdRng) -> Tally {
    let dir = work.join("videos");
    let _ = std::fs::create_dir_all(&dir);
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(root.join("assets/videos"))
        .expect("the demo's videos")
        .flatten()
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    let mut tally = Tally::default();
    for i in 0..n {
        let mut bytes = seeds[rng.random_range(0..seeds.len())].clone();
        mutate_mp4(&mut bytes, rng);
        let path = dir.join(format!("fuzz{i}.mp4"));
        let _ = std::fs::write(&path, &bytes);
        let p = path.clone();
        let kept = bytes.clone();
        let bad = tally.panics.len() + tally.timeouts.len();
        tally.run(&format!("video {i}"), move || {
            // The server's probe (itself on a thread with a limit), then the client's decoder.
            let probed = madang_shared::video::probe_within(&p, LIMIT / 2).is_ok();
            let size = bytes.len() as u64;
            let decoded =
                madang_client::video::VideoPlayer::new(std::io::Cursor::new(bytes), size, "fuzz")
                    .and_then(|mut v| v.frame_at(500))
                    .is_ok();
            probed && decoded
        });
        keep_failure(&tally, bad, &format!("video{i}.mp4"), &kept);
        let _ = std::fs::remove_file(&path);
    }
    tally
}

/// Changes aimed at MP4's boxes: sizes and types in the first kilobytes (where `moov` and its
/// `meta`, `stsz`, `stco` tables live in our files), and anywhere.
fn mutate_mp4(bytes: &mut Vec<u8>, rng: &mut StdRng) {
    for _ in 0..rng.random_range(1..6) {
        if bytes.is_empty() {
            return;
        }
        let head = bytes.len().min(4096);
        let at = if rng.random_bool(0.7) {
            rng.random_range(0..head)
        } else {
            rng.random_range(0..bytes.len())
        };
        match rng.random_range(0..5) {
            0 => bytes[at] ^= 1 << rng.random_range(0..8),
            1 => {
                // A 32-bit field set to an edge value.
                const EDGES: [u32; 6] = [0, 1, 7, 8, u32::MAX, 0x7FFF_FFFF];
                let v = EDGES[rng.random_range(0..EDGES.len())].to_be_bytes();
                for (k, b) in v.iter().enumerate() {
                    if let Some(x) = bytes.get_mut(at + k) {
                        *x = *b;
                    }
                }
            }
            2 => bytes.truncate(at),
            3 => {
                let len = rng.random_range(1..64).min(bytes.len() - at);
                bytes.drain(at..at + len);
            }
            _ => bytes.insert(at, rng.random()),
        }
    }
}

/// Mutated PDFs: the document check, then page 1 drawn as the window draws it. Returns the
/// tally and how many refusals were the PDF library's panics, caught.
fn fuzz_pdfs(root: &Path, work: &Path, n: u64, rng: &mut StdRng) -> (Tally, u64) {
    use madang_shared::document::{DocumentError, inspect_bytes, within};
    let dir = work.join("pdfs");
    let _ = std::fs::create_dir_all(&dir);
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(root.join("assets/documents"))
        .expect("the demo's documents")
        .flatten()
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    seeds.sort();
    let font = std::sync::Arc::new(
        std::fs::read(root.join("assets/fonts/NanumGothic.ttf")).expect("the bundled font"),
    );
    let settings = madang_client::documents::interpreter_settings(Some(font));
    let caught = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tally = Tally::default();
    for i in 0..n {
        let mut bytes = seeds[rng.random_range(0..seeds.len())].clone();
        mutate_pdf(&mut bytes, rng);
        let kept = bytes.clone();
        let settings = settings.clone();
        let caught = caught.clone();
        let bad = tally.panics.len() + tally.timeouts.len();
        tally.run(&format!("pdf {i}"), move || {
            let path = PathBuf::from(format!("fuzz{i}.pdf"));
            let p = path.clone();
            let b = bytes.clone();
            let checked = within(&path, LIMIT / 3, move || inspect_bytes(b, &p));
            let p = path.clone();
            let drawn = within(&path, LIMIT / 3, move || {
                madang_client::documents::render_page(bytes, 1, 200, &settings, &p)
            });
            for r in [checked.as_ref().err(), drawn.as_ref().err()] {
                if let Some(DocumentError::Damaged { why, .. }) = r
                    && why.starts_with("the reader failed")
                {
                    if caught.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 3 {
                        let place = LAST_PANIC.lock().map(|l| l.clone()).unwrap_or_default();
                        println!("  pdf {i}: the PDF library panicked at {place}: {why}");
                    }
                }
                // An overrun inside is an overrun of the whole.
                if let Some(DocumentError::TimedOut { .. }) = r {
                    panic!("a PDF took over its time limit");
                }
            }
            checked.is_ok() && drawn.is_ok()
        });
        keep_failure(&tally, bad, &format!("pdf{i}.pdf"), &kept);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let caught = caught.load(std::sync::atomic::Ordering::Relaxed);
    (tally, caught)
}

/// Changes aimed at PDF's structure: numbers (offsets, lengths, counts, object numbers) set to
/// edge values, keywords broken, bytes flipped, cut, dropped or repeated.
fn mutate_pdf(bytes: &mut Vec<u8>, rng: &mut StdRng) {
    for _ in 0..rng.random_range(1..6) {
        if bytes.len() < 16 {
            return;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..7) {
            0 => bytes[at] ^= 1 << rng.random_range(0..8),
            1 => {
                // The next number from here, replaced by an edge value.
                if let Some(start) = (at..bytes.len()).find(|&k| bytes[k].is_ascii_digit()) {
                    let end = (start..bytes.len())
                        .find(|&k| !bytes[k].is_ascii_digit())
                        .unwrap_or(bytes.len());
                    const EDGES: [&str; 7] = [
                        "0",
                        "-1",
                        "1",
                        "99999999999",
                        "2147483648",
                        "65536",
                        "1e308",
                    ];
                    let v = EDGES[rng.random_range(0..EDGES.len())].as_bytes();
                    bytes.splice(start..end, v.iter().copied());
                }
            }
            2 => {
                const WORDS: [&[u8]; 8] = [
                    b"obj",
                    b"endobj",
                    b"stream",
                    b"endstream",
                    b"R",
                    b"/Kids",
                    b"<<",
                    b">>",
                ];
                let w = WORDS[rng.random_range(0..WORDS.len())];
                let end = (at + w.len()).min(bytes.len());
                bytes.splice(at..end, w.iter().copied());
            }
            3 => bytes.truncate(at.max(8)),
            4 => {
                let len = rng.random_range(1..256).min(bytes.len() - at);
                bytes.drain(at..at + len);
            }
            5 => {
                let len = rng.random_range(1..512).min(bytes.len() - at);
                let chunk: Vec<u8> = bytes[at..at + len].to_vec();
                let to = rng.random_range(0..bytes.len());
                bytes.splice(to..to, chunk);
            }
            _ => bytes.insert(at, rng.random()),
        }
    }
}
