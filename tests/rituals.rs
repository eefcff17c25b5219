//! The ceremony's rituals with bots: the partnership signed by three representatives, each
//! with their own key, the record checked offline and broken by one flipped byte; the relay's
//! object handed from one host to the next, told to the room and not to another hall, and
//! kept over a restart. The ceremony is run through its program (`Next`) as an organizer
//! would.

mod common;

use std::time::Duration;

use common::*;
use madang_client::session::{JoinOptions, Session};
use madang_server::Settings;
use madang_server::identity::hash_invite;
use madang_server::settings::{
    AgreementSetting, CalledPerson, Invite, PartySetting, ProgramStepSetting, RelaySetting,
};
use madang_shared::agreement::{VerifyError, key_from_seed, verify};
use madang_shared::protocol::{CeremonyStep, CeremonyView, Role};
use madang_shared::refusal::Refusal;

const CODE: &str = "rituals-organizers";
const WAIT: Duration = Duration::from_secs(10);
const ORGS: [&str; 3] = ["행정안전부", "대구광역시", "소방청"];

fn claimed(name: &str, code: &str) -> CalledPerson {
    CalledPerson {
        name: name.into(),
        visitor: None,
        claim_hash: Some(hash_invite(code)),
    }
}

fn settings() -> Settings {
    Settings {
        invites: vec![Invite {
            role: Role::Organizer,
            hash: hash_invite(CODE),
            label: "organizers".into(),
        }],
        agreement: Some(AgreementSetting {
            title: "실패박람회 공동 협약".into(),
            title_en: "Failure Expo partnership".into(),
            text: "실패 사례를 함께 나누고 배우기로 약속합니다.".into(),
            pdf: None,
            parties: ORGS
                .iter()
                .enumerate()
                .map(|(i, o)| PartySetting {
                    organization: (*o).into(),
                    representative: claimed(&format!("{o} 대표"), &format!("REP-{i}")),
                })
                .collect(),
        }),
        relay: Some(RelaySetting {
            object: "혁신 온도계".into(),
            object_en: "Innovation thermometer".into(),
            image: "relay/thermometer.png".into(),
            giver: claimed("2019 주관기관", "HOST-2019"),
            receiver: claimed("2020 주관기관", "HOST-2020"),
        }),
        ceremony_program: vec![
            ProgramStepSetting::Open,
            ProgramStepSetting::Signing,
            ProgramStepSetting::Handover,
            ProgramStepSetting::Close,
        ],
        ..test_settings()
    }
}

fn enter(
    server: &madang_server::ServerHandle,
    name: &str,
    (hall, spawn): (&str, &str),
    invite: Option<&str>,
    pass: Option<String>,
) -> Session {
    let mut s = Session::join(
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
    .unwrap_or_else(|e| panic!("{name} joins: {e}"));
    ready(&mut s);
    s
}

fn view(s: &Session) -> Option<&CeremonyView> {
    s.ceremony.view.as_ref()
}

fn signed(s: &Session) -> usize {
    view(s)
        .and_then(|v| v.signing.as_ref())
        .map_or(0, |g| g.signed.len())
}

#[test]
fn three_representatives_sign_and_the_record_verifies_offline() {
    let settings = settings();
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let mut org = enter(
        &server,
        "사회자",
        ("ceremony", "backstage"),
        Some(CODE),
        None,
    );
    let mut reps: Vec<Session> = ORGS
        .iter()
        .enumerate()
        .map(|(i, o)| {
            enter(
                &server,
                &format!("{o} 대표"),
                ("hall", "plaza"),
                Some(&format!("REP-{i}")),
                None,
            )
        })
        .collect();
    let mut guest = enter(&server, "관객", ("ceremony", "entrance"), None, None);
    let keys: Vec<_> = (0..3u8).map(|i| key_from_seed([i + 1; 32])).collect();

    let req = org.ceremony_step(CeremonyStep::Next);
    assert_eq!(
        answer(&mut org, req),
        Ok(()),
        "the program opens the ceremony"
    );
    for i in 0..3 {
        let req = org.ceremony_step(CeremonyStep::Next);
        assert_eq!(
            answer(&mut org, req),
            Ok(()),
            "the signing calls {}",
            ORGS[i]
        );
        let rep = &mut reps[i];
        let ok = pump_until(&mut [rep, &mut guest], WAIT, |s| {
            s[0].ceremony.sign_request.is_some()
                && s[0].hall_id() == Some("ceremony")
                && view(s[1])
                    .and_then(|v| v.signing.as_ref())
                    .is_some_and(|g| g.at_desk == Some(i as u16))
        });
        assert!(ok, "{} stands at the desk, asked to sign", ORGS[i]);
        let stage = rep.hall_map.as_ref().unwrap().spotlights[0].rect;
        assert!(stage.contains(rep.me.as_ref().unwrap().pos), "on the stage");
        if i == 0 {
            // Someone who is not a listed representative cannot sign in their place, even
            // with the very request the representative was sent.
            let mut forged = rep.ceremony.sign_request.clone().expect("asked");
            forged.visitor = guest.join.visitor_id;
            forged.name = guest.join.name.clone();
            guest.ceremony.sign_request = Some(forged);
            let req = guest
                .sign(&key_from_seed([9; 32]))
                .expect("the guest signs");
            assert_eq!(answer(&mut guest, req), Err(Refusal::NotAtTheDesk));
        }
        if i == 1 {
            // A listed representative whose signature does not hold (signed after another
            // head than the record's) is refused, and asked again.
            let mut wrong = rep.ceremony.sign_request.clone().expect("asked");
            wrong.prev_hash = vec![7; 32];
            rep.ceremony.sign_request = Some(wrong);
            let req = rep.sign(&keys[i]).expect("the client signs what it holds");
            assert_eq!(answer(rep, req), Err(Refusal::SignatureInvalid));
            assert!(
                pump_until(&mut [rep], WAIT, |s| s[0].ceremony.sign_request.is_some()),
                "asked again"
            );
        }
        let req = rep.sign(&keys[i]).expect("signs what is shown");
        assert_eq!(answer(rep, req), Ok(()), "the signature is kept");
        let ok = pump_until(&mut [&mut guest, &mut org], WAIT, |s| {
            signed(s[0]) == i + 1 && signed(s[1]) == i + 1
        });
        assert!(ok, "the room sees signature {}", i + 1);
        let g = view(&guest).unwrap().signing.as_ref().unwrap();
        assert_eq!(g.signed[i].organization, ORGS[i]);
        assert_eq!(g.signed[i].name, format!("{} 대표", ORGS[i]));
    }
    // Everyone has signed: the program goes on to the handover (whose hosts are away).
    let req = org.ceremony_step(CeremonyStep::Signing);
    assert_eq!(answer(&mut org, req), Err(Refusal::AllSigned));
    let req = org.ceremony_step(CeremonyStep::Next);
    assert_eq!(
        answer(&mut org, req),
        Err(Refusal::AbsentNextSkips {
            who: "2019 주관기관".into()
        }),
        "the signing is done and the handover's hosts are not here"
    );
    // Next again goes on without them: the program's close.
    let req = org.ceremony_step(CeremonyStep::Next);
    assert_eq!(answer(&mut org, req), Ok(()));
    assert!(
        pump_until(&mut [&mut guest], WAIT, |s| view(s[0])
            .is_some_and(|v| !v.open)),
        "the ceremony closes"
    );
    server.stop();
    drop((reps, org, guest));

    // The record is read back and checked at start: everyone has signed.
    let server = madang_server::spawn(settings.clone()).expect("starts again");
    let mut org = enter(
        &server,
        "사회자",
        ("ceremony", "backstage"),
        Some(CODE),
        None,
    );
    for step in [CeremonyStep::Open, CeremonyStep::Signing] {
        let req = org.ceremony_step(step);
        let _ = answer(&mut org, req);
    }
    let req = org.ceremony_step(CeremonyStep::Signing);
    assert_eq!(answer(&mut org, req), Err(Refusal::AllSigned));
    assert!(
        pump_until(&mut [&mut org], WAIT, |s| signed(s[0]) == 3),
        "the room is shown the three signatures kept"
    );
    server.stop();
    drop(org);

    // The record is exported with the report and holds offline.
    let report = madang_server::report::build(&settings).expect("the report reads");
    let out = settings.data_dir.join("report");
    std::fs::create_dir_all(&out).unwrap();
    let font = root().join("assets/fonts/NanumGothic.ttf");
    madang_server::report::write(&report, &out, &font).expect("written");
    let json = std::fs::read(out.join("agreement.json")).expect("agreement.json");
    let record = verify(&json).expect("the exported record verifies");
    assert_eq!(record.entries.len(), 3);
    let orgs: Vec<_> = record
        .entries
        .iter()
        .map(|e| e.organization.as_str())
        .collect();
    assert_eq!(orgs, ORGS);
    assert_eq!(
        record.entries[1].public_key,
        madang_shared::agreement::hex(&keys[1].verifying_key().to_bytes()),
        "the representative's own key"
    );
    // One byte of the second signature flipped: verification fails, naming entry 2.
    let text = String::from_utf8(json.clone()).unwrap();
    let sig = &record.entries[1].signature;
    let at = text
        .find(sig.as_str())
        .expect("the signature is in the file")
        + 10;
    let mut bytes = json.clone();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    match verify(&bytes) {
        Err(VerifyError::Entry { seq: 2, .. }) => {}
        other => panic!("a flipped byte must fail at entry 2: {other:?}"),
    }
    // The same in the store itself: the report refuses the record, naming the entry.
    let conn = rusqlite::Connection::open(settings.store_path()).unwrap();
    let stored: String = conn
        .query_row("SELECT entry FROM signatures WHERE seq = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    let at = stored.find(sig.as_str()).unwrap() + 10;
    let mut flipped = stored.into_bytes();
    flipped[at] = if flipped[at] == b'0' { b'1' } else { b'0' };
    conn.execute(
        "UPDATE signatures SET entry = ?1 WHERE seq = 2",
        [String::from_utf8(flipped).unwrap()],
    )
    .unwrap();
    drop(conn);
    let err = madang_server::report::build(&settings).expect_err("a changed record");
    assert!(err.contains("entry 2"), "{err}");
}

#[test]
fn the_relay_object_passes_to_the_next_host_and_is_kept() {
    let settings = Settings {
        agreement: None,
        ceremony_program: vec![
            ProgramStepSetting::Open,
            ProgramStepSetting::Handover,
            ProgramStepSetting::Close,
        ],
        ..settings()
    };
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let mut org = enter(
        &server,
        "사회자",
        ("ceremony", "backstage"),
        Some(CODE),
        None,
    );
    let mut giver = enter(
        &server,
        "2019 주관기관",
        ("hall", "plaza"),
        Some("HOST-2019"),
        None,
    );
    let mut receiver = enter(
        &server,
        "2020 주관기관",
        ("lobby", "entrance"),
        Some("HOST-2020"),
        None,
    );
    let mut a1 = enter(&server, "관객1", ("ceremony", "entrance"), None, None);
    let mut a2 = enter(&server, "관객2", ("ceremony", "entrance"), None, None);
    let mut away = enter(&server, "로비봇", ("lobby", "entrance"), None, None);

    let req = org.ceremony_step(CeremonyStep::Open);
    assert_eq!(answer(&mut org, req), Ok(()));
    let req = org.ceremony_step(CeremonyStep::Handover);
    assert_eq!(answer(&mut org, req), Ok(()), "both hosts are called");
    let (g_id, r_id) = loop {
        pump_for(&mut [&mut giver, &mut receiver], Duration::from_millis(50));
        if let (Some(g), Some(r)) = (&giver.me, &receiver.me)
            && giver.hall_id() == Some("ceremony")
            && receiver.hall_id() == Some("ceremony")
        {
            break (g.id, r.id);
        }
    };
    let ok = pump_until(
        &mut [&mut a1, &mut a2, &mut giver, &mut receiver],
        WAIT,
        |s| {
            s.iter().all(|x| {
                view(x)
                    .and_then(|v| v.relay.as_ref())
                    .is_some_and(|r| r.holder == Some(g_id))
            })
        },
    );
    assert!(ok, "the room sees the object over this expo's host");
    for host in [&giver, &receiver] {
        let stage = host.hall_map.as_ref().unwrap().spotlights[0].rect;
        assert!(
            stage.contains(host.me.as_ref().unwrap().pos),
            "both on the stage"
        );
    }

    let req = org.ceremony_step(CeremonyStep::Handover);
    assert_eq!(answer(&mut org, req), Ok(()), "the object passes, kept");
    let ok = pump_until(
        &mut [&mut a1, &mut a2, &mut giver, &mut receiver, &mut org],
        WAIT,
        |s| {
            s.iter().all(|x| {
                view(x).and_then(|v| v.relay.as_ref()).is_some_and(|r| {
                    r.holder == Some(r_id)
                        && r.from == Some(g_id)
                        && r.holder_name.as_deref() == Some("2020 주관기관")
                })
            })
        },
    );
    assert!(ok, "everyone in the room is told the next host holds it");
    // Handed over: the step is refused, and the program goes past it.
    let req = org.ceremony_step(CeremonyStep::Handover);
    assert_eq!(answer(&mut org, req), Err(Refusal::AlreadyHandedOver));
    let req = org.ceremony_step(CeremonyStep::Next);
    assert_eq!(
        answer(&mut org, req),
        Ok(()),
        "Next goes past the handover done, to the program's close"
    );
    assert!(
        pump_until(&mut [&mut org], WAIT, |s| view(s[0])
            .is_some_and(|v| !v.open)),
        "closed"
    );
    pump_for(&mut [&mut away], Duration::from_millis(300));
    assert!(
        view(&away).is_some_and(|v| v.relay.is_none()),
        "another hall is not told of the handover"
    );
    let pass = receiver.join.visitor_pass.clone();
    server.stop();
    drop((giver, receiver, a1, a2, away, org));

    // A restart keeps the holder: the next host comes back and the object is over them.
    let server = madang_server::spawn(settings.clone()).expect("starts again");
    let mut org = enter(
        &server,
        "사회자",
        ("ceremony", "backstage"),
        Some(CODE),
        None,
    );
    let mut receiver = enter(
        &server,
        "2020 주관기관",
        ("ceremony", "entrance"),
        Some("HOST-2020"),
        Some(pass),
    );
    let mut a1 = enter(&server, "관객1", ("ceremony", "entrance"), None, None);
    let req = org.ceremony_step(CeremonyStep::Open);
    assert_eq!(answer(&mut org, req), Ok(()));
    let r_id = receiver.me.as_ref().unwrap().id;
    let ok = pump_until(&mut [&mut a1, &mut receiver], WAIT, |s| {
        view(s[0])
            .and_then(|v| v.relay.as_ref())
            .is_some_and(|r| r.holder == Some(r_id))
    });
    assert!(ok, "the holder is kept over the restart");
    server.stop();
    let report = madang_server::report::build(&settings).expect("the report reads");
    assert_eq!(report.handovers.len(), 1);
    assert_eq!(report.handovers[0].1, "2019 주관기관");
    assert_eq!(report.handovers[0].2, "2020 주관기관");
}
