//! The stamp tour with bots: a scripted visitor walks the tour and earns exactly the stamps
//! configured — a booth visit long enough, a video watched from its start to its end, a
//! comment, a timetable item attended — while a visit too short earns nothing. Pledges are
//! checked against what the server granted (there is no message to claim a stamp with): a
//! pledge before the tour is complete, to a cause or a tour that does not exist, or with
//! nothing earned is refused. The card survives a restart, and the report counts what
//! happened.

mod common;

use std::time::Duration;

use common::*;
use madang_client::session::{JoinOptions, Session};
use madang_server::Settings;
use madang_server::settings::{CauseSetting, ScheduleItem, StampSetting, TourSetting};
use madang_shared::refusal::Refusal;

const WAIT: Duration = Duration::from_secs(10);

fn stamp(id: &str, label: &str, points: u32) -> StampSetting {
    StampSetting {
        id: id.into(),
        label: label.into(),
        label_en: String::new(),
        points,
        booth: None,
        video: None,
        timetable: None,
        comment: None,
        table: None,
        seconds: 2,
    }
}

fn cause(id: &str, name: &str) -> CauseSetting {
    CauseSetting {
        id: id.into(),
        name: name.into(),
        name_en: String::new(),
    }
}

pub fn tour_settings() -> Settings {
    Settings {
        // 2026-11-21 13:59:58 in Seoul: the 13:30 item is on.
        clock_start_unix_ms: Some(1_795_237_198_000),
        schedule: vec![ScheduleItem {
            time: "13:30".into(),
            title: "오늘의 행사".into(),
            title_en: "Today's event".into(),
            minutes: 60,
            hall: Some("hall".into()),
            opens_ceremony: false,
            screen: None,
            deck: None,
        }],
        tours: vec![
            TourSetting {
                id: "today".into(),
                name: "오늘의 행사 스탬프 투어".into(),
                name_en: "Today's stamp tour".into(),
                pledge_any_time: false,
                stamps: vec![
                    StampSetting {
                        booth: Some("hall#3".into()),
                        ..stamp("visit-119", "119 영상의료지도 부스 방문", 10)
                    },
                    StampSetting {
                        video: Some("hall#5".into()),
                        ..stamp("watch-119", "119 소개 영상 끝까지 보기", 20)
                    },
                    StampSetting {
                        comment: Some("hall#3".into()),
                        ..stamp("comment-119", "119 부스에 응원 댓글", 5)
                    },
                    StampSetting {
                        timetable: Some("오늘의 행사".into()),
                        ..stamp("attend", "오늘의 행사 참석", 5)
                    },
                ],
                causes: vec![
                    cause("firefighters", "소방관 응원"),
                    cause("children", "아동 후원"),
                ],
            },
            TourSetting {
                id: "quick".into(),
                name: "생애주기 부스 투어".into(),
                name_en: String::new(),
                pledge_any_time: true,
                stamps: vec![StampSetting {
                    booth: Some("hall#6".into()),
                    seconds: 5,
                    ..stamp("long-visit", "생애주기 부스에 5초 머물기", 10)
                }],
                causes: vec![cause("trees", "나무 심기")],
            },
            TourSetting {
                id: "talks".into(),
                name: "현답토론 참여".into(),
                name_en: String::new(),
                pledge_any_time: false,
                stamps: vec![StampSetting {
                    table: Some("lobby#6".into()),
                    ..stamp("table-1", "1번 토론 테이블에 2초 앉기", 10)
                }],
                causes: vec![],
            },
        ],
        ..test_settings()
    }
}

fn enter(server: &madang_server::ServerHandle, name: &str, pass: Option<String>) -> Session {
    let mut s = Session::join(
        &server.url(),
        &JoinOptions {
            name: name.into(),
            hall: Some("hall".into()),
            spawn: Some("plaza".into()),
            visitor_pass: pass,
            invite: None,
            server_cert: None,
            look: None,
        },
        &maps_dir(),
    )
    .unwrap_or_else(|e| panic!("{name} joins: {e}"));
    ready(&mut s);
    s
}

fn earned(s: &Session) -> Vec<String> {
    s.stamps
        .tours
        .iter()
        .flat_map(|t| {
            t.stamps
                .iter()
                .filter(|x| x.earned)
                .map(move |x| format!("{}/{}", t.id, x.id))
        })
        .collect()
}

#[test]
fn a_scripted_tour_earns_exactly_its_stamps_and_pledges_are_checked() {
    let settings = tour_settings();
    let server = madang_server::spawn(settings.clone()).expect("starts");
    // Someone at a discussion table in the lobby, for two seconds in a row.
    let mut talker = Session::join(
        &server.url(),
        &JoinOptions {
            name: "토론 참가자".into(),
            hall: Some("lobby".into()),
            spawn: None,
            visitor_pass: None,
            invite: None,
            server_cert: None,
            look: None,
        },
        &maps_dir(),
    )
    .expect("joins the lobby");
    ready(&mut talker);
    // A free tile of the table's area (its chairs and table are in the way elsewhere).
    let seat = {
        use madang_shared::path::{find_path, tile_of};
        let map = talker.hall_map.clone().expect("the lobby");
        let area = map
            .private_areas
            .iter()
            .find(|a| a.object_id == 6)
            .expect("table 1")
            .rect;
        let from = tile_of(talker.me.as_ref().expect("welcomed").pos);
        (area.x as i32..(area.x + area.w) as i32)
            .flat_map(|x| (area.y as i32..(area.y + area.h) as i32).map(move |y| (x, y)))
            .find(|&t| find_path(&map.collision, from, t).is_some())
            .expect("a free tile at the table")
    };
    assert_eq!(walk(&mut [&mut talker], &[seat], WAIT), vec![true]);
    assert!(
        pump_until(&mut [&mut talker], WAIT, |s| s[0]
            .stamps
            .has("talks", "table-1")),
        "sitting at the table earns its stamp"
    );
    drop(talker);
    let mut walker = enter(&server, "투어 방문객", None);
    assert!(
        pump_until(&mut [&mut walker], WAIT, |s| s[0].stamps.tours.len() == 3),
        "an arrival is sent a card"
    );

    // A visit too short: one second inside a booth that asks for five.
    assert_eq!(walk(&mut [&mut walker], &[(20, 6)], WAIT), vec![true]);
    pump_for(&mut [&mut walker], Duration::from_secs(1));
    // Then at the 119 booth, within reach of its video kiosk, for a whole showing.
    assert_eq!(walk(&mut [&mut walker], &[(12, 6)], WAIT), vec![true]);
    let ok = pump_until(&mut [&mut walker], Duration::from_secs(40), |s| {
        s[0].stamps.has("today", "visit-119") && s[0].stamps.has("today", "watch-119")
    });
    assert!(
        ok,
        "the visit and the video earn their stamps: {:?}",
        earned(&walker)
    );
    assert!(
        !walker.stamps.has("quick", "long-visit"),
        "a one-second visit earns no five-second stamp"
    );
    assert!(
        walker
            .stamps
            .earned
            .contains(&("today".into(), "visit-119".into())),
        "each stamp comes with its notice"
    );

    // Someone who only stands in the hall during the item.
    let mut idle = enter(&server, "구경꾼", None);
    let ok = pump_until(&mut [&mut walker, &mut idle], WAIT, |s| {
        s[1].stamps.has("today", "attend")
    });
    assert!(ok, "being in the hall while the item is on earns its stamp");
    // Pledges the server refuses: the tour is not complete, a cause or tour that is not there,
    // nothing earned.
    let req = walker.pledge("today", "firefighters");
    assert_eq!(answer(&mut walker, req), Err(Refusal::TourNotComplete));
    let req = walker.pledge("today", "moon-base");
    assert_eq!(answer(&mut walker, req), Err(Refusal::NoSuchCause));
    let req = walker.pledge("ghost", "trees");
    assert_eq!(answer(&mut walker, req), Err(Refusal::NoSuchTour));
    let req = idle.pledge("quick", "trees");
    assert_eq!(
        answer(&mut idle, req),
        Err(Refusal::NothingToPledge),
        "points never earned cannot be given"
    );

    // A forged claim: bytes saying "this stamp is mine" (the server's own card message, with
    // every stamp earned) sent to the server. No client message claims a stamp; this one does
    // not even decode as a client's, and changes nothing.
    let mut forged = walker.stamps.tours.clone();
    for t in &mut forged {
        for st in &mut t.stamps {
            st.earned = true;
        }
    }
    let claim = madang_shared::protocol::encode(&madang_shared::protocol::ServerMsg::StampCard {
        tours: forged,
        earned: Some(("quick".into(), "long-visit".into())),
    });
    assert!(madang_shared::protocol::ClientMsg::decode(&claim).is_err());
    walker.send_raw(madang_shared::protocol::channel::RELIABLE, claim);
    pump_for(&mut [&mut walker, &mut idle], Duration::from_millis(300));
    let booth = walker.hall_map.as_ref().unwrap().booths[0].object_id;
    assert_eq!(booth, 3);
    let req = walker.comment(booth, "119 응원합니다!");
    assert_eq!(answer(&mut walker, req), Ok(()));
    let ok = pump_until(&mut [&mut walker, &mut idle], WAIT, |s| {
        s[0].stamps.has("today", "comment-119") && s[0].stamps.has("today", "attend")
    });
    assert!(
        ok,
        "the comment and the item attended: {:?}",
        earned(&walker)
    );
    let mut got = earned(&walker);
    got.sort();
    assert_eq!(
        got,
        vec![
            "today/attend",
            "today/comment-119",
            "today/visit-119",
            "today/watch-119"
        ],
        "exactly the stamps configured, and nothing the forged claim named"
    );
    let req = walker.pledge("today", "firefighters");
    assert_eq!(answer(&mut walker, req), Ok(()));
    pump_for(&mut [&mut walker], Duration::from_millis(300));
    let card = walker
        .stamps
        .tours
        .iter()
        .find(|t| t.id == "today")
        .unwrap();
    assert_eq!(card.pledged, vec![("firefighters".to_string(), 40)]);
    let req = walker.pledge("today", "children");
    assert_eq!(
        answer(&mut walker, req),
        Err(Refusal::NothingToPledge),
        "points are given once"
    );
    let pass = walker.join.visitor_pass.clone();
    server.stop();
    drop((walker, idle));

    // The card is kept over a restart.
    let server = madang_server::spawn(settings.clone()).expect("starts again");
    let mut back = enter(&server, "투어 방문객", Some(pass));
    assert!(
        pump_until(&mut [&mut back], WAIT, |s| s[0].stamps.tours.len() == 3),
        "the card comes"
    );
    assert!(back.stamps.has("today", "watch-119") && back.stamps.has("today", "comment-119"));
    assert_eq!(
        back.stamps.tours[0].pledged,
        vec![("firefighters".to_string(), 40)]
    );
    server.stop();

    let report = madang_server::report::build(&settings).expect("the report reads");
    let count = |stamp: &str| {
        report
            .stamps
            .iter()
            .find(|r| r.stamp == stamp)
            .map(|r| r.earned)
    };
    assert_eq!(count("visit-119"), Some(1));
    assert_eq!(count("watch-119"), Some(1));
    assert_eq!(count("comment-119"), Some(1));
    assert_eq!(
        count("attend"),
        Some(2),
        "both were in the hall during the item"
    );
    assert_eq!(count("long-visit"), Some(0));
    assert_eq!(count("table-1"), Some(1));
    let booth = report.booths.iter().find(|b| b.key == "hall#3").unwrap();
    assert_eq!(
        booth.stamps, 2,
        "stamps per booth: the visit and the comment"
    );
    let today = report.tours.iter().find(|t| t.0 == "today").unwrap();
    assert_eq!((today.2, today.3), (2, 1), "two with a stamp, one complete");
    let fire = report
        .pledges
        .iter()
        .find(|p| p.1 == "firefighters")
        .unwrap();
    assert_eq!((fire.3, fire.4), (40, 1));
    let out = settings.data_dir.join("report");
    let files =
        madang_server::report::write(&report, &out, &root().join("assets/fonts/NanumGothic.ttf"))
            .expect("written");
    for name in ["stamps.csv", "tours.csv", "pledges.csv", "pledges.png"] {
        assert!(files.iter().any(|f| f.ends_with(name)), "{name} is written");
    }
    let csv = std::fs::read_to_string(out.join("pledges.csv")).unwrap();
    assert!(csv.contains("today,firefighters,소방관 응원,40,1"), "{csv}");
}
