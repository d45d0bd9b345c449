//! The file tree's tests: layers applied in order, the final filesystem
//! and its accounting.

use super::*;
use crate::layer::{Entry, EntryKind};

fn visible_files(t: &FileTree) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    t.for_each_file(|f| out.push((f.path.to_string(), f.size)));
    out
}

#[test]
fn files_come_in_component_order_and_are_found_by_path() {
    let mut t = FileTree::new();
    // `a-c` sorts before `a/b` as text, after it by component.
    t.apply(vec![
        file("a-c", 1),
        file("a/b", 2),
        file("a/z/y", 3),
        file("b", 4),
    ]);
    let files = visible_files(&t);
    let order: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(order, ["a/b", "a/z/y", "a-c", "b"]);
    assert_eq!(t.file_count(), 4);
    for (path, size) in [("a/b", 2), ("a/z/y", 3), ("a-c", 1), ("b", 4)] {
        assert_eq!(t.file(path).map(|f| f.size), Some(size), "{path}");
    }
    for missing in ["a", "a/z", "c", "", "a/b/c"] {
        assert!(t.file(missing).is_none(), "{missing}");
    }
}

#[test]
fn a_name_made_readable_finds_its_file() {
    let mut t = FileTree::new();
    // Shown as `d/\u{fffd}` by the walk; found by that path too.
    let odd = Entry {
        path: b"d/\xf5".as_slice().into(),
        kind: EntryKind::File(5),
        captured: None,
    };
    t.apply(vec![odd, file("d/\u{ffff}", 6)]);
    let files = visible_files(&t);
    assert!(files.contains(&("d/\u{fffd}".to_string(), 5)), "{files:?}");
    assert_eq!(t.file("d/\u{ffff}").map(|f| f.size), Some(6));
    assert_eq!(t.file("d/\u{fffd}").map(|f| f.size), Some(5));
    assert!(t.file("e/\u{fffd}").is_none());
}

#[test]
fn a_content_set_holds_what_was_put_in() {
    let mut t = FileTree::new();
    t.apply(
        (0..130)
            .map(|i| file(&format!("f{i}"), i))
            .collect::<Vec<_>>(),
    );
    let mut set = ContentSet::new(&t);
    for id in [0, 63, 64, 129] {
        assert!(set.insert(id), "{id} is new");
        assert!(!set.insert(id), "{id} is there");
    }
    assert!(set.contains(64) && !set.contains(65) && !set.contains(1));
    assert!(
        set.insert(10_000) && set.contains(10_000),
        "grows past the tree"
    );
}

fn file(path: &str, size: u64) -> Entry {
    Entry {
        path: path.as_bytes().into(),
        kind: EntryKind::File(size),
        captured: None,
    }
}
fn kind(path: &str, kind: EntryKind) -> Entry {
    Entry::new(path, kind)
}

#[test]
fn overwrite_counts_the_hidden_copy_once() {
    let mut t = FileTree::new();
    t.apply(vec![
        kind("a", EntryKind::Dir),
        file("a/f", 100),
        file("a/g", 10),
    ]);
    t.apply(vec![file("a/f", 70)]);
    let l = t.layer_bytes();
    assert_eq!((l[0].stored, l[0].visible, l[0].wasted()), (110, 10, 100));
    assert_eq!((l[1].stored, l[1].visible), (70, 70));
    assert_eq!(t.final_bytes(), 80);
}

#[test]
fn deleting_a_directory_wastes_its_whole_subtree() {
    let mut t = FileTree::new();
    t.apply(vec![
        file("root/.cache/pip/a", 500),
        file("root/.cache/pip/b/c", 300),
        file("app/x", 5),
    ]);
    t.apply(vec![kind("root/.cache/pip", EntryKind::Whiteout)]);
    let l = t.layer_bytes();
    assert_eq!(l[0].wasted(), 800);
    assert_eq!(t.final_bytes(), 5);
    assert_eq!(t.kind("root/.cache"), Some(&NodeKind::Dir));
    assert_eq!(t.kind("root/.cache/pip"), None);
}

#[test]
fn a_layer_counts_what_its_whiteouts_delete_below() {
    let mut t = FileTree::new();
    t.apply(vec![file("tmp/model.tar.gz", 3_000), file("etc/x", 7)]);
    // A hard link keeps the content alive: deleting one name frees nothing.
    t.apply(vec![
        file("srv/w", 50),
        kind("srv/w2", EntryKind::Hardlink(b"srv/w".as_slice().into())),
    ]);
    t.apply(vec![
        kind("tmp/model.tar.gz", EntryKind::Whiteout),
        kind("srv/w", EntryKind::Whiteout),
    ]);
    // Overwriting is not deleting.
    t.apply(vec![file("etc/x", 9)]);
    let l = t.layer_bytes();
    assert_eq!(l[2].deleted_below, 3_000);
    assert_eq!(l[3].deleted_below, 0);
    t.apply(vec![kind("srv", EntryKind::Opaque)]);
    assert_eq!(t.layer_bytes()[4].deleted_below, 50);
}

#[test]
fn opaque_hides_lower_children_but_keeps_same_layer() {
    let mut t = FileTree::new();
    t.apply(vec![file("d/old", 40), file("d/keep", 1)]);
    t.apply(vec![file("d/new", 2), kind("d", EntryKind::Opaque)]);
    assert_eq!(t.final_bytes(), 2);
    assert_eq!(t.layer_bytes()[0].wasted(), 41);
}

#[test]
fn opaque_root_hides_everything_below_and_root_whiteout_is_ignored() {
    let mut t = FileTree::new();
    t.apply(vec![file("etc/a", 40), file("b", 1)]);
    t.apply(vec![kind("", EntryKind::Whiteout)]);
    assert_eq!(t.final_bytes(), 41);
    t.apply(vec![file("new", 2), kind("", EntryKind::Opaque)]);
    assert_eq!(t.final_bytes(), 2);
    assert_eq!(t.layer_bytes()[0].wasted(), 41);
}

#[test]
fn hard_link_groups_count_once_and_survive_target_deletion() {
    let mut t = FileTree::new();
    t.apply(vec![
        file("a", 100),
        kind("b", EntryKind::Hardlink((*b"a").into())),
    ]);
    assert_eq!(t.final_bytes(), 100);
    t.apply(vec![kind("a", EntryKind::Whiteout)]);
    assert_eq!(t.final_bytes(), 100, "b still holds the bytes");
    assert_eq!(t.layer_bytes()[0].wasted(), 0);
    assert_eq!(t.file_count(), 1);
}

#[test]
fn file_and_directory_replace_each_other() {
    let mut t = FileTree::new();
    t.apply(vec![file("x", 10), file("d/y", 20)]);
    t.apply(vec![file("x/inner", 1), file("d", 3)]);
    assert_eq!(t.final_bytes(), 4);
    assert_eq!(t.layer_bytes()[0].wasted(), 30);
    assert_eq!(t.kind("x"), Some(&NodeKind::Dir));
}

#[test]
fn resolves_symlinks() {
    let mut t = FileTree::new();
    t.apply(vec![
        kind("lib", EntryKind::Symlink((*b"usr/lib").into())),
        file("usr/lib/libc.so.6", 1),
        kind(
            "hub/snap/model.bin",
            EntryKind::Symlink((*b"../blobs/abc").into()),
        ),
        file("hub/blobs/abc", 9),
        kind("loop", EntryKind::Symlink((*b"loop").into())),
    ]);
    assert_eq!(
        t.resolve("lib/libc.so.6").as_deref(),
        Some("usr/lib/libc.so.6")
    );
    assert_eq!(
        t.resolve("/hub/snap/model.bin").as_deref(),
        Some("hub/blobs/abc")
    );
    assert_eq!(t.resolve("loop/x"), None);
}
