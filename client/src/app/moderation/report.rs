//! The results report's charts, drawn by the server in the organizer's language and shown
//! over everything, one at a time.

use bevy::prelude::*;
use bevy::ui::FocusPolicy;

use super::panel::row;
use super::{OrgAction, Organizer};
use crate::app::base::{ClientArgs, Phase};
use crate::app::i18n::{Key, t};
use crate::app::ui::{INK, set_display, small_button, text};

#[derive(Component)]
pub(super) struct FiguresRoot;
#[derive(Component)]
pub(super) struct FigureView;
#[derive(Component)]
pub(super) struct FigureCaption;

pub(super) fn spawn(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    // The results report's charts, over everything.
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        FiguresRoot,
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(25),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100.0),
            height: percent(100.0),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            row_gap: px(8.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.92)),
        children![
            (
                FigureView,
                ImageNode::default(),
                Node {
                    width: px(960.0),
                    height: px(560.0),
                    ..default()
                },
            ),
            (FigureCaption, text("", 14.0, INK),),
            row(children![
                small_button(OrgAction::NextFigure, t(lang, Key::Next)),
                small_button(OrgAction::CloseFigures, t(lang, Key::Close)),
            ]),
        ],
    ));
}

#[allow(clippy::type_complexity)]
pub(super) fn show_figures(
    org: Res<Organizer>,
    mut root: Query<&mut Node, With<FiguresRoot>>,
    mut view: Query<&mut ImageNode, With<FigureView>>,
    mut caption: Query<&mut Text, With<FigureCaption>>,
) {
    let shown = org.figure.and_then(|i| org.figures.get(i));
    for mut n in &mut root {
        set_display(&mut n, shown.is_some());
    }
    let Some((name, image)) = shown else { return };
    for mut v in &mut view {
        if v.image != *image {
            v.image = image.clone();
        }
    }
    for mut c in &mut caption {
        if c.0 != *name {
            c.0 = name.clone();
        }
    }
}
