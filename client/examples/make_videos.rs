//! Makes the demo expo's videos: pictures drawn frame by frame, encoded with openh264 into
//! MP4 files under `assets/videos/`. Run from the repository's root:
//!
//!     cargo run -p madang-client --example make_videos
//!
//! - `intro.mp4`: the lobby's looping welcome: the four theme colours sweeping past.
//! - `broadcast.mp4`: the daily 14:00 broadcast's opening: a countdown of rings.

use std::f32::consts::TAU;
use std::path::Path;

use madang_client::video::write_mp4;

const W: u32 = 320;
const H: u32 = 180;
const FPS: u32 = 15;

/// The four themes' colours, as in the tileset.
const THEMES: [[u8; 3]; 4] = [
    [170, 214, 160],
    [160, 196, 232],
    [244, 200, 150],
    [204, 176, 228],
];

fn picture(f: impl Fn(f32, f32) -> [u8; 3]) -> Vec<u8> {
    let mut rgba = Vec::with_capacity((W * H * 4) as usize);
    for y in 0..H {
        for x in 0..W {
            let [r, g, b] = f(x as f32 / W as f32, y as f32 / H as f32);
            rgba.extend_from_slice(&[r, g, b, 255]);
        }
    }
    rgba
}

fn intro(frame: u32) -> Vec<u8> {
    let t = frame as f32 / FPS as f32;
    picture(|x, y| {
        let band = ((x + t * 0.2).fract() * 4.0) as usize % 4;
        let [r, g, b] = THEMES[band];
        // A soft wave across the bands.
        let shade = 0.85 + 0.15 * ((y * 6.0 + t * 2.0) * 1.3).sin();
        [
            (r as f32 * shade) as u8,
            (g as f32 * shade) as u8,
            (b as f32 * shade) as u8,
        ]
    })
}

fn broadcast(frame: u32) -> Vec<u8> {
    let t = frame as f32 / FPS as f32;
    picture(|x, y| {
        let (dx, dy) = ((x - 0.5) * W as f32 / H as f32, y - 0.5);
        let r = (dx * dx + dy * dy).sqrt();
        let angle = dy.atan2(dx) / TAU + 0.5;
        // Rings pulse outwards; a sweep hand turns once a second.
        let ring = ((r * 12.0 - t * 3.0).fract() < 0.5) as u8;
        let hand = ((angle - t.fract()).rem_euclid(1.0) < 0.04 && r < 0.45) as u8;
        let base = [40 + 30 * ring, 60 + 30 * ring, 120 + 40 * ring];
        if hand == 1 { [242, 201, 76] } else { base }
    })
}

fn write(path: &Path, seconds: u32, draw: fn(u32) -> Vec<u8>) {
    let file = std::fs::File::create(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    write_mp4(
        std::io::BufWriter::new(file),
        W,
        H,
        FPS,
        (0..seconds * FPS).map(draw),
    )
    .unwrap_or_else(|e| panic!("cannot encode {}: {e}", path.display()));
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!("wrote {} ({seconds} s, {size} bytes)", path.display());
}

fn main() {
    let dir = Path::new("assets/videos");
    std::fs::create_dir_all(dir).expect("the videos folder can be made");
    write(&dir.join("intro.mp4"), 12, intro);
    write(&dir.join("broadcast.mp4"), 20, broadcast);
}
