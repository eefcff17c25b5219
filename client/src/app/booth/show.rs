//! The panel drawn from its state: the prompt when you stand at a booth or kiosk, the panel's
//! texts, photo and video, and the zoomed view.

use bevy::prelude::*;

use super::panel::{
    PanelRoot, PhotoView, PromptRoot, ScreenView, Section, Slot, ZoomRoot, ZoomView,
};
use super::{Panel, Photos, Zoom, contents, vote};
use crate::app::base::ClientArgs;
use crate::app::hall::DrawnHall;
use crate::app::i18n::{Key, t};
use crate::app::net::Net;
use crate::app::screen::Screens;
use crate::app::ui::{BAD, GOOD, set_display};
use crate::feed::FeedState;

pub(super) fn show_prompt(
    panel: Res<Panel>,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    mut root: Query<&mut Node, With<PromptRoot>>,
    mut slots: Query<(&Slot, &mut Text)>,
) {
    let lang = args.lang;
    let near = drawn.map.as_ref().and_then(|map| {
        let me = net.session.as_ref()?.me.as_ref()?;
        let v = map.visit_at(me.pos)?;
        Some((v, contents(map, v, lang)?.title))
    });
    let line = match near {
        Some((v, title)) if panel.open != Some(v) => {
            Some(format!("{title} — {}", t(lang, Key::OpenPrompt)))
        }
        _ => None,
    };
    if let Ok(mut node) = root.single_mut() {
        let display = if line.is_some() {
            Display::Flex
        } else {
            Display::None
        };
        if node.display != display {
            node.display = display;
        }
    }
    if let Some(line) = line {
        for (slot, mut text) in &mut slots {
            if *slot == Slot::Prompt && text.0 != line {
                text.0 = line.clone();
            }
        }
    }
}

fn format_ms(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(super) fn show_panel(
    panel: Res<Panel>,
    net: Res<Net>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    mut screens: ResMut<Screens>,
    mut photos: ResMut<Photos>,
    mut images: ResMut<Assets<Image>>,
    mut root: Query<&mut Node, (With<PanelRoot>, Without<Section>)>,
    mut sections: Query<(&Section, &mut Node), Without<PanelRoot>>,
    mut slots: Query<(&Slot, &mut Text, &mut TextColor)>,
    mut photo_view: Query<&mut ImageNode, (With<PhotoView>, Without<ScreenView>)>,
    mut screen_view: Query<&mut ImageNode, (With<ScreenView>, Without<PhotoView>)>,
) {
    let lang = args.lang;
    let session = net.session.as_ref();
    let c = match (panel.open, drawn.map.as_ref()) {
        (Some(v), Some(map)) => contents(map, v, lang),
        _ => None,
    };
    screens.focus = c.as_ref().and_then(|c| c.screen);
    if let Ok(mut node) = root.single_mut() {
        set_display(&mut node, c.is_some());
    }
    let Some(c) = c else { return };
    for (section, mut node) in &mut sections {
        let shown = match section {
            Section::Photos => !c.photos.is_empty(),
            Section::Video => c.screen.is_some(),
            Section::Media => !c.photos.is_empty() || c.screen.is_some(),
            Section::Booth => c.booth.is_some(),
            Section::Description => !c.description.is_empty(),
            Section::Link => c.link.is_some(),
            Section::Documents => !c.documents.is_empty(),
        };
        set_display(&mut node, shown);
    }

    // The photo.
    let photo = c.photos.get(panel.photo % c.photos.len().max(1)).cloned();
    let mut caption = String::new();
    if let Some((path, cap)) = &photo {
        let slot = photos.get(path, &mut images);
        for mut view in &mut photo_view {
            if view.image != slot.image {
                view.image = slot.image.clone();
            }
        }
        caption = if slot.failed {
            t(lang, Key::PhotoFailed).to_owned()
        } else if slot.size.is_none() {
            t(lang, Key::Loading).to_owned()
        } else {
            format!(
                "{}/{} {cap}",
                panel.photo % c.photos.len() + 1,
                c.photos.len()
            )
        };
    }

    // The screen.
    let mut status = String::new();
    if let Some(id) = c.screen
        && let Some(screen) = screens.by_kiosk.get(&id)
    {
        for mut view in &mut screen_view {
            if view.image != screen.image {
                view.image = screen.image.clone();
            }
        }
        let playback = session.and_then(|s| s.screen.playback.get(&id));
        let at = session.and_then(|s| s.screen_position_ms(id));
        // The decoder's own words went to the log (`screen`); the visitor reads theirs.
        status = if screen.failure.is_some() {
            t(lang, Key::VideoFailed).to_owned()
        } else if screen
            .feed
            .as_ref()
            .is_some_and(|f| f.state == FeedState::Opening)
            && !screen.has_picture
        {
            t(lang, Key::Loading).to_owned()
        } else {
            match (playback, at) {
                (Some(p), Some(at)) if p.playing => format!(
                    "{} {} / {}",
                    t(lang, Key::Playing),
                    format_ms(at),
                    format_ms(p.duration_ms.unwrap_or(0))
                ),
                (Some(p), Some(at)) if !p.looping && at == 0 => t(lang, Key::Waiting).to_owned(),
                (Some(_), Some(at)) => format!("{} {}", t(lang, Key::Paused), format_ms(at)),
                _ => t(lang, Key::Loading).to_owned(),
            }
        };
    }

    // Hearts, the vote.
    let fact = c
        .booth
        .and_then(|b| session.and_then(|s| s.booth.facts.get(&b)))
        .copied();
    let hearts = fact.map(|f| f.hearts).unwrap_or(0);
    let mine = fact.is_some_and(|f| f.mine);
    let vote_line = vote::vote_line(session, c.booth, lang);
    let comments = fact
        .map(|f| f.comments)
        .unwrap_or(panel.comments.len() as u32);

    for (slot, mut text, mut color) in &mut slots {
        let line = match slot {
            Slot::Title => c.title.clone(),
            Slot::Subtitle => c.subtitle.clone(),
            Slot::Description => c.description.clone(),
            Slot::Caption => caption.clone(),
            Slot::ScreenStatus => status.clone(),
            Slot::Hearts => format!("♥ {hearts}"),
            Slot::HeartButton => t(lang, if mine { Key::HeartTake } else { Key::HeartGive }).into(),
            Slot::VoteButton => vote_line.clone(),
            Slot::Notice => {
                let (line, error) = panel.notice.clone().unwrap_or_default();
                color.0 = if error { BAD } else { GOOD };
                line
            }
            Slot::CommentsHeader => format!("{} {comments}", t(lang, Key::Comments)),
            Slot::Prompt | Slot::ZoomCaption => continue,
        };
        if text.0 != line {
            text.0 = line;
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn show_zoom(
    panel: Res<Panel>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    screens: Res<Screens>,
    photos: Res<Photos>,
    mut root: Query<&mut Node, With<ZoomRoot>>,
    mut view: Query<&mut ImageNode, With<ZoomView>>,
    mut slots: Query<(&Slot, &mut Text)>,
) {
    let lang = args.lang;
    let c = match (panel.open, drawn.map.as_ref()) {
        (Some(v), Some(map)) => contents(map, v, lang),
        _ => None,
    };
    let shown = match (panel.zoom, &c) {
        (Some(Zoom::Photo), Some(c)) => c
            .photos
            .get(panel.photo % c.photos.len().max(1))
            .and_then(|(path, cap)| Some((photos.by_path.get(path)?.image.clone(), cap.clone()))),
        (Some(Zoom::Video), Some(c)) => c
            .screen
            .and_then(|id| screens.by_kiosk.get(&id))
            .map(|s| (s.image.clone(), c.title.clone())),
        _ => None,
    };
    if let Ok(mut node) = root.single_mut() {
        set_display(&mut node, shown.is_some());
    }
    let Some((image, caption)) = shown else {
        return;
    };
    for mut v in &mut view {
        if v.image != image {
            v.image = image.clone();
        }
    }
    for (slot, mut text) in &mut slots {
        if *slot == Slot::ZoomCaption && text.0 != caption {
            text.0 = caption.clone();
        }
    }
}
