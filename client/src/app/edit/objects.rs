//! The hall's objects as the editor sees them: id, class, rectangle, and the properties a
//! person edits for that class.

use std::path::Path;

use madang_shared::map::{HallMap, Lang, Rect as TileRect};

/// One object of the map, as the editor sees it.
pub(super) struct Object {
    pub id: u32,
    pub class: &'static str,
    pub rect: TileRect,
    /// A point (a spawn): moved, never resized.
    pub point: bool,
    pub props: Vec<(&'static str, String)>,
}

impl Object {
    pub fn prop(&self, key: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// What it is called in a question: its title, else its class and id.
    pub fn name(&self, lang: Lang) -> String {
        match self.prop("title").filter(|t| !t.is_empty()) {
            Some(t) => t.to_owned(),
            None => format!(
                "{} #{}",
                super::super::i18n::class_name(lang, self.class),
                self.id
            ),
        }
    }
}

/// How a property is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    /// One of the expo's themes.
    Theme,
    /// A number of seats, from [`CAPACITIES`].
    Capacity,
}

/// Every property the editor shows, in the panel's order, and how each is edited.
pub(super) const FIELDS: [(&str, Kind); 13] = [
    ("title", Kind::Text),
    ("title_en", Kind::Text),
    ("org", Kind::Text),
    ("org_en", Kind::Text),
    ("description", Kind::Text),
    ("description_en", Kind::Text),
    ("theme", Kind::Theme),
    ("images", Kind::Text),
    ("video", Kind::Text),
    ("schedule", Kind::Text),
    ("capacity", Kind::Capacity),
    ("to_map", Kind::Text),
    ("to_spawn", Kind::Text),
];

/// The seat counts offered for a discussion table.
pub(super) const CAPACITIES: [u32; 10] = [2, 4, 6, 8, 10, 12, 16, 20, 30, 50];

/// A path as the map names it: relative to the map's folder (`../photos/a.png`).
fn relative(path: &Path, base: &Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out.to_string_lossy().into_owned()
}

fn titled(ko: &str, en: &str) -> Vec<(&'static str, String)> {
    vec![("title", ko.to_owned()), ("title_en", en.to_owned())]
}

/// The hall's objects, in the map's order.
pub(super) fn objects(map: &HallMap) -> Vec<Object> {
    let base = map.source.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    let mut push = |id, class, rect, props| {
        out.push(Object {
            id,
            class,
            rect,
            point: false,
            props,
        })
    };
    for b in &map.booths {
        let mut props = titled(&b.title.ko, &b.title.en);
        props.extend([
            ("org", b.org.ko.clone()),
            ("org_en", b.org.en.clone()),
            ("description", b.description.ko.clone()),
            ("description_en", b.description.en.clone()),
            ("theme", b.theme.id().to_owned()),
        ]);
        push(b.object_id, "booth", b.rect, props);
    }
    for k in &map.photo_kiosks {
        let images = k
            .images
            .iter()
            .map(|p| relative(p, base))
            .collect::<Vec<_>>()
            .join(", ");
        let mut props = titled(&k.title.ko, &k.title.en);
        props.push(("images", images));
        push(k.object_id, "photo_kiosk", k.rect, props);
    }
    for k in &map.video_kiosks {
        let mut props = titled(&k.title.ko, &k.title.en);
        props.push(("video", relative(&k.video, base)));
        props.push(("schedule", k.schedule.clone().unwrap_or_default()));
        push(k.object_id, "video_kiosk", k.rect, props);
    }
    for a in &map.private_areas {
        let mut props = titled(&a.name.ko, &a.name.en);
        props.push(("capacity", a.capacity.to_string()));
        push(a.object_id, "private_area", a.rect, props);
    }
    for s in &map.spotlights {
        push(
            s.object_id,
            "spotlight",
            s.rect,
            titled(&s.name.ko, &s.name.en),
        );
    }
    for p in &map.portals {
        let mut props = titled(&p.name.ko, &p.name.en);
        props.push(("to_map", p.to_map.clone()));
        props.push(("to_spawn", p.to_spawn.clone()));
        push(p.object_id, "portal", p.rect, props);
    }
    for s in &map.spawns {
        out.push(Object {
            id: s.object_id,
            class: "spawn",
            rect: TileRect {
                x: s.pos.x,
                y: s.pos.y,
                w: 0.0,
                h: 0.0,
            },
            point: true,
            props: Vec::new(),
        });
    }
    out
}

/// The object with this id.
pub(super) fn find(map: &HallMap, id: u32) -> Option<Object> {
    objects(map).into_iter().find(|o| o.id == id)
}

/// The object of `all` a click at `p` (tiles) picks: a spawn within half a tile, else the
/// smallest object under it.
pub(super) fn pick(all: &[Object], p: madang_shared::Vec2) -> Option<&Object> {
    let spawn = all
        .iter()
        .filter(|o| o.point)
        .map(|o| (o, (o.rect.x - p.x).powi(2) + (o.rect.y - p.y).powi(2)))
        .filter(|(_, d)| *d <= 0.25)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(o, _)| o);
    spawn.or_else(|| {
        all.iter()
            .filter(|o| !o.point && o.rect.contains(p))
            .min_by(|a, b| (a.rect.w * a.rect.h).total_cmp(&(b.rect.w * b.rect.h)))
    })
}

/// The next free discussion-table id (`table-N`).
pub(super) fn free_table_id(map: &HallMap) -> String {
    (1..)
        .map(|n| format!("table-{n}"))
        .find(|id| !map.private_areas.iter().any(|a| &a.id == id))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every class the editor knows.
    const CLASSES: [&str; 7] = [
        "booth",
        "photo_kiosk",
        "video_kiosk",
        "private_area",
        "spotlight",
        "portal",
        "spawn",
    ];

    #[test]
    fn every_field_and_class_the_editor_shows_has_a_name_in_both_languages() {
        use super::super::super::i18n::{class_name, field_label};
        for lang in [Lang::Ko, Lang::En] {
            let fallback_field = field_label(lang, "?");
            for (f, _) in FIELDS {
                let l = field_label(lang, f);
                assert_ne!(l, fallback_field, "{f}");
                assert_ne!(l, f, "{f} is worded, not shown as its key");
            }
            let fallback_class = class_name(lang, "?");
            for c in CLASSES {
                assert_ne!(class_name(lang, c), fallback_class, "{c}");
            }
        }
    }

    #[test]
    fn each_class_shows_its_own_fields() {
        let map = madang_shared::map::load_hall(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/maps/hall.tmx"),
        )
        .expect("the demo hall loads");
        let all = objects(&map);
        let booth = all.iter().find(|o| o.class == "booth").unwrap();
        for key in ["title", "org", "description", "description_en", "theme"] {
            assert!(booth.prop(key).is_some(), "a booth has {key}");
        }
        assert!(booth.prop("capacity").is_none());
        let spawn = all.iter().find(|o| o.class == "spawn").unwrap();
        assert!(spawn.point && spawn.props.is_empty());
        assert_eq!(
            pick(
                &all,
                madang_shared::Vec2::new(spawn.rect.x + 0.2, spawn.rect.y)
            )
            .map(|o| o.id),
            Some(spawn.id)
        );
        let id = free_table_id(&map);
        assert!(!map.private_areas.iter().any(|a| a.id == id));
    }
}
