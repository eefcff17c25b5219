//! Booths: what you are told of the booths of your hall (hearts, comment counts, your heart),
//! hearts given and taken back, comments written, read a page at a time, and hidden.

use std::collections::HashMap;

use madang_shared::protocol::{BoothFact, ClientMsg, CommentView};

use super::Session;

/// What a session knows of booths.
#[derive(Debug, Default)]
pub struct Booths {
    /// What you have been told of the booths of your hall, by map object id.
    pub facts: HashMap<u32, BoothFact>,
    /// Pages of comments, by request number, until taken: the comments and whether more remain.
    pages: HashMap<u32, (Vec<CommentView>, bool)>,
}

impl Booths {
    /// Booths of `hall` came into view or changed; kept while you are in that hall (`here`).
    pub(super) fn facts_came(&mut self, here: Option<u16>, hall: u16, booths: Vec<BoothFact>) {
        if here == Some(hall) {
            self.facts.extend(booths.into_iter().map(|b| (b.booth, b)));
        }
    }

    /// A page of comments asked for with request `req`.
    pub(super) fn page_came(&mut self, req: u32, comments: Vec<CommentView>, more: bool) {
        self.pages.insert(req, (comments, more));
    }
}

impl Session {
    /// Gives (`on`) or takes back your heart for a booth of your hall. Returns the request
    /// number; [`Session::take_answer`] tells when it is saved.
    pub fn heart(&mut self, booth: u32, on: bool) -> u32 {
        self.request(|req| ClientMsg::Heart { req, booth, on })
    }

    /// Comments on a booth of your hall.
    pub fn comment(&mut self, booth: u32, text: &str) -> u32 {
        let text = text.to_owned();
        self.request(|req| ClientMsg::Comment { req, booth, text })
    }

    /// Asks for a page of a booth's comments (of your hall), newest first, older than comment
    /// `before`; [`Session::take_page`] gives it.
    pub fn read_comments(&mut self, booth: u32, before: Option<i64>) -> u32 {
        let hall = self.me.as_ref().map(|m| m.hall).unwrap_or(0);
        self.request(|req| ClientMsg::Comments {
            req,
            hall,
            booth,
            before,
        })
    }

    /// Hides (or shows again) a comment; organizers only.
    pub fn hide_comment(&mut self, id: i64, hidden: bool) -> u32 {
        self.request(|req| ClientMsg::HideComment { req, id, hidden })
    }

    /// The page of comments asked for with request `req`, once it came.
    pub fn take_page(&mut self, req: u32) -> Option<(Vec<CommentView>, bool)> {
        self.booth.pages.remove(&req)
    }
}
