//! The price of fault-safety: `Mapping::read_at` (the crate's asm copy, with the SIGBUS
//! handler installed) against `copy_from_slice` (the C library's memcpy) on the same
//! mapping, side by side: 64 KiB, 1 MiB and 16 MiB copies out of a shared mapping of a
//! memfd whose pages are all in the page cache, into a buffer that stays in place; and
//! an 8-byte `read_at` against a plain 8-byte load. On x86_64 a bare `rep movsb` runs in
//! the same rounds, for the record.
//!
//! Run with `cargo bench --bench fault_copy`; BENCHMARKS.md has the figures.

mod common;

#[cfg(target_os = "linux")]
use std::hint::black_box;
#[cfg(target_os = "linux")]
use std::time::Duration;

#[cfg(target_os = "linux")]
use common::Bench;
#[cfg(target_os = "linux")]
use rawmap::{File, MapOptions, Mapping, MemfdFlags};

#[cfg(target_os = "linux")]
const MIB: usize = 1 << 20;

/// Fault-safe copies exist on Linux only (macOS and Windows, which `cargo check
/// --all-targets` covers, copy plainly): nothing to compare there.
#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the fault_copy bench measures Linux's fault-safe copy: nothing to run here");
}

#[cfg(target_os = "linux")]
fn main() {
    let len = 16 * MIB + rawmap::page_size();
    let f = File::memfd(c"rawmap-bench", MemfdFlags::CLOEXEC).expect("memfd");
    f.set_len(len as u64).unwrap();
    // SAFETY: nothing else has the memfd; it is not resized while mapped.
    let mut m = unsafe { MapOptions::new().populate().map_mut(&f) }.expect("map");
    for (i, b) in m.iter_mut().enumerate() {
        *b = i as u8;
    }
    rawmap::fault::install().expect("install the SIGBUS handler");
    let m: &'static Mapping = Box::leak(Box::new(m));

    for (name, n) in [("64 KiB", 64 << 10), ("1 MiB", MIB), ("16 MiB", 16 * MIB)] {
        let title = format!("{name} out of a mapped memfd into a buffer");
        let bytes = n as u64;
        let batch = Duration::from_millis(if n >= MIB { 20 } else { 3 });
        // Each buffer is written by its candidate a few times before the harness
        // calibrates its batch size, so page faults and cold TLBs of the first calls
        // do not shrink the batches (one slow first call made them 1-3 iterations long).
        let mut memcpy_buf = vec![1u8; n];
        let mut read_at_buf = vec![1u8; n];
        for _ in 0..3 {
            memcpy_buf.copy_from_slice(&m[..n]);
            m.read_at(0, &mut read_at_buf).unwrap();
        }
        let bench = Bench::new(title)
            .batch(batch)
            .case_bytes("copy_from_slice (memcpy)", bytes, move || {
                memcpy_buf.copy_from_slice(&m[..n]);
                black_box(&mut memcpy_buf);
            })
            .case_bytes("read_at (fault-safe)", bytes, move || {
                m.read_at(0, &mut read_at_buf).unwrap();
                black_box(&mut read_at_buf);
            });
        #[cfg(target_arch = "x86_64")]
        let bench = {
            let mut rep_buf = vec![1u8; n];
            rep_buf.copy_from_slice(&m[..n]);
            bench.case_bytes("rep movsb", bytes, move || {
                // SAFETY: both ranges are `n` valid bytes, distinct allocations.
                unsafe {
                    core::arch::asm!(
                        "rep movsb",
                        inout("rdi") rep_buf.as_mut_ptr() => _,
                        inout("rsi") m.as_ptr() => _,
                        inout("rcx") n => _,
                        options(nostack, preserves_flags),
                    )
                };
                black_box(&mut rep_buf);
            })
        };
        bench
            .baseline("copy_from_slice (memcpy)")
            .ratio("read_at (fault-safe)", "copy_from_slice (memcpy)")
            .run();
    }

    // One 8-byte value at an offset the compiler cannot see.
    let bench = Bench::new("8 bytes at an unaligned offset")
        .case("plain load", move || {
            let off = black_box(12_345);
            // SAFETY: `off + 8` is inside the mapping, which is readable.
            let v = unsafe { m.as_ptr().add(off).cast::<u64>().read_unaligned() };
            black_box(v);
        })
        .case("read_at (fault-safe)", move || {
            let off = black_box(12_345);
            let mut v = [0u8; 8];
            m.read_at(off, &mut v).unwrap();
            black_box(v);
        });
    #[cfg(target_arch = "x86_64")]
    let bench = bench.case("rep movsb", move || {
        let off = black_box(12_345);
        let mut v = [0u8; 8];
        // SAFETY: 8 valid bytes on each side, distinct.
        unsafe {
            core::arch::asm!(
                "rep movsb",
                inout("rdi") v.as_mut_ptr() => _,
                inout("rsi") m.as_ptr().add(off) => _,
                inout("rcx") 8usize => _,
                options(nostack, preserves_flags),
            )
        };
        black_box(v);
    });
    bench.baseline("plain load").run();
}
