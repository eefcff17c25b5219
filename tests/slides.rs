//! Slides on the ceremony room's screen, over real UDP: a presenter on the stage opens the
//! demo's deck and turns to page 3; three visitors in the room hold page 3 within a tick of the
//! presenter's answer; a visitor arriving later is shown page 3; a visitor's turn is refused
//! with a reason, as are a presenter away from the stage, names outside the assets and files
//! that are not decks; the pointer reaches the room; the report lists the deck and how long it
//! was up.

mod common;

use std::time::{Duration, Instant};

use common::*;
use madang_client::session::{JoinOptions, Session};
use madang_server::Settings;
use madang_server::identity::hash_invite;
use madang_server::settings::Invite;
use madang_shared::protocol::{Role, SlideAction};
use madang_shared::refusal::Refusal;

const CODE: &str = "slides-presenters";
const DECK: &str = "documents/slides_daegu.pdf";
const WAIT: Duration = Duration::from_secs(10);
/// One tick at the server's 20 Hz.
const TICK: Duration = Duration::from_millis(50);

fn join_named(
    server: &madang_server::ServerHandle,
    name: &str,
    spawn: &str,
    invite: Option<&str>,
) -> Session {
    let mut s = Session::join(
        &server.url(),
        &JoinOptions {
            name: name.into(),
            hall: Some("ceremony".into()),
            spawn: Some(spawn.into()),
            visitor_pass: None,
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

fn page_of(s: &Session, screen: u32) -> Option<(Option<String>, u32, u32)> {
    s.slide(screen)
        .map(|st| (st.deck.clone(), st.page, st.pages))
}

#[test]
fn a_presenter_turns_pages_that_the_whole_room_sees_together() {
    let settings = Settings {
        invites: vec![Invite {
            role: Role::Presenter,
            hash: hash_invite(CODE),
            label: "presenters".into(),
        }],
        ..test_settings()
    };
    let data_dir = settings.data_dir.clone();
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let screen = madang_shared::map::load_hall(&maps_dir().join("ceremony.tmx"))
        .expect("the ceremony room")
        .slide_screens[0]
        .object_id;

    // On the stage (the backstage spawn) and at the room's entrance, far from it.
    let mut presenter = join_named(&server, "대구 발표자", "backstage", Some(CODE));
    let mut far = join_named(&server, "늦은 발표자", "entrance", Some(CODE));
    let mut v1 = join_named(&server, "관객1", "entrance", None);
    let mut v2 = join_named(&server, "관객2", "entrance", None);
    let mut v3 = join_named(&server, "관객3", "entrance", None);
    assert_eq!(presenter.me.as_ref().map(|m| m.role), Some(Role::Presenter));

    // Nothing is shown yet, and arrivals were told so.
    assert_eq!(page_of(&v1, screen), Some((None, 0, 0)));

    // A visitor cannot put slides up; a presenter away from the stage neither.
    let req = v1.control_slides(screen, SlideAction::Open { deck: DECK.into() });
    assert_eq!(answer(&mut v1, req), Err(Refusal::PresentersOnly));
    let req = far.control_slides(screen, SlideAction::Open { deck: DECK.into() });
    assert_eq!(answer(&mut far, req), Err(Refusal::NotAtTheScreen));
    // Names outside the assets, missing files and files that are not PDFs are refused.
    for bad in [
        "../../etc/passwd.pdf",
        "documents/missing.pdf",
        "maps/hall.tmx",
    ] {
        let req = presenter.control_slides(screen, SlideAction::Open { deck: bad.into() });
        assert_eq!(
            answer(&mut presenter, req),
            Err(Refusal::NoSuchDeck { deck: bad.into() }),
            "{bad}"
        );
    }
    let req = presenter.control_slides(screen, SlideAction::Goto { page: 2 });
    assert_eq!(answer(&mut presenter, req), Err(Refusal::NoDeckShown));

    // The deck goes up at page 1 for everyone.
    let req = presenter.control_slides(screen, SlideAction::Open { deck: DECK.into() });
    assert_eq!(answer(&mut presenter, req), Ok(()));
    let up = Some((Some(DECK.to_owned()), 1, 4));
    assert!(
        pump_until(&mut [&mut v1, &mut v2, &mut v3], WAIT, |s| s
            .iter()
            .all(|s| page_of(s, screen) == up)),
        "the room sees the deck's first page"
    );

    // Page 3: the presenter's answer and the room's page travel in the same tick.
    let req = presenter.control_slides(screen, SlideAction::Goto { page: 3 });
    let mut answered: Option<Instant> = None;
    let mut seen: [Option<Instant>; 3] = [None; 3];
    let start = Instant::now();
    while start.elapsed() < WAIT && (answered.is_none() || seen.iter().any(Option::is_none)) {
        let dt = Duration::from_millis(2);
        for s in [&mut presenter, &mut v1, &mut v2, &mut v3] {
            s.poll(dt);
            s.flush();
        }
        let now = Instant::now();
        if answered.is_none() && presenter.take_answer(req).is_some() {
            answered = Some(now);
        }
        for (i, v) in [&v1, &v2, &v3].into_iter().enumerate() {
            if seen[i].is_none() && page_of(v, screen).map(|p| p.1) == Some(3) {
                seen[i] = Some(now);
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let answered = answered.expect("the presenter hears the page turned");
    for (i, at) in seen.iter().enumerate() {
        let at = at.unwrap_or_else(|| panic!("visitor {} never saw page 3", i + 1));
        let late = at.saturating_duration_since(answered);
        assert!(
            late <= TICK,
            "visitor {} saw page 3 {late:?} after the presenter's answer (more than a tick)",
            i + 1
        );
    }

    // A visitor's turn is refused, and the page stays.
    let req = v2.control_slides(screen, SlideAction::Goto { page: 1 });
    assert_eq!(answer(&mut v2, req), Err(Refusal::PresentersOnly));
    pump_for(&mut [&mut v1, &mut v2, &mut v3], Duration::from_millis(200));
    assert_eq!(page_of(&v1, screen).map(|p| p.1), Some(3));

    // Past the last page is the last page.
    let req = presenter.control_slides(screen, SlideAction::Goto { page: 99 });
    assert_eq!(answer(&mut presenter, req), Ok(()));
    assert!(pump_until(&mut [&mut v1], WAIT, |s| page_of(s[0], screen)
        .map(|p| p.1)
        == Some(4)));
    let req = presenter.control_slides(screen, SlideAction::Goto { page: 3 });
    assert_eq!(answer(&mut presenter, req), Ok(()));
    assert!(pump_until(&mut [&mut v1], WAIT, |s| page_of(s[0], screen)
        .map(|p| p.1)
        == Some(3)));

    // A late arrival is shown page 3.
    let mut late = join_named(&server, "늦게 온 관객", "entrance", None);
    assert!(
        pump_until(&mut [&mut late], WAIT, |s| page_of(s[0], screen)
            == Some((Some(DECK.to_owned()), 3, 4))),
        "the late arrival sees page 3: {:?}",
        page_of(&late, screen)
    );

    // The presenter's pointer reaches the room (not from a visitor).
    v3.point_at_slide(screen, Some((1000, 1000)));
    let pointed = pump_until(
        &mut [&mut presenter, &mut v1, &mut v2, &mut v3],
        WAIT,
        |s| {
            s[0].point_at_slide(screen, Some((32_000, 20_000)));
            s[1].slides.pointers.get(&screen).map(|p| p.0) == Some((32_000, 20_000))
        },
    );
    assert!(pointed, "the pointer reaches the room");
    assert_ne!(
        v2.slides.pointers.get(&screen).map(|p| p.0),
        Some((1000, 1000)),
        "a visitor's pointer goes nowhere"
    );

    // Taken down: the room sees no deck, and turning is refused.
    let req = presenter.control_slides(screen, SlideAction::Close);
    assert_eq!(answer(&mut presenter, req), Ok(()));
    assert!(pump_until(&mut [&mut v1, &mut late], WAIT, |s| s
        .iter()
        .all(|s| page_of(s, screen).is_some_and(|p| p.0.is_none()))));
    let req = presenter.control_slides(screen, SlideAction::Goto { page: 2 });
    assert_eq!(answer(&mut presenter, req), Err(Refusal::NoDeckShown));

    // The report lists the deck and how long it was up.
    let start = Instant::now();
    let show = loop {
        let report = madang_server::report::build(&Settings {
            data_dir: data_dir.clone(),
            ..settings.clone()
        })
        .expect("the report");
        if let Some(d) = report.decks.iter().find(|d| d.closed_ms.is_some()) {
            break d.clone();
        }
        assert!(start.elapsed() < WAIT, "the deck's show is stored");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!((show.hall.as_str(), show.deck.as_str()), ("ceremony", DECK));
    assert!(show.shown_ms(0) > 0, "{show:?}");
}

#[test]
fn the_timetable_puts_its_deck_up_at_the_item_and_arrivals_see_it() {
    // An item on now in the expo's time zone: it began this minute and lasts an hour.
    let offset = 540;
    let now_min = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
        / 60;
    let local = (now_min + offset as i64).rem_euclid(24 * 60);
    let settings = Settings {
        utc_offset_minutes: offset,
        schedule: vec![madang_server::settings::ScheduleItem {
            time: format!("{:02}:{:02}", local / 60, local % 60),
            title: "사례 발표: 대구광역시".into(),
            title_en: "Case presentation: Daegu".into(),
            minutes: 60,
            hall: Some("ceremony".into()),
            opens_ceremony: false,
            screen: None,
            deck: Some(DECK.into()),
        }],
        ..test_settings()
    };
    let server = madang_server::spawn(settings).expect("starts");
    let screen = madang_shared::map::load_hall(&maps_dir().join("ceremony.tmx"))
        .expect("the ceremony room")
        .slide_screens[0]
        .object_id;
    let mut v = join_named(&server, "관객", "entrance", None);
    assert!(
        pump_until(&mut [&mut v], WAIT, |s| page_of(s[0], screen)
            == Some((Some(DECK.to_owned()), 1, 4))),
        "the timetable's deck is up: {:?}",
        page_of(&v, screen)
    );
}
