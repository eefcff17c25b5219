//! The stamp card: a counter at the top (stamps earned of all, points; K or a click opens the
//! card), a notice for each stamp the server grants, and the card itself — every tour with
//! its stamps earned and still to earn, its totals, what was given, and a button per cause to
//! give the points once they may be given.

use std::time::{Duration, Instant};

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use bevy::ui::FocusPolicy;
use madang_shared::map::Lang;
use madang_shared::protocol::TourCard;

use super::base::{ClientArgs, FrameSet, Phase};
use super::i18n::{self, Key, t};
use super::net::Net;
use super::ui::{BUTTON, CaptureMark, DIM, INK, font, set_display, text, typing};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Card>();
    app.add_systems(OnEnter(Phase::Hall), spawn_card);
    app.add_systems(
        Update,
        (toggle, pledge, show_counter, show_notice, rebuild)
            .chain()
            .in_set(FrameSet::View),
    );
}

const GOLD: Color = Color::srgb(1.0, 0.86, 0.42);
const NOTICE_SHOWN: Duration = Duration::from_secs(10);

#[derive(Resource, Default)]
struct Card {
    open: bool,
    /// The card drawn: (cards received, open, language).
    drawn: Option<(u64, bool, Lang)>,
    /// The notice showing, and since when.
    notice: Option<(String, Instant)>,
    /// A pledge sent, and a refusal to show.
    asked: Option<u32>,
    refused: Option<String>,
}

#[derive(Component)]
struct CounterButton;
#[derive(Component)]
struct CounterText;
#[derive(Component)]
struct CardPanel;
#[derive(Component)]
struct EarnedNotice;
#[derive(Component, Clone)]
struct PledgeButton {
    tour: String,
    cause: String,
}

fn spawn_card(mut commands: Commands) {
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(6),
        Node {
            position_type: PositionType::Absolute,
            left: px(150.0),
            top: px(12.0),
            flex_direction: FlexDirection::Column,
            row_gap: px(6.0),
            ..default()
        },
        children![
            (
                Button,
                CounterButton,
                CaptureMark("stamp_counter"),
                Node {
                    padding: UiRect::axes(px(10.0), px(6.0)),
                    align_self: AlignSelf::FlexStart,
                    display: Display::None,
                    ..default()
                },
                BackgroundColor(Color::srgb(0.42, 0.3, 0.12)),
                children![(text("", 15.0, INK), CounterText)],
            ),
            (
                EarnedNotice,
                CaptureMark("stamp_notice"),
                Text::new(""),
                font(15.0),
                TextColor(GOLD),
                BackgroundColor(Color::srgba(0.1, 0.08, 0.02, 0.9)),
                Node {
                    padding: UiRect::axes(px(10.0), px(5.0)),
                    display: Display::None,
                    ..default()
                },
            ),
            (
                CardPanel,
                CaptureMark("stamp_card"),
                bevy::ui_widgets::ScrollArea,
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(4.0),
                    padding: UiRect::all(px(10.0)),
                    width: px(380.0),
                    max_height: percent(75.0),
                    overflow: Overflow::scroll_y(),
                    display: Display::None,
                    ..default()
                },
                BackgroundColor(Color::srgba(0.07, 0.08, 0.11, 0.95)),
            ),
        ],
    ));
}

fn tours(net: &Net) -> &[TourCard] {
    net.session
        .as_ref()
        .map(|s| s.stamps.tours.as_slice())
        .unwrap_or_default()
}

fn toggle(
    keys: Res<ButtonInput<KeyCode>>,
    pressed: Query<&Interaction, (Changed<Interaction>, With<CounterButton>)>,
    focus: Res<InputFocus>,
    fields: Query<(), With<EditableText>>,
    net: Res<Net>,
    mut card: ResMut<Card>,
) {
    let key = keys.just_pressed(KeyCode::KeyK) && !typing(&focus, &fields);
    if (key || pressed.iter().any(|i| *i == Interaction::Pressed)) && !tours(&net).is_empty() {
        card.open = !card.open;
        card.refused = None;
    }
}

fn pledge(
    pressed: Query<(&Interaction, &PledgeButton), Changed<Interaction>>,
    args: Res<ClientArgs>,
    mut net: ResMut<Net>,
    mut card: ResMut<Card>,
) {
    let Some(session) = net.session.as_mut() else {
        return;
    };
    if let Some(req) = card.asked
        && let Some(answer) = session.take_answer(req)
    {
        card.asked = None;
        card.refused = answer.err().map(|why| i18n::refusal(args.lang, &why));
        // Drawn again with the refusal (a success comes with a new card).
        card.drawn = None;
    }
    for (i, b) in &pressed {
        if *i == Interaction::Pressed && card.asked.is_none() {
            card.asked = Some(session.pledge(&b.tour, &b.cause));
        }
    }
}

fn pick<'a>(lang: Lang, ko: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        ko
    }
}

fn show_counter(
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut button: Query<&mut Node, With<CounterButton>>,
    mut label: Query<&mut Text, With<CounterText>>,
) {
    let tours = tours(&net);
    if let Ok(mut node) = button.single_mut() {
        set_display(&mut node, !tours.is_empty());
    }
    let earned: usize = tours
        .iter()
        .map(|t| t.stamps.iter().filter(|s| s.earned).count())
        .sum();
    let total: usize = tours.iter().map(|t| t.stamps.len()).sum();
    let points: u32 = tours.iter().map(TourCard::earned_points).sum();
    let want = i18n::stamp_counter(args.lang, earned, total, points);
    if let Ok(mut text) = label.single_mut()
        && text.0 != want
    {
        text.0 = want;
    }
}

/// Each stamp the server grants is told for a few seconds.
fn show_notice(
    mut net: ResMut<Net>,
    args: Res<ClientArgs>,
    mut card: ResMut<Card>,
    mut notice: Query<(&mut Text, &mut Node), With<EarnedNotice>>,
) {
    if let Some(session) = net.session.as_mut() {
        for (tour, stamp) in std::mem::take(&mut session.stamps.earned) {
            let found = session
                .stamps
                .tours
                .iter()
                .find(|t| t.id == tour)
                .and_then(|t| t.stamps.iter().find(|s| s.id == stamp));
            if let Some(s) = found {
                let label = pick(args.lang, &s.label, &s.label_en);
                card.notice = Some((
                    i18n::stamp_earned(args.lang, label, s.points),
                    Instant::now(),
                ));
            }
        }
    }
    let line = card
        .notice
        .as_ref()
        .filter(|(_, when)| when.elapsed() < NOTICE_SHOWN && !card.open)
        .map(|(l, _)| l.clone());
    if let Ok((mut text, mut node)) = notice.single_mut() {
        set_display(&mut node, line.is_some());
        if let Some(line) = line
            && text.0 != line
        {
            text.0 = line;
        }
    }
}

/// The card, drawn again when it changes.
fn rebuild(
    mut commands: Commands,
    net: Res<Net>,
    args: Res<ClientArgs>,
    mut card: ResMut<Card>,
    mut panel: Query<(Entity, &mut Node), With<CardPanel>>,
) {
    let lang = args.lang;
    let cards = net.session.as_ref().map_or(0, |s| s.stamps.cards);
    let now = (cards, card.open, lang);
    if card.drawn == Some(now) {
        return;
    }
    card.drawn = Some(now);
    let Ok((entity, mut node)) = panel.single_mut() else {
        return;
    };
    set_display(&mut node, card.open);
    commands.entity(entity).despawn_related::<Children>();
    if !card.open {
        return;
    }
    let mut rows: Vec<Entity> = vec![
        commands
            .spawn(text(t(lang, Key::StampCardTitle), 17.0, GOLD))
            .id(),
    ];
    for tour in tours(&net) {
        let earned = tour.stamps.iter().filter(|s| s.earned).count();
        rows.push(
            commands
                .spawn(text(pick(lang, &tour.name, &tour.name_en), 16.0, INK))
                .id(),
        );
        rows.push(
            commands
                .spawn(text(
                    i18n::tour_totals(
                        lang,
                        earned,
                        tour.stamps.len(),
                        tour.earned_points(),
                        tour.pledged_points(),
                    ),
                    14.0,
                    DIM,
                ))
                .id(),
        );
        for s in &tour.stamps {
            let color = if s.earned { GOLD } else { DIM };
            rows.push(
                commands
                    .spawn(text(
                        i18n::stamp_line(
                            lang,
                            s.earned,
                            pick(lang, &s.label, &s.label_en),
                            s.points,
                        ),
                        14.0,
                        color,
                    ))
                    .id(),
            );
        }
        for (cause, points) in &tour.pledged {
            let name = tour
                .causes
                .iter()
                .find(|c| &c.id == cause)
                .map_or(cause.as_str(), |c| pick(lang, &c.name, &c.name_en));
            rows.push(
                commands
                    .spawn(text(i18n::pledged_line(lang, name, *points), 14.0, INK))
                    .id(),
            );
        }
        let can = tour.pledgeable();
        if can > 0 {
            for c in &tour.causes {
                rows.push(
                    commands
                        .spawn((
                            Button,
                            PledgeButton {
                                tour: tour.id.clone(),
                                cause: c.id.clone(),
                            },
                            CaptureMark("pledge_button"),
                            Node {
                                padding: UiRect::axes(px(10.0), px(5.0)),
                                align_self: AlignSelf::FlexStart,
                                ..default()
                            },
                            BackgroundColor(BUTTON),
                            children![text(
                                i18n::pledge_button(lang, pick(lang, &c.name, &c.name_en), can),
                                14.0,
                                INK
                            )],
                        ))
                        .id(),
                );
            }
        } else if !tour.causes.is_empty() && !tour.complete() && !tour.pledge_any_time {
            rows.push(
                commands
                    .spawn(text(i18n::pledge_after(lang), 14.0, DIM))
                    .id(),
            );
        }
    }
    if let Some(why) = &card.refused {
        rows.push(commands.spawn(text(why.clone(), 14.0, super::ui::BAD)).id());
    }
    commands.entity(entity).add_children(&rows);
}
