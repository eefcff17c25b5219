//! Screens watched together: the server owns each video kiosk's playback (playing or paused,
//! the position at a moment of the server's clock) and tells everyone in the hall, so a visitor
//! who arrives late starts at the current position and a pause by an organizer pauses it for
//! all.
//!
//! A screen without a schedule loops from the server's start. A screen with a `daily HH:MM`
//! schedule (in the expo's time zone, `utc_offset_minutes`) waits at the start and begins by
//! itself at that time each day, as a broadcast that stops at its end.

use madang_shared::refusal::Refusal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use madang_shared::map::parse_daily_schedule;
use madang_shared::protocol::{ClientMsg, Role, ScreenAction, ScreenState, ServerMsg, channel};
use madang_shared::video::{Playback, VideoError, VideoInfo, next_daily, probe_within};
use tracing::{info, warn};

use crate::halls::Halls;
use crate::net::{ClientRequest, Outbox};
use crate::presence::{Avatar, Connections, InHall};
use crate::snapshot::ViewMoved;
use crate::{ServerSet, SettingsRes};

pub(super) fn plugin(app: &mut App) {
    let settings = app
        .world()
        .get_resource::<SettingsRes>()
        .map(|s| s.0.clone())
        .unwrap_or_default();
    let clock = ServerClock::new(settings.clock_start_unix_ms);
    let halls = app.world().get_resource::<Halls>().cloned();
    let screens = halls
        .map(|h| {
            Screens::new(
                &h,
                &clock,
                settings.utc_offset_minutes,
                settings.schedule.clone(),
            )
        })
        .unwrap_or_default();
    app.insert_resource(clock);
    app.insert_resource(screens);
    app.add_systems(
        Update,
        (take_probes, run_schedules, take_controls)
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

/// The server's clock: milliseconds since it started (what playback anchors use), and the
/// wall clock (for schedules), which a setting can pretend started elsewhere.
#[derive(Resource, Debug, Clone, Copy)]
pub struct ServerClock {
    started: Instant,
    wall_start_ms: i64,
}

impl ServerClock {
    pub fn new(pretend_start_unix_ms: Option<i64>) -> Self {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        ServerClock {
            started: Instant::now(),
            wall_start_ms: pretend_start_unix_ms.unwrap_or(real),
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub fn wall_ms(&self) -> i64 {
        self.wall_start_ms + self.now_ms() as i64
    }
}

#[derive(Debug)]
struct Screen {
    object: u32,
    playback: Playback,
    /// Minutes after midnight, for scheduled screens.
    daily: Option<u32>,
    /// When the schedule next starts it (wall clock, Unix ms).
    next_start: Option<i64>,
}

/// The longest a video's header may take to read.
pub const PROBE_LIMIT: Duration = Duration::from_secs(4);

type ProbeDone = (u16, u32, Result<VideoInfo, VideoError>);

/// Reads video headers on a worker thread, each with [`PROBE_LIMIT`] and its panics caught, so
/// that a damaged or crafted file never stalls a tick or stops the server. A screen's length is
/// unknown until its answer comes.
#[derive(Debug)]
struct Prober {
    jobs: crossbeam_channel::Sender<(u16, u32, PathBuf)>,
    done: crossbeam_channel::Receiver<ProbeDone>,
}

impl Default for Prober {
    fn default() -> Self {
        let (jobs, job_rx) = crossbeam_channel::unbounded::<(u16, u32, PathBuf)>();
        let (done_tx, done) = crossbeam_channel::unbounded();
        let started = std::thread::Builder::new()
            .name("madang-probe".into())
            .spawn(move || {
                for (hall, object, path) in job_rx {
                    let result = probe_within(&path, PROBE_LIMIT);
                    if done_tx.send((hall, object, result)).is_err() {
                        return;
                    }
                }
            });
        if let Err(e) = started {
            warn!(error = %e, "no thread to read video headers on: screens' lengths stay unknown");
        }
        Prober { jobs, done }
    }
}

impl Prober {
    fn ask(&self, hall: u16, object: u32, path: PathBuf) {
        let _ = self.jobs.send((hall, object, path));
    }
}

/// Every screen, by hall.
#[derive(Resource, Debug, Default)]
pub struct Screens {
    prober: Prober,
    halls: Vec<Vec<Screen>>,
    utc_offset_minutes: i32,
    /// The expo's timetable, whose items may start screens.
    timetable: Vec<crate::settings::ScheduleItem>,
}

/// A screen for a video kiosk, playing (looping) unless it has a schedule; its length is asked
/// of the prober.
fn screen_for(
    prober: &Prober,
    hall: u16,
    map: &madang_shared::map::HallMap,
    k: &madang_shared::map::VideoKiosk,
    clock: &ServerClock,
    utc_offset_minutes: i32,
    timetable: &[crate::settings::ScheduleItem],
) -> Screen {
    prober.ask(hall, k.object_id, k.video.clone());
    let duration = None;
    // The timetable's item for this screen, if one names it, else the map's own schedule.
    let listed = timetable.iter().find(|item| {
        item.hall.as_deref() == Some(map.id.as_str())
            && item
                .screen
                .as_deref()
                .is_some_and(|s| s == k.title.ko || s == k.title.en)
    });
    let daily = listed
        .and_then(|item| item.minute_of_day())
        .or_else(|| k.schedule.as_deref().and_then(parse_daily_schedule));
    let mut playback = Playback::stopped(duration, daily.is_none());
    if daily.is_none() {
        playback.play_from(0, clock.now_ms());
    }
    Screen {
        object: k.object_id,
        playback,
        daily,
        next_start: daily.map(|m| next_daily(clock.wall_ms(), utc_offset_minutes, m)),
    }
}

impl Screens {
    /// The playback of a hall's video kiosk (by its object id).
    pub fn playback(&self, hall: u16, object: u32) -> Option<madang_shared::video::Playback> {
        self.halls
            .get(hall as usize)?
            .iter()
            .find(|s| s.object == object)
            .map(|s| s.playback)
    }

    fn new(
        halls: &Halls,
        clock: &ServerClock,
        utc_offset_minutes: i32,
        timetable: Vec<crate::settings::ScheduleItem>,
    ) -> Self {
        let prober = Prober::default();
        let halls = halls
            .maps
            .iter()
            .enumerate()
            .map(|(hall, map)| {
                map.video_kiosks
                    .iter()
                    .map(|k| {
                        screen_for(
                            &prober,
                            hall as u16,
                            map,
                            k,
                            clock,
                            utc_offset_minutes,
                            &timetable,
                        )
                    })
                    .collect()
            })
            .collect();
        Screens {
            prober,
            halls,
            utc_offset_minutes,
            timetable,
        }
    }

    /// After a hall's map changed: screens still on it play on; new kiosks get screens.
    pub fn update_hall(
        &mut self,
        hall: u16,
        map: &madang_shared::map::HallMap,
        clock: &ServerClock,
    ) {
        let Some(old) = self.halls.get_mut(hall as usize) else {
            return;
        };
        let mut kept: Vec<Screen> = Vec::new();
        for k in &map.video_kiosks {
            match old.iter().position(|s| s.object == k.object_id) {
                Some(i) => kept.push(old.swap_remove(i)),
                None => kept.push(screen_for(
                    &self.prober,
                    hall,
                    map,
                    k,
                    clock,
                    self.utc_offset_minutes,
                    &self.timetable,
                )),
            }
        }
        *old = kept;
    }

    fn states(&self, hall: u16) -> Vec<ScreenState> {
        self.halls
            .get(hall as usize)
            .map(|screens| {
                screens
                    .iter()
                    .map(|s| ScreenState {
                        screen: s.object,
                        playback: s.playback,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Tells everyone in `hall` about one screen (rare: a schedule or an organizer).
fn announce(
    out: &mut Outbox,
    avatars: &Query<(&Avatar, &InHall)>,
    hall: u16,
    state: ScreenState,
    now_ms: u64,
) {
    for (avatar, in_hall) in avatars {
        if in_hall.0 == hall {
            out.send(
                avatar.client,
                channel::RELIABLE,
                &ServerMsg::Screens {
                    hall,
                    server_ms: now_ms,
                    screens: vec![state],
                },
            );
        }
    }
}

/// Video lengths read by the prober go to their screens, and the hall is told.
fn take_probes(
    clock: Res<ServerClock>,
    mut screens: ResMut<Screens>,
    avatars: Query<(&Avatar, &InHall)>,
    mut out: Outbox,
) {
    let answers: Vec<ProbeDone> = screens.prober.done.try_iter().collect();
    for (hall, object, result) in answers {
        let Some(screen) = screens
            .halls
            .get_mut(hall as usize)
            .and_then(|l| l.iter_mut().find(|s| s.object == object))
        else {
            continue;
        };
        match result {
            Ok(info) => {
                screen.playback.duration_ms = Some(info.duration_ms);
                let state = ScreenState {
                    screen: object,
                    playback: screen.playback,
                };
                announce(&mut out, &avatars, hall, state, clock.now_ms());
            }
            Err(e) => warn!(hall, screen = object, "{e}; its length is unknown"),
        }
    }
}

fn run_schedules(
    clock: Res<ServerClock>,
    mut screens: ResMut<Screens>,
    avatars: Query<(&Avatar, &InHall)>,
    mut out: Outbox,
) {
    let (now, wall) = (clock.now_ms(), clock.wall_ms());
    let offset = screens.utc_offset_minutes;
    for (hall, list) in screens.halls.iter_mut().enumerate() {
        for screen in list.iter_mut() {
            let (Some(daily), Some(at)) = (screen.daily, screen.next_start) else {
                continue;
            };
            if wall < at {
                continue;
            }
            // Started at its time, even if this tick came a little late.
            let late = (wall - at).max(0) as u64;
            screen.playback.play_from(0, now.saturating_sub(late));
            screen.next_start = Some(next_daily(at + 1, offset, daily));
            info!(hall, screen = screen.object, "scheduled screen started");
            let state = ScreenState {
                screen: screen.object,
                playback: screen.playback,
            };
            announce(&mut out, &avatars, hall as u16, state, now);
        }
    }
}

fn take_controls(
    mut requests: MessageReader<ClientRequest>,
    clock: Res<ServerClock>,
    mut screens: ResMut<Screens>,
    avatars: Query<(&Avatar, &InHall)>,
    mut out: Outbox,
) {
    for request in requests.read() {
        let ClientMsg::ScreenControl {
            req,
            screen,
            action,
        } = request.msg
        else {
            continue;
        };
        let Ok((avatar, hall)) = avatars.get(request.avatar) else {
            continue;
        };
        let client = avatar.client;
        if avatar.role != Role::Organizer {
            out.refuse(client, req, Refusal::OrganizersOnly);
            continue;
        }
        let now = clock.now_ms();
        let Some(s) = screens
            .halls
            .get_mut(hall.0 as usize)
            .and_then(|l| l.iter_mut().find(|s| s.object == screen))
        else {
            out.refuse(client, req, Refusal::NoSuchScreen);
            continue;
        };
        match action {
            ScreenAction::Play => {
                let at = s.playback.position_at(now);
                s.playback.play_from(at, now);
            }
            ScreenAction::Pause => s.playback.pause(now),
            ScreenAction::Restart => s.playback.play_from(0, now),
        }
        let state = ScreenState {
            screen,
            playback: s.playback,
        };
        out.send(client, channel::RELIABLE, &ServerMsg::Done { req });
        announce(&mut out, &avatars, hall.0, state, now);
    }
}

/// Arrivals in a hall (a join, a portal) are told all its screens.
fn tell_arrivals(
    mut views: MessageReader<ViewMoved>,
    screens: Res<Screens>,
    clock: Res<ServerClock>,
    connections: Res<Connections>,
    mut out: Outbox,
) {
    for v in views.read().filter(|v| v.from.is_none()) {
        let states = screens.states(v.hall);
        let Some(who) = connections.avatars.get(&v.avatar) else {
            continue;
        };
        if states.is_empty() {
            continue;
        }
        out.send(
            who.client,
            channel::RELIABLE,
            &ServerMsg::Screens {
                hall: v.hall,
                server_ms: clock.now_ms(),
                screens: states,
            },
        );
    }
}
