//! Drawing the explorer: layers and groups on the left, the tree on the
//! right, a status line, and the popups.

use ballast_image::explore::{Mark, Sort};
use ballast_ml::paths::Group;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::{App, Focus, Input, Popup};
use crate::bytes::format_bytes;

/// A group's colour, as in the HTML report.
fn color(group: Group) -> Color {
    match group {
        Group::Cuda => Color::Green,
        Group::Torch => Color::LightRed,
        Group::PythonPackages => Color::Blue,
        Group::Weights => Color::Magenta,
        Group::Caches => Color::Red,
        Group::Os => Color::Gray,
        Group::App => Color::Yellow,
    }
}

fn panel(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::default().fg(Color::Cyan)
    } else {
        Style::default()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(title)
}

/// Where each panel is on a screen of `area`.
pub(super) struct Areas {
    pub layers: Rect,
    pub groups: Rect,
    pub tree: Rect,
    pub status: Rect,
}

pub(super) fn areas(area: Rect, groups: usize) -> Areas {
    let [main, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let [left, tree] =
        Layout::horizontal([Constraint::Percentage(38), Constraint::Percentage(62)]).areas(main);
    let groups_height = (groups as u16 + 2).min(left.height / 2);
    let [layers, groups] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(groups_height)]).areas(left);
    Areas {
        layers,
        groups,
        tree,
        status,
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let a = areas(frame.area(), app.groups.len());
    draw_layers(frame, app, a.layers);
    draw_groups(frame, app, a.groups);
    draw_tree(frame, app, a.tree);
    draw_status(frame, app, a.status);
    match &app.popup {
        Some(Popup::Help) => popup(frame, "Keys", HELP),
        Some(Popup::Text(title, text)) => popup(frame, title, text),
        None => {}
    }
}

fn draw_layers(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let items: Vec<ListItem> = app
        .ex
        .layers
        .iter()
        .map(|l| {
            let mut spans = vec![Span::raw(format!(
                "{:>2} {:>9} ",
                l.index,
                format_bytes(l.bytes)
            ))];
            if l.wasted > 0 {
                spans.push(Span::styled(
                    format!("{:>9} wasted ", format_bytes(l.wasted)),
                    Style::default().fg(Color::Red),
                ));
            }
            let by = l.created_by.trim_start_matches("/bin/sh -c ");
            spans.push(Span::styled(
                by.to_string(),
                Style::default().fg(Color::DarkGray),
            ));
            ListItem::new(Line::from(spans))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(app.layer));
    let list = List::new(items)
        .block(panel(
            format!(" Layers ({}) ", app.ex.layers.len()),
            app.focus == Focus::Layers,
        ))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, area, &mut state);
}

fn draw_groups(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let lines: Vec<Line> = app
        .groups
        .iter()
        .map(|&(g, b)| {
            Line::from(vec![
                Span::styled("■ ", Style::default().fg(color(g))),
                Span::raw(format!("{:>9}  {}", format_bytes(b), g.label())),
            ])
        })
        .collect();
    let title = format!(" As of layer {} ", app.layer);
    frame.render_widget(Paragraph::new(lines).block(panel(title, false)), area);
}

fn mark(m: Mark) -> (&'static str, Style) {
    match m {
        Mark::Unchanged => (" ", Style::default()),
        Mark::Added => ("+", Style::default().fg(Color::Green)),
        Mark::Modified => ("~", Style::default().fg(Color::Yellow)),
        Mark::Removed => ("-", Style::default().fg(Color::Red)),
    }
}

fn draw_tree(frame: &mut Frame<'_>, app: &App, area: Rect) {
    // Only the rows on screen are drawn: a tree can hold a million.
    let height = area.height.saturating_sub(2).max(1) as usize;
    let mut offset = app.tree_offset.get().min(app.selected);
    if app.selected >= offset + height {
        offset = app.selected + 1 - height;
    }
    app.tree_offset.set(offset);
    let shown = &app.rows[offset.min(app.rows.len())..(offset + height).min(app.rows.len())];
    let items: Vec<ListItem> = shown
        .iter()
        .map(|r| {
            let (m, mstyle) = mark(r.mark);
            let arrow = match (r.is_dir, r.expanded) {
                (false, _) => "  ",
                (true, true) => "▾ ",
                (true, false) => "▸ ",
            };
            let name_style = if r.wasted {
                Style::default()
                    .fg(Color::Red)
                    .add_modifier(Modifier::CROSSED_OUT)
            } else if r.is_dir {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default().fg(color(r.group))
            };
            ListItem::new(Line::from(vec![
                Span::styled(m, mstyle),
                Span::raw(format!(" {:>9} ", format_bytes(r.bytes))),
                Span::raw("  ".repeat(r.depth)),
                Span::raw(arrow),
                Span::styled(r.name.clone(), name_style),
            ]))
        })
        .collect();
    let mut views = vec![match app.view.sort {
        Sort::Name => "by name".to_string(),
        Sort::Size => "by size".to_string(),
    }];
    if let Some(g) = &app.view.glob {
        views.push(format!("glob {}", g.glob()));
    }
    if app.view.min_bytes > 0 {
        views.push(format!("≥ {}", format_bytes(app.view.min_bytes)));
    }
    if app.view.only_wasted {
        views.push("only wasted".into());
    }
    if app.view.only_changes {
        views.push("only this layer's changes".into());
    }
    let title = format!(
        " {} as of layer {} · {} ",
        app.reference,
        app.layer,
        views.join(" · ")
    );
    let mut state =
        ListState::default().with_selected((!app.rows.is_empty()).then_some(app.selected - offset));
    let list = List::new(items)
        .block(panel(title, app.focus == Focus::Tree))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, area, &mut state);
}

fn draw_status(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let left = match &app.input {
        Some(Input::Glob(t)) => format!("glob (Enter applies, empty clears): {t}▏"),
        Some(Input::MinSize(t)) => format!("at least (e.g. 10MB; empty clears): {t}▏"),
        None => "?: keys · Tab: panel · s: sort · /: glob · >: size · w: wasted · c: changes · x: extract · q: quit".into(),
    };
    let line = Line::from(vec![
        Span::raw(left),
        Span::raw("  "),
        Span::styled(app.status.clone(), Style::default().fg(Color::DarkGray)),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

const HELP: &str = "Tab        switch between layers and tree
↑ ↓ j k    move; in the layer list, show the image as of that layer
PgUp PgDn  move by 20       Home End  first, last
Enter ␣    open or close a directory    → l open   ← h close / parent
e E        open all, close all
s          sort by name or by size (largest first)
/          filter by glob (*.so, **/site-packages/**)
>          only files of at least a size (10MB)
w          only wasted: versions the final image no longer shows
c          only what the selected layer changed (+ added ~ modified - removed)
i          the selected path's metadata
x          extract the selected file (as of the selected layer) to ./ballast-extract/
?          this help          q Esc  quit
Mouse: click a layer or a row; the wheel moves.";

fn popup(frame: &mut Frame<'_>, title: &str, text: &str) {
    let area = frame.area();
    let width = (area.width * 4 / 5).max(20).min(area.width);
    let height = (text.lines().count() as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text.to_string())
            .wrap(Wrap { trim: false })
            .block(panel(format!(" {title} (any key closes) "), true)),
        rect,
    );
}
