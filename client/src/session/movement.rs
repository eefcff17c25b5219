//! Movement: your own avatar predicted ahead of the server and reconciled with its answers,
//! the others interpolated between the server's samples, and the hall maps both are walked on.
//! Owns the welcome, the portal's hall change, who is seen, and the snapshots.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use madang_shared::Vec2;
use madang_shared::map::{HallMap, load_hall};
use madang_shared::protocol::{
    AvatarId, AvatarInfo, ClientMsg, InputFrame, Look, Moved, Role, channel, encode,
};
use madang_shared::rules::{Blocking, MoveInput, step};
use tracing::warn;

use super::{ConnState, Session, SessionEvent};

/// How far behind the newest snapshot others are drawn, in ticks: enough to always have two
/// samples to interpolate between, despite jitter.
pub const INTERPOLATION_DELAY_TICKS: f64 = 2.0;
/// How many recent input frames each input message repeats, so a lost packet loses nothing.
pub const REDUNDANT_FRAMES: usize = 6;
/// Idle frames still sent after the last movement, so the stop is acknowledged.
pub const IDLE_FRAMES_SENT: u32 = 6;
/// Unacknowledged frames kept for replay.
pub const MAX_PENDING: usize = 64;

/// Your own avatar: predicted ahead of the server, reconciled with its answers.
#[derive(Debug, Clone)]
pub struct Me {
    pub id: AvatarId,
    pub name: String,
    pub role: Role,
    pub look: Look,
    pub hall: u16,
    /// Where the prediction says you are after the last step, in tiles.
    pub pos: Vec2,
    /// Where you were before the last step: drawing blends the two.
    pub prev_pos: Vec2,
    /// A visual offset left by a correction from the server; it fades instead of snapping.
    pub correction: Vec2,
    /// The server's last word: the last input it applied and where that put you.
    pub server_ack: u32,
    pub server_pos: Vec2,
}

/// Someone else, drawn from the server's samples.
#[derive(Debug, Clone)]
pub struct Remote {
    pub name: String,
    pub role: Role,
    pub look: Look,
    /// (server tick, position in tiles), oldest first.
    samples: VecDeque<(f64, Vec2)>,
}

impl Remote {
    /// Where to draw them at `time` (in server ticks): between the samples around it.
    pub fn position_at(&self, time: f64) -> Vec2 {
        let Some(&(_, last)) = self.samples.back() else {
            return Vec2::ZERO;
        };
        let mut prev: Option<(f64, Vec2)> = None;
        for &(t, p) in &self.samples {
            if t >= time {
                return match prev {
                    Some((t0, p0)) if t > t0 => p0.lerp(p, ((time - t0) / (t - t0)) as f32),
                    _ => p,
                };
            }
            prev = Some((t, p));
        }
        last
    }

    /// The newest position the server sent.
    pub fn latest(&self) -> Vec2 {
        self.samples.back().map(|s| s.1).unwrap_or(Vec2::ZERO)
    }

    pub(super) fn push(&mut self, tick: f64, pos: Vec2) {
        if let Some(&(last_t, last_p)) = self.samples.back() {
            if tick <= last_t {
                return;
            }
            // Only changes are sent: a long gap means they stood still until just before.
            if tick - last_t > 1.0 {
                self.samples.push_back((tick - 1.0, last_p));
            }
        }
        self.samples.push_back((tick, pos));
    }

    pub(super) fn forget_before(&mut self, time: f64) {
        while self.samples.len() > 2 && self.samples[1].0 < time {
            self.samples.pop_front();
        }
    }
}

/// Hall maps read from the client's own copy of the assets, by hall id.
#[derive(Debug, Default)]
pub struct MapStore {
    dir: PathBuf,
    maps: HashMap<String, Option<Arc<HallMap>>>,
}

impl MapStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        MapStore {
            dir: dir.into(),
            maps: HashMap::new(),
        }
    }

    /// The hall, loaded on first use; `None` (with a warning) if it cannot be read.
    pub fn get(&mut self, id: &str) -> Option<Arc<HallMap>> {
        let dir = &self.dir;
        self.maps
            .entry(id.to_owned())
            .or_insert_with(|| match load_hall(&dir.join(format!("{id}.tmx"))) {
                Ok(m) => Some(Arc::new(m)),
                Err(e) => {
                    warn!("cannot load hall `{id}` locally; walking without walls: {e}");
                    None
                }
            })
            .clone()
    }

    /// Takes a hall the server reloaded: its TMX text, read against the local tilesets.
    pub fn replace(&mut self, id: &str, tmx: &str) -> Option<Arc<HallMap>> {
        let path = self.dir.join(format!("{id}.tmx"));
        match madang_shared::map::load_hall_text(&path, tmx) {
            Ok(m) => {
                let m = Arc::new(m);
                self.maps.insert(id.to_owned(), Some(m.clone()));
                Some(m)
            }
            Err(e) => {
                warn!("cannot take the reloaded hall `{id}`: {e}");
                None
            }
        }
    }
}

/// The prediction's and the interpolation's state: the server's clock, your inputs not yet
/// acknowledged.
#[derive(Debug, Default)]
pub struct Movement {
    /// The server's clock as this client estimates it, in ticks.
    pub server_time: f64,
    /// The newest server tick heard of (in the welcome or a snapshot).
    latest_tick: u32,
    next_seq: u32,
    pending: VecDeque<InputFrame>,
    idle_frames: u32,
}

impl Me {
    /// You as the welcome tells it, standing at `pos`.
    pub(super) fn arriving(
        id: AvatarId,
        name: String,
        role: Role,
        look: Look,
        hall: u16,
        pos: Vec2,
    ) -> Self {
        Me {
            id,
            name,
            role,
            look,
            hall,
            pos,
            prev_pos: pos,
            correction: Vec2::ZERO,
            server_ack: 0,
            server_pos: pos,
        }
    }
}

/// No walls: the prediction used when the hall map is missing (the server still decides).
struct Open;

impl Blocking for Open {
    fn blocked(&self, _: i32, _: i32) -> bool {
        false
    }
}

impl Session {
    /// One server tick of your own movement: predicted at once, sent to the server.
    pub fn step(&mut self, input: MoveInput) {
        if self.state != ConnState::Connected {
            return;
        }
        let dt = self.tick_dt();
        let speed = self.speed;
        let map = self.hall_map.clone();
        let Some(me) = self.me.as_mut() else {
            return;
        };
        me.prev_pos = me.pos;
        if input.is_idle() {
            self.movement.idle_frames = self.movement.idle_frames.saturating_add(1);
            if self.movement.idle_frames > IDLE_FRAMES_SENT {
                return;
            }
        } else {
            self.movement.idle_frames = 0;
        }
        self.movement.next_seq += 1;
        let frame = InputFrame {
            seq: self.movement.next_seq,
            input,
        };
        me.pos = match &map {
            Some(m) => step(&m.collision, me.pos, input, speed, dt),
            None => step(&Open, me.pos, input, speed, dt),
        };
        self.movement.pending.push_back(frame);
        while self.movement.pending.len() > MAX_PENDING {
            self.movement.pending.pop_front();
        }
        let skip = self.movement.pending.len().saturating_sub(REDUNDANT_FRAMES);
        let frames: Vec<InputFrame> = self.movement.pending.iter().skip(skip).copied().collect();
        self.client
            .send_message(channel::INPUT, encode(&ClientMsg::Input { frames }));
    }

    /// The newest server tick a snapshot came from.
    pub fn latest_tick(&self) -> u32 {
        self.movement.latest_tick
    }

    /// Moves the server's clock on by `dt` of real time.
    pub(super) fn advance_clock(&mut self, dt: std::time::Duration) {
        self.movement.server_time += dt.as_secs_f64() * self.tick_hz as f64;
    }

    /// Drops the samples of others that drawing has left behind.
    /// Welcomed into the expo: who you are, the halls, the server's clock and pace.
    pub(super) fn welcome(
        &mut self,
        me: Me,
        halls: Vec<String>,
        tick: u32,
        tick_hz: u16,
        speed: f32,
        utc_offset_minutes: i32,
    ) {
        self.utc_offset_minutes = utc_offset_minutes.clamp(-24 * 60, 24 * 60);
        self.halls = halls;
        self.tick_hz = tick_hz.max(1) as u32;
        self.speed = speed;
        self.movement.server_time = tick as f64;
        self.movement.latest_tick = tick;
        self.welcomed_at = tick;
        let hall = me.hall;
        self.me = Some(me);
        self.enter_hall(hall);
    }

    /// Through a portal: you stand in `hall` at `pos`, and everyone you knew has left.
    pub(super) fn hall_changed(&mut self, hall: u16, pos: Vec2) {
        let Some(me) = self.me.as_mut() else { return };
        me.hall = hall;
        me.pos = pos;
        me.prev_pos = pos;
        me.server_pos = pos;
        me.correction = Vec2::ZERO;
        self.movement.pending.clear();
        let gone: Vec<AvatarId> = self.others.keys().copied().collect();
        self.others.clear();
        self.events
            .extend(gone.into_iter().map(SessionEvent::Disappeared));
        self.enter_hall(hall);
    }

    /// Who left your view, then who entered it.
    pub(super) fn seen(&mut self, left: Vec<AvatarId>, entered: Vec<AvatarInfo>) {
        for id in left {
            if self.others.remove(&id).is_some() {
                self.events.push(SessionEvent::Disappeared(id));
            }
        }
        for info in entered {
            let mut remote = Remote {
                name: info.name,
                role: info.role,
                look: info.look,
                samples: VecDeque::new(),
            };
            // Stamped with the newest tick heard of: the server sent it during that tick.
            remote.push(self.movement.latest_tick as f64, info.pos.to_tiles());
            self.others.insert(info.id, remote);
            self.events.push(SessionEvent::Appeared(info.id));
        }
    }

    /// One tick's changes: the server's clock, your position as it applied your inputs, and
    /// the others who moved.
    pub(super) fn snapshot(
        &mut self,
        tick: u32,
        hall: u16,
        ack: u32,
        pos: Vec2,
        moved: Vec<Moved>,
    ) {
        self.snapshots_received += 1;
        if self.me.as_ref().is_none_or(|m| m.hall != hall) {
            return;
        }
        let clock = &mut self.movement;
        clock.latest_tick = clock.latest_tick.max(tick);
        let t = tick as f64;
        if t > clock.server_time {
            clock.server_time = t;
        } else if clock.server_time - t > 1.0 {
            // Drift back gently when our clock runs ahead of the server's.
            clock.server_time -= (clock.server_time - t - 1.0) * 0.1;
        }
        self.reconcile(ack, pos);
        // Samples older than drawing needs are forgotten as new ones come, so a remote holds a
        // few ticks' worth whatever it does; one who stands still keeps what it had. (Going
        // over every remote on every poll instead cost the bench's thousand sessions, each
        // seeing a thousand others, a quarter of their time.)
        let forget = self.render_time() - 1.0;
        for m in moved {
            if let Some(r) = self.others.get_mut(&m.id) {
                r.push(t, m.pos.to_tiles());
                r.forget_before(forget);
            }
        }
    }

    /// Lets a visual correction fade; call every frame.
    pub fn fade_correction(&mut self, dt: f32) {
        if let Some(me) = self.me.as_mut() {
            me.correction *= (-dt * 12.0).exp();
            if me.correction.length_squared() < 1e-6 {
                me.correction = Vec2::ZERO;
            }
        }
    }

    /// Where to draw your avatar, `alpha` of the way through the current tick.
    pub fn my_render_pos(&self, alpha: f32) -> Option<Vec2> {
        let me = self.me.as_ref()?;
        Some(me.prev_pos.lerp(me.pos, alpha.clamp(0.0, 1.0)) + me.correction)
    }

    /// The time at which others are drawn, in server ticks.
    pub fn render_time(&self) -> f64 {
        self.movement.server_time - INTERPOLATION_DELAY_TICKS
    }

    /// Where to draw someone else now.
    pub fn remote_render_pos(&self, id: AvatarId) -> Option<Vec2> {
        let t = self.render_time();
        self.others.get(&id).map(|r| r.position_at(t))
    }

    /// Takes the server's word for where the last applied input put us, and replays the inputs
    /// it has not applied yet on top of it.
    fn reconcile(&mut self, ack: u32, server_pos: Vec2) {
        let dt = self.tick_dt();
        let speed = self.speed;
        let map = self.hall_map.clone();
        let Some(me) = self.me.as_mut() else { return };
        if ack < me.server_ack {
            return;
        }
        me.server_ack = ack;
        me.server_pos = server_pos;
        while self.movement.pending.front().is_some_and(|f| f.seq <= ack) {
            self.movement.pending.pop_front();
        }
        let mut p = server_pos;
        for f in &self.movement.pending {
            p = match &map {
                Some(m) => step(&m.collision, p, f.input, speed, dt),
                None => step(&Open, p, f.input, speed, dt),
            };
        }
        let error = me.pos - p;
        if error.length_squared() > 1e-8 {
            // Far off (a teleport, a long stall): jump. Otherwise fade the difference out.
            if error.length() > 2.0 {
                me.correction = Vec2::ZERO;
                me.prev_pos = p;
            } else {
                me.correction += error;
            }
            me.pos = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_are_interpolated_between_samples() {
        let mut r = Remote {
            name: "a".into(),
            role: Role::Visitor,
            look: Look::default(),
            samples: VecDeque::new(),
        };
        r.push(10.0, Vec2::new(0.0, 0.0));
        r.push(11.0, Vec2::new(1.0, 0.0));
        assert_eq!(r.position_at(10.5), Vec2::new(0.5, 0.0));
        assert_eq!(r.position_at(9.0), Vec2::new(0.0, 0.0), "before: the first");
        assert_eq!(r.position_at(12.0), Vec2::new(1.0, 0.0), "after: the last");
    }

    /// Forgetting as samples come (as `snapshot` does) keeps a walker's samples to a few
    /// ticks' worth and leaves what is drawn unchanged.
    #[test]
    fn a_walker_keeps_a_few_samples_and_is_drawn_where_they_were() {
        let mut r = Remote {
            name: "a".into(),
            role: Role::Visitor,
            look: Look::default(),
            samples: VecDeque::new(),
        };
        for tick in 0..1000u32 {
            let t = tick as f64;
            r.push(t, Vec2::new(t as f32 * 0.25, 0.0));
            r.forget_before(t - INTERPOLATION_DELAY_TICKS - 1.0);
            assert!(
                r.samples.len() <= 5,
                "{} samples at {tick}",
                r.samples.len()
            );
            // Drawn between two samples up to a tick after the newest came.
            for frac in [0.0, 0.5, 1.0] {
                let at = t - INTERPOLATION_DELAY_TICKS + frac;
                if at >= 0.0 {
                    assert_eq!(r.position_at(at), Vec2::new(at as f32 * 0.25, 0.0));
                }
            }
        }
    }

    #[test]
    fn a_move_after_standing_still_starts_from_where_they_stood() {
        let mut r = Remote {
            name: "a".into(),
            role: Role::Visitor,
            look: Look::default(),
            samples: VecDeque::new(),
        };
        r.push(10.0, Vec2::new(0.0, 0.0));
        r.push(50.0, Vec2::new(0.25, 0.0));
        // Without the filled-in sample at 49 they would creep over 40 ticks.
        assert_eq!(r.position_at(30.0), Vec2::new(0.0, 0.0));
        assert_eq!(r.position_at(49.5), Vec2::new(0.125, 0.0));
    }
}
