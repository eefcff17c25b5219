//! Pumps the network session: joins in the background, polls every frame, steps your own
//! avatar once per server tick with the keys held, and passes the session's events on.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::rules::MoveInput;

use super::directory::AutoWalk;
use super::panel::typing;
use super::{ClientArgs, FrameSet};
use crate::identity::PassBook;
use crate::session::{ConnState, JoinError, JoinOptions, LostWhy, Session, SessionEvent};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Net>();
    app.add_systems(Startup, start_join);
    app.add_systems(Last, leave_on_exit);
    app.add_systems(
        Update,
        (finish_join, drive_session, retry_when_asked)
            .chain()
            .in_set(FrameSet::Net),
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

    /// How far into the current tick we are, 0 to 1: drawing blends the last two steps.
    pub fn alpha(&self) -> f32 {
        match &self.session {
            Some(s) => (self.tick_clock / s.tick_dt()).clamp(0.0, 1.0),
            None => 0.0,
        }
    }
}

fn start_join(args: Res<ClientArgs>, mut net: ResMut<Net>) {
    begin(&args, &mut net);
}

fn begin(args: &ClientArgs, net: &mut Net) {
    let (tx, rx) = channel();
    let server = args.server.clone();
    let maps = args.assets.join("maps");
    let mut book = args
        .passes
        .as_deref()
        .map(PassBook::load)
        .unwrap_or_default();
    let mut opts = JoinOptions {
        name: args.name.clone(),
        hall: args.hall.clone(),
        spawn: args.spawn.clone(),
        visitor_pass: book.get(&server).map(str::to_owned),
        invite: args.invite.clone(),
        server_cert: args.server_cert.clone(),
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

/// The movement keys held now: arrows and WASD (WASD only while the editor has the arrows).
fn held_input(keys: &ButtonInput<KeyCode>, arrows: bool) -> MoveInput {
    let any = |a, b| (arrows && keys.pressed(a)) || keys.pressed(b);
    MoveInput::from_keys(
        any(KeyCode::ArrowLeft, KeyCode::KeyA),
        any(KeyCode::ArrowRight, KeyCode::KeyD),
        any(KeyCode::ArrowUp, KeyCode::KeyW),
        any(KeyCode::ArrowDown, KeyCode::KeyS),
    )
}

fn drive_session(
    mut net: ResMut<Net>,
    time: Res<Time>,
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    mut auto: ResMut<AutoWalk>,
    editor: Res<super::editor::Editor>,
) {
    let net = &mut *net;
    let Some(session) = net.session.as_mut() else {
        return;
    };
    session.poll(time.delta());
    let tick = session.tick_dt();
    net.tick_clock += time.delta_secs();
    // After a long stall, catch up a little rather than replaying seconds of input at once.
    net.tick_clock = net.tick_clock.min(tick * 4.0);
    // Letters typed into a text field do not walk.
    let held = if typing(&focus, &fields) {
        MoveInput::IDLE
    } else {
        held_input(&keys, !editor.captures_arrows())
    };
    if !held.is_idle() {
        // A person's keys take over from the directory's walk.
        auto.walk = None;
    }
    while net.tick_clock >= tick {
        net.tick_clock -= tick;
        let mut input = held;
        if let (Some((walker, _)), Some(me)) = (auto.walk.as_mut(), session.me.as_ref()) {
            input = walker
                .steer(me.pos, session.speed * tick)
                .unwrap_or(MoveInput::IDLE);
        }
        session.step(input);
    }
    session.fade_correction(time.delta_secs());
    session.flush();
    // The other plugins follow the session's state; only the loss is worth a log line.
    for e in session.drain_events() {
        if let SessionEvent::Lost(why) = e {
            warn!("connection lost: {why}");
        }
    }
}

/// After the connection is lost, R tries again.
fn retry_when_asked(keys: Res<ButtonInput<KeyCode>>, args: Res<ClientArgs>, mut net: ResMut<Net>) {
    if keys.just_pressed(KeyCode::KeyR) && matches!(net.state(), ConnState::Lost(_)) {
        begin(&args, &mut net);
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
