//! The ceremony's rituals as a representative and the room see them, in the real window under
//! Xvfb with real clicks (xdotool). The window is the representative of 대구광역시 (joined with
//! their claim code); an organizer (a headless session) runs the signing: the first
//! representative, a bot, signs; the window is called to the signing desk, shown the agreement
//! and a Sign button; a click signs with the key the window keeps beside its visitor pass; the
//! stage screen shows the signatures (checked on the screenshot and by the organizer's view),
//! with applause. Then the relay's hosts are called and the thermometer passes: it is drawn
//! over the next host and the room is told. Before all that, the stamp card: the window earns
//! the tour's stamp for attending the timetable's item in the ceremony room (a notice, the
//! counter), K opens the card, and a click gives the points to a cause.
//!
//! The window must run on the main thread, so this test has its own `main` (harness = false).

mod common;

use std::process::ExitCode;
use std::time::Duration;

use common::hands::*;
use common::*;
use madang_client::app::ClientArgs;
use madang_client::session::{JoinOptions, Session};
use madang_server::identity::hash_invite;
use madang_server::settings::{
    AgreementSetting, CalledPerson, CauseSetting, Invite, PartySetting, RelaySetting, ScheduleItem,
    StampSetting, TourSetting,
};
use madang_shared::agreement::key_from_seed;
use madang_shared::protocol::{CeremonyStep, Role};

const W: u32 = 1280;
const H: u32 = 720;
const CODE: &str = "client-rituals-organizers";
const ORGS: [&str; 3] = ["행정안전부", "대구광역시", "소방청"];
/// The board's background and its gold, as the window draws them.
const BOARD: [u8; 3] = [13, 15, 26];
const GOLD: [u8; 3] = [255, 219, 107];
/// The thermometer's red.
const RED: [u8; 3] = [220, 40, 40];

fn claimed(name: &str, code: &str) -> CalledPerson {
    CalledPerson {
        name: name.into(),
        visitor: None,
        claim_hash: Some(hash_invite(code)),
    }
}

fn main() -> ExitCode {
    let shots = match window_test("client_rituals") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = temp_data_dir();
    std::fs::create_dir_all(&dir).expect("a temp folder");
    let settings = madang_server::Settings {
        invites: vec![Invite {
            role: Role::Organizer,
            hash: hash_invite(CODE),
            label: "organizers".into(),
        }],
        agreement: Some(AgreementSetting {
            title: "실패박람회 공동 협력 협약".into(),
            title_en: "Failure Expo partnership".into(),
            text: "실패 사례를 함께 나누고, 배운 것을 다음 정책에 반영하기로 약속합니다.".into(),
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
        // 2026-11-21 13:59:58 in Seoul: the 13:30 signing ceremony is on.
        clock_start_unix_ms: Some(1_795_237_198_000),
        schedule: vec![ScheduleItem {
            time: "13:30".into(),
            title: "공동 협력 협약식".into(),
            title_en: "Partnership signing".into(),
            minutes: 60,
            hall: Some("ceremony".into()),
            opens_ceremony: false,
            screen: None,
            deck: None,
        }],
        tours: vec![TourSetting {
            id: "today".into(),
            name: "오늘의 행사 스탬프 투어".into(),
            name_en: "Today's stamp tour".into(),
            pledge_any_time: true,
            stamps: vec![
                StampSetting {
                    id: "attend".into(),
                    label: "협약식 참석".into(),
                    label_en: "Attend the signing".into(),
                    points: 10,
                    booth: None,
                    video: None,
                    timetable: Some("공동 협력 협약식".into()),
                    comment: None,
                    table: None,
                    seconds: 2,
                },
                StampSetting {
                    id: "visit".into(),
                    label: "119 부스 방문".into(),
                    label_en: "Visit the 119 booth".into(),
                    points: 10,
                    booth: Some("hall#3".into()),
                    video: None,
                    timetable: None,
                    comment: None,
                    table: None,
                    seconds: 30,
                },
            ],
            causes: vec![CauseSetting {
                id: "firefighters".into(),
                name: "소방관 응원".into(),
                name_en: "Cheer the firefighters".into(),
            }],
        }],
        ..test_settings()
    };
    let server = madang_server::spawn(settings.clone()).expect("the server starts");
    let url = server.url();
    let passes = dir.join("identity/passes.json");
    let args = ClientArgs {
        passes: Some(passes.clone()),
        invite: Some("REP-1".into()),
        ..window_args(
            &server,
            "대구광역시 대표",
            ("ceremony", "entrance"),
            &dir,
            &shots,
        )
    };
    let keep = [
        (1, "stamp_notice"),
        (2, "stamp_card"),
        (3, "pledged"),
        (4, "sign_prompt"),
        (5, "signed"),
        (6, "relay"),
    ];
    let key_file = passes.with_file_name("signing.key");
    let exit = run_window("client_rituals", args, &keep, move || {
        person(&shots, &url, &passes)
    });
    server.stop();
    // The second signature in the record is the window's own key's.
    let report = madang_server::report::build(&settings).expect("the report reads");
    let key = std::fs::read_to_string(&key_file).unwrap_or_default();
    let key: Option<[u8; 32]> = (key.trim().len() == 64)
        .then(|| {
            (0..32)
                .map(|i| u8::from_str_radix(&key.trim()[i * 2..i * 2 + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()
        })
        .flatten()
        .and_then(|v| v.try_into().ok());
    let public =
        key.map(|k| madang_shared::agreement::hex(&key_from_seed(k).verifying_key().to_bytes()));
    let recorded = report
        .agreement
        .as_ref()
        .and_then(|r| r.entries.get(1))
        .map(|e| e.public_key.clone());
    if public.is_none() || public != recorded {
        eprintln!(
            "client_rituals: the record's second signature is by {recorded:?}, the window's key is {public:?}"
        );
        return ExitCode::FAILURE;
    }
    println!("test the record holds the window's own public key ... ok");
    exit
}

fn enter(
    url: &str,
    name: &str,
    (hall, spawn): (&str, &str),
    code: &str,
) -> Result<Session, String> {
    let mut s = Session::join(
        url,
        &JoinOptions {
            name: name.into(),
            hall: Some(hall.into()),
            spawn: Some(spawn.into()),
            visitor_pass: None,
            invite: Some(code.into()),
            server_cert: None,
            look: None,
        },
        &maps_dir(),
    )
    .map_err(|e| format!("{name} joins: {e}"))?;
    ready(&mut s);
    Ok(s)
}

fn step(org: &mut Session, s: CeremonyStep) -> Result<(), String> {
    let req = org.ceremony_step(s);
    answer(org, req).map_err(|e| format!("{s:?} refused: {e}"))
}

fn signed(s: &Session) -> usize {
    s.ceremony
        .view
        .as_ref()
        .and_then(|v| v.signing.as_ref())
        .map_or(0, |g| g.signed.len())
}

fn person(shots: &std::path::Path, url: &str, passes: &std::path::Path) -> Result<Steps, String> {
    let mut steps: Steps = Vec::new();
    let mut org = enter(url, "사회자", ("ceremony", "backstage"), CODE)?;
    let mut first = enter(url, "행정안전부 대표", ("hall", "plaza"), "REP-0")?;
    let window = wait_for_window()?;
    xdo(&["mousemove", "5", "5"])?;
    pump_for(&mut [&mut org, &mut first], Duration::from_secs(4));
    let _ = xdo(&["windowfocus", &window]);
    key("Escape")?;

    // The stamp card: two seconds in the room while the item is on earn its stamp (told for
    // ten seconds).
    pump_for(&mut [&mut org, &mut first], Duration::from_secs(2));
    let _ = snap(shots, 1)?;
    steps.push((
        "the stamp earned is told, and the counter is up".into(),
        mark(shots, 1, "stamp_notice")
            .and(mark(shots, 1, "stamp_counter"))
            .map(|_| ()),
    ));
    key("k")?;
    pump_for(&mut [&mut org, &mut first], Duration::from_secs(1));
    let _ = snap(shots, 2)?;
    let give = mark(shots, 2, "pledge_button");
    steps.push((
        "K opens the card, with a button to give the points".into(),
        mark(shots, 2, "stamp_card").and(give.clone()).map(|_| ()),
    ));
    click_area(give?)?;
    pump_for(&mut [&mut org, &mut first], Duration::from_secs(2));
    let _ = snap(shots, 3)?;
    steps.push((
        "a click gives them: the card shows no more to give".into(),
        match (
            mark(shots, 3, "stamp_card"),
            mark(shots, 3, "pledge_button"),
        ) {
            (Ok(_), Err(_)) => Ok(()),
            (card, button) => Err(format!("card {card:?}, button {button:?}")),
        },
    ));
    key("k")?;

    step(&mut org, CeremonyStep::Open)?;
    step(&mut org, CeremonyStep::Signing)?;
    pump_until(&mut [&mut first], Duration::from_secs(10), |s| {
        s[0].ceremony.sign_request.is_some()
    });
    let req = first
        .sign(&key_from_seed([1; 32]))
        .map_err(|e| format!("the first representative signs: {e}"))?;
    answer(&mut first, req).map_err(|e| format!("the first signature: {e}"))?;
    // The window's representative is called to the desk.
    step(&mut org, CeremonyStep::Signing)?;
    pump_for(&mut [&mut org, &mut first], Duration::from_secs(3));
    let _ = snap(shots, 4)?;
    let button = mark(shots, 4, "sign_button");
    steps.push((
        "at the desk, the window shows the agreement and a Sign button".into(),
        button.as_ref().map(|_| ()).map_err(|e| e.clone()),
    ));
    click_area(button?)?;
    let two = pump_until(&mut [&mut org, &mut first], Duration::from_secs(10), |s| {
        signed(s[0]) == 2
    });
    steps.push((
        "a click signs, and the room is shown the second signature".into(),
        if two {
            Ok(())
        } else {
            Err(format!("the organizer sees {} signatures", signed(&org)))
        },
    ));
    let g = org.ceremony.view.as_ref().and_then(|v| v.signing.clone());
    steps.push((
        "the signature is 대구광역시's, by its representative".into(),
        match g.as_ref().and_then(|g| g.signed.get(1)) {
            Some(s) if s.organization == ORGS[1] && s.name == "대구광역시 대표" => Ok(()),
            other => Err(format!("{other:?}")),
        },
    ));
    let key = std::fs::read_to_string(passes.with_file_name("signing.key")).unwrap_or_default();
    steps.push((
        "the window signed with a key it keeps beside its visitor pass".into(),
        if key.trim().len() == 64 {
            Ok(())
        } else {
            Err(format!("signing.key holds {key:?}"))
        },
    ));
    pump_for(&mut [&mut org, &mut first], Duration::from_millis(800));
    let img = snap(shots, 5)?;
    // The board hangs over the stage screen, whose top is 4 tiles above the desk, where the
    // window stands (its centre): 129 px tall (5 lines), its bottom 8 px over the screen.
    let (cx, cy) = (W / 2, H / 2 - 128 - 8 - 64);
    let board = count(&img, cx - 200, cy - 50, cx + 200, cy + 50, |p| {
        close(p, BOARD, 8)
    });
    let gold = count(&img, cx - 260, cy - 130, cx + 260, cy, |p| {
        close(p, GOLD, 30)
    });
    steps.push((
        "the stage screen shows the signing board, with applause over it".into(),
        if board > 15_000 && gold > 150 {
            Ok(())
        } else {
            Err(format!("{board} board pixels and {gold} gold ones"))
        },
    ));

    // The relay: both hosts onto the stage, then the thermometer passes.
    let mut giver = enter(url, "2019 주관기관", ("lobby", "entrance"), "HOST-2019")?;
    let mut receiver = enter(url, "2020 주관기관", ("lobby", "entrance"), "HOST-2020")?;
    step(&mut org, CeremonyStep::Handover)?;
    pump_for(
        &mut [&mut org, &mut giver, &mut receiver],
        Duration::from_secs(1),
    );
    step(&mut org, CeremonyStep::Handover)?;
    let r_id = receiver.me.as_ref().map(|m| m.id);
    let told = pump_until(
        &mut [&mut org, &mut giver, &mut receiver],
        Duration::from_secs(10),
        |s| {
            s[0].ceremony
                .view
                .as_ref()
                .and_then(|v| v.relay.as_ref())
                .is_some_and(|r| r.holder.is_some() && r.holder == r_id)
        },
    );
    steps.push((
        "the thermometer passes to the next host".into(),
        if told {
            Ok(())
        } else {
            Err("the room was not told".into())
        },
    ));
    pump_for(
        &mut [&mut org, &mut giver, &mut receiver],
        Duration::from_secs(2),
    );
    let img = snap(shots, 6)?;
    // The next host stands on the stage's right quarter: 6 tiles right of the desk.
    let (rx, ry) = (W / 2 + 192, H / 2);
    let red_right = count(&img, rx - 40, ry - 100, rx + 40, ry, |p| close(p, RED, 24));
    let red_left = count(&img, W / 2 - 232, ry - 90, W / 2 - 152, ry, |p| {
        close(p, RED, 24)
    });
    steps.push((
        "the thermometer is drawn over the next host, not the last".into(),
        if red_right > 60 && red_left < 20 {
            Ok(())
        } else {
            Err(format!(
                "{red_right} red pixels over the next host, {red_left} over the last"
            ))
        },
    ));
    let news = mark(shots, 6, "relay_news");
    steps.push(("the room is told who holds it now".into(), news.map(|_| ())));
    Ok(steps)
}
