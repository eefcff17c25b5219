//! The video screens: each video kiosk of the hall shows its video at the position the server
//! gives, decoded off the main thread ([`crate::feed`]). Only screens near you (or open in the
//! panel) decode; the others keep their last picture. A video that cannot be played shows a
//! message on the screen and in the log.

use std::collections::HashMap;
use std::time::Instant;

use bevy::prelude::*;
use bevy::sprite::Anchor;
use madang_shared::map::{Lang, TILE_PX};
use madang_shared::visit::distance_to;

use super::base::{ClientArgs, FrameSet, to_world};
use super::hall::{DrawnHall, HallPart};
use super::i18n::{Key, t};
use super::net::Net;
use super::ui::{font, rgba_image};
use crate::feed::{FeedState, ScreenFeed};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Screens>();
    app.add_systems(
        Update,
        (draw_screens, run_feeds, show_failures)
            .chain()
            .in_set(FrameSet::Sync)
            .after(super::hall::redraw_hall),
    );
}

/// Screens within this many tiles of you decode their video.
const DECODE_RANGE: f32 = 18.0;
/// The most pictures a second a screen asks for (the demo's videos have 15).
const MAX_FPS: u64 = 30;
const Z_SCREEN: f32 = 2.0;

/// One screen of the hall.
pub struct Screen {
    /// What the screen shows; the panel shows the same picture.
    pub image: Handle<Image>,
    pub feed: Option<ScreenFeed>,
    /// Whether a decoded picture has been shown.
    pub has_picture: bool,
    /// The position last asked of the feed.
    asked_ms: Option<u64>,
    /// Why it cannot play, once it failed (kept when the feed is dropped).
    pub failure: Option<String>,
}

/// The screens of the hall on show, by map object id.
#[derive(Resource, Default)]
pub struct Screens {
    hall: Option<(Option<String>, u64)>,
    pub by_kiosk: HashMap<u32, Screen>,
    /// A screen to decode wherever you are: the one open in the panel.
    pub focus: Option<u32>,
}

#[derive(Component)]
struct ScreenFailure(u32);

/// A black 16 × 9 picture until the first frame comes.
fn black() -> Image {
    rgba_image(16, 9, [0, 0, 0, 255].repeat(16 * 9))
}

/// Places a sprite per video kiosk when the hall is drawn.
fn draw_screens(
    mut commands: Commands,
    drawn: Res<DrawnHall>,
    mut screens: ResMut<Screens>,
    mut images: ResMut<Assets<Image>>,
) {
    let drawn_now = (drawn.id.clone(), drawn.redraws);
    if screens.hall.as_ref() == Some(&drawn_now) {
        return;
    }
    screens.hall = Some(drawn_now);
    screens.by_kiosk.clear();
    let Some(map) = drawn.map.clone() else {
        return;
    };
    for kiosk in &map.video_kiosks {
        let image = images.add(black());
        let r = kiosk.rect;
        // The largest 16:9 picture inside the kiosk's area.
        let area = Vec2::new(r.w, r.h) * TILE_PX as f32;
        let size = if area.x * 9.0 > area.y * 16.0 {
            Vec2::new(area.y * 16.0 / 9.0, area.y)
        } else {
            Vec2::new(area.x, area.x * 9.0 / 16.0)
        };
        let centre = to_world(r.center());
        commands.spawn((
            Sprite {
                image: image.clone(),
                custom_size: Some(size),
                ..default()
            },
            Transform::from_translation(centre.extend(Z_SCREEN)),
            HallPart,
        ));
        commands.spawn((
            Text2d::new(""),
            font(14.0),
            // Wrapped to the picture's width.
            bevy::text::TextBounds::new_horizontal(size.x),
            TextColor(Color::srgb(1.0, 0.75, 0.7)),
            TextLayout::justify(Justify::Center),
            Anchor::CENTER,
            Transform::from_translation(centre.extend(Z_SCREEN + 0.5)),
            Visibility::Hidden,
            ScreenFailure(kiosk.object_id),
            HallPart,
        ));
        screens.by_kiosk.insert(
            kiosk.object_id,
            Screen {
                image,
                feed: None,
                has_picture: false,
                asked_ms: None,
                failure: None,
            },
        );
    }
}

/// Starts and stops decoding by distance, asks for the current position, shows what came.
fn run_feeds(
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    mut screens: ResMut<Screens>,
    mut images: ResMut<Assets<Image>>,
) {
    let (Some(session), Some(map)) = (net.session.as_ref(), drawn.map.as_ref()) else {
        return;
    };
    let Some(me) = session.me.as_ref() else {
        return;
    };
    let now = Instant::now();
    let focus = screens.focus;
    for kiosk in &map.video_kiosks {
        let id = kiosk.object_id;
        let Some(screen) = screens.by_kiosk.get_mut(&id) else {
            continue;
        };
        let near = focus == Some(id) || distance_to(&kiosk.rect, me.pos) <= DECODE_RANGE;
        if !near {
            screen.feed = None;
            screen.asked_ms = None;
            continue;
        }
        if screen.failure.is_some() {
            continue;
        }
        let feed = screen
            .feed
            .get_or_insert_with(|| ScreenFeed::open_file(kiosk.video.clone()));
        if let Some(frame) = feed.poll(now) {
            if let Err(e) = images.insert(
                &screen.image,
                rgba_image(frame.width, frame.height, frame.rgba),
            ) {
                warn!("cannot show a video picture: {e}");
            }
            screen.has_picture = true;
        }
        if let FeedState::Failed(why) = &feed.state {
            warn!("a screen's video failed: {why}");
            screen.failure = Some(why.clone());
            screen.feed = None;
            continue;
        }
        if let Some(ms) = session.screen_position_ms(id) {
            let due = screen
                .asked_ms
                .is_none_or(|last| ms.abs_diff(last) >= 1000 / MAX_FPS);
            if due && feed.want(ms, now) {
                screen.asked_ms = Some(ms);
            }
        }
    }
}

/// The message on a screen whose video cannot be played.
pub fn failure_line(lang: Lang) -> &'static str {
    t(lang, Key::VideoFailed)
}

fn show_failures(
    args: Res<ClientArgs>,
    screens: Res<Screens>,
    mut labels: Query<(&ScreenFailure, &mut Text2d, &mut Visibility)>,
) {
    for (label, mut text, mut vis) in &mut labels {
        let failed = screens
            .by_kiosk
            .get(&label.0)
            .is_some_and(|s| s.failure.is_some());
        let want = if failed {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        if *vis != want {
            *vis = want;
            text.0 = failure_line(args.lang).to_owned();
        }
    }
}
