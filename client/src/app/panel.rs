//! Booths and kiosks up close: a prompt when you stand at one, and its panel when you open it
//! (E or a click): the organization, theme, title and description, the photo gallery (next,
//! previous, zoom), the video, hearts, the vote and the comments with a text field. Esc or
//! walking away closes it.

use std::collections::HashMap;
use std::path::PathBuf;

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use madang_shared::map::{HallMap, Lang};
use madang_shared::protocol::{BallotState, CommentView, Role};
use madang_shared::visit::{KIOSK_REACH, Visit, distance_to};

use super::hall::DrawnHall;
use super::i18n::{Key, t};
use super::net::Net;
use super::screens::Screens;
use super::{ClientArgs, FrameSet, map_and_me, rgba_image, set_display, text_field};
use crate::feed::FeedState;
use crate::photos::PhotoLoader;
use crate::session::Session;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Panel>();
    app.init_resource::<Photos>();
    app.add_systems(OnEnter(super::Phase::Hall), spawn_panel);
    app.add_systems(OnExit(super::Phase::Hall), |mut p: ResMut<Panel>| {
        p.drawn_generation = u64::MAX
    });
    app.add_systems(
        Update,
        (
            close_when_away,
            keys,
            buttons,
            send_comment,
            hear_the_server,
            load_photos,
        )
            .chain()
            .in_set(FrameSet::Sync),
    );
    app.add_systems(
        Update,
        (show_prompt, show_panel, show_comments, show_zoom)
            .chain()
            .in_set(FrameSet::View),
    );
}

/// What the panel shows, and what it waits for from the server.
#[derive(Resource, Default)]
pub struct Panel {
    /// The booth or kiosk open now.
    pub open: Option<Visit>,
    /// The photo on show, in the gallery's order.
    photo: usize,
    pub zoom: Option<Zoom>,
    comments: Vec<CommentView>,
    more: bool,
    /// Bumped whenever `comments` changes, so the list is redrawn only then.
    comments_generation: u64,
    drawn_generation: u64,
    /// The request for the newest page, and for an older one.
    first_page: Option<u32>,
    older_page: Option<u32>,
    /// The booth's comment count when the list was last read.
    read_count: Option<u32>,
    /// Requests waiting for the server's answer.
    asked: Vec<(u32, Ask)>,
    /// The last answer worth telling: the text, and whether it is an error.
    notice: Option<(String, bool)>,
}

/// What the zoomed view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    Photo,
    Video,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Heart,
    Comment,
    Vote,
    Hide,
}

impl Panel {
    /// Opens a booth or kiosk; a booth's comments are asked for at once.
    pub fn open(&mut self, visit: Visit, session: Option<&mut Session>) {
        if self.open == Some(visit) {
            return;
        }
        *self = Panel {
            open: Some(visit),
            comments_generation: self.comments_generation + 1,
            ..default()
        };
        if let (Visit::Booth(id), Some(session)) = (visit, session) {
            self.first_page = Some(session.read_comments(id, None));
        }
    }

    pub fn close(&mut self) {
        self.open = None;
        self.zoom = None;
    }

    fn booth(&self) -> Option<u32> {
        match self.open {
            Some(Visit::Booth(id)) => Some(id),
            _ => None,
        }
    }

    fn tell(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some((text.into(), error));
    }
}

/// What an open visit holds: its photos (with captions) and its screen.
struct Contents {
    title: String,
    subtitle: String,
    description: String,
    photos: Vec<(PathBuf, String)>,
    screen: Option<u32>,
    booth: Option<u32>,
}

fn contents(map: &HallMap, visit: Visit, lang: Lang) -> Option<Contents> {
    let gallery = |k: &madang_shared::map::PhotoKiosk| {
        k.images
            .iter()
            .cloned()
            .zip(k.captions.iter().cloned())
            .collect::<Vec<_>>()
    };
    match visit {
        Visit::Booth(id) => {
            let b = map.booths.iter().find(|b| b.object_id == id)?;
            Some(Contents {
                title: b.title.get(lang).to_owned(),
                subtitle: format!("{} · {}", b.org.get(lang), b.theme.name().get(lang)),
                description: b.description.get(lang).to_owned(),
                photos: map.galleries_of(b).flat_map(gallery).collect(),
                screen: map.screens_of(b).next().map(|k| k.object_id),
                booth: Some(id),
            })
        }
        Visit::Gallery(id) => {
            let k = map.photo_kiosks.iter().find(|k| k.object_id == id)?;
            Some(Contents {
                title: k.title.get(lang).to_owned(),
                subtitle: t(lang, Key::Gallery).to_owned(),
                description: String::new(),
                photos: gallery(k),
                screen: None,
                booth: None,
            })
        }
        Visit::Screen(id) => {
            let k = map.video_kiosks.iter().find(|k| k.object_id == id)?;
            Some(Contents {
                title: k.title.get(lang).to_owned(),
                subtitle: t(lang, Key::Screen).to_owned(),
                description: String::new(),
                photos: Vec::new(),
                screen: Some(id),
                booth: None,
            })
        }
    }
}

/// Where a visit stands in the hall.
fn visit_rect(map: &HallMap, visit: Visit) -> Option<madang_shared::map::Rect> {
    match visit {
        Visit::Booth(id) => map
            .booths
            .iter()
            .find(|b| b.object_id == id)
            .map(|b| b.rect),
        Visit::Gallery(id) => map
            .photo_kiosks
            .iter()
            .find(|k| k.object_id == id)
            .map(|k| k.rect),
        Visit::Screen(id) => map
            .video_kiosks
            .iter()
            .find(|k| k.object_id == id)
            .map(|k| k.rect),
    }
}

// --- photos ---------------------------------------------------------------------------------

/// The largest side a gallery photo is decoded to.
const PHOTO_SIDE: u32 = 1600;

/// Gallery photos: decoded on the loader's thread, kept as images once decoded.
#[derive(Resource, Default)]
pub struct Photos {
    loader: Option<PhotoLoader>,
    by_path: HashMap<PathBuf, PhotoSlot>,
    ids: Vec<PathBuf>,
}

pub struct PhotoSlot {
    pub image: Handle<Image>,
    /// (width, height) once decoded.
    pub size: Option<(u32, u32)>,
    pub failed: bool,
}

impl Photos {
    /// Starts decoding the photo at `path` (a gallery's first, while the hall loads).
    pub fn preload(&mut self, path: &PathBuf, images: &mut Assets<Image>) {
        self.get(path, images);
    }

    /// Whether the photo at `path` is decoded (or known broken).
    pub fn is_done(&self, path: &PathBuf) -> bool {
        self.by_path
            .get(path)
            .is_some_and(|s| s.size.is_some() || s.failed)
    }

    /// The photo at `path`, asked of the loader the first time.
    fn get(&mut self, path: &PathBuf, images: &mut Assets<Image>) -> &PhotoSlot {
        if !self.by_path.contains_key(path) {
            if self.loader.is_none() {
                match PhotoLoader::new(PHOTO_SIDE) {
                    Ok(l) => self.loader = Some(l),
                    Err(e) => error!("no thread to decode photos on: {e}"),
                }
            }
            let image = images.add(rgba_image(1, 1, vec![0, 0, 0, 0]));
            if let Some(loader) = &self.loader {
                loader.request(self.ids.len() as u64, path.clone());
            }
            self.ids.push(path.clone());
            self.by_path.insert(
                path.clone(),
                PhotoSlot {
                    image,
                    size: None,
                    failed: false,
                },
            );
        }
        &self.by_path[path]
    }
}

fn load_photos(mut photos: ResMut<Photos>, mut images: ResMut<Assets<Image>>) {
    let Some(loader) = &photos.loader else { return };
    for loaded in loader.poll() {
        let Some(path) = photos.ids.get(loaded.id as usize).cloned() else {
            continue;
        };
        let Some(slot) = photos.by_path.get_mut(&path) else {
            continue;
        };
        let p = loaded.photo;
        slot.size = Some((p.width, p.height));
        slot.failed = loaded.failed;
        if let Err(e) = images.insert(&slot.image, rgba_image(p.width, p.height, p.rgba)) {
            warn!("cannot show the photo {}: {e}", path.display());
        }
    }
}

// --- the panel's entities -------------------------------------------------------------------

#[derive(Component)]
struct PanelRoot;
#[derive(Component)]
struct PromptRoot;
#[derive(Component)]
struct ZoomRoot;

/// A text of the panel, filled in by [`show_panel`].
#[derive(Component, Clone, Copy, PartialEq, Eq)]
enum Slot {
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
enum Section {
    Photos,
    Video,
    Media,
    Booth,
    Description,
}

#[derive(Component)]
struct PhotoView;
#[derive(Component)]
struct ScreenView;
#[derive(Component)]
struct ZoomView;
#[derive(Component)]
struct CommentList;
/// The comment text field.
#[derive(Component)]
pub struct CommentField;

/// A rectangle the screenshot test checks, by name (see `capture`).
#[derive(Component)]
pub struct CaptureMark(pub &'static str);

#[derive(Component, Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
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
}

const PANEL_W: f32 = 470.0;
const MEDIA_W: f32 = 217.0;
const INK: Color = Color::srgb(0.93, 0.94, 0.96);
const DIM: Color = Color::srgb(0.68, 0.71, 0.76);
const BUTTON: Color = Color::srgb(0.22, 0.3, 0.45);

fn text(s: &str, size: f32, color: Color) -> impl Bundle {
    (
        Text::new(s),
        TextFont::from_font_size(size),
        TextColor(color),
    )
}

fn button(action: Action, label: &str) -> impl Bundle {
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
        text("", 12.0, DIM),
        slot,
        Node {
            width: px(MEDIA_W),
            ..default()
        },
    )
}

fn spawn_panel(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    // The prompt, bottom centre.
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
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
                    (text("", 13.0, DIM), Slot::Subtitle),
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
            (text("", 13.0, Color::srgb(0.6, 1.0, 0.6)), Slot::Notice),
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
            (text(t(lang, Key::CommentHint), 12.0, DIM)),
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
        DespawnOnExit(super::Phase::Hall),
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
            comments,
            text(t(lang, Key::PanelKeys), 11.0, DIM),
        ],
    ));

    // The zoomed photo or video, over everything.
    commands.spawn((
        DespawnOnExit(super::Phase::Hall),
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
            text(t(lang, Key::ZoomHint), 13.0, DIM),
        ],
    ));
}

// --- input ----------------------------------------------------------------------------------

/// Whether a text field has the keyboard: then keys are letters, not commands.
pub fn typing(focus: &InputFocus, fields: &Query<(), With<EditableText>>) -> bool {
    focus.get().is_some_and(|e| fields.contains(e))
}

fn close_when_away(mut panel: ResMut<Panel>, net: Res<Net>, drawn: Res<DrawnHall>) {
    let Some(open) = panel.open else { return };
    let Some((map, me)) = map_and_me(&net, &drawn) else {
        panel.close();
        return;
    };
    let still_there = match visit_rect(map, open) {
        None => false,
        Some(r) => match open {
            Visit::Booth(_) => r.contains(me.pos),
            _ => distance_to(&r, me.pos) <= KIOSK_REACH + 0.5,
        },
    };
    if !still_there {
        panel.close();
    }
}

#[allow(clippy::too_many_arguments)]
fn keys(
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
        && !super::keys::on_a_button(&focus, &buttons)
        && let Ok(e) = field.single()
    {
        focus.set(e, bevy::input_focus::FocusCause::Navigated);
    }
}

fn buttons(
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
        Action::Heart | Action::Vote | Action::More | Action::Hide(..) | Action::Send => {
            let (Some(booth), Some(session)) = (c.booth, session) else {
                return;
            };
            match action {
                Action::Heart => {
                    let mine = session.booths.get(&booth).is_some_and(|f| f.mine);
                    let req = session.heart(booth, !mine);
                    panel.asked.push((req, Ask::Heart));
                }
                Action::Vote => {
                    let Some(hall) = session.me.as_ref().map(|m| m.hall) else {
                        return;
                    };
                    match session
                        .ballots
                        .iter()
                        .find(|b| b.candidates.contains(&(hall, booth)))
                    {
                        Some(b) if b.state == BallotState::Open => {
                            let id = b.id.clone();
                            let req = session.vote(&id, hall, booth);
                            panel.asked.push((req, Ask::Vote));
                        }
                        Some(b) if b.state == BallotState::Draft => {
                            panel.tell(t(lang, Key::VoteDraft), true)
                        }
                        Some(_) => panel.tell(t(lang, Key::VoteClosed), true),
                        None => {}
                    }
                }
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

/// Enter in the field, or the send button, posts the comment.
#[allow(clippy::too_many_arguments)]
fn send_comment(
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
fn hear_the_server(mut panel: ResMut<Panel>, mut net: ResMut<Net>, args: Res<ClientArgs>) {
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
            Some(Err(why)) => panel.tell(crate::app::i18n::refusal(lang, &why), true),
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
        let count = session.booths.get(&booth).map(|f| f.comments);
        if count.is_some() && panel.read_count != count && panel.first_page.is_none() {
            if panel.read_count.is_some() {
                panel.first_page = Some(session.read_comments(booth, None));
            }
            panel.read_count = count;
        }
    }
}

// --- drawing --------------------------------------------------------------------------------

fn show_prompt(
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
fn show_panel(
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
        let playback = session.and_then(|s| s.screens.get(&id));
        let at = session.and_then(|s| s.screen_position_ms(id));
        // The decoder's own words went to the log (screens.rs); the visitor reads theirs.
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
        .and_then(|b| session.and_then(|s| s.booths.get(&b)))
        .copied();
    let hearts = fact.map(|f| f.hearts).unwrap_or(0);
    let mine = fact.is_some_and(|f| f.mine);
    let ballot = c.booth.and_then(|b| {
        let s = session?;
        let hall = s.me.as_ref()?.hall;
        s.ballots
            .iter()
            .find(|x| x.candidates.contains(&(hall, b)))
            .map(|x| (x.state, x.mine == Some((hall, b))))
    });
    let vote_line = match ballot {
        None => String::new(),
        Some((_, true)) => t(lang, Key::Voted).to_owned(),
        Some((BallotState::Open, false)) => t(lang, Key::Vote).to_owned(),
        Some((BallotState::Draft, false)) => t(lang, Key::VoteDraft).to_owned(),
        Some((BallotState::Closed, false)) => t(lang, Key::VoteClosed).to_owned(),
    };
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
                color.0 = if error {
                    Color::srgb(1.0, 0.55, 0.5)
                } else {
                    Color::srgb(0.6, 1.0, 0.6)
                };
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

fn show_comments(
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
            list.spawn(text(t(lang, Key::NoComments), 13.0, DIM));
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
                    children![(text(&name, 12.0, Color::srgb(0.65, 0.8, 1.0)))],
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

#[allow(clippy::too_many_arguments)]
fn show_zoom(
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

/// Whether the panel shows a booth with its photo decoded and its video's first picture:
/// what the screenshot test waits for.
pub fn showing_media(panel: &Panel, photos: &Photos, screens: &Screens, map: &HallMap) -> bool {
    let Some(c) = panel.open.and_then(|v| contents(map, v, Lang::En)) else {
        return false;
    };
    let photo_ready = c.photos.first().is_none_or(|(p, _)| {
        photos
            .by_path
            .get(p)
            .is_some_and(|s| s.size.is_some() || s.failed)
    });
    let video_ready = c.screen.is_none_or(|id| {
        screens
            .by_kiosk
            .get(&id)
            .is_some_and(|s| s.has_picture || s.failure.is_some())
    });
    photo_ready && video_ready
}
