//! What was acknowledged survives the server process being killed (SIGKILL, no shutdown):
//! the real server binary, a real client over UDP, then the binary started again on the same
//! data folder.

use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use madang_client::session::{JoinOptions, Session};

const ORGANIZER_CODE: &str = "durable-organizers";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server binary on free loopback ports and waits until it answers.
fn start(data: &std::path::Path) -> Server {
    let http = TcpListener::bind("127.0.0.1:0")
        .expect("a free TCP port")
        .local_addr()
        .expect("addr");
    let udp = UdpSocket::bind("127.0.0.1:0")
        .expect("a free UDP port")
        .local_addr()
        .expect("addr");
    // Everyone here comes from 127.0.0.1 and acts at once: no door limits, no vote rules.
    std::fs::create_dir_all(data).expect("the data folder");
    let config = data.join("test.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[door]
new_visitors_per_minute = 100000
new_visitors_burst = 100000
requests_per_sec = 100000
requests_burst = 100000
connections_per_address = 1024
[vote]
min_identity_minutes = 0
min_visit_secs = 0
[hearts]
min_identity_minutes = 0
min_visit_secs = 0
[[invites]]
role = "organizer"
hash = "{}"
[[tours]]
id = "today"
name = "오늘의 행사"
pledge_any_time = true
stamps = [{{ id = "cheer", label = "응원 댓글", comment = "*", points = 15 }}]
causes = [{{ id = "firefighters", name = "소방관 응원" }}]
"#,
            madang_server::identity::hash_invite(ORGANIZER_CODE)
        ),
    )
    .expect("the settings file");
    let child = Command::new(env!("CARGO_BIN_EXE_madang-server"))
        .arg("--config")
        .arg(&config)
        .args(["--udp", &udp.to_string(), "--http", &http.to_string()])
        .arg("--maps")
        .arg(root().join("assets/maps"))
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let url = format!("https://{http}");
    assert!(
        madang_client::session::wait_until_up(&url, Duration::from_secs(20)),
        "the server answers within 20 s"
    );
    Server { child, url }
}

fn pump_until(s: &mut Session, mut done: impl FnMut(&mut Session) -> bool) -> bool {
    let start = Instant::now();
    let mut last = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let now = Instant::now();
        s.poll(now - last);
        s.flush();
        last = now;
        if done(s) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn an_acknowledged_heart_survives_sigkill() {
    let data = std::env::temp_dir().join(format!("madang-durability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let maps = root().join("assets/maps");
    let hall = madang_shared::map::load_hall(&maps.join("hall.tmx")).expect("the demo hall");
    let spawn = hall.spawn(Some("plaza")).expect("plaza").pos;
    let booth = hall
        .booths
        .iter()
        .min_by(|a, b| {
            (a.rect.center() - spawn)
                .length()
                .total_cmp(&(b.rect.center() - spawn).length())
        })
        .expect("booths")
        .object_id;
    let opts = JoinOptions {
        name: "Durable".into(),
        hall: Some("hall".into()),
        spawn: Some("plaza".into()),
        visitor_pass: None,
        invite: None,
        server_cert: None,
        look: None,
    };

    let mut server = start(&data);
    let mut s = Session::join(&server.url, &opts, &maps).expect("joins");
    assert!(pump_until(&mut s, |s| s.is_ready()));
    let req = s.heart(booth, true);
    let mut answer = None;
    assert!(pump_until(&mut s, |s| {
        answer = s.take_answer(req);
        answer.is_some()
    }));
    assert_eq!(answer, Some(Ok(())), "acknowledged");
    // No goodbye: SIGKILL right after the acknowledgement.
    server.child.kill().expect("killed");
    server.child.wait().expect("reaped");
    let pass = s.join.visitor_pass.clone();
    drop(s);

    let server = start(&data);
    let again = JoinOptions {
        visitor_pass: Some(pass),
        ..opts
    };
    let mut s = Session::join(&server.url, &again, &maps).expect("joins the restarted server");
    assert!(
        pump_until(&mut s, |s| s.booth.facts.contains_key(&booth)),
        "told about the booth in view"
    );
    assert_eq!(
        s.booth.facts[&booth].hearts, 1,
        "the acknowledged heart survived SIGKILL"
    );
    assert!(s.booth.facts[&booth].mine, "and is still this visitor's");
}

#[test]
fn stamps_and_pledges_survive_sigkill() {
    let data = std::env::temp_dir().join(format!("madang-stamps-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let maps = root().join("assets/maps");
    let hall = madang_shared::map::load_hall(&maps.join("hall.tmx")).expect("the demo hall");
    let booth = hall.booths[0].object_id;
    let opts = JoinOptions {
        name: "Stamped".into(),
        hall: Some("hall".into()),
        spawn: Some("plaza".into()),
        visitor_pass: None,
        invite: None,
        server_cert: None,
        look: None,
    };
    let mut server = start(&data);
    let mut s = Session::join(&server.url, &opts, &maps).expect("joins");
    assert!(pump_until(&mut s, |s| s.is_ready()));
    let req = s.comment(booth, "응원합니다");
    assert!(pump_until(&mut s, |s| s.take_answer(req).is_some()));
    // The stamp is told once it is kept.
    assert!(
        pump_until(&mut s, |s| s.stamps.has("today", "cheer")),
        "the comment earns its stamp"
    );
    let req = s.pledge("today", "firefighters");
    let mut answer = None;
    assert!(pump_until(&mut s, |s| {
        answer = s.take_answer(req);
        answer.is_some()
    }));
    assert_eq!(answer, Some(Ok(())), "the pledge is acknowledged");
    server.child.kill().expect("killed");
    server.child.wait().expect("reaped");
    let pass = s.join.visitor_pass.clone();
    drop(s);

    let server = start(&data);
    let again = JoinOptions {
        visitor_pass: Some(pass),
        ..opts
    };
    let mut s = Session::join(&server.url, &again, &maps).expect("joins the restarted server");
    assert!(
        pump_until(&mut s, |s| !s.stamps.tours.is_empty()),
        "the card comes"
    );
    assert!(s.stamps.has("today", "cheer"), "the stamp survived SIGKILL");
    assert_eq!(
        s.stamps.tours[0].pledged,
        vec![("firefighters".to_string(), 15)],
        "and the pledge"
    );
}

#[test]
fn results_export_to_csv_and_json_with_booth_names() {
    use madang_server::store::{BallotState, Store, Write};
    let data = std::env::temp_dir().join(format!("madang-results-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let maps = root().join("assets/maps");
    let hall = madang_shared::map::load_hall(&maps.join("hall.tmx")).expect("the demo hall");
    let (a, b) = (&hall.booths[0], &hall.booths[1]);
    {
        let (store, _) = Store::open(&data.join("madang.sqlite")).expect("opens");
        let w = |write| store.submit(write).wait().expect("saved");
        w(Write::Ballot {
            ballot: "moving-cases".into(),
            state: BallotState::Open,
            at: 0,
        });
        for (visitor, booth) in [(1, a), (2, a), (3, b)] {
            w(Write::Vote {
                ballot: "moving-cases".into(),
                visitor,
                booth: format!("hall#{}", booth.object_id),
                at: 0,
            });
        }
        w(Write::Ballot {
            ballot: "moving-cases".into(),
            state: BallotState::Closed,
            at: 0,
        });
    }
    let run = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_madang-server"))
            .args(["results", "--format", format])
            .arg("--data-dir")
            .arg(&data)
            .arg("--maps")
            .arg(&maps)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let csv = run("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "ballot,state,booth,org,title,title_en,votes");
    assert!(
        lines[1].starts_with("moving-cases,closed,") && lines[1].ends_with(",2"),
        "{csv}"
    );
    assert!(lines[1].contains(&a.org.ko), "booths are named: {csv}");
    assert!(lines[2].ends_with(",1"), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("json");
    assert_eq!(json[0]["votes"], 2);
    assert_eq!(json[0]["title_en"], a.title.en.as_str());
}

/// Joins `count` sessions into the hall's plaza, or the organizer with the invite code.
fn crowd(url: &str, count: usize, maps: &std::path::Path) -> Vec<Session> {
    (0..count)
        .map(|i| {
            let opts = JoinOptions {
                name: format!("손님 {i}"),
                hall: Some("hall".into()),
                spawn: Some("plaza".into()),
                visitor_pass: None,
                invite: None,
                server_cert: None,
                look: None,
            };
            Session::join(url, &opts, maps).expect("joins")
        })
        .collect()
}

/// Polls every session until `done` holds or `secs` pass.
fn pump_all(all: &mut [Session], secs: u64, mut done: impl FnMut(&mut [Session]) -> bool) -> bool {
    let start = Instant::now();
    let mut last = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        let now = Instant::now();
        for s in all.iter_mut() {
            s.poll(now - last);
            s.flush();
        }
        last = now;
        if done(all) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn everything_acknowledged_to_200_visitors_survives_sigkill_mid_stream() {
    use madang_shared::protocol::BallotState;
    const BALLOT: &str = "moving-cases";
    let data = std::env::temp_dir().join(format!("madang-durability-crowd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let maps = root().join("assets/maps");
    let hall = madang_shared::map::load_hall(&maps.join("hall.tmx")).expect("the demo hall");
    let booths: Vec<u32> = hall.booths.iter().map(|b| b.object_id).collect();

    let mut server = start(&data);
    let org_opts = JoinOptions {
        name: "운영자".into(),
        hall: Some("hall".into()),
        spawn: Some("plaza".into()),
        visitor_pass: None,
        invite: Some(ORGANIZER_CODE.into()),
        server_cert: None,
        look: None,
    };
    let mut org = vec![Session::join(&server.url, &org_opts, &maps).expect("the organizer joins")];
    assert!(pump_all(&mut org, 10, |s| s[0].is_ready()));
    let req = org[0].set_ballot(BALLOT, BallotState::Open);
    assert!(
        pump_all(&mut org, 10, |s| s[0].take_answer(req).is_some()),
        "the ballot opens"
    );

    let mut all = crowd(&server.url, 200, &maps);
    assert!(
        pump_all(&mut all, 30, |s| s.iter().all(|x| x.is_ready())),
        "200 visitors are welcomed"
    );
    let hall_index = all[0].me.as_ref().expect("welcomed").hall;
    // Each asks three things at once: a heart, a comment and a vote, at booths spread out.
    // (request id, what to look for after the restart)
    enum Fact {
        Heart(String, u64),
        Comment(String, String),
        Vote(u64, String),
    }
    let mut asked: Vec<Vec<(u32, Fact)>> = Vec::new();
    for (i, s) in all.iter_mut().enumerate() {
        let visitor = s.join.visitor_id;
        let booth = booths[i % booths.len()];
        let key = format!("hall#{booth}");
        let text = format!("사례 {i}에 공감합니다");
        asked.push(vec![
            (s.heart(booth, true), Fact::Heart(key.clone(), visitor)),
            (s.comment(booth, &text), Fact::Comment(key.clone(), text)),
            (s.vote(BALLOT, hall_index, booth), Fact::Vote(visitor, key)),
        ]);
    }
    // Kill the server mid-stream: once some, not all, of the 600 answers are in.
    let mut acked: Vec<&Fact> = Vec::new();
    let mut answered = vec![vec![false; 3]; all.len()];
    let mut answers = 0;
    pump_all(&mut all, 30, |s| {
        for (i, sess) in s.iter_mut().enumerate() {
            for (k, (req, _)) in asked[i].iter().enumerate() {
                if !answered[i][k]
                    && let Some(a) = sess.take_answer(*req)
                {
                    answered[i][k] = true;
                    answers += 1;
                    if a.is_ok() {
                        acked.push(&asked[i][k].1);
                    }
                }
            }
        }
        answers >= 300
    });
    server.child.kill().expect("killed");
    server.child.wait().expect("reaped");
    println!(
        "killed after {answers} answers, {} acknowledgements",
        acked.len()
    );
    assert!(
        acked.len() >= 100,
        "the server acknowledged a good part before dying"
    );
    drop(all);
    drop(org);

    // What the store holds after the kill: every acknowledged fact.
    let (store, loaded) =
        madang_server::store::Store::open(&data.join("madang.sqlite")).expect("the store opens");
    for fact in acked {
        match fact {
            Fact::Heart(booth, visitor) => assert!(
                loaded.hearts.contains(&(booth.clone(), *visitor)),
                "the acknowledged heart of {visitor} at {booth} is kept"
            ),
            Fact::Vote(visitor, booth) => assert!(
                loaded
                    .votes
                    .contains(&(BALLOT.to_owned(), *visitor, booth.clone())),
                "the acknowledged vote of {visitor} for {booth} is kept"
            ),
            Fact::Comment(booth, text) => {
                let page = store
                    .comments(booth, None, 1000, true)
                    .expect("comments read");
                assert!(
                    page.iter().any(|c| &c.body == text),
                    "the acknowledged comment `{text}` at {booth} is kept"
                );
            }
        }
    }
}
