//! Writing to standard output without panicking when the reader goes away
//! (`ballast ... | head`).

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Output stopped because the pipe was closed; the command ends quietly.
#[derive(Debug)]
pub(crate) struct BrokenPipe;

impl std::fmt::Display for BrokenPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("broken pipe")
    }
}

impl std::error::Error for BrokenPipe {}

/// Writes `text` to standard output.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(BrokenPipe.into()),
        Err(e) => Err(anyhow::Error::new(e).context("writing to standard output")),
    }
}

/// A report as pretty JSON on its own lines, as every `--format json` prints it.
pub(crate) fn json_text(report: &impl serde::Serialize) -> serde_json::Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(report)?))
}

/// The formats of the report commands (`check`, `bench`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    Terminal,
    Json,
    Markdown,
    /// One self-contained page with charts (see `ballast report`).
    Html,
}

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to emit colour on standard output.
    pub(crate) fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        }
    }

    /// The terminal renderers' style for standard output.
    pub(crate) fn style(self) -> ballast_report::Style {
        ballast_report::Style {
            color: self.enabled(),
        }
    }
}

/// A message as one safe terminal line: newlines, escape sequences and
/// bidirectional overrides (which hostile file or member names may carry)
/// are shown escaped instead of acting on the terminal.
pub(crate) fn one_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints `note: MESSAGE` on standard error, once per run however many
/// files say it (a tool a rule needs is missing).
pub(crate) fn note_once(message: &str) {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if !seen.iter().any(|m| m == message) {
        seen.push(message.to_string());
        eprintln!("note: {}", one_line(message));
    }
}

/// Prints `error: MESSAGE` on one line of standard error.
pub(crate) fn print_error(message: impl std::fmt::Display) {
    eprintln!("error: {}", one_line(&message.to_string()));
}

/// A spinner on standard error with an indicatif `template`, hidden when
/// standard error is not a terminal or with `--quiet`.
pub(crate) fn spinner(template: &str, quiet: bool) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::hidden();
    if !quiet && io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.set_style(indicatif::ProgressStyle::with_template(template).expect("template"));
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    bar
}

/// The steps of a long command on a spinner (`bench`): the current step
/// with its elapsed time, each finished step printed with its duration.
/// Hidden when standard error is not a terminal or with `--quiet`.
pub(crate) struct Steps {
    bar: indicatif::ProgressBar,
    current: Mutex<Option<(String, Instant)>>,
}

impl Steps {
    pub(crate) fn new(quiet: bool) -> Steps {
        Steps {
            bar: spinner("{spinner} {msg} [{elapsed}]", quiet),
            current: Mutex::new(None),
        }
    }

    /// The previous step is done; `step` begins.
    pub(crate) fn start(&self, step: &str) {
        self.done();
        *self.current.lock().expect("steps") = Some((step.to_string(), Instant::now()));
        self.bar.reset_elapsed();
        self.bar.set_message(step.to_string());
    }

    fn done(&self) {
        if let Some((step, started)) = self.current.lock().expect("steps").take() {
            let secs = started.elapsed().as_secs_f64();
            self.bar.println(format!("  {step}: {secs:.1} s"));
        }
    }

    /// The last step is done; the spinner goes.
    pub(crate) fn finish(&self) {
        self.done();
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_stay_on_one_harmless_line() {
        assert_eq!(
            super::one_line("bad\nname \u{1b}[31mred\u{202e}x\0"),
            "bad\\nname \\u{1b}[31mred\\u{202e}x\\u{0}"
        );
        assert_eq!(super::one_line("plain é ✓"), "plain é ✓");
    }
}
