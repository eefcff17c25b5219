//! Moderation and the organizers' tools: kicks, bans and moves to the stage, reports of
//! visitors, the people online, the reports and the results report's charts, banners, and
//! editing the hall's map (the new hall comes back to everyone in it).

use std::collections::HashMap;

use madang_shared::protocol::{AvatarId, ClientMsg, ModAction, PersonRow, ReportRow};

use super::Session;

/// A list an organizer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum List {
    People(Vec<PersonRow>),
    Reports(Vec<ReportRow>),
    /// The report's charts: (file name, PNG).
    Figures(Vec<(String, Vec<u8>)>),
}

/// What a session knows of moderation.
#[derive(Debug, Default)]
pub struct Moderation {
    /// The banner up for your hall, if any.
    pub announcement: Option<String>,
    /// Lists asked for (people online, reports), by request number, until taken.
    lists: HashMap<u32, List>,
}

impl Moderation {
    /// A list asked for with request `req`.
    pub(super) fn list_came(&mut self, req: u32, list: List) {
        self.lists.insert(req, list);
    }
}

impl Session {
    /// Kicks, bans, lifts a ban, moves someone to the stage; organizers only.
    pub fn moderate(&mut self, action: ModAction) -> u32 {
        self.request(|req| ClientMsg::Moderate { req, action })
    }

    /// Reports someone to the organizers.
    pub fn report(&mut self, who: AvatarId, reason: &str) -> u32 {
        let reason = reason.to_owned();
        self.request(|req| ClientMsg::Report { req, who, reason })
    }

    /// Asks for the people online whose name holds `query`; organizers only.
    /// [`Session::take_list`] gives them.
    pub fn ask_people(&mut self, query: &str) -> u32 {
        let query = query.to_owned();
        self.request(|req| ClientMsg::People { req, query })
    }

    /// Asks for the results report's charts; organizers only.
    pub fn ask_figures(&mut self, lang: madang_shared::map::Lang) -> u32 {
        self.request(|req| ClientMsg::Figures { req, lang })
    }

    /// Asks for the reports; organizers only.
    pub fn ask_reports(&mut self) -> u32 {
        self.request(|req| ClientMsg::Reports { req })
    }

    /// Puts up (or, with `None`, takes down) a banner for a hall or the whole expo;
    /// organizers only.
    pub fn announce(&mut self, hall: Option<u16>, text: Option<&str>) -> u32 {
        let text = text.map(str::to_owned);
        self.request(|req| ClientMsg::Announce { req, hall, text })
    }

    /// The list asked for with `req`, once it came.
    pub fn take_list(&mut self, req: u32) -> Option<List> {
        self.moderation.lists.remove(&req)
    }

    /// Edits an object of your hall's map; organizers only. The new hall arrives as
    /// [`madang_shared::protocol::ServerMsg::HallUpdated`] once the server has saved and
    /// taken it.
    pub fn edit_map(&mut self, edit: madang_shared::edit::MapEdit) -> u32 {
        self.request(|req| ClientMsg::EditMap { req, edit })
    }

    /// Takes back the last edit of your hall's map; organizers only.
    pub fn undo_edit(&mut self) -> u32 {
        self.request(|req| ClientMsg::UndoEdit { req })
    }

    /// Makes your last taken-back edit again. Answered like [`Session::edit_map`].
    pub fn redo_edit(&mut self) -> u32 {
        self.request(|req| ClientMsg::RedoEdit { req })
    }

    /// A hall's map as the server reloaded it (edited, or changed on disk): taken, and drawn
    /// again if you are in it.
    pub(super) fn hall_updated(&mut self, hall: u16, tmx: &str) {
        let Some(id) = self.halls.get(hall as usize).cloned() else {
            return;
        };
        if let Some(map) = self.maps.replace(&id, tmx)
            && self.me.as_ref().is_some_and(|m| m.hall == hall)
        {
            self.hall_map = Some(map);
            self.hall_generation += 1;
        }
    }
}
