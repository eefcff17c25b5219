//! Hearts on booths, over real UDP: acknowledged only once saved, counted once per visitor,
//! shown live to those who have the booth in view and not to those far away, and still there
//! after the server restarts.

mod common;

use madang_shared::refusal::Refusal;
use std::time::Duration;

use common::*;
use madang_client::session::{JoinOptions, Session};
use madang_shared::map::load_hall;
use madang_shared::rules::{cell_of, cells_adjacent};

const WAIT: Duration = Duration::from_secs(10);

/// A booth of the exhibition hall in view of the `plaza` spawn, and out of view of `east_end`.
fn booth_by_the_plaza() -> u32 {
    let hall = load_hall(&maps_dir().join("hall.tmx")).expect("the demo hall loads");
    let cell = |name: &str| cell_of(hall.spawn(Some(name)).expect("spawn").pos, 16);
    let (plaza, east) = (cell("plaza"), cell("east_end"));
    hall.booths
        .iter()
        .find(|b| {
            let c = cell_of(b.rect.center(), 16);
            cells_adjacent(c, plaza) && !cells_adjacent(c, east)
        })
        .expect("the demo hall has a booth by the plaza")
        .object_id
}

fn answered(s: &mut Session, req: u32) -> Result<(), Refusal> {
    let mut answer = None;
    assert!(
        pump_until(&mut [&mut *s], WAIT, |s| {
            answer = s[0].take_answer(req);
            answer.is_some()
        }),
        "request {req} was answered"
    );
    answer.expect("checked above")
}

#[test]
fn a_heart_is_saved_then_counted_for_those_near_and_not_for_those_far() {
    let server = start_server();
    let booth = booth_by_the_plaza();
    let mut a = join(&server, "하트", "hall", "plaza");
    let mut b = join(&server, "Neighbour", "hall", "plaza");
    let mut far = join(&server, "Far", "hall", "east_end");
    assert!(
        pump_until(&mut [&mut a, &mut b, &mut far], WAIT, |s| {
            s.iter().all(|x| x.is_ready())
                && s[0].booth.facts.contains_key(&booth)
                && s[1].booth.facts.contains_key(&booth)
        }),
        "arrivals are told the booths in view"
    );
    assert_eq!(a.booth.facts[&booth].hearts, 0);

    let req = a.heart(booth, true);
    assert_eq!(answered(&mut a, req), Ok(()), "the heart is acknowledged");
    assert!(
        pump_until(&mut [&mut a, &mut b, &mut far], WAIT, |s| s[1].booth.facts
            [&booth]
            .hearts
            == 1),
        "the neighbour sees the count go up"
    );
    assert!(
        a.booth.facts[&booth].mine && !b.booth.facts[&booth].mine,
        "mine is per visitor"
    );
    assert!(
        !far.booth.facts.contains_key(&booth),
        "the far visitor is told nothing of it"
    );

    // A second heart from the same visitor changes nothing; taking it back does.
    let req = a.heart(booth, true);
    assert_eq!(answered(&mut a, req), Ok(()));
    let req = a.heart(booth, false);
    assert_eq!(answered(&mut a, req), Ok(()));
    assert!(pump_until(&mut [&mut a, &mut b], WAIT, |s| s[1]
        .booth
        .facts[&booth]
        .hearts
        == 0));
    assert!(!a.booth.facts[&booth].mine);
    server.stop();
}

#[test]
fn hearts_for_booths_that_do_not_exist_are_refused() {
    let server = start_server();
    let mut a = join(&server, "Lost", "lobby", "entrance");
    assert!(pump_until(&mut [&mut a], WAIT, |s| s[0].is_ready()));
    let req = a.heart(99_999, true);
    let answer = answered(&mut a, req);
    assert!(matches!(&answer, Err(Refusal::NoSuchBooth)), "{answer:?}");
    server.stop();
}

#[test]
fn a_burst_of_requests_is_slowed_down_with_a_reason() {
    let server = start_server();
    let booth = booth_by_the_plaza();
    let mut a = join(&server, "Eager", "hall", "plaza");
    assert!(pump_until(&mut [&mut a], WAIT, |s| s[0].is_ready()));
    let reqs: Vec<u32> = (0..30).map(|i| a.heart(booth, i % 2 == 0)).collect();
    let answers: Vec<Result<(), Refusal>> = reqs.iter().map(|&r| answered(&mut a, r)).collect();
    let refused = answers
        .iter()
        .filter(|r| matches!(r, Err(Refusal::TooManyRequests)))
        .count();
    assert!(refused >= 20, "most of a burst of 30 is refused: {refused}");
    assert!(
        answers.iter().filter(|r| r.is_ok()).count() >= 8,
        "the burst allowance is served"
    );
    server.stop();
}

#[test]
fn a_heart_survives_a_restart_and_stays_yours() {
    let settings = test_settings();
    let booth = booth_by_the_plaza();
    let opts = JoinOptions {
        name: "Loyal".into(),
        hall: Some("hall".into()),
        spawn: Some("plaza".into()),
        visitor_pass: None,
        invite: None,
        server_cert: None,
        look: None,
    };
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let mut a = Session::join(&server.url(), &opts, &maps_dir()).expect("joins");
    assert!(pump_until(&mut [&mut a], WAIT, |s| s[0].is_ready()));
    let pass = a.join.visitor_pass.clone();
    let req = a.heart(booth, true);
    assert_eq!(answered(&mut a, req), Ok(()));
    a.disconnect();
    server.stop();

    let server = madang_server::spawn(settings).expect("restarts on the same data");
    let again = JoinOptions {
        visitor_pass: Some(pass),
        ..opts
    };
    let mut a = Session::join(&server.url(), &again, &maps_dir()).expect("joins again");
    assert!(pump_until(&mut [&mut a], WAIT, |s| s[0]
        .booth
        .facts
        .contains_key(&booth)));
    assert_eq!(a.booth.facts[&booth].hearts, 1, "the heart was kept");
    assert!(a.booth.facts[&booth].mine, "and it is still this visitor's");
    server.stop();
}

fn page(s: &mut Session, booth: u32) -> (Vec<madang_shared::protocol::CommentView>, bool) {
    let req = s.read_comments(booth, None);
    let mut got = None;
    assert!(pump_until(&mut [&mut *s], WAIT, |s| {
        got = s[0].take_page(req);
        got.is_some()
    }));
    got.expect("checked above")
}

#[test]
fn comments_are_cleaned_limited_paged_and_hidden_by_organizers() {
    use madang_shared::protocol::Role;
    let server = madang_server::spawn(madang_server::Settings {
        dev_insecure: true,
        ..test_settings()
    })
    .expect("starts");
    let booth = booth_by_the_plaza();
    let mut visitor = join_as(
        &server,
        &maps_dir(),
        "방문객",
        Role::Visitor,
        Some("hall"),
        Some("plaza"),
    );
    let mut organizer = join_as(
        &server,
        &maps_dir(),
        "운영자",
        Role::Organizer,
        Some("hall"),
        Some("plaza"),
    );
    assert!(pump_until(&mut [&mut visitor, &mut organizer], WAIT, |s| s
        .iter()
        .all(|x| x.is_ready())));

    // Control characters are stripped; the comment is saved before the answer.
    let req = visitor.comment(booth, " 정말\n감동적\u{7}이에요 ");
    assert_eq!(answered(&mut visitor, req), Ok(()));
    // Too fast: a second comment within five seconds is refused, with how long to wait.
    let req = visitor.comment(booth, "또");
    let answer = answered(&mut visitor, req);
    assert!(
        matches!(&answer, Err(Refusal::CommentTooFast { .. })),
        "{answer:?}"
    );
    // Too long, and empty, are refused with the reason.
    let req = organizer.comment(booth, &"가".repeat(301));
    let answer = answered(&mut organizer, req);
    assert!(
        matches!(&answer, Err(Refusal::TooLong { max: 300 })),
        "{answer:?}"
    );
    let req = organizer.comment(booth, "\u{200B} \t");
    let answer = answered(&mut organizer, req);
    assert!(matches!(&answer, Err(Refusal::Blank)), "{answer:?}");

    assert!(
        pump_until(&mut [&mut visitor, &mut organizer], WAIT, |s| {
            s[1].booth
                .facts
                .get(&booth)
                .is_some_and(|b| b.comments == 1)
        }),
        "the count reaches those in view"
    );
    let (comments, more) = page(&mut visitor, booth);
    assert_eq!(comments.len(), 1);
    assert!(!more);
    assert_eq!(comments[0].text, "정말 감동적이에요");
    assert_eq!(comments[0].name, "방문객");
    let id = comments[0].id;

    // A visitor cannot hide it; an organizer can, and then visitors no longer see it.
    let req = visitor.hide_comment(id, true);
    let answer = answered(&mut visitor, req);
    assert!(
        matches!(&answer, Err(Refusal::OrganizersOnly)),
        "{answer:?}"
    );
    let req = organizer.hide_comment(id, true);
    assert_eq!(answered(&mut organizer, req), Ok(()));
    assert!(
        page(&mut visitor, booth).0.is_empty(),
        "hidden from visitors"
    );
    let (for_organizer, _) = page(&mut organizer, booth);
    assert!(
        for_organizer[0].hidden,
        "organizers still see it, marked hidden"
    );
    assert!(pump_until(&mut [&mut visitor], WAIT, |s| s[0].booth.facts
        [&booth]
        .comments
        == 0));
    server.stop();
}
