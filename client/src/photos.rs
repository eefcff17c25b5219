//! Photos for the kiosks' galleries: PNG and JPEG decoded off the main thread (the `image`
//! crate), large ones scaled down to fit the screen, and a placeholder for anything missing or
//! broken — which is logged with the file's name, and never stops the client.

use std::path::{Path, PathBuf};
use std::thread;

use crossbeam_channel::{Receiver, Sender, unbounded};
use image::imageops::FilterType;
use image::{ImageReader, Limits};
use tracing::warn;

/// The longest side a photo may claim before it is decoded.
pub const MAX_SIDE: u32 = 16_384;
/// The most memory one decode may take.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// A decoded photo, 8-bit RGBA rows from the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// Why a photo could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("cannot read {path}: {err}")]
    Read { path: PathBuf, err: std::io::Error },
    #[error("{path} is not an image that can be decoded: {why}")]
    Decode { path: PathBuf, why: String },
}

/// Decodes PNG or JPEG bytes (the format is guessed from them) and scales the result down so
/// that neither side exceeds `max_side`. `name` is only for the error.
pub fn decode_photo(bytes: &[u8], max_side: u32, name: &Path) -> Result<Photo, PhotoError> {
    let decode_err = |why: String| PhotoError::Decode {
        path: name.to_owned(),
        why,
    };
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode_err(e.to_string()))?;
    // The decoder checks the header against these before it allocates anything.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut img = reader.decode().map_err(|e| decode_err(e.to_string()))?;
    let max_side = max_side.max(1);
    if img.width() > max_side || img.height() > max_side {
        img = img.resize(max_side, max_side, FilterType::Triangle);
    }
    let rgba = img.to_rgba8();
    Ok(Photo {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// Reads and decodes a photo file.
pub fn load_photo(path: &Path, max_side: u32) -> Result<Photo, PhotoError> {
    let bytes = std::fs::read(path).map_err(|err| PhotoError::Read {
        path: path.to_owned(),
        err,
    })?;
    decode_photo(&bytes, max_side, path)
}

/// What is shown in place of a photo that cannot be: grey with a darker cross.
pub fn placeholder(width: u32, height: u32) -> Photo {
    let (w, h) = (width.max(2), height.max(2));
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            // On either diagonal, within about 2% of the shorter side.
            let fx = x as f32 / w as f32;
            let fy = y as f32 / h as f32;
            let on = (fx - fy).abs() < 0.02 || (fx + fy - 1.0).abs() < 0.02;
            let v = if on { 90 } else { 170 };
            rgba.extend_from_slice(&[v, v, v, 255]);
        }
    }
    Photo {
        width: w,
        height: h,
        rgba,
    }
}

/// A photo asked for, by the number the asker gave it, decoded or replaced by a placeholder.
#[derive(Debug)]
pub struct Loaded {
    pub id: u64,
    pub path: PathBuf,
    pub photo: Photo,
    /// Whether `photo` is the placeholder.
    pub failed: bool,
}

/// Decodes photos on a thread of its own, so a large or broken file never stalls a frame.
pub struct PhotoLoader {
    jobs: Sender<(u64, PathBuf)>,
    done: Receiver<Loaded>,
}

impl PhotoLoader {
    /// Starts the decoding thread; photos are scaled to fit `max_side`.
    pub fn new(max_side: u32) -> std::io::Result<Self> {
        let (jobs, rx) = unbounded::<(u64, PathBuf)>();
        let (tx, done) = unbounded();
        thread::Builder::new()
            .name("madang-photos".into())
            .spawn(move || {
                for (id, path) in rx {
                    let loaded = match load_photo(&path, max_side) {
                        Ok(photo) => Loaded {
                            id,
                            path,
                            photo,
                            failed: false,
                        },
                        Err(e) => {
                            warn!("showing a placeholder: {e}");
                            Loaded {
                                id,
                                path,
                                photo: placeholder(320, 240),
                                failed: true,
                            }
                        }
                    };
                    if tx.send(loaded).is_err() {
                        break;
                    }
                }
            })?;
        Ok(PhotoLoader { jobs, done })
    }

    /// Queues a photo; it comes back from [`PhotoLoader::poll`] under `id`.
    pub fn request(&self, id: u64, path: PathBuf) {
        let _ = self.jobs.send((id, path));
    }

    /// The photos decoded since the last call; never blocks.
    pub fn poll(&self) -> Vec<Loaded> {
        self.done.try_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgba, RgbaImage};
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    fn encoded(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
        let img = RgbaImage::from_fn(w, h, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        let dynamic = image::DynamicImage::ImageRgba8(img);
        let dynamic = if format == ImageFormat::Jpeg {
            image::DynamicImage::ImageRgb8(dynamic.to_rgb8())
        } else {
            dynamic
        };
        dynamic.write_to(&mut out, format).expect("encodes");
        out.into_inner()
    }

    #[test]
    fn png_and_jpeg_decode_and_large_ones_are_scaled_to_fit() {
        let name = Path::new("t");
        let png = decode_photo(&encoded(64, 32, ImageFormat::Png), 1024, name).expect("png");
        assert_eq!((png.width, png.height), (64, 32));
        assert_eq!(png.rgba.len(), 64 * 32 * 4);
        let jpeg = decode_photo(&encoded(2000, 1000, ImageFormat::Jpeg), 800, name).expect("jpeg");
        assert_eq!(
            (jpeg.width, jpeg.height),
            (800, 400),
            "scaled, keeping the shape"
        );
    }

    #[test]
    fn truncated_and_random_bytes_are_errors_naming_the_file() {
        let png = encoded(64, 64, ImageFormat::Png);
        // Cut inside the header or the image data (a PNG missing only its end marker still
        // decodes, which is fine).
        for cut in [0, 8, 30, png.len() / 2] {
            match decode_photo(&png[..cut], 512, Path::new("broken.png")) {
                Ok(_) => panic!("a PNG cut at {cut} of {} bytes decoded", png.len()),
                Err(e) => assert!(e.to_string().contains("broken.png"), "{e}"),
            }
        }
        let e =
            decode_photo(b"definitely not an image", 512, Path::new("x.jpg")).expect_err("junk");
        assert!(e.to_string().contains("x.jpg"));
    }

    #[test]
    fn a_picture_wider_than_the_limit_is_refused() {
        let wide = encoded(MAX_SIDE + 1, 1, ImageFormat::Png);
        assert!(decode_photo(&wide, 512, Path::new("wide.png")).is_err());
    }

    #[test]
    fn a_missing_file_is_a_read_error() {
        let result = load_photo(Path::new("/nonexistent/photo.png"), 512);
        assert!(
            matches!(result, Err(PhotoError::Read { .. })),
            "a read error"
        );
    }

    #[test]
    fn the_loader_decodes_off_thread_and_replaces_failures_with_a_placeholder() {
        let dir = std::env::temp_dir().join(format!("madang-photos-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let good = dir.join("good.png");
        std::fs::write(&good, encoded(40, 20, ImageFormat::Png)).expect("write");
        let bad = dir.join("bad.png");
        std::fs::write(&bad, b"\x89PNG\r\n\x1a\nbroken").expect("write");
        let loader = PhotoLoader::new(512).expect("starts");
        loader.request(1, good);
        loader.request(2, bad);
        loader.request(3, dir.join("missing.png"));
        let mut got = Vec::new();
        let start = Instant::now();
        while got.len() < 3 && start.elapsed() < Duration::from_secs(10) {
            got.extend(loader.poll());
            std::thread::sleep(Duration::from_millis(5));
        }
        got.sort_by_key(|l| l.id);
        assert_eq!(got.len(), 3);
        assert!(!got[0].failed && got[0].photo.width == 40);
        assert!(
            got[1].failed && got[2].failed,
            "broken and missing get placeholders"
        );
        assert!(
            got[1].photo == placeholder(320, 240),
            "the placeholder is shown"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
            let _ = decode_photo(&bytes, 256, Path::new("fuzz"));
        }

        #[test]
        fn damaged_pngs_never_panic(flips in prop::collection::vec((0usize..2000, any::<u8>()), 1..20)) {
            let mut png = encoded(32, 32, ImageFormat::Png);
            for (at, byte) in flips {
                let i = at % png.len();
                png[i] = byte;
            }
            let _ = decode_photo(&png, 256, Path::new("fuzz.png"));
        }
    }
}
