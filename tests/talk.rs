//! Talk over real UDP: bubbles from positions, chat in its scopes, a discussion table that
//! keeps its talk and refuses a newcomer when full, the stage that reaches the whole room and
//! no other hall, a thousand reactions aggregated, chat limits and muting, and voice from a WAV
//! file heard (with its pitch) only by those in the speaker's bubble.

mod common;

use madang_shared::refusal::{Refusal, ServerNotice};
use std::time::{Duration, Instant};

use common::*;
use madang_client::session::Session;
use madang_client::voice::{FRAME, RATE, Speaker, VoiceDecoders, dominant_frequency};
use madang_shared::protocol::{ConversationKind, FloorAction, Reaction, Role};
use madang_shared::talk::ChatScope;

const WAIT: Duration = Duration::from_secs(10);

fn conversation_size(s: &Session) -> u32 {
    s.talk.conversation.as_ref().map(|c| c.total).unwrap_or(0)
}

fn heard(s: &Session, text: &str) -> bool {
    s.talk.chat.iter().any(|l| l.text == text)
}

#[test]
fn bubbles_form_from_positions_and_chat_keeps_to_its_scope() {
    let server = start_server();
    let mut a = join(&server, "가람", "hall", "plaza");
    let mut b = join(&server, "나래", "hall", "plaza");
    let mut c = join(&server, "다솜", "hall", "plaza");
    let mut d = join(&server, "멀리", "hall", "east_end");
    for s in [&mut a, &mut b, &mut c, &mut d] {
        ready(s);
    }
    let ok = pump_until(&mut [&mut a, &mut b, &mut c, &mut d], WAIT, |s| {
        s[..3].iter().all(|x| conversation_size(x) == 3)
            && s[3]
                .talk
                .conversation
                .as_ref()
                .is_some_and(|c| c.kind == ConversationKind::Alone)
    });
    assert!(
        ok,
        "the three at the plaza are one bubble; the one far away is alone"
    );
    let bubble = a.talk.conversation.clone().expect("told");
    assert_eq!(bubble.kind, ConversationKind::Bubble);
    let mut ids = vec![
        a.me.as_ref().unwrap().id,
        b.me.as_ref().unwrap().id,
        c.me.as_ref().unwrap().id,
    ];
    ids.sort();
    assert_eq!(bubble.members, ids);

    // Near: the bubble hears it; the far one does not.
    let req = a.chat(ChatScope::Near, "여기 모인 분들 안녕하세요");
    assert_eq!(answer(&mut a, req), Ok(()));
    pump_for(&mut [&mut b, &mut c, &mut d], Duration::from_millis(500));
    assert!(heard(&b, "여기 모인 분들 안녕하세요") && heard(&c, "여기 모인 분들 안녕하세요"));
    assert!(
        !heard(&d, "여기 모인 분들 안녕하세요"),
        "bubble talk left the bubble"
    );

    // Room: everyone in the hall, and it is kept for later arrivals.
    let req = a.chat(ChatScope::Room, "14시 생방송 곧 시작합니다");
    assert_eq!(answer(&mut a, req), Ok(()));
    pump_for(&mut [&mut b, &mut d], Duration::from_millis(500));
    assert!(heard(&d, "14시 생방송 곧 시작합니다"));
    let mut e = join(&server, "늦게온사람", "hall", "from_lobby");
    ready(&mut e);
    let ok = pump_until(&mut [&mut e], WAIT, |s| {
        heard(s[0], "14시 생방송 곧 시작합니다")
    });
    assert!(ok, "a later arrival is shown the room's chat");

    // Direct: one person.
    let d_id = d.me.as_ref().unwrap().id;
    let req = a.chat(ChatScope::Direct(d_id), "잠깐 이야기 가능할까요?");
    assert_eq!(answer(&mut a, req), Ok(()));
    pump_for(&mut [&mut b, &mut d], Duration::from_millis(500));
    assert!(heard(&d, "잠깐 이야기 가능할까요?") && !heard(&b, "잠깐 이야기 가능할까요?"));

    // The stage scope is refused off the stage.
    let req = a.chat(ChatScope::Stage, "무대에서 인사드립니다");
    let why = answer(&mut a, req).expect_err("refused off the stage");
    assert_eq!(why, Refusal::NotOnStage);

    // A locked bubble lets no newcomer in.
    let req = a.lock_bubble(true);
    assert_eq!(answer(&mut a, req), Ok(()));
    let mut f = join(&server, "새로온사람", "hall", "plaza");
    ready(&mut f);
    pump_for(
        &mut [&mut a, &mut b, &mut c, &mut f],
        Duration::from_secs(1),
    );
    assert_eq!(conversation_size(&a), 3, "the locked bubble kept its three");
    assert!(a.talk.conversation.as_ref().unwrap().locked);
    assert_eq!(conversation_size(&f), 1, "the newcomer stays outside");
    server.stop();
}

/// A room line needs no conversation: someone who writes in the room chat the moment they
/// are in (before the conversations are next formed, every second tick) is answered, not
/// refused as just arrived. Six newcomers one after another, each writing at once: before, one
/// whose arrival fell between two formings was refused (the chance of six passing was 1 in 64).
#[test]
fn a_newcomer_may_write_in_the_room_chat_at_once() {
    let server = start_server();
    let mut listener = join(&server, "듣는 사람", "lobby", "entrance");
    ready(&mut listener);
    for n in 1..=6 {
        let mut s = join(&server, &format!("새로 온 사람 {n}"), "lobby", "entrance");
        ready(&mut s);
        let text = format!("막 왔어요 {n}");
        let req = s.chat(ChatScope::Room, &text);
        let mut answer = None;
        assert!(
            pump_until(&mut [&mut s, &mut listener], WAIT, |ss| {
                answer = answer.take().or_else(|| ss[0].take_answer(req));
                answer.is_some() && heard(ss[1], &text)
            }) || answer.is_some(),
            "newcomer {n}: no answer"
        );
        assert_eq!(answer, Some(Ok(())), "newcomer {n}'s first line");
        assert!(heard(&listener, &text), "the room heard newcomer {n}");
        s.disconnect();
    }
}

#[test]
fn chat_limits_and_muting_give_clear_answers() {
    let server = madang_server::spawn(madang_server::Settings {
        dev_insecure: true,
        ..test_settings()
    })
    .expect("the server starts");
    let maps = maps_dir();
    let mut v = join_as(
        &server,
        &maps,
        "방문객",
        Role::Visitor,
        Some("hall"),
        Some("plaza"),
    );
    let mut o = join_as(
        &server,
        &maps,
        "운영자",
        Role::Organizer,
        Some("hall"),
        Some("east_end"),
    );
    ready(&mut v);
    ready(&mut o);
    pump_for(&mut [&mut v, &mut o], Duration::from_millis(300));

    let long = "가".repeat(501);
    let req = v.chat(ChatScope::Room, &long);
    let why = answer(&mut v, req).expect_err("too long");
    assert_eq!(why, Refusal::TooLong { max: 500 });

    // Control characters are stripped.
    let req = v.chat(ChatScope::Room, "벨\u{7}소리\u{202e}");
    assert_eq!(answer(&mut v, req), Ok(()));
    pump_for(&mut [&mut o], Duration::from_millis(300));
    assert!(heard(&o, "벨소리"), "{:?}", o.talk.chat);

    // Too fast: a burst of five, then one a second.
    let reqs: Vec<u32> = (0..8)
        .map(|i| v.chat(ChatScope::Near, &format!("{i}")))
        .collect();
    let refused = reqs
        .into_iter()
        .map(|r| answer(&mut v, r))
        .filter(|a| a.as_ref().is_err_and(|w| *w == Refusal::ChatTooFast))
        .count();
    assert!(refused >= 3, "only {refused} of 8 quick messages refused");

    // A visitor cannot mute; an organizer can, and the muted one is told and refused.
    let o_id = o.me.as_ref().unwrap().id;
    let v_id = v.me.as_ref().unwrap().id;
    let req = v.mute(o_id, true);
    assert!(answer(&mut v, req).is_err(), "a visitor mutes no one");
    let req = o.mute(v_id, true);
    assert_eq!(answer(&mut o, req), Ok(()));
    let ok = pump_until(&mut [&mut v], WAIT, |s| {
        s[0].talk.notices.contains(&ServerNotice::Muted)
    });
    assert!(ok, "the muted person is told");
    std::thread::sleep(Duration::from_secs(2));
    let req = v.chat(ChatScope::Room, "들리나요?");
    let why = answer(&mut v, req).expect_err("muted");
    assert_eq!(why, Refusal::Muted);
    server.stop();
}

#[test]
fn a_table_keeps_its_talk_and_a_full_one_refuses_at_its_edge() {
    let server = start_server();
    let mut people: Vec<Session> = (0..7)
        .map(|i| join(&server, &format!("참가자{i}"), "lobby", "entrance"))
        .collect();
    for s in people.iter_mut() {
        ready(s);
    }
    let table = people[0]
        .hall_map
        .as_ref()
        .and_then(|m| m.private_areas.iter().find(|a| a.id == "table-1").cloned())
        .expect("the lobby has table 1");
    assert_eq!(table.capacity, 6);
    let goal = (table.rect.x as i32 + 1, table.rect.y as i32 + 1);
    let goals = vec![goal; 7];
    {
        let mut refs: Vec<&mut Session> = people.iter_mut().collect();
        walk(&mut refs, &goals, Duration::from_secs(25));
    }
    let seated: Vec<usize> = (0..7)
        .filter(|&i| {
            people[i]
                .talk
                .conversation
                .as_ref()
                .is_some_and(|c| c.kind == ConversationKind::Area("table-1".into()))
        })
        .collect();
    assert_eq!(seated.len(), 6, "six fit at the table");
    let outsider = (0..7).find(|i| !seated.contains(i)).expect("one is left");
    assert!(
        people[outsider]
            .talk
            .notices
            .iter()
            .any(|n| matches!(n, ServerNotice::AreaFull { capacity: 6, .. })),
        "the one left out is told the table is full: {:?}",
        people[outsider].talk.notices
    );
    let out_pos = people[outsider].me.as_ref().unwrap().pos;
    assert!(!table.rect.contains(out_pos), "and stands outside it");
    assert!(
        madang_shared::visit::distance_to(&table.rect, out_pos) < 1.5,
        "right at its edge"
    );
    for &i in &seated {
        assert_eq!(conversation_size(&people[i]), 6);
    }

    // Talk at the table reaches the table only.
    let speaker = seated[0];
    let req = people[speaker].chat(ChatScope::Near, "오늘의 주제는 재도전입니다");
    assert_eq!(answer(&mut people[speaker], req), Ok(()));
    let mut speaker_voice = Speaker::new(tone(330.0, 10)).unwrap();
    for (seq, data) in speaker_voice.due(0.2) {
        people[speaker].send_voice(seq, data);
    }
    {
        let mut refs: Vec<&mut Session> = people.iter_mut().collect();
        pump_for(&mut refs, Duration::from_millis(800));
    }
    for &i in seated.iter().skip(1) {
        assert!(heard(&people[i], "오늘의 주제는 재도전입니다"));
        assert!(
            !people[i].talk.voice.is_empty(),
            "a table member hears the voice"
        );
    }
    assert!(!heard(&people[outsider], "오늘의 주제는 재도전입니다"));
    assert!(
        people[outsider].talk.voice.is_empty(),
        "the outsider hears nothing"
    );
    server.stop();
}

fn tone(freq: f32, frames: usize) -> Vec<Vec<f32>> {
    (0..frames)
        .map(|k| {
            (0..FRAME)
                .map(|i| {
                    let t = (k * FRAME + i) as f32 / RATE as f32;
                    0.5 * (2.0 * std::f32::consts::PI * freq * t).sin()
                })
                .collect()
        })
        .collect()
}

/// Speaks `speaker`'s frames in real time for `secs`, pumping everyone.
fn speak(speaker: &mut Speaker, who: usize, sessions: &mut [&mut Session], secs: f32) {
    let start = Instant::now();
    let mut last = Instant::now();
    while start.elapsed().as_secs_f32() < secs {
        std::thread::sleep(Duration::from_millis(10));
        let now = Instant::now();
        let dt = now - last;
        last = now;
        for (seq, data) in speaker.due(dt.as_secs_f32()) {
            sessions[who].send_voice(seq, data);
        }
        for s in sessions.iter_mut() {
            s.poll(dt);
            s.flush();
        }
    }
    pump_for(sessions, Duration::from_millis(300));
}

#[test]
fn a_voice_from_a_wav_file_is_heard_in_the_bubble_with_its_pitch_and_nowhere_else() {
    let dir = temp_data_dir();
    std::fs::create_dir_all(&dir).expect("a folder");
    let wav = dir.join("tone.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav, spec).expect("a WAV file");
    for i in 0..48_000 {
        let t = i as f32 / 48_000.0;
        let s = 0.5 * (2.0 * std::f32::consts::PI * 440.0 * t).sin();
        w.write_sample((s * 32767.0) as i16).expect("written");
    }
    w.finalize().expect("finished");

    let server = start_server();
    let mut a = join(&server, "말하는봇", "hall", "plaza");
    let mut b = join(&server, "듣는봇", "hall", "plaza");
    let mut c = join(&server, "먼봇", "hall", "east_end");
    for s in [&mut a, &mut b, &mut c] {
        ready(s);
    }
    let ok = pump_until(&mut [&mut a, &mut b, &mut c], WAIT, |s| {
        conversation_size(s[0]) == 2 && conversation_size(s[2]) == 1
    });
    assert!(ok, "the two at the plaza share a bubble");
    let mut speaker = Speaker::from_wav(&wav).expect("the WAV reads");
    speak(&mut speaker, 0, &mut [&mut a, &mut b, &mut c], 1.0);

    let a_id = a.me.as_ref().unwrap().id;
    let mut decoders = VoiceDecoders::default();
    let frames: Vec<_> = b.talk.voice.drain(..).collect();
    assert!(frames.len() >= 30, "only {} frames arrived", frames.len());
    for (from, seq, data) in frames {
        assert_eq!(from, a_id);
        decoders.push(from, seq, &data).expect("decodes");
    }
    let pcm = decoders.take(a_id, usize::MAX);
    let f = dominant_frequency(&pcm[FRAME * 5..], RATE);
    assert!((f - 440.0).abs() <= 10.0, "heard {f} Hz, spoken 440 Hz");
    assert!(
        c.talk.voice.is_empty(),
        "the bot outside the bubble hears nothing"
    );
    server.stop();
}

#[test]
fn the_stage_reaches_the_whole_room_and_no_other_hall() {
    let server = start_server();
    let mut s = join(&server, "발표자", "ceremony", "backstage");
    let mut x = join(&server, "청중1", "ceremony", "entrance");
    let mut y = join(&server, "청중2", "ceremony", "entrance");
    let mut z = join(&server, "로비사람", "lobby", "entrance");
    for p in [&mut s, &mut x, &mut y, &mut z] {
        ready(p);
    }
    let s_id = s.me.as_ref().unwrap().id;
    let ok = pump_until(&mut [&mut s, &mut x, &mut y, &mut z], WAIT, |p| {
        p[1].talk.on_stage == vec![s_id] && p[2].talk.on_stage == vec![s_id]
    });
    assert!(ok, "the room sees who is on stage");
    assert!(z.talk.on_stage.is_empty());

    let req = s.chat(ChatScope::Stage, "수상자를 발표하겠습니다");
    assert_eq!(answer(&mut s, req), Ok(()));
    let mut speaker = Speaker::new(tone(550.0, 25)).unwrap();
    speak(&mut speaker, 0, &mut [&mut s, &mut x, &mut y, &mut z], 0.5);
    for p in [&x, &y] {
        assert!(heard(p, "수상자를 발표하겠습니다"));
        assert!(
            p.talk.voice.iter().filter(|v| v.0 == s_id).count() >= 15,
            "{} hears the stage",
            p.join.name
        );
    }
    assert!(!heard(&z, "수상자를 발표하겠습니다"));
    assert!(
        z.talk.voice.is_empty(),
        "another hall hears nothing of the stage"
    );

    // Each person is told the stage in their turn: stepping off and on again reaches the whole
    // room, and whoever leaves for another hall forgets this one's stage.
    let off = walk(&mut [&mut s], &[(20, 12)], WAIT);
    assert_eq!(off, vec![true], "the speaker walks off the stage");
    let ok = pump_until(&mut [&mut s, &mut x, &mut y, &mut z], WAIT, |p| {
        p[1].talk.on_stage.is_empty() && p[2].talk.on_stage.is_empty()
    });
    assert!(ok, "the room sees the stage empty");
    let on = walk(&mut [&mut s], &[(20, 5)], WAIT);
    assert_eq!(on, vec![true], "and back on");
    let ok = pump_until(&mut [&mut s, &mut x, &mut y, &mut z], WAIT, |p| {
        p[1].talk.on_stage == vec![s_id] && p[2].talk.on_stage == vec![s_id]
    });
    assert!(ok, "the room sees the speaker on the stage again");
    walk(&mut [&mut x], &[(20, 29)], WAIT);
    let ok = pump_until(&mut [&mut s, &mut x, &mut y, &mut z], WAIT, |p| {
        p[1].hall_map.as_ref().is_some_and(|m| m.id == "lobby")
    });
    assert!(ok, "the listener goes through the portal to the lobby");
    pump_for(
        &mut [&mut s, &mut x, &mut y, &mut z],
        Duration::from_millis(500),
    );
    assert!(
        x.talk.on_stage.is_empty(),
        "the lobby has no stage: {:?}",
        x.talk.on_stage
    );
    assert_eq!(
        y.talk.on_stage,
        vec![s_id],
        "the room still sees the speaker"
    );
    server.stop();
}

#[test]
fn a_thousand_reactions_in_one_tick_reach_each_client_aggregated() {
    let server = start_server();
    let mut crowd: Vec<Session> = (0..50)
        .map(|i| join(&server, &format!("관객{i}"), "ceremony", "entrance"))
        .collect();
    {
        let mut refs: Vec<&mut Session> = crowd.iter_mut().collect();
        assert!(
            pump_until(&mut refs, Duration::from_secs(20), |s| s
                .iter()
                .all(|x| x.is_ready())),
            "the crowd arrives"
        );
    }
    for s in crowd.iter_mut() {
        for k in 0..20 {
            s.react(Reaction::ALL[k % 3]);
        }
    }
    for s in crowd.iter_mut() {
        s.flush();
    }
    {
        let mut refs: Vec<&mut Session> = crowd.iter_mut().collect();
        pump_for(&mut refs, Duration::from_secs(2));
    }
    for s in &crowd {
        let total: u64 = s.talk.reaction_totals.iter().sum();
        assert_eq!(total, 1000, "{} counted {total}", s.join.name);
        // One message a tick: the thousand arrive within a tick or two, not as 1000 messages.
        assert!(
            s.talk.reaction_messages <= 3,
            "{} got {} reaction messages",
            s.join.name,
            s.talk.reaction_messages
        );
    }
    server.stop();
}

#[test]
fn a_facilitator_gives_the_floor_in_turn_runs_the_timer_and_mutes_at_the_table() {
    let server = madang_server::spawn(madang_server::Settings {
        dev_insecure: true,
        ..test_settings()
    })
    .expect("the server starts");
    let maps = maps_dir();
    let mut f = join_as(
        &server,
        &maps,
        "진행자",
        Role::Facilitator,
        Some("lobby"),
        Some("entrance"),
    );
    let mut v = join_as(
        &server,
        &maps,
        "시민1",
        Role::Visitor,
        Some("lobby"),
        Some("entrance"),
    );
    let mut w = join_as(
        &server,
        &maps,
        "시민2",
        Role::Visitor,
        Some("lobby"),
        Some("entrance"),
    );
    for s in [&mut f, &mut v, &mut w] {
        ready(s);
    }
    // Away from any table, there is no floor to ask for.
    let req = v.floor(FloorAction::Raise);
    assert!(answer(&mut v, req).is_err());

    let table = f
        .hall_map
        .as_ref()
        .and_then(|m| m.private_areas.iter().find(|a| a.id == "table-2").cloned())
        .expect("the lobby has table 2");
    let goal = (table.rect.x as i32 + 1, table.rect.y as i32 + 1);
    walk(
        &mut [&mut f, &mut v, &mut w],
        &[goal; 3],
        Duration::from_secs(25),
    );
    for s in [&f, &v, &w] {
        assert_eq!(conversation_size(s), 3, "{} sits at the table", s.join.name);
    }
    let (v_id, w_id) = (v.me.as_ref().unwrap().id, w.me.as_ref().unwrap().id);

    let req = v.floor(FloorAction::Raise);
    assert_eq!(answer(&mut v, req), Ok(()));
    let req = w.floor(FloorAction::Raise);
    assert_eq!(answer(&mut w, req), Ok(()));
    let ok = pump_until(&mut [&mut f, &mut v, &mut w], WAIT, |s| {
        s.iter().all(|x| {
            x.talk
                .floor
                .as_ref()
                .is_some_and(|fl| fl.queue == vec![v_id, w_id])
        })
    });
    assert!(ok, "the whole table sees the queue in order");

    let req = v.floor(FloorAction::Next);
    let why = answer(&mut v, req).expect_err("a visitor gives no floor");
    assert_eq!(why, Refusal::FloorFacilitatorOnly);

    let req = f.floor(FloorAction::Next);
    assert_eq!(answer(&mut f, req), Ok(()));
    let req = f.floor(FloorAction::Timer { secs: 90 });
    assert_eq!(answer(&mut f, req), Ok(()));
    let ok = pump_until(&mut [&mut f, &mut v, &mut w], WAIT, |s| {
        s.iter().all(|x| {
            x.talk
                .floor
                .as_ref()
                .is_some_and(|fl| fl.speaker == Some(v_id) && fl.queue == vec![w_id])
                && x.floor_timer_left()
                    .is_some_and(|left| left > 80.0 && left <= 90.0)
        })
    });
    assert!(
        ok,
        "the first in the queue has the floor, and the timer runs for all"
    );

    // The facilitator mutes someone at the table: their chat is refused, with a reason.
    let req = f.mute(w_id, true);
    assert_eq!(answer(&mut f, req), Ok(()));
    std::thread::sleep(Duration::from_millis(1200));
    let req = w.chat(ChatScope::Near, "저도 한마디");
    let why = answer(&mut w, req).expect_err("muted");
    assert_eq!(why, Refusal::Muted);
    server.stop();
}
