//! "Are you sure?" before what cannot be taken back: removing someone from the expo, banning
//! them, deleting an object from the map. The feature that asks puts what it would do here;
//! the dialog shows the question in the visitor's language with "yes" and "cancel" (Enter and
//! Esc too); on "yes" the feature takes its action back ([`Confirm::take_confirmed`]) and does
//! it.

use bevy::prelude::*;
use bevy::ui::FocusPolicy;
use madang_shared::map::Lang;
use madang_shared::protocol::AvatarId;

use super::base::{ClientArgs, FrameSet};
use super::i18n::{Key, t};
use super::ui::CaptureMark;
use super::ui::{font, set_display, small_button};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Confirm>();
    app.add_systems(Startup, spawn_dialog);
    app.add_systems(Update, (answer, show_dialog).chain().in_set(FrameSet::Sync));
}

/// What waits for a "yes".
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Kick {
        who: AvatarId,
        name: String,
        reason: String,
    },
    Ban {
        who: AvatarId,
        name: String,
        reason: String,
        minutes: Option<u32>,
    },
    Delete {
        id: u32,
        what: String,
    },
    /// A link kiosk's address, to open in the browser.
    OpenLink {
        title: String,
        url: String,
    },
}

impl Pending {
    /// The question, in `lang`.
    pub fn question(&self, lang: Lang) -> String {
        match (self, lang) {
            (Pending::Kick { name, .. }, Lang::Ko) => {
                format!("{name} 님을 박람회에서 내보낼까요? 다시 들어올 수는 있습니다.")
            }
            (Pending::Kick { name, .. }, Lang::En) => {
                format!("Remove {name} from the expo? They can come back in.")
            }
            (Pending::Ban { name, minutes, .. }, Lang::Ko) => match minutes {
                Some(m) => format!("{name} 님을 {m}분 동안 차단할까요?"),
                None => format!("{name} 님을 영구히 차단할까요?"),
            },
            (Pending::Ban { name, minutes, .. }, Lang::En) => match minutes {
                Some(m) => format!("Ban {name} for {m} min?"),
                None => format!("Ban {name} for good?"),
            },
            (Pending::Delete { what, .. }, Lang::Ko) => {
                format!("지도에서 {what}을(를) 지울까요? (Ctrl+Z로 되돌릴 수 있습니다)")
            }
            (Pending::Delete { what, .. }, Lang::En) => {
                format!("Delete {what} from the map? (Ctrl+Z takes it back)")
            }
            (Pending::OpenLink { title, url }, Lang::Ko) => {
                format!("{title}: 이 주소를 브라우저에서 열까요?\n{url}")
            }
            (Pending::OpenLink { title, url }, Lang::En) => {
                format!("{title}: open this address in your browser?\n{url}")
            }
        }
    }
}

/// The question on show, and the action a "yes" gave back.
#[derive(Resource, Default)]
pub struct Confirm {
    asking: Option<Pending>,
    confirmed: Option<Pending>,
    /// Drawn for (question, language).
    drawn: Option<(Pending, Lang)>,
}

impl Confirm {
    /// Shows the question for `p` (replacing any other).
    pub fn ask(&mut self, p: Pending) {
        self.asking = Some(p);
    }

    pub fn is_open(&self) -> bool {
        self.asking.is_some()
    }

    /// The action the organizer said yes to, once; `keep` picks the kinds the caller does.
    pub fn take_confirmed(&mut self, keep: impl Fn(&Pending) -> bool) -> Option<Pending> {
        if self.confirmed.as_ref().is_some_and(keep) {
            self.confirmed.take()
        } else {
            None
        }
    }
}

#[derive(Component)]
struct DialogRoot;
#[derive(Component)]
struct Question;
#[derive(Component, Clone, Copy, PartialEq)]
enum Choice {
    Yes,
    No,
}

fn spawn_dialog(mut commands: Commands) {
    commands.spawn((
        DialogRoot,
        super::keys::FocusScope,
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(85),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100.0),
            height: percent(100.0),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.5)),
        children![(
            CaptureMark("confirm"),
            Node {
                flex_direction: FlexDirection::Column,
                row_gap: px(14.0),
                padding: UiRect::all(px(22.0)),
                max_width: px(560.0),
                ..default()
            },
            BackgroundColor(Color::srgb(0.2, 0.12, 0.12)),
            children![
                (Question, Text::new(""), font(17.0), TextColor(Color::WHITE),),
                (
                    Node {
                        flex_direction: FlexDirection::Row,
                        column_gap: px(12.0),
                        ..default()
                    },
                    children![
                        (small_button(Choice::Yes, ""), CaptureMark("confirm-yes")),
                        (small_button(Choice::No, ""), CaptureMark("confirm-no")),
                    ],
                ),
            ],
        )],
    ));
}

fn answer(
    keys: Res<ButtonInput<KeyCode>>,
    pressed: Query<(&Interaction, &Choice), Changed<Interaction>>,
    focus: Res<bevy::input_focus::InputFocus>,
    buttons: Query<(), With<Button>>,
    mut confirm: ResMut<Confirm>,
) {
    if confirm.asking.is_none() {
        return;
    }
    let mut choice = None;
    for (i, c) in &pressed {
        if *i == Interaction::Pressed {
            choice = Some(*c);
        }
    }
    // Enter on a button in focus presses that button (see `keys`); otherwise it is yes.
    let enter = keys.just_pressed(KeyCode::Enter) || keys.just_pressed(KeyCode::NumpadEnter);
    if enter && !super::keys::on_a_button(&focus, &buttons) {
        choice = Some(Choice::Yes);
    }
    if keys.just_pressed(KeyCode::Escape) {
        choice = Some(Choice::No);
    }
    match choice {
        Some(Choice::Yes) => confirm.confirmed = confirm.asking.take(),
        Some(Choice::No) => confirm.asking = None,
        None => {}
    }
}

#[allow(clippy::type_complexity)]
fn show_dialog(
    args: Res<ClientArgs>,
    mut confirm: ResMut<Confirm>,
    mut root: Query<&mut Node, With<DialogRoot>>,
    mut question: Query<&mut Text, (With<Question>, Without<Choice>)>,
    buttons: Query<(&Choice, &Children)>,
    mut labels: Query<&mut Text, Without<Question>>,
) {
    for mut node in &mut root {
        set_display(&mut node, confirm.asking.is_some());
    }
    let Some(asking) = confirm.asking.clone() else {
        confirm.drawn = None;
        return;
    };
    let want = (asking, args.lang);
    if confirm.drawn.as_ref() == Some(&want) {
        return;
    }
    let lang = args.lang;
    for mut q in &mut question {
        q.0 = want.0.question(lang);
    }
    for (choice, children) in &buttons {
        let word = match choice {
            Choice::Yes => t(lang, Key::ConfirmYes),
            Choice::No => t(lang, Key::ConfirmNo),
        };
        for child in children.iter() {
            if let Ok(mut text) = labels.get_mut(child) {
                text.0 = word.to_owned();
            }
        }
    }
    confirm.drawn = Some(want);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_names_what_it_does_in_both_languages() {
        let all = [
            Pending::Kick {
                who: AvatarId(1),
                name: "김민지".into(),
                reason: String::new(),
            },
            Pending::Ban {
                who: AvatarId(1),
                name: "김민지".into(),
                reason: String::new(),
                minutes: Some(30),
            },
            Pending::Ban {
                who: AvatarId(1),
                name: "김민지".into(),
                reason: String::new(),
                minutes: None,
            },
            Pending::Delete {
                id: 4,
                what: "부스 A".into(),
            },
            Pending::OpenLink {
                title: "안내".into(),
                url: "https://example.org/a".into(),
            },
        ];
        for p in &all {
            let (ko, en) = (p.question(Lang::Ko), p.question(Lang::En));
            assert_ne!(ko, en);
            let name = match p {
                Pending::Kick { name, .. } | Pending::Ban { name, .. } => name,
                Pending::Delete { what, .. } => what,
                Pending::OpenLink { url, .. } => url,
            };
            assert!(ko.contains(name.as_str()) && en.contains(name.as_str()));
        }
        assert!(all[1].question(Lang::En).contains("30"));
    }

    #[test]
    fn a_yes_is_taken_once_by_the_feature_it_belongs_to() {
        let mut c = Confirm::default();
        c.ask(Pending::Delete {
            id: 4,
            what: "x".into(),
        });
        c.confirmed = c.asking.take();
        let kicks = |p: &Pending| matches!(p, Pending::Kick { .. } | Pending::Ban { .. });
        assert_eq!(c.take_confirmed(kicks), None, "not the organizer panel's");
        let deletes = |p: &Pending| matches!(p, Pending::Delete { .. });
        assert!(c.take_confirmed(deletes).is_some());
        assert_eq!(c.take_confirmed(deletes), None, "once");
    }
}
