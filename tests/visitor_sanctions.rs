//! Mutes and bans belong to the visitor, not the connection: a mute holds when they reconnect
//! and after a restart, a ban closes every connection of theirs at once, and a connect token
//! issued before the ban is refused when it reaches the game socket.

mod common;

use madang_shared::refusal::{Refusal, ServerNotice};
use std::time::Duration;

use common::*;
use madang_client::session::{ConnState, JoinOptions, Session};
use madang_server::Settings;
use madang_server::identity::hash_invite;
use madang_shared::protocol::{ModAction, Role};
use madang_shared::talk::ChatScope;

const WAIT: Duration = Duration::from_secs(10);
const ORGANIZER_CODE: &str = "expo-organizers-2026";

fn settings() -> Settings {
    Settings {
        invites: vec![madang_server::settings::Invite {
            role: Role::Organizer,
            hash: hash_invite(ORGANIZER_CODE),
            label: "organizers".into(),
        }],
        ..test_settings()
    }
}

fn options(name: &str, pass: Option<String>, invite: Option<&str>) -> JoinOptions {
    JoinOptions {
        name: name.into(),
        hall: Some("hall".into()),
        spawn: Some("plaza".into()),
        visitor_pass: pass,
        invite: invite.map(str::to_owned),
        server_cert: None,
        look: None,
    }
}

fn enter(server: &madang_server::ServerHandle, opts: &JoinOptions) -> Session {
    let mut s = Session::join(&server.url(), opts, &maps_dir()).expect("joins");
    ready(&mut s);
    s
}

/// The chat refusal a muted person gets, or `None` when their line went through.
fn chat_refused(s: &mut Session) -> Option<Refusal> {
    // Let the chat budget (a burst of 5, then one a second) refill between tries.
    pump_for(&mut [&mut *s], Duration::from_millis(1100));
    let req = s.chat(ChatScope::Room, "안녕하세요");
    answer(s, req).err()
}

#[test]
fn a_muted_visitor_stays_muted_across_reconnects_and_restarts() {
    let settings = settings();
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let mut org = enter(&server, &options("운영자", None, Some(ORGANIZER_CODE)));
    let mut v = enter(&server, &options("떠드는 사람", None, None));
    let pass = v.join.visitor_pass.clone();
    assert_eq!(
        chat_refused(&mut v),
        None,
        "before the mute, chat goes through"
    );
    let v_id = v.me.as_ref().expect("welcomed").id;
    let req = org.mute(v_id, true);
    assert_eq!(
        answer(&mut org, req),
        Ok(()),
        "the mute is acknowledged once kept"
    );
    let why = chat_refused(&mut v).expect("muted");
    assert_eq!(why, Refusal::Muted);

    // Gone and back with the same pass: still muted.
    v.disconnect();
    let mut v = enter(&server, &options("떠드는 사람", Some(pass.clone()), None));
    assert!(
        chat_refused(&mut v) == Some(Refusal::Muted),
        "a reconnect does not lift a mute"
    );
    assert!(
        pump_until(&mut [&mut v], WAIT, |s| s[0]
            .talk
            .notices
            .iter()
            .any(|n| *n == ServerNotice::Muted)),
        "and the returning visitor is told: {:?}",
        v.talk.notices
    );
    v.disconnect();
    org.disconnect();
    server.stop();

    // A restart reads the mute from the store.
    let server = madang_server::spawn(settings.clone()).expect("starts again");
    let mut org = enter(&server, &options("운영자", None, Some(ORGANIZER_CODE)));
    let mut v = enter(&server, &options("떠드는 사람", Some(pass.clone()), None));
    assert!(
        chat_refused(&mut v) == Some(Refusal::Muted),
        "a restart does not lift a mute"
    );
    let v_id = v.me.as_ref().expect("welcomed").id;
    let req = org.mute(v_id, false);
    assert_eq!(answer(&mut org, req), Ok(()));
    assert_eq!(
        chat_refused(&mut v),
        None,
        "unmuted, chat goes through again"
    );
    server.stop();
}

#[test]
fn a_ban_closes_every_connection_of_the_visitor_and_an_earlier_token_is_refused() {
    let server = madang_server::spawn(settings()).expect("starts");
    let mut org = enter(&server, &options("운영자", None, Some(ORGANIZER_CODE)));
    let mut first = enter(&server, &options("두 창", None, None));
    let pass = first.join.visitor_pass.clone();
    let visitor = first.join.visitor_id;
    // The same visitor in a second window.
    let mut second = enter(&server, &options("두 창", Some(pass.clone()), None));
    assert_eq!(second.join.visitor_id, visitor);
    // And a token fetched now, used only after the ban.
    let early = madang_client::session::request_join(
        &server.url(),
        &options("두 창", Some(pass.clone()), None),
    )
    .expect("a token before the ban");

    let who = first.me.as_ref().expect("welcomed").id;
    let req = org.moderate(ModAction::Ban {
        who,
        reason: "도배".into(),
        minutes: None,
    });
    assert_eq!(answer(&mut org, req), Ok(()));
    assert!(
        pump_until(&mut [&mut first, &mut second], WAIT, |s| s
            .iter()
            .all(|x| matches!(x.state, ConnState::Lost(_)))),
        "both connections of the banned visitor are closed: {:?} {:?}",
        first.state,
        second.state
    );

    let mut late = Session::connect(early, &maps_dir()).expect("the old token starts");
    let welcomed = pump_until(&mut [&mut late], Duration::from_secs(4), |s| {
        s[0].is_ready()
    });
    assert!(
        !welcomed,
        "a token issued before the ban is refused at admission"
    );
    server.stop();
}
