//! What needs the whole hall: spawns in walls or doors, booths with no floor.

use std::collections::HashSet;

use super::{HallMap, Place, Report};
use crate::rules::{AVATAR_HALF, Blocking, overlaps_blocked};

/// Checks that need the whole hall: walls under spawns and booths, at least one spawn.
pub(super) fn check_hall(hall: &HallMap, report: &mut Report<'_>) {
    if hall.spawns.is_empty() {
        report.file("the map has no spawn (an object of class `spawn`): nobody could arrive");
    }
    let mut names = HashSet::new();
    for spawn in &hall.spawns {
        let place = Place::Object {
            id: spawn.object_id,
            name: spawn.name.clone(),
        };
        if !names.insert(spawn.name.as_str()) {
            report.push(
                place.clone(),
                format!("another spawn is also called `{}`", spawn.name),
            );
        }
        let p = spawn.pos;
        if p.x < AVATAR_HALF
            || p.y < AVATAR_HALF
            || p.x > hall.width as f32 - AVATAR_HALF
            || p.y > hall.height as f32 - AVATAR_HALF
        {
            report.push(place, "the spawn is outside the map");
        } else if overlaps_blocked(&hall.collision, p) {
            report.push(
                place,
                format!(
                    "the spawn is inside a wall at tile ({}, {}): arrivals would be stuck",
                    p.x.floor(),
                    p.y.floor()
                ),
            );
        } else if hall.portal_at(p).is_some() {
            report.push(
                place,
                "the spawn is inside a portal: arrivals would be sent on at once",
            );
        }
    }
    for booth in &hall.booths {
        let walkable = booth
            .rect
            .tiles()
            .filter(|&(x, y)| !hall.collision.blocked(x, y))
            .count();
        if walkable == 0 {
            report.push(
                Place::Object {
                    id: booth.object_id,
                    name: booth.title.ko.clone(),
                },
                "the booth is inside a wall: none of its tiles can be walked on",
            );
        }
    }
}
