//! What was acknowledged survives the server process being killed (SIGKILL, no shutdown):
//! the real server binary, a real client over UDP, then the binary started again on the same
//! data folder.

use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use madang_client::session::{JoinOptions, Session};

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
    let child = Command::new(env!("CARGO_BIN_EXE_madang-server"))
        .args(["--udp", &udp.to_string(), "--http", &http.to_string()])
        .arg("--maps")
        .arg(root().join("assets/maps"))
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let url = format!("http://{http}");
    let start = Instant::now();
    while ureq::get(&format!("{url}/health")).call().is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the server answers within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
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
        pump_until(&mut s, |s| s.booths.contains_key(&booth)),
        "told about the booth in view"
    );
    assert_eq!(
        s.booths[&booth].hearts, 1,
        "the acknowledged heart survived SIGKILL"
    );
    assert!(s.booths[&booth].mine, "and is still this visitor's");
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
