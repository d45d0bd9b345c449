//! ANSI styling, on only when the caller decided colour is wanted (a
//! terminal, and NO_COLOR not set).

/// Text styles.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Emit escape codes.
    pub color: bool,
}

impl Style {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    /// Bold.
    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    /// Dimmed.
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    /// Red (errors).
    pub fn red(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    /// Yellow (warnings).
    pub fn yellow(&self, s: &str) -> String {
        self.wrap("1;33", s)
    }
    /// Green (savings, good news).
    pub fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    /// Cyan (info).
    pub fn cyan(&self, s: &str) -> String {
        self.wrap("36", s)
    }
    /// A severity's name in its colour.
    pub fn severity(&self, severity: ballast_ml::rules::Severity) -> String {
        use ballast_ml::rules::Severity;
        let name = severity.as_str();
        match severity {
            Severity::Error => self.red(name),
            Severity::Warning => self.yellow(name),
            Severity::Info => self.cyan(name),
        }
    }
}
