//! What keys and buttons do to the panel: E opens the booth or kiosk you stand at, Esc closes
//! it (or the zoomed view), H gives a heart, V votes, [ and ] turn the photos, Z zooms, and
//! Enter goes to the comment field.

use bevy::input_focus::{FocusCause, InputFocus};
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::map::{HallMap, Lang};

use super::panel::{Action, CommentField};
use super::{Ask, Panel, Zoom, contents, vote};
use crate::app::base::ClientArgs;
use crate::app::hall::DrawnHall;
use crate::app::keys::on_a_button;
use crate::app::net::Net;
use crate::app::ui::typing;
use crate::session::Session;

#[allow(clippy::too_many_arguments)]
pub(super) fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut panel: ResMut<Panel>,
    mut net: ResMut<Net>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    mut focus: ResMut<InputFocus>,
    fields: Query<(), With<EditableText>>,
    field: Query<Entity, With<CommentField>>,
    buttons: Query<(), With<Button>>,
) {
    if typing(&focus, &fields) {
        if keys.just_pressed(KeyCode::Escape) {
            focus.clear();
        }
        return;
    }
    let Some(map) = drawn.map.clone() else { return };
    let session = net.session.as_mut();
    if keys.just_pressed(KeyCode::Escape) {
        if panel.zoom.is_some() {
            panel.zoom = None;
        } else {
            panel.close();
        }
        return;
    }
    if keys.just_pressed(KeyCode::KeyE) {
        let near = session
            .as_ref()
            .and_then(|s| s.me.as_ref())
            .and_then(|me| map.visit_at(me.pos));
        if let Some(v) = near {
            panel.open(v, session);
        }
        return;
    }
    if panel.open.is_none() {
        return;
    }
    let action = if keys.just_pressed(KeyCode::KeyH) {
        Some(Action::Heart)
    } else if keys.just_pressed(KeyCode::KeyV) {
        Some(Action::Vote)
    } else if keys.just_pressed(KeyCode::BracketLeft) {
        Some(Action::Prev)
    } else if keys.just_pressed(KeyCode::BracketRight) {
        Some(Action::Next)
    } else if keys.just_pressed(KeyCode::KeyZ) {
        Some(if panel.zoom.is_some() {
            Action::Unzoom
        } else {
            Action::ZoomPhoto
        })
    } else {
        None
    };
    if let Some(action) = action {
        act(action, &mut panel, session, &map, args.lang);
    } else if keys.just_pressed(KeyCode::Enter)
        && panel.booth().is_some()
        && !on_a_button(&focus, &buttons)
        && let Ok(e) = field.single()
    {
        focus.set(e, FocusCause::Navigated);
    }
}

pub(super) fn buttons(
    pressed: Query<(&Interaction, &Action), Changed<Interaction>>,
    mut panel: ResMut<Panel>,
    mut net: ResMut<Net>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
) {
    let Some(map) = drawn.map.clone() else { return };
    for (interaction, action) in &pressed {
        if *interaction == Interaction::Pressed {
            act(*action, &mut panel, net.session.as_mut(), &map, args.lang);
        }
    }
}

fn act(
    action: Action,
    panel: &mut Panel,
    session: Option<&mut Session>,
    map: &HallMap,
    lang: Lang,
) {
    let Some(open) = panel.open else { return };
    let Some(c) = contents(map, open, lang) else {
        return;
    };
    let n = c.photos.len().max(1);
    match action {
        Action::Close => panel.close(),
        Action::Prev => panel.photo = (panel.photo + n - 1) % n,
        Action::Next => panel.photo = (panel.photo + 1) % n,
        Action::ZoomPhoto if !c.photos.is_empty() => panel.zoom = Some(Zoom::Photo),
        Action::ZoomVideo if c.screen.is_some() => panel.zoom = Some(Zoom::Video),
        Action::ZoomPhoto | Action::ZoomVideo => {}
        Action::Unzoom => panel.zoom = None,
        Action::OpenLink => {
            if let Some(url) = c.link {
                panel.open_link = Some((c.title, url));
            }
        }
        Action::Heart | Action::Vote | Action::More | Action::Hide(..) | Action::Send => {
            let (Some(booth), Some(session)) = (c.booth, session) else {
                return;
            };
            match action {
                Action::Heart => vote::toggle_heart(panel, session, booth),
                Action::Vote => vote::vote(panel, session, booth, lang),
                Action::More => {
                    if panel.older_page.is_none()
                        && let Some(last) = panel.comments.last()
                    {
                        panel.older_page = Some(session.read_comments(booth, Some(last.id)));
                    }
                }
                Action::Hide(id, hidden) => {
                    let req = session.hide_comment(id, hidden);
                    panel.asked.push((req, Ask::Hide));
                }
                // Sending needs the field's text: `send_comment` does it.
                _ => {}
            }
        }
    }
}
