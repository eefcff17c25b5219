//! The ceremony's rituals in the window. In the ceremony room, the partnership signing is
//! shown on the stage screen: the agreement's title, how many have signed, each signature
//! with its organization and representative, who is signing now, and applause when a
//! signature lands. The representative called to the signing desk is shown the agreement
//! and signs with their own key (kept beside the visitor pass). The relay's object is drawn
//! over whoever holds it, travelling from one hand to the other when it is passed, and the
//! room is told who holds it now.

use std::time::{Duration, Instant};

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::sprite::Anchor;

use super::avatars::{OwnAvatar, RemoteAvatar};
use super::base::{ClientArgs, FrameSet, Phase, to_world};
use super::hall::DrawnHall;
use super::i18n::{self, Key, t};
use super::net::Net;
use super::ui::{BUTTON, CaptureMark, INK, font, set_display, text};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Signing>();
    app.add_systems(OnEnter(Phase::Hall), spawn_rituals);
    app.add_systems(
        Update,
        (show_board, show_relay, show_prompt, press_sign)
            .chain()
            .in_set(FrameSet::View),
    );
}

/// Over the hall's labels (50), under the avatars (100).
const Z_BOARD: f32 = 60.0;
const BOARD_GOLD: Color = Color::srgb(1.0, 0.86, 0.42);
/// How long the applause for a signature, and the news of a handover, stay up.
const APPLAUSE: Duration = Duration::from_secs(4);
const RELAY_NEWS: Duration = Duration::from_secs(8);
/// How long the object takes from one hand to the other.
const PASSING: Duration = Duration::from_millis(1500);
/// The most lines of organizations on the board (the newest signatures and who signs now).
const BOARD_LINES: usize = 7;

#[derive(Component)]
struct BoardBack;
#[derive(Component)]
struct BoardText;
#[derive(Component)]
struct ApplauseText;
#[derive(Component)]
struct RelayObject;
#[derive(Component)]
struct RelayNews;
#[derive(Component)]
struct SignPrompt;
#[derive(Component)]
struct SignAgreement;
#[derive(Component)]
struct SignNotice;
#[derive(Component)]
struct SignButton;

/// The signature sent and its answer, the applause, and the relay as last drawn.
#[derive(Resource, Default)]
struct Signing {
    asked: Option<u32>,
    /// A refusal or a failure to sign, and since when.
    notice: Option<(String, Instant)>,
    /// Signatures seen (none before the first view: an arrival hears no applause for what
    /// was signed before), and when the last new one came.
    seen: Option<usize>,
    applause: Option<(String, Instant)>,
    /// The picture loaded, by its name in the assets.
    relay_image: Option<(String, Handle<Image>)>,
    /// The last handover seen: (from, to), and when.
    passed: Option<((u32, u32), Instant)>,
    prompt_shown: bool,
}

fn spawn_rituals(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        BoardBack,
        Sprite {
            color: Color::srgba(0.05, 0.06, 0.1, 0.94),
            custom_size: Some(Vec2::new(400.0, 160.0)),
            ..default()
        },
        Transform::from_xyz(0.0, 0.0, Z_BOARD),
        Visibility::Hidden,
    ));
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        BoardText,
        Text2d::new(""),
        font(14.0),
        TextColor(INK),
        TextLayout::justify(Justify::Center),
        bevy::text::TextBounds::new_horizontal(390.0),
        Anchor::CENTER,
        Transform::from_xyz(0.0, 0.0, Z_BOARD + 0.1),
        Visibility::Hidden,
    ));
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        ApplauseText,
        Text2d::new(""),
        font(16.0),
        TextColor(BOARD_GOLD),
        bevy::text::TextBounds::new_horizontal(520.0),
        TextLayout::justify(Justify::Center),
        Anchor::BOTTOM_CENTER,
        Transform::from_xyz(0.0, 0.0, Z_BOARD + 0.2),
        Visibility::Hidden,
    ));
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        RelayObject,
        Sprite {
            custom_size: Some(Vec2::new(20.0, 40.0)),
            ..default()
        },
        Transform::from_xyz(0.0, 0.0, 120.0),
        Visibility::Hidden,
    ));
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        RelayNews,
        CaptureMark("relay_news"),
        Text::new(""),
        font(20.0),
        TextColor(BOARD_GOLD),
        BackgroundColor(Color::srgba(0.1, 0.08, 0.02, 0.85)),
        GlobalZIndex(14),
        Node {
            position_type: PositionType::Absolute,
            bottom: px(150.0),
            left: percent(25.0),
            width: percent(50.0),
            padding: UiRect::all(px(10.0)),
            display: Display::None,
            ..default()
        },
    ));
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        SignPrompt,
        CaptureMark("sign_prompt"),
        GlobalZIndex(16),
        Node {
            position_type: PositionType::Absolute,
            bottom: px(90.0),
            left: percent(20.0),
            width: percent(60.0),
            padding: UiRect::all(px(14.0)),
            flex_direction: FlexDirection::Column,
            row_gap: px(8.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgb(0.08, 0.09, 0.13)),
        children![
            (text("", 15.0, INK), SignAgreement),
            (text("", 14.0, super::ui::BAD), SignNotice),
            (
                Button,
                SignButton,
                CaptureMark("sign_button"),
                Node {
                    padding: UiRect::axes(px(16.0), px(7.0)),
                    align_self: AlignSelf::Start,
                    ..default()
                },
                BackgroundColor(BUTTON),
                children![text(t(lang, Key::SignButton), 16.0, INK)],
            ),
        ],
    ));
}

/// The board over the ceremony room's stage screen while the signing is open.
#[allow(clippy::type_complexity)]
fn show_board(
    net: Res<Net>,
    args: Res<ClientArgs>,
    drawn: Res<DrawnHall>,
    mut signing: ResMut<Signing>,
    mut back: Query<(&mut Sprite, &mut Transform, &mut Visibility), With<BoardBack>>,
    mut board: Query<
        (&mut Text2d, &mut Transform, &mut Visibility),
        (With<BoardText>, Without<BoardBack>, Without<ApplauseText>),
    >,
    mut applause: Query<
        (&mut Text2d, &mut Transform, &mut Visibility),
        (With<ApplauseText>, Without<BoardBack>, Without<BoardText>),
    >,
) {
    let lang = args.lang;
    let session = net.session.as_ref();
    let view = session.and_then(|s| s.ceremony.view.as_ref()).filter(|c| {
        session
            .and_then(|s| s.me.as_ref())
            .is_some_and(|m| m.hall == c.hall)
    });
    let g = view.and_then(|c| c.signing.as_ref());
    // Where: a big screen hung over the room's first slide screen (else over the stage),
    // above the people on the stage and their names.
    let top = drawn.map.as_ref().and_then(|m| {
        m.slide_screens
            .first()
            .map(|s| s.rect)
            .or_else(|| m.spotlights.first().map(|s| s.rect))
            .map(|r| to_world(madang_shared::Vec2::new(r.center().x, r.y)))
    });
    let shown = g.is_some() && top.is_some();
    let mut lines = Vec::new();
    if let Some(g) = g {
        let count = g.signed.len();
        if signing.seen.is_some_and(|seen| count > seen)
            && let Some(last) = g.signed.last()
        {
            signing.applause = Some((i18n::applause_for(lang, &last.organization), Instant::now()));
        }
        signing.seen = Some(count);
        lines.push(
            if lang == madang_shared::map::Lang::En && !g.title_en.is_empty() {
                g.title_en.clone()
            } else {
                g.title.clone()
            },
        );
        lines.push(i18n::signed_count(lang, count, g.organizations.len()));
        let mut rows: Vec<String> = g
            .signed
            .iter()
            .map(|s| format!("● {}", i18n::signed_by(lang, &s.organization, &s.name)))
            .collect();
        if let Some(o) = g.at_desk.and_then(|i| g.organizations.get(i as usize)) {
            rows.push(format!("▶ {}", i18n::signing_now(lang, o)));
        }
        let waiting = g
            .organizations
            .iter()
            .enumerate()
            .filter(|(i, o)| {
                !g.signed.iter().any(|s| &s.organization == *o) && g.at_desk != Some(*i as u16)
            })
            .map(|(_, o)| format!("○ {o}"));
        rows.extend(waiting);
        // The newest signatures and who is next, when there are more than fit.
        let first_open = g.signed.len().saturating_sub(BOARD_LINES / 2);
        let rows: Vec<String> = rows
            .into_iter()
            .skip(first_open)
            .take(BOARD_LINES)
            .collect();
        lines.extend(rows);
    } else {
        signing.seen = None;
    }
    let height = 34.0 + 19.0 * lines.len() as f32;
    let at = top.unwrap_or_default() + Vec2::Y * (height / 2.0 + 8.0);
    if let Ok((mut sprite, mut tf, mut vis)) = back.single_mut() {
        sprite.custom_size = Some(Vec2::new(420.0, height));
        tf.translation = at.extend(Z_BOARD);
        set_vis(&mut vis, shown);
    }
    if let Ok((mut text, mut tf, mut vis)) = board.single_mut() {
        let want = lines.join("\n");
        if text.0 != want {
            text.0 = want;
        }
        tf.translation = at.extend(Z_BOARD + 0.1);
        set_vis(&mut vis, shown);
    }
    let cheering = signing
        .applause
        .as_ref()
        .filter(|(_, when)| when.elapsed() < APPLAUSE && shown);
    if let Ok((mut text, mut tf, mut vis)) = applause.single_mut() {
        if let Some((line, _)) = cheering
            && text.0 != *line
        {
            text.0 = line.clone();
        }
        tf.translation = (at + Vec2::Y * (height / 2.0 + 6.0)).extend(Z_BOARD + 0.2);
        set_vis(&mut vis, cheering.is_some());
    }
}

fn set_vis(vis: &mut Visibility, shown: bool) {
    let want = if shown {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    if *vis != want {
        *vis = want;
    }
}

/// The relay's object over its holder, passing from hand to hand; the room is told.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn show_relay(
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut signing: ResMut<Signing>,
    mut images: ResMut<Assets<Image>>,
    own: Query<&GlobalTransform, With<OwnAvatar>>,
    remotes: Query<(&RemoteAvatar, &GlobalTransform)>,
    mut object: Query<(&mut Sprite, &mut Transform, &mut Visibility), With<RelayObject>>,
    mut news: Query<(&mut Text, &mut Node), With<RelayNews>>,
) {
    let session = net.session.as_ref();
    let me = session.and_then(|s| s.me.as_ref());
    let relay = session
        .and_then(|s| s.ceremony.view.as_ref())
        .filter(|c| me.is_some_and(|m| m.hall == c.hall))
        .and_then(|c| c.relay.as_ref());
    let place = |id: madang_shared::protocol::AvatarId| -> Option<Vec2> {
        if me.is_some_and(|m| m.id == id) {
            return own.single().ok().map(|t| t.translation().truncate());
        }
        remotes
            .iter()
            .find(|(r, _)| r.0 == id)
            .map(|(_, t)| t.translation().truncate())
    };
    if let Some(r) = relay
        && signing
            .relay_image
            .as_ref()
            .is_none_or(|(n, _)| *n != r.image)
    {
        // The picture, from the expo's assets (a name inside them, as the settings checked).
        let path = args.assets.join(&r.image);
        let inside = std::path::Path::new(&r.image)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let handle = if inside {
            super::ui::load_image(&path, &mut images)
        } else {
            Handle::default()
        };
        signing.relay_image = Some((r.image.clone(), handle));
    }
    if let Some(r) = relay
        && let (Some(from), Some(to)) = (r.from, r.holder)
        && signing.passed.is_none_or(|(p, _)| p != (from.0, to.0))
    {
        signing.passed = Some(((from.0, to.0), Instant::now()));
    }
    let holder_at = relay.and_then(|r| r.holder).and_then(place);
    let at = match (relay, signing.passed) {
        (Some(r), Some(((from, _), when))) if when.elapsed() < PASSING => {
            let from = place(madang_shared::protocol::AvatarId(from));
            match (from, holder_at) {
                (Some(a), Some(b)) => {
                    let k = when.elapsed().as_secs_f32() / PASSING.as_secs_f32();
                    // Up and over, from one hand to the other.
                    Some(a.lerp(b, k) + Vec2::Y * (40.0 * (k * std::f32::consts::PI).sin()))
                }
                _ => holder_at,
            }
            .filter(|_| r.holder.is_some())
        }
        _ => holder_at,
    };
    if let Ok((mut sprite, mut tf, mut vis)) = object.single_mut() {
        if let Some((_, handle)) = &signing.relay_image
            && sprite.image != *handle
        {
            sprite.image = handle.clone();
        }
        if let Some(at) = at {
            tf.translation = (at + Vec2::Y * 58.0).extend(120.0);
        }
        set_vis(&mut vis, at.is_some());
    }
    if let Ok((mut text, mut node)) = news.single_mut() {
        let line = relay
            .zip(signing.passed)
            .filter(|(_, (_, when))| when.elapsed() < RELAY_NEWS)
            .and_then(|(r, _)| {
                let object = if args.lang == madang_shared::map::Lang::En && !r.object_en.is_empty()
                {
                    &r.object_en
                } else {
                    &r.object
                };
                Some(i18n::relay_line(
                    args.lang,
                    object,
                    r.holder_name.as_deref()?,
                ))
            });
        set_display(&mut node, line.is_some());
        if let Some(line) = line
            && text.0 != line
        {
            text.0 = line;
        }
    }
}

/// The agreement and the Sign button for the representative at the desk.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn show_prompt(
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut signing: ResMut<Signing>,
    mut focus: ResMut<InputFocus>,
    mut prompt: Query<&mut Node, With<SignPrompt>>,
    mut agreement: Query<&mut Text, (With<SignAgreement>, Without<SignNotice>)>,
    mut notice: Query<&mut Text, (With<SignNotice>, Without<SignAgreement>)>,
    button: Query<(Entity, &mut Node), (With<SignButton>, Without<SignPrompt>)>,
) {
    let lang = args.lang;
    let Some(session) = net.session.as_ref() else {
        return;
    };
    let ask = session.ceremony.sign_request.as_ref();
    if signing
        .notice
        .as_ref()
        .is_some_and(|(_, when)| when.elapsed() > Duration::from_secs(8))
    {
        signing.notice = None;
    }
    let shown = ask.is_some() || signing.notice.is_some();
    if let Ok(mut node) = prompt.single_mut() {
        set_display(&mut node, shown);
    }
    if let Some(ask) = ask
        && let Ok(mut text) = agreement.single_mut()
    {
        let body: String = ask.text.chars().take(600).collect();
        let want = format!(
            "{}\n\n{}{}\n\n{}",
            ask.title,
            body,
            if ask.text.chars().count() > 600 {
                "…"
            } else {
                ""
            },
            i18n::sign_for(lang, &ask.organization)
        );
        if text.0 != want {
            text.0 = want;
        }
    }
    if let Ok(mut text) = notice.single_mut() {
        let want = signing
            .notice
            .as_ref()
            .map(|(n, _)| n.clone())
            .unwrap_or_default();
        if text.0 != want {
            text.0 = want;
        }
    }
    for (entity, mut node) in button {
        set_display(&mut node, ask.is_some());
        // The button takes the focus when the request comes, so Enter signs.
        if ask.is_some() && !signing.prompt_shown {
            focus.set(entity, bevy::input_focus::FocusCause::Navigated);
        }
    }
    signing.prompt_shown = ask.is_some();
}

/// The Sign button: the representative's own key signs what is shown.
fn press_sign(
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
    mut signing: ResMut<Signing>,
    pressed: Query<&Interaction, (Changed<Interaction>, With<SignButton>)>,
) {
    let lang = args.lang;
    let Some(session) = net.session.as_mut() else {
        return;
    };
    if let Some(req) = signing.asked
        && let Some(answer) = session.take_answer(req)
    {
        signing.asked = None;
        signing.notice = answer
            .err()
            .map(|why| (i18n::refusal(lang, &why), Instant::now()));
    }
    if !pressed.iter().any(|i| *i == Interaction::Pressed)
        || session.ceremony.sign_request.is_none()
    {
        return;
    }
    let key = match &args.passes {
        Some(passes) => crate::identity::signing_key(passes).map_err(|e| {
            warn!("the signing key: {e}");
            i18n::sign_failed(lang, &i18n::sign_key_trouble(lang, false))
        }),
        None => Err(i18n::sign_failed(lang, &i18n::sign_key_trouble(lang, true))),
    };
    let signed = key.and_then(|k| {
        session
            .sign(&k)
            .map_err(|e| i18n::sign_failed(lang, &i18n::sign_error(lang, &e)))
    });
    match signed {
        Ok(req) => {
            signing.asked = Some(req);
            signing.notice = None;
        }
        Err(why) => signing.notice = Some((why, Instant::now())),
    }
}
