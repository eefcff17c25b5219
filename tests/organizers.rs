//! Organizers over real UDP: roles from invite codes (kept hashed in the settings), every
//! privileged message refused to a visitor with nothing changed, kick, a ban that survives a
//! restart and refuses the next join with its reason, moving someone to the stage, reports,
//! people online, and banners.

mod common;

use madang_shared::refusal::{JoinRefused, ServerNotice};
use std::time::Duration;

use common::*;
use madang_client::session::{ConnState, JoinError, JoinOptions, List, Session};
use madang_server::Settings;
use madang_server::identity::hash_invite;
use madang_shared::protocol::{BallotState, FloorAction, ModAction, Role, ScreenAction};
use madang_shared::talk::ChatScope;

const WAIT: Duration = Duration::from_secs(10);
const ORGANIZER_CODE: &str = "expo-organizers-2026";
const FACILITATOR_CODE: &str = "table-hosts-2026";

fn settings() -> Settings {
    Settings {
        invites: vec![
            madang_server::settings::Invite {
                role: Role::Organizer,
                hash: hash_invite(ORGANIZER_CODE),
                label: "organizers".into(),
            },
            madang_server::settings::Invite {
                role: Role::Facilitator,
                hash: hash_invite(FACILITATOR_CODE),
                label: "table hosts".into(),
            },
        ],
        ..test_settings()
    }
}

fn join_with(
    server: &madang_server::ServerHandle,
    name: &str,
    hall: &str,
    spawn: &str,
    invite: Option<&str>,
    pass: Option<String>,
) -> Result<Session, JoinError> {
    Session::join(
        &server.url(),
        &JoinOptions {
            name: name.into(),
            hall: Some(hall.into()),
            spawn: Some(spawn.into()),
            visitor_pass: pass,
            invite: invite.map(str::to_owned),
            server_cert: None,
            look: None,
        },
        &maps_dir(),
    )
}

/// An organizer, by the invite code.
fn organizer(server: &madang_server::ServerHandle, hall: &str, spawn: &str) -> Session {
    join_with(server, "운영자", hall, spawn, Some(ORGANIZER_CODE), None).expect("joins")
}

/// Waits for the list asked for with `req`.
fn wait_list(s: &mut Session, req: u32, timeout: Duration) -> Option<List> {
    let mut list = None;
    pump_until(&mut [s], timeout, |s| {
        list = s[0].take_list(req);
        list.is_some()
    });
    list
}

/// Waits for the page of comments asked for with `req`.
fn wait_page(s: &mut Session, req: u32) -> Vec<madang_shared::protocol::CommentView> {
    let mut page = None;
    pump_until(&mut [s], WAIT, |s| {
        page = s[0].take_page(req);
        page.is_some()
    });
    page.expect("a page of comments").0
}

#[test]
fn invite_codes_grant_roles_and_a_wrong_one_is_refused() {
    let server = madang_server::spawn(settings()).expect("starts");
    let mut o = organizer(&server, "lobby", "entrance");
    assert_eq!(o.join.role, Role::Organizer);
    ready(&mut o);
    assert_eq!(
        o.me.as_ref().unwrap().role,
        Role::Organizer,
        "the role is in the token"
    );
    let f = join_with(
        &server,
        "진행자",
        "lobby",
        "entrance",
        Some(FACILITATOR_CODE),
        None,
    )
    .expect("joins");
    assert_eq!(f.join.role, Role::Facilitator);
    let v = join_with(&server, "손님", "lobby", "entrance", None, None).expect("joins");
    assert_eq!(v.join.role, Role::Visitor, "a guest by nickname");
    match join_with(
        &server,
        "사칭",
        "lobby",
        "entrance",
        Some("guess-the-code"),
        None,
    ) {
        Err(JoinError::Refused(why)) => assert_eq!(why, JoinRefused::InviteInvalid),
        other => panic!(
            "a wrong code must be refused: {:?}",
            other.map(|s| s.join.role)
        ),
    }
    server.stop();
}

#[test]
fn every_privileged_message_from_a_visitor_is_refused_and_changes_nothing() {
    let server = madang_server::spawn(settings()).expect("starts");
    let mut v = join_with(&server, "방문객", "hall", "plaza", None, None).expect("joins");
    let mut t = join_with(&server, "대상", "hall", "plaza", None, None).expect("joins");
    for s in [&mut v, &mut t] {
        ready(s);
    }
    let ok = pump_until(&mut [&mut v, &mut t], WAIT, |s| {
        !s[0].ballot.ballots.is_empty()
            && !s[0].screen.playback.is_empty()
            && !s[0].booth.facts.is_empty()
    });
    assert!(ok, "ballots, screens and booths are known");
    let t_id = t.me.as_ref().unwrap().id;
    let t_pos = t.me.as_ref().unwrap().pos;
    let booth = *t.booth.facts.keys().next().expect("a booth in view");
    let req = t.comment(booth, "좋은 사례입니다");
    assert_eq!(answer(&mut t, req), Ok(()));
    let req = t.read_comments(booth, None);
    let comment = wait_page(&mut t, req)[0].id;
    let ballot = v.ballot.ballots[0].id.clone();
    let screen = *v.screen.playback.keys().next().unwrap();
    let playback = v.screen.playback[&screen];

    let attempts: Vec<(&str, u32)> = vec![
        ("hide a comment", v.hide_comment(comment, true)),
        ("open a ballot", v.set_ballot(&ballot, BallotState::Open)),
        (
            "pause a screen",
            v.control_screen(screen, ScreenAction::Pause),
        ),
        ("mute someone", v.mute(t_id, true)),
        (
            "kick someone",
            v.moderate(ModAction::Kick {
                who: t_id,
                reason: "test".into(),
            }),
        ),
        (
            "ban someone",
            v.moderate(ModAction::Ban {
                who: t_id,
                reason: "test".into(),
                minutes: None,
            }),
        ),
        ("lift a ban", v.moderate(ModAction::Unban { visitor: 1 })),
        (
            "move someone to the stage",
            v.moderate(ModAction::ToStage { who: t_id }),
        ),
        ("list the people online", v.ask_people("")),
        ("read the reports", v.ask_reports()),
        (
            "open the results figures",
            v.ask_figures(madang_shared::map::Lang::Ko),
        ),
        ("put up a banner", v.announce(None, Some("가짜 공지"))),
        ("give the floor", v.floor(FloorAction::Next)),
    ];
    for (what, req) in attempts {
        let got = answer(&mut v, req);
        assert!(got.is_err(), "a visitor could {what}");
    }
    pump_for(&mut [&mut v, &mut t], Duration::from_millis(800));
    // Nothing changed.
    assert_eq!(t.state, ConnState::Connected, "the target is still here");
    assert_eq!(t.me.as_ref().unwrap().pos, t_pos, "and where they were");
    assert_eq!(t.hall_id(), Some("hall"));
    assert_eq!(t.moderation.announcement, None, "no banner went up");
    assert!(
        v.ballot
            .ballots
            .iter()
            .all(|b| b.state == BallotState::Draft),
        "no ballot opened"
    );
    assert_eq!(
        v.screen.playback[&screen].playing, playback.playing,
        "the screen plays on"
    );
    let req = t.chat(ChatScope::Near, "아직 말할 수 있어요");
    assert_eq!(answer(&mut t, req), Ok(()), "the target was not muted");
    let req = t.read_comments(booth, None);
    let page = wait_page(&mut t, req);
    assert!(
        page.iter().any(|c| c.id == comment && !c.hidden),
        "the comment is still shown"
    );
    server.stop();
}

#[test]
fn a_ban_survives_a_restart_and_refuses_the_next_join_with_its_reason() {
    let settings = settings();
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let mut o = organizer(&server, "lobby", "entrance");
    let mut t = join_with(&server, "말썽꾼", "lobby", "entrance", None, None).expect("joins");
    ready(&mut o);
    ready(&mut t);
    let pass = t.join.visitor_pass.clone();
    let t_id = t.me.as_ref().unwrap().id;
    let req = o.moderate(ModAction::Ban {
        who: t_id,
        reason: "다른 참가자에게 욕설".into(),
        minutes: None,
    });
    assert_eq!(
        answer(&mut o, req),
        Ok(()),
        "the ban is acknowledged once kept"
    );
    let ok = pump_until(&mut [&mut t], WAIT, |s| {
        matches!(s[0].state, ConnState::Lost(_))
    });
    assert!(ok, "the banned person is disconnected");
    assert!(
        t.talk.notices.iter().any(
            |n| matches!(n, ServerNotice::Banned { reason } if reason == "다른 참가자에게 욕설")
        ),
        "and told why first: {:?}",
        t.talk.notices
    );
    server.stop();

    let server = madang_server::spawn(settings).expect("restarts on the same data");
    match join_with(&server, "말썽꾼", "lobby", "entrance", None, Some(pass)) {
        Err(JoinError::Refused(why)) => {
            assert!(
                matches!(&why, JoinRefused::Banned { reason, until: None } if reason == "다른 참가자에게 욕설"),
                "{why}"
            )
        }
        other => panic!(
            "the banned visitor got in: {:?}",
            other.map(|s| s.join.name)
        ),
    }
    let mut fresh = join_with(&server, "새 손님", "lobby", "entrance", None, None).expect("joins");
    ready(&mut fresh);
    server.stop();
}

#[test]
fn organizers_kick_move_to_the_stage_read_reports_list_people_and_put_up_banners() {
    let server = madang_server::spawn(settings()).expect("starts");
    let mut o = organizer(&server, "lobby", "entrance");
    let mut a = join_with(&server, "수상자", "lobby", "entrance", None, None).expect("joins");
    let mut b = join_with(&server, "관람객", "hall", "plaza", None, None).expect("joins");
    for s in [&mut o, &mut a, &mut b] {
        ready(s);
    }
    let (a_id, b_id) = (a.me.as_ref().unwrap().id, b.me.as_ref().unwrap().id);

    // A banner for the whole expo reaches every hall, and later arrivals.
    let req = o.announce(None, Some("15시 시상식이 시상식장에서 열립니다"));
    assert_eq!(answer(&mut o, req), Ok(()));
    let ok = pump_until(&mut [&mut a, &mut b], WAIT, |s| {
        s.iter().all(|x| {
            x.moderation.announcement.as_deref() == Some("15시 시상식이 시상식장에서 열립니다")
        })
    });
    assert!(ok, "everyone sees the banner");
    let mut late =
        join_with(&server, "늦은 사람", "hall", "from_lobby", None, None).expect("joins");
    ready(&mut late);
    let ok = pump_until(&mut [&mut late], WAIT, |s| {
        s[0].moderation.announcement.is_some()
    });
    assert!(ok, "a later arrival sees it too");

    // Moved to the stage: into the ceremony room, on the spotlight.
    let req = o.moderate(ModAction::ToStage { who: a_id });
    assert_eq!(answer(&mut o, req), Ok(()));
    let ok = pump_until(&mut [&mut a], WAIT, |s| s[0].hall_id() == Some("ceremony"));
    assert!(ok, "the winner is in the ceremony room");
    let stage = a.hall_map.as_ref().unwrap().spotlights[0].rect;
    assert!(stage.contains(a.me.as_ref().unwrap().pos), "on the stage");

    // A report, and the organizer reads it; the people list finds by name.
    let req = b.report(a_id, "사진을 도배합니다");
    assert_eq!(answer(&mut b, req), Ok(()));
    let req = o.ask_reports();
    match wait_list(&mut o, req, WAIT) {
        Some(List::Reports(rows)) => assert!(rows.iter().any(|r| r.reason == "사진을 도배합니다"
            && r.target == "수상자"
            && r.reporter == "관람객")),
        other => panic!("{other:?}"),
    }
    let req = o.ask_people("관람");
    match wait_list(&mut o, req, WAIT) {
        Some(List::People(rows)) => {
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].id, b_id);
        }
        other => panic!("{other:?}"),
    }

    // A kick: told why, disconnected, free to come back.
    let req = o.moderate(ModAction::Kick {
        who: b_id,
        reason: "잠시 퇴장해 주세요".into(),
    });
    assert_eq!(answer(&mut o, req), Ok(()));
    let ok = pump_until(&mut [&mut b], WAIT, |s| {
        matches!(s[0].state, ConnState::Lost(_))
    });
    assert!(ok, "kicked out");
    assert!(b.talk.notices.iter().any(
        |n| matches!(n, ServerNotice::Kicked { reason } if reason.contains("잠시 퇴장해 주세요"))
    ));
    let mut back = join_with(
        &server,
        "관람객",
        "hall",
        "plaza",
        None,
        Some(b.join.visitor_pass.clone()),
    )
    .expect("a kick is not a ban");
    ready(&mut back);

    // The banner comes down.
    let req = o.announce(None, None);
    assert_eq!(answer(&mut o, req), Ok(()));
    let ok = pump_until(&mut [&mut back, &mut a], WAIT, |s| {
        s[1].moderation.announcement.is_none()
    });
    assert!(ok, "the banner is taken down");
    server.stop();
}

#[test]
fn organizers_open_the_results_figures_in_the_client() {
    let server = madang_server::spawn(settings()).expect("starts");
    let mut o = organizer(&server, "hall", "plaza");
    ready(&mut o);
    let req = o.ask_figures(madang_shared::map::Lang::En);
    let list = wait_list(&mut o, req, Duration::from_secs(20));
    let Some(List::Figures(charts)) = list else {
        panic!("the figures do not come: {list:?}")
    };
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    for name in ["booth_visitors.png", "booth_dwell.png", "hall_people.png"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    for (name, png) in &charts {
        let img = image::load_from_memory(png).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((img.width(), img.height()), (1200, 700), "{name}");
    }
    // Captioned in the organizer's language: the same chart asked in Korean is drawn apart.
    let req = o.ask_figures(madang_shared::map::Lang::Ko);
    let Some(List::Figures(korean)) = wait_list(&mut o, req, Duration::from_secs(20)) else {
        panic!("the Korean figures do not come")
    };
    assert_eq!(korean.len(), charts.len());
    assert_ne!(
        korean[0].1, charts[0].1,
        "{} is captioned per language",
        charts[0].0
    );
    server.stop();
}

#[test]
fn a_banner_is_kept_across_a_restart() {
    let settings = settings();
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let mut o = organizer(&server, "lobby", "entrance");
    ready(&mut o);
    let req = o.announce(None, Some("내일 10시에 다시 엽니다"));
    assert_eq!(answer(&mut o, req), Ok(()), "acknowledged once kept");
    o.disconnect();
    server.stop();
    let server = madang_server::spawn(settings).expect("starts again");
    let mut v = join_with(&server, "다음날 손님", "lobby", "entrance", None, None).expect("joins");
    ready(&mut v);
    assert!(
        pump_until(&mut [&mut v], WAIT, |s| s[0]
            .moderation
            .announcement
            .as_deref()
            == Some("내일 10시에 다시 엽니다")),
        "the banner is still up after the restart: {:?}",
        v.moderation.announcement
    );
    server.stop();
}
