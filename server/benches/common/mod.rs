//! What the benchmarks share: the table of timings for growing crowds.

/// Prints the time per tick and per person for 250 to 4000 people, and the ratio between
/// consecutive sizes: linear work doubles when the crowd doubles, all-pairs work quadruples.
/// `run(people, hall side in tiles)` returns seconds per tick.
pub fn table(title: &str, hall_for: impl Fn(u32) -> f32, run: impl Fn(u32, f32) -> f64) {
    println!("{title}");
    println!("  people  hall (tiles)  ms/tick  µs/person  ratio to half the people");
    let mut last: Option<f64> = None;
    for people in [250, 500, 1000, 2000, 4000] {
        let hall = hall_for(people);
        let t = run(people, hall);
        let ratio = last
            .map(|l| format!("{:.2}", t / l))
            .unwrap_or_else(|| "-".into());
        println!(
            "  {people:>6}  {:>12}  {:>7.3}  {:>9.2}  {ratio}",
            format!("{hall:.0}²"),
            t * 1e3,
            t * 1e6 / people as f64
        );
        last = Some(t);
    }
}
