//! `ballast explore IMAGE`: a terminal explorer in dive's spirit, on
//! ratatui. The layers on the left (stored, wasted, created by) over the
//! image's groups as of the selected layer; on the right the file tree as
//! of that layer with what it added (`+`), modified (`~`) and removed (`-`),
//! sorted by name or size, filtered by glob or size, "only wasted" and "only
//! this layer's changes". The model is [`ballast_image::explore`]; this
//! module holds the state, the keys ([`App::key`]) and the drawing
//! ([`draw`]); [`run`] is the terminal loop.

mod draw;
mod term;

pub use draw::draw;
pub use term::run;

use ballast_image::explore::{Explorer, Mark, Row, Snapshot, Sort, View};
use ballast_ml::units::parse_bytes;

/// Which panel takes the arrow keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Layers,
    Tree,
}

/// A line being typed at the bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Glob(String),
    MinSize(String),
}

/// What covers the panels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    Help,
    /// A text: a file's metadata, an extraction's result, an error.
    Text(String, String),
}

/// Writes a file of a layer to disk: `(layer, path)` to a message.
pub type Extract = Box<dyn FnMut(usize, &str) -> Result<String, String>>;

/// The explorer's state.
pub struct App {
    pub ex: Explorer,
    pub reference: String,
    pub layer: usize,
    pub snap: Snapshot,
    /// The snapshot's bytes per group (computed once per layer shown).
    pub groups: Vec<(ballast_ml::paths::Group, u64)>,
    pub view: View,
    pub rows: Vec<Row>,
    pub focus: Focus,
    /// The selected row of the tree.
    pub selected: usize,
    pub input: Option<Input>,
    pub popup: Option<Popup>,
    /// The status line's right part (the background verification).
    pub status: String,
    pub quit: bool,
    /// The first tree row on screen (ratatui's list offset, kept across frames).
    pub tree_offset: std::cell::Cell<usize>,
    extract: Extract,
}

/// A key, as the explorer understands it (the terminal loop translates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Tab,
    Esc,
    Backspace,
}

impl App {
    /// The explorer on the last layer (the image as it runs).
    pub fn new(ex: Explorer, reference: String, extract: Extract) -> App {
        let layer = ex.layers.len().saturating_sub(1);
        let snap = ex.snapshot(layer);
        let groups = ex.groups(&snap);
        let mut app = App {
            ex,
            reference,
            layer,
            snap,
            groups,
            view: View::default(),
            rows: Vec::new(),
            focus: Focus::Tree,
            selected: 0,
            input: None,
            popup: None,
            status: String::new(),
            quit: false,
            tree_offset: std::cell::Cell::new(0),
            extract,
        };
        app.refresh();
        app
    }

    /// Recomputes the rows, keeping the selection on the same path.
    fn refresh(&mut self) {
        let node = self.rows.get(self.selected).map(|r| r.node);
        self.rows = self.ex.rows(&self.snap, &self.view);
        self.selected = node
            .and_then(|n| self.rows.iter().position(|r| r.node == n))
            .unwrap_or(self.selected.min(self.rows.len().saturating_sub(1)));
    }

    /// Shows the image as of another layer.
    pub fn select_layer(&mut self, layer: usize) {
        let layer = layer.min(self.ex.layers.len().saturating_sub(1));
        if layer != self.layer {
            self.layer = layer;
            self.snap = self.ex.snapshot(layer);
            self.groups = self.ex.groups(&self.snap);
            self.refresh();
        }
    }

    /// The selected tree row.
    pub fn row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    /// A left click at `(x, y)` of a screen of `area`: selects the layer or
    /// the tree row under it (a second click on a directory opens it).
    pub fn click(&mut self, area: ratatui::layout::Rect, x: u16, y: u16) {
        let a = draw::areas(area, self.groups.len());
        let inside = |r: ratatui::layout::Rect| {
            x > r.x && x < r.x + r.width - 1 && y > r.y && y < r.y + r.height - 1
        };
        if inside(a.layers) {
            self.focus = Focus::Layers;
            // The layer list scrolls only past a screenful.
            self.select_layer((y - a.layers.y - 1) as usize);
        } else if inside(a.tree) {
            self.focus = Focus::Tree;
            let index = self.tree_offset.get() + (y - a.tree.y - 1) as usize;
            if index < self.rows.len() {
                if index == self.selected {
                    self.set_open(None);
                } else {
                    self.selected = index;
                }
            }
        }
    }

    /// Handles one key.
    pub fn key(&mut self, key: Key) {
        if self.popup.is_some() {
            // Any key closes a popup; q and Esc do nothing more.
            self.popup = None;
            return;
        }
        if self.input.is_some() {
            self.typing(key);
            return;
        }
        match key {
            Key::Char('q') | Key::Esc => self.quit = true,
            Key::Tab => {
                self.focus = match self.focus {
                    Focus::Layers => Focus::Tree,
                    Focus::Tree => Focus::Layers,
                }
            }
            Key::Char('?') => self.popup = Some(Popup::Help),
            Key::Char('s') => {
                self.view.sort = match self.view.sort {
                    Sort::Name => Sort::Size,
                    Sort::Size => Sort::Name,
                };
                self.refresh();
            }
            Key::Char('w') => self.toggle(|v| &mut v.only_wasted),
            Key::Char('c') => self.toggle(|v| &mut v.only_changes),
            Key::Char('/') => self.input = Some(Input::Glob(String::new())),
            Key::Char('>') => self.input = Some(Input::MinSize(String::new())),
            Key::Char('e') => {
                self.view.expanded = self.ex.dirs(&self.snap).collect();
                self.refresh();
            }
            Key::Char('E') => {
                self.view.expanded.clear();
                self.refresh();
            }
            Key::Char('i') => self.metadata(),
            Key::Char('x') => self.extract(),
            _ if self.focus == Focus::Layers => self.layers_key(key),
            _ => self.tree_key(key),
        }
    }

    fn toggle(&mut self, flag: impl Fn(&mut View) -> &mut bool) {
        let f = flag(&mut self.view);
        *f = !*f;
        self.refresh();
    }

    fn layers_key(&mut self, key: Key) {
        match key {
            Key::Up | Key::Char('k') => self.select_layer(self.layer.saturating_sub(1)),
            Key::Down | Key::Char('j') => self.select_layer(self.layer + 1),
            Key::Home => self.select_layer(0),
            Key::End => self.select_layer(usize::MAX),
            Key::Enter | Key::Right => self.focus = Focus::Tree,
            _ => {}
        }
    }

    fn tree_key(&mut self, key: Key) {
        let last = self.rows.len().saturating_sub(1);
        match key {
            Key::Up | Key::Char('k') => self.selected = self.selected.saturating_sub(1),
            Key::Down | Key::Char('j') => self.selected = (self.selected + 1).min(last),
            Key::PageUp => self.selected = self.selected.saturating_sub(20),
            Key::PageDown => self.selected = (self.selected + 20).min(last),
            Key::Home => self.selected = 0,
            Key::End => self.selected = last,
            Key::Enter | Key::Char(' ') => self.set_open(None),
            Key::Right | Key::Char('l') => self.set_open(Some(true)),
            Key::Left | Key::Char('h') => self.close_or_parent(),
            _ => {}
        }
    }

    /// Opens, closes (`Some`) or toggles (`None`) the selected directory.
    fn set_open(&mut self, open: Option<bool>) {
        let Some(row) = self.row().filter(|r| r.is_dir) else {
            return;
        };
        let (node, now) = (row.node, row.expanded);
        if open.unwrap_or(!now) {
            self.view.expanded.insert(node);
        } else {
            self.view.expanded.remove(&node);
        }
        self.refresh();
    }

    fn close_or_parent(&mut self) {
        let Some(row) = self.row() else { return };
        if row.is_dir && row.expanded {
            self.set_open(Some(false));
            return;
        }
        let depth = row.depth;
        if let Some(parent) = self.rows[..self.selected]
            .iter()
            .rposition(|r| r.depth + 1 == depth)
        {
            self.selected = parent;
        }
    }

    fn typing(&mut self, key: Key) {
        let Some(input) = &mut self.input else { return };
        let text = match input {
            Input::Glob(t) | Input::MinSize(t) => t,
        };
        match key {
            Key::Char(c) => text.push(c),
            Key::Backspace => {
                text.pop();
            }
            Key::Esc => self.input = None,
            Key::Enter => {
                let input = self.input.take();
                let result = match input {
                    Some(Input::Glob(g)) => self.view.set_glob(&g),
                    Some(Input::MinSize(s)) if s.trim().is_empty() => {
                        self.view.min_bytes = 0;
                        Ok(())
                    }
                    Some(Input::MinSize(s)) => parse_bytes(&s)
                        .map(|b| self.view.min_bytes = b)
                        .map_err(|e| format!("{s}: {e}")),
                    None => Ok(()),
                };
                match result {
                    Ok(()) => self.refresh(),
                    Err(e) => self.popup = Some(Popup::Text("Filter".into(), e)),
                }
            }
            _ => {}
        }
    }

    /// The selected path's metadata in a popup.
    fn metadata(&mut self) {
        let Some(row) = self.row() else { return };
        let path = self.ex.path(row.node);
        let mark = match row.mark {
            Mark::Unchanged => "unchanged",
            Mark::Added => "added",
            Mark::Modified => "modified",
            Mark::Removed => "removed",
        };
        let kind = if row.is_dir { "directory" } else { "file" };
        let text = format!(
            "/{path}\n{kind}, {} ({} bytes)\nin layer {}: {mark}\ngroup: {}\n{}",
            crate::bytes::format_bytes(row.bytes),
            row.bytes,
            self.layer,
            row.group.label(),
            if row.wasted {
                "wasted: the final image no longer shows this version"
            } else {
                "shown by the final image"
            }
        );
        self.popup = Some(Popup::Text("Metadata".into(), text));
    }

    /// Writes the selected file (as of the selected layer) to disk.
    fn extract(&mut self) {
        let Some(row) = self.row() else { return };
        let text = if row.is_dir || row.mark == Mark::Removed {
            Err("select a file this layer shows to extract it".to_string())
        } else {
            let path = self.ex.path(row.node);
            (self.extract)(self.layer, &path)
        };
        let (title, text) = match text {
            Ok(t) => ("Extracted", t),
            Err(e) => ("Not extracted", e),
        };
        self.popup = Some(Popup::Text(title.into(), text));
    }
}
