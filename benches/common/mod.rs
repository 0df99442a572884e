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
use std::time::{Duration, Instant};

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
    /// Runs `n` iterations. The candidate's closure is monomorphised into this loop, so
    /// the only indirect call is one per batch.
    run: Box<dyn FnMut(u64)>,
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

    fn add(
        mut self,
        name: &'static str,
        bytes: Option<u64>,
        mut f: impl FnMut() + 'static,
    ) -> Self {
        let run = Box::new(move |n: u64| {
            for _ in 0..n {
                f();
            }
        });
        let (iters, samples) = (0, Vec::new());
        self.cases.push(Case {
            name,
            bytes,
            run,
            iters,
            samples,
        });
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
        if !std::env::args().any(|a| a == "--bench") {
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
                let t = Instant::now();
                (c.run)(black_box(c.iters));
                let ns = t.elapsed().as_nanos() as f64;
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
        println!(
            "{} rounds, batches of ~{:?}. ns/iter: median over rounds (min..p90). \
             Ratio: of medians, [p10..p90] of the per-round ratios, and the median \
             per-round difference.\n",
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

/// Doubles the iteration count until one batch takes at least `target`.
fn calibrate(run: &mut dyn FnMut(u64), target: Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let t = Instant::now();
        run(n);
        let dt = t.elapsed();
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
