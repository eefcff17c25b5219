//! Slow clients at the join endpoint: with the server's open-file limit at 1,024 (a common
//! default for services), 2,000 connections that send half a request and wait do not stop a
//! normal join, nor the game thread.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use madang_client::session::{JoinOptions, Session};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn two_thousand_half_requests_do_not_stop_a_join_or_the_game() {
    let http = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let data = std::env::temp_dir().join(format!("madang-slow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    // The server under a 1,024 open-file limit.
    let server = Server(
        Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 1024 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_madang-server"))
            .args(["--udp", &udp.to_string(), "--http", &http.to_string()])
            .arg("--maps")
            .arg(root().join("assets/maps"))
            .arg("--data-dir")
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts"),
    );
    let url = format!("https://{http}");
    assert!(
        madang_client::session::wait_until_up(&url, Duration::from_secs(20)),
        "the server answers"
    );
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.0.id())).unwrap();
    assert!(
        limits
            .lines()
            .any(|l| l.starts_with("Max open files") && l.contains("1024")),
        "the server runs with 1,024 open files: {limits}"
    );

    // 2,000 connections from another address, each with half a request, all kept open.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let slow = runtime.block_on(async {
        let mut held = Vec::new();
        for _ in 0..2000 {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind(SocketAddr::from(([127, 0, 0, 2], 0))).unwrap();
            if let Ok(Ok(s)) =
                tokio::time::timeout(Duration::from_secs(2), socket.connect(http)).await
            {
                // A fresh socket's buffer takes these bytes at once.
                let _ =
                    s.try_write(b"POST /join HTTP/1.1\r\nHost: expo\r\nContent-Length: 100\r\n");
                held.push(s);
            }
        }
        held
    });
    println!("{} slow connections open", slow.len());
    let files = open_files(server.0.id());
    assert!(
        files < 600,
        "the server holds {files} files, not one per slow connection"
    );

    // A normal join and a visitor welcomed into the hall, while the slow ones wait.
    let started = Instant::now();
    let opts = JoinOptions {
        name: "제때 온 사람".into(),
        hall: Some("hall".into()),
        spawn: Some("plaza".into()),
        visitor_pass: None,
        invite: None,
        server_cert: None,
        look: None,
    };
    let mut s = Session::join(&url, &opts, &root().join("assets/maps"))
        .expect("a normal join goes through");
    let mut last = Instant::now();
    while !s.is_ready() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the visitor is welcomed"
        );
        let now = Instant::now();
        s.poll(now - last);
        s.flush();
        last = now;
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "joined and welcomed in {:.0} ms with {} slow connections held; the server had {files} files open",
        started.elapsed().as_secs_f64() * 1e3,
        slow.len()
    );
    drop(slow);
}
