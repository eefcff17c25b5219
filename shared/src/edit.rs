//! Editing a hall's objects in its TMX text, so that an edit made in Madang opens in Tiled with
//! the change and everything else in the file as it was: the XML is read and written back
//! event by event (quick-xml), touching only the object edited.
//!
//! Positions and sizes are in tiles here and in pixels in the file.

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use serde::{Deserialize, Serialize};

use crate::map::{Rect, TILE_PX};

/// One edit of a hall's objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MapEdit {
    /// Moves and resizes an object (tiles).
    Place {
        id: u32,
        rect: Rect,
    },
    /// Sets (or, with an empty value, removes) a custom property.
    SetProperty {
        id: u32,
        key: String,
        value: String,
    },
    /// Adds an object of a class (booth, photo_kiosk, ...) with properties.
    Add {
        class: String,
        name: String,
        rect: Rect,
        properties: Vec<(String, String)>,
    },
    Delete {
        id: u32,
    },
}

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the map's XML cannot be read: {0}")]
    Xml(String),
    #[error("there is no object {0} in this map")]
    NoObject(u32),
    #[error("the map has no object layer to add to")]
    NoObjectLayer,
    #[error("a size or position is not a number of tiles")]
    BadRect,
}

fn px(tiles: f32) -> String {
    let v = tiles * TILE_PX as f32;
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.try_get_attribute(key)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// A copy of `e` with some attributes replaced (or added), the others kept in order.
fn with_attrs(e: &BytesStart, set: &[(&str, String)]) -> BytesStart<'static> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut out = BytesStart::new(name);
    let mut done = vec![false; set.len()];
    for a in e.attributes().flatten() {
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        match set.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                out.push_attribute((key.as_str(), set[i].1.as_str()));
                done[i] = true;
            }
            None => {
                let value = a
                    .unescape_value()
                    .map(|v| v.into_owned())
                    .unwrap_or_default();
                out.push_attribute((key.as_str(), value.as_str()));
            }
        }
    }
    for (i, (k, v)) in set.iter().enumerate() {
        if !done[i] {
            out.push_attribute((*k, v.as_str()));
        }
    }
    out
}

fn property(key: &str, value: &str) -> BytesStart<'static> {
    let mut p = BytesStart::new("property");
    p.push_attribute(("name", key));
    p.push_attribute(("value", value));
    p
}

/// Applies an edit to TMX text; returns the new text and, for an added object, its id.
pub fn apply_edit(tmx: &str, edit: &MapEdit) -> Result<(String, Option<u32>), EditError> {
    let xml = |e: quick_xml::Error| EditError::Xml(e.to_string());
    if let MapEdit::Place { rect, .. } | MapEdit::Add { rect, .. } = edit
        && !(rect.x.is_finite()
            && rect.y.is_finite()
            && rect.w.is_finite()
            && rect.h.is_finite()
            && rect.w >= 0.0
            && rect.h >= 0.0)
    {
        return Err(EditError::BadRect);
    }
    let target = match edit {
        MapEdit::Place { id, .. } | MapEdit::SetProperty { id, .. } | MapEdit::Delete { id } => {
            Some(*id)
        }
        MapEdit::Add { .. } => None,
    };
    let mut reader = Reader::from_str(tmx);
    let mut writer = Writer::new(Vec::new());
    let mut found = false;
    let mut added: Option<u32> = None;
    // Inside the target object: its depth, and whether its properties were seen.
    let mut in_target = false;
    let mut skipping = 0usize;
    let mut property_done = false;
    let mut next_id: Option<u32> = None;
    loop {
        let ev = reader.read_event().map_err(xml)?;
        if skipping > 0 {
            match &ev {
                Event::Start(_) => skipping += 1,
                Event::End(_) => skipping -= 1,
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        let is_empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"map" => {
                next_id = attr(&e, "nextobjectid").and_then(|v| v.parse().ok());
                let start = match (edit, next_id) {
                    (MapEdit::Add { .. }, Some(n)) => {
                        with_attrs(&e, &[("nextobjectid", (n + 1).to_string())])
                    }
                    _ => e.into_owned(),
                };
                writer.write_event(Event::Start(start)).map_err(xml)?;
            }
            Event::Start(e) | Event::Empty(e)
                if e.name().as_ref() == b"object"
                    && target.is_some()
                    && attr(&e, "id").and_then(|v| v.parse().ok()) == target =>
            {
                found = true;
                match edit {
                    MapEdit::Delete { .. } => {
                        // A self-closing object is gone already; else skip to its end.
                        if !is_empty {
                            skipping = 1;
                        }
                    }
                    MapEdit::Place { rect, .. } => {
                        let start = with_attrs(
                            &e,
                            &[
                                ("x", px(rect.x)),
                                ("y", px(rect.y)),
                                ("width", px(rect.w)),
                                ("height", px(rect.h)),
                            ],
                        );
                        let ev = if is_empty {
                            Event::Empty(start)
                        } else {
                            Event::Start(start)
                        };
                        writer.write_event(ev).map_err(xml)?;
                    }
                    MapEdit::SetProperty { key, value, .. } => {
                        if !is_empty {
                            writer
                                .write_event(Event::Start(e.into_owned()))
                                .map_err(xml)?;
                            in_target = true;
                        } else if value.is_empty() {
                            writer
                                .write_event(Event::Empty(e.into_owned()))
                                .map_err(xml)?;
                        } else {
                            writer
                                .write_event(Event::Start(e.into_owned()))
                                .map_err(xml)?;
                            writer
                                .write_event(Event::Start(BytesStart::new("properties")))
                                .map_err(xml)?;
                            writer
                                .write_event(Event::Empty(property(key, value)))
                                .map_err(xml)?;
                            writer
                                .write_event(Event::End(BytesEnd::new("properties")))
                                .map_err(xml)?;
                            writer
                                .write_event(Event::End(BytesEnd::new("object")))
                                .map_err(xml)?;
                        }
                    }
                    MapEdit::Add { .. } => unreachable!("an addition names no object"),
                }
            }
            ev if in_target => {
                handle_in_target(ev, edit, &mut writer, &mut in_target, &mut property_done)?;
            }
            Event::End(e) if e.name().as_ref() == b"objectgroup" => {
                if let (
                    MapEdit::Add {
                        class,
                        name,
                        rect,
                        properties,
                    },
                    None,
                ) = (edit, added)
                {
                    let id = next_id.ok_or(EditError::NoObjectLayer)?;
                    let mut o = BytesStart::new("object");
                    o.push_attribute(("id", id.to_string().as_str()));
                    o.push_attribute(("name", name.as_str()));
                    o.push_attribute(("type", class.as_str()));
                    o.push_attribute(("x", px(rect.x).as_str()));
                    o.push_attribute(("y", px(rect.y).as_str()));
                    o.push_attribute(("width", px(rect.w).as_str()));
                    o.push_attribute(("height", px(rect.h).as_str()));
                    writer
                        .write_event(Event::Text(BytesText::new(" ")))
                        .map_err(xml)?;
                    writer.write_event(Event::Start(o)).map_err(xml)?;
                    writer
                        .write_event(Event::Start(BytesStart::new("properties")))
                        .map_err(xml)?;
                    for (k, v) in properties {
                        writer
                            .write_event(Event::Empty(property(k, v)))
                            .map_err(xml)?;
                    }
                    writer
                        .write_event(Event::End(BytesEnd::new("properties")))
                        .map_err(xml)?;
                    writer
                        .write_event(Event::End(BytesEnd::new("object")))
                        .map_err(xml)?;
                    writer
                        .write_event(Event::Text(BytesText::new("\n ")))
                        .map_err(xml)?;
                    added = Some(id);
                }
                writer.write_event(Event::End(e)).map_err(xml)?;
            }
            ev => writer.write_event(ev).map_err(xml)?,
        }
    }
    if let Some(id) = target
        && !found
    {
        return Err(EditError::NoObject(id));
    }
    if matches!(edit, MapEdit::Add { .. }) && added.is_none() {
        return Err(EditError::NoObjectLayer);
    }
    let text = String::from_utf8(writer.into_inner()).map_err(|e| EditError::Xml(e.to_string()))?;
    Ok((text, added))
}

/// Events inside the object whose property is set: the property's value is replaced where
/// it is, or added at the end of `<properties>` (or in a new one before `</object>`).
fn handle_in_target(
    ev: Event,
    edit: &MapEdit,
    writer: &mut Writer<Vec<u8>>,
    in_target: &mut bool,
    done: &mut bool,
) -> Result<(), EditError> {
    let xml = |e: quick_xml::Error| EditError::Xml(e.to_string());
    let MapEdit::SetProperty { key, value, .. } = edit else {
        return writer.write_event(ev).map_err(xml);
    };
    match ev {
        Event::Empty(e) | Event::Start(e)
            if e.name().as_ref() == b"property" && attr(&e, "name").as_deref() == Some(key) =>
        {
            *done = true;
            if !value.is_empty() {
                writer
                    .write_event(Event::Empty(with_attrs(&e, &[("value", value.clone())])))
                    .map_err(xml)?;
            }
        }
        Event::End(e) if e.name().as_ref() == b"properties" => {
            if !*done && !value.is_empty() {
                writer
                    .write_event(Event::Empty(property(key, value)))
                    .map_err(xml)?;
            }
            *done = true;
            writer.write_event(Event::End(e)).map_err(xml)?;
        }
        Event::End(e) if e.name().as_ref() == b"object" => {
            if !*done && !value.is_empty() {
                writer
                    .write_event(Event::Start(BytesStart::new("properties")))
                    .map_err(xml)?;
                writer
                    .write_event(Event::Empty(property(key, value)))
                    .map_err(xml)?;
                writer
                    .write_event(Event::End(BytesEnd::new("properties")))
                    .map_err(xml)?;
            }
            *done = true;
            *in_target = false;
            writer.write_event(Event::End(e)).map_err(xml)?;
        }
        ev => writer.write_event(ev).map_err(xml)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TMX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<map version="1.10" nextobjectid="4">
 <objectgroup id="3" name="objects">
  <object id="1" name="a" type="booth" x="32" y="64" width="96" height="64">
   <properties>
    <property name="title" value="가"/>
   </properties>
  </object>
  <object id="2" name="s" type="spawn" x="10" y="10"/>
  <object id="3" name="b" type="booth" x="0" y="0" width="32" height="32"/>
 </objectgroup>
</map>
"#;

    fn rect(x: f32, y: f32, w: f32, h: f32) -> Rect {
        Rect { x, y, w, h }
    }

    #[test]
    fn placing_changes_only_the_object_placed() {
        let (out, _) = apply_edit(
            TMX,
            &MapEdit::Place {
                id: 1,
                rect: rect(2.0, 3.0, 4.5, 2.0),
            },
        )
        .unwrap();
        assert!(
            out.contains(
                r#"<object id="1" name="a" type="booth" x="64" y="96" width="144" height="64">"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"<object id="2" name="s" type="spawn" x="10" y="10"/>"#));
        assert!(out.contains(r#"<property name="title" value="가"/>"#));
    }

    #[test]
    fn a_property_is_replaced_added_or_removed() {
        let set = |id, key: &str, value: &str| MapEdit::SetProperty {
            id,
            key: key.into(),
            value: value.into(),
        };
        let (out, _) = apply_edit(TMX, &set(1, "title", "나")).unwrap();
        assert!(
            out.contains(r#"<property name="title" value="나"/>"#) && !out.contains("value=\"가\""),
            "{out}"
        );
        let (out, _) = apply_edit(TMX, &set(1, "org", "소방청")).unwrap();
        assert!(
            out.contains(r#"<property name="org" value="소방청"/>"#)
                && out.contains("value=\"가\""),
            "{out}"
        );
        let (out, _) = apply_edit(TMX, &set(3, "org", "새 기관")).unwrap();
        assert!(
            out.contains(r#"<property name="org" value="새 기관"/>"#),
            "an empty object gets properties: {out}"
        );
        let (out, _) = apply_edit(TMX, &set(1, "title", "")).unwrap();
        assert!(!out.contains("name=\"title\""), "{out}");
    }

    #[test]
    fn objects_are_deleted_and_added_with_the_next_id() {
        let (out, _) = apply_edit(TMX, &MapEdit::Delete { id: 1 }).unwrap();
        assert!(
            !out.contains("id=\"1\"") && out.contains("id=\"2\""),
            "{out}"
        );
        let (out, _) = apply_edit(TMX, &MapEdit::Delete { id: 2 }).unwrap();
        assert!(!out.contains("type=\"spawn\""), "{out}");
        let (out, id) = apply_edit(
            TMX,
            &MapEdit::Add {
                class: "photo_kiosk".into(),
                name: "gallery".into(),
                rect: rect(1.0, 1.0, 2.0, 1.0),
                properties: vec![("images".into(), "a.png".into())],
            },
        )
        .unwrap();
        assert_eq!(id, Some(4));
        assert!(out.contains("nextobjectid=\"5\""), "{out}");
        assert!(out.contains(r#"<object id="4" name="gallery" type="photo_kiosk" x="32" y="32" width="64" height="32">"#), "{out}");
        assert_eq!(
            apply_edit(TMX, &MapEdit::Delete { id: 9 }),
            Err(EditError::NoObject(9))
        );
    }
}
