//! Live map editing, from Tiled: once a second the server looks at the halls' TMX files, and
//! a changed file that passes every check `check-map` makes (on its own and with the other
//! halls' portals) replaces its hall while everyone stays connected. Clients are sent the new
//! TMX and redraw; anyone now standing in a wall is moved to the nearest free tile; booths and
//! screens still on the map keep their state. A file with problems is refused with them in the
//! log, and the hall stays as it was.
//!
//! Organizers also edit a hall's objects from the client (`MapEdit`): each edit is made to
//! the TMX text (so the file opens in Tiled with the change), checked by the same rules as
//! `check-map` before it is saved, and then taken like any other change of the file. Each
//! organizer can take back their own last edits and make them again, object by object, without
//! undoing anyone else's.

use madang_shared::edit::{Change, ChangeError};
use madang_shared::refusal::Refusal;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use bevy::prelude::*;
use madang_shared::protocol::{MAX_SERVER_MSG_BYTES, ServerMsg, channel};
use madang_shared::rules::overlaps_blocked;
use tracing::{info, warn};

use crate::booth::BoothBook;
use crate::halls::Halls;
use crate::movement::Inputs;
use crate::net::Outbox;
use crate::presence::{Avatar, InHall, Position};
use crate::screen::{Screens, ServerClock};
use crate::{ServerSet, SettingsRes, Tick};

pub(super) fn plugin(app: &mut App) {
    // The files as they were when the halls were loaded: any later change is taken.
    let seen = app
        .world()
        .get_resource::<Halls>()
        .map(|h| {
            h.maps
                .iter()
                .filter_map(|m| Some((m.source.clone(), modified(&m.source)?)))
                .collect()
        })
        .unwrap_or_default();
    app.insert_resource(Watch(seen));
    app.init_resource::<Histories>();
    app.add_systems(
        Update,
        take_edits
            .in_set(ServerSet::Simulate)
            .before(reload_changed_maps),
    );
    app.add_systems(
        Update,
        reload_changed_maps
            .in_set(ServerSet::Simulate)
            .before(crate::movement::apply_inputs),
    );
}

/// The last modification time seen of each hall's file.
#[derive(Resource, Default)]
struct Watch(HashMap<PathBuf, SystemTime>);

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[allow(clippy::too_many_arguments)]
fn reload_changed_maps(
    mut watch: ResMut<Watch>,
    mut halls: ResMut<Halls>,
    mut book: ResMut<BoothBook>,
    mut screens: ResMut<Screens>,
    mut ballots: ResMut<crate::ballot::BallotBook>,
    directory: Res<crate::halls::SharedDirectory>,
    mut avatars: Query<(&Avatar, &mut Position, &InHall, &mut Inputs)>,
    clients: Query<&Avatar>,
    clock: Res<ServerClock>,
    settings: Res<SettingsRes>,
    tick: Res<Tick>,
    mut out: Outbox,
) {
    if !tick.count.is_multiple_of(tick.hz.max(1)) {
        return;
    }
    let sources: Vec<PathBuf> = halls.maps.iter().map(|m| m.source.clone()).collect();
    for (index, path) in sources.iter().enumerate() {
        let Some(now) = modified(path) else {
            continue;
        };
        if watch.0.insert(path.clone(), now) == Some(now) {
            continue;
        }
        let hall = index as u16;
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                warn!(map = %path.display(), "the changed map cannot be read: {e}");
                continue;
            }
        };
        // Checked with every hall, so its portals (and those leading into it) still hold.
        let checked = madang_shared::map::load_expo(&sources).map(|mut all| {
            let id = &halls.maps[index].id;
            all.iter()
                .position(|h| &h.id == id)
                .map(|i| all.swap_remove(i))
        });
        let map = match checked {
            Ok(Some(m)) => m,
            Ok(None) => continue,
            Err(problems) => {
                warn!(
                    map = %path.display(),
                    "the changed map is not taken; the hall stays as it was:\n{problems}"
                );
                continue;
            }
        };
        info!(map = %path.display(), "hall reloaded");
        book.update_hall(hall, &map, settings.0.interest_cell_tiles);
        screens.update_hall(hall, &map, &clock);
        // Out of any new wall, to the nearest free tile.
        for (avatar, mut pos, in_hall, mut inputs) in &mut avatars {
            if in_hall.0 != hall || !overlaps_blocked(&map.collision, pos.0) {
                continue;
            }
            if let Some(free) = map.nearest_free(pos.0) {
                info!(avatar = avatar.id.0, "moved out of a new wall");
                pos.0 = free;
                inputs.clear();
            }
        }
        ballots.update_hall(hall, &map);
        halls.maps[index] = Arc::new(map);
        directory.set(halls.directory());
        for a in &clients {
            out.send(
                a.client,
                channel::RELIABLE,
                &ServerMsg::Ballots {
                    ballots: ballots.views(a.visitor_id),
                },
            );
        }
        let msg = ServerMsg::HallUpdated { hall, tmx: text };
        if madang_shared::protocol::encode(&msg).len() > MAX_SERVER_MSG_BYTES {
            warn!(map = %path.display(), "the map is too large to send; clients keep the old one");
            continue;
        }
        for a in &clients {
            out.send(a.client, channel::RELIABLE, &msg);
        }
    }
}

/// Each organizer's edits of each hall, for taking back and making again: what each did to
/// one object ([`Change`]), so that taking back your edit leaves everyone else's as it is.
/// Keyed by the organizer's visitor id, so a reconnect keeps the history. Organizer identities
/// are not free (they come from the organizer codes in the settings), and each history is
/// bounded in steps and bytes, so the whole stays small.
#[derive(Resource, Default)]
struct Histories(HashMap<(u64, u16), History>);

#[derive(Default)]
struct History {
    undo: VecDeque<Change>,
    redo: Vec<Change>,
}

/// The most edits of a hall one organizer can take back.
const UNDO_DEPTH: usize = 50;
/// The most bytes of objects one history keeps (older steps are forgotten first).
const UNDO_BYTES: usize = 512 * 1024;

impl History {
    fn push_undo(&mut self, change: Change) {
        self.undo.push_back(change);
        while self.undo.len() > UNDO_DEPTH
            || (self.undo.len() > 1
                && self.undo.iter().map(Change::size).sum::<usize>() > UNDO_BYTES)
        {
            self.undo.pop_front();
        }
    }
}

/// Checks a hall's new TMX text with the rules of `check-map`, its portals against the other
/// halls, and the other halls' portals into it.
fn check_text(halls: &Halls, hall: u16, path: &std::path::Path, text: &str) -> Result<(), String> {
    let map = madang_shared::map::load_hall_text(path, text).map_err(|e| e.to_string())?;
    for p in &map.portals {
        let Some(target) = halls.index_of(&p.to_map).and_then(|i| halls.get(i)) else {
            if p.optional {
                // A door from another tool's map to a map not in the expo: not used.
                continue;
            }
            return Err(format!(
                "portal {}: there is no hall `{}`",
                p.object_id, p.to_map
            ));
        };
        let target = if target.id == map.id { &map } else { target };
        if target.spawn(Some(&p.to_spawn)).is_none() {
            return Err(format!(
                "portal {}: hall `{}` has no spawn `{}`",
                p.object_id, p.to_map, p.to_spawn
            ));
        }
    }
    for (i, other) in halls.maps.iter().enumerate() {
        if i as u16 == hall {
            continue;
        }
        for p in other.portals.iter().filter(|p| p.to_map == map.id) {
            if map.spawn(Some(&p.to_spawn)).is_none() {
                return Err(format!(
                    "hall `{}`'s portal {} leads to the spawn `{}`, which this edit removes",
                    other.id, p.object_id, p.to_spawn
                ));
            }
        }
    }
    Ok(())
}

/// Writes a file by a temporary file and a rename, so a crash never leaves half a map; the
/// file is flushed to the disk before the rename and the folder after it, so a saved edit
/// (acknowledged to the organizer) survives a power cut too.
fn save(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmx.saving");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::File::open(folder)?.sync_all()
}

fn take_edits(
    mut requests: MessageReader<crate::net::ClientRequest>,
    avatars: Query<(&Avatar, &InHall)>,
    halls: Res<Halls>,
    mut histories: ResMut<Histories>,
    mut out: Outbox,
) {
    use madang_shared::protocol::{ClientMsg, Role};
    enum Ask<'a> {
        Edit(&'a madang_shared::edit::MapEdit),
        Undo,
        Redo,
    }
    for request in requests.read() {
        let Ok((avatar, hall)) = avatars.get(request.avatar) else {
            continue;
        };
        let (req, ask) = match &request.msg {
            ClientMsg::EditMap { req, edit } => (*req, Ask::Edit(edit)),
            ClientMsg::UndoEdit { req } => (*req, Ask::Undo),
            ClientMsg::RedoEdit { req } => (*req, Ask::Redo),
            _ => continue,
        };
        if avatar.role != Role::Organizer {
            out.refuse(avatar.client, req, Refusal::OrganizersOnly);
            continue;
        }
        let Some(map) = halls.get(hall.0) else {
            continue;
        };
        let path = map.source.clone();
        let current = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                warn!(path = %path.display(), "the map file cannot be read: {e}");
                out.refuse(avatar.client, req, Refusal::MapUnreadable);
                continue;
            }
        };
        let history = histories.0.entry((avatar.visitor_id, hall.0)).or_default();
        let changed_since = |e: ChangeError| match e {
            ChangeError::Edit(e) => Refusal::from(e),
            ChangeError::ChangedSince(id) => Refusal::ChangedSince { id },
        };
        // The new text, and the change it makes (for an edit) or takes from a stack.
        let (next, change) = match ask {
            Ask::Edit(edit) => match madang_shared::edit::apply_recorded(&current, edit) {
                Ok(done) => done,
                Err(e) => {
                    out.refuse(avatar.client, req, e);
                    continue;
                }
            },
            Ask::Undo => match history.undo.back() {
                None => {
                    out.refuse(avatar.client, req, Refusal::NothingToUndo);
                    continue;
                }
                Some(c) => match c.undo(&current) {
                    Ok(text) => (text, c.clone()),
                    Err(e) => {
                        out.refuse(avatar.client, req, changed_since(e));
                        continue;
                    }
                },
            },
            Ask::Redo => match history.redo.last() {
                None => {
                    out.refuse(avatar.client, req, Refusal::NothingToRedo);
                    continue;
                }
                Some(c) => match c.redo(&current) {
                    Ok(text) => (text, c.clone()),
                    Err(e) => {
                        out.refuse(avatar.client, req, changed_since(e));
                        continue;
                    }
                },
            },
        };
        if let Err(why) = check_text(&halls, hall.0, &path, &next) {
            out.refuse(
                avatar.client,
                req,
                Refusal::EditBreaksMap {
                    detail: why.to_string(),
                },
            );
            continue;
        }
        if let Err(e) = save(&path, &next) {
            warn!(path = %path.display(), "the edited map cannot be saved: {e}");
            out.refuse(avatar.client, req, Refusal::MapNotSaved);
            continue;
        }
        // The stacks move only once the text is saved: a failed undo keeps its step.
        match ask {
            Ask::Edit(_) => {
                history.push_undo(change);
                history.redo.clear();
            }
            Ask::Undo => {
                history.undo.pop_back();
                history.redo.push(change);
            }
            Ask::Redo => {
                history.redo.pop();
                history.push_undo(change);
            }
        }
        info!(by = %avatar.name, map = %path.display(), "map edited");
        // Taken (and sent to everyone) by the watcher within a second, like a save in Tiled.
        out.send(avatar.client, channel::RELIABLE, &ServerMsg::Done { req });
    }
}
