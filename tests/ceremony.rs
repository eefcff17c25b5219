//! The awards ceremony run with bots: the organizer opens it (everyone in the expo is
//! invited), announces an award and calls its winner: the winner ends up on the stage, every
//! bot in the ceremony room receives the award and the winner's name and hears the winner
//! speak, and a bot in another hall receives the invitation but not the stage's voice. The
//! award is kept and exported with the report.

mod common;

use madang_shared::refusal::JoinRefused;
use std::time::Duration;

use common::*;
use madang_client::session::{JoinOptions, Session};
use madang_client::voice::{FRAME, RATE, Speaker};
use madang_server::Settings;
use madang_server::identity::hash_invite;
use madang_server::settings::{AwardSetting, Invite};
use madang_shared::protocol::{CeremonyStep, Role};

const CODE: &str = "ceremony-organizers";
const CLAIM: &str = "QX7M-4TPA-9KRD-2WHN";
const WAIT: Duration = Duration::from_secs(10);

fn join_as_named(
    server: &madang_server::ServerHandle,
    name: &str,
    hall: &str,
    spawn: &str,
    invite: Option<&str>,
) -> Session {
    let mut s = Session::join(
        &server.url(),
        &JoinOptions {
            name: name.into(),
            hall: Some(hall.into()),
            spawn: Some(spawn.into()),
            visitor_pass: None,
            invite: invite.map(str::to_owned),
            server_cert: None,
            look: None,
        },
        &maps_dir(),
    )
    .expect("joins");
    ready(&mut s);
    s
}

#[test]
fn the_winner_reaches_the_stage_and_the_room_sees_and_hears_them() {
    let settings = Settings {
        invites: vec![Invite {
            role: Role::Organizer,
            hash: hash_invite(CODE),
            label: "organizers".into(),
        }],
        awards: vec![AwardSetting {
            name: "국민공감상".into(),
            name_en: "People's empathy award".into(),
            winner: "소방청 담당자".into(),
            winner_visitor: None,
            claim_hash: Some(hash_invite(CLAIM)),
        }],
        ..test_settings()
    };
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let mut org = join_as_named(&server, "사회자", "ceremony", "backstage", Some(CODE));
    // The winner's label is reserved: someone else who takes it is refused at the door.
    let impostor = Session::join(
        &server.url(),
        &JoinOptions {
            name: "소방청담당자".into(),
            hall: Some("ceremony".into()),
            spawn: None,
            visitor_pass: None,
            invite: None,
            server_cert: None,
            look: None,
        },
        &maps_dir(),
    );
    assert!(
        matches!(
            &impostor,
            Err(madang_client::session::JoinError::Refused(
                JoinRefused::NameReserved { .. }
            ))
        ),
        "a name imitating the winner is refused"
    );
    // A look-alike name that is not reserved joins, and is not called to the stage.
    let mut decoy = join_as_named(&server, "소방청 담당자님", "hall", "plaza", None);
    // The winner claims the award with the code the organizers handed them.
    let mut winner = join_as_named(&server, "소방청 담당자", "hall", "plaza", Some(CLAIM));
    let mut a1 = join_as_named(&server, "관객1", "ceremony", "entrance", None);
    let mut a2 = join_as_named(&server, "관객2", "ceremony", "entrance", None);
    let mut lobby = join_as_named(&server, "로비봇", "lobby", "entrance", None);

    // A visitor cannot run it.
    let req = a1.ceremony_step(CeremonyStep::Open);
    assert!(answer(&mut a1, req).is_err());

    let req = org.ceremony_step(CeremonyStep::Open);
    assert_eq!(answer(&mut org, req), Ok(()));
    let ok = pump_until(
        &mut [&mut winner, &mut a1, &mut a2, &mut lobby],
        WAIT,
        |s| {
            s.iter()
                .all(|x| x.ceremony.view.as_ref().is_some_and(|c| c.open))
        },
    );
    assert!(ok, "everyone in the expo is invited");

    let req = org.ceremony_step(CeremonyStep::Announce(0));
    assert_eq!(answer(&mut org, req), Ok(()));
    let req = org.ceremony_step(CeremonyStep::CallWinner);
    assert_eq!(answer(&mut org, req), Ok(()));
    let ok = pump_until(
        &mut [&mut winner, &mut a1, &mut a2, &mut lobby],
        WAIT,
        |s| {
            s[0].hall_id() == Some("ceremony")
                && s[1..3].iter().all(|x| {
                    x.ceremony
                        .view
                        .as_ref()
                        .and_then(|c| c.award.as_ref())
                        .is_some_and(|a| {
                            a.name == "국민공감상" && a.winner.as_deref() == Some("소방청 담당자")
                        })
                })
        },
    );
    assert!(
        ok,
        "the winner is in the ceremony room and the room is told the award"
    );
    let stage = winner.hall_map.as_ref().unwrap().spotlights[0].rect;
    assert!(
        stage.contains(winner.me.as_ref().unwrap().pos),
        "the winner stands on the stage"
    );
    pump_for(&mut [&mut decoy], Duration::from_millis(300));
    assert_eq!(
        decoy.hall_id(),
        Some("hall"),
        "a look-alike name is never taken for the winner"
    );
    let w_id = winner.me.as_ref().unwrap().id;
    let ok = pump_until(&mut [&mut winner, &mut a1, &mut a2], WAIT, |s| {
        s[1].talk.on_stage.contains(&w_id) && s[2].talk.on_stage.contains(&w_id)
    });
    assert!(ok, "the room sees the winner on stage");
    assert!(
        lobby
            .ceremony
            .view
            .as_ref()
            .and_then(|c| c.award.as_ref())
            .is_none(),
        "the award is told to the ceremony room only"
    );

    // The winner's thanks reach the whole room and not the lobby.
    let tone: Vec<Vec<f32>> = (0..25)
        .map(|k| {
            (0..FRAME)
                .map(|i| {
                    0.4 * (((k * FRAME + i) as f32) * 600.0 * std::f32::consts::TAU / RATE as f32)
                        .sin()
                })
                .collect()
        })
        .collect();
    let mut speaker = Speaker::new(tone).unwrap();
    let start = std::time::Instant::now();
    let mut last = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(600) {
        std::thread::sleep(Duration::from_millis(10));
        let now = std::time::Instant::now();
        for (seq, data) in speaker.due((now - last).as_secs_f32()) {
            winner.send_voice(seq, data);
        }
        for s in [&mut winner, &mut a1, &mut a2, &mut lobby, &mut org] {
            s.poll(now - last);
            s.flush();
        }
        last = now;
    }
    pump_for(
        &mut [&mut a1, &mut a2, &mut lobby],
        Duration::from_millis(300),
    );
    for s in [&a1, &a2] {
        assert!(
            s.talk.voice.iter().filter(|v| v.0 == w_id).count() >= 15,
            "{} hears the winner",
            s.join.name
        );
    }
    assert!(
        lobby.talk.voice.is_empty(),
        "the lobby hears nothing of the stage"
    );

    let req = org.ceremony_step(CeremonyStep::Close);
    assert_eq!(answer(&mut org, req), Ok(()));
    pump_for(&mut [&mut org], Duration::from_millis(500));
    server.stop();
    let report = madang_server::report::build(&settings).expect("the report reads");
    assert_eq!(report.awards.len(), 1);
    assert_eq!(report.awards[0].0, "국민공감상");
    assert_eq!(report.awards[0].1, "소방청 담당자");
}
