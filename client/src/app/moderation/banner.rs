//! The banner an organizer puts up, for this hall or the whole expo: top centre for everyone
//! until taken down; its × hides it here.

use bevy::prelude::*;

use super::{OrgAction, Organizer};
use crate::app::base::Phase;
use crate::app::net::Net;
use crate::app::ui::{CaptureMark, set_display, small_button, text};

#[derive(Component)]
pub(super) struct BannerRoot;
#[derive(Component)]
pub(super) struct BannerText;

pub(super) fn spawn(mut commands: Commands) {
    // The banner, top centre, over the hall.
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        BannerRoot,
        CaptureMark("banner"),
        GlobalZIndex(15),
        Node {
            position_type: PositionType::Absolute,
            top: px(12.0),
            left: percent(25.0),
            width: percent(50.0),
            padding: UiRect::axes(px(14.0), px(8.0)),
            flex_direction: FlexDirection::Row,
            justify_content: JustifyContent::SpaceBetween,
            align_items: AlignItems::Center,
            column_gap: px(10.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgb(0.75, 0.22, 0.18)),
        children![
            (BannerText, text("", 17.0, Color::WHITE),),
            small_button(OrgAction::DismissBanner, "×"),
        ],
    ));
}

pub(super) fn show_banner(
    net: Res<Net>,
    org: Res<Organizer>,
    mut root: Query<&mut Node, With<BannerRoot>>,
    mut text: Query<&mut Text, With<BannerText>>,
) {
    let line = net
        .session
        .as_ref()
        .and_then(|s| s.moderation.announcement.clone())
        .filter(|a| org.dismissed.as_ref() != Some(a));
    for mut n in &mut root {
        set_display(&mut n, line.is_some());
    }
    if let Some(line) = line {
        for mut t in &mut text {
            if t.0 != line {
                t.0 = line.clone();
            }
        }
    }
}
