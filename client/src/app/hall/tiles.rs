//! The hall's tiles as Tiled draws them, at one size on screen whatever the map's own: each
//! cell of the map's grid is [`TILE_PX`] pixels wide and high here, and each tile is scaled
//! by as much. A tile stands on its cell's bottom-left corner (a tall tree reaches up into the
//! cells above), shifted by its tileset's and its layer's offsets; flipped tiles are flipped,
//! and those flipped across the diagonal (Tiled's rotations) turned; animated tiles step
//! through their frames, all in step as in Tiled; layers after WorkAdventure's `floorLayer`
//! (or marked `above`) and tiles placed as objects there are drawn over the people.

use std::collections::HashMap;
use std::path::PathBuf;

use bevy::prelude::*;
use madang_shared::map::{Frame, HallMap, TILE_PX, TileImages, TileRef, Tileset};

use super::HallPart;
use crate::app::ui::load_image;

/// Tile layers under the people, from here up by a hundredth each.
const Z_TILES: f32 = 0.0;
/// Tiles over the people (avatars stand between 100 and about 107, their labels 20 higher).
const Z_ABOVE: f32 = 110.0;

/// A tile that steps through its tileset's animation.
#[derive(Component)]
pub(super) struct Animated {
    frames: Vec<Frame>,
    total_ms: u32,
    /// Where each frame's picture is: an index into the sheet, or a collection's image.
    pictures: Vec<Picture>,
}

#[derive(Clone)]
enum Picture {
    Sheet(usize),
    Image(Handle<Image>),
}

/// What a tileset is drawn from.
enum Sheet {
    Grid {
        image: Handle<Image>,
        layout: Handle<TextureAtlasLayout>,
    },
    Collection(HashMap<u32, Handle<Image>>),
}

pub(super) fn draw(
    commands: &mut Commands,
    map: &HallMap,
    images: &mut Assets<Image>,
    layouts: &mut Assets<TextureAtlasLayout>,
) {
    let mut cache: HashMap<PathBuf, Handle<Image>> = HashMap::new();
    let mut load = |path: &PathBuf, images: &mut Assets<Image>| {
        cache
            .entry(path.clone())
            .or_insert_with(|| load_image(path, images))
            .clone()
    };
    let sheets: Vec<Sheet> = map
        .tilesets
        .iter()
        .map(|ts| match &ts.images {
            TileImages::Sheet {
                image,
                columns,
                margin,
                spacing,
                ..
            } => {
                let rows = ts.tile_count.div_ceil((*columns).max(1));
                Sheet::Grid {
                    image: load(image, images),
                    layout: layouts.add(TextureAtlasLayout::from_grid(
                        UVec2::new(ts.tile_width, ts.tile_height),
                        (*columns).max(1),
                        rows.max(1),
                        Some(UVec2::splat(*spacing)),
                        Some(UVec2::splat(*margin)),
                    )),
                }
            }
            TileImages::Collection(tiles) => Sheet::Collection(
                tiles
                    .iter()
                    .map(|(id, t)| (*id, load(&t.image, images)))
                    .collect(),
            ),
        })
        .collect();
    let scale = Vec2::new(
        TILE_PX as f32 / map.tile_width as f32,
        TILE_PX as f32 / map.tile_height as f32,
    );
    let (mut under, mut over) = (0usize, 0usize);
    for layer in &map.layers {
        let z = if layer.above {
            over += 1;
            Z_ABOVE + over as f32 * 0.01
        } else {
            under += 1;
            Z_TILES + under as f32 * 0.01
        };
        let alpha = layer.opacity.clamp(0.0, 1.0);
        for (i, tile) in layer.tiles.iter().enumerate() {
            let Some(tile) = tile else { continue };
            let cell = ((i as u32 % map.width) as f32, (i as u32 / map.width) as f32);
            // The cell's bottom-left corner, in the map's pixels.
            let corner = Vec2::new(
                cell.0 * map.tile_width as f32 + layer.offset.0,
                (cell.1 + 1.0) * map.tile_height as f32 + layer.offset.1,
            );
            spawn_tile(commands, map, &sheets, *tile, corner, None, scale, alpha, z);
        }
    }
    for d in &map.decorations {
        let z = if d.above {
            Z_ABOVE + 0.9
        } else {
            Z_TILES + 0.9
        };
        // Its rectangle's bottom-left corner, in the map's pixels, and its size there.
        let corner = Vec2::new(
            d.rect.x * map.tile_width as f32,
            (d.rect.y + d.rect.h) * map.tile_height as f32,
        );
        let size = Vec2::new(
            d.rect.w * map.tile_width as f32,
            d.rect.h * map.tile_height as f32,
        );
        spawn_tile(
            commands,
            map,
            &sheets,
            d.tile,
            corner,
            Some(size),
            scale,
            d.opacity,
            z,
        );
    }
}

/// One tile, standing on `corner` (the map's pixels, y down), `size` pixels of the map (its
/// tileset's tile size when `None`).
#[allow(clippy::too_many_arguments)]
fn spawn_tile(
    commands: &mut Commands,
    map: &HallMap,
    sheets: &[Sheet],
    tile: TileRef,
    corner: Vec2,
    size: Option<Vec2>,
    scale: Vec2,
    alpha: f32,
    z: f32,
) {
    let (Some(ts), Some(sheet)) = (
        map.tilesets.get(tile.tileset as usize),
        sheets.get(tile.tileset as usize),
    ) else {
        return;
    };
    let native = tile_size(ts, tile.index);
    let size = size.unwrap_or(native);
    let at = corner + Vec2::new(ts.offset.0 as f32, ts.offset.1 as f32);
    // Diagonally flipped, the picture is laid on its side: its footprint swaps width and
    // height (as Tiled draws it).
    let footprint = if tile.flip_d {
        Vec2::new(size.y, size.x)
    } else {
        size
    };
    let centre_px = Vec2::new(at.x + footprint.x / 2.0, at.y - footprint.y / 2.0);
    let centre = Vec2::new(centre_px.x * scale.x, -centre_px.y * scale.y);
    let Some(picture) = picture(ts, sheet, tile.index) else {
        return;
    };
    let mut sprite = match &picture {
        Picture::Sheet(index) => match sheet {
            Sheet::Grid { image, layout } => Sprite::from_atlas_image(
                image.clone(),
                TextureAtlas {
                    layout: layout.clone(),
                    index: *index,
                },
            ),
            Sheet::Collection(_) => return,
        },
        Picture::Image(handle) => Sprite::from_image(handle.clone()),
    };
    // Tiled: a diagonal flip is a quarter turn clockwise of the picture flipped vertically
    // (and its horizontal and vertical flips trade places).
    let (flip_x, flip_y, turn) = if tile.flip_d {
        (tile.flip_v, !tile.flip_h, -std::f32::consts::FRAC_PI_2)
    } else {
        (tile.flip_h, tile.flip_v, 0.0)
    };
    sprite.flip_x = flip_x;
    sprite.flip_y = flip_y;
    // The picture's own axes: on its side, its width ends up along the screen's height.
    sprite.custom_size = Some(if tile.flip_d {
        Vec2::new(size.x * scale.y, size.y * scale.x)
    } else {
        Vec2::new(size.x * scale.x, size.y * scale.y)
    });
    sprite.color = Color::srgba(1.0, 1.0, 1.0, alpha);
    let mut entity = commands.spawn((
        sprite,
        Transform::from_translation(centre.extend(z)).with_rotation(Quat::from_rotation_z(turn)),
        HallPart,
    ));
    if let Some(frames) = ts.animations.get(&tile.index) {
        let pictures: Vec<Picture> = frames
            .iter()
            .filter_map(|f| self::picture(ts, sheet, f.tile))
            .collect();
        if pictures.len() == frames.len() {
            entity.insert(Animated {
                frames: frames.clone(),
                total_ms: frames.iter().map(|f| f.ms).sum::<u32>().max(1),
                pictures,
            });
        }
    }
}

/// The size of a tile's picture in the map's pixels.
fn tile_size(ts: &Tileset, index: u32) -> Vec2 {
    match &ts.images {
        TileImages::Collection(tiles) => tiles
            .get(&index)
            .filter(|t| t.width > 0 && t.height > 0)
            .map(|t| Vec2::new(t.width as f32, t.height as f32))
            .unwrap_or(Vec2::new(ts.tile_width as f32, ts.tile_height as f32)),
        TileImages::Sheet { .. } => Vec2::new(ts.tile_width as f32, ts.tile_height as f32),
    }
}

fn picture(ts: &Tileset, sheet: &Sheet, index: u32) -> Option<Picture> {
    match sheet {
        Sheet::Grid { .. } => (index < ts.tile_count).then_some(Picture::Sheet(index as usize)),
        Sheet::Collection(handles) => handles.get(&index).cloned().map(Picture::Image),
    }
}

/// Animated tiles show the frame of the moment (the same for every tile of a kind).
pub(super) fn animate(time: Res<Time>, mut tiles: Query<(&Animated, &mut Sprite)>) {
    let now = time.elapsed().as_millis() as u64;
    for (anim, mut sprite) in &mut tiles {
        let mut t = (now % anim.total_ms as u64) as u32;
        let mut k = 0;
        for (i, f) in anim.frames.iter().enumerate() {
            if t < f.ms {
                k = i;
                break;
            }
            t -= f.ms;
        }
        match &anim.pictures[k] {
            Picture::Sheet(index) => {
                if let Some(atlas) = sprite.texture_atlas.as_mut()
                    && atlas.index != *index
                {
                    atlas.index = *index;
                }
            }
            Picture::Image(handle) => {
                if sprite.image != *handle {
                    sprite.image = handle.clone();
                }
            }
        }
    }
}
