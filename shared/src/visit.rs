//! What a visitor is at: the booth they stand in, or the kiosk within reach, and the tile to
//! walk to when the directory sends them to a booth.
//!
//! A kiosk whose centre lies inside a booth belongs to that booth: the booth's panel shows its
//! photos and video. Kiosks outside booths (the lobby's gallery, the hall's broadcast screen)
//! open on their own.

use glam::Vec2;

use crate::map::{Booth, HallMap, PhotoKiosk, Rect, VideoKiosk};
use crate::path::{Tile, find_path, tile_center, tile_of};
use crate::rules::Blocking;

/// How near a kiosk's area (in tiles, from the avatar's centre) one must stand to open it.
pub const KIOSK_REACH: f32 = 1.6;

/// Something a visitor can open: a booth or kiosk by its map object id, a link kiosk by its
/// place in the hall's list (those read from a WorkAdventure layer share one object id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visit {
    Booth(u32),
    Gallery(u32),
    Screen(u32),
    Link(u32),
    /// A document kiosk outside a booth, by its object id.
    Documents(u32),
}

/// The distance from `p` to the nearest point of `r` (0 inside).
pub fn distance_to(r: &Rect, p: Vec2) -> f32 {
    let dx = (r.x - p.x).max(p.x - (r.x + r.w)).max(0.0);
    let dy = (r.y - p.y).max(p.y - (r.y + r.h)).max(0.0);
    (dx * dx + dy * dy).sqrt()
}

impl HallMap {
    /// The booth whose area holds `p`.
    pub fn booth_at(&self, p: Vec2) -> Option<&Booth> {
        self.booths.iter().find(|b| b.rect.contains(p))
    }

    /// The booth a kiosk stands in, if any.
    pub fn booth_of(&self, kiosk: &Rect) -> Option<&Booth> {
        self.booth_at(kiosk.center())
    }

    /// The photo kiosks standing in a booth.
    pub fn galleries_of<'a>(&'a self, booth: &'a Booth) -> impl Iterator<Item = &'a PhotoKiosk> {
        self.photo_kiosks
            .iter()
            .filter(|k| booth.rect.contains(k.rect.center()))
    }

    /// The video kiosks standing in a booth.
    pub fn screens_of<'a>(&'a self, booth: &'a Booth) -> impl Iterator<Item = &'a VideoKiosk> {
        self.video_kiosks
            .iter()
            .filter(|k| booth.rect.contains(k.rect.center()))
    }

    /// Every document a booth shows: its own list, then its document kiosks'.
    pub fn documents_of(&self, booth: &Booth) -> Vec<std::path::PathBuf> {
        let mut out = booth.documents.clone();
        for k in self
            .document_kiosks
            .iter()
            .filter(|k| booth.rect.contains(k.rect.center()))
        {
            for d in &k.documents {
                if !out.contains(d) {
                    out.push(d.clone());
                }
            }
        }
        out
    }

    /// What a visitor at `p` can open: the booth they stand in, else the nearest kiosk (not in
    /// a booth) within [`KIOSK_REACH`].
    pub fn visit_at(&self, p: Vec2) -> Option<Visit> {
        if let Some(b) = self.booth_at(p) {
            return Some(Visit::Booth(b.object_id));
        }
        let galleries = self
            .photo_kiosks
            .iter()
            .filter(|k| self.booth_of(&k.rect).is_none())
            .map(|k| (distance_to(&k.rect, p), Visit::Gallery(k.object_id)));
        let screens = self
            .video_kiosks
            .iter()
            .filter(|k| self.booth_of(&k.rect).is_none())
            .map(|k| (distance_to(&k.rect, p), Visit::Screen(k.object_id)));
        let links = self
            .link_kiosks
            .iter()
            .enumerate()
            .map(|(i, k)| (distance_to(&k.rect, p), Visit::Link(i as u32)));
        let documents = self
            .document_kiosks
            .iter()
            .filter(|k| self.booth_of(&k.rect).is_none())
            .map(|k| (distance_to(&k.rect, p), Visit::Documents(k.object_id)));
        galleries
            .chain(screens)
            .chain(links)
            .chain(documents)
            .filter(|(d, _)| *d <= KIOSK_REACH)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, v)| v)
    }

    /// The walkable tile of a booth nearest its centre: where the directory walks people to.
    pub fn booth_approach(&self, booth: &Booth) -> Option<Tile> {
        let c = booth.rect.center();
        booth
            .rect
            .tiles()
            .filter(|&(x, y)| !self.collision.blocked(x, y))
            .min_by(|&a, &b| {
                let da = tile_center(a).distance_squared(c);
                let db = tile_center(b).distance_squared(c);
                da.total_cmp(&db).then(a.cmp(&b))
            })
    }

    /// The free place nearest `p` where an avatar fits (the centre of a tile), searching
    /// outwards tile by tile: where someone goes when a wall appears where they stand.
    pub fn nearest_free(&self, p: Vec2) -> Option<Vec2> {
        use crate::rules::overlaps_blocked;
        if p.x.is_finite() && p.y.is_finite() && !overlaps_blocked(&self.collision, p) {
            return Some(p);
        }
        let start = tile_of(p);
        let limit = (self.width.max(self.height) as i32).max(1);
        for r in 0..=limit {
            let mut best: Option<(f32, Vec2)> = None;
            for dy in -r..=r {
                for dx in -r..=r {
                    if dx.abs() != r && dy.abs() != r {
                        continue;
                    }
                    let c = tile_center((start.0 + dx, start.1 + dy));
                    if !overlaps_blocked(&self.collision, c) {
                        let d = c.distance_squared(p);
                        if best.is_none_or(|(bd, _)| d < bd) {
                            best = Some((d, c));
                        }
                    }
                }
            }
            if let Some((_, c)) = best {
                return Some(c);
            }
        }
        None
    }

    /// The way from `from` into a booth, tile by tile, or `None` when it cannot be reached.
    pub fn path_to_booth(&self, from: Vec2, booth: &Booth) -> Option<Vec<Tile>> {
        find_path(&self.collision, tile_of(from), self.booth_approach(booth)?)
    }

    /// What a click at `p` points at: the kiosk under it, else the booth, else nothing (the
    /// floor).
    pub fn clicked(&self, p: Vec2) -> Option<Visit> {
        let gallery = self
            .photo_kiosks
            .iter()
            .find(|k| k.rect.contains(p))
            .map(|k| (k.rect, Visit::Gallery(k.object_id)));
        let screen = self
            .video_kiosks
            .iter()
            .find(|k| k.rect.contains(p))
            .map(|k| (k.rect, Visit::Screen(k.object_id)));
        let link = self
            .link_kiosks
            .iter()
            .position(|k| k.rect.contains(p))
            .map(|i| Visit::Link(i as u32));
        if let Some(link) = link {
            return Some(link);
        }
        let documents = self
            .document_kiosks
            .iter()
            .find(|k| k.rect.contains(p))
            .map(|k| (k.rect, Visit::Documents(k.object_id)));
        match gallery.or(screen).or(documents) {
            // A kiosk in a booth opens with its booth.
            Some((rect, v)) => Some(
                self.booth_of(&rect)
                    .map(|b| Visit::Booth(b.object_id))
                    .unwrap_or(v),
            ),
            None => self.booth_at(p).map(|b| Visit::Booth(b.object_id)),
        }
    }

    /// The way from `from` to where `visit` opens: into a booth, or to the free tile nearest a
    /// kiosk within its reach.
    pub fn path_to_visit(&self, from: Vec2, visit: Visit) -> Option<Vec<Tile>> {
        let kiosk = match visit {
            Visit::Booth(id) => {
                let booth = self.booths.iter().find(|b| b.object_id == id)?;
                return self.path_to_booth(from, booth);
            }
            Visit::Gallery(id) => self.photo_kiosks.iter().find(|k| k.object_id == id)?.rect,
            Visit::Screen(id) => self.video_kiosks.iter().find(|k| k.object_id == id)?.rect,
            Visit::Link(i) => self.link_kiosks.get(i as usize)?.rect,
            Visit::Documents(id) => {
                self.document_kiosks
                    .iter()
                    .find(|k| k.object_id == id)?
                    .rect
            }
        };
        let start = tile_of(from);
        let reach = KIOSK_REACH.ceil() as i32 + 1;
        let (x0, y0) = tile_of(Vec2::new(kiosk.x, kiosk.y));
        let (x1, y1) = tile_of(Vec2::new(kiosk.x + kiosk.w, kiosk.y + kiosk.h));
        let mut goals: Vec<Tile> = ((y0 - reach)..=(y1 + reach))
            .flat_map(|y| ((x0 - reach)..=(x1 + reach)).map(move |x| (x, y)))
            .filter(|&(x, y)| !self.collision.blocked(x, y))
            .filter(|&t| distance_to(&kiosk, tile_center(t)) <= KIOSK_REACH - 0.1)
            .collect();
        // The nearest of them to where the visitor is (then a fixed order), tried in turn
        // until one can be reached.
        goals.sort_by(|&a, &b| {
            let da = tile_center(a).distance_squared(from);
            let db = tile_center(b).distance_squared(from);
            da.total_cmp(&db).then(a.cmp(&b))
        });
        goals
            .into_iter()
            .take(8)
            .find_map(|g| find_path(&self.collision, start, g))
    }

    /// The way from `from` to the tile at `p`, or to the free tile nearest it when `p` is in a
    /// wall or off the map.
    pub fn path_to_point(&self, from: Vec2, p: Vec2) -> Option<Vec<Tile>> {
        let goal = tile_of(self.nearest_free(p)?);
        find_path(&self.collision, tile_of(from), goal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::{Bilingual, CollisionGrid, Theme};
    use std::path::PathBuf;

    fn rect(x: f32, y: f32, w: f32, h: f32) -> Rect {
        Rect { x, y, w, h }
    }

    fn hall() -> HallMap {
        let mut collision = CollisionGrid::new(30, 20);
        // A wall down column 10 with a gap at row 15.
        for y in 0..20 {
            if y != 15 {
                collision.set_blocked(10, y, true);
            }
        }
        // The booth's back desk.
        for x in 12..20 {
            collision.set_blocked(x, 2, true);
        }
        HallMap {
            collision,
            booths: vec![Booth {
                object_id: 1,
                rect: rect(12.0, 2.0, 8.0, 5.0),
                org: Bilingual::default(),
                title: Bilingual::default(),
                description: Bilingual::default(),
                theme: Theme::SocialValue,
                ballot: None,
                documents: Vec::new(),
            }],
            photo_kiosks: vec![
                PhotoKiosk {
                    object_id: 2,
                    rect: rect(13.0, 2.0, 2.0, 1.0),
                    title: Bilingual::default(),
                    images: vec![],
                    captions: vec![],
                },
                PhotoKiosk {
                    object_id: 3,
                    rect: rect(2.0, 0.0, 3.0, 1.0),
                    title: Bilingual::default(),
                    images: vec![],
                    captions: vec![],
                },
            ],
            video_kiosks: vec![VideoKiosk {
                object_id: 4,
                rect: rect(6.0, 0.0, 2.0, 1.0),
                title: Bilingual::default(),
                video: PathBuf::new(),
                schedule: None,
            }],
            ..HallMap::empty("t", 30, 20)
        }
    }

    #[test]
    fn standing_in_a_booth_opens_the_booth_and_its_kiosks_belong_to_it() {
        let h = hall();
        assert_eq!(h.visit_at(Vec2::new(14.0, 5.0)), Some(Visit::Booth(1)));
        let booth = &h.booths[0];
        let galleries: Vec<u32> = h.galleries_of(booth).map(|k| k.object_id).collect();
        assert_eq!(galleries, vec![2]);
        assert_eq!(h.screens_of(booth).count(), 0);
    }

    #[test]
    fn the_nearest_free_standing_kiosk_within_reach_opens() {
        let h = hall();
        // 1 tile below the gallery, 3.5 from the screen.
        assert_eq!(h.visit_at(Vec2::new(3.0, 2.0)), Some(Visit::Gallery(3)));
        // Between them, nearer the screen.
        assert_eq!(h.visit_at(Vec2::new(5.8, 1.5)), Some(Visit::Screen(4)));
        // Out of reach of both.
        assert_eq!(h.visit_at(Vec2::new(4.0, 6.0)), None);
        // The booth's own gallery does not open from outside the booth.
        assert_eq!(h.visit_at(Vec2::new(14.0, 1.0)), None);
    }

    #[test]
    fn the_directory_walks_around_walls_into_the_booth() {
        let h = hall();
        let booth = &h.booths[0];
        let goal = h.booth_approach(booth).unwrap();
        assert!(booth.rect.contains(tile_center(goal)));
        assert!(!h.collision.blocked(goal.0, goal.1));
        let path = h.path_to_booth(Vec2::new(3.5, 3.5), booth).unwrap();
        assert_eq!(*path.last().unwrap(), goal);
        assert!(path.contains(&(10, 15)), "through the gap in the wall");
        assert!(path.iter().all(|&(x, y)| !h.collision.blocked(x, y)));
    }

    #[test]
    fn someone_in_a_new_wall_goes_to_the_nearest_free_tile() {
        let h = hall();
        // Column 10 is a wall (but for row 15).
        let p = Vec2::new(10.5, 4.5);
        let free = h.nearest_free(p).unwrap();
        assert!(!crate::rules::overlaps_blocked(&h.collision, free));
        assert!(free.distance(p) <= 1.01, "{free}");
        let open = Vec2::new(3.5, 3.5);
        assert_eq!(h.nearest_free(open), Some(open), "a free place stays");
    }

    #[test]
    fn a_click_points_at_a_kiosk_a_booth_or_the_floor_and_a_path_leads_there() {
        let h = hall();
        assert_eq!(h.clicked(Vec2::new(3.0, 0.5)), Some(Visit::Gallery(3)));
        assert_eq!(h.clicked(Vec2::new(7.0, 0.5)), Some(Visit::Screen(4)));
        // The booth's own gallery opens with its booth.
        assert_eq!(h.clicked(Vec2::new(14.0, 2.5)), Some(Visit::Booth(1)));
        assert_eq!(h.clicked(Vec2::new(15.0, 5.0)), Some(Visit::Booth(1)));
        assert_eq!(h.clicked(Vec2::new(4.0, 8.0)), None);

        let from = Vec2::new(3.5, 8.5);
        for visit in [Visit::Gallery(3), Visit::Screen(4), Visit::Booth(1)] {
            let path = h.path_to_visit(from, visit).expect("a way there");
            assert!(path.iter().all(|&(x, y)| !h.collision.blocked(x, y)));
            let end = tile_center(*path.last().unwrap());
            assert!(h.visit_at(end).is_some(), "{visit:?}: opens at {end}");
        }
        let end = tile_center(
            *h.path_to_visit(from, Visit::Gallery(3))
                .unwrap()
                .last()
                .unwrap(),
        );
        assert_eq!(h.visit_at(end), Some(Visit::Gallery(3)));

        // The floor: to the tile clicked, or the nearest free one beside a wall.
        let path = h.path_to_point(from, Vec2::new(6.5, 8.5)).unwrap();
        assert_eq!(*path.last().unwrap(), (6, 8));
        let path = h.path_to_point(from, Vec2::new(10.5, 8.5)).unwrap();
        let end = *path.last().unwrap();
        assert!(
            !h.collision.blocked(end.0, end.1) && (end.0 - 10).abs() == 1,
            "{end:?}"
        );
    }

    #[test]
    fn distance_to_a_rectangle() {
        let r = rect(2.0, 2.0, 2.0, 2.0);
        assert_eq!(distance_to(&r, Vec2::new(3.0, 3.0)), 0.0);
        assert_eq!(distance_to(&r, Vec2::new(5.0, 3.0)), 1.0);
        assert!((distance_to(&r, Vec2::new(5.0, 5.0)) - 2f32.sqrt()).abs() < 1e-6);
    }
}
