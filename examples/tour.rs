//! A tour of rawmap on a real file: create, map, write and read, advise, flush, grow,
//! check residency, map a second view, read the file once front to back, clean up.
//! Every step prints one line and checks its own result, so `cargo run --example tour`
//! fails loudly if anything is wrong.

#[cfg(target_os = "linux")]
use std::ffi::CString;
#[cfg(target_os = "linux")]
use std::os::unix::ffi::OsStrExt;

#[cfg(target_os = "linux")]
use rawmap::{Advice, File, MapOptions, RemapFlags, page_size};

/// The tour uses Linux's no-libc `File` and `remap_file`; elsewhere there is nothing to
/// show (macOS and Windows only compile the examples).
#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the tour uses rawmap::File and remap_file, which exist on Linux only");
}

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let page = page_size();

    // A fresh file in the temp dir; rawmap's File takes a C string path.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let name = format!("rawmap-tour-{}-{}", std::process::id(), nanos.as_nanos());
    let path = std::env::temp_dir().join(name);
    let file = File::create(&CString::new(path.as_os_str().as_bytes())?)?;
    file.set_len(4 * page as u64)?;
    assert_eq!(file.len()?, 4 * page as u64);
    println!(
        "created {} and set its length to {} KiB",
        path.display(),
        4 * page / 1024
    );

    // SAFETY: the example created this file under a unique name and owns it: no other
    // process knows of it, and this program does not shrink it while it is mapped. The
    // read-only view further down lives only while `m` is read, not written.
    let mut m = unsafe { MapOptions::new().map_mut(&file)? };
    assert_eq!(m.len(), 4 * page);
    let (kib, addr, pages) = (m.len() / 1024, m.as_ptr(), m.len() / page);
    println!("mapped {kib} KiB read-write shared at {addr:p} ({pages} pages of {page} bytes)");

    // Write through the slice and read back with read_at; then the other way round.
    m[..5].copy_from_slice(b"hello");
    let mut five = [0u8; 5];
    m.read_at(0, &mut five)?;
    assert_eq!(&five, b"hello");
    let off = page + 3;
    m.write_at(off, b"rawmap")?;
    assert_eq!(&m[off..off + 6], b"rawmap");
    println!("wrote \"hello\" at 0 (slice) and \"rawmap\" at {off} (write_at); both read back");

    // Advice is a hint: it changes speed, never contents.
    m.advise(Advice::Sequential)?;
    m.advise_range(Advice::WillNeed, 0, page)?;
    assert_eq!(&m[..5], b"hello");
    println!("advised Sequential (whole mapping) and WillNeed (first page)");

    // msync; an ordinary read of the file shows the bytes.
    m.flush()?;
    let on_disk = std::fs::read(&path)?;
    assert_eq!(
        (&on_disk[..5], &on_disk[off..off + 6]),
        (&b"hello"[..], &b"rawmap"[..])
    );
    println!("flushed; std::fs::read of the file shows \"hello\" and \"rawmap\"");

    // Grow the file, then the mapping; MAYMOVE lets the kernel move it if it must.
    let old = m.as_ptr();
    file.set_len(8 * page as u64)?;
    // SAFETY: the file was just grown to cover the new length, and the map_mut contract
    // (only this example touches the file) extends to the grown range.
    unsafe { m.remap_file(8 * page, RemapFlags::MAYMOVE)? };
    assert_eq!(m.len(), 8 * page);
    assert_eq!(&m[..5], b"hello", "remap keeps the contents");
    let (kib, addr) = (m.len() / 1024, m.as_ptr());
    let how = if addr == old { "in place" } else { "moved" };
    println!("grew file and mapping to {kib} KiB ({how}: {old:p} -> {addr:p})");

    // The new half has never been read or written, so none of it is in RAM yet.
    let before = m.residency()?;
    assert_eq!(before.pages, 8);
    assert!(
        before.resident <= 4,
        "only the old half can be resident: {before:?}"
    );
    println!(
        "residency: {}/{} pages resident",
        before.resident, before.pages
    );

    // Touch every page: one byte through the slice, the last byte of each with write_at.
    let at = 5 * page + 20;
    m[at] = 0x2a;
    for p in 0..8 {
        m.write_at(p * page + page - 1, &[p as u8])?;
    }
    let after = m.residency()?;
    assert_eq!(
        after.resident, after.pages,
        "every page was just touched: {after:?}"
    );
    assert!(m[at] == 0x2a && (0..8).all(|p| m[p * page + page - 1] == p as u8));
    let (n, of, byte) = (after.resident, after.pages, m[at]);
    println!("touched every page; residency: {n}/{of} pages resident; byte at {at} = {byte:#04x}");

    // A second, read-only view at an unaligned offset: the crate maps from the page
    // boundary below and hides the prefix, so the view starts exactly at `off`.
    {
        // SAFETY: the same file, owned by the example as above; `m` is only read while
        // `view` lives, and the file is not shrunk.
        let view = unsafe { MapOptions::new().offset(off as u64).len(16).map(&file)? };
        assert_eq!(&view[..], &m[off..off + 16]);
        assert_eq!(
            view.as_ptr().addr() % page,
            3,
            "unaligned start, prefix hidden"
        );
        let (addr, text) = (view.as_ptr(), std::str::from_utf8(&view[..6])?);
        println!("read-only view at file offset {off} ({addr:p}) reads {text:?}, as `m` does");
    }

    // A reader that goes through the whole file once: `sequential` asks for read-ahead
    // and, on Linux 5.14+, maps every page before `map` returns, so the loop below
    // takes no page faults.
    {
        // SAFETY: as for the view above.
        let seq = unsafe { MapOptions::new().sequential().map(&file)? };
        let sum: u64 = seq.iter().map(|&b| u64::from(b)).sum();
        let expect: u64 = m.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(sum, expect);
        let kib = seq.len() / 1024;
        println!(
            "sequential() reader: mapped {kib} KiB with read-ahead advice and every page populated up front (Linux 5.14+); byte sum {sum}, as `m`"
        );
    }

    // Unmap, close and delete.
    drop(m);
    file.close()?;
    std::fs::remove_file(&path)?;
    assert!(!path.exists());
    println!("unmapped, closed and removed the file");
    Ok(())
}
