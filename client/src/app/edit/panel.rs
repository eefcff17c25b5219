//! The editor's panel: the selection's class and properties (only the fields its class has;
//! the theme and a table's capacity as choices), the buttons, and the palette of classes to
//! place.

use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use madang_shared::edit::MapEdit;
use madang_shared::map::{HallMap, Lang, Theme};

use super::Editor;
use super::objects::{self, CAPACITIES, FIELDS, Kind, Object};
use crate::app::base::ClientArgs;
use crate::app::hall::DrawnHall;
use crate::app::i18n::{Key, class_name, field_label, t};
use crate::app::net::Net;
use crate::app::ui::{CaptureMark, font, set_display, show_notice, small_button, text_field};

/// A class to place, from the palette.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Palette {
    Booth,
    Gallery,
    Screen,
    Table,
    Stage,
}

impl Palette {
    pub const ALL: [Palette; 5] = [
        Palette::Booth,
        Palette::Gallery,
        Palette::Screen,
        Palette::Table,
        Palette::Stage,
    ];

    fn label(self) -> Key {
        match self {
            Palette::Booth => Key::EditAddBooth,
            Palette::Gallery => Key::EditAddGallery,
            Palette::Screen => Key::EditAddScreen,
            Palette::Table => Key::EditAddTable,
            Palette::Stage => Key::EditAddStage,
        }
    }

    /// What a new one is: class, object name, size in tiles, properties.
    #[allow(clippy::type_complexity)]
    pub fn template(
        self,
        map: &HallMap,
    ) -> (&'static str, &'static str, f32, f32, Vec<(String, String)>) {
        let props = |p: &[(&str, &str)]| {
            p.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>()
        };
        match self {
            Palette::Booth => (
                "booth",
                "new booth",
                8.0,
                5.0,
                props(&[
                    ("org", "새 기관"),
                    ("org_en", "New organization"),
                    ("title", "새 부스"),
                    ("title_en", "New booth"),
                    ("theme", "participation"),
                ]),
            ),
            Palette::Gallery => (
                "photo_kiosk",
                "new gallery",
                2.0,
                1.0,
                props(&[
                    ("images", "../photos/poster_relay.png"),
                    ("title", "사진"),
                    ("title_en", "Photos"),
                ]),
            ),
            Palette::Screen => (
                "video_kiosk",
                "new screen",
                2.0,
                1.0,
                props(&[
                    ("video", "../videos/intro.mp4"),
                    ("title", "영상"),
                    ("title_en", "Video"),
                ]),
            ),
            Palette::Table => {
                let id = objects::free_table_id(map);
                (
                    "private_area",
                    "new table",
                    5.0,
                    5.0,
                    props(&[
                        ("id", &id),
                        ("capacity", "6"),
                        ("title", "새 토론 테이블"),
                        ("title_en", "New discussion table"),
                    ]),
                )
            }
            Palette::Stage => (
                "spotlight",
                "new stage",
                6.0,
                3.0,
                props(&[("title", "무대"), ("title_en", "Stage")]),
            ),
        }
    }
}

/// The names the screenshots' marks give the theme choices and the palette, in their order.
const THEME_MARKS: [&str; 4] = [
    "edit-theme-0",
    "edit-theme-1",
    "edit-theme-2",
    "edit-theme-3",
];
const PALETTE_MARKS: [&str; 5] = [
    "edit-place-booth",
    "edit-place-gallery",
    "edit-place-screen",
    "edit-place-table",
    "edit-place-stage",
];

#[derive(Component)]
pub(super) struct EditorRoot;
#[derive(Component)]
pub(super) struct EditorTitle;
#[derive(Component)]
pub(super) struct EditorNotice;
/// A property's row (label and field or choices), shown when the selection has it.
#[derive(Component)]
pub(super) struct FieldRow(&'static str);
#[derive(Component)]
pub(super) struct FieldInput(&'static str);
/// A choice of a property's value.
#[derive(Component, Clone, Copy, PartialEq, Eq)]
pub(super) enum Choice {
    Theme(Theme),
    Capacity(u32),
}
#[derive(Component, Clone, Copy, PartialEq)]
pub(super) enum EditAction {
    Apply,
    Delete,
    Undo,
    Redo,
}

pub(super) fn spawn(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    let small = |s: &str| {
        (
            Text::new(s),
            font(14.0),
            TextColor(Color::srgb(0.85, 0.87, 0.9)),
        )
    };
    let wrap_row = || Node {
        flex_direction: FlexDirection::Row,
        flex_wrap: FlexWrap::Wrap,
        column_gap: px(4.0),
        row_gap: px(4.0),
        ..default()
    };
    let root = commands
        .spawn((
            DespawnOnExit(crate::app::Phase::Hall),
            EditorRoot,
            CaptureMark("editor"),
            Interaction::default(),
            FocusPolicy::Block,
            GlobalZIndex(11),
            Node {
                position_type: PositionType::Absolute,
                right: px(12.0),
                top: px(56.0),
                width: px(400.0),
                padding: UiRect::all(px(10.0)),
                flex_direction: FlexDirection::Column,
                row_gap: px(4.0),
                display: Display::None,
                ..default()
            },
            BackgroundColor(Color::srgb(0.08, 0.07, 0.05)),
        ))
        .id();
    commands.entity(root).with_children(|p| {
        p.spawn((
            EditorTitle,
            Text::new(t(lang, Key::EditMode)),
            font(16.0),
            TextColor(Color::srgb(1.0, 0.8, 0.4)),
        ));
        p.spawn(small(t(lang, Key::EditHelp)));
        for (key, kind) in FIELDS {
            p.spawn((
                FieldRow(key),
                Node {
                    flex_direction: FlexDirection::Row,
                    column_gap: px(4.0),
                    align_items: AlignItems::Center,
                    display: Display::None,
                    ..default()
                },
            ))
            .with_children(|row| {
                row.spawn((
                    small(field_label(lang, key)),
                    Node {
                        width: px(120.0),
                        flex_shrink: 0.0,
                        ..default()
                    },
                ));
                match kind {
                    Kind::Text => {
                        row.spawn(text_field(FieldInput(key), "", 300, 14.0));
                    }
                    Kind::Theme => {
                        row.spawn(wrap_row()).with_children(|c| {
                            for (theme, mark) in Theme::ALL.into_iter().zip(THEME_MARKS) {
                                c.spawn((
                                    choice(Choice::Theme(theme), theme.name().get(lang)),
                                    CaptureMark(mark),
                                ));
                            }
                        });
                    }
                    Kind::Capacity => {
                        row.spawn(wrap_row()).with_children(|c| {
                            for n in CAPACITIES {
                                c.spawn(choice(Choice::Capacity(n), &n.to_string()));
                            }
                        });
                    }
                }
            });
        }
        p.spawn(wrap_row()).with_children(|row| {
            row.spawn(small_button(EditAction::Apply, t(lang, Key::EditApply)));
            row.spawn(small_button(EditAction::Delete, t(lang, Key::EditDelete)));
            row.spawn((
                small_button(EditAction::Undo, t(lang, Key::EditUndo)),
                CaptureMark("edit-undo"),
            ));
            row.spawn((
                small_button(EditAction::Redo, t(lang, Key::EditRedo)),
                CaptureMark("edit-redo"),
            ));
        });
        p.spawn(small(t(lang, Key::EditPalette)));
        p.spawn(wrap_row()).with_children(|row| {
            for (what, mark) in Palette::ALL.into_iter().zip(PALETTE_MARKS) {
                row.spawn((choice(what, t(lang, what.label())), CaptureMark(mark)));
            }
        });
        p.spawn((EditorNotice, small("")));
    });
}

/// A button that can be outlined (the selection's value, the palette's choice).
fn choice(c: impl Component, label: &str) -> impl Bundle {
    (
        Button,
        c,
        Node {
            padding: UiRect::axes(px(6.0), px(2.0)),
            border: UiRect::all(px(2.0)),
            ..default()
        },
        BackgroundColor(Color::srgb(0.22, 0.3, 0.45)),
        BorderColor::all(Color::NONE),
        children![(Text::new(label), font(14.0), TextColor(Color::WHITE),)],
    )
}

fn selection(editor: &Editor, drawn: &DrawnHall) -> Option<Object> {
    match (editor.on, editor.selected, drawn.map.as_ref()) {
        (true, Some(id), Some(map)) => objects::find(map, id),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn buttons(
    pressed: Query<(&Interaction, &EditAction), Changed<Interaction>>,
    palette: Query<(&Interaction, &Palette), Changed<Interaction>>,
    inputs: Query<(&FieldInput, &EditableText)>,
    drawn: Res<DrawnHall>,
    mut editor: ResMut<Editor>,
    mut net: ResMut<Net>,
    mut confirm: ResMut<crate::app::confirm::Confirm>,
    args: Res<ClientArgs>,
) {
    for (i, what) in &palette {
        if *i == Interaction::Pressed {
            // Pressed again: put away.
            editor.armed = (editor.armed != Some(*what)).then_some(*what);
            editor.notice = editor
                .armed
                .map(|_| (t(args.lang, Key::EditPlaceHint).to_owned(), false));
        }
    }
    for (i, action) in &pressed {
        if *i != Interaction::Pressed {
            continue;
        }
        match action {
            EditAction::Undo => editor.undo(&mut net),
            EditAction::Redo => editor.redo(&mut net),
            EditAction::Delete => {
                // Asked first; the editor's keys delete it on a yes.
                if let Some(obj) = selection(&editor, &drawn) {
                    confirm.ask(crate::app::confirm::Pending::Delete {
                        id: obj.id,
                        what: obj.name(args.lang),
                    });
                }
            }
            EditAction::Apply => {
                let Some(obj) = selection(&editor, &drawn) else {
                    continue;
                };
                for (f, text) in &inputs {
                    let value = text.value().to_string();
                    // Only the fields this kind of object has, and only changes.
                    if let Some(old) = obj.prop(f.0)
                        && old != value
                    {
                        editor.send(
                            &mut net,
                            MapEdit::SetProperty {
                                id: obj.id,
                                key: f.0.to_owned(),
                                value,
                            },
                        );
                    }
                }
            }
        }
    }
}

/// A press on a choice sets the property at once.
pub(super) fn choices(
    pressed: Query<(&Interaction, &Choice), Changed<Interaction>>,
    drawn: Res<DrawnHall>,
    mut editor: ResMut<Editor>,
    mut net: ResMut<Net>,
) {
    for (i, c) in &pressed {
        if *i != Interaction::Pressed {
            continue;
        }
        let Some(obj) = selection(&editor, &drawn) else {
            continue;
        };
        let (key, value) = match c {
            Choice::Theme(theme) => ("theme", theme.id().to_owned()),
            Choice::Capacity(n) => ("capacity", n.to_string()),
        };
        if obj.prop(key).is_some_and(|old| old != value) {
            editor.send(
                &mut net,
                MapEdit::SetProperty {
                    id: obj.id,
                    key: key.to_owned(),
                    value,
                },
            );
        }
    }
}

fn chosen(obj: Option<&Object>, c: Choice) -> bool {
    let Some(obj) = obj else { return false };
    match c {
        Choice::Theme(theme) => obj.prop("theme") == Some(theme.id()),
        Choice::Capacity(n) => obj.prop("capacity") == Some(n.to_string().as_str()),
    }
}

fn heading(lang: Lang, obj: Option<&Object>) -> String {
    match obj {
        Some(o) => format!(
            "{} — {} #{}",
            t(lang, Key::EditMode),
            class_name(lang, o.class),
            o.id
        ),
        None => t(lang, Key::EditMode).to_owned(),
    }
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(super) fn show(
    mut editor: ResMut<Editor>,
    drawn: Res<DrawnHall>,
    mut root: Query<&mut Node, (With<EditorRoot>, Without<FieldRow>)>,
    mut rows: Query<(&FieldRow, &mut Node), Without<EditorRoot>>,
    mut inputs: Query<(&FieldInput, &mut EditableText)>,
    mut notice: Query<(&mut Text, &mut TextColor), (With<EditorNotice>, Without<EditorTitle>)>,
    mut title: Query<&mut Text, (With<EditorTitle>, Without<EditorNotice>)>,
    mut outlined: Query<(&mut BorderColor, Option<&Choice>, Option<&Palette>)>,
    args: Res<ClientArgs>,
) {
    for mut n in &mut root {
        set_display(&mut n, editor.on);
    }
    if let Ok((mut text, mut color)) = notice.single_mut() {
        show_notice(&mut text, &mut color, &editor.notice);
    }
    let obj = selection(&editor, &drawn);
    let line = heading(args.lang, obj.as_ref());
    for mut text in &mut title {
        if text.0 != line {
            text.0 = line.clone();
        }
    }
    for (row, mut node) in &mut rows {
        set_display(
            &mut node,
            obj.as_ref().is_some_and(|o| o.prop(row.0).is_some()),
        );
    }
    let gold = Color::srgb(1.0, 0.8, 0.3);
    for (mut border, c, what) in &mut outlined {
        let on = match (c, what) {
            (Some(c), _) => chosen(obj.as_ref(), *c),
            (_, Some(w)) => editor.armed == Some(*w),
            _ => continue,
        };
        let want = if on { gold } else { Color::NONE };
        if *border != BorderColor::all(want) {
            *border = BorderColor::all(want);
        }
    }
    // Fill the fields when the selection (or the hall) changes.
    let key = obj.as_ref().map(|o| (o.id, drawn.generation));
    if key == editor.shown {
        return;
    }
    editor.shown = key;
    for (f, mut text) in &mut inputs {
        let value = obj.as_ref().and_then(|o| o.prop(f.0)).unwrap_or_default();
        // Through the edit queue, as typing would, so the field lays itself out again.
        text.queue_edit(bevy::text::TextEdit::SelectAll);
        text.queue_edit(bevy::text::TextEdit::Delete);
        if !value.is_empty() {
            text.queue_edit(bevy::text::TextEdit::Insert(value.into()));
        }
    }
}
