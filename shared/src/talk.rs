//! Who talks with whom: conversation bubbles formed from positions, and who hears a message.
//!
//! Both are pure functions of a hall's people, so the server's routing and the tests use the
//! very same code.
//!
//! - **Bubbles**: people within `reach` of each other are linked; a bubble is a group of people
//!   joined by links. A spatial grid with cells of `reach` finds the links, so the work grows
//!   with the people and their near neighbours, never with all pairs. Links are taken shortest
//!   first, and two groups merge only if together they fit `max_size` and neither is locked
//!   against the other (a locked bubble keeps its members and takes no one new).
//! - **Private areas** (discussion tables): everyone inside one area is one conversation,
//!   whatever the distance, and they take no part in bubbles.
//! - **The stage**: whoever stands on a spotlight reaches the whole hall.
//! - **Silent areas**: whoever stands in one is in a bubble of their own, whoever is near.

use std::collections::HashMap;

use glam::Vec2;
use serde::{Deserialize, Serialize};

use crate::protocol::AvatarId;

/// One person in a hall, as the grouping sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Talker {
    pub id: AvatarId,
    pub pos: Vec2,
    /// The private area (its index in the hall) they stand in.
    pub area: Option<usize>,
    /// Whether they stand on a spotlight.
    pub on_stage: bool,
    /// The lock they share with the rest of a locked bubble.
    pub lock: Option<u32>,
    /// They stand where proximity talk is off (a silent area): alone, whoever is near.
    pub silent: bool,
}

/// How bubbles form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BubbleRules {
    /// People this close (in tiles) are linked. Default 3.
    pub reach: f32,
    /// The most people in one bubble. Default 8.
    pub max_size: usize,
}

impl Default for BubbleRules {
    fn default() -> Self {
        BubbleRules {
            reach: 3.0,
            max_size: 8,
        }
    }
}

/// Union-find over indices, with group sizes.
struct Groups {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl Groups {
    fn new(n: usize) -> Self {
        Groups {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
}

/// The bubbles of a hall: groups of indices into `people`, each sorted, in order of their
/// first member. People in private areas are left out (see [`area_groups`]); everyone else is
/// in exactly one bubble, alone if nobody is near.
pub fn form_bubbles(people: &[Talker], rules: BubbleRules) -> Vec<Vec<usize>> {
    let reach = if rules.reach.is_finite() && rules.reach > 0.0 {
        rules.reach
    } else {
        BubbleRules::default().reach
    };
    let max = rules.max_size.max(1);
    // Cells of side reach/√2: two people in one cell are within reach of each other, and
    // everyone within reach of a person is in the 5×5 cells around theirs. People are kept by
    // lock and cell, since people under different locks never share a bubble: sorted so that
    // each cell's people lie together in the order they came, with a map from a cell to its
    // run, so finding a neighbouring cell costs one lookup per cell rather than per person.
    let side = reach / std::f32::consts::SQRT_2;
    let cell = |p: Vec2| ((p.x / side).floor() as i32, (p.y / side).floor() as i32);
    let mut sorted: Vec<(CellKey, usize)> = people
        .iter()
        .enumerate()
        .filter(|(_, t)| t.area.is_none() && !t.silent)
        .map(|(i, t)| ((t.lock, cell(t.pos)), i))
        .collect();
    sorted.sort_unstable();
    let mut groups = Groups::new(people.len());
    // A crowd packed into one cell (a thousand people on one tile) is cut into full bubbles at
    // once, in the order they came: they are all within reach of each other, and a full bubble
    // takes no one more, so only the rest (fewer than `max`) is linked one by one. Linking them
    // all would make n² links.
    let dense = 4 * max;
    let mut runs: Vec<(CellKey, usize, usize)> = Vec::new();
    let mut start = 0;
    while start < sorted.len() {
        let key = sorted[start].0;
        let end = start
            + sorted[start..]
                .iter()
                .take_while(|(k, _)| *k == key)
                .count();
        let mut first = start;
        if end - start > dense {
            let full = (end - start) / max * max;
            for chunk in sorted[start..start + full].chunks(max) {
                for &(_, j) in &chunk[1..] {
                    groups.parent[j] = chunk[0].1;
                }
                groups.size[chunk[0].1] = chunk.len();
            }
            first += full;
        }
        runs.push((key, first, end));
        start = end;
    }
    let run_of: HashMap<CellKey, (usize, usize), foldhash::fast::FixedState> =
        runs.iter().map(|&(k, s, e)| (k, (s, e))).collect();
    // Links between people within reach: each pair once, from the cells around one of them;
    // at most 25 cells of at most `dense` people each, so linear in the crowd. A cell looks at
    // itself and at the half of the cells around it that come after it (the other half look at
    // it), so each pair of cells is read once.
    let mut links: Vec<(f32, usize, usize)> = Vec::new();
    for &((lock, (cx, cy)), s, e) in &runs {
        for (dx, dy) in FORWARD_CELLS {
            let Some(&(os, oe)) = run_of.get(&(lock, (cx + dx, cy + dy))) else {
                continue;
            };
            let same = (dx, dy) == (0, 0);
            for &(_, i) in &sorted[s..e] {
                let pos = people[i].pos;
                for &(_, j) in &sorted[os..oe] {
                    if same && j <= i {
                        continue;
                    }
                    let d = pos.distance(people[j].pos);
                    if d <= reach {
                        links.push((d, i.min(j), i.max(j)));
                    }
                }
            }
        }
    }
    links.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, i, j) in links {
        let (a, b) = (groups.root(i), groups.root(j));
        if a == b || groups.size[a] + groups.size[b] > max {
            continue;
        }
        let (big, small) = if groups.size[a] >= groups.size[b] {
            (a, b)
        } else {
            (b, a)
        };
        groups.parent[small] = big;
        groups.size[big] += groups.size[small];
    }
    // The bubbles in the order of their first member.
    let mut bubble_of_root = vec![usize::MAX; people.len()];
    let mut bubbles: Vec<Vec<usize>> = Vec::new();
    for (i, t) in people.iter().enumerate() {
        if t.area.is_some() {
            continue;
        }
        let r = groups.root(i);
        if bubble_of_root[r] == usize::MAX {
            bubble_of_root[r] = bubbles.len();
            bubbles.push(Vec::new());
        }
        bubbles[bubble_of_root[r]].push(i);
    }
    bubbles
}

/// A cell itself and the 12 of the 24 cells within two of it that come after it (by row, then
/// column): every pair of cells within two of each other is one of these from one of them.
const FORWARD_CELLS: [(i32, i32); 13] = [
    (0, 0),
    (1, 0),
    (2, 0),
    (-2, 1),
    (-1, 1),
    (0, 1),
    (1, 1),
    (2, 1),
    (-2, 2),
    (-1, 2),
    (0, 2),
    (1, 2),
    (2, 2),
];

/// A grid cell of the bubbles, with the lock its people share (people under different locks
/// never share a bubble).
type CellKey = (Option<u32>, (i32, i32));

/// The people of each private area: `(area index, indices into people)`, by area.
pub fn area_groups(people: &[Talker]) -> Vec<(usize, Vec<usize>)> {
    let mut by_area: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, t) in people.iter().enumerate() {
        if let Some(a) = t.area {
            by_area.entry(a).or_default().push(i);
        }
    }
    by_area.into_iter().collect()
}

/// Where a chat message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChatScope {
    /// The speaker's conversation: their bubble, or their private area when in one.
    Near,
    /// Everyone in the hall (kept, and shown to later arrivals).
    Room,
    /// From the stage to the whole hall; only someone on a spotlight may.
    Stage,
    /// One person.
    Direct(AvatarId),
}

/// Why a message may not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("only someone on the stage can speak to the whole room from it")]
    NotOnStage,
    #[error("that person is not here")]
    NoSuchPerson,
}

/// The hall's conversations this tick: bubbles and areas, and who is in which.
#[derive(Debug, Clone, Default)]
pub struct Conversations {
    pub people: Vec<Talker>,
    pub bubbles: Vec<Vec<usize>>,
    pub areas: Vec<(usize, Vec<usize>)>,
    /// Index into `people` → (is an area, index into `bubbles` or `areas`).
    member_of: Vec<(bool, usize)>,
}

impl Conversations {
    pub fn form(people: Vec<Talker>, rules: BubbleRules) -> Self {
        let bubbles = form_bubbles(&people, rules);
        let areas = area_groups(&people);
        let mut member_of = vec![(false, 0); people.len()];
        for (b, members) in bubbles.iter().enumerate() {
            for &i in members {
                member_of[i] = (false, b);
            }
        }
        for (a, (_, members)) in areas.iter().enumerate() {
            for &i in members {
                member_of[i] = (true, a);
            }
        }
        Conversations {
            people,
            bubbles,
            areas,
            member_of,
        }
    }

    /// The people (indices) in the same conversation as person `i`, `i` included.
    pub fn conversation_of(&self, i: usize) -> &[usize] {
        match self.member_of[i] {
            (false, b) => &self.bubbles[b],
            (true, a) => &self.areas[a].1,
        }
    }

    /// Whether person `i` speaks from the stage. A private area keeps its talk even where a
    /// map puts a spotlight inside one.
    pub fn on_stage(&self, i: usize) -> bool {
        self.people[i].on_stage && self.people[i].area.is_none()
    }

    /// Who receives a chat message from person `i` in `scope` (indices, the speaker left out).
    pub fn chat_recipients(&self, i: usize, scope: ChatScope) -> Result<Vec<usize>, RouteError> {
        let all_but = |i: usize| (0..self.people.len()).filter(move |&j| j != i).collect();
        match scope {
            ChatScope::Near => Ok(self
                .conversation_of(i)
                .iter()
                .copied()
                .filter(|&j| j != i)
                .collect()),
            ChatScope::Room => Ok(all_but(i)),
            ChatScope::Stage if self.on_stage(i) => Ok(all_but(i)),
            ChatScope::Stage => Err(RouteError::NotOnStage),
            ChatScope::Direct(to) => self
                .people
                .iter()
                .position(|t| t.id == to && to != self.people[i].id)
                .map(|j| vec![j])
                .ok_or(RouteError::NoSuchPerson),
        }
    }

    /// Who hears person `i`'s voice: the whole hall from the stage, else their conversation.
    pub fn voice_recipients(&self, i: usize) -> Vec<usize> {
        if self.on_stage(i) {
            (0..self.people.len()).filter(|&j| j != i).collect()
        } else {
            self.conversation_of(i)
                .iter()
                .copied()
                .filter(|&j| j != i)
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(id: u32, x: f32, y: f32) -> Talker {
        Talker {
            id: AvatarId(id),
            pos: Vec2::new(x, y),
            area: None,
            on_stage: false,
            lock: None,
            silent: false,
        }
    }

    #[test]
    fn someone_in_a_silent_area_talks_with_nobody_however_near() {
        let mut quiet = at(2, 1.5, 1.0);
        quiet.silent = true;
        let people = vec![at(1, 1.0, 1.0), quiet, at(3, 2.0, 1.0)];
        let bubbles = form_bubbles(&people, BubbleRules::default());
        assert_eq!(
            bubbles,
            vec![vec![0, 2], vec![1]],
            "the two others still talk"
        );
    }

    fn ids(people: &[Talker], groups: &[Vec<usize>]) -> Vec<Vec<u32>> {
        groups
            .iter()
            .map(|g| g.iter().map(|&i| people[i].id.0).collect())
            .collect()
    }

    const RULES: BubbleRules = BubbleRules {
        reach: 3.0,
        max_size: 4,
    };

    #[test]
    fn people_near_each_other_form_one_bubble_and_a_loner_stays_alone() {
        let p = vec![
            at(1, 0.0, 0.0),
            at(2, 2.0, 0.0),
            at(3, 20.0, 0.0),
            at(4, 2.0, 2.5),
        ];
        assert_eq!(
            ids(&p, &form_bubbles(&p, RULES)),
            vec![vec![1, 2, 4], vec![3]]
        );
    }

    #[test]
    fn bubbles_merge_when_people_come_together_and_split_when_they_part() {
        let mut p = vec![
            at(1, 0.0, 0.0),
            at(2, 2.0, 0.0),
            at(3, 10.0, 0.0),
            at(4, 12.0, 0.0),
        ];
        assert_eq!(form_bubbles(&p, RULES).len(), 2);
        // 3 walks over to 2: a chain 1–2–3–4? 4 is still 4 away from 3.
        p[2].pos = Vec2::new(4.5, 0.0);
        assert_eq!(
            ids(&p, &form_bubbles(&p, RULES)),
            vec![vec![1, 2, 3], vec![4]]
        );
        p[3].pos = Vec2::new(7.0, 0.0);
        assert_eq!(ids(&p, &form_bubbles(&p, RULES)), vec![vec![1, 2, 3, 4]]);
        // 1 walks away: the others stay together.
        p[0].pos = Vec2::new(-10.0, 0.0);
        assert_eq!(
            ids(&p, &form_bubbles(&p, RULES)),
            vec![vec![1], vec![2, 3, 4]]
        );
    }

    #[test]
    fn a_full_bubble_takes_no_one_more() {
        let p: Vec<Talker> = (0..6).map(|i| at(i, i as f32 * 0.5, 0.0)).collect();
        let groups = form_bubbles(&p, RULES);
        assert!(groups.iter().all(|g| g.len() <= 4), "{groups:?}");
        assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), 6);
    }

    #[test]
    fn a_crowd_on_one_tile_fills_bubbles_without_linking_everyone_to_everyone() {
        // 5,001 people on one tile: 1,250 full bubbles and one of one. Linking every pair would
        // be 12.5 million links; the crowd is cut into bubbles instead.
        let p: Vec<Talker> = (0..5001)
            .map(|i| at(i, 10.0 + (i % 7) as f32 * 0.01, 10.0))
            .collect();
        let groups = form_bubbles(&p, RULES);
        assert_eq!(groups.len(), 1251);
        assert_eq!(groups.iter().filter(|g| g.len() == 4).count(), 1250);
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..5001).collect::<Vec<_>>(), "everyone once");
    }

    #[test]
    fn a_locked_bubble_keeps_its_members_and_lets_no_one_in() {
        let mut p = vec![at(1, 0.0, 0.0), at(2, 2.0, 0.0), at(3, 3.0, 1.0)];
        p[0].lock = Some(7);
        p[1].lock = Some(7);
        assert_eq!(ids(&p, &form_bubbles(&p, RULES)), vec![vec![1, 2], vec![3]]);
    }

    #[test]
    fn a_table_is_one_conversation_whatever_the_distance_and_keeps_its_talk() {
        let mut p = vec![
            at(1, 0.0, 0.0),
            at(2, 4.5, 0.0),
            at(3, 5.0, 0.5),
            at(4, 30.0, 0.0),
        ];
        p[0].area = Some(0);
        p[1].area = Some(0);
        let c = Conversations::form(p.clone(), RULES);
        assert_eq!(c.conversation_of(0), &[0, 1]);
        // 3 stands next to 2 but outside the table: hears nothing of it.
        assert_eq!(c.chat_recipients(1, ChatScope::Near), Ok(vec![0]));
        assert_eq!(c.voice_recipients(1), vec![0]);
        assert_eq!(c.voice_recipients(2), Vec::<usize>::new());
    }

    #[test]
    fn the_stage_reaches_the_whole_room_and_only_from_the_stage() {
        let mut p = vec![at(1, 0.0, 0.0), at(2, 30.0, 0.0), at(3, 60.0, 0.0)];
        p[0].on_stage = true;
        let c = Conversations::form(p.clone(), RULES);
        assert_eq!(c.voice_recipients(0), vec![1, 2]);
        assert_eq!(c.chat_recipients(0, ChatScope::Stage), Ok(vec![1, 2]));
        assert_eq!(
            c.chat_recipients(1, ChatScope::Stage),
            Err(RouteError::NotOnStage)
        );
        assert_eq!(
            c.chat_recipients(1, ChatScope::Direct(AvatarId(3))),
            Ok(vec![2])
        );
        assert_eq!(
            c.chat_recipients(1, ChatScope::Direct(AvatarId(9))),
            Err(RouteError::NoSuchPerson)
        );
    }

    fn people() -> impl Strategy<Value = Vec<Talker>> {
        proptest::collection::vec(
            (
                0.0f32..30.0,
                0.0f32..30.0,
                prop::option::of(0usize..2),
                any::<bool>(),
                prop::option::of(0u32..2),
            ),
            1..60,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (x, y, area, stage, lock))| Talker {
                    id: AvatarId(i as u32 + 1),
                    pos: Vec2::new(x, y),
                    // A fifth of the people sit at a table.
                    area: area.filter(|_| i % 5 == 0),
                    on_stage: stage && i % 7 == 0,
                    lock: lock.filter(|_| i % 3 == 0),
                    silent: false,
                })
                .collect()
        })
    }

    /// Two people in one bubble are joined by a chain of neighbours within reach inside it;
    /// two people within reach in different bubbles could not be merged (too many, or a
    /// lock between them); everyone outside areas is in exactly one bubble.
    fn check_bubbles(p: &[Talker], max: usize) -> Result<(), TestCaseError> {
        let rules = BubbleRules {
            reach: 3.0,
            max_size: max,
        };
        let groups = form_bubbles(p, rules);
        let mut bubble_of = vec![None; p.len()];
        for (b, g) in groups.iter().enumerate() {
            prop_assert!(g.len() <= max);
            for &i in g {
                prop_assert!(bubble_of[i].is_none(), "in two bubbles");
                prop_assert!(p[i].area.is_none());
                bubble_of[i] = Some(b);
            }
            // Connected by links within reach, inside the bubble.
            let mut seen = vec![g[0]];
            let mut k = 0;
            while k < seen.len() {
                let i = seen[k];
                for &j in g {
                    if !seen.contains(&j) && p[i].pos.distance(p[j].pos) <= 3.0 {
                        seen.push(j);
                    }
                }
                k += 1;
            }
            prop_assert_eq!(seen.len(), g.len(), "a bubble that is not one chain");
        }
        for i in 0..p.len() {
            prop_assert_eq!(bubble_of[i].is_none(), p[i].area.is_some());
            for j in 0..p.len() {
                let (Some(a), Some(b)) = (bubble_of[i], bubble_of[j]) else {
                    continue;
                };
                if a != b && p[i].pos.distance(p[j].pos) <= 3.0 {
                    let full = groups[a].len() + groups[b].len() > max;
                    let locked = p[i].lock != p[j].lock;
                    prop_assert!(full || locked, "{} and {} were left apart", i, j);
                }
            }
        }
        Ok(())
    }

    /// People packed into a few tiles, many of them under locks: the dense path.
    fn crowd() -> impl Strategy<Value = Vec<Talker>> {
        prop::collection::vec(
            (0.0f32..4.0, 0.0f32..4.0, prop::option::of(0u32..3)),
            1..200,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (x, y, lock))| Talker {
                    id: AvatarId(i as u32 + 1),
                    pos: Vec2::new(x, y),
                    area: None,
                    on_stage: false,
                    lock: lock.filter(|_| i % 2 == 0),
                    silent: false,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn bubbles_are_chains_and_leave_no_one_out(p in people(), max in 2usize..6) {
            check_bubbles(&p, max)?;
        }

        /// The same in a dense crowd, where packed cells are cut into full bubbles at once.
        #[test]
        fn bubbles_in_a_packed_crowd_are_chains_and_leave_no_one_out(p in crowd(), max in 2usize..9) {
            check_bubbles(&p, max)?;
        }

        /// Isolation: a message or a voice frame from inside a private area never reaches
        /// anyone outside it, and bubble talk never leaves the bubble.
        #[test]
        fn talk_stays_where_it_belongs(p in people(), speaker in 0usize..60) {
            let speaker = speaker % p.len();
            let c = Conversations::form(p.clone(), RULES);
            let near = c.chat_recipients(speaker, ChatScope::Near).expect("near always routes");
            let mut voice = c.voice_recipients(speaker);
            voice.sort();
            for &j in &near {
                prop_assert!(j != speaker);
                match p[speaker].area {
                    Some(a) => prop_assert_eq!(p[j].area, Some(a), "area talk left the area"),
                    None => prop_assert!(
                        c.conversation_of(speaker).contains(&j),
                        "bubble talk left the bubble"
                    ),
                }
            }
            if !c.on_stage(speaker) {
                let mut near_sorted = near.clone();
                near_sorted.sort();
                prop_assert_eq!(voice, near_sorted, "voice goes where near chat goes");
            }
        }
    }
}
