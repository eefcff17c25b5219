//! The edit mode for organizers (F2): click a booth, kiosk, zone, spawn or door to select it;
//! the arrow keys move it a tile, with Shift they resize it; Delete removes it; Ctrl+Z takes
//! back the last edit; the panel edits its properties (names in Korean and English, theme,
//! images, video, schedule, capacity, ...) and adds new objects where you stand. Every edit is
//! checked by the server with the rules of `check-map`, saved to the TMX file (which opens in
//! Tiled with the change) and applied live for everyone in the hall.

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use bevy::window::PrimaryWindow;
use madang_shared::edit::MapEdit;
use madang_shared::map::{HallMap, Rect as TileRect, TILE_PX};
use madang_shared::protocol::Role;

use super::hall::DrawnHall;
use super::i18n::{Key, t};
use super::net::Net;
use super::panel::typing;
use super::{ClientArgs, FrameSet, set_display, show_notice, small_button, text_field, to_world};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Editor>();
    app.add_systems(OnEnter(super::Phase::Hall), spawn_editor_ui);
    app.add_systems(OnExit(super::Phase::Hall), |mut e: ResMut<Editor>| {
        e.shown = None
    });
    app.add_systems(
        Update,
        (editor_keys, select_by_click, editor_buttons, take_answers)
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(Update, show_editor.in_set(FrameSet::View));
}

/// The edit mode's state.
#[derive(Resource, Default)]
pub struct Editor {
    pub on: bool,
    selected: Option<u32>,
    /// The selection whose fields are shown, to fill them only when it changes.
    shown: Option<(u32, u64)>,
    asked: Vec<u32>,
    notice: Option<(String, bool)>,
}

impl Editor {
    /// Whether the arrow keys move the selected object (not your avatar).
    pub fn captures_arrows(&self) -> bool {
        self.on && self.selected.is_some()
    }
}

/// The editable properties, in the panel's order.
const FIELDS: [&str; 9] = [
    "title", "title_en", "org", "org_en", "theme", "images", "video", "schedule", "capacity",
];

#[derive(Component)]
struct EditorRoot;
#[derive(Component)]
struct EditorTitle;
#[derive(Component)]
struct EditorNotice;
#[derive(Component)]
struct FieldInput(usize);
#[derive(Component)]
struct SelectionEdge(usize);
#[derive(Component, Clone, Copy, PartialEq)]
enum EditAction {
    Apply,
    Delete,
    Undo,
    AddBooth,
    AddGallery,
    AddScreen,
    AddTable,
}

/// One object of the map, as the editor sees it: id, class, rectangle, properties.
struct Object {
    id: u32,
    class: &'static str,
    rect: TileRect,
    props: Vec<(&'static str, String)>,
}

/// What an object is called in a question: its title, else its class and id.
fn object_name(obj: &Object, lang: madang_shared::map::Lang) -> String {
    obj.props
        .iter()
        .find(|(k, v)| *k == "title" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| format!("{} #{}", super::i18n::class_name(lang, obj.class), obj.id))
}

fn objects(map: &HallMap) -> Vec<Object> {
    let mut out = Vec::new();
    for b in &map.booths {
        out.push(Object {
            id: b.object_id,
            class: "booth",
            rect: b.rect,
            props: vec![
                ("title", b.title.ko.clone()),
                ("title_en", b.title.en.clone()),
                ("org", b.org.ko.clone()),
                ("org_en", b.org.en.clone()),
                ("theme", b.theme.id().to_owned()),
            ],
        });
    }
    for k in &map.photo_kiosks {
        let images = k
            .images
            .iter()
            .map(|p| pathdiff(p, map.source.parent().unwrap_or(std::path::Path::new("."))))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Object {
            id: k.object_id,
            class: "photo_kiosk",
            rect: k.rect,
            props: vec![
                ("title", k.title.ko.clone()),
                ("title_en", k.title.en.clone()),
                ("images", images),
            ],
        });
    }
    for k in &map.video_kiosks {
        out.push(Object {
            id: k.object_id,
            class: "video_kiosk",
            rect: k.rect,
            props: vec![
                ("title", k.title.ko.clone()),
                ("title_en", k.title.en.clone()),
                (
                    "video",
                    pathdiff(
                        &k.video,
                        map.source.parent().unwrap_or(std::path::Path::new(".")),
                    ),
                ),
                ("schedule", k.schedule.clone().unwrap_or_default()),
            ],
        });
    }
    for a in &map.private_areas {
        out.push(Object {
            id: a.object_id,
            class: "private_area",
            rect: a.rect,
            props: vec![
                ("title", a.name.ko.clone()),
                ("title_en", a.name.en.clone()),
                ("capacity", a.capacity.to_string()),
            ],
        });
    }
    for s in &map.spotlights {
        out.push(Object {
            id: s.object_id,
            class: "spotlight",
            rect: s.rect,
            props: vec![
                ("title", s.name.ko.clone()),
                ("title_en", s.name.en.clone()),
            ],
        });
    }
    for p in &map.portals {
        out.push(Object {
            id: p.object_id,
            class: "portal",
            rect: p.rect,
            props: vec![
                ("title", p.name.ko.clone()),
                ("title_en", p.name.en.clone()),
            ],
        });
    }
    out
}

/// A path as the map names it: relative to the map's folder (`../photos/a.png`).
fn pathdiff(path: &std::path::Path, base: &std::path::Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out.to_string_lossy().into_owned()
}

fn spawn_editor_ui(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    let small = |s: &str, size: f32| {
        (
            Text::new(s),
            TextFont::from_font_size(size),
            TextColor(Color::srgb(0.85, 0.87, 0.9)),
        )
    };
    let root = commands
        .spawn((
            DespawnOnExit(super::Phase::Hall),
            EditorRoot,
            Interaction::default(),
            FocusPolicy::Block,
            GlobalZIndex(11),
            Node {
                position_type: PositionType::Absolute,
                right: px(12.0),
                top: px(56.0),
                width: px(360.0),
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
            TextFont::from_font_size(15.0),
            TextColor(Color::srgb(1.0, 0.8, 0.4)),
        ));
        p.spawn(small(t(lang, Key::EditHelp), 11.0));
        for (i, name) in FIELDS.iter().enumerate() {
            p.spawn(Node {
                flex_direction: FlexDirection::Row,
                column_gap: px(4.0),
                align_items: AlignItems::Center,
                ..default()
            })
            .with_children(|row| {
                row.spawn((
                    small(super::i18n::field_label(lang, name), 12.0),
                    Node {
                        width: px(110.0),
                        ..default()
                    },
                ));
                row.spawn(text_field(FieldInput(i), "", 300, 13.0));
            });
        }
        p.spawn(Node {
            flex_direction: FlexDirection::Row,
            flex_wrap: FlexWrap::Wrap,
            column_gap: px(4.0),
            row_gap: px(4.0),
            ..default()
        })
        .with_children(|row| {
            row.spawn(small_button(EditAction::Apply, t(lang, Key::EditApply)));
            row.spawn(small_button(EditAction::Delete, t(lang, Key::EditDelete)));
            row.spawn(small_button(EditAction::Undo, t(lang, Key::EditUndo)));
            row.spawn(small_button(
                EditAction::AddBooth,
                t(lang, Key::EditAddBooth),
            ));
            row.spawn(small_button(
                EditAction::AddGallery,
                t(lang, Key::EditAddGallery),
            ));
            row.spawn(small_button(
                EditAction::AddScreen,
                t(lang, Key::EditAddScreen),
            ));
            row.spawn(small_button(
                EditAction::AddTable,
                t(lang, Key::EditAddTable),
            ));
        });
        p.spawn((EditorNotice, small("", 12.0)));
    });
    for i in 0..4 {
        commands.spawn((
            DespawnOnExit(super::Phase::Hall),
            SelectionEdge(i),
            Sprite::from_color(Color::srgb(1.0, 0.3, 0.9), Vec2::ONE),
            Transform::default(),
            Visibility::Hidden,
        ));
    }
}

fn is_organizer(net: &Net) -> bool {
    net.session
        .as_ref()
        .and_then(|s| s.me.as_ref())
        .is_some_and(|m| m.role == Role::Organizer)
}

#[allow(clippy::too_many_arguments)]
fn editor_keys(
    keys: Res<ButtonInput<KeyCode>>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    drawn: Res<DrawnHall>,
    mut editor: ResMut<Editor>,
    mut net: ResMut<Net>,
    mut confirm: ResMut<super::confirm::Confirm>,
    buttons: Query<(), With<Button>>,
    args: Res<ClientArgs>,
) {
    if !is_organizer(&net) {
        editor.on = false;
        return;
    }
    // A deletion the organizer said yes to (by the key or the button), at once.
    if let Some(super::confirm::Pending::Delete { id, .. }) =
        confirm.take_confirmed(|p| matches!(p, super::confirm::Pending::Delete { .. }))
        && let Some(session) = net.session.as_mut()
    {
        let req = session.edit_map(MapEdit::Delete { id });
        editor.asked.push(req);
        if editor.selected == Some(id) {
            editor.selected = None;
        }
    }
    if typing(&focus, &fields) {
        return;
    }
    if keys.just_pressed(KeyCode::F2) {
        editor.on = !editor.on;
        editor.selected = None;
    }
    if !editor.on {
        return;
    }
    let Some(session) = net.session.as_mut() else {
        return;
    };
    if confirm.is_open() {
        return;
    }
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    if ctrl && keys.just_pressed(KeyCode::KeyZ) {
        let req = session.undo_edit();
        editor.asked.push(req);
        return;
    }
    let (Some(id), Some(map)) = (editor.selected, drawn.map.as_ref()) else {
        return;
    };
    let Some(obj) = objects(map).into_iter().find(|o| o.id == id) else {
        editor.selected = None;
        return;
    };
    if keys.just_pressed(KeyCode::Delete) {
        confirm.ask(super::confirm::Pending::Delete {
            id,
            what: object_name(&obj, args.lang),
        });
        return;
    }
    // With a button in focus the arrows move the focus, not the object.
    if super::keys::on_a_button(&focus, &buttons) {
        return;
    }
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    let mut r = obj.rect;
    let mut changed = false;
    for (key, dx, dy) in [
        (KeyCode::ArrowLeft, -1.0, 0.0),
        (KeyCode::ArrowRight, 1.0, 0.0),
        (KeyCode::ArrowUp, 0.0, -1.0),
        (KeyCode::ArrowDown, 0.0, 1.0),
    ] {
        if keys.just_pressed(key) {
            changed = true;
            if shift {
                r.w = (r.w + dx).max(1.0);
                r.h = (r.h + dy).max(1.0);
            } else {
                r.x += dx;
                r.y += dy;
            }
        }
    }
    if changed {
        let req = session.edit_map(MapEdit::Place { id, rect: r });
        editor.asked.push(req);
    }
}

/// In edit mode, a click in the hall selects the smallest object under the pointer.
fn select_by_click(
    mouse: Res<ButtonInput<MouseButton>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform)>,
    ui: Query<&Interaction>,
    drawn: Res<DrawnHall>,
    mut editor: ResMut<Editor>,
) {
    if !editor.on || !mouse.just_pressed(MouseButton::Left) {
        return;
    }
    let (Some(tile), Some(map)) = (
        super::walk::pointer_in_hall(&windows, &cameras, &ui),
        drawn.map.as_ref(),
    ) else {
        return;
    };
    editor.selected = objects(map)
        .into_iter()
        .filter(|o| o.rect.contains(tile))
        .min_by(|a, b| (a.rect.w * a.rect.h).total_cmp(&(b.rect.w * b.rect.h)))
        .map(|o| o.id);
}

#[allow(clippy::too_many_arguments)]
fn editor_buttons(
    pressed: Query<(&Interaction, &EditAction), Changed<Interaction>>,
    inputs: Query<(&FieldInput, &EditableText)>,
    drawn: Res<DrawnHall>,
    mut editor: ResMut<Editor>,
    mut net: ResMut<Net>,
    mut confirm: ResMut<super::confirm::Confirm>,
    args: Res<ClientArgs>,
) {
    let (Some(session), Some(map)) = (net.session.as_mut(), drawn.map.as_ref()) else {
        return;
    };
    for (i, action) in &pressed {
        if *i != Interaction::Pressed {
            continue;
        }
        let here = session.me.as_ref().map(|m| m.pos).unwrap_or_default();
        let at = |w: f32, h: f32| TileRect {
            x: (here.x - w / 2.0).round(),
            y: (here.y - h / 2.0).round(),
            w,
            h,
        };
        let add = |class: &str, name: &str, rect: TileRect, props: &[(&str, &str)]| MapEdit::Add {
            class: class.into(),
            name: name.into(),
            rect,
            properties: props
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        let edits: Vec<MapEdit> = match action {
            EditAction::Undo => {
                let req = session.undo_edit();
                editor.asked.push(req);
                continue;
            }
            EditAction::Delete => {
                // Asked first; `editor_keys` deletes it on a yes.
                if let Some(obj) = editor
                    .selected
                    .and_then(|id| objects(map).into_iter().find(|o| o.id == id))
                {
                    confirm.ask(super::confirm::Pending::Delete {
                        id: obj.id,
                        what: object_name(&obj, args.lang),
                    });
                }
                continue;
            }
            EditAction::Apply => {
                let Some(id) = editor.selected else { continue };
                let Some(obj) = objects(map).into_iter().find(|o| o.id == id) else {
                    continue;
                };
                inputs
                    .iter()
                    .filter_map(|(f, text)| {
                        let key = FIELDS[f.0];
                        let value = text.value().to_string();
                        let old = obj.props.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
                        // Only the fields this kind of object has, and only changes.
                        let known = old.is_some();
                        (known && old != Some(&value)).then(|| MapEdit::SetProperty {
                            id,
                            key: key.to_owned(),
                            value,
                        })
                    })
                    .collect()
            }
            EditAction::AddBooth => vec![add(
                "booth",
                "new booth",
                at(8.0, 5.0),
                &[
                    ("org", "새 기관"),
                    ("org_en", "New organization"),
                    ("title", "새 부스"),
                    ("title_en", "New booth"),
                    ("theme", "participation"),
                ],
            )],
            EditAction::AddGallery => vec![add(
                "photo_kiosk",
                "new gallery",
                at(2.0, 1.0),
                &[("images", "../photos/poster_relay.png"), ("title", "사진")],
            )],
            EditAction::AddScreen => vec![add(
                "video_kiosk",
                "new screen",
                at(2.0, 1.0),
                &[("video", "../videos/intro.mp4"), ("title", "영상")],
            )],
            EditAction::AddTable => vec![add(
                "private_area",
                "new table",
                at(5.0, 5.0),
                &[
                    ("id", &format!("table-{}", map.private_areas.len() + 1)),
                    ("capacity", "6"),
                    ("title", "새 토론 테이블"),
                ],
            )],
        };
        for e in edits {
            let req = session.edit_map(e);
            editor.asked.push(req);
        }
    }
}

fn take_answers(mut editor: ResMut<Editor>, mut net: ResMut<Net>, args: Res<ClientArgs>) {
    let Some(session) = net.session.as_mut() else {
        return;
    };
    let asked = std::mem::take(&mut editor.asked);
    for req in asked {
        match session.take_answer(req) {
            None => editor.asked.push(req),
            Some(Ok(())) => editor.notice = Some((t(args.lang, Key::Saved).to_owned(), false)),
            Some(Err(why)) => {
                editor.notice = Some((crate::app::i18n::refusal(args.lang, &why), true))
            }
        }
    }
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn show_editor(
    mut editor: ResMut<Editor>,
    drawn: Res<DrawnHall>,
    mut root: Query<&mut Node, With<EditorRoot>>,
    mut inputs: Query<(&FieldInput, &mut EditableText)>,
    mut notice: Query<(&mut Text, &mut TextColor), (With<EditorNotice>, Without<EditorTitle>)>,
    mut title: Query<&mut Text, (With<EditorTitle>, Without<EditorNotice>)>,
    args: Res<ClientArgs>,
    mut edges: Query<(&SelectionEdge, &mut Sprite, &mut Transform, &mut Visibility)>,
) {
    for mut n in &mut root {
        set_display(&mut n, editor.on);
    }
    if let Ok((mut text, mut color)) = notice.single_mut() {
        show_notice(&mut text, &mut color, &editor.notice);
    }
    let obj = match (editor.on, editor.selected, drawn.map.as_ref()) {
        (true, Some(id), Some(map)) => objects(map).into_iter().find(|o| o.id == id),
        _ => None,
    };
    let heading = match &obj {
        Some(o) => format!(
            "{} — {} #{}",
            t(args.lang, Key::EditMode),
            super::i18n::class_name(args.lang, o.class),
            o.id
        ),
        None => t(args.lang, Key::EditMode).to_owned(),
    };
    for mut text in &mut title {
        if text.0 != heading {
            text.0 = heading.clone();
        }
    }
    // The selection's outline.
    for (edge, mut sprite, mut tf, mut vis) in &mut edges {
        let Some(o) = &obj else {
            *vis = Visibility::Hidden;
            continue;
        };
        let tl = to_world(madang_shared::Vec2::new(o.rect.x, o.rect.y));
        let size = Vec2::new(o.rect.w.max(0.25), o.rect.h.max(0.25)) * TILE_PX as f32;
        let centre = tl + Vec2::new(size.x / 2.0, -size.y / 2.0);
        let (offset, dims) = match edge.0 {
            0 => (Vec2::new(0.0, size.y / 2.0), Vec2::new(size.x, 3.0)),
            1 => (Vec2::new(0.0, -size.y / 2.0), Vec2::new(size.x, 3.0)),
            2 => (Vec2::new(-size.x / 2.0, 0.0), Vec2::new(3.0, size.y)),
            _ => (Vec2::new(size.x / 2.0, 0.0), Vec2::new(3.0, size.y)),
        };
        sprite.custom_size = Some(dims);
        tf.translation = (centre + offset).extend(95.0);
        *vis = Visibility::Inherited;
    }
    // Fill the fields when the selection (or the hall) changes.
    let key = obj.as_ref().map(|o| (o.id, drawn.generation));
    if key == editor.shown {
        return;
    }
    editor.shown = key;
    for (f, mut text) in &mut inputs {
        let value = obj
            .as_ref()
            .and_then(|o| o.props.iter().find(|(k, _)| *k == FIELDS[f.0]))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        // Through the edit queue, as typing would, so the field lays itself out again.
        text.queue_edit(bevy::text::TextEdit::SelectAll);
        text.queue_edit(bevy::text::TextEdit::Delete);
        if !value.is_empty() {
            text.queue_edit(bevy::text::TextEdit::Insert(value.as_str().into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use madang_shared::map::Lang;

    #[test]
    fn every_field_and_class_the_editor_shows_has_a_name_in_both_languages() {
        let classes = [
            "booth",
            "photo_kiosk",
            "video_kiosk",
            "private_area",
            "spotlight",
            "portal",
        ];
        for lang in [Lang::Ko, Lang::En] {
            let fallback_field = super::super::i18n::field_label(lang, "?");
            for f in FIELDS {
                let l = super::super::i18n::field_label(lang, f);
                assert_ne!(l, fallback_field, "{f}");
                assert_ne!(l, f, "{f} is worded, not shown as its key");
            }
            let fallback_class = super::super::i18n::class_name(lang, "?");
            for c in classes {
                assert_ne!(
                    super::super::i18n::class_name(lang, c),
                    fallback_class,
                    "{c}"
                );
            }
        }
    }
}
