//! The results report after a scripted tour: two bots walk into known booths (through the
//! path finder, as the directory does), stay, and leave; the report then names exactly those
//! visitors, and each visit's time matches what the bots saw of the server's ticks within one
//! tick. The CSV files and the PNG charts are written and readable.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use madang_client::session::Session;
use madang_server::Settings;
use madang_shared::Vec2;
use madang_shared::map::Rect;

const X: &str = "119 video medical guidance on scene";
const Y: &str = "Services for every stage of life";

/// Visits seen in a trace: (enter tick, exit tick) for each stay inside `rect`.
fn stays(trace: &[(u32, Vec2)], rect: &Rect) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut inside: Option<u32> = None;
    for &(tick, pos) in trace {
        match (inside, rect.contains(pos)) {
            (None, true) => inside = Some(tick),
            (Some(t), false) => {
                out.push((t, tick));
                inside = None;
            }
            _ => {}
        }
    }
    out
}

fn booth(s: &Session, title: &str) -> (u32, Rect, madang_shared::path::Tile) {
    let map = s.hall_map.as_ref().expect("in a hall");
    let b = map
        .booths
        .iter()
        .find(|b| b.title.en == title)
        .expect("the booth is in the hall");
    (
        b.object_id,
        b.rect,
        map.booth_approach(b).expect("reachable"),
    )
}

#[test]
fn the_report_after_a_scripted_tour_matches_the_tour() {
    let settings = Settings {
        occupancy_interval_secs: 1,
        ..test_settings()
    };
    let server = madang_server::spawn(settings.clone()).expect("starts");
    let mut a = join(&server, "투어봇A", "hall", "plaza");
    let mut b = join(&server, "투어봇B", "hall", "plaza");
    ready(&mut a);
    ready(&mut b);
    let (x_id, x_rect, x_goal) = booth(&a, X);
    let (y_id, y_rect, y_goal) = booth(&a, Y);
    let plaza = (32, 22);
    let t = Duration::from_secs(30);

    // traces[0] is A's, traces[1] B's: (server tick, server position).
    let mut traces = vec![Vec::new(), Vec::new()];
    let here = |s: &Session| madang_shared::path::tile_of(s.me.as_ref().unwrap().pos);
    // Both into X; B leaves first, then A goes on to Y, stays, and leaves.
    walk_traced(
        &mut [&mut a, &mut b],
        &[x_goal, x_goal],
        t,
        Some(&mut traces),
    );
    let ha = here(&a);
    walk_traced(&mut [&mut a, &mut b], &[ha, plaza], t, Some(&mut traces));
    let hb = here(&b);
    walk_traced(&mut [&mut a, &mut b], &[x_goal, hb], t, Some(&mut traces));
    walk_traced(&mut [&mut a, &mut b], &[y_goal, hb], t, Some(&mut traces));
    walk_traced(&mut [&mut a, &mut b], &[plaza, hb], t, Some(&mut traces));
    // Let the server write the last visits and occupancy samples.
    pump_for(&mut [&mut a, &mut b], Duration::from_millis(1500));
    server.stop();
    let (trace_a, trace_b) = (&traces[0], &traces[1]);

    let a_x = stays(trace_a, &x_rect);
    let a_y = stays(trace_a, &y_rect);
    let b_x = stays(trace_b, &x_rect);
    assert_eq!(a_x.len(), 1, "A stayed in X once: {a_x:?}");
    assert_eq!(b_x.len(), 1, "B stayed in X once: {b_x:?}");
    assert_eq!(a_y.len(), 1, "A stayed in Y once: {a_y:?}");

    let report = madang_server::report::build(&settings).expect("the report reads the store");
    let row = |id: u32| {
        report
            .booths
            .iter()
            .find(|r| r.key == format!("hall#{id}"))
            .expect("a row for the booth")
            .clone()
    };
    let x = row(x_id);
    let y = row(y_id);
    assert_eq!(x.unique_visitors, 2, "both bots visited X");
    assert_eq!(x.visits, 2);
    assert_eq!(y.unique_visitors, 1, "only A visited Y");
    assert_eq!(y.visits, 1);
    let tick_ms = 1000 / settings.tick_hz as i64;
    let a_y_ms = (a_y[0].1 - a_y[0].0) as i64 * tick_ms;
    assert!(
        (y.total_dwell_ms - a_y_ms).abs() <= tick_ms,
        "Y: the report says {} ms, the tour {a_y_ms} ms",
        y.total_dwell_ms
    );
    let a_x_ms = (a_x[0].1 - a_x[0].0) as i64 * tick_ms;
    let b_x_ms = (b_x[0].1 - b_x[0].0) as i64 * tick_ms;
    assert!(
        (x.total_dwell_ms - (a_x_ms + b_x_ms)).abs() <= 2 * tick_ms,
        "X: the report says {} ms in all, the tour {a_x_ms} + {b_x_ms} ms",
        x.total_dwell_ms
    );
    assert!(
        (x.median_dwell_ms - a_x_ms.min(b_x_ms)).abs() <= tick_ms,
        "X: the median (the lower of two) is {} ms, the tour's shorter stay {} ms",
        x.median_dwell_ms,
        a_x_ms.min(b_x_ms)
    );
    // Booths the paths crossed count as (short) visits too; each matches the traces.
    let map = a.hall_map.clone().expect("the hall");
    for r in report.booths.iter().filter(|r| r.key.starts_with("hall#")) {
        let id: u32 = r.key["hall#".len()..].parse().unwrap();
        let Some(bt) = map.booths.iter().find(|b| b.object_id == id) else {
            continue;
        };
        let seen = stays(trace_a, &bt.rect).len() + stays(trace_b, &bt.rect).len();
        assert_eq!(r.visits as usize, seen, "visits of {}", r.key);
    }
    let hall: &Vec<(i64, u32)> = report.halls.get("hall").expect("samples of the hall");
    assert!(
        hall.iter().any(|(_, n)| *n == 2),
        "two people were in the hall: {hall:?}"
    );
    assert!(
        report
            .halls
            .get("lobby")
            .is_some_and(|v| v.iter().all(|(_, n)| *n == 0)),
        "nobody was in the lobby"
    );

    let dir = temp_data_dir();
    let files =
        madang_server::report::write(&report, &dir, &root().join("assets/fonts/NanumGothic.ttf"))
            .expect("the report is written");
    let names: BTreeMap<String, std::path::PathBuf> = files
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                p.clone(),
            )
        })
        .collect();
    for name in [
        "booths.csv",
        "halls.csv",
        "ballots.csv",
        "awards.csv",
        "vote_bursts.csv",
        "booth_visitors.png",
        "booth_dwell.png",
        "hall_people.png",
    ] {
        assert!(names.contains_key(name), "{name} is written: {names:?}");
    }
    let csv = std::fs::read_to_string(&names["booths.csv"]).unwrap();
    assert!(
        csv.contains(&format!("hall#{x_id},소방청,119 현장 영상의료지도,2,2,")),
        "{csv}"
    );
    let chart = image::open(&names["booth_visitors.png"])
        .expect("a PNG")
        .to_rgb8();
    assert_eq!(chart.dimensions(), (1200, 700));
    // The two visited booths' bars (58, 110, 165) are drawn.
    let bar = chart.pixels().filter(|p| p.0 == [58, 110, 165]).count();
    assert!(bar > 1000, "only {bar} bar pixels");
    println!("report written to {}", dir.display());
}
