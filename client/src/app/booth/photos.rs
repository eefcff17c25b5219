//! Gallery photos: decoded on the loader's thread ([`crate::photos`]) and scaled down to fit,
//! kept as images once decoded; a missing or broken one shows as failed.

use std::collections::HashMap;
use std::path::PathBuf;

use bevy::prelude::*;

use crate::app::ui::rgba_image;
use crate::photos::PhotoLoader;

/// The largest side a gallery photo is decoded to.
const PHOTO_SIDE: u32 = 1600;

/// Gallery photos: decoded on the loader's thread, kept as images once decoded.
#[derive(Resource, Default)]
pub struct Photos {
    loader: Option<PhotoLoader>,
    pub(super) by_path: HashMap<PathBuf, PhotoSlot>,
    ids: Vec<PathBuf>,
}

pub struct PhotoSlot {
    pub image: Handle<Image>,
    /// (width, height) once decoded.
    pub size: Option<(u32, u32)>,
    pub failed: bool,
}

impl Photos {
    /// Starts decoding the photo at `path` (a gallery's first, while the hall loads).
    pub fn preload(&mut self, path: &PathBuf, images: &mut Assets<Image>) {
        self.get(path, images);
    }

    /// Whether the photo at `path` is decoded (or known broken).
    pub fn is_done(&self, path: &PathBuf) -> bool {
        self.by_path
            .get(path)
            .is_some_and(|s| s.size.is_some() || s.failed)
    }

    /// The photo at `path`, asked of the loader the first time.
    pub(super) fn get(&mut self, path: &PathBuf, images: &mut Assets<Image>) -> &PhotoSlot {
        if !self.by_path.contains_key(path) {
            if self.loader.is_none() {
                match PhotoLoader::new(PHOTO_SIDE) {
                    Ok(l) => self.loader = Some(l),
                    Err(e) => error!("no thread to decode photos on: {e}"),
                }
            }
            let image = images.add(rgba_image(1, 1, vec![0, 0, 0, 0]));
            if let Some(loader) = &self.loader {
                loader.request(self.ids.len() as u64, path.clone());
            }
            self.ids.push(path.clone());
            self.by_path.insert(
                path.clone(),
                PhotoSlot {
                    image,
                    size: None,
                    failed: false,
                },
            );
        }
        &self.by_path[path]
    }
}

pub(super) fn load_photos(mut photos: ResMut<Photos>, mut images: ResMut<Assets<Image>>) {
    let Some(loader) = &photos.loader else { return };
    for loaded in loader.poll() {
        let Some(path) = photos.ids.get(loaded.id as usize).cloned() else {
            continue;
        };
        let Some(slot) = photos.by_path.get_mut(&path) else {
            continue;
        };
        let p = loaded.photo;
        slot.size = Some((p.width, p.height));
        slot.failed = loaded.failed;
        if let Err(e) = images.insert(&slot.image, rgba_image(p.width, p.height, p.rgba)) {
            warn!("cannot show the photo {}: {e}", path.display());
        }
    }
}
