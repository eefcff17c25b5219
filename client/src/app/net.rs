//! Pumps the network session: joins in the background, polls every frame (your own avatar is
//! stepped in between, once per server tick, by `walk`, which decides the input), flushes what
//! was sent, and passes the session's events on. After a lost connection it joins again by itself, waiting longer each
//! time ([`crate::reconnect`]); R tries at once.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use madang_shared::refusal::ServerNotice;

use super::base::{ClientArgs, NetSet, Phase};
use crate::identity::PassBook;
use crate::session::{ConnState, JoinError, JoinOptions, LostWhy, Session, SessionEvent};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Net>();
    app.add_systems(OnEnter(Phase::Hall), start_join);
    app.add_systems(Last, leave_on_exit);
    app.add_systems(Update, (finish_join, poll).chain().in_set(NetSet::Receive));
    app.add_systems(Update, flush.in_set(NetSet::Send));
    app.add_systems(
        Update,
        (retry_when_asked, reconnect_by_itself)
            .chain()
            .after(NetSet::Send)
            .run_if(in_state(Phase::Hall)),
    );
}

/// The connection, as the app sees it.
#[derive(Resource, Default)]
pub struct Net {
    pub session: Option<Session>,
    joining: Option<Mutex<Receiver<Result<Session, JoinError>>>>,
    /// Why the last attempt failed, when there is no session to say it.
    pub failure: Option<LostWhy>,
    /// Time into the current server tick, in seconds.
    tick_clock: f32,
    /// The next try after a loss, and how many tries came before it since the last
    /// connection.
    pub retry: Option<Instant>,
    tries: u32,
    /// The organizers removed this visitor (a kick or ban notice came): no coming back by
    /// itself.
    removed: bool,
}

impl Net {
    /// The state a person is shown.
    pub fn state(&self) -> ConnState {
        match (&self.session, &self.failure) {
            (Some(s), _) => s.state.clone(),
            (None, Some(why)) => ConnState::Lost(why.clone()),
            (None, None) => ConnState::Connecting,
        }
    }

    /// Whether a join is under way (the HTTP request has not answered yet).
    pub fn is_joining(&self) -> bool {
        self.joining.is_some()
    }

    /// How long until the next try by itself, when one is planned.
    pub fn retry_in(&self) -> Option<Duration> {
        self.retry
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Moves the clock `dt` seconds on and says how many server ticks are due for your avatar
    /// to be stepped (none without a session). After a long stall it catches up a little rather
    /// than replaying seconds of input at once.
    pub fn ticks_due(&mut self, dt: f32) -> u32 {
        let Some(tick) = self.session.as_ref().map(Session::tick_dt) else {
            return 0;
        };
        self.tick_clock = (self.tick_clock + dt).min(tick * 4.0);
        let mut due = 0;
        while self.tick_clock >= tick {
            self.tick_clock -= tick;
            due += 1;
        }
        due
    }

    /// How far into the current tick we are, 0 to 1: drawing blends the last two steps.
    pub fn alpha(&self) -> f32 {
        match &self.session {
            Some(s) => (self.tick_clock / s.tick_dt()).clamp(0.0, 1.0),
            None => 0.0,
        }
    }
}

fn start_join(args: Res<ClientArgs>, mut net: ResMut<Net>) {
    // Entered from the join screen, the join is already under way (or done); entered again
    // for another language after a loss, trying again is `reconnect_by_itself`'s to decide.
    if net.session.is_none() && net.joining.is_none() && net.failure.is_none() {
        begin(&args, &mut net);
    }
}

/// Starts joining with `args` in the background (dropping any session there was).
pub(super) fn begin(args: &ClientArgs, net: &mut Net) {
    let (tx, rx) = channel();
    let server = args.server.clone();
    let maps = args.assets.join("maps");
    let mut book = args
        .passes
        .as_deref()
        .map(PassBook::load)
        .unwrap_or_default();
    let mut opts = JoinOptions {
        name: args.name.clone().unwrap_or_default(),
        hall: args.hall.clone(),
        spawn: args.spawn.clone(),
        visitor_pass: book.get(&server).map(str::to_owned),
        invite: args.invite.clone(),
        server_cert: args.server_cert.clone(),
        look: args.look,
    };
    // The HTTP request blocks; the window keeps drawing meanwhile.
    std::thread::spawn(move || {
        let mut result = Session::join(&server, &opts, &maps);
        if matches!(&result, Err(JoinError::Refused(why)) if why.pass_is_the_problem()) {
            // A pass from another incarnation of the server: start afresh.
            book.set(&server, None);
            opts.visitor_pass = None;
            result = Session::join(&server, &opts, &maps);
        }
        if let Ok(session) = &result {
            book.set(&server, Some(session.join.visitor_pass.clone()));
        }
        let _ = tx.send(result);
    });
    net.session = None;
    net.failure = None;
    net.retry = None;
    net.joining = Some(Mutex::new(rx));
}

fn finish_join(mut net: ResMut<Net>) {
    let Some(rx) = &net.joining else { return };
    let result = match rx.lock() {
        Ok(rx) => rx.try_recv(),
        Err(_) => Err(TryRecvError::Disconnected),
    };
    match result {
        Ok(Ok(session)) => {
            info!(name = %session.join.name, "joining");
            net.session = Some(session);
            net.joining = None;
        }
        Ok(Err(e)) => {
            warn!("could not join: {e}");
            net.failure = Some(LostWhy::Join(e));
            net.joining = None;
        }
        Err(TryRecvError::Empty) => {}
        Err(TryRecvError::Disconnected) => {
            net.failure = Some(LostWhy::Broken(
                "the join attempt stopped unexpectedly".into(),
            ));
            net.joining = None;
        }
    }
}

/// Reads what the server sent.
fn poll(mut net: ResMut<Net>, time: Res<Time>) {
    if let Some(session) = net.session.as_mut() {
        session.poll(time.delta());
    }
}

/// Sends what this frame said, and passes the session's events on.
fn flush(mut net: ResMut<Net>) {
    let net = &mut *net;
    let Some(session) = net.session.as_mut() else {
        return;
    };
    session.flush();
    // The other plugins follow the session's state; only the loss is worth a log line.
    for e in session.drain_events() {
        if let SessionEvent::Lost(why) = e {
            warn!("connection lost: {why}");
        }
    }
    if session
        .talk
        .notices
        .iter()
        .any(|n| matches!(n, ServerNotice::Kicked { .. } | ServerNotice::Banned { .. }))
    {
        net.removed = true;
    }
    if matches!(session.state, ConnState::Connected) {
        net.tries = 0;
    }
}

/// After the connection is lost, R tries again at once.
fn retry_when_asked(
    keys: Res<ButtonInput<KeyCode>>,
    args: Res<ClientArgs>,
    mut net: ResMut<Net>,
    focus: Res<bevy::input_focus::InputFocus>,
    fields: Query<(), With<bevy::text::EditableText>>,
) {
    if keys.just_pressed(KeyCode::KeyR)
        && !super::ui::typing(&focus, &fields)
        && matches!(net.state(), ConnState::Lost(_))
        && net.joining.is_none()
    {
        net.removed = false;
        begin(&args, &mut net);
    }
}

/// After a loss that time may mend, joins again after a wait that doubles each time.
fn reconnect_by_itself(args: Res<ClientArgs>, mut net: ResMut<Net>) {
    if net.joining.is_some() {
        return;
    }
    let ConnState::Lost(why) = net.state() else {
        net.retry = None;
        return;
    };
    match net.retry {
        None => {
            let wait =
                crate::reconnect::wait_before(&why, net.removed, net.tries, rand::random::<f32>());
            if let Some(wait) = wait {
                info!(?wait, tries = net.tries, "will reconnect");
                net.retry = Some(Instant::now() + wait);
            }
        }
        Some(at) if Instant::now() >= at => {
            net.tries += 1;
            begin(&args, &mut net);
        }
        Some(_) => {}
    }
}

/// Closing the window tells the server at once, so the others see you leave now rather than
/// after the timeout.
fn leave_on_exit(exit: MessageReader<AppExit>, mut net: ResMut<Net>) {
    if !exit.is_empty()
        && let Some(session) = net.session.as_mut()
    {
        session.disconnect();
    }
}
