//! The slim plan: which entries go, worked out by hand for each case a
//! layer stack can hold, and, for hand-made and random stacks, the proof
//! that matters: the slimmed layers give the same final filesystem as the
//! originals (the layered file tree of `inspect` applied to both,
//! compared by `slim`'s own proof, [`final_fs`]).

use ballast_image::layer::{Entry, EntryKind};
use ballast_image::slim::{LayerPlan, SlimRefusal, final_fs, plan, slimmed_entries};

fn e(path: &str, kind: EntryKind) -> Entry {
    Entry {
        path: path.as_bytes().into(),
        kind,
        captured: None,
    }
}
fn dir(p: &str) -> Entry {
    e(p, EntryKind::Dir)
}
fn file(p: &str, size: u64) -> Entry {
    e(p, EntryKind::File(size))
}
fn link(p: &str, target: &str) -> Entry {
    e(p, EntryKind::Hardlink(target.as_bytes().into()))
}
fn whiteout(p: &str) -> Entry {
    e(p, EntryKind::Whiteout)
}
fn opaque(p: &str) -> Entry {
    e(p, EntryKind::Opaque)
}

fn plans(layers: &[Vec<Entry>]) -> Result<Vec<LayerPlan>, SlimRefusal> {
    let refs: Vec<&[Entry]> = layers.iter().map(|l| l.as_slice()).collect();
    plan(&refs)
}

/// Plans, slims and checks that the final filesystem is unchanged.
fn slim_and_prove(layers: &[Vec<Entry>]) -> Vec<LayerPlan> {
    let p = plans(layers).expect("a plan");
    let slimmed: Vec<Vec<Entry>> = layers
        .iter()
        .zip(&p)
        .map(|(l, lp)| slimmed_entries(l, lp))
        .collect();
    assert_eq!(final_fs(&slimmed), final_fs(layers), "{layers:#?}\n{p:#?}");
    // Slimming again finds nothing more to drop.
    for again in plans(&slimmed).unwrap() {
        assert!(again.unchanged(), "{again:?}\n{slimmed:#?}\n{layers:#?}");
    }
    p
}

fn kept(p: &LayerPlan) -> Vec<bool> {
    p.keep.clone()
}

#[test]
fn a_deleted_pip_cache_goes_with_its_whiteout() {
    let layers = vec![
        vec![
            dir("root"),
            dir("root/.cache"),
            dir("root/.cache/pip"),
            file("root/.cache/pip/w.whl", 100),
        ],
        vec![whiteout("root/.cache/pip"), file("app.py", 1)],
    ];
    let p = slim_and_prove(&layers);
    assert_eq!(kept(&p[0]), [true, true, false, false]);
    assert_eq!(kept(&p[1]), [false, true]);
    assert_eq!((p[0].dropped_bytes, p[0].dropped_entries), (100, 2));
    assert_eq!((p[1].dropped_bytes, p[1].dropped_entries), (0, 1));
}

#[test]
fn overwritten_files_go_and_untouched_layers_stay() {
    let layers = vec![
        vec![dir("usr"), file("usr/python", 500)],
        vec![file("a", 10)],
        vec![file("a", 20), file("b", 1)],
    ];
    let p = slim_and_prove(&layers);
    assert!(p[0].unchanged());
    assert_eq!(kept(&p[1]), [false]);
    assert!(p[2].unchanged());
}

#[test]
fn opaque_directories_and_replacements() {
    let layers = vec![
        vec![
            dir("d"),
            file("d/x", 5),
            dir("e"),
            file("e/y", 6),
            file("f", 7),
        ],
        // d opaque: d/x hidden, d kept (the directory stays, merged).
        // e replaced by a file: e and e/y hidden. f replaced by a directory.
        vec![
            opaque("d"),
            file("d/z", 3),
            file("e", 1),
            dir("f"),
            file("f/w", 2),
        ],
    ];
    let p = slim_and_prove(&layers);
    assert_eq!(kept(&p[0]), [true, false, false, false, false]);
    assert_eq!(kept(&p[1]), [false, true, true, true, true]);
    assert_eq!(p[0].dropped_bytes, 18);
}

#[test]
fn a_file_deleted_and_made_again_and_same_tar_duplicates() {
    let layers = vec![
        vec![file("a", 4), file("b", 3), file("b", 5)],
        vec![whiteout("a")],
        vec![file("a", 6)],
    ];
    let p = slim_and_prove(&layers);
    assert_eq!(kept(&p[0]), [false, false, true]);
    assert_eq!(kept(&p[1]), [false]);
    assert!(p[2].unchanged());
    assert_eq!(p[0].dropped_bytes, 7);
}

#[test]
fn a_visible_link_keeps_its_hidden_targets_bytes() {
    let layers = vec![
        vec![file("t", 9), link("l1", "t"), link("l2", "t")],
        vec![file("t", 1)],
    ];
    let p = slim_and_prove(&layers);
    assert_eq!(kept(&p[0]), [false, true, true]);
    assert_eq!(p[0].materialise, [(1, 0)]);
    assert_eq!(p[0].dropped_bytes, 0, "the 9 bytes stay, under l1");
    let slimmed = slimmed_entries(&layers[0], &p[0]);
    assert_eq!(slimmed, [file("l1", 9), link("l2", "l1")]);
}

#[test]
fn links_to_lower_layers() {
    // The target stays visible: nothing to do.
    let fine = vec![vec![file("t", 9)], vec![link("l", "t")]];
    assert!(slim_and_prove(&fine).iter().all(LayerPlan::unchanged));
    // The target is hidden later: its bytes are in another layer.
    let refused = vec![
        vec![file("t", 9)],
        vec![link("l", "t")],
        vec![whiteout("t")],
    ];
    assert_eq!(
        plans(&refused).unwrap_err().to_string(),
        "layer 1: the hard link l points at t, which slim would drop and which another layer stores: not slimmed"
    );
}

/// A small deterministic generator (xorshift), enough for varied stacks.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A random stack over a few names, so that layers collide often.
fn random_stack(seed: u64) -> Vec<Vec<Entry>> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let names = ["a", "b", "a/x", "a/y", "b/z", "c", "a/x/q"];
    let layers = 1 + r.next(4) as usize;
    (0..layers)
        .map(|_| {
            let mut l: Vec<Entry> = Vec::new();
            for _ in 0..r.next(6) {
                let p = names[r.next(names.len() as u64) as usize];
                // Parents first, as tars list them.
                for (i, _) in p.match_indices('/') {
                    l.push(dir(&p[..i]));
                }
                l.push(match r.next(8) {
                    0 => dir(p),
                    1 => whiteout(p),
                    2 => opaque(p),
                    // Mostly to a file of the same tar, as real links are.
                    3 => {
                        let files: Vec<&Entry> = l
                            .iter()
                            .filter(|e| matches!(e.kind, EntryKind::File(_)))
                            .collect();
                        let target = match files.len() {
                            0 => names[r.next(names.len() as u64) as usize].to_string(),
                            n => String::from_utf8_lossy(&files[r.next(n as u64) as usize].path)
                                .into_owned(),
                        };
                        link(p, &target)
                    }
                    _ => file(p, 1 + r.next(100)),
                });
            }
            l
        })
        .collect()
}

#[test]
fn random_stacks_keep_their_final_filesystem() {
    let (mut dropped, mut materialised, mut refused) = (0, 0, 0);
    for seed in 0..5000 {
        let layers = random_stack(seed);
        // A link to a hidden target of another layer, or to a hidden
        // directory, is refused; every other stack must prove out.
        if plans(&layers).is_err() {
            refused += 1;
            continue;
        }
        let p = slim_and_prove(&layers);
        dropped += p.iter().map(|l| l.dropped_entries).sum::<usize>();
        materialised += p.iter().map(|l| l.materialise.len()).sum::<usize>();
    }
    assert!(
        dropped > 1000 && materialised > 20 && refused < 1000,
        "the stacks exercise every case: {dropped} dropped, {materialised} links materialised, {refused} refused"
    );
}

#[test]
fn a_directory_made_only_by_dropped_entries_stays() {
    // Layer 0 has no entry for `a` or `a/b`: the extractor makes them for
    // a/b/c. With a/b/c dropped, they are written as entries of their own.
    let layers = vec![vec![file("a/b/c", 10)], vec![whiteout("a/b/c")]];
    let p = slim_and_prove(&layers);
    let dirs: Vec<&[u8]> = p[0].add_dirs.iter().map(|(_, d)| d.as_ref()).collect();
    assert_eq!(dirs, [b"a".as_ref(), b"a/b"]);
    // A whiteout of a/b takes it with it: only `a` stays.
    let layers = vec![vec![file("a/b/c", 10)], vec![whiteout("a/b")]];
    let p = slim_and_prove(&layers);
    let dirs: Vec<&[u8]> = p[0].add_dirs.iter().map(|(_, d)| d.as_ref()).collect();
    assert_eq!(dirs, [b"a".as_ref()]);
    // An entry of its own, or a kept entry below, is enough.
    for kept in [dir("a"), file("a/d", 1)] {
        let layers = vec![vec![kept.clone(), file("a/b/c", 10)], vec![whiteout("a/b")]];
        assert!(slim_and_prove(&layers)[0].add_dirs.is_empty(), "{kept:?}");
    }
}
