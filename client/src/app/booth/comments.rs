//! A booth's comments: read a page at a time (the newest first, "more" for older ones), read
//! again when the booth's count changes, written in the field (Enter or the button), hidden
//! and shown again by organizers; and the server's answers to what the panel asked.

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::protocol::Role;

use super::panel::{Action, CommentField, CommentList, button};
use super::{Ask, Panel};
use crate::app::base::ClientArgs;
use crate::app::i18n::{self, Key, t};
use crate::app::net::Net;
use crate::app::ui::{DIM, INK, text};

/// Enter in the field, or the send button, posts the comment.
#[allow(clippy::too_many_arguments)]
pub(super) fn send_comment(
    keys: Res<ButtonInput<KeyCode>>,
    pressed: Query<(&Interaction, &Action), Changed<Interaction>>,
    mut fields: Query<(Entity, &mut EditableText), With<CommentField>>,
    focus: Res<InputFocus>,
    mut panel: ResMut<Panel>,
    mut net: ResMut<Net>,
) {
    let Ok((entity, mut field)) = fields.single_mut() else {
        return;
    };
    let clicked = pressed
        .iter()
        .any(|(i, a)| *i == Interaction::Pressed && *a == Action::Send);
    let entered =
        focus.get() == Some(entity) && keys.just_pressed(KeyCode::Enter) && !field.is_composing();
    if !(clicked || entered) {
        return;
    }
    let (Some(booth), Some(session)) = (panel.booth(), net.session.as_mut()) else {
        return;
    };
    let text = field.value().to_string();
    if text.trim().is_empty() {
        return;
    }
    let req = session.comment(booth, &text);
    panel.asked.push((req, Ask::Comment));
    field.clear();
}

/// Takes the server's answers: saved or refused (and why), pages of comments; reads the
/// comments again when their count changes.
pub(super) fn hear_the_server(
    mut panel: ResMut<Panel>,
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
) {
    let lang = args.lang;
    let Some(session) = net.session.as_mut() else {
        return;
    };
    let asked = std::mem::take(&mut panel.asked);
    for (req, ask) in asked {
        match session.take_answer(req) {
            None => panel.asked.push((req, ask)),
            Some(Ok(())) => {
                if ask != Ask::Heart {
                    panel.tell(t(lang, Key::Saved), false);
                }
                if matches!(ask, Ask::Comment | Ask::Hide)
                    && let Some(booth) = panel.booth()
                {
                    panel.first_page = Some(session.read_comments(booth, None));
                }
            }
            Some(Err(why)) => panel.tell(i18n::refusal(lang, &why), true),
        }
    }
    if let Some(req) = panel.first_page
        && let Some((page, more)) = session.take_page(req)
    {
        panel.first_page = None;
        panel.comments = page;
        panel.more = more;
        panel.comments_generation += 1;
    }
    if let Some(req) = panel.older_page
        && let Some((page, more)) = session.take_page(req)
    {
        panel.older_page = None;
        panel.comments.extend(page);
        panel.more = more;
        panel.comments_generation += 1;
    }
    if let Some(booth) = panel.booth() {
        let count = session.booth.facts.get(&booth).map(|f| f.comments);
        if count.is_some() && panel.read_count != count && panel.first_page.is_none() {
            if panel.read_count.is_some() {
                panel.first_page = Some(session.read_comments(booth, None));
            }
            panel.read_count = count;
        }
    }
}

pub(super) fn show_comments(
    mut commands: Commands,
    mut panel: ResMut<Panel>,
    net: Res<Net>,
    args: Res<ClientArgs>,
    list: Query<Entity, With<CommentList>>,
) {
    if panel.drawn_generation == panel.comments_generation {
        return;
    }
    panel.drawn_generation = panel.comments_generation;
    let Ok(list) = list.single() else { return };
    let lang = args.lang;
    let organizer = net
        .session
        .as_ref()
        .and_then(|s| s.me.as_ref())
        .is_some_and(|m| m.role == Role::Organizer);
    commands.entity(list).despawn_children();
    commands.entity(list).with_children(|list| {
        if panel.comments.is_empty() && panel.first_page.is_none() {
            list.spawn(text(t(lang, Key::NoComments), 14.0, DIM));
        }
        for c in &panel.comments {
            let name = if c.hidden {
                format!("{} ({})", c.name, t(lang, Key::Hidden))
            } else {
                c.name.clone()
            };
            list.spawn((
                Node {
                    flex_direction: FlexDirection::Column,
                    flex_shrink: 0.0,
                    padding: UiRect::all(px(5.0)),
                    ..default()
                },
                BackgroundColor(Color::srgba(1.0, 1.0, 1.0, 0.05)),
            ))
            .with_children(|item| {
                item.spawn((
                    Node {
                        flex_direction: FlexDirection::Row,
                        justify_content: JustifyContent::SpaceBetween,
                        ..default()
                    },
                    children![(text(&name, 14.0, Color::srgb(0.65, 0.8, 1.0)))],
                ))
                .with_children(|row| {
                    if organizer {
                        let label = if c.hidden {
                            t(lang, Key::Unhide)
                        } else {
                            t(lang, Key::Hide)
                        };
                        row.spawn(button(Action::Hide(c.id, !c.hidden), label));
                    }
                });
                item.spawn(text(&c.text, 14.0, INK));
            });
        }
        if panel.more {
            list.spawn(button(Action::More, t(lang, Key::More)));
        }
    });
}
