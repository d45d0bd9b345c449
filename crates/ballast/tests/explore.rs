//! `ballast explore`: the explorer's state and drawing on ratatui's test
//! backend (navigation, layers, sort, filters, the wasted and changes
//! views, metadata, extraction, the mouse), then the real binary in tmux
//! (keys sent, the screen captured).

mod common;

use std::cell::RefCell;
use std::path::Path;
use std::process::Command;
use std::rc::Rc;

use ballast_image::explore::Explorer;
use ballast_image::{LoadOptions, load};
use ballast_report::explore::{App, Key, draw};
use ballast_testkit::image::Format;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

type Extracted = Rc<RefCell<Vec<(usize, String)>>>;

fn app(dir: &Path) -> (App, Extracted) {
    let path = dir.join("img");
    ballast_testkit::samples::layered()
        .write(Format::OciLayout, &path)
        .unwrap();
    let image = load(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
    let asked: Extracted = Rc::default();
    let log = asked.clone();
    let extract = Box::new(move |layer: usize, path: &str| {
        log.borrow_mut().push((layer, path.to_string()));
        Ok(format!("wrote {path}"))
    });
    (
        App::new(Explorer::new(&image), "img".into(), extract),
        asked,
    )
}

/// The screen, a line per row, trailing blanks dropped.
fn screen(app: &App) -> String {
    screen_of(app, 30)
}

fn screen_of(app: &App, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, height)).unwrap();
    terminal.draw(|f| draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            let line: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn keys(app: &mut App, keys: &[Key]) {
    for &k in keys {
        app.key(k);
    }
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        app.key(Key::Char(c));
    }
    app.key(Key::Enter);
}

fn names(app: &App) -> Vec<String> {
    app.rows.iter().map(|r| r.name.clone()).collect()
}

#[test]
fn navigation_layers_and_the_tree() {
    let work = tempfile::tempdir().unwrap();
    let (mut app, _) = app(work.path());
    // It opens on the last layer, directories closed, by name.
    let s = screen(&app);
    assert!(s.contains("Layers (4)"), "{s}");
    assert!(s.contains("70.0 kB   30.0 kB wasted RUN pip"), "{s}");
    assert!(s.contains("img as of layer 3 · by name"), "{s}");
    assert_eq!(names(&app), ["app", "etc", "models", "root", "usr"]);
    // Open models: the opaque directory's new file added, the old one removed.
    keys(&mut app, &[Key::Down, Key::Down, Key::Enter]);
    assert_eq!(
        names(&app),
        ["app", "etc", "models", "new.bin", "old.bin", "root", "usr"]
    );
    let s = screen(&app);
    assert!(s.contains("+     700 B     new.bin"), "{s}");
    assert!(s.contains("-     300 B     old.bin"), "{s}");
    // ← on a file goes to its directory, then closes it.
    keys(&mut app, &[Key::Down, Key::Left]);
    assert_eq!(app.row().unwrap().name, "models");
    keys(&mut app, &[Key::Left]);
    assert_eq!(names(&app), ["app", "etc", "models", "root", "usr"]);
    // The layer list: up one layer, the tree is as of layer 2.
    keys(&mut app, &[Key::Tab, Key::Up]);
    assert_eq!(app.layer, 2);
    keys(&mut app, &[Key::Tab, Key::Char('e')]);
    let s = screen(&app);
    assert!(s.contains("img as of layer 2"), "{s}");
    assert!(s.contains("-   30.0 kB             cd"), "{s}");
    assert!(s.contains("~       9 B     main.py"), "{s}");
    // Sort by size: usr first.
    keys(&mut app, &[Key::Char('E'), Key::Char('s')]);
    assert_eq!(names(&app)[0], "usr");
    assert!(screen(&app).contains("· by size"));
}

#[test]
fn the_tree_scrolls_with_the_selection() {
    let work = tempfile::tempdir().unwrap();
    let (mut app, _) = app(work.path());
    keys(&mut app, &[Key::Char('e'), Key::End]);
    assert_eq!(app.row().unwrap().name, "libtorch_cpu.so");
    // Ten lines: the tree shows 7 rows, the last ones.
    let s = screen_of(&app, 10);
    assert!(
        s.contains("libtorch_cpu.so") && !s.contains("main.py"),
        "{s}"
    );
    app.key(Key::Home);
    let s = screen_of(&app, 10);
    assert!(
        s.contains("main.py") && !s.contains("libtorch_cpu.so"),
        "{s}"
    );
}

#[test]
fn filters_and_views() {
    let work = tempfile::tempdir().unwrap();
    let (mut app, _) = app(work.path());
    app.key(Key::Char('/'));
    assert!(screen(&app).contains("glob (Enter applies, empty clears):"));
    typed(&mut app, "*.so");
    assert_eq!(
        names(&app),
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
    assert!(screen(&app).contains("glob **/*.so"));
    app.key(Key::Char('/'));
    typed(&mut app, "");
    // Size filter: at least 6 kB leaves the torch library.
    app.key(Key::Char('>'));
    typed(&mut app, "6kB");
    assert_eq!(names(&app).last().unwrap(), "libtorch_cpu.so");
    assert!(screen(&app).contains("≥ 6.0 kB"));
    app.key(Key::Char('>'));
    typed(&mut app, "lots");
    assert!(screen(&app).contains("Filter (any key closes)"));
    app.key(Key::Esc);
    app.key(Key::Char('>'));
    typed(&mut app, "");
    // Only wasted, as of the install layer: its cache and first main.py.
    keys(
        &mut app,
        &[Key::Tab, Key::Up, Key::Up, Key::Tab, Key::Char('w')],
    );
    let files: Vec<String> = app
        .rows
        .iter()
        .filter(|r| !r.is_dir)
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(files, ["main.py", "old.bin", "cd"]);
    // Only this layer's changes, as of the last layer.
    keys(
        &mut app,
        &[Key::Char('w'), Key::Tab, Key::End, Key::Tab, Key::Char('c')],
    );
    assert_eq!(names(&app), ["models", "new.bin", "old.bin"]);
    assert!(screen(&app).contains("only this layer's changes"));
}

#[test]
fn metadata_extraction_help_and_the_mouse() {
    let work = tempfile::tempdir().unwrap();
    let (mut app, asked) = app(work.path());
    // As of layer 2, main.py (rewritten there).
    keys(
        &mut app,
        &[
            Key::Tab,
            Key::Up,
            Key::Tab,
            Key::Home,
            Key::Enter,
            Key::Down,
        ],
    );
    assert_eq!(app.row().unwrap().name, "main.py");
    app.key(Key::Char('i'));
    let s = screen(&app);
    assert!(s.contains("/app/main.py"), "{s}");
    assert!(s.contains("in layer 2: modified"), "{s}");
    app.key(Key::Char('x'));
    app.key(Key::Char('x'));
    assert_eq!(*asked.borrow(), [(2, "app/main.py".to_string())]);
    assert!(screen(&app).contains("wrote app/main.py"));
    // A directory is not extracted.
    keys(&mut app, &[Key::Esc, Key::Up, Key::Char('x')]);
    assert!(screen(&app).contains("select a file this layer shows"));
    assert_eq!(asked.borrow().len(), 1);
    keys(&mut app, &[Key::Esc, Key::Char('?')]);
    assert!(screen(&app).contains("only wasted: versions the final image no longer shows"));
    app.key(Key::Esc);
    // Clicks: the first layer in the list, then the tree's third row.
    let area = Rect::new(0, 0, 120, 30);
    app.click(area, 5, 1);
    assert_eq!(app.layer, 0);
    app.click(area, 60, 3);
    assert_eq!(app.row().unwrap().name, "usr");
    // q quits.
    assert!(!app.quit);
    app.key(Key::Char('q'));
    assert!(app.quit);
}

/// The real binary in tmux: it opens, verifies in the background, takes
/// keys and extracts a file.
#[test]
#[cfg_attr(ballast_no_tmux, ignore = "needs tmux (Debian package `tmux`)")]
fn the_binary_in_a_terminal() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    ballast_testkit::samples::layered()
        .write(Format::DockerArchive, &dir.join("img.tar"))
        .unwrap();
    let socket = dir.join("tmux.sock");
    let tmux = |args: &[&str]| {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(args)
            .output()
            .unwrap();
        ballast_testkit::assert_ran(&out, &format!("tmux {args:?}"));
        String::from_utf8(out.stdout).unwrap()
    };
    let bin = assert_cmd::cargo::cargo_bin("ballast");
    let cmd = format!("cd {} && {} explore img.tar", dir.display(), bin.display());
    tmux(&["new-session", "-d", "-x", "120", "-y", "30", &cmd]);
    let wait_for = |needle: &str| {
        for _ in 0..100 {
            let s = tmux(&["capture-pane", "-p"]);
            if s.contains(needle) {
                return s;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "no `{needle}` on screen:\n{}",
            tmux(&["capture-pane", "-p"])
        );
    };
    wait_for("digests verified ✓");
    wait_for("img.tar as of layer 3");
    // Open app/, select main.py, extract it.
    tmux(&["send-keys", "Enter", "Down", "x"]);
    let s = wait_for("bytes written to");
    assert!(s.contains("/app/main.py"), "{s}");
    assert_eq!(
        std::fs::read_to_string(dir.join("ballast-extract/app/main.py")).unwrap(),
        "print(2)\n"
    );
    // A key closes the popup (Escape then q at once would read as Alt-q).
    tmux(&["send-keys", "Space"]);
    wait_for("img.tar as of layer 3");
    tmux(&["send-keys", "q"]);
    wait_for_exit(&socket);

    // A layer changed after it was written: it opens, and the background
    // verification says the digest is wrong.
    let tar = std::fs::read(dir.join("img.tar")).unwrap();
    let at = tar.windows(8).position(|w| w == b"print(2)").unwrap();
    let mut bad = tar.clone();
    bad[at + 6] = b'3';
    std::fs::write(dir.join("bad.tar"), bad).unwrap();
    let cmd = format!("cd {} && {} explore bad.tar", dir.display(), bin.display());
    tmux(&["new-session", "-d", "-x", "120", "-y", "30", &cmd]);
    wait_for("bad.tar as of layer 3");
    wait_for("VERIFICATION FAILED");
    tmux(&["send-keys", "q"]);
    wait_for_exit(&socket);
}

/// Waits for the tmux session to end (the explorer quit).
fn wait_for_exit(socket: &Path) {
    for _ in 0..50 {
        if Command::new("tmux")
            .arg("-S")
            .arg(socket)
            .arg("has-session")
            .output()
            .unwrap()
            .status
            .success()
        {
            std::thread::sleep(std::time::Duration::from_millis(100));
        } else {
            return;
        }
    }
    panic!("explore did not quit on q");
}
