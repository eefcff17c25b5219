//! `--screenshot FILE`: once the hall and your avatar are drawn, saves the window to FILE and
//! quits. The window test and the README's screenshot use it. With `--visit`, it waits for the
//! booth's panel to show its photo and its video's first picture, and writes beside the
//! picture `FILE.json`: the rectangles (in window pixels) of the parts marked for checking.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};

use super::base::{ClientArgs, FrameSet};
use super::booth::{Panel, Photos, showing_media};
use super::hall::DrawnHall;
use super::net::Net;
use super::screen::Screens;
use super::ui::CaptureMark;
use crate::session::ConnState;

/// Frames to let the hall settle (fonts laid out, textures uploaded) before the capture.
const SETTLE_FRAMES: u32 = 30;
/// Give up if nothing could be captured in this long.
const GIVE_UP: Duration = Duration::from_secs(120);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, capture_when_ready.in_set(FrameSet::View));
}

#[derive(Default)]
struct Progress {
    started: Option<Instant>,
    ready_frames: u32,
    requested: Option<PathBuf>,
    done_frames: u32,
}

#[allow(clippy::too_many_arguments)]
fn capture_when_ready(
    mut commands: Commands,
    args: Res<ClientArgs>,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    panel: Res<Panel>,
    photos: Res<Photos>,
    screens: Res<Screens>,
    organizer: Res<super::moderation::Organizer>,
    marks: Query<(&CaptureMark, &ComputedNode, &UiGlobalTransform)>,
    labels: Res<super::avatars::labels::LabelStats>,
    arrived: Res<super::loading::Arrived>,
    mut progress: Local<Progress>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(path) = &args.screenshot else {
        return;
    };
    let started = *progress.started.get_or_insert_with(Instant::now);
    if let Some(requested) = progress.requested.clone() {
        // Saving happens a few frames after the request, off this system.
        if std::fs::metadata(&requested).is_ok_and(|m| m.len() > 0) {
            progress.done_frames += 1;
            if progress.done_frames > 3 {
                info!(path = %requested.display(), "screenshot saved");
                exit.write(AppExit::Success);
            }
        }
    } else {
        let mut ready = arrived.0
            && net.session.as_ref().is_some_and(|s| s.is_ready())
            && drawn.map.is_some()
            && drawn.id.as_deref() == net.session.as_ref().and_then(|s| s.hall_id());
        if args.organizer_panel {
            ready = ready
                && organizer.listed
                && net
                    .session
                    .as_ref()
                    .is_some_and(|s| s.moderation.announcement.is_some());
        }
        if args.visit.is_some() {
            ready = ready
                && drawn
                    .map
                    .as_ref()
                    .is_some_and(|m| showing_media(&panel, &photos, &screens, m));
        }
        if ready {
            progress.ready_frames += 1;
        } else {
            progress.ready_frames = 0;
        }
        if progress.ready_frames >= SETTLE_FRAMES {
            let _ = std::fs::remove_file(path);
            write_marks(path, &marks, Some(&*labels));
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(path.clone()));
            progress.requested = Some(path.clone());
        }
    }
    if let ConnState::Lost(why) = net.state() {
        error!("cannot take the screenshot: the connection was lost: {why}");
        exit.write(AppExit::error());
    } else if started.elapsed() > GIVE_UP {
        error!("cannot take the screenshot: not ready after {GIVE_UP:?}");
        exit.write(AppExit::error());
    }
}

/// Writes `FILE.json`: each marked part's rectangle as `[x, y, width, height]` in window pixels
/// (also beside F12's screenshots, so a test can click what it sees).
pub(super) fn write_marks(
    shot: &std::path::Path,
    marks: &Query<(&CaptureMark, &ComputedNode, &UiGlobalTransform)>,
    labels: Option<&super::avatars::labels::LabelStats>,
) {
    let mut out = serde_json::Map::new();
    for (mark, node, at) in marks {
        let size = node.size();
        if size.x <= 0.0 || size.y <= 0.0 {
            continue;
        }
        let centre = at.translation;
        out.insert(
            mark.0.to_owned(),
            serde_json::json!([
                centre.x - size.x / 2.0,
                centre.y - size.y / 2.0,
                size.x,
                size.y
            ]),
        );
    }
    if let Some(stats) = labels {
        out.insert(
            "label_stats".into(),
            serde_json::json!({
                "people": stats.people,
                "shown": stats.shown,
                "overlapping": stats.overlapping,
                "overlapping_if_all": stats.overlapping_if_all,
            }),
        );
    }
    let path = shot.with_extension("json");
    if let Err(e) = std::fs::write(&path, serde_json::Value::Object(out).to_string()) {
        warn!("cannot write {}: {e}", path.display());
    }
}
