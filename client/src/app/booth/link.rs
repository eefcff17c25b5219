//! A link kiosk's address, opened in the visitor's browser only once they agree: the button
//! (or Enter on it) asks first, naming the address; a yes opens it (`webbrowser`: `$BROWSER`
//! where it is set, else the desktop's own), and the panel says whether that worked.

use bevy::prelude::*;

use super::Panel;
use crate::app::base::ClientArgs;
use crate::app::confirm::{Confirm, Pending};
use crate::app::i18n::{Key, t};

pub(super) fn ask_and_open(
    mut panel: ResMut<Panel>,
    mut confirm: ResMut<Confirm>,
    args: Res<ClientArgs>,
) {
    if let Some((title, url)) = panel.open_link.take() {
        confirm.ask(Pending::OpenLink { title, url });
    }
    let Some(Pending::OpenLink { url, .. }) =
        confirm.take_confirmed(|p| matches!(p, Pending::OpenLink { .. }))
    else {
        return;
    };
    match webbrowser::open(&url) {
        Ok(()) => {
            info!(%url, "opened in the browser");
            panel.tell(t(args.lang, Key::LinkOpened), false);
        }
        Err(e) => {
            warn!(%url, "cannot open the browser: {e}");
            panel.tell(t(args.lang, Key::LinkFailed), true);
        }
    }
}
