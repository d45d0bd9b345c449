//! The explorer's model on a hand-made image: the filesystem as of each
//! layer with what that layer added, modified and removed, each layer's
//! waste, and the rows of every view (sort, glob and size filters, only
//! wasted, only this layer's changes), worked out by hand.

use ballast_image::explore::{Explorer, Mark, Sort, View};
use ballast_image::{LoadOptions, load};
use ballast_testkit::image::Format;

fn explorer() -> Explorer {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img");
    ballast_testkit::samples::layered()
        .write(Format::OciLayout, &path)
        .unwrap();
    let image = load(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
    Explorer::new(&image)
}

/// `path mark bytes` of every row, indented by depth.
fn lines(ex: &Explorer, layer: usize, view: &View) -> Vec<String> {
    let snap = ex.snapshot(layer);
    ex.rows(&snap, view)
        .iter()
        .map(|r| {
            let mark = match r.mark {
                Mark::Unchanged => ' ',
                Mark::Added => '+',
                Mark::Modified => '~',
                Mark::Removed => '-',
            };
            let waste = if r.wasted { " wasted" } else { "" };
            format!(
                "{}{mark}{} {}{waste}",
                "  ".repeat(r.depth),
                r.name,
                r.bytes
            )
        })
        .collect()
}

fn expand_all(ex: &Explorer, layer: usize) -> View {
    let snap = ex.snapshot(layer);
    View {
        expanded: ex.dirs(&snap).collect(),
        ..View::default()
    }
}

#[test]
fn layers_know_their_waste() {
    let ex = explorer();
    let figures: Vec<(u64, u64)> = ex.layers.iter().map(|l| (l.bytes, l.wasted)).collect();
    // Layer 0: old.bin hidden by the opaque directory; layer 1: the pip
    // cache deleted and main.py rewritten; 2 and 3 stay.
    assert_eq!(
        figures,
        [
            (5_000 + 10 + 300, 300),
            (40_000 + 30_000 + 9, 30_000 + 9),
            (9, 0),
            (700, 0)
        ]
    );
    assert_eq!(ex.layers[2].created_by, "RUN rm -rf /root/.cache/pip");
}

#[test]
fn the_tree_as_of_a_layer_marks_what_it_changed() {
    let ex = explorer();
    let view = expand_all(&ex, 2);
    assert_eq!(
        lines(&ex, 2, &view),
        [
            "~app 9",
            "  ~main.py 9",
            " etc 10",
            "   os-release 10",
            " models 300",
            "   old.bin 300 wasted",
            "~root 0",
            "  ~.cache 0",
            "    -pip 0",
            "      -http 0",
            "        -ab 0",
            "          -cd 30000 wasted",
            " usr 45000",
            "   bin 5000",
            "     python3 5000",
            "   lib 40000",
            "     python3 40000",
            "       site-packages 40000",
            "         torch 40000",
            "           lib 40000",
            "             libtorch_cpu.so 40000",
        ]
    );
}

#[test]
fn views_sort_and_filter() {
    let ex = explorer();
    let snap = ex.snapshot(3);
    let mut view = View {
        sort: Sort::Size,
        ..View::default()
    };
    let top: Vec<String> = ex
        .rows(&snap, &view)
        .iter()
        .map(|r| r.name.clone())
        .collect();
    // root holds only the empty .cache the deleted pip cache was in.
    assert_eq!(top, ["usr", "models", "etc", "app", "root"]);
    // A glob shows the matches with the directories above them, opened.
    view.set_glob("*.so").unwrap();
    let names: Vec<String> = ex
        .rows(&snap, &view)
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(
        names,
        [
            "usr",
            "lib",
            "python3",
            "site-packages",
            "torch",
            "lib",
            "libtorch_cpu.so"
        ]
    );
    assert!(view.set_glob("[").is_err());
    view.set_glob("").unwrap();
    // Only this layer's changes: the opaque directory's new file and the one it hid.
    view.only_changes = true;
    assert_eq!(
        lines(&ex, 3, &view),
        ["~models 700", "  +new.bin 700", "  -old.bin 300 wasted"]
    );
    view.only_changes = false;
    // Only at least 6 kB.
    view.min_bytes = 6_000;
    let names: Vec<String> = ex
        .rows(&snap, &view)
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(names.last().map(String::as_str), Some("libtorch_cpu.so"));
    view.min_bytes = 0;
    // Only wasted, as of layer 1: the cache and the first main.py, still
    // sorted by size, and the file the opaque directory hides later.
    view.only_wasted = true;
    let wasted: Vec<String> = ex
        .rows(&ex.snapshot(1), &view)
        .iter()
        .filter(|r| !r.is_dir)
        .map(|r| ex.path(r.node))
        .collect();
    assert_eq!(
        wasted,
        [
            "root/.cache/pip/http/ab/cd",
            "models/old.bin",
            "app/main.py"
        ]
    );
}

#[test]
fn groups_add_up_to_the_snapshot() {
    let ex = explorer();
    let snap = ex.snapshot(3);
    let groups = ex.groups(&snap);
    let total: u64 = groups.iter().map(|g| g.1).sum();
    assert_eq!(total, 5_000 + 10 + 40_000 + 9 + 700);
    assert_eq!(groups[0].0, ballast_ml::paths::Group::Torch);
}
