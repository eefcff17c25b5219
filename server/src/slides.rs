//! Slides on a big screen, turned together: the server owns which deck each slide screen
//! shows and at which page (as it owns the videos' playback), tells the whole hall when a
//! presenter turns a page, and tells arrivals what is shown. A presenter (the role) or an
//! organizer standing on a stage of the hall or at the screen opens a PDF of the expo's assets
//! on it, turns its pages and points at it; the timetable can open a deck at an item's start.
//!
//! A deck is opened (its pages counted) on a worker thread with the document module's size
//! and time limits: a hostile or broken PDF is refused with a reason, never a stalled tick.
//! What was shown, and for how long, is kept in the store for the results report.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use madang_shared::document::{DocumentError, DocumentInfo, OPEN_LIMIT, document_path};
use madang_shared::protocol::{ClientMsg, Role, ServerMsg, SlideAction, SlideState, channel};
use madang_shared::refusal::Refusal;
use madang_shared::video::next_daily;
use madang_shared::visit::{KIOSK_REACH, distance_to};
use renet::ClientId;
use tracing::{info, warn};

use crate::halls::Halls;
use crate::net::{ClientRequest, Expression, Outbox};
use crate::presence::{Avatar, Connections, InHall, Position};
use crate::screen::ServerClock;
use crate::snapshot::ViewMoved;
use crate::store::Write;
use crate::{ServerSet, SettingsRes, StoreRes};

/// The most decks waiting to be opened at once; more are refused as too many requests.
const MAX_WAITING: usize = 8;
/// Page counts kept for decks opened before (cleared when full).
const MAX_KNOWN: usize = 256;
/// The shortest time between two pointer moves passed on from one presenter.
const POINTER_EVERY: Duration = Duration::from_millis(50);

pub(super) fn plugin(app: &mut App) {
    let settings = app
        .world()
        .get_resource::<SettingsRes>()
        .map(|s| s.0.clone())
        .unwrap_or_default();
    let root = madang_shared::map::assets_root(&settings.maps_dir);
    let mut slides = Slides::new(root, settings.utc_offset_minutes, settings.schedule.clone());
    if let (Some(halls), Some(clock)) = (
        app.world().get_resource::<Halls>(),
        app.world().get_resource::<ServerClock>(),
    ) {
        slides.plan_timetable(halls, clock.wall_ms());
    }
    app.insert_resource(slides);
    app.add_systems(
        Update,
        (take_opened, run_timetable, take_controls, take_pointers)
            .chain()
            .in_set(ServerSet::Simulate),
    );
    app.add_systems(
        Update,
        tell_arrivals
            .in_set(ServerSet::Send)
            .after(crate::snapshot::track_positions),
    );
}

/// What one slide screen shows.
#[derive(Debug, Clone, Default)]
struct Shown {
    deck: Option<String>,
    page: u32,
    pages: u32,
    /// When the deck went up (wall clock, Unix ms), for the store.
    opened_ms: i64,
    /// When the timetable item that opened it ends (it is taken down then, if still up).
    until_ms: Option<i64>,
}

/// Who asked for a deck to be opened, to be answered when it is.
#[derive(Debug, Clone, Copy)]
struct Asker {
    client: ClientId,
    req: u32,
}

struct Job {
    hall: u16,
    screen: u32,
    deck: String,
    path: PathBuf,
    asker: Option<Asker>,
    until_ms: Option<i64>,
}

type Opened = (Job, Result<DocumentInfo, DocumentError>);

/// Opens decks on a worker thread, each within [`OPEN_LIMIT`].
struct Opener {
    jobs: crossbeam_channel::Sender<Job>,
    done: crossbeam_channel::Receiver<Opened>,
    waiting: usize,
}

impl Default for Opener {
    fn default() -> Self {
        let (jobs, job_rx) = crossbeam_channel::unbounded::<Job>();
        let (done_tx, done) = crossbeam_channel::unbounded();
        let started = std::thread::Builder::new()
            .name("madang-decks".into())
            .spawn(move || {
                for job in job_rx {
                    let result = madang_shared::document::inspect_within(&job.path, OPEN_LIMIT);
                    if done_tx.send((job, result)).is_err() {
                        return;
                    }
                }
            });
        if let Err(e) = started {
            warn!(error = %e, "no thread to open slide decks on: decks cannot be shown");
        }
        Opener {
            jobs,
            done,
            waiting: 0,
        }
    }
}

/// A timetable item that opens a deck.
#[derive(Debug, Clone)]
struct Planned {
    hall: u16,
    screen: u32,
    deck: String,
    minute: u32,
    minutes: u32,
    next_ms: i64,
}

/// Every slide screen's state, by (hall, screen object id).
#[derive(Resource)]
pub struct Slides {
    root: PathBuf,
    shown: HashMap<(u16, u32), Shown>,
    known: HashMap<String, u32>,
    opener: Opener,
    utc_offset_minutes: i32,
    timetable: Vec<crate::settings::ScheduleItem>,
    planned: Vec<Planned>,
    pointers: HashMap<Entity, Instant>,
}

impl Slides {
    fn new(
        root: PathBuf,
        utc_offset_minutes: i32,
        timetable: Vec<crate::settings::ScheduleItem>,
    ) -> Self {
        Slides {
            root,
            shown: HashMap::new(),
            known: HashMap::new(),
            opener: Opener::default(),
            utc_offset_minutes,
            timetable,
            planned: Vec::new(),
            pointers: HashMap::new(),
        }
    }

    /// The timetable's decks, each on its hall's slide screen (the one its `screen` names, or
    /// the first); an item on now opens at once.
    fn plan_timetable(&mut self, halls: &Halls, now_ms: i64) {
        for item in &self.timetable {
            let (Some(deck), Some(minute)) = (&item.deck, item.minute_of_day()) else {
                continue;
            };
            let Some((hall, map)) = halls
                .maps
                .iter()
                .enumerate()
                .find(|(_, m)| item.hall.as_deref() == Some(m.id.as_str()))
            else {
                warn!(
                    deck,
                    "a timetable item names a deck but no hall of the expo"
                );
                continue;
            };
            let screen = map
                .slide_screens
                .iter()
                .find(|s| {
                    item.screen
                        .as_deref()
                        .is_some_and(|n| n == s.title.ko || n == s.title.en)
                })
                .or_else(|| map.slide_screens.first());
            let Some(screen) = screen else {
                warn!(deck, hall = %map.id, "a timetable item names a deck, but its hall has no slide screen");
                continue;
            };
            let next = next_daily(now_ms, self.utc_offset_minutes, minute);
            let length = item.minutes as i64 * 60_000;
            let previous = next - 86_400_000;
            let planned = Planned {
                hall: hall as u16,
                screen: screen.object_id,
                deck: deck.clone(),
                minute,
                minutes: item.minutes,
                next_ms: if previous + length > now_ms {
                    previous
                } else {
                    next
                },
            };
            self.planned.push(planned);
        }
    }

    fn state(&self, hall: u16, screen: u32) -> SlideState {
        let shown = self.shown.get(&(hall, screen)).cloned().unwrap_or_default();
        SlideState {
            screen,
            page: if shown.deck.is_some() { shown.page } else { 0 },
            pages: shown.pages,
            deck: shown.deck,
        }
    }

    /// Asks the worker to open `deck`; refused when it cannot be named or too many wait.
    fn open(
        &mut self,
        hall: u16,
        screen: u32,
        deck: &str,
        asker: Option<Asker>,
        until_ms: Option<i64>,
    ) -> Result<(), Refusal> {
        let path = document_path(&self.root, deck).map_err(|why| {
            warn!(deck, why, "a deck was refused");
            Refusal::NoSuchDeck { deck: deck.into() }
        })?;
        if self.opener.waiting >= MAX_WAITING {
            return Err(Refusal::TooManyRequests);
        }
        self.opener.waiting += 1;
        let _ = self.opener.jobs.send(Job {
            hall,
            screen,
            deck: deck.to_owned(),
            path,
            asker,
            until_ms,
        });
        Ok(())
    }

    /// Puts `deck` up (at page 1), recording what it replaces.
    fn show(
        &mut self,
        hall: u16,
        screen: u32,
        deck: String,
        pages: u32,
        now_ms: i64,
        until_ms: Option<i64>,
        store: &StoreRes,
        halls: &Halls,
    ) {
        self.take_down(hall, screen, now_ms, store, halls);
        let _ = store.0.submit(Write::DeckShown {
            hall: hall_id(halls, hall),
            screen,
            deck: deck.clone(),
            opened_ms: now_ms,
        });
        self.shown.insert(
            (hall, screen),
            Shown {
                deck: Some(deck),
                page: 1,
                pages,
                opened_ms: now_ms,
                until_ms,
            },
        );
    }

    /// Takes down what a screen shows, recording how long it was up.
    fn take_down(&mut self, hall: u16, screen: u32, now_ms: i64, store: &StoreRes, halls: &Halls) {
        if let Some(old) = self.shown.remove(&(hall, screen))
            && let Some(deck) = old.deck
        {
            let _ = store.0.submit(Write::DeckTakenDown {
                hall: hall_id(halls, hall),
                screen,
                deck,
                opened_ms: old.opened_ms,
                closed_ms: now_ms,
            });
        }
    }
}

fn hall_id(halls: &Halls, hall: u16) -> String {
    halls
        .maps
        .get(hall as usize)
        .map(|m| m.id.clone())
        .unwrap_or_default()
}

/// Tells everyone in `hall` what a screen shows now.
fn announce(
    out: &mut Outbox,
    avatars: &Query<(&Avatar, &InHall, &Position)>,
    hall: u16,
    state: SlideState,
) {
    let msg = ServerMsg::Slides {
        hall,
        screens: vec![state],
    };
    for (avatar, in_hall, _) in avatars {
        if in_hall.0 == hall {
            out.send(avatar.client, channel::RELIABLE, &msg);
        }
    }
}

/// Whether `avatar` may control `screen` of its hall from where it stands: a presenter or an
/// organizer, on a stage of the hall or within reach of the screen.
fn may_control(
    halls: &Halls,
    hall: u16,
    screen: u32,
    avatar: &Avatar,
    at: Position,
) -> Result<(), Refusal> {
    if !matches!(avatar.role, Role::Presenter | Role::Organizer) {
        return Err(Refusal::PresentersOnly);
    }
    let map = halls
        .maps
        .get(hall as usize)
        .ok_or(Refusal::NoSuchSlideScreen { screen })?;
    let s = map
        .slide_screens
        .iter()
        .find(|s| s.object_id == screen)
        .ok_or(Refusal::NoSuchSlideScreen { screen })?;
    if map.on_spotlight(at.0) || distance_to(&s.rect, at.0) <= KIOSK_REACH + 1.0 {
        Ok(())
    } else {
        Err(Refusal::NotAtTheScreen)
    }
}

/// Decks the worker opened go up (and their askers hear so), or their askers are refused.
#[allow(clippy::too_many_arguments)]
fn take_opened(
    mut slides: ResMut<Slides>,
    clock: Res<ServerClock>,
    halls: Res<Halls>,
    store: Res<StoreRes>,
    avatars: Query<(&Avatar, &InHall, &Position)>,
    mut out: Outbox,
) {
    let done: Vec<Opened> = slides.opener.done.try_iter().collect();
    for (job, result) in done {
        slides.opener.waiting = slides.opener.waiting.saturating_sub(1);
        match result {
            Ok(info) => {
                if slides.known.len() >= MAX_KNOWN {
                    slides.known.clear();
                }
                slides.known.insert(job.deck.clone(), info.pages);
                info!(deck = %job.deck, pages = info.pages, hall = job.hall, "a deck goes up");
                slides.show(
                    job.hall,
                    job.screen,
                    job.deck,
                    info.pages,
                    clock.wall_ms(),
                    job.until_ms,
                    &store,
                    &halls,
                );
                let state = slides.state(job.hall, job.screen);
                announce(&mut out, &avatars, job.hall, state);
                if let Some(a) = job.asker {
                    out.send(a.client, channel::RELIABLE, &ServerMsg::Done { req: a.req });
                }
            }
            Err(e) => {
                warn!(deck = %job.deck, error = %e, "a deck cannot be shown");
                if let Some(a) = job.asker {
                    out.refuse(a.client, a.req, Refusal::NoSuchDeck { deck: job.deck });
                }
            }
        }
    }
}

/// The timetable's decks go up at their items' start and down at their end.
#[allow(clippy::too_many_arguments)]
fn run_timetable(
    mut slides: ResMut<Slides>,
    clock: Res<ServerClock>,
    halls: Res<Halls>,
    store: Res<StoreRes>,
    avatars: Query<(&Avatar, &InHall, &Position)>,
    mut out: Outbox,
) {
    let now = clock.wall_ms();
    let offset = slides.utc_offset_minutes;
    let mut due = Vec::new();
    for p in &mut slides.planned {
        if now >= p.next_ms {
            let ends = p.next_ms + p.minutes as i64 * 60_000;
            due.push((p.hall, p.screen, p.deck.clone(), ends));
            p.next_ms = next_daily(now.max(p.next_ms + 60_000), offset, p.minute);
        }
    }
    for (hall, screen, deck, ends) in due {
        if let Err(why) = slides.open(hall, screen, &deck, None, Some(ends)) {
            warn!(deck, ?why, "the timetable's deck cannot be opened");
        }
    }
    let over: Vec<(u16, u32)> = slides
        .shown
        .iter()
        .filter(|(_, s)| s.until_ms.is_some_and(|u| now >= u))
        .map(|(k, _)| *k)
        .collect();
    for (hall, screen) in over {
        slides.take_down(hall, screen, now, &store, &halls);
        let state = slides.state(hall, screen);
        announce(&mut out, &avatars, hall, state);
    }
}

/// Presenters open decks, turn pages and take decks down.
#[allow(clippy::too_many_arguments)]
fn take_controls(
    mut requests: MessageReader<ClientRequest>,
    mut slides: ResMut<Slides>,
    clock: Res<ServerClock>,
    halls: Res<Halls>,
    store: Res<StoreRes>,
    avatars: Query<(&Avatar, &InHall, &Position)>,
    mut out: Outbox,
) {
    for request in requests.read() {
        let ClientMsg::SlideControl {
            req,
            screen,
            ref action,
        } = request.msg
        else {
            continue;
        };
        let Ok((avatar, hall, at)) = avatars.get(request.avatar) else {
            continue;
        };
        let (client, hall) = (avatar.client, hall.0);
        if let Err(why) = may_control(&halls, hall, screen, avatar, *at) {
            out.refuse(client, req, why);
            continue;
        }
        let now = clock.wall_ms();
        match action {
            SlideAction::Open { deck } => {
                if let Some(&pages) = slides.known.get(deck.as_str())
                    && document_path(&slides.root, deck).is_ok_and(|p| p.is_file())
                {
                    slides.show(hall, screen, deck.clone(), pages, now, None, &store, &halls);
                    let state = slides.state(hall, screen);
                    announce(&mut out, &avatars, hall, state);
                    out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
                } else if let Err(why) =
                    slides.open(hall, screen, deck, Some(Asker { client, req }), None)
                {
                    out.refuse(client, req, why);
                }
            }
            SlideAction::Goto { page } => {
                let Some(shown) = slides
                    .shown
                    .get_mut(&(hall, screen))
                    .filter(|s| s.deck.is_some())
                else {
                    out.refuse(client, req, Refusal::NoDeckShown);
                    continue;
                };
                let page = (*page).clamp(1, shown.pages.max(1));
                let changed = shown.page != page;
                shown.page = page;
                if changed {
                    let state = slides.state(hall, screen);
                    announce(&mut out, &avatars, hall, state);
                }
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
            SlideAction::Close => {
                if !slides
                    .shown
                    .get(&(hall, screen))
                    .is_some_and(|s| s.deck.is_some())
                {
                    out.refuse(client, req, Refusal::NoDeckShown);
                    continue;
                }
                slides.take_down(hall, screen, now, &store, &halls);
                let state = slides.state(hall, screen);
                announce(&mut out, &avatars, hall, state);
                out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
            }
        }
    }
}

/// A presenter's pointer over a screen that shows a deck goes to the rest of the hall, at
/// most once per [`POINTER_EVERY`]; anything else is dropped without an answer.
fn take_pointers(
    mut expressions: MessageReader<Expression>,
    mut slides: ResMut<Slides>,
    halls: Res<Halls>,
    avatars: Query<(&Avatar, &InHall, &Position)>,
    mut out: Outbox,
) {
    let now = Instant::now();
    for e in expressions.read() {
        let ClientMsg::SlidePointer { screen, at } = e.msg else {
            continue;
        };
        let Ok((avatar, hall, pos)) = avatars.get(e.avatar) else {
            continue;
        };
        let hall = hall.0;
        if may_control(&halls, hall, screen, avatar, *pos).is_err()
            || !slides
                .shown
                .get(&(hall, screen))
                .is_some_and(|s| s.deck.is_some())
        {
            continue;
        }
        if slides
            .pointers
            .get(&e.avatar)
            .is_some_and(|last| now.duration_since(*last) < POINTER_EVERY)
        {
            continue;
        }
        if slides.pointers.len() > 4096 {
            slides
                .pointers
                .retain(|_, last| now.duration_since(*last) < Duration::from_secs(1));
        }
        slides.pointers.insert(e.avatar, now);
        let msg = ServerMsg::SlidePointer { screen, at };
        for (other, in_hall, _) in &avatars {
            if in_hall.0 == hall && other.client != avatar.client {
                out.send(other.client, channel::VOICE, &msg);
            }
        }
    }
}

/// Arrivals in a hall with slide screens are told what each shows.
fn tell_arrivals(
    mut views: MessageReader<ViewMoved>,
    slides: Res<Slides>,
    halls: Res<Halls>,
    connections: Res<Connections>,
    mut out: Outbox,
) {
    for v in views.read().filter(|v| v.from.is_none()) {
        let Some(map) = halls.maps.get(v.hall as usize) else {
            continue;
        };
        if map.slide_screens.is_empty() {
            continue;
        }
        let Some(who) = connections.avatars.get(&v.avatar) else {
            continue;
        };
        let screens = map
            .slide_screens
            .iter()
            .map(|s| slides.state(v.hall, s.object_id))
            .collect();
        out.send(
            who.client,
            channel::RELIABLE,
            &ServerMsg::Slides {
                hall: v.hall,
                screens,
            },
        );
    }
}
