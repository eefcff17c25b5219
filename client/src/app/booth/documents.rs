//! A booth's or kiosk's documents (casebooks): a button each in the panel, named by the PDF's
//! title once it is read; a press opens it in the reader, at the booth's own case when the
//! PDF's table of contents names the booth.

use std::path::PathBuf;

use bevy::prelude::*;

use super::panel::DocumentList;
use super::{Panel, contents};
use crate::app::base::ClientArgs;
use crate::app::hall::DrawnHall;
use crate::app::pages::Pages;
use crate::app::reader::OpenDocument;
use crate::app::ui::{BUTTON, CaptureMark, INK, text};

/// A document's button.
#[derive(Component, Debug, Clone)]
pub(super) struct DocumentButton {
    path: PathBuf,
    title: String,
    /// The page it opens at.
    page: u32,
}

/// Lists the open visit's documents (again when their titles come).
pub(super) fn list_documents(
    mut commands: Commands,
    panel: Res<Panel>,
    drawn: Res<DrawnHall>,
    args: Res<ClientArgs>,
    mut pages: ResMut<Pages>,
    list: Query<Entity, With<DocumentList>>,
    mut built: Local<Option<(Option<madang_shared::visit::Visit>, u64, usize)>>,
) {
    let docs = match (panel.open, drawn.map.as_ref()) {
        (Some(v), Some(map)) => contents(map, v, args.lang)
            .map(|c| c.documents)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let known = docs.iter().filter(|d| pages.info.contains_key(*d)).count();
    let key = (panel.open, drawn.redraws, known);
    if *built == Some(key) {
        return;
    }
    let Ok(list) = list.single() else { return };
    *built = Some(key);
    // The booth's names, to find its case in a document's contents.
    let names: Vec<String> = match (panel.open, drawn.map.as_ref()) {
        (Some(madang_shared::visit::Visit::Booth(id)), Some(map)) => map
            .booths
            .iter()
            .find(|b| b.object_id == id)
            .map(|b| vec![b.title.ko.clone(), b.title.en.clone()])
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let buttons: Vec<DocumentButton> = docs
        .iter()
        .map(|d| {
            let page = match pages.info.get(d) {
                Some(Ok(info)) => info
                    .outline
                    .iter()
                    .find(|e| names.iter().any(|n| !n.is_empty() && e.title == *n))
                    .map(|e| e.page)
                    .unwrap_or(1),
                _ => 1,
            };
            DocumentButton {
                path: d.clone(),
                title: pages.title(d),
                page,
            }
        })
        .collect();
    commands.entity(list).despawn_children();
    commands.entity(list).with_children(|l| {
        for (i, b) in buttons.into_iter().enumerate() {
            let label = b.title.clone();
            let mut e = l.spawn((
                Button,
                b,
                Node {
                    padding: UiRect::axes(px(10.0), px(5.0)),
                    ..default()
                },
                BackgroundColor(BUTTON),
                children![text(label, 14.0, INK)],
            ));
            if i == 0 {
                e.insert(CaptureMark("document"));
            }
        }
    });
}

/// A press opens the document in the reader.
pub(super) fn open_documents(
    pressed: Query<(&Interaction, &DocumentButton), Changed<Interaction>>,
    mut open: MessageWriter<OpenDocument>,
) {
    for (interaction, b) in &pressed {
        if *interaction == Interaction::Pressed {
            open.write(OpenDocument {
                path: b.path.clone(),
                title: b.title.clone(),
                page: b.page,
                follow: None,
            });
        }
    }
}
