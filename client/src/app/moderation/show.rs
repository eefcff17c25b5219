//! The organizer panel drawn: shown to organizers, its lists redrawn when they change (the
//! people online by hall, named by the maps' titles in the organizer's language, each with
//! their actions; the newest reports) and the last answer.

use bevy::prelude::*;

use super::panel::{OrganizerNotice, OrganizerRoot, OrganizerToggle, PeopleRows, ReportRows};
use super::{OrgAction, Organizer, is_organizer, role_name};
use crate::app::base::ClientArgs;
use crate::app::i18n::{Key, t};
use crate::app::net::Net;
use crate::app::ui::{DIM, INK, set_display, show_notice, small_button, text};

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(super) fn show_organizer(
    mut commands: Commands,
    mut org: ResMut<Organizer>,
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
    mut root: Query<&mut Node, (With<OrganizerRoot>, Without<OrganizerToggle>)>,
    mut toggle: Query<&mut Node, (With<OrganizerToggle>, Without<OrganizerRoot>)>,
    people_rows: Query<Entity, With<PeopleRows>>,
    report_rows: Query<Entity, With<ReportRows>>,
    mut notice: Query<(&mut Text, &mut TextColor), With<OrganizerNotice>>,
) {
    let lang = args.lang;
    let organizer = is_organizer(&net);
    for mut n in &mut toggle {
        set_display(&mut n, organizer);
    }
    for mut n in &mut root {
        set_display(&mut n, org.open);
    }
    if let Ok((mut text, mut color)) = notice.single_mut() {
        show_notice(&mut text, &mut color, &org.notice);
    }
    if org.drawn == org.generation {
        return;
    }
    org.drawn = org.generation;
    // The halls by their titles in the organizer's language (from the maps), not their ids.
    let halls: Vec<String> = match net.session.as_mut() {
        Some(s) => (0..s.halls.len() as u16)
            .map(|h| s.hall_title(h, lang))
            .collect(),
        None => Vec::new(),
    };
    if let Ok(list) = people_rows.single() {
        commands.entity(list).despawn_children();
        commands.entity(list).with_children(|list| {
            let mut last_hall = None;
            for p in &org.people {
                if last_hall != Some(p.hall) {
                    last_hall = Some(p.hall);
                    let hall = halls.get(p.hall as usize).cloned().unwrap_or_default();
                    list.spawn((text(hall, 14.0, Color::srgb(0.65, 0.8, 1.0)),));
                }
                let mut label = format!("{} · {}", p.name, role_name(lang, p.role));
                if p.muted {
                    label.push_str(&format!(" · {}", t(lang, Key::MuteAction)));
                }
                list.spawn(Node {
                    flex_direction: FlexDirection::Row,
                    column_gap: px(3.0),
                    align_items: AlignItems::Center,
                    flex_shrink: 0.0,
                    ..default()
                })
                .with_children(|r| {
                    r.spawn((
                        text(label, 14.0, INK),
                        Node {
                            flex_grow: 1.0,
                            ..default()
                        },
                    ));
                    let mute_label = if p.muted {
                        t(lang, Key::Unmute)
                    } else {
                        t(lang, Key::MuteAction)
                    };
                    r.spawn(small_button(OrgAction::Mute(p.id, !p.muted), mute_label));
                    r.spawn(small_button(OrgAction::Kick(p.id), t(lang, Key::Kick)));
                    r.spawn(small_button(OrgAction::Ban(p.id), t(lang, Key::BanAction)));
                    r.spawn(small_button(
                        OrgAction::ToStage(p.id),
                        t(lang, Key::ToStage),
                    ));
                });
            }
        });
    }
    if let Ok(list) = report_rows.single() {
        commands.entity(list).despawn_children();
        commands.entity(list).with_children(|list| {
            if org.reports.is_empty() {
                list.spawn((text(t(lang, Key::NoReports), 14.0, DIM),));
            }
            for r in org.reports.iter().take(20) {
                list.spawn((text(
                    format!("{} → {}: {}", r.reporter, r.target, r.reason),
                    14.0,
                    INK,
                ),));
            }
        });
    }
}
