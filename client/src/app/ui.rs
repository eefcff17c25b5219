//! The widgets and looks every feature shares: buttons (lit under the pointer), text fields,
//! notices, texts that follow the language ([`Tr`]), the marks the window tests find things
//! by ([`CaptureMark`]), the Hangul font, and images.

use std::path::Path;

use bevy::input_focus::InputFocus;
use bevy::prelude::*;
use bevy::text::EditableText;
use madang_shared::map::Lang;

use super::base::{ClientArgs, FrameSet};
use super::i18n;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(PreStartup, install_font);
    app.add_systems(
        Update,
        (light_up_buttons, retranslate).in_set(FrameSet::View),
    );
}

/// The smallest text drawn, in pixels at a UI scale of 100 % (the scale enlarges it).
pub const MIN_TEXT_PX: f32 = 14.0;
/// Text colours: the main one, and a dimmer one for hints.
pub const INK: Color = Color::srgb(0.93, 0.94, 0.96);
pub const DIM: Color = Color::srgb(0.68, 0.71, 0.76);
/// A button's colour at rest.
pub const BUTTON: Color = Color::srgb(0.22, 0.3, 0.45);
/// A notice's colours: all is well, and an error.
pub const GOOD: Color = Color::srgb(0.6, 1.0, 0.6);
pub const BAD: Color = Color::srgb(1.0, 0.55, 0.5);

/// The font at `px` pixels, never under [`MIN_TEXT_PX`]: every text of the window is sized
/// through here.
pub fn font(px: f32) -> TextFont {
    TextFont::from_font_size(px.max(MIN_TEXT_PX))
}

/// A text of `px` pixels in `color`.
pub fn text(s: impl Into<String>, px: f32, color: Color) -> impl Bundle {
    (Text::new(s), font(px), TextColor(color))
}

/// A text that says `Key` in the current language: rewritten when the language changes.
#[derive(Component, Clone, Copy)]
pub struct Tr(pub i18n::Key);

/// A rectangle the screenshot test checks, by name (see `capture`).
#[derive(Component)]
pub struct CaptureMark(pub &'static str);

/// Whether a text field has the keyboard: then keys are letters, not commands.
pub fn typing(focus: &InputFocus, fields: &Query<(), With<EditableText>>) -> bool {
    focus.get().is_some_and(|e| fields.contains(e))
}

/// Buttons brighten under the pointer and when pressed.
#[allow(clippy::type_complexity)]
fn light_up_buttons(
    mut buttons: Query<
        (Entity, &Interaction, &mut BackgroundColor),
        (Changed<Interaction>, With<Button>),
    >,
    mut base: Local<std::collections::HashMap<Entity, Color>>,
) {
    for (e, interaction, mut bg) in &mut buttons {
        let was = *base.entry(e).or_insert(bg.0);
        let lift = match interaction {
            Interaction::Pressed => 0.35,
            Interaction::Hovered => 0.18,
            Interaction::None => 0.0,
        };
        bg.0 = was.mix(&Color::WHITE, lift);
    }
}

/// Texts marked [`Tr`] follow a change of language (the window's title too).
fn retranslate(
    args: Res<ClientArgs>,
    mut texts: Query<(&Tr, &mut Text)>,
    mut windows: Query<&mut Window>,
    mut last: Local<Option<Lang>>,
) {
    if *last == Some(args.lang) {
        return;
    }
    *last = Some(args.lang);
    for (tr, mut text) in &mut texts {
        let want = i18n::t(args.lang, tr.0);
        if text.0 != want {
            text.0 = want.to_owned();
        }
    }
    for mut w in &mut windows {
        w.title = i18n::t(args.lang, i18n::Key::WindowTitle).into();
    }
}

/// Makes the bundled Hangul font the default for every text: without it, no Korean renders.
fn install_font(args: Res<ClientArgs>, mut fonts: ResMut<Assets<Font>>) {
    let path = args.assets.join("fonts").join("NanumGothic.ttf");
    match std::fs::read(&path) {
        Ok(bytes) => {
            if let Err(e) = fonts.insert(&Handle::<Font>::default(), Font::from_bytes(bytes)) {
                error!("cannot install the font {}: {e}", path.display());
            }
        }
        Err(e) => error!(
            "cannot read the font {} ({e}); text will not be drawn",
            path.display()
        ),
    }
}

/// Shows or hides a UI node (touching it only when that changes).
pub fn set_display(node: &mut Node, shown: bool) {
    let d = if shown { Display::Flex } else { Display::None };
    if node.display != d {
        node.display = d;
    }
}

/// A small button: its label, and what it does (`action`, a component the button's system
/// reads when it is pressed).
pub fn small_button(action: impl Bundle, label: &str) -> impl Bundle {
    (
        Button,
        action,
        Node {
            padding: UiRect::axes(px(7.0), px(3.0)),
            ..default()
        },
        BackgroundColor(BUTTON),
        children![text(label, MIN_TEXT_PX, Color::WHITE)],
    )
}

/// A one-line text field (bevy's `EditableText`, with IME for Korean), marked by `marker`.
pub fn text_field(
    marker: impl Component,
    initial: &str,
    max_chars: usize,
    font_size: f32,
) -> impl Bundle {
    (
        marker,
        bevy::text::EditableText {
            max_characters: Some(max_chars),
            ..bevy::text::EditableText::new(initial)
        },
        font(font_size),
        TextColor(INK),
        Node {
            flex_grow: 1.0,
            padding: UiRect::all(px(4.0)),
            border: UiRect::all(px(1.0)),
            ..default()
        },
        BorderColor::all(Color::srgb(0.4, 0.45, 0.55)),
        BackgroundColor(Color::srgb(0.12, 0.13, 0.17)),
    )
}

/// Shows the last answer worth telling (green) or refusal (red) in a line of text.
pub fn show_notice(text: &mut Text, color: &mut TextColor, notice: &Option<(String, bool)>) {
    let (line, error) = notice.clone().unwrap_or_default();
    if text.0 != line {
        text.0 = line;
    }
    color.0 = if error { BAD } else { GOOD };
}

/// Reads an image file into an asset; a missing or broken file gives a magenta placeholder
/// and a warning naming it, never a crash.
pub fn load_image(path: &Path, images: &mut Assets<Image>) -> Handle<Image> {
    use bevy::asset::RenderAssetUsages;
    use bevy::image::{CompressedImageFormats, ImageSampler, ImageType};
    let loaded = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            Image::from_buffer(
                &bytes,
                ImageType::Extension("png"),
                CompressedImageFormats::NONE,
                true,
                ImageSampler::nearest(),
                RenderAssetUsages::default(),
            )
            .map_err(|e| e.to_string())
        });
    match loaded {
        Ok(image) => images.add(image),
        Err(e) => {
            warn!(
                "cannot load image {}: {e}; drawing a placeholder",
                path.display()
            );
            images.add(placeholder_image())
        }
    }
}

/// An image from 8-bit sRGB RGBA rows, top first.
pub fn rgba_image(width: u32, height: u32, rgba: Vec<u8>) -> Image {
    use bevy::asset::RenderAssetUsages;
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
    Image::new(
        Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        rgba,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::default(),
    )
}

fn placeholder_image() -> Image {
    let mut data = Vec::with_capacity(32 * 32 * 4);
    for y in 0..32 {
        for x in 0..32 {
            let on = (x / 8 + y / 8) % 2 == 0;
            data.extend_from_slice(if on {
                &[255, 0, 255, 255]
            } else {
                &[40, 0, 40, 255]
            });
        }
    }
    rgba_image(32, 32, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_is_drawn_under_fourteen_pixels() {
        assert_eq!(font(11.0).font_size, bevy::text::FontSize::Px(MIN_TEXT_PX));
        assert_eq!(font(20.0).font_size, bevy::text::FontSize::Px(20.0));
    }

    /// Every text of the window is sized through [`font`] (or [`text`]), so the floor above
    /// holds everywhere: no other file sizes a font itself.
    #[test]
    fn every_text_is_sized_through_font() {
        let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
        let mut offenders = Vec::new();
        let mut dirs = vec![app];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("the app's sources are readable") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("app/ui.rs")
                {
                    let src = std::fs::read_to_string(&path).expect("a source file");
                    if src.contains("from_font_size(") || src.contains("with_font_size(") {
                        offenders.push(path.display().to_string());
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "these size a font without ui::font: {offenders:?}"
        );
    }
}
