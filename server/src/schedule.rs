//! The expo's timetable: daily items in the expo's time zone (the 14:00 broadcast, the 15:00
//! ceremony). Everyone is told what is on now and next on arrival (the window counts down);
//! an item that opens the ceremony opens it by itself at its time.

use bevy::prelude::*;
use madang_shared::protocol::{ScheduleEntry, ServerMsg, channel};
use madang_shared::video::next_daily;

use crate::net::Outbox;
use crate::screen::ServerClock;
use crate::snapshot::ViewMoved;
use crate::{ServerSet, SettingsRes};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, tell_arrivals.in_set(ServerSet::Send));
}

/// The occurrences of the timetable around `now` (Unix ms): the one on now, if any, and the
/// next of each item, soonest first.
pub fn entries(settings: &SettingsRes, now: i64) -> Vec<ScheduleEntry> {
    let offset = settings.0.utc_offset_minutes;
    let mut out: Vec<ScheduleEntry> = settings
        .0
        .schedule
        .iter()
        .filter_map(|item| {
            let minute = item.minute_of_day()?;
            let length = item.minutes as i64 * 60_000;
            // The latest start at or before now, if it is still running, else the next.
            let next = next_daily(now, offset, minute);
            let previous = next - 86_400_000;
            let starts = if previous + length > now {
                previous
            } else {
                next
            };
            Some(ScheduleEntry {
                starts,
                ends: starts + length,
                title: item.title.clone(),
                title_en: item.title_en.clone(),
                hall: item.hall.clone(),
            })
        })
        .collect();
    out.sort_by_key(|e| e.starts);
    out
}

fn tell_arrivals(
    mut views: MessageReader<ViewMoved>,
    settings: Res<SettingsRes>,
    clock: Res<ServerClock>,
    connections: Res<crate::presence::Connections>,
    mut out: Outbox,
) {
    if settings.0.schedule.is_empty() {
        views.clear();
        return;
    }
    for v in views.read().filter(|v| v.from.is_none()) {
        if let Some(who) = connections.avatars.get(&v.avatar) {
            let wall_ms = clock.wall_ms();
            out.send(
                who.client,
                channel::RELIABLE,
                &ServerMsg::Schedule {
                    entries: entries(&settings, wall_ms),
                    wall_ms,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ScheduleItem, Settings};

    fn item(time: &str, minutes: u32) -> ScheduleItem {
        ScheduleItem {
            time: time.into(),
            title: time.into(),
            title_en: String::new(),
            minutes,
            hall: None,
            opens_ceremony: false,
            screen: None,
            deck: None,
        }
    }

    #[test]
    fn what_is_on_now_and_next_in_seoul() {
        let settings = SettingsRes(Settings {
            schedule: vec![item("14:00", 60), item("15:00", 90)],
            ..Settings::default()
        });
        // 2026-11-21 05:30 UTC is 14:30 in Seoul: the broadcast is on, the ceremony next.
        let now = 1_795_239_000_000;
        let e = entries(&settings, now);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].title, "14:00");
        assert!(e[0].starts <= now && now < e[0].ends, "on now");
        assert_eq!(e[1].starts - e[0].starts, 3_600_000, "an hour later");
        // At 16:40 both are over: tomorrow's come next.
        let e = entries(&settings, now + 2 * 3_600_000 + 600_000);
        assert!(e.iter().all(|x| x.starts > now + 2 * 3_600_000), "{e:?}");
    }
}
