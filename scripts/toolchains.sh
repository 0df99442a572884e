# scripts/toolchains.sh: the Rust toolchains the checks run with. Sourced by
# scripts/test-all.sh and scripts/nostd-example.sh, so the two names live here only.
#
# Both are pinned: a newer stable brings new clippy lints that fail `-D warnings` (1.99
# added `chunks_exact_to_as_chunks`, for one), and a rustup mirror may not carry its
# cross targets yet (seen here with 1.99.1); a newer nightly may change -Zbuild-std, Miri or
# clippy under the mips, sparc64, riscv32 and loongarch64 steps. These are the
# toolchains every result in the README, TESTING.md and BENCHMARKS.md was seen with.
# Set RAWMAP_STABLE or RAWMAP_NIGHTLY to run the checks with others (for instance
# RAWMAP_STABLE=stable RAWMAP_NIGHTLY=nightly, to see what the next bump will bring).

# shellcheck shell=bash
RAWMAP_STABLE=${RAWMAP_STABLE:-1.95.0}
RAWMAP_NIGHTLY=${RAWMAP_NIGHTLY:-nightly-2026-05-20}
