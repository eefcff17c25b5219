//! The microphone and speaker path through cpal and ALSA, on a machine without a sound card:
//! ALSA's `null` device stands in for both (through a private `~/.asoundrc`), so the streams
//! really open and run. `madang-client --audio-check` plays a tone and reads the microphone
//! for two seconds and says how many samples flowed each way.

use std::process::Command;

#[test]
fn audio_flows_both_ways_through_alsa() {
    let home = std::env::temp_dir().join(format!("madang-audio-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("a home folder");
    std::fs::write(
        home.join(".asoundrc"),
        "pcm.!default {\n    type plug\n    slave.pcm \"null\"\n}\n",
    )
    .expect("the ALSA configuration is written");
    let out = Command::new(env!("CARGO_BIN_EXE_madang-client"))
        .arg("--audio-check")
        .env("HOME", &home)
        .output()
        .expect("the client runs");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert!(out.status.success(), "audio did not flow: {text}");
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn without_devices_the_check_says_so_and_fails() {
    let out = Command::new(env!("CARGO_BIN_EXE_madang-client"))
        .args([
            "--audio-check",
            "--mic",
            "no such mic",
            "--speaker",
            "no such speaker",
        ])
        .output()
        .expect("the client runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("problem: microphone") && text.contains("problem: speaker"),
        "{text}"
    );
}
