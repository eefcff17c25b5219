//! Maps drawn for WorkAdventure, read as Madang's (see the table in `docs/maps.md`):
//!
//! - arrivals: the tiles of a layer named `start` or with `startLayer`, and `area` objects with
//!   `start`;
//! - `area` objects (and tile layers) with `jitsiRoom` become discussion areas named after the
//!   room, `silent` ones areas where proximity talk is off, `exitUrl` to another map of the expo
//!   a door (`map.tmj#entry` names the map and its arrival), `openWebsite` a link kiosk;
//! - layers after the object layer named `floorLayer` are drawn over the people (see `read`).
//!
//! What has no Madang meaning (scripts, variables, Jitsi's settings, sounds) is kept as a note.
//! Property names are matched without regard to case, as WorkAdventure does.

use tiled::{Properties, PropertyValue};

use super::objects::{Grid, object_rect, web_address};
use super::{
    Bilingual, HallMap, LinkKiosk, Place, Portal, PrivateArea, Rect, Report, SilentArea, Spawn,
};

/// How many people a meeting room read from `jitsiRoom` takes, unless it says (`capacity`).
pub const MEETING_ROOM_CAPACITY: u32 = 64;

/// The properties of an area (or a zone layer) that Madang reads.
const READ: [&str; 8] = [
    "start",
    "startlayer",
    "jitsiroom",
    "silent",
    "exiturl",
    "openwebsite",
    "openwebsitetriggermessage",
    "capacity",
];

/// Where an `exitUrl` leads inside the expo: a map (by hall id) and an arrival in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitTarget {
    pub map: String,
    /// The entry's name; empty for the map's first spawn.
    pub entry: String,
}

/// Reads an `exitUrl`: a map beside this one (`conference.tmj#from-office`, `../b.json`), or
/// `None` for an address outside the expo (another server, `/_/global/…`, `/@/…`).
pub fn exit_target(url: &str) -> Option<ExitTarget> {
    let url = url.trim();
    if url.is_empty() || url.contains("://") || url.starts_with('/') || url.starts_with('?') {
        return None;
    }
    let (path, hash) = url.split_once('#').unwrap_or((url, ""));
    let path = path.split('?').next().unwrap_or(path);
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file
        .strip_suffix(".tmj")
        .or_else(|| file.strip_suffix(".tmx"))
        .or_else(|| file.strip_suffix(".json"))?;
    if stem.is_empty() {
        return None;
    }
    // The entry is the first part of the hash that is not a `key=value`.
    let entry = hash
        .split('&')
        .find(|p| !p.is_empty() && !p.contains('='))
        .unwrap_or("");
    Some(ExitTarget {
        map: stem.to_owned(),
        entry: entry.to_owned(),
    })
}

/// A property by name, without regard to case.
fn prop<'p>(props: &'p Properties, key: &str) -> Option<&'p PropertyValue> {
    props
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn prop_str(props: &Properties, key: &str) -> Option<String> {
    match prop(props, key)? {
        PropertyValue::StringValue(s) | PropertyValue::FileValue(s) if !s.trim().is_empty() => {
            Some(s.trim().to_owned())
        }
        _ => None,
    }
}

fn prop_true(props: &Properties, key: &str) -> bool {
    match prop(props, key) {
        Some(PropertyValue::BoolValue(b)) => *b,
        Some(PropertyValue::StringValue(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Whether a layer or area carries one of the properties read here.
pub(super) fn is_zone(props: &Properties) -> bool {
    ["jitsiRoom", "silent", "exitUrl", "openWebsite"]
        .iter()
        .any(|k| prop(props, k).is_some())
}

/// Whether a tile layer marks arrivals: named `start` (in any group), or `startLayer`.
pub(super) fn is_start_layer(name: &str, props: &Properties) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    last.eq_ignore_ascii_case("start")
        || prop_true(props, "startLayer")
        || prop_true(props, "start")
}

/// The properties left unread, for a note.
fn unread(props: &Properties) -> Vec<String> {
    let mut keys: Vec<String> = props
        .keys()
        .filter(|k| !READ.contains(&k.to_ascii_lowercase().as_str()))
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// What an area or zone layer stands for, added to the hall under `name`.
struct Zone<'a> {
    object_id: u32,
    name: &'a str,
    place: Place,
}

/// Reads one WorkAdventure `area` (or legacy `zone`) object.
pub(super) fn read_area(
    object: &tiled::Object<'_>,
    grid: &Grid,
    hall: &mut HallMap,
    report: &mut Report<'_>,
) {
    let place = Place::Object {
        id: object.id(),
        name: object.name.clone(),
    };
    let Some(rect) = object_rect(object, grid) else {
        report.note(place, "an area that is not a rectangle is kept aside");
        return;
    };
    let props = &object.properties;
    let zone = Zone {
        object_id: object.id(),
        name: object.name.trim(),
        place: place.clone(),
    };
    let mut used = false;
    if prop_true(props, "start") {
        used = true;
        let name = if zone.name.is_empty() {
            "start"
        } else {
            zone.name
        };
        hall.spawns.push(Spawn {
            object_id: object.id(),
            name: name.to_owned(),
            pos: rect.center(),
        });
    }
    used |= add_zone(props, &[rect], &zone, hall, report);
    let rest = unread(props);
    if !rest.is_empty() {
        report.note(
            place,
            format!(
                "WorkAdventure's {} ha{} no meaning in Madang and {} kept aside",
                rest.join(", "),
                if rest.len() == 1 { "s" } else { "ve" },
                if rest.len() == 1 { "is" } else { "are" }
            ),
        );
    } else if !used {
        report.note(place, "an area with nothing Madang reads is kept aside");
    }
}

/// Reads a tile layer that WorkAdventure's older convention makes a zone: its properties apply
/// wherever it has a tile (`rects`, the painted tiles gathered into rectangles).
pub(super) fn read_zone_layer(
    name: &str,
    props: &Properties,
    rects: &[Rect],
    hall: &mut HallMap,
    report: &mut Report<'_>,
) {
    if rects.is_empty() {
        return;
    }
    let place = Place::Layer {
        name: name.to_owned(),
    };
    let zone = Zone {
        object_id: 0,
        name: name.rsplit('/').next().unwrap_or(name),
        place: place.clone(),
    };
    add_zone(props, rects, &zone, hall, report);
    let rest: Vec<String> = unread(props)
        .into_iter()
        .filter(|k| !k.eq_ignore_ascii_case("above"))
        .collect();
    if !rest.is_empty() {
        report.note(
            place,
            format!("WorkAdventure's {} kept aside", rest.join(", ")),
        );
    }
}

/// Adds what a zone's properties say, over `rects`. True when anything was read.
fn add_zone(
    props: &Properties,
    rects: &[Rect],
    zone: &Zone<'_>,
    hall: &mut HallMap,
    report: &mut Report<'_>,
) -> bool {
    let mut used = false;
    if let Some(room) = prop_str(props, "jitsiRoom") {
        used = true;
        let capacity = match prop(props, "capacity") {
            Some(PropertyValue::IntValue(c)) if (1..=1024).contains(c) => *c as u32,
            _ => MEETING_ROOM_CAPACITY,
        };
        for (i, rect) in rects.iter().enumerate() {
            let base = if i == 0 {
                room.clone()
            } else {
                format!("{room}-{}", i + 1)
            };
            // Ids are unique in a hall: a second room of the same name gets a number.
            let mut id = base.clone();
            let mut n = 2;
            while hall.private_areas.iter().any(|a| a.id == id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            hall.private_areas.push(PrivateArea {
                object_id: zone.object_id,
                rect: *rect,
                id,
                name: Bilingual::both(room.clone()),
                capacity,
            });
        }
        if rects.len() > 1 {
            report.note(
                zone.place.clone(),
                format!(
                    "the meeting room `{room}` is painted in {} separate places: each is a \
                     discussion area of its own",
                    rects.len()
                ),
            );
        }
    }
    if prop_true(props, "silent") {
        used = true;
        for rect in rects {
            hall.silent_areas.push(SilentArea {
                object_id: zone.object_id,
                rect: *rect,
            });
        }
    }
    if let Some(url) = prop_str(props, "exitUrl") {
        used = true;
        match exit_target(&url) {
            Some(target) => {
                for rect in rects {
                    hall.portals.push(Portal {
                        object_id: zone.object_id,
                        object_name: zone.name.to_owned(),
                        rect: *rect,
                        to_map: target.map.clone(),
                        to_spawn: target.entry.clone(),
                        name: Bilingual::default(),
                        optional: true,
                    });
                }
            }
            None => report.note(
                zone.place.clone(),
                format!("the exit to `{url}` leads outside this expo's maps and is kept aside"),
            ),
        }
    }
    if let Some(url) = prop_str(props, "openWebsite") {
        used = true;
        match web_address(&url) {
            Ok(url) => {
                let title = prop_str(props, "openWebsiteTriggerMessage")
                    .or_else(|| (!zone.name.is_empty()).then(|| zone.name.to_owned()))
                    .unwrap_or_else(|| url.clone());
                for rect in rects {
                    hall.link_kiosks.push(LinkKiosk {
                        object_id: zone.object_id,
                        rect: *rect,
                        title: Bilingual::both(title.clone()),
                        url: url.clone(),
                    });
                }
            }
            Err(why) => report.note(
                zone.place.clone(),
                format!(
                    "the website is kept aside: {why} (a page beside the map cannot be opened)"
                ),
            ),
        }
    }
    used
}

/// A start layer's arrival: the painted tile nearest the middle of them all.
pub(super) fn start_spawn(name: &str, tiles: &[(u32, u32)]) -> Option<Spawn> {
    if tiles.is_empty() {
        return None;
    }
    let n = tiles.len() as f32;
    let (sx, sy) = tiles.iter().fold((0.0, 0.0), |(x, y), &(tx, ty)| {
        (x + tx as f32, y + ty as f32)
    });
    let mid = (sx / n, sy / n);
    let &(x, y) = tiles.iter().min_by(|a, b| {
        let d = |t: &(u32, u32)| (t.0 as f32 - mid.0).powi(2) + (t.1 as f32 - mid.1).powi(2);
        d(a).total_cmp(&d(b)).then(a.cmp(b))
    })?;
    let last = name.rsplit('/').next().unwrap_or(name);
    Some(Spawn {
        object_id: 0,
        name: last.to_owned(),
        pos: glam::Vec2::new(x as f32 + 0.5, y as f32 + 0.5),
    })
}

/// Painted tiles gathered into rectangles: runs along each row, and runs of the same columns
/// in the rows below joined into one.
pub(super) fn rects_of(tiles: &[(u32, u32)]) -> Vec<Rect> {
    let mut sorted = tiles.to_vec();
    sorted.sort_by_key(|&(x, y)| (y, x));
    sorted.dedup();
    // (y, x0, x1) runs.
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    for (x, y) in sorted {
        match runs.last_mut() {
            Some((ry, _, x1)) if *ry == y && *x1 == x => *x1 = x + 1,
            _ => runs.push((y, x, x + 1)),
        }
    }
    // Open rectangles: (x0, x1, y0, y1).
    let mut done: Vec<(u32, u32, u32, u32)> = Vec::new();
    let mut open: Vec<(u32, u32, u32, u32)> = Vec::new();
    for (y, x0, x1) in runs {
        let (keep, close): (Vec<_>, Vec<_>) = open.into_iter().partition(|r| r.3 == y);
        done.extend(close);
        open = keep;
        match open.iter_mut().find(|r| r.0 == x0 && r.1 == x1) {
            Some(r) => r.3 = y + 1,
            None => open.push((x0, x1, y, y + 1)),
        }
    }
    done.extend(open);
    done.sort_by_key(|r| (r.2, r.0));
    done.into_iter()
        .map(|(x0, x1, y0, y1)| Rect {
            x: x0 as f32,
            y: y0 as f32,
            w: (x1 - x0) as f32,
            h: (y1 - y0) as f32,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_to_maps_of_the_expo_name_the_map_and_its_entry() {
        let t = |map: &str, entry: &str| {
            Some(ExitTarget {
                map: map.into(),
                entry: entry.into(),
            })
        };
        assert_eq!(
            exit_target("conference.tmj#from-office"),
            t("conference", "from-office")
        );
        assert_eq!(exit_target("maps/b.json"), t("b", ""));
        assert_eq!(
            exit_target("../hall.tmx#plaza&moveTo=3,4"),
            t("hall", "plaza")
        );
        assert_eq!(exit_target("other.tmj#moveTo=door"), t("other", ""));
        for outside in [
            "https://play.workadventu.re/_/global/x/map.tmj",
            "/_/global/example.org/map.tmj",
            "/@/org/world/room",
            "readme.txt",
            "",
        ] {
            assert_eq!(exit_target(outside), None, "{outside}");
        }
    }

    #[test]
    fn painted_tiles_become_rectangles() {
        // Two rows of three, and one tile apart.
        let tiles = [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2), (3, 2), (6, 4)];
        let r = |x: f32, y: f32, w: f32, h: f32| Rect { x, y, w, h };
        assert_eq!(
            rects_of(&tiles),
            vec![r(1.0, 1.0, 3.0, 2.0), r(6.0, 4.0, 1.0, 1.0)]
        );
        // An L: a row of three, then one below its first tile.
        assert_eq!(
            rects_of(&[(0, 0), (1, 0), (2, 0), (0, 1)]),
            vec![r(0.0, 0.0, 3.0, 1.0), r(0.0, 1.0, 1.0, 1.0)]
        );
    }

    #[test]
    fn a_start_layer_arrives_in_its_middle() {
        let s = start_spawn("floor/start", &[(2, 2), (3, 2), (4, 2)]).expect("a spawn");
        assert_eq!(s.name, "start");
        assert_eq!(s.pos, glam::Vec2::new(3.5, 2.5));
    }
}
