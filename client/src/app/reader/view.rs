//! The reader drawn: a bar (title, page, buttons), the table of contents, the page, a status
//! line (drawing, an error, a page being typed) and the keys.

use bevy::prelude::*;
use bevy::ui::FocusPolicy;
use bevy::window::PrimaryWindow;

use super::{Fit, Reader, ReaderAction};
use crate::app::base::{ClientArgs, Phase};
use crate::app::i18n::{Key, t};
use crate::app::pages::Pages;
use crate::app::ui::{BAD, BUTTON, CaptureMark, DIM, INK, set_display, text};

#[derive(Component)]
pub(super) struct ReaderRoot;
#[derive(Component)]
pub(super) struct ReaderToc;
#[derive(Component)]
pub(super) struct ReaderPage;
#[derive(Component, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReaderText {
    Title,
    Page,
    Status,
}

const TOC_W: f32 = 280.0;
/// Pages are drawn at widths in steps of this many pixels, so a small change of the window
/// does not draw the page again.
const WIDTH_STEP: u32 = 128;
const MAX_WIDTH: u32 = 2560;

fn button(action: ReaderAction, label: &str, mark: &'static str) -> impl Bundle {
    (
        Button,
        action,
        CaptureMark(mark),
        Node {
            padding: UiRect::axes(px(12.0), px(6.0)),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            ..default()
        },
        BackgroundColor(BUTTON),
        children![text(label, 16.0, INK)],
    )
}

pub(super) fn spawn(mut commands: Commands, args: Res<ClientArgs>) {
    let lang = args.lang;
    let bar = (
        Node {
            flex_direction: FlexDirection::Row,
            align_items: AlignItems::Center,
            column_gap: px(8.0),
            ..default()
        },
        children![
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    flex_grow: 1.0,
                    flex_shrink: 1.0,
                    ..default()
                },
                children![
                    (text("", 20.0, INK), ReaderText::Title),
                    (
                        text("", 16.0, DIM),
                        ReaderText::Page,
                        CaptureMark("reader_page_number")
                    ),
                ],
            ),
            button(ReaderAction::Prev, "◀", "reader_prev"),
            button(ReaderAction::Next, "▶", "reader_next"),
            button(ReaderAction::ZoomOut, "-", "reader_zoom_out"),
            button(ReaderAction::ZoomIn, "+", "reader_zoom_in"),
            button(
                ReaderAction::FitWidth,
                t(lang, Key::DocFitWidth),
                "reader_fit"
            ),
            button(
                ReaderAction::Contents,
                t(lang, Key::DocContents),
                "reader_contents"
            ),
            button(ReaderAction::Close, t(lang, Key::Close), "reader_close"),
        ],
    );
    let body = (
        Node {
            flex_direction: FlexDirection::Row,
            flex_grow: 1.0,
            min_height: px(0.0),
            column_gap: px(12.0),
            ..default()
        },
        children![
            (
                ReaderToc,
                CaptureMark("reader_contents_list"),
                bevy::ui_widgets::ScrollArea,
                Node {
                    width: px(TOC_W),
                    flex_direction: FlexDirection::Column,
                    row_gap: px(4.0),
                    overflow: Overflow::scroll_y(),
                    display: Display::None,
                    ..default()
                },
                BackgroundColor(Color::srgb(0.1, 0.11, 0.15)),
            ),
            (
                bevy::ui_widgets::ScrollArea,
                Node {
                    flex_grow: 1.0,
                    min_width: px(0.0),
                    flex_direction: FlexDirection::Column,
                    align_items: AlignItems::Center,
                    overflow: Overflow::scroll(),
                    ..default()
                },
                children![(
                    ReaderPage,
                    CaptureMark("reader_page"),
                    ImageNode::default(),
                    Node {
                        flex_shrink: 0.0,
                        ..default()
                    },
                    BackgroundColor(Color::WHITE),
                )],
            ),
        ],
    );
    commands.spawn((
        DespawnOnExit(Phase::Hall),
        ReaderRoot,
        CaptureMark("reader"),
        Interaction::default(),
        FocusPolicy::Block,
        GlobalZIndex(25),
        Node {
            position_type: PositionType::Absolute,
            width: percent(100.0),
            height: percent(100.0),
            padding: UiRect::all(px(16.0)),
            flex_direction: FlexDirection::Column,
            row_gap: px(10.0),
            display: Display::None,
            ..default()
        },
        BackgroundColor(Color::srgb(0.06, 0.07, 0.1)),
        children![
            bar,
            body,
            (text("", 16.0, DIM), ReaderText::Status),
            text(t(lang, Key::DocKeys), 14.0, DIM),
        ],
    ));
}

/// The page's size on screen, in logical pixels, for a page of `aspect` (height / width).
fn shown_size(fit: Fit, avail: Vec2, aspect: f32) -> Vec2 {
    let whole = {
        let w = avail.x.min(avail.y / aspect);
        Vec2::new(w, w * aspect)
    };
    match fit {
        Fit::Page => whole,
        Fit::Width => Vec2::new(avail.x, avail.x * aspect),
        Fit::Scale(s) => whole * s,
    }
    .max(Vec2::splat(16.0))
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(super) fn show(
    reader: Res<Reader>,
    mut pages: ResMut<Pages>,
    args: Res<ClientArgs>,
    window: Query<&Window, With<PrimaryWindow>>,
    ui_scale: Res<UiScale>,
    images: Res<Assets<Image>>,
    mut root: Query<&mut Node, (With<ReaderRoot>, Without<ReaderPage>, Without<ReaderToc>)>,
    mut toc: Query<&mut Node, (With<ReaderToc>, Without<ReaderRoot>, Without<ReaderPage>)>,
    mut page_view: Query<
        (&mut ImageNode, &mut Node),
        (With<ReaderPage>, Without<ReaderRoot>, Without<ReaderToc>),
    >,
    mut texts: Query<(&ReaderText, &mut Text, &mut TextColor)>,
) {
    let lang = args.lang;
    if let Ok(mut node) = root.single_mut() {
        set_display(&mut node, reader.open.is_some());
    }
    let Some(open) = reader.open.clone() else {
        return;
    };
    let info = pages.info(&open.path).cloned();
    let (count, outline, failure) = match &info {
        Some(Ok(i)) => (Some(i.pages), !i.outline.is_empty(), None),
        Some(Err(e)) => (None, false, Some(e.clone())),
        None => (None, false, None),
    };
    if let Ok(mut node) = toc.single_mut() {
        set_display(&mut node, reader.toc && outline);
    }
    // Room for the page: the window, less the bar, the lines below and the contents.
    let scale = ui_scale.0.max(0.1);
    let (win, factor) = window
        .single()
        .map(|w| {
            (
                Vec2::new(w.width(), w.height()) / scale,
                w.scale_factor() * scale,
            )
        })
        .unwrap_or((Vec2::new(1280.0, 720.0), 1.0));
    let toc_w = if reader.toc && outline {
        TOC_W + 12.0
    } else {
        0.0
    };
    let avail = Vec2::new(win.x - 32.0 - toc_w - 12.0, win.y - 32.0 - 150.0).max(Vec2::splat(64.0));
    // The page's shape: from a page drawn before, else A4's.
    let aspect = pages
        .page(&open.path, open.page, WIDTH_STEP)
        .and_then(|r| r.as_ref().ok())
        .and_then(|h| images.get(h))
        .map(|i| i.height() as f32 / i.width().max(1) as f32)
        .unwrap_or(1.414);
    let size = shown_size(reader.fit, avail, aspect);
    let want = (((size.x * factor) as u32).div_ceil(WIDTH_STEP) * WIDTH_STEP).min(MAX_WIDTH);
    let drawn = pages.page(&open.path, open.page, want).cloned();
    let mut status: (String, bool) = (String::new(), false);
    if let Ok((mut image, mut node)) = page_view.single_mut() {
        match &drawn {
            Some(Ok(handle)) => {
                if image.image != *handle {
                    image.image = handle.clone();
                }
                let (w, h) = (px(size.x), px(size.y));
                if node.width != w || node.height != h {
                    node.width = w;
                    node.height = h;
                }
            }
            Some(Err(e)) => status = (format!("{}: {e}", t(lang, Key::DocFailed)), true),
            None => status = (t(lang, Key::DocDrawing).to_owned(), false),
        }
    }
    if let Some(e) = failure {
        status = (format!("{}: {e}", t(lang, Key::DocFailed)), true);
    }
    if !reader.typed.is_empty() {
        status = (
            format!("{}: {}_", t(lang, Key::DocGoTo), reader.typed),
            false,
        );
    }
    for (which, mut text, mut colour) in &mut texts {
        let want = match which {
            ReaderText::Title => open.title.clone(),
            ReaderText::Page => match count {
                Some(n) => format!("{} / {n}", open.page),
                None => format!("{}", open.page),
            },
            ReaderText::Status => status.0.clone(),
        };
        if text.0 != want {
            text.0 = want;
        }
        if *which == ReaderText::Status {
            let c = if status.1 { BAD } else { DIM };
            if colour.0 != c {
                colour.0 = c;
            }
        }
    }
}

/// The table of contents, built when a document's comes.
pub(super) fn contents(
    mut commands: Commands,
    reader: Res<Reader>,
    pages: Res<Pages>,
    list: Query<Entity, With<ReaderToc>>,
    mut built: Local<Option<std::path::PathBuf>>,
) {
    let Some(open) = &reader.open else {
        *built = None;
        return;
    };
    let Some(Ok(info)) = pages.info.get(&open.path) else {
        return;
    };
    if built.as_ref() == Some(&open.path) {
        return;
    }
    let Ok(list) = list.single() else { return };
    *built = Some(open.path.clone());
    commands.entity(list).despawn_children();
    commands.entity(list).with_children(|l| {
        for entry in &info.outline {
            l.spawn((
                Button,
                ReaderAction::Goto(entry.page),
                Node {
                    padding: UiRect {
                        left: px(8.0 + 14.0 * entry.depth as f32),
                        right: px(8.0),
                        top: px(4.0),
                        bottom: px(4.0),
                    },
                    ..default()
                },
                BackgroundColor(Color::srgb(0.14, 0.16, 0.22)),
                children![text(format!("{} · {}", entry.title, entry.page), 15.0, INK)],
            ));
        }
    });
}
