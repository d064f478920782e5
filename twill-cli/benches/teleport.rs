//! Teleport extraction is linear: refusing an archive of 30,000 links and
//! unpacking 30,000 files each take about ten times as long as 3,000 (the
//! hand-written checker it replaced was quadratic: over two minutes for
//! 30,000 links). Prints the medians and the ratios; it fails if a ratio
//! passes 20, which a quadratic check (about 100) cannot hide under.
//!
//! ```sh
//! cargo bench -p twill-cli --bench teleport
//! ```

// The module is the binary's own, compiled in here, since a bench cannot
// link a binary crate.
#[allow(dead_code, unused_imports)]
#[path = "../src/teleport.rs"]
mod teleport;

use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn archive(entries: usize, links: bool) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for index in 0..entries {
        let mut header = tar::Header::new_ustar();
        // A hundred directories, each listed with its files, as tar lists them.
        let path = format!("d{}/f{index}", index * 100 / entries);
        if links {
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            header.set_link_name(".").expect("a link name");
            builder
                .append_data(&mut header, &path, &[][..])
                .expect("an entry");
        } else {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(4);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, &path, &b"data"[..])
                .expect("an entry");
        }
    }
    builder.into_inner().expect("an archive")
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(entries: usize, links: bool) -> Duration {
    let tar = archive(entries, links);
    let runs = (0..RUNS)
        .map(|run| {
            let dir = std::env::temp_dir().join(format!(
                "twill-teleport-bench-{}-{entries}-{run}",
                std::process::id()
            ));
            let started = Instant::now();
            let result = teleport::extract(&tar, &dir);
            let elapsed = started.elapsed();
            assert_eq!(result.is_ok(), !links, "{result:?}");
            let _ = std::fs::remove_dir_all(&dir);
            elapsed
        })
        .collect();
    median(runs)
}

fn main() {
    for (what, links) in [("refuse links", true), ("unpack files", false)] {
        let small = time(3_000, links);
        let large = time(30_000, links);
        let ratio = large.as_secs_f64() / small.as_secs_f64();
        println!(
            "{what}: 3,000 entries {small:.2?}, 30,000 entries {large:.2?}, ratio {ratio:.1} (linear: 10)"
        );
        assert!(
            ratio < 20.0,
            "{what} grows faster than linearly: {ratio:.1}"
        );
    }
}
