//! The store: one SQLite file (rusqlite with its bundled SQLite), in WAL mode, written by one
//! thread fed over a channel. Schema migrations are in code and run at open.
//!
//! A write is answered through a [`Receipt`] only after its transaction has committed, so the
//! server acknowledges a heart, a comment or a vote to a visitor only once it would survive the
//! process being killed. Jobs waiting in the channel are committed together (group commit),
//! each still answered on its own.

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError, bounded, unbounded};
use madang_shared::refusal::Refusal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use tracing::{error, info, warn};

/// The schema, one migration per entry; `PRAGMA user_version` says how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: visitors and the facts they leave at booths.
    "CREATE TABLE visitors (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    );
    CREATE TABLE hearts (
        booth TEXT NOT NULL,
        visitor INTEGER NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (booth, visitor)
    );
    CREATE TABLE comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        booth TEXT NOT NULL,
        visitor INTEGER NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        at INTEGER NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX comments_by_booth ON comments (booth, id DESC);
    CREATE TABLE ballots (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
        changed_at INTEGER NOT NULL
    );
    CREATE TABLE votes (
        ballot TEXT NOT NULL,
        visitor INTEGER NOT NULL,
        booth TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (ballot, visitor)
    );",
    // 2: the rooms' chat, shown to later arrivals.
    "CREATE TABLE chat (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hall TEXT NOT NULL,
        visitor INTEGER NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE INDEX chat_by_hall ON chat (hall, id DESC);",
    // 3: moderation.
    "CREATE TABLE bans (
        visitor INTEGER PRIMARY KEY,
        reason TEXT NOT NULL,
        until INTEGER,
        by_name TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reporter INTEGER NOT NULL,
        reporter_name TEXT NOT NULL,
        target INTEGER NOT NULL,
        target_name TEXT NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
    );",
    // 4: what the results report is made of: visits to booths, people per hall over time,
    // and the awards given.
    "CREATE TABLE visits (
        booth TEXT NOT NULL,
        visitor INTEGER NOT NULL,
        entered_ms INTEGER NOT NULL,
        dwell_ms INTEGER NOT NULL
    );
    CREATE INDEX visits_by_booth ON visits (booth);
    CREATE TABLE occupancy (
        hall TEXT NOT NULL,
        at INTEGER NOT NULL,
        people INTEGER NOT NULL
    );
    CREATE TABLE awards (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        award TEXT NOT NULL,
        winner TEXT NOT NULL,
        visitor INTEGER,
        at INTEGER NOT NULL
    );",
    // 5: mutes belong to the visitor, not the connection, and may end.
    "CREATE TABLE mutes (
        visitor INTEGER PRIMARY KEY,
        until INTEGER,
        by_name TEXT NOT NULL,
        at INTEGER NOT NULL
    );",
    // 6: awards claimed with their one-time code, by the visitor who claimed them; banners.
    "CREATE TABLE award_claims (
        award TEXT PRIMARY KEY,
        visitor INTEGER NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE banners (
        hall TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        at INTEGER NOT NULL
    );",
    // 7: slide decks shown on the stage screens, and until when (NULL while still up).
    "CREATE TABLE deck_shows (
        hall TEXT NOT NULL,
        screen INTEGER NOT NULL,
        deck TEXT NOT NULL,
        opened_ms INTEGER NOT NULL,
        closed_ms INTEGER,
        PRIMARY KEY (hall, screen, opened_ms)
    );",
    // 8: the partnership's signatures (each entry of the record as JSON, by the agreement's
    // hash), and who holds each relay object.
    "CREATE TABLE signatures (
        agreement TEXT NOT NULL,
        seq INTEGER NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (agreement, seq)
    );
    CREATE TABLE relay_holders (
        object TEXT PRIMARY KEY,
        visitor INTEGER NOT NULL,
        name TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE handovers (
        object TEXT NOT NULL,
        from_name TEXT NOT NULL,
        to_name TEXT NOT NULL,
        to_visitor INTEGER NOT NULL,
        at INTEGER NOT NULL
    );",
    // 9: the stamps of the tours, and the points pledged to causes.
    "CREATE TABLE stamps (
        tour TEXT NOT NULL,
        stamp TEXT NOT NULL,
        visitor INTEGER NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (tour, stamp, visitor)
    );
    CREATE TABLE pledges (
        id INTEGER PRIMARY KEY,
        tour TEXT NOT NULL,
        visitor INTEGER NOT NULL,
        cause TEXT NOT NULL,
        points INTEGER NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE INDEX pledges_by_visitor ON pledges (visitor);",
];

/// Reports loaded at start (the newest).
pub const REPORTS_KEPT: usize = 500;

/// Room chat lines per hall loaded at start.
pub const CHAT_HISTORY: usize = 50;

/// Jobs committed in one transaction at most.
const MAX_BATCH: usize = 256;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store {path}: {err}")]
    Open { path: PathBuf, err: rusqlite::Error },
    #[error("the store {path} is from a newer Madang (schema {found}, this one knows {known})")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: usize,
    },
    #[error("the store failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the store's writer has stopped")]
    Stopped,
    #[error("cannot prepare the store's folder for {path}: {err}")]
    Io { path: PathBuf, err: std::io::Error },
    #[error("cannot read from the store: {0}")]
    Read(String),
}

pub use madang_shared::protocol::BallotState;

fn state_str(state: BallotState) -> &'static str {
    match state {
        BallotState::Draft => "draft",
        BallotState::Open => "open",
        BallotState::Closed => "closed",
    }
}

fn parse_state(s: &str) -> Option<BallotState> {
    match s {
        "draft" => Some(BallotState::Draft),
        "open" => Some(BallotState::Open),
        "closed" => Some(BallotState::Closed),
        _ => None,
    }
}

/// A write. Times are Unix seconds; visitor ids are stored as SQLite's signed integers.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// A visitor arrived (recorded, or their name and last visit updated).
    Visitor {
        id: u64,
        name: String,
        at: i64,
    },
    /// A heart given (`on`) or taken back.
    Heart {
        booth: String,
        visitor: u64,
        on: bool,
        at: i64,
    },
    Comment {
        booth: String,
        visitor: u64,
        name: String,
        body: String,
        at: i64,
    },
    /// An organizer hides (or shows again) a comment.
    HideComment {
        id: i64,
        hidden: bool,
    },
    /// A ballot is declared, opened or closed.
    Ballot {
        ballot: String,
        state: BallotState,
        at: i64,
    },
    /// A vote, or a changed vote: one per visitor per ballot, only while the ballot is open.
    Vote {
        ballot: String,
        visitor: u64,
        booth: String,
        at: i64,
    },
    /// A visitor banned until `until` (Unix seconds), or for good.
    Ban {
        visitor: u64,
        reason: String,
        until: Option<i64>,
        by: String,
        at: i64,
    },
    Unban {
        visitor: u64,
    },
    /// A visitor muted until `until` (Unix seconds), or until lifted.
    Mute {
        visitor: u64,
        until: Option<i64>,
        by: String,
        at: i64,
    },
    Unmute {
        visitor: u64,
    },
    /// The banner of a hall (by id; empty: the whole expo), or none.
    Banner {
        hall: String,
        text: Option<String>,
        at: i64,
    },
    /// An award claimed with its code: the first claim holds, a later one by another visitor
    /// is refused ([`Written::Refused`]).
    ClaimAward {
        award: String,
        visitor: u64,
        at: i64,
    },
    /// A visitor reports another.
    Report {
        reporter: u64,
        reporter_name: String,
        target: u64,
        target_name: String,
        reason: String,
        at: i64,
    },
    /// A slide deck went up on a screen (wall clock, Unix ms).
    DeckShown {
        hall: String,
        screen: u32,
        deck: String,
        opened_ms: i64,
    },
    /// The deck that went up at `opened_ms` came down.
    DeckTakenDown {
        hall: String,
        screen: u32,
        deck: String,
        opened_ms: i64,
        closed_ms: i64,
    },
    /// A visit to a booth ended: when it began (Unix ms) and how long it lasted.
    Visit {
        booth: String,
        visitor: u64,
        entered_ms: i64,
        dwell_ms: i64,
    },
    /// How many people a hall had at a moment (Unix seconds).
    Occupancy {
        hall: String,
        at: i64,
        people: u32,
    },
    /// An award given at the ceremony.
    Award {
        award: String,
        winner: String,
        visitor: Option<u64>,
        at: i64,
    },
    /// A signature of the agreement (by its hash, hex): the record's entry `seq`, as JSON.
    /// A second entry with the same `seq` is refused ([`Written::Refused`]).
    Signature {
        agreement: String,
        seq: u32,
        entry: String,
    },
    /// The relay's object passed to a new holder.
    Handover {
        object: String,
        from_name: String,
        to_name: String,
        to_visitor: u64,
        at: i64,
    },
    /// A stamp earned (kept once: a second grant of the same stamp changes nothing).
    Stamp {
        tour: String,
        stamp: String,
        visitor: u64,
        at: i64,
    },
    /// Points of a tour pledged to a cause.
    Pledge {
        tour: String,
        visitor: u64,
        cause: String,
        points: u32,
        at: i64,
    },
    /// A line said to a whole room.
    Chat {
        hall: String,
        visitor: u64,
        name: String,
        body: String,
        at: i64,
    },
}

/// What a committed write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The new comment's id.
    Comment(i64),
    /// A comment's visibility was set; `changed` when it was not already so.
    Hidden {
        booth: String,
        changed: bool,
    },
    /// Refused by a rule checked inside the transaction (the reason is for the visitor).
    Refused(madang_shared::refusal::Refusal),
}

/// The answer to one write, once committed.
pub struct Receipt(Receiver<Result<Written, String>>);

impl Receipt {
    /// The answer, if it is there yet; never blocks.
    pub fn poll(&self) -> Option<Result<Written, String>> {
        match self.0.try_recv() {
            Ok(r) => Some(r),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err("the store stopped".into())),
        }
    }

    /// Waits for the answer.
    pub fn wait(self) -> Result<Written, String> {
        self.0
            .recv()
            .unwrap_or_else(|_| Err("the store stopped".into()))
    }
}

/// The answer to a read of comments.
pub struct PageReceipt(Receiver<Result<Vec<CommentRow>, String>>);

impl PageReceipt {
    /// The page, if it is there yet; never blocks.
    pub fn poll(&self) -> Option<Result<Vec<CommentRow>, String>> {
        match self.0.try_recv() {
            Ok(r) => Some(r),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err("the store stopped".into())),
        }
    }
}

/// A comment as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRow {
    pub id: i64,
    pub booth: String,
    pub visitor: u64,
    pub name: String,
    pub body: String,
    pub at: i64,
    pub hidden: bool,
}

/// Everything the server needs in memory, read once at start.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// (booth, visitor) pairs with a heart.
    pub hearts: Vec<(String, u64)>,
    pub ballots: Vec<(String, BallotState)>,
    /// (ballot, visitor, booth).
    pub votes: Vec<(String, u64, String)>,
    /// Visible comments per booth.
    pub comment_counts: Vec<(String, u64)>,
    /// The newest room chat of each hall, oldest first: (hall, visitor, name, body, at).
    pub chat: Vec<(String, u64, String, String, i64)>,
    /// Bans: (visitor, reason, until).
    pub bans: Vec<(u64, String, Option<i64>)>,
    /// Mutes: (visitor, until).
    pub mutes: Vec<(u64, Option<i64>)>,
    /// Awards claimed: (award, visitor).
    pub award_claims: Vec<(String, u64)>,
    /// Banners up: (hall id, or empty for the whole expo; text).
    pub banners: Vec<(String, String)>,
    /// Time each visitor spent at each booth over all finished visits: (visitor, booth, ms).
    pub dwell: Vec<(u64, String, i64)>,
    /// The newest reports, oldest first: (id, reporter name, target visitor, target name,
    /// reason, at).
    pub reports: Vec<(i64, String, u64, String, String, i64)>,
    /// The agreements' signatures in order: (agreement hash, seq, entry JSON).
    pub signatures: Vec<(String, u32, String)>,
    /// Who holds each relay object: (object, visitor, name).
    pub relay_holders: Vec<(String, u64, String)>,
    /// Stamps earned: (tour, stamp, visitor).
    pub stamps: Vec<(String, String, u64)>,
    /// Points pledged: (tour, visitor, cause, points).
    pub pledges: Vec<(String, u64, String, u32)>,
}

enum Job {
    Write(Write, Sender<Result<Written, String>>),
    Comments {
        booth: String,
        before: Option<i64>,
        limit: u32,
        include_hidden: bool,
        reply: Sender<Result<Vec<CommentRow>, String>>,
    },
}

/// The handle: cheap to clone, shared by every system that writes.
#[derive(Clone)]
pub struct Store {
    jobs: Sender<Job>,
    writer: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
}

/// Jobs waiting for the writer at most. Past it a write is refused at once ("the store is
/// busy"), so a flood of requests makes people retry instead of growing memory.
pub const STORE_QUEUE: usize = 50_000;

fn id_to_sql(id: u64) -> i64 {
    id as i64
}

fn id_from_sql(id: i64) -> u64 {
    id as u64
}

/// Opens the connection with the settings every use needs.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let open = |err| StoreError::Open {
        path: path.to_owned(),
        err,
    };
    let conn = Connection::open(path).map_err(open)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(open)?;
    // FULL: a commit is on disk before it is acknowledged, power cuts included.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(open)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(open)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(open)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > MIGRATIONS.len() as i64 {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            known: MIGRATIONS.len(),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        info!(path = %path.display(), version = i + 1, "store migrated");
    }
    Ok(())
}

fn load(conn: &Connection) -> Result<Loaded, StoreError> {
    let mut loaded = Loaded::default();
    let mut q = conn.prepare("SELECT booth, visitor FROM hearts")?;
    for row in q.query_map([], |r| Ok((r.get::<_, String>(0)?, id_from_sql(r.get(1)?))))? {
        loaded.hearts.push(row?);
    }
    let mut q = conn.prepare("SELECT id, state FROM ballots")?;
    for row in q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (id, state) = row?;
        if let Some(state) = parse_state(&state) {
            loaded.ballots.push((id, state));
        }
    }
    let mut q = conn.prepare("SELECT ballot, visitor, booth FROM votes")?;
    for row in q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            id_from_sql(r.get(1)?),
            r.get::<_, String>(2)?,
        ))
    })? {
        loaded.votes.push(row?);
    }
    let mut q =
        conn.prepare("SELECT booth, COUNT(*) FROM comments WHERE hidden = 0 GROUP BY booth")?;
    for row in q.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })? {
        loaded.comment_counts.push(row?);
    }
    let mut q = conn.prepare(
        "SELECT hall, visitor, name, body, at FROM (
             SELECT *, ROW_NUMBER() OVER (PARTITION BY hall ORDER BY id DESC) AS n FROM chat
         ) WHERE n <= ?1 ORDER BY id",
    )?;
    for row in q.query_map([CHAT_HISTORY as i64], |r| {
        Ok((
            r.get::<_, String>(0)?,
            id_from_sql(r.get(1)?),
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })? {
        loaded.chat.push(row?);
    }
    let mut q = conn.prepare("SELECT visitor, reason, until FROM bans")?;
    for row in q.query_map([], |r| {
        Ok((
            id_from_sql(r.get(0)?),
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })? {
        loaded.bans.push(row?);
    }
    let mut q =
        conn.prepare("SELECT visitor, booth, SUM(dwell_ms) FROM visits GROUP BY visitor, booth")?;
    for row in q.query_map([], |r| {
        Ok((
            id_from_sql(r.get(0)?),
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        loaded.dwell.push(row?);
    }
    let mut q = conn.prepare("SELECT hall, body FROM banners")?;
    for row in q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        loaded.banners.push(row?);
    }
    let mut q = conn.prepare("SELECT award, visitor FROM award_claims")?;
    for row in q.query_map([], |r| Ok((r.get::<_, String>(0)?, id_from_sql(r.get(1)?))))? {
        loaded.award_claims.push(row?);
    }
    let mut q =
        conn.prepare("SELECT agreement, seq, entry FROM signatures ORDER BY agreement, seq")?;
    for row in q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        loaded.signatures.push(row?);
    }
    let mut q = conn.prepare("SELECT object, visitor, name FROM relay_holders")?;
    for row in q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            id_from_sql(r.get(1)?),
            r.get::<_, String>(2)?,
        ))
    })? {
        loaded.relay_holders.push(row?);
    }
    let mut q = conn.prepare("SELECT tour, stamp, visitor FROM stamps")?;
    for row in q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            id_from_sql(r.get(2)?),
        ))
    })? {
        loaded.stamps.push(row?);
    }
    let mut q = conn.prepare("SELECT tour, visitor, cause, points FROM pledges ORDER BY id")?;
    for row in q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            id_from_sql(r.get(1)?),
            r.get::<_, String>(2)?,
            r.get::<_, u32>(3)?,
        ))
    })? {
        loaded.pledges.push(row?);
    }
    let mut q = conn.prepare("SELECT visitor, until FROM mutes")?;
    for row in q.query_map([], |r| {
        Ok((id_from_sql(r.get(0)?), r.get::<_, Option<i64>>(1)?))
    })? {
        loaded.mutes.push(row?);
    }
    let mut q = conn.prepare(
        "SELECT id, reporter_name, target, target_name, reason, at FROM (
             SELECT * FROM reports ORDER BY id DESC LIMIT ?1
         ) ORDER BY id",
    )?;
    for row in q.query_map([REPORTS_KEPT as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            id_from_sql(r.get(2)?),
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })? {
        loaded.reports.push(row?);
    }
    Ok(loaded)
}

impl Store {
    /// Opens (or creates) the store file, migrates it, reads what the server keeps in memory,
    /// and starts the writer thread. The thread ends once every handle is dropped, after
    /// committing and answering what was queued.
    pub fn open(path: &Path) -> Result<(Store, Loaded), StoreError> {
        let io = |err| StoreError::Io {
            path: path.to_owned(),
            err,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut conn = connect(path)?;
        migrate(&mut conn, path)?;
        let loaded = load(&conn)?;
        let (tx, rx) = bounded(STORE_QUEUE);
        let handle = std::thread::Builder::new()
            .name("madang-store".into())
            .spawn(move || writer(conn, rx))
            .map_err(io)?;
        Ok((
            Store {
                jobs: tx,
                writer: Arc::new(Mutex::new(Some(handle))),
            },
            loaded,
        ))
    }

    /// Queues a write; the receipt answers once it is committed (or failed). A full queue
    /// answers at once with a refusal.
    pub fn submit(&self, write: Write) -> Receipt {
        let (tx, rx) = unbounded();
        match self.jobs.try_send(Job::Write(write, tx)) {
            Ok(()) => {}
            Err(TrySendError::Full(Job::Write(_, reply))) => {
                warn!("the store's queue is full: a write was refused");
                let _ = reply.send(Err("the store is busy; try again in a moment".into()));
            }
            Err(TrySendError::Disconnected(Job::Write(_, reply))) => {
                let _ = reply.send(Err("the store stopped".into()));
            }
            Err(_) => {}
        }
        Receipt(rx)
    }

    /// The writer thread (once): join it after every `Store` handle is gone, and it has
    /// committed and answered everything that was queued.
    pub fn writer_thread(&self) -> Option<std::thread::JoinHandle<()>> {
        self.writer.lock().ok().and_then(|mut h| h.take())
    }

    /// Asks for a page of a booth's comments, newest first, older than `before` (a comment
    /// id). Read on the writer's connection, so it sees every committed write.
    pub fn comments_later(
        &self,
        booth: &str,
        before: Option<i64>,
        limit: u32,
        include_hidden: bool,
    ) -> PageReceipt {
        let (reply, rx) = unbounded();
        let job = Job::Comments {
            booth: booth.to_owned(),
            before,
            limit,
            include_hidden,
            reply,
        };
        if let Err(TrySendError::Full(Job::Comments { reply, .. }))
        | Err(TrySendError::Disconnected(Job::Comments { reply, .. })) = self.jobs.try_send(job)
        {
            let _ = reply.send(Err("the store is busy or stopped".into()));
        }
        PageReceipt(rx)
    }

    /// Reads a page of a booth's comments, waiting for it.
    pub fn comments(
        &self,
        booth: &str,
        before: Option<i64>,
        limit: u32,
        include_hidden: bool,
    ) -> Result<Vec<CommentRow>, StoreError> {
        self.comments_later(booth, before, limit, include_hidden)
            .0
            .recv()
            .map_err(|_| StoreError::Stopped)?
            .map_err(StoreError::Read)
    }
}

/// Copies the store at `from` to a new file `to` with SQLite's online backup, while the server
/// may be writing: 256 pages a step, a short pause between steps so the writer is never held up
/// for long. Returns the pages copied.
pub fn backup(from: &Path, to: &Path) -> Result<i64, StoreError> {
    if to.exists() {
        return Err(StoreError::Io {
            path: to.to_owned(),
            err: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the backup file exists already",
            ),
        });
    }
    let src = Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut dst = Connection::open(to)?;
    let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
    backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
    Ok(backup.progress().pagecount as i64)
}

/// How long the writer gathers writes that nobody waits for (visits and occupancy counts)
/// before committing them: with a thousand people wandering, visits end many times a second,
/// and a transaction each (its own sync of the log) was a twentieth of the server's CPU.
const GATHER_UNAWAITED: std::time::Duration = std::time::Duration::from_millis(250);

impl Job {
    /// A write that no one is told the outcome of, so it can wait a moment for company.
    fn unawaited(&self) -> bool {
        matches!(
            self,
            Job::Write(Write::Visit { .. } | Write::Occupancy { .. }, _)
        )
    }
}

/// The writer thread: takes every job waiting, commits the writes in one transaction, then
/// answers each. While every job taken is a write nobody waits for, it waits up to
/// [`GATHER_UNAWAITED`] for more (or for one someone waits for, which ends the wait).
fn writer(mut conn: Connection, jobs: Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        // Set while every job taken is unawaited.
        let mut gather_until = first
            .unawaited()
            .then(|| std::time::Instant::now() + GATHER_UNAWAITED);
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            let next = match gather_until {
                Some(d) => jobs.recv_deadline(d).ok(),
                None => jobs.try_recv().ok(),
            };
            let Some(j) = next else {
                break;
            };
            if !j.unawaited() {
                gather_until = None;
            }
            batch.push(j);
        }
        let mut writes = Vec::new();
        for job in batch {
            match job {
                Job::Write(w, reply) => writes.push((w, reply)),
                Job::Comments {
                    booth,
                    before,
                    limit,
                    include_hidden,
                    reply,
                } => {
                    let rows = read_comments(&conn, &booth, before, limit, include_hidden)
                        .map_err(|e| e.to_string());
                    let _ = reply.send(rows);
                }
            }
        }
        if writes.is_empty() {
            continue;
        }
        match commit(&mut conn, &writes) {
            Ok(results) => {
                for ((_, reply), result) in writes.into_iter().zip(results) {
                    let _ = reply.send(Ok(result));
                }
            }
            Err(e) => {
                error!(
                    "store transaction failed, {} writes refused: {e}",
                    writes.len()
                );
                for (_, reply) in writes {
                    let _ = reply.send(Err(format!("not saved: {e}")));
                }
            }
        }
    }
}

fn commit(
    conn: &mut Connection,
    writes: &[(Write, Sender<Result<Written, String>>)],
) -> Result<Vec<Written>, rusqlite::Error> {
    let tx = conn.transaction()?;
    let mut results = Vec::with_capacity(writes.len());
    for (w, _) in writes {
        results.push(apply(&tx, w)?);
    }
    tx.commit()?;
    Ok(results)
}

fn apply(tx: &rusqlite::Transaction<'_>, w: &Write) -> Result<Written, rusqlite::Error> {
    match w {
        Write::Visit {
            booth,
            visitor,
            entered_ms,
            dwell_ms,
        } => {
            tx.execute(
                "INSERT INTO visits (booth, visitor, entered_ms, dwell_ms) VALUES (?1, ?2, ?3, ?4)",
                params![booth, id_to_sql(*visitor), entered_ms, dwell_ms],
            )?;
        }
        Write::Occupancy { hall, at, people } => {
            tx.execute(
                "INSERT INTO occupancy (hall, at, people) VALUES (?1, ?2, ?3)",
                params![hall, at, people],
            )?;
        }
        Write::DeckShown {
            hall,
            screen,
            deck,
            opened_ms,
        } => {
            tx.execute(
                "INSERT OR REPLACE INTO deck_shows (hall, screen, deck, opened_ms, closed_ms)
                 VALUES (?1, ?2, ?3, ?4, NULL)",
                params![hall, screen, deck, opened_ms],
            )?;
        }
        Write::DeckTakenDown {
            hall,
            screen,
            deck,
            opened_ms,
            closed_ms,
        } => {
            tx.execute(
                "INSERT OR REPLACE INTO deck_shows (hall, screen, deck, opened_ms, closed_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![hall, screen, deck, opened_ms, closed_ms],
            )?;
        }
        Write::Award {
            award,
            winner,
            visitor,
            at,
        } => {
            tx.execute(
                "INSERT INTO awards (award, winner, visitor, at) VALUES (?1, ?2, ?3, ?4)",
                params![award, winner, visitor.map(id_to_sql), at],
            )?;
        }
        Write::Signature {
            agreement,
            seq,
            entry,
        } => {
            let taken: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM signatures WHERE agreement = ?1 AND seq = ?2",
                    params![agreement, seq],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                return Ok(Written::Refused(Refusal::SignatureNotSaved));
            }
            tx.execute(
                "INSERT INTO signatures (agreement, seq, entry) VALUES (?1, ?2, ?3)",
                params![agreement, seq, entry],
            )?;
        }
        Write::Stamp {
            tour,
            stamp,
            visitor,
            at,
        } => {
            tx.execute(
                "INSERT OR IGNORE INTO stamps (tour, stamp, visitor, at) VALUES (?1, ?2, ?3, ?4)",
                params![tour, stamp, id_to_sql(*visitor), at],
            )?;
        }
        Write::Pledge {
            tour,
            visitor,
            cause,
            points,
            at,
        } => {
            tx.execute(
                "INSERT INTO pledges (tour, visitor, cause, points, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![tour, id_to_sql(*visitor), cause, points, at],
            )?;
        }
        Write::Handover {
            object,
            from_name,
            to_name,
            to_visitor,
            at,
        } => {
            tx.execute(
                "INSERT INTO relay_holders (object, visitor, name, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (object) DO UPDATE SET visitor = excluded.visitor,
                     name = excluded.name, at = excluded.at",
                params![object, id_to_sql(*to_visitor), to_name, at],
            )?;
            tx.execute(
                "INSERT INTO handovers (object, from_name, to_name, to_visitor, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![object, from_name, to_name, id_to_sql(*to_visitor), at],
            )?;
        }
        Write::Ban {
            visitor,
            reason,
            until,
            by,
            at,
        } => {
            tx.execute(
                "INSERT INTO bans (visitor, reason, until, by_name, at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (visitor) DO UPDATE SET reason = excluded.reason,
                     until = excluded.until, by_name = excluded.by_name, at = excluded.at",
                params![id_to_sql(*visitor), reason, until, by, at],
            )?;
        }
        Write::Unban { visitor } => {
            tx.execute(
                "DELETE FROM bans WHERE visitor = ?1",
                params![id_to_sql(*visitor)],
            )?;
        }
        Write::Mute {
            visitor,
            until,
            by,
            at,
        } => {
            tx.execute(
                "INSERT INTO mutes (visitor, until, by_name, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (visitor) DO UPDATE SET until = excluded.until,
                     by_name = excluded.by_name, at = excluded.at",
                params![id_to_sql(*visitor), until, by, at],
            )?;
        }
        Write::Unmute { visitor } => {
            tx.execute(
                "DELETE FROM mutes WHERE visitor = ?1",
                params![id_to_sql(*visitor)],
            )?;
        }
        Write::Banner { hall, text, at } => match text {
            Some(body) => {
                tx.execute(
                    "INSERT INTO banners (hall, body, at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (hall) DO UPDATE SET body = excluded.body, at = excluded.at",
                    params![hall, body, at],
                )?;
            }
            None => {
                tx.execute("DELETE FROM banners WHERE hall = ?1", params![hall])?;
            }
        },
        Write::ClaimAward { award, visitor, at } => {
            let holder: Option<i64> = tx
                .query_row(
                    "SELECT visitor FROM award_claims WHERE award = ?1",
                    params![award],
                    |r| r.get(0),
                )
                .optional()?;
            match holder {
                Some(v) if v != id_to_sql(*visitor) => {
                    return Ok(Written::Refused(Refusal::ClaimUsed));
                }
                Some(_) => {}
                None => {
                    tx.execute(
                        "INSERT INTO award_claims (award, visitor, at) VALUES (?1, ?2, ?3)",
                        params![award, id_to_sql(*visitor), at],
                    )?;
                }
            }
        }
        Write::Report {
            reporter,
            reporter_name,
            target,
            target_name,
            reason,
            at,
        } => {
            tx.execute(
                "INSERT INTO reports (reporter, reporter_name, target, target_name, reason, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id_to_sql(*reporter),
                    reporter_name,
                    id_to_sql(*target),
                    target_name,
                    reason,
                    at
                ],
            )?;
            return Ok(Written::Comment(tx.last_insert_rowid()));
        }
        Write::Chat {
            hall,
            visitor,
            name,
            body,
            at,
        } => {
            tx.execute(
                "INSERT INTO chat (hall, visitor, name, body, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![hall, id_to_sql(*visitor), name, body, at],
            )?;
        }
        Write::Visitor { id, name, at } => {
            tx.execute(
                "INSERT INTO visitors (id, name, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen",
                params![id_to_sql(*id), name, at],
            )?;
        }
        Write::Heart {
            booth,
            visitor,
            on,
            at,
        } => {
            if *on {
                tx.execute(
                    "INSERT OR IGNORE INTO hearts (booth, visitor, at) VALUES (?1, ?2, ?3)",
                    params![booth, id_to_sql(*visitor), at],
                )?;
            } else {
                tx.execute(
                    "DELETE FROM hearts WHERE booth = ?1 AND visitor = ?2",
                    params![booth, id_to_sql(*visitor)],
                )?;
            }
        }
        Write::Comment {
            booth,
            visitor,
            name,
            body,
            at,
        } => {
            tx.execute(
                "INSERT INTO comments (booth, visitor, name, body, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![booth, id_to_sql(*visitor), name, body, at],
            )?;
            return Ok(Written::Comment(tx.last_insert_rowid()));
        }
        Write::HideComment { id, hidden } => {
            let found: Option<(String, bool)> = tx
                .query_row(
                    "SELECT booth, hidden FROM comments WHERE id = ?1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)),
                )
                .optional()?;
            let Some((booth, was)) = found else {
                return Ok(Written::Refused(Refusal::NoSuchComment));
            };
            tx.execute(
                "UPDATE comments SET hidden = ?2 WHERE id = ?1",
                params![id, *hidden as i64],
            )?;
            return Ok(Written::Hidden {
                booth,
                changed: was != *hidden,
            });
        }
        Write::Ballot { ballot, state, at } => {
            tx.execute(
                "INSERT INTO ballots (id, state, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at",
                params![ballot, state_str(*state), at],
            )?;
        }
        Write::Vote {
            ballot,
            visitor,
            booth,
            at,
        } => {
            // Checked in the same transaction as the vote, so a vote racing the closing of
            // its ballot is either in before the close or refused.
            let state: Option<String> = tx
                .query_row(
                    "SELECT state FROM ballots WHERE id = ?1",
                    params![ballot],
                    |r| r.get(0),
                )
                .optional()?;
            if state.as_deref() != Some("open") {
                return Ok(Written::Refused(Refusal::BallotNotOpen));
            }
            tx.execute(
                "INSERT INTO votes (ballot, visitor, booth, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (ballot, visitor) DO UPDATE SET booth = excluded.booth, at = excluded.at",
                params![ballot, id_to_sql(*visitor), booth, at],
            )?;
        }
    }
    Ok(Written::Done)
}

fn read_comments(
    conn: &Connection,
    booth: &str,
    before: Option<i64>,
    limit: u32,
    include_hidden: bool,
) -> Result<Vec<CommentRow>, rusqlite::Error> {
    let mut q = conn.prepare_cached(
        "SELECT id, booth, visitor, name, body, at, hidden FROM comments
         WHERE booth = ?1 AND id < ?2 AND (?3 OR hidden = 0)
         ORDER BY id DESC LIMIT ?4",
    )?;
    let rows = q.query_map(
        params![booth, before.unwrap_or(i64::MAX), include_hidden, limit],
        |r| {
            Ok(CommentRow {
                id: r.get(0)?,
                booth: r.get(1)?,
                visitor: id_from_sql(r.get(2)?),
                name: r.get(3)?,
                body: r.get(4)?,
                at: r.get(5)?,
                hidden: r.get::<_, i64>(6)? != 0,
            })
        },
    )?;
    rows.collect()
}

/// Tallies of every ballot, read straight from the file (for exports from the command line,
/// while the server runs or not): (ballot, booth key, votes), most votes first.
pub fn tally(path: &Path) -> Result<Vec<(String, String, u64)>, StoreError> {
    let conn = connect(path)?;
    let mut q = conn.prepare(
        "SELECT ballot, booth, COUNT(*) FROM votes GROUP BY ballot, booth ORDER BY ballot, COUNT(*) DESC, booth",
    )?;
    let rows = q.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)? as u64,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every ballot's state, read straight from the file.
pub fn ballot_states(path: &Path) -> Result<Vec<(String, BallotState)>, StoreError> {
    let conn = connect(path)?;
    Ok(load(&conn)?.ballots)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("madang-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("madang.sqlite")
    }

    #[test]
    fn facts_survive_reopening() {
        let path = temp_db("reopen");
        {
            let (store, loaded) = Store::open(&path).expect("opens");
            assert!(loaded.hearts.is_empty());
            let heart = store.submit(Write::Heart {
                booth: "hall#3".into(),
                visitor: u64::MAX - 1,
                on: true,
                at: 1,
            });
            assert_eq!(heart.wait(), Ok(Written::Done));
            let ballot = store.submit(Write::Ballot {
                ballot: "moving".into(),
                state: BallotState::Open,
                at: 2,
            });
            assert_eq!(ballot.wait(), Ok(Written::Done));
            let vote = store.submit(Write::Vote {
                ballot: "moving".into(),
                visitor: 7,
                booth: "hall#3".into(),
                at: 3,
            });
            assert_eq!(vote.wait(), Ok(Written::Done));
            let c = store.submit(Write::Comment {
                booth: "hall#3".into(),
                visitor: 7,
                name: "김".into(),
                body: "좋아요".into(),
                at: 4,
            });
            assert!(matches!(c.wait(), Ok(Written::Comment(_))));
        }
        let (_store, loaded) = Store::open(&path).expect("reopens");
        assert_eq!(
            loaded.hearts,
            vec![("hall#3".to_string(), u64::MAX - 1)],
            "ids keep all 64 bits"
        );
        assert_eq!(
            loaded.ballots,
            vec![("moving".to_string(), BallotState::Open)]
        );
        assert_eq!(
            loaded.votes,
            vec![("moving".to_string(), 7, "hall#3".to_string())]
        );
        assert_eq!(loaded.comment_counts, vec![("hall#3".to_string(), 1)]);
    }

    #[test]
    fn one_vote_per_visitor_per_ballot_changes_and_closes() {
        let path = temp_db("votes");
        let (store, _) = Store::open(&path).expect("opens");
        let vote = |booth: &str| {
            store.submit(Write::Vote {
                ballot: "b".into(),
                visitor: 1,
                booth: booth.into(),
                at: 0,
            })
        };
        assert_eq!(
            vote("x").wait(),
            Ok(Written::Refused(Refusal::BallotNotOpen))
        );
        store
            .submit(Write::Ballot {
                ballot: "b".into(),
                state: BallotState::Open,
                at: 0,
            })
            .wait()
            .expect("opens");
        // Many attempts at once from the same visitor: one vote remains, the last one.
        let receipts: Vec<Receipt> = (0..50)
            .map(|i| vote(if i < 49 { "x" } else { "y" }))
            .collect();
        for r in receipts {
            assert_eq!(r.wait(), Ok(Written::Done));
        }
        assert_eq!(
            tally(&path).expect("tally"),
            vec![("b".into(), "y".into(), 1)]
        );
        store
            .submit(Write::Ballot {
                ballot: "b".into(),
                state: BallotState::Closed,
                at: 0,
            })
            .wait()
            .expect("closes");
        assert_eq!(
            vote("x").wait(),
            Ok(Written::Refused(Refusal::BallotNotOpen))
        );
        assert_eq!(
            tally(&path).expect("tally"),
            vec![("b".into(), "y".into(), 1)]
        );
    }

    #[test]
    fn comments_page_newest_first_and_hide() {
        let path = temp_db("comments");
        let (store, _) = Store::open(&path).expect("opens");
        let mut ids = Vec::new();
        for i in 0..5 {
            let r = store.submit(Write::Comment {
                booth: "b".into(),
                visitor: 1,
                name: "n".into(),
                body: format!("c{i}"),
                at: i,
            });
            match r.wait() {
                Ok(Written::Comment(id)) => ids.push(id),
                other => panic!("a comment id, got {other:?}"),
            }
        }
        let page = store.comments("b", None, 2, false).expect("reads");
        assert_eq!(
            page.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(),
            ["c4", "c3"]
        );
        let next = store
            .comments("b", Some(page[1].id), 2, false)
            .expect("reads");
        assert_eq!(
            next.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(),
            ["c2", "c1"]
        );
        let hide = |hidden| {
            store
                .submit(Write::HideComment { id: ids[4], hidden })
                .wait()
        };
        assert_eq!(
            hide(true),
            Ok(Written::Hidden {
                booth: "b".into(),
                changed: true
            })
        );
        assert_eq!(
            hide(true),
            Ok(Written::Hidden {
                booth: "b".into(),
                changed: false
            }),
            "hiding twice changes nothing"
        );
        let page = store.comments("b", None, 10, false).expect("reads");
        assert_eq!(page.len(), 4, "the hidden comment is not shown");
        assert_eq!(store.comments("b", None, 10, true).expect("reads").len(), 5);
    }

    #[test]
    fn visits_wait_for_company_but_never_hold_back_a_write_someone_awaits() {
        let path = temp_db("gather");
        let (store, _) = Store::open(&path).expect("opens");
        let visit = |visitor: u64| Write::Visit {
            booth: "hall#3".into(),
            visitor,
            entered_ms: 1,
            dwell_ms: 500,
        };
        let _ = store.submit(visit(1));
        let _ = store.submit(visit(2));
        // A heart is awaited: it ends the gathering, and the visits before it are committed
        // with it (or before it), so they are in the file when its receipt comes.
        let heart = store.submit(Write::Heart {
            booth: "hall#3".into(),
            visitor: 1,
            on: true,
            at: 2,
        });
        assert_eq!(heart.wait(), Ok(Written::Done));
        let read = Connection::open(&path).expect("a second connection");
        let visits: i64 = read
            .query_row("SELECT COUNT(*) FROM visits", [], |r| r.get(0))
            .expect("counted");
        assert_eq!(visits, 2);
        // Visits alone are committed once the gathering ends, or when the store closes.
        let _ = store.submit(visit(3));
        let writer = store.writer_thread().expect("the writer runs");
        drop(store);
        writer.join().expect("the writer ends cleanly");
        let (_, loaded) = Store::open(&path).expect("reopens");
        let mut visitors: Vec<u64> = loaded.dwell.iter().map(|(v, _, _)| *v).collect();
        visitors.sort();
        assert_eq!(visitors, vec![1, 2, 3]);
    }

    #[test]
    fn a_store_from_a_newer_version_is_refused() {
        let path = temp_db("newer");
        {
            let (_s, _) = Store::open(&path).expect("opens");
        }
        let conn = Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        drop(conn);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn a_backup_taken_while_open_holds_what_was_committed() {
        let path = temp_db("backup");
        let (store, _) = Store::open(&path).expect("opens");
        store
            .submit(Write::Heart {
                booth: "hall#3".into(),
                visitor: 42,
                on: true,
                at: 1,
            })
            .wait()
            .expect("saved");
        let copy = path.with_file_name("copy.sqlite");
        let _ = std::fs::remove_file(&copy);
        let pages = backup(&path, &copy).expect("backed up while the store is open");
        assert!(pages > 0);
        assert!(
            backup(&path, &copy).is_err(),
            "an existing file is not overwritten"
        );
        drop(store);
        let (_, loaded) = Store::open(&copy).expect("the copy opens");
        assert_eq!(loaded.hearts, vec![("hall#3".to_owned(), 42)]);
    }
}
