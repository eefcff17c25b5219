//! The results report, for the results-sharing day: per booth the unique visitors, the total
//! and median time spent there, hearts, comments and votes; per hall the number of people over
//! time; per ballot the result; the awards given; the partnership's signature record (JSON,
//! checkable with `madang-server agreement verify`) and the relay's handovers.
//! `madang-server report --out DIR` writes CSV files and PNG charts; it reads the store
//! directly, so it works while the server runs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use madang_shared::map::{HallMap, Lang};
use plotters::prelude::*;
use rusqlite::Connection;

use crate::settings::Settings;

/// One booth's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct BoothRow {
    /// `<hall>#<object id>`.
    pub key: String,
    pub org: String,
    pub title: String,
    pub unique_visitors: u64,
    pub visits: u64,
    pub total_dwell_ms: i64,
    pub median_dwell_ms: i64,
    pub hearts: u64,
    pub comments: u64,
    pub votes: u64,
    /// Stamps of the tours earned at this booth (a visit or a comment there).
    pub stamps: u64,
}

/// The whole report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub booths: Vec<BoothRow>,
    /// Per hall: (Unix seconds, people), oldest first.
    pub halls: BTreeMap<String, Vec<(i64, u32)>>,
    /// Per ballot: (booth key, votes), most first.
    pub ballots: BTreeMap<String, Vec<(String, u64)>>,
    /// (award, winner, Unix seconds).
    pub awards: Vec<(String, String, i64)>,
    /// Slide decks shown on the screens, in the order they went up.
    pub decks: Vec<DeckShow>,
    /// Minutes in which one booth got many votes, most first: what organizers look at for a
    /// stuffed ballot.
    pub bursts: Vec<VoteBurst>,
    /// The agreement's signature record, as signed so far (when the expo has one).
    pub agreement: Option<madang_shared::agreement::Record>,
    /// The relay's handovers: (object, from, to, Unix seconds).
    pub handovers: Vec<(String, String, String, i64)>,
    /// Per stamp of every tour: how many earned it.
    pub stamps: Vec<StampRow>,
    /// Per tour: (tour id, name, identities with a stamp, identities with every stamp).
    pub tours: Vec<(String, String, u64, u64)>,
    /// Per tour and cause: (tour id, cause id, cause name, points, identities who pledged).
    pub pledges: Vec<(String, String, String, u64, u64)>,
}

/// One stamp of a tour and how many earned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampRow {
    pub tour: String,
    pub stamp: String,
    pub label: String,
    /// booth, video, timetable, comment or table, and what it names (`hall#object`, a title,
    /// `*`).
    pub kind: &'static str,
    pub target: String,
    pub earned: u64,
}

/// A deck shown on a slide screen: where, which, from when (Unix ms) and until when (`None`
/// while still up when the report was made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeckShow {
    pub hall: String,
    pub screen: u32,
    pub deck: String,
    pub opened_ms: i64,
    pub closed_ms: Option<i64>,
}

impl DeckShow {
    /// How long it was up, in ms (until `now_ms` if still up).
    pub fn shown_ms(&self, now_ms: i64) -> i64 {
        (self.closed_ms.unwrap_or(now_ms) - self.opened_ms).max(0)
    }
}

/// Votes for one booth within one minute, when there were at least [`BURST_VOTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteBurst {
    pub ballot: String,
    pub booth: String,
    /// The minute's start, Unix seconds.
    pub minute: i64,
    pub votes: u64,
    /// Of those, votes from identities first seen less than an hour before they voted.
    pub from_new_identities: u64,
}

impl VoteBurst {
    /// A burst mostly made of new identities: the shape a script of fresh guests leaves.
    pub fn suspicious(&self) -> bool {
        self.from_new_identities * 2 > self.votes
    }
}

/// Votes for one booth in one minute from which the report lists the minute.
pub const BURST_VOTES: u64 = 10;

/// Every row `query` (with `params`) gives, each read by `read`.
fn rows<T>(
    conn: &Connection,
    query: &str,
    params: impl rusqlite::Params,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, String> {
    let mut q = conn.prepare(query).map_err(sql)?;
    let all = q
        .query_map(params, read)
        .map_err(sql)?
        .collect::<Result<Vec<T>, _>>()
        .map_err(sql);
    all
}

fn sql(e: rusqlite::Error) -> String {
    format!("cannot read the store: {e}")
}

/// The median of some durations (the lower middle for an even count).
pub fn median(mut v: Vec<i64>) -> i64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

/// Reads the report from the store of `settings`, naming booths from the maps.
pub fn build(settings: &Settings) -> Result<Report, String> {
    let path = settings.store_path();
    if !path.is_file() {
        return Err(format!("there is no store at {}", path.display()));
    }
    let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sql)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql)?;
    if version < 4 {
        return Err(format!(
            "the store {} is from an older Madang: start the server once to bring it up to date",
            path.display()
        ));
    }
    let halls: Vec<HallMap> = madang_shared::map::maps_in_dir(&settings.maps_dir)
        .ok()
        .and_then(|paths| madang_shared::map::load_expo(&paths).ok())
        .unwrap_or_default();

    let mut dwell: HashMap<String, Vec<i64>> = HashMap::new();
    let mut visitors: HashMap<String, HashSet<i64>> = HashMap::new();
    let visits = rows(
        &conn,
        "SELECT booth, visitor, dwell_ms FROM visits",
        [],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    )?;
    for (booth, visitor, ms) in visits {
        dwell.entry(booth.clone()).or_default().push(ms);
        visitors.entry(booth).or_default().insert(visitor);
    }
    let count_by = |query: &str| -> Result<HashMap<String, u64>, String> {
        let counts = rows(&conn, query, [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(counts.into_iter().collect())
    };
    let hearts = count_by("SELECT booth, COUNT(*) FROM hearts GROUP BY booth")?;
    let comments =
        count_by("SELECT booth, COUNT(*) FROM comments WHERE hidden = 0 GROUP BY booth")?;
    let votes = count_by("SELECT booth, COUNT(*) FROM votes GROUP BY booth")?;

    let mut report = Report::default();
    let row = |key: String, org: String, title: String, times: Vec<i64>| BoothRow {
        org,
        title,
        unique_visitors: visitors.get(&key).map_or(0, |v| v.len() as u64),
        visits: times.len() as u64,
        total_dwell_ms: times.iter().sum(),
        median_dwell_ms: median(times),
        hearts: hearts.get(&key).copied().unwrap_or(0),
        comments: comments.get(&key).copied().unwrap_or(0),
        votes: votes.get(&key).copied().unwrap_or(0),
        stamps: 0,
        key,
    };
    for map in &halls {
        for b in &map.booths {
            let key = crate::booth::booth_key(&map.id, b.object_id);
            let times = dwell.remove(&key).unwrap_or_default();
            let (org, title) = (
                b.org.get(Lang::Ko).to_owned(),
                b.title.get(Lang::Ko).to_owned(),
            );
            report.booths.push(row(key, org, title, times));
        }
    }
    // Booths no longer on the maps keep their figures, under their keys.
    for (key, times) in dwell {
        report
            .booths
            .push(row(key, String::new(), String::new(), times));
    }

    let samples = rows(
        &conn,
        "SELECT hall, at, people FROM occupancy ORDER BY at",
        [],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)? as u32,
            ))
        },
    )?;
    for (hall, at, people) in samples {
        report.halls.entry(hall).or_default().push((at, people));
    }
    let path_str = path.as_path();
    for (ballot, booth, n) in crate::store::tally(path_str).map_err(|e| e.to_string())? {
        report.ballots.entry(ballot).or_default().push((booth, n));
    }
    report.awards = rows(
        &conn,
        "SELECT award, winner, at FROM awards ORDER BY id",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if version >= 8 {
        if let Some(agreement) = settings.agreement_text()? {
            let mut record = madang_shared::agreement::Record::new(agreement);
            let stored = rows(
                &conn,
                "SELECT entry FROM signatures WHERE agreement = ?1 ORDER BY seq",
                [&record.agreement_hash],
                |r| r.get::<_, String>(0),
            )?;
            for json in stored {
                let entry: madang_shared::agreement::Entry = serde_json::from_str(&json)
                    .map_err(|e| format!("a stored signature is not readable: {e}"))?;
                record
                    .push(entry)
                    .map_err(|e| format!("the stored signature record does not hold: {e}"))?;
            }
            report.agreement = Some(record);
        }
        report.handovers = rows(
            &conn,
            "SELECT object, from_name, to_name, at FROM handovers ORDER BY rowid",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    }
    if version >= 9 {
        // Only the stamps the settings name now count (a stamp since removed does not).
        let current: HashSet<(&str, &str)> = settings
            .tours
            .iter()
            .flat_map(|t| t.stamps.iter().map(|s| (t.id.as_str(), s.id.as_str())))
            .collect();
        let mut earned: HashMap<(String, String), u64> = HashMap::new();
        let mut by_visitor: HashMap<(String, i64), HashSet<String>> = HashMap::new();
        let stamps = rows(&conn, "SELECT tour, stamp, visitor FROM stamps", [], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for (tour, stamp, visitor) in stamps {
            if !current.contains(&(tour.as_str(), stamp.as_str())) {
                continue;
            }
            *earned.entry((tour.clone(), stamp.clone())).or_default() += 1;
            by_visitor.entry((tour, visitor)).or_default().insert(stamp);
        }
        for t in &settings.tours {
            for st in &t.stamps {
                let (kind, target) = if let Some(b) = &st.booth {
                    ("booth", b.clone())
                } else if let Some(v) = &st.video {
                    ("video", v.clone())
                } else if let Some(i) = &st.timetable {
                    ("timetable", i.clone())
                } else if let Some(t) = &st.table {
                    ("table", t.clone())
                } else {
                    ("comment", st.comment.clone().unwrap_or_else(|| "*".into()))
                };
                report.stamps.push(StampRow {
                    tour: t.id.clone(),
                    stamp: st.id.clone(),
                    label: st.label.clone(),
                    kind,
                    target,
                    earned: earned
                        .get(&(t.id.clone(), st.id.clone()))
                        .copied()
                        .unwrap_or(0),
                });
            }
            let visitors = by_visitor.keys().filter(|(tour, _)| *tour == t.id).count() as u64;
            let completed = by_visitor
                .iter()
                .filter(|((tour, _), got)| *tour == t.id && got.len() == t.stamps.len())
                .count() as u64;
            report
                .tours
                .push((t.id.clone(), t.name.clone(), visitors, completed));
        }
        let given: HashMap<(String, String), (u64, u64)> = rows(
            &conn,
            "SELECT tour, cause, SUM(points), COUNT(DISTINCT visitor) FROM pledges
             GROUP BY tour, cause",
            [],
            |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                    (
                        r.get::<_, i64>(2)?.max(0) as u64,
                        r.get::<_, i64>(3)?.max(0) as u64,
                    ),
                ))
            },
        )?
        .into_iter()
        .collect();
        for b in &mut report.booths {
            b.stamps = report
                .stamps
                .iter()
                .filter(|r| matches!(r.kind, "booth" | "comment") && r.target == b.key)
                .map(|r| r.earned)
                .sum();
        }
        for t in &settings.tours {
            for c in &t.causes {
                let (points, who) = given
                    .get(&(t.id.clone(), c.id.clone()))
                    .copied()
                    .unwrap_or((0, 0));
                report
                    .pledges
                    .push((t.id.clone(), c.id.clone(), c.name.clone(), points, who));
            }
        }
    }
    report.decks = rows(
        &conn,
        "SELECT hall, screen, deck, opened_ms, closed_ms FROM deck_shows
         ORDER BY opened_ms, hall, screen",
        [],
        |r| {
            Ok(DeckShow {
                hall: r.get(0)?,
                screen: r.get::<_, i64>(1)? as u32,
                deck: r.get(2)?,
                opened_ms: r.get(3)?,
                closed_ms: r.get(4)?,
            })
        },
    )?;
    report.bursts = rows(
        &conn,
        "SELECT v.ballot, v.booth, v.at / 60 AS minute, COUNT(*) AS n,
                    SUM(CASE WHEN w.first_seen IS NULL OR v.at - w.first_seen < 3600
                        THEN 1 ELSE 0 END)
             FROM votes v LEFT JOIN visitors w ON w.id = v.visitor
             GROUP BY v.ballot, v.booth, minute
             HAVING n >= ?1
             ORDER BY n DESC, minute",
        [BURST_VOTES as i64],
        |r| {
            Ok(VoteBurst {
                ballot: r.get(0)?,
                booth: r.get(1)?,
                minute: r.get::<_, i64>(2)? * 60,
                votes: r.get::<_, i64>(3)? as u64,
                from_new_identities: r.get::<_, i64>(4)? as u64,
            })
        },
    )?;
    Ok(report)
}

/// A CSV field, quoted where it must be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_file(dir: &Path, name: &str, text: String, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    out.push(path);
    Ok(())
}

/// Writes the CSV files and the charts into `dir`; returns the files written. `font` is a
/// TrueType font with Hangul for the charts' labels.
pub fn write(report: &Report, dir: &Path, font: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    let mut csv = String::from(
        "booth,org,title,unique_visitors,visits,total_dwell_s,median_dwell_s,hearts,comments,votes,stamps\n",
    );
    for b in &report.booths {
        csv.push_str(&format!(
            "{},{},{},{},{},{:.2},{:.2},{},{},{},{}\n",
            field(&b.key),
            field(&b.org),
            field(&b.title),
            b.unique_visitors,
            b.visits,
            b.total_dwell_ms as f64 / 1000.0,
            b.median_dwell_ms as f64 / 1000.0,
            b.hearts,
            b.comments,
            b.votes,
            b.stamps
        ));
    }
    write_file(dir, "booths.csv", csv, &mut out)?;
    let mut csv = String::from("hall,unix_time,people\n");
    for (hall, samples) in &report.halls {
        for (at, n) in samples {
            csv.push_str(&format!("{},{at},{n}\n", field(hall)));
        }
    }
    write_file(dir, "halls.csv", csv, &mut out)?;
    let mut csv = String::from("ballot,booth,votes\n");
    for (ballot, rows) in &report.ballots {
        for (booth, n) in rows {
            csv.push_str(&format!("{},{},{n}\n", field(ballot), field(booth)));
        }
    }
    write_file(dir, "ballots.csv", csv, &mut out)?;
    let mut csv = String::from("award,winner,unix_time\n");
    for (award, winner, at) in &report.awards {
        csv.push_str(&format!("{},{},{at}\n", field(award), field(winner)));
    }
    write_file(dir, "awards.csv", csv, &mut out)?;
    let mut csv =
        String::from("ballot,booth,minute_unix_time,votes,from_new_identities,suspicious\n");
    for b in &report.bursts {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            field(&b.ballot),
            field(&b.booth),
            b.minute,
            b.votes,
            b.from_new_identities,
            if b.suspicious() { "yes" } else { "no" }
        ));
    }
    write_file(dir, "vote_bursts.csv", csv, &mut out)?;
    let now_ms = crate::unix_now() * 1000;
    let mut csv = String::from("hall,screen,deck,opened_unix_ms,closed_unix_ms,shown_s\n");
    for d in &report.decks {
        csv.push_str(&format!(
            "{},{},{},{},{},{:.1}\n",
            field(&d.hall),
            d.screen,
            field(&d.deck),
            d.opened_ms,
            d.closed_ms.map(|c| c.to_string()).unwrap_or_default(),
            d.shown_ms(now_ms) as f64 / 1000.0
        ));
    }
    write_file(dir, "decks.csv", csv, &mut out)?;
    if let Some(record) = &report.agreement {
        let json = serde_json::to_string_pretty(record)
            .map_err(|e| format!("cannot write the agreement: {e}"))?;
        write_file(dir, "agreement.json", json, &mut out)?;
    }
    let mut csv = String::from("object,from,to,unix_time\n");
    for (object, from, to, at) in &report.handovers {
        csv.push_str(&format!(
            "{},{},{},{at}\n",
            field(object),
            field(from),
            field(to)
        ));
    }
    write_file(dir, "handovers.csv", csv, &mut out)?;
    let mut csv = String::from("tour,stamp,label,kind,target,earned_by\n");
    for r in &report.stamps {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            field(&r.tour),
            field(&r.stamp),
            field(&r.label),
            r.kind,
            field(&r.target),
            r.earned
        ));
    }
    write_file(dir, "stamps.csv", csv, &mut out)?;
    let mut csv = String::from("tour,name,visitors_with_a_stamp,completed\n");
    for (id, name, visitors, completed) in &report.tours {
        csv.push_str(&format!(
            "{},{},{visitors},{completed}\n",
            field(id),
            field(name)
        ));
    }
    write_file(dir, "tours.csv", csv, &mut out)?;
    let mut csv = String::from("tour,cause,name,points,pledged_by\n");
    for (tour, cause, name, points, who) in &report.pledges {
        csv.push_str(&format!(
            "{},{},{},{points},{who}\n",
            field(tour),
            field(cause),
            field(name)
        ));
    }
    write_file(dir, "pledges.csv", csv, &mut out)?;

    for (name, png) in charts(report, font, None)? {
        let path = dir.join(&name);
        std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        out.push(path);
    }
    Ok(out)
}

/// Registers the charts' font once for the process (plotters keeps it for good).
fn use_font(font: &Path) -> Result<(), String> {
    static FONT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| {
        let bytes =
            std::fs::read(font).map_err(|e| format!("cannot read {}: {e}", font.display()))?;
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font("report", FontStyle::Normal, bytes)
            .map_err(|_| format!("{} is not a font", font.display()))
    })
    .clone()
}

/// A chart's caption in one language, or in both (`None`, for the files `report` writes).
fn caption(lang: Option<Lang>, ko: &str, en: &str) -> String {
    match lang {
        Some(Lang::Ko) => ko.to_owned(),
        Some(Lang::En) => en.to_owned(),
        None => format!("{ko} ({en})"),
    }
}

/// The report's charts as PNG files in memory, by file name: what `report` writes (captioned
/// in both languages) and what organizers open in the client (in theirs).
pub fn charts(
    report: &Report,
    font: &Path,
    lang: Option<Lang>,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    use_font(font)?;
    let mut out = Vec::new();
    let bars: Vec<(String, f64)> = report
        .booths
        .iter()
        .map(|b| (short(&b.title, &b.key), b.unique_visitors as f64))
        .collect();
    out.push((
        "booth_visitors.png".to_owned(),
        bar_chart(
            &caption(lang, "부스별 방문자 수", "Unique visitors per booth"),
            &bars,
        )?,
    ));
    let bars: Vec<(String, f64)> = report
        .booths
        .iter()
        .map(|b| (short(&b.title, &b.key), b.median_dwell_ms as f64 / 1000.0))
        .collect();
    out.push((
        "booth_dwell.png".to_owned(),
        bar_chart(
            &caption(
                lang,
                "부스별 체류 시간 중앙값, 초",
                "Median dwell per booth, s",
            ),
            &bars,
        )?,
    ));
    out.push((
        "hall_people.png".to_owned(),
        line_chart(
            &caption(lang, "홀별 인원", "People per hall"),
            &report.halls,
        )?,
    ));
    if !report.pledges.is_empty() {
        let bars: Vec<(String, f64)> = report
            .pledges
            .iter()
            .map(|(_, _, name, points, _)| (name.clone(), *points as f64))
            .collect();
        out.push((
            "pledges.png".to_owned(),
            bar_chart(
                &caption(lang, "기부처별 기부 점수", "Points pledged per cause"),
                &bars,
            )?,
        ));
    }
    if !report.stamps.is_empty() {
        let bars: Vec<(String, f64)> = report
            .stamps
            .iter()
            .map(|r| (r.label.clone(), r.earned as f64))
            .collect();
        out.push((
            "stamps.png".to_owned(),
            bar_chart(
                &caption(lang, "스탬프별 획득 인원", "Visitors per stamp"),
                &bars,
            )?,
        ));
    }
    let names: HashMap<&str, String> = report
        .booths
        .iter()
        .map(|b| (b.key.as_str(), short(&b.title, &b.key)))
        .collect();
    for (ballot, rows) in &report.ballots {
        let bars: Vec<(String, f64)> = rows
            .iter()
            .map(|(k, n)| {
                (
                    names.get(k.as_str()).cloned().unwrap_or(k.clone()),
                    *n as f64,
                )
            })
            .collect();
        let safe: String = ballot
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        out.push((
            format!("ballot_{safe}.png"),
            bar_chart(
                &caption(
                    lang,
                    &format!("투표 결과: {ballot}"),
                    &format!("Vote results: {ballot}"),
                ),
                &bars,
            )?,
        ));
    }
    Ok(out)
}

/// A label short enough for a chart's axis.
fn short(title: &str, key: &str) -> String {
    let s = if title.is_empty() { key } else { title };
    let mut out: String = s.chars().take(12).collect();
    if s.chars().count() > 12 {
        out.push('…');
    }
    out
}

const W: u32 = 1200;
const H: u32 = 700;

/// A drawn chart as PNG.
fn png(buf: Vec<u8>) -> Result<Vec<u8>, String> {
    let img = image::RgbImage::from_raw(W, H, buf).ok_or("the chart has the wrong size")?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode the chart: {e}"))?;
    Ok(out.into_inner())
}

fn draw_err(e: impl std::fmt::Display) -> String {
    format!("cannot draw the chart: {e}")
}

fn bar_chart(title: &str, bars: &[(String, f64)]) -> Result<Vec<u8>, String> {
    let mut buf = vec![255u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let top = bars.iter().map(|b| b.1).fold(1.0f64, f64::max) * 1.1;
        let n = bars.len().max(1);
        // Horizontal bars: the booths' names read across, one a row.
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("report", 28))
            .margin(20)
            .x_label_area_size(40)
            .y_label_area_size(240)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => bars.get(*i).map(|b| b.0.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_style(("report", 15))
            .x_label_style(("report", 14))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (*v, SegmentValue::Exact(i + 1)),
                    ],
                    RGBColor(58, 110, 165).filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    png(buf)
}

fn line_chart(title: &str, series: &BTreeMap<String, Vec<(i64, u32)>>) -> Result<Vec<u8>, String> {
    let mut buf = vec![255u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let t0 = series.values().flatten().map(|s| s.0).min().unwrap_or(0);
        let t1 = series
            .values()
            .flatten()
            .map(|s| s.0)
            .max()
            .unwrap_or(0)
            .max(t0 + 60);
        let top = series
            .values()
            .flatten()
            .map(|s| s.1)
            .max()
            .unwrap_or(1)
            .max(1) as f64
            * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("report", 28))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..(t1 - t0) as f64 / 60.0, 0.0..top)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("분 (minutes)")
            .axis_desc_style(("report", 16))
            .x_label_style(("report", 14))
            .y_label_style(("report", 14))
            .draw()
            .map_err(draw_err)?;
        let colours = [
            RGBColor(58, 110, 165),
            RGBColor(200, 86, 86),
            RGBColor(111, 163, 96),
            RGBColor(196, 116, 40),
            RGBColor(120, 82, 170),
        ];
        for (k, (hall, samples)) in series.iter().enumerate() {
            let colour = colours[k % colours.len()];
            chart
                .draw_series(LineSeries::new(
                    samples
                        .iter()
                        .map(|(at, n)| ((at - t0) as f64 / 60.0, *n as f64)),
                    colour.stroke_width(3),
                ))
                .map_err(draw_err)?
                .label(hall.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        }
        chart
            .configure_series_labels()
            .label_font(("report", 16))
            .border_style(BLACK)
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    png(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(vec![]), 0);
        assert_eq!(median(vec![5]), 5);
        assert_eq!(median(vec![9, 1, 5]), 5);
        assert_eq!(median(vec![4, 1, 3, 2]), 2);
    }

    #[test]
    fn csv_fields_with_commas_and_quotes_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn a_minute_of_votes_from_fresh_identities_is_listed_as_suspicious() {
        use crate::store::{BallotState, Store, Write};
        let data = std::env::temp_dir().join(format!("madang-bursts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let settings = Settings {
            data_dir: data.clone(),
            maps_dir: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/maps"),
            ..Settings::default()
        };
        {
            let (store, _) = Store::open(&settings.store_path()).expect("opens");
            let w = |write| store.submit(write).wait().expect("saved");
            w(Write::Ballot {
                ballot: "b".into(),
                state: BallotState::Open,
                at: 0,
            });
            // Twelve guests seen a few seconds before they all vote for one booth in a minute,
            // and three old visitors voting for another at leisure.
            for v in 0..12u64 {
                w(Write::Visitor {
                    id: 100 + v,
                    name: format!("g{v}"),
                    at: 6_000,
                });
                w(Write::Vote {
                    ballot: "b".into(),
                    visitor: 100 + v,
                    booth: "hall#1".into(),
                    at: 6_010 + v as i64,
                });
            }
            for v in 0..3u64 {
                w(Write::Visitor {
                    id: v + 1,
                    name: format!("o{v}"),
                    at: 0,
                });
                w(Write::Vote {
                    ballot: "b".into(),
                    visitor: v + 1,
                    booth: "hall#2".into(),
                    at: 6_000 + 600 * v as i64,
                });
            }
        }
        let report = build(&settings).expect("the report reads");
        assert_eq!(report.bursts.len(), 1, "{:?}", report.bursts);
        let b = &report.bursts[0];
        assert_eq!(
            (b.booth.as_str(), b.votes, b.from_new_identities),
            ("hall#1", 12, 12)
        );
        assert_eq!(b.minute, 6_000);
        assert!(b.suspicious());
        let _ = std::fs::remove_dir_all(&data);
    }
}
