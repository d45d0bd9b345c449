//! The terminal loop: raw mode and the alternate screen (restored on exit
//! and on panic, by ratatui), keys and the mouse translated for [`App`], the
//! background verification's news shown as it comes.

use std::io;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEvent, KeyEventKind,
    KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;

use super::{App, Key, draw};

/// Runs the explorer until the user quits; `news` carries status lines
/// (the background verification's progress and result).
pub fn run(mut app: App, news: Option<Receiver<String>>) -> io::Result<()> {
    let mut terminal = ratatui::init();
    execute!(io::stdout(), EnableMouseCapture)?;
    let result = (|| -> io::Result<()> {
        while !app.quit {
            if let Some(rx) = &news {
                while let Ok(line) = rx.try_recv() {
                    app.status = line;
                }
            }
            terminal.draw(|f| draw(f, &app))?;
            if !event::poll(Duration::from_millis(250))? {
                continue;
            }
            match event::read()? {
                Event::Key(k) if k.kind == KeyEventKind::Press => {
                    if let Some(key) = translate(k) {
                        app.key(key);
                    }
                }
                Event::Mouse(m) => {
                    let area = terminal.get_frame().area();
                    match m.kind {
                        MouseEventKind::Down(MouseButton::Left) => app.click(area, m.column, m.row),
                        MouseEventKind::ScrollDown => app.key(Key::Down),
                        MouseEventKind::ScrollUp => app.key(Key::Up),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok(())
    })();
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn translate(k: KeyEvent) -> Option<Key> {
    if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
        return Some(Key::Char('q'));
    }
    Some(match k.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Enter => Key::Enter,
        KeyCode::Tab | KeyCode::BackTab => Key::Tab,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        _ => return None,
    })
}
