//! OS package managers: apt-get/apt, apk, dnf/yum/microdnf.

use crate::{Command, Word};

/// An OS package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    AptGet,
    Apt,
    Apk,
    Dnf,
    Yum,
    Microdnf,
}

impl Manager {
    fn from_name(name: &str) -> Option<Manager> {
        Some(match name {
            "apt-get" => Manager::AptGet,
            "apt" => Manager::Apt,
            "apk" => Manager::Apk,
            "dnf" => Manager::Dnf,
            "yum" => Manager::Yum,
            "microdnf" => Manager::Microdnf,
            _ => return None,
        })
    }

    /// Whether it is apt-get or apt.
    pub fn is_apt(self) -> bool {
        matches!(self, Manager::AptGet | Manager::Apt)
    }
}

/// What an OS package command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Update,
    Install,
    Upgrade,
    Clean,
    Remove,
    Other,
}

/// An OS package command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageCommand {
    pub manager: Manager,
    pub action: Action,
    /// Index of the action word (fixes insert flags after it).
    pub action_word: usize,
    /// Package names.
    pub packages: Vec<Word>,
    /// Options as written.
    pub options: Vec<String>,
}

impl PackageCommand {
    /// `apt-get update` (or `apt update`).
    pub fn is_apt_update(&self) -> bool {
        self.manager.is_apt() && self.action == Action::Update
    }

    /// Whether an option is present (`--no-install-recommends`, `--no-cache`).
    pub fn has_option(&self, o: &str) -> bool {
        self.options
            .iter()
            .any(|x| x == o || x.starts_with(&format!("{o}=")))
    }

    /// apt's `--no-install-recommends` or `-o APT::Install-Recommends=false`.
    pub fn no_recommends(&self) -> bool {
        self.has_option("--no-install-recommends")
            || self.options.windows(2).any(|w| {
                w[0] == "-o"
                    && w[1]
                        .to_ascii_lowercase()
                        .starts_with("apt::install-recommends=")
                    && matches!(w[1].rsplit('=').next(), Some("false" | "0"))
            })
            || self
                .options
                .iter()
                .any(|o| o.to_ascii_lowercase().contains("install-recommends=false"))
    }
}

/// Recognises an OS package command.
pub fn package_command(cmd: &Command) -> Option<PackageCommand> {
    let manager = Manager::from_name(cmd.name()?)?;
    let w = &cmd.words;
    let mut options = Vec::new();
    let mut i = 1;
    while i < w.len() && w[i].text.starts_with('-') {
        options.push(w[i].text.clone());
        // `-o Key=Value` takes the next word.
        if w[i].text == "-o" && i + 1 < w.len() {
            options.push(w[i + 1].text.clone());
            i += 1;
        }
        i += 1;
    }
    let verb = w.get(i).map(|x| x.text.as_str()).unwrap_or("");
    let action = match (manager, verb) {
        (Manager::Apk, "update") => Action::Update,
        (Manager::Apk, "add") => Action::Install,
        (Manager::Apk, "upgrade") => Action::Upgrade,
        (Manager::Apk, "del") => Action::Remove,
        (Manager::Apk, "cache") => Action::Clean,
        (_, "update") if manager.is_apt() => Action::Update,
        (_, "install") => Action::Install,
        (_, "upgrade" | "dist-upgrade" | "full-upgrade" | "update") => Action::Upgrade,
        (_, "clean" | "autoclean") => Action::Clean,
        (_, "remove" | "purge" | "autoremove" | "erase") => Action::Remove,
        _ => Action::Other,
    };
    let action_word = i;
    let mut packages = Vec::new();
    i += 1;
    while i < w.len() {
        let t = &w[i].text;
        if t.starts_with('-') {
            options.push(t.clone());
            if t == "-o" && i + 1 < w.len() {
                options.push(w[i + 1].text.clone());
                i += 1;
            }
        } else {
            packages.push(w[i].clone());
        }
        i += 1;
    }
    Some(PackageCommand {
        manager,
        action,
        action_word,
        packages,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn recognises_managers() {
        let s = parse(
            "apt-get update && apt-get install -y --no-install-recommends build-essential curl && apk add --no-cache gcc && dnf clean all",
        );
        let cmds: Vec<PackageCommand> = s.commands.iter().filter_map(package_command).collect();
        assert_eq!(cmds[0].action, Action::Update);
        assert_eq!(cmds[1].action, Action::Install);
        assert!(cmds[1].no_recommends());
        let pk: Vec<&str> = cmds[1].packages.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(pk, ["build-essential", "curl"]);
        assert_eq!(cmds[2].manager, Manager::Apk);
        assert!(cmds[2].has_option("--no-cache"));
        assert_eq!(cmds[3].action, Action::Clean);
        let c = package_command(
            &parse("apt-get -o APT::Install-Recommends=false install -y x").commands[0],
        )
        .unwrap();
        assert!(c.no_recommends());
    }
}
