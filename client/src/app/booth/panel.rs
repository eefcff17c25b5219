//! The panel's parts, spawned once on arriving in the hall and shown or hidden as visits
//! open: the prompt at the bottom, the panel on the right (header, description, photos and
//! video, hearts and vote, comments and their field, the keys), and the zoomed view over
//! everything.

use bevy::prelude::*;
use bevy::ui::FocusPolicy;

use crate::app::base::{ClientArgs, Phase};
use crate::app::i18n::{Key, t};
use crate::app::ui::{BUTTON, CaptureMark, DIM, GOOD, INK, text, text_field};

#[derive(Component)]
pub(super) struct PanelRoot;
#[derive(Component)]
pub(super) struct PromptRoot;
#[derive(Component)]
pub(super) struct ZoomRoot;
/// A text of the panel, filled in by [`show_panel`].
#[derive(Component, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Prompt,
    Title,
    Subtitle,
    Description,
    Caption,
    ScreenStatus,
    Hearts,
    HeartButton,
    VoteButton,
    Notice,
    CommentsHeader,
    ZoomCaption,
}
/// Parts shown only when the open visit has them.
#[derive(Component, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Photos,
    Video,
    Media,
    Booth,
    Description,
    Link,
    Documents,
}
/// Where a booth's or kiosk's documents are listed (`documents`).
#[derive(Component)]
pub(super) struct DocumentList;
#[derive(Component)]
pub(super) struct PhotoView;
#[derive(Component)]
pub(super) struct ScreenView;
#[derive(Component)]
pub(super) struct ZoomView;
#[derive(Component)]
pub(super) struct CommentList;
/// The comment text field.
#[derive(Component)]
pub(super) struct CommentField;
#[derive(Component, Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Action {
    Close,
    Prev,
    Next,
    ZoomPhoto,
    ZoomVideo,
    Unzoom,
    Heart,
    Vote,
    Send,
    More,
    Hide(i64, bool),
    OpenLink,
}

const PANEL_W: f32 = 470.0;
const MEDIA_W: f32 = 217.0;

pub(super) fn button(action: Action, label: &str) -> impl Bundle {
    (
        Button,
        action,
        Node {
            padding: UiRect::axes(px(10.0), px(5.0)),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            ..default()
        },
        BackgroundColor(BUTTON),
        children![text(label, 14.0, INK)],
    )
}

fn slot_button(action: Action, slot: Slot) -> impl Bundle {
    (
        Button,
        action,
        Node {
            padding: UiRect::axes(px(10.0), px(5.0)),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            ..default()
        },
        BackgroundColor(BUTTON),
        children![(text("", 14.0, INK), slot)],
    )
}

fn media_column() -> Node {
    Node {
        flex_direction: FlexDirection::Column,
        width: px(MEDIA_W),
        row_gap: px(4.0),
        ..default()
    }
}

/// A photo or video picture on the panel, `aspect` high for its width; a click zooms it.
fn media_view(zoom: Action, view: impl Component, mark: &'static str, aspect: f32) -> impl Bundle {
    (
        Button,
        zoom,
        view,
        CaptureMark(mark),
        ImageNode::default(),
        Node {
            width: px(MEDIA_W),
            height: px(MEDIA_W * aspect),
            ..default()
        },
        BackgroundColor(Color::BLACK),
    )
}

/// The line under a picture. Its width is given: text in a flex column is otherwise measured
/// at its narrowest, one word a line, and the column grows tall.
fn media_text(slot: Slot) -> impl Bundle {
    (
        text("", 14.0, DIM),
        slot,
        Node {
            width: px(MEDIA_W),
            ..default()
        },
    )
}

pub(super) fn spawn(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    // The prompt, bottom centre.
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        PromptRoot,
        Node {
            position_type: PositionType::Absolute,
            bottom: px(48.0),
            width: percent(100.0),
            justify_content: JustifyContent::Center,
            display: Display::None,
            ..default()
        },
        children![(
            Node {
                padding: UiRect::axes(px(14.0), px(8.0)),
                ..default()
            },
            BackgroundColor(Color::srgba(0.05, 0.06, 0.09, 0.88)),
            children![(text("", 16.0, Color::srgb(1.0, 0.9, 0.55)), Slot::Prompt)],
        )],
    ));

    let header = (
        Node {
            flex_direction: FlexDirection::Row,
            justify_content: JustifyContent::SpaceBetween,
            align_items: AlignItems::FlexStart,
            column_gap: px(8.0),
            ..default()
        },
        children![
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    flex_shrink: 1.0,
                    row_gap: px(2.0),
                    ..default()
                },
                children![
                    (text("", 14.0, DIM), Slot::Subtitle),
                    (text("", 20.0, INK), Slot::Title),
                ],
            ),
            button(Action::Close, t(lang, Key::Close)),
        ],
    );
    let photos = (
        Section::Photos,
        media_column(),
        children![
            media_view(Action::ZoomPhoto, PhotoView, "photo", 2.0 / 3.0),
            media_text(Slot::Caption),
            (
                Node {
                    flex_direction: FlexDirection::Row,
                    column_gap: px(4.0),
                    ..default()
                },
                children![
                    button(Action::Prev, t(lang, Key::Prev)),
                    button(Action::Next, t(lang, Key::Next)),
                    button(Action::ZoomPhoto, t(lang, Key::Zoom)),
                ],
            ),
        ],
    );
    let video = (
        Section::Video,
        media_column(),
        children![
            media_view(Action::ZoomVideo, ScreenView, "video", 9.0 / 16.0),
            media_text(Slot::ScreenStatus),
        ],
    );
    let media = (
        Section::Media,
        CaptureMark("media"),
        Node {
            flex_direction: FlexDirection::Row,
            column_gap: px(12.0),
            ..default()
        },
        children![photos, video],
    );
    let actions = (
        Node {
            flex_direction: FlexDirection::Row,
            column_gap: px(8.0),
            align_items: AlignItems::Center,
            ..default()
        },
        children![
            (text("", 16.0, Color::srgb(1.0, 0.55, 0.6)), Slot::Hearts),
            slot_button(Action::Heart, Slot::HeartButton),
            slot_button(Action::Vote, Slot::VoteButton),
        ],
    );
    let field = text_field(
        CommentField,
        "",
        madang_shared::names::COMMENT_MAX_CHARS,
        15.0,
    );
    let comments = (
        Section::Booth,
        CaptureMark("booth"),
        Node {
            flex_direction: FlexDirection::Column,
            flex_grow: 1.0,
            min_height: px(0.0),
            row_gap: px(6.0),
            ..default()
        },
        children![
            actions,
            (text("", 14.0, GOOD), Slot::Notice),
            (text("", 15.0, INK), Slot::CommentsHeader),
            (
                CommentList,
                CaptureMark("comments"),
                bevy::ui_widgets::ScrollArea,
                Node {
                    flex_direction: FlexDirection::Column,
                    flex_grow: 1.0,
                    min_height: px(0.0),
                    row_gap: px(5.0),
                    overflow: Overflow::scroll_y(),
                    ..default()
                },
            ),
            (text(t(lang, Key::CommentHint), 14.0, DIM)),
            (
                Node {
                    flex_direction: FlexDirection::Row,
                    column_gap: px(6.0),
                    ..default()
                },
                children![field, button(Action::Send, t(lang, Key::Send))],
            ),
        ],
    );
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        PanelRoot,
        CaptureMark("panel"),
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(10),
        Node {
            position_type: PositionType::Absolute,
            right: px(12.0),
            top: px(56.0),
            bottom: px(12.0),
            width: px(PANEL_W),
            padding: UiRect::all(px(12.0)),
            flex_direction: FlexDirection::Column,
            row_gap: px(8.0),
            display: Display::None,
            ..default()
        },
        // Opaque: UI colours blend in linear light, where even 6 % of a bright floor shows.
        BackgroundColor(Color::srgb(0.07, 0.08, 0.11)),
        children![
            header,
            (Section::Description, text("", 14.0, INK), Slot::Description),
            media,
            (
                Section::Link,
                Node {
                    flex_direction: FlexDirection::Row,
                    ..default()
                },
                children![(
                    button(Action::OpenLink, t(lang, Key::OpenLink)),
                    CaptureMark("link")
                )],
            ),
            (
                Section::Documents,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(4.0),
                    ..default()
                },
                children![
                    text(t(lang, Key::Documents), 15.0, INK),
                    (
                        DocumentList,
                        Node {
                            flex_direction: FlexDirection::Row,
                            flex_wrap: FlexWrap::Wrap,
                            column_gap: px(6.0),
                            row_gap: px(4.0),
                            ..default()
                        },
                    ),
                ],
            ),
            comments,
            text(t(lang, Key::PanelKeys), 14.0, DIM),
        ],
    ));

    // The zoomed photo or video, over everything.
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        ZoomRoot,
        Button,
        Action::Unzoom,
        GlobalZIndex(20),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100.0),
            height: percent(100.0),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            row_gap: px(10.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.9)),
        children![
            (
                ZoomView,
                ImageNode::default(),
                Node {
                    max_width: percent(90.0),
                    max_height: percent(82.0),
                    ..default()
                },
            ),
            (text("", 16.0, INK), Slot::ZoomCaption),
            text(t(lang, Key::ZoomHint), 14.0, DIM),
        ],
    ));
}
