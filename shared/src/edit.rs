//! Editing a hall's objects in its TMX text, so that an edit made in Madang opens in Tiled with
//! the change and everything else in the file as it was: the XML is read and written back
//! event by event (quick-xml), touching only the object edited.
//!
//! Positions and sizes are in tiles here and in pixels in the file (the map's own cell size,
//! whatever it is). Infinite maps are edited in Tiled only: their tiles are counted from the
//! corner of their chunks, which an edit here would have to follow.

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use serde::{Deserialize, Serialize};

use crate::map::Rect;

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
    #[error("the map is infinite: edit it in Tiled")]
    Infinite,
}

/// The size of the map's cells in pixels, from its `<map>` element.
fn cell_size(tmx: &str) -> Result<(f32, f32), EditError> {
    let mut reader = Reader::from_str(tmx);
    loop {
        match reader
            .read_event()
            .map_err(|e| EditError::Xml(e.to_string()))?
        {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"map" => {
                if attr(&e, "infinite").as_deref() == Some("1") {
                    return Err(EditError::Infinite);
                }
                let size = |key: &str| {
                    attr(&e, key)
                        .and_then(|v| v.parse::<f32>().ok())
                        .filter(|v| v.is_finite() && *v > 0.0)
                        .ok_or_else(|| EditError::Xml(format!("the map has no {key}")))
                };
                return Ok((size("tilewidth")?, size("tileheight")?));
            }
            Event::Eof => return Err(EditError::Xml("no <map> element".into())),
            _ => {}
        }
    }
}

fn px(tiles: f32, cell: f32) -> String {
    let v = tiles * cell;
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
    let (cw, ch) = cell_size(tmx)?;
    if let MapEdit::Delete { id } = edit {
        // The element goes with the line it stood on.
        return match locate_object(tmx, *id)? {
            Some(_) => Ok((put_object(tmx, *id, None, None, None)?, None)),
            None => Err(EditError::NoObject(*id)),
        };
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
                                ("x", px(rect.x, cw)),
                                ("y", px(rect.y, ch)),
                                ("width", px(rect.w, cw)),
                                ("height", px(rect.h, ch)),
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
                    o.push_attribute(("x", px(rect.x, cw).as_str()));
                    o.push_attribute(("y", px(rect.y, ch).as_str()));
                    o.push_attribute(("width", px(rect.w, cw).as_str()));
                    o.push_attribute(("height", px(rect.h, ch).as_str()));
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

/// What one edit did to one object, kept so that its maker can take it back (or make it
/// again) without touching anything else in the file: the object's element before and after
/// (`None` where it did not exist), and the object layer it was in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: u32,
    pub layer: Option<u32>,
    /// The object that followed it in its layer.
    pub next: Option<u32>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Why a change cannot be taken back (or made again).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The object is no longer as this change left it (someone else edited it since, in
    /// Madang or in Tiled).
    #[error("object {0} was changed since")]
    ChangedSince(u32),
}

/// Where an object's element lies in TMX text: its bytes, the id of its object layer, and the
/// object after it in that layer (for putting it back where it stood).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Located {
    range: std::ops::Range<usize>,
    layer: Option<u32>,
    next: Option<u32>,
}

/// Finds object `id`'s element (`<object id="…">…</object>` or `<object …/>`).
fn locate_object(tmx: &str, id: u32) -> Result<Option<Located>, EditError> {
    let xml = |e: quick_xml::Error| EditError::Xml(e.to_string());
    let mut reader = Reader::from_str(tmx);
    let mut layer = None;
    let mut start: Option<usize> = None;
    let mut found: Option<std::ops::Range<usize>> = None;
    let mut depth = 0usize;
    let id_of = |e: &BytesStart| attr(e, "id").and_then(|v| v.parse::<u32>().ok());
    loop {
        let at = reader.buffer_position();
        let ev = reader.read_event().map_err(xml)?;
        if let Some(range) = &found {
            // After it: the next object in its layer, if any.
            let next = match ev {
                Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"object" => id_of(&e),
                Event::End(_) | Event::Eof => None,
                _ => continue,
            };
            return Ok(Some(Located {
                range: range.clone(),
                layer,
                next,
            }));
        }
        if let Some(s) = start {
            match ev {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => found = Some(s..reader.buffer_position()),
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(EditError::Xml("an object is not closed".into())),
                _ => {}
            }
            continue;
        }
        match ev {
            Event::Eof => return Ok(None),
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"objectgroup" => {
                layer = id_of(&e);
            }
            Event::Start(e) if e.name().as_ref() == b"object" && id_of(&e) == Some(id) => {
                start = Some(at);
            }
            Event::Empty(e) if e.name().as_ref() == b"object" && id_of(&e) == Some(id) => {
                found = Some(at..reader.buffer_position());
            }
            _ => {}
        }
    }
}

/// The text of object `id`'s element, if the map has it.
pub fn object_element(tmx: &str, id: u32) -> Result<Option<String>, EditError> {
    Ok(locate_object(tmx, id)?.map(|l| tmx[l.range].to_owned()))
}

/// Inserts an element at the end of object layer `layer` (or the first object layer, if that
/// one is gone).
fn insert_element(tmx: &str, layer: Option<u32>, element: &str) -> Result<String, EditError> {
    let xml = |e: quick_xml::Error| EditError::Xml(e.to_string());
    let mut reader = Reader::from_str(tmx);
    // The first object layer's closing spot, and the chosen one's: (where, self-closing).
    let mut first: Option<(std::ops::Range<usize>, bool)> = None;
    let mut chosen: Option<(std::ops::Range<usize>, bool)> = None;
    let mut open: Option<bool> = None;
    loop {
        let at = reader.buffer_position();
        let ev = reader.read_event().map_err(xml)?;
        match ev {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"objectgroup" => {
                open =
                    Some(layer.is_some() && attr(&e, "id").and_then(|v| v.parse().ok()) == layer);
            }
            Event::Empty(e) if e.name().as_ref() == b"objectgroup" => {
                let spot = (at..reader.buffer_position(), true);
                if layer.is_some() && attr(&e, "id").and_then(|v| v.parse().ok()) == layer {
                    chosen = Some(spot.clone());
                }
                first.get_or_insert(spot);
            }
            Event::End(e) if e.name().as_ref() == b"objectgroup" => {
                let spot = (at..reader.buffer_position(), false);
                if open == Some(true) {
                    chosen = Some(spot.clone());
                }
                first.get_or_insert(spot);
                open = None;
            }
            _ => {}
        }
    }
    let (range, empty) = chosen.or(first).ok_or(EditError::NoObjectLayer)?;
    Ok(if empty {
        // `<objectgroup …/>` opens to hold it.
        let tag = &tmx[range.clone()];
        let open_tag = tag.trim_end_matches("/>").trim_end();
        format!(
            "{}{open_tag}>\n  {element}\n </objectgroup>{}",
            &tmx[..range.start],
            &tmx[range.end..]
        )
    } else {
        format!(
            "{} {element}\n {}",
            &tmx[..range.start].trim_end_matches(' '),
            &tmx[range.start..]
        )
    })
}

/// Sets object `id`'s element to `element`: replaced, removed (`None`), or put back into its
/// layer where it is gone.
fn put_object(
    tmx: &str,
    id: u32,
    layer: Option<u32>,
    next: Option<u32>,
    element: Option<&str>,
) -> Result<String, EditError> {
    match (locate_object(tmx, id)?, element) {
        (Some(l), Some(e)) => Ok(format!(
            "{}{e}{}",
            &tmx[..l.range.start],
            &tmx[l.range.end..]
        )),
        (Some(l), None) => {
            // The line it stood on goes with it.
            let start = tmx[..l.range.start].trim_end_matches([' ', '\t']).len();
            let end = match tmx[l.range.end..].strip_prefix('\n') {
                Some(_) if tmx[..start].ends_with('\n') => l.range.end + 1,
                _ => l.range.end,
            };
            Ok(format!("{}{}", &tmx[..start], &tmx[end..]))
        }
        (None, Some(e)) => match next.map(|n| locate_object(tmx, n)).transpose()?.flatten() {
            // Before the object that followed it, on a line of its own with the same indent.
            Some(n) => {
                let line = tmx[..n.range.start].rfind('\n').map_or(0, |i| i + 1);
                let indent = &tmx[line..n.range.start];
                Ok(format!(
                    "{}{e}\n{indent}{}",
                    &tmx[..n.range.start],
                    &tmx[n.range.start..]
                ))
            }
            None => insert_element(tmx, layer, e),
        },
        (None, None) => Ok(tmx.to_owned()),
    }
}

/// Applies an edit and says what it changed, for taking it back later.
pub fn apply_recorded(tmx: &str, edit: &MapEdit) -> Result<(String, Change), EditError> {
    let (text, added) = apply_edit(tmx, edit)?;
    let id = match edit {
        MapEdit::Place { id, .. } | MapEdit::SetProperty { id, .. } | MapEdit::Delete { id } => *id,
        MapEdit::Add { .. } => added.ok_or(EditError::NoObjectLayer)?,
    };
    let before = locate_object(tmx, id)?;
    let after = locate_object(&text, id)?;
    let layer = before
        .as_ref()
        .and_then(|l| l.layer)
        .or(after.as_ref().and_then(|l| l.layer));
    let next = before
        .as_ref()
        .and_then(|l| l.next)
        .or(after.as_ref().and_then(|l| l.next));
    let change = Change {
        id,
        layer,
        next,
        before: before.map(|l| tmx[l.range].to_owned()),
        after: after.map(|l| text[l.range].to_owned()),
    };
    Ok((text, change))
}

impl Change {
    /// Takes the change back: the object as it was before, provided it is still as the change
    /// left it.
    pub fn undo(&self, tmx: &str) -> Result<String, ChangeError> {
        if object_element(tmx, self.id)? != self.after {
            return Err(ChangeError::ChangedSince(self.id));
        }
        Ok(put_object(
            tmx,
            self.id,
            self.layer,
            self.next,
            self.before.as_deref(),
        )?)
    }

    /// Makes the change again, provided the object is as it was before it.
    pub fn redo(&self, tmx: &str) -> Result<String, ChangeError> {
        if object_element(tmx, self.id)? != self.before {
            return Err(ChangeError::ChangedSince(self.id));
        }
        Ok(put_object(
            tmx,
            self.id,
            self.layer,
            self.next,
            self.after.as_deref(),
        )?)
    }

    /// The bytes it holds (for bounding what is kept).
    pub fn size(&self) -> usize {
        self.before.as_ref().map_or(0, String::len) + self.after.as_ref().map_or(0, String::len)
    }
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
<map version="1.10" tilewidth="32" tileheight="32" nextobjectid="4">
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
    fn positions_are_written_in_the_maps_own_cells_and_infinite_maps_are_left_to_tiled() {
        let small = TMX.replace(
            r#"tilewidth="32" tileheight="32""#,
            r#"tilewidth="16" tileheight="24""#,
        );
        let (out, _) = apply_edit(
            &small,
            &MapEdit::Place {
                id: 1,
                rect: rect(2.0, 3.0, 4.5, 2.0),
            },
        )
        .expect("placed");
        assert!(
            out.contains(r#"x="32" y="72" width="72" height="48""#),
            "16 × 24 px cells: {out}"
        );
        let infinite = TMX.replace(r#"<map version"#, r#"<map infinite="1" version"#);
        assert_eq!(
            apply_edit(&infinite, &MapEdit::Delete { id: 1 }).map(|_| ()),
            Err(EditError::Infinite)
        );
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

    #[test]
    fn each_change_is_taken_back_and_made_again_alone() {
        let place = MapEdit::Place {
            id: 1,
            rect: rect(2.0, 3.0, 3.0, 2.0),
        };
        let (a, moved) = apply_recorded(TMX, &place).unwrap();
        // Someone else renames booth 3 meanwhile.
        let (b, renamed) = apply_recorded(
            &a,
            &MapEdit::SetProperty {
                id: 3,
                key: "title".into(),
                value: "다".into(),
            },
        )
        .unwrap();
        let undone = moved.undo(&b).unwrap();
        assert!(undone.contains(r#"x="32" y="64" width="96""#), "{undone}");
        assert!(
            undone.contains(r#"value="다""#),
            "the other edit stays: {undone}"
        );
        let redone = moved.redo(&undone).unwrap();
        assert_eq!(redone, b);
        assert_eq!(renamed.undo(&moved.undo(&b).unwrap()).unwrap(), TMX);
        // Taking back a change to an object someone changed since is refused.
        assert_eq!(moved.undo(TMX), Err(ChangeError::ChangedSince(1)));
    }

    #[test]
    fn a_deleted_object_comes_back_with_its_id_in_its_layer_and_an_added_one_goes() {
        let (gone, deleted) = apply_recorded(TMX, &MapEdit::Delete { id: 1 }).unwrap();
        assert!(!gone.contains(r#"id="1""#));
        let back = deleted.undo(&gone).unwrap();
        assert!(
            back.contains(r#"<object id="1" name="a" type="booth""#),
            "{back}"
        );
        assert!(back.contains(r#"value="가""#), "{back}");
        assert_eq!(back, TMX, "where it stood");
        let (added_text, added) = apply_recorded(
            TMX,
            &MapEdit::Add {
                class: "spotlight".into(),
                name: "stage".into(),
                rect: rect(1.0, 1.0, 2.0, 2.0),
                properties: vec![],
            },
        )
        .unwrap();
        assert_eq!(added.id, 4);
        let removed = added.undo(&added_text).unwrap();
        assert!(!removed.contains(r#"id="4""#), "{removed}");
        assert_eq!(
            added.redo(&removed).unwrap().matches(r#"id="4""#).count(),
            1
        );
        // Into a layer that was emptied down to `<objectgroup …/>`.
        let empty = "<map nextobjectid=\"3\">\n <objectgroup id=\"2\" name=\"o\"/>\n</map>\n";
        let put = insert_element(empty, Some(2), "<object id=\"1\"/>").unwrap();
        assert!(
            put.contains(
                "<objectgroup id=\"2\" name=\"o\">\n  <object id=\"1\"/>\n </objectgroup>"
            ),
            "{put}"
        );
    }
}
