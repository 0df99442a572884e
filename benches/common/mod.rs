//! A small side-by-side benchmark harness, shared by the `harness = false` benches.
//!
//! Candidates run interleaved in rounds (A B C, B C A, C A B, ...), so drift from other
//! processes, frequency changes or a neighbour's compile hits all of them alike. Each
//! round times one batch per candidate with `Instant`; batches are calibrated to take a
//! few milliseconds. The report gives the median ns/iteration, the spread over rounds,
//! the ratio of medians to a baseline, and the paired per-round ratios (robust to drift,
//! since both sides of a pair ran milliseconds apart).
//!
//! `cargo bench` passes `--bench`; any other run (`cargo test --all-targets`) is a smoke
//! test: each candidate runs a few iterations, untimed.
//!
//! `BENCH_CLOCK=cpu` times with the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`,
//! user and kernel) instead of wall time: on a machine shared with parallel compiles,
//! time spent preempted then does not count, though cache and memory-bandwidth
//! contention still do. The table header says which clock ran.
//!
//! Candidates whose iterations need fresh state (a new mapping to fault in) use
//! [`Bench::case_with_setup`]: the state is made before and dropped after each
//! iteration, outside the timed span, so those candidates are timed per iteration.
//!
//! ```ignore
//! Bench::new("madvise(MADV_NORMAL), 1 page")
//!     .case("libc", || unsafe { libc_call() })
//!     .case("rawmap", || unsafe { rawmap_call() })
//!     .baseline("libc")
//!     .ratio("rawmap", "libc")
//!     .run();
//! ```

// Each bench uses the part it needs.
#![allow(dead_code)]

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What the timer reads: wall time, or the calling thread's CPU time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Clock {
    Wall,
    ThreadCpu,
}

fn clock() -> Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    *CLOCK.get_or_init(|| match std::env::var("BENCH_CLOCK").as_deref() {
        Ok("cpu") if cfg!(any(target_os = "linux", target_os = "macos")) => Clock::ThreadCpu,
        Ok("wall") | Err(_) => Clock::Wall,
        Ok(other) => panic!("BENCH_CLOCK={other:?}: use wall, or cpu on Linux and macOS"),
    })
}

/// A point in time on the clock the bench runs with (see `BENCH_CLOCK`), as the time
/// since a fixed origin: subtract two to time something outside a [`Bench`].
pub fn now() -> Duration {
    match clock() {
        Clock::Wall => {
            static ORIGIN: OnceLock<Instant> = OnceLock::new();
            ORIGIN.get_or_init(Instant::now).elapsed()
        }
        #[cfg(not(any(target_os = "linux", target_os = "macos")))]
        Clock::ThreadCpu => unreachable!("BENCH_CLOCK=cpu is refused on this platform"),
        #[cfg(any(target_os = "linux", target_os = "macos"))]
        Clock::ThreadCpu => {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `ts` is a valid timespec to write to.
            let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
            assert_eq!(r, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
            Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
        }
    }
}

/// Whether this run measures (`cargo bench`) or only smoke-tests (any other run).
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A set of named candidates measured side by side.
pub struct Bench {
    title: String,
    cases: Vec<Case>,
    baseline: Option<&'static str>,
    ratios: Vec<(&'static str, &'static str)>,
    rounds: usize,
    batch: Duration,
}

struct Case {
    name: &'static str,
    /// Bytes one iteration processes, for a GB/s column.
    bytes: Option<u64>,
    /// Runs `n` iterations and returns the time they took. The candidate's closure is
    /// monomorphised into this loop, so the only indirect call is one per batch.
    run: Box<dyn FnMut(u64) -> Duration>,
    iters: u64,
    /// ns per iteration, one sample per round.
    samples: Vec<f64>,
}

impl Bench {
    /// A bench with default settings: 41 rounds of ~3 ms batches.
    pub fn new(title: impl Into<String>) -> Self {
        Bench {
            title: title.into(),
            cases: Vec::new(),
            baseline: None,
            ratios: Vec::new(),
            rounds: 41,
            batch: Duration::from_millis(3),
        }
    }

    /// Adds a candidate; `f` is one iteration.
    pub fn case(self, name: &'static str, f: impl FnMut() + 'static) -> Self {
        self.add(name, None, f)
    }

    /// Adds a candidate that processes `bytes` per iteration (prints GB/s).
    pub fn case_bytes(self, name: &'static str, bytes: u64, f: impl FnMut() + 'static) -> Self {
        self.add(name, Some(bytes), f)
    }

    /// Adds a candidate that needs fresh state for every iteration: `setup` makes it
    /// before the timer starts and the state is dropped after the timer stops, so only
    /// `f` is timed. `bytes` as for [`case_bytes`](Self::case_bytes).
    pub fn case_with_setup<S: 'static>(
        mut self,
        name: &'static str,
        bytes: Option<u64>,
        mut setup: impl FnMut() -> S + 'static,
        mut f: impl FnMut(&mut S) + 'static,
    ) -> Self {
        let run = Box::new(move |n: u64| {
            let mut total = Duration::ZERO;
            for _ in 0..n {
                let mut state = setup();
                let t = now();
                f(&mut state);
                total += now() - t;
                drop(black_box(state));
            }
            total
        });
        self.cases.push(Case::new(name, bytes, run));
        self
    }

    fn add(
        mut self,
        name: &'static str,
        bytes: Option<u64>,
        mut f: impl FnMut() + 'static,
    ) -> Self {
        let run = Box::new(move |n: u64| {
            let t = now();
            for _ in 0..n {
                f();
            }
            now() - t
        });
        self.cases.push(Case::new(name, bytes, run));
        self
    }

    /// The candidate every other one is compared to (the "vs" column).
    pub fn baseline(mut self, name: &'static str) -> Self {
        self.baseline = Some(name);
        self
    }

    /// An extra ratio line, `a` over `b`.
    pub fn ratio(mut self, a: &'static str, b: &'static str) -> Self {
        self.ratios.push((a, b));
        self
    }

    /// Number of rounds (default 41). The environment variable `BENCH_ROUNDS`, when
    /// set, overrides it: more rounds for publishing, fewer for a quick look.
    pub fn rounds(mut self, rounds: usize) -> Self {
        self.rounds = rounds.max(1);
        self
    }

    /// Target duration of one batch (default 3 ms). Raise it for slow iterations.
    pub fn batch(mut self, batch: Duration) -> Self {
        self.batch = batch;
        self
    }

    /// Measures and prints a markdown table; returns the medians (ns/iter) by name.
    pub fn run(mut self) -> Vec<(&'static str, f64)> {
        if !measuring() {
            for c in &mut self.cases {
                (c.run)(3);
            }
            println!(
                "{}: smoke test ok (run `cargo bench` to measure)",
                self.title
            );
            return Vec::new();
        }
        if let Some(r) = std::env::var("BENCH_ROUNDS")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            self.rounds = usize::max(r, 1);
        }
        for c in &mut self.cases {
            c.iters = calibrate(&mut c.run, self.batch);
            (c.run)(c.iters); // warm-up
        }
        let n = self.cases.len();
        for round in 0..self.rounds {
            for k in 0..n {
                let c = &mut self.cases[(round + k) % n];
                let ns = (c.run)(black_box(c.iters)).as_nanos() as f64;
                c.samples.push(ns / c.iters as f64);
            }
        }
        self.print();
        self.cases
            .iter()
            .map(|c| (c.name, median(&c.samples)))
            .collect()
    }

    fn find(&self, name: &str) -> &Case {
        self.cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no case named {name:?}"))
    }

    fn print(&self) {
        let base = self.baseline.map(|b| self.find(b));
        let gbs = self.cases.iter().any(|c| c.bytes.is_some());
        println!("\n### {}\n", self.title);
        let clock = match clock() {
            Clock::Wall => "",
            Clock::ThreadCpu => " Timed in thread CPU time (BENCH_CLOCK=cpu).",
        };
        println!(
            "{} rounds, batches of ~{:?}. ns/iter: median over rounds (min..p90). \
             Ratio: of medians, [p10..p90] of the per-round ratios, and the median \
             per-round difference.{clock}\n",
            self.rounds, self.batch
        );
        let mut head = String::from("| candidate | iters/batch | ns/iter | min..p90 |");
        if let Some(b) = base {
            head += &format!(" vs {0} | per-round | Δ vs {0} |", b.name);
        }
        if gbs {
            head += " GB/s |";
        }
        println!("{head}\n|{}", "---|".repeat(head.matches('|').count() - 1));
        for c in &self.cases {
            let s = sorted(&c.samples);
            let med = median(&s);
            let (lo, hi) = (s[0], pct(&s, 0.9));
            print!("| {} | {} | {med:.1} | {lo:.1}..{hi:.1} |", c.name, c.iters);
            if let Some(b) = base {
                let (r, lo, hi, d) = compare(c, b);
                print!(" {r:.3} | {lo:.3}..{hi:.3} | {d:+.1} ns |");
            }
            if gbs {
                match c.bytes {
                    Some(bytes) => print!(" {:.2} |", bytes as f64 / med),
                    None => print!(" |"),
                }
            }
            println!();
        }
        for &(a, b) in &self.ratios {
            let (r, lo, hi, d) = compare(self.find(a), self.find(b));
            println!("\n{a} / {b}: {r:.3} (per-round {lo:.3}..{hi:.3}, Δ {d:+.1} ns)");
        }
    }
}

impl Case {
    fn new(name: &'static str, bytes: Option<u64>, run: Box<dyn FnMut(u64) -> Duration>) -> Self {
        Case {
            name,
            bytes,
            run,
            iters: 0,
            samples: Vec::new(),
        }
    }
}

/// Doubles the iteration count until one batch takes at least `target` (of timed work).
fn calibrate(run: &mut dyn FnMut(u64) -> Duration, target: Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let dt = run(n);
        if dt >= target {
            return n;
        }
        // Jump close to the target once the measurement is long enough to trust.
        if dt >= target / 4 {
            let scale = target.as_secs_f64() / dt.as_secs_f64();
            return ((n as f64 * scale).ceil() as u64).max(1);
        }
        n *= 2;
    }
}

/// `a` against `b`: ratio of medians, p10 and p90 of the per-round ratios a[i]/b[i],
/// and the median per-round difference in ns (a wrapper's few ns show up there even
/// when the ratio is within noise).
fn compare(a: &Case, b: &Case) -> (f64, f64, f64, f64) {
    let pairs = || a.samples.iter().zip(&b.samples);
    let ratios = sorted(&pairs().map(|(x, y)| x / y).collect::<Vec<_>>());
    let diffs: Vec<f64> = pairs().map(|(x, y)| x - y).collect();
    let r = median(&a.samples) / median(&b.samples);
    (r, pct(&ratios, 0.1), pct(&ratios, 0.9), median(&diffs))
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

fn median(v: &[f64]) -> f64 {
    pct(&sorted(v), 0.5)
}

/// Nearest-rank percentile of sorted data.
fn pct(s: &[f64], q: f64) -> f64 {
    s[((s.len() - 1) as f64 * q).round() as usize]
}
