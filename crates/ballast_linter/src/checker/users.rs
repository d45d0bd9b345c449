//! Users and directories: who each instruction runs as, the user the
//! build creates, the directories it makes.

use super::{Checker, is_system_path};

impl<'a> Checker<'a> {
    /// Directories the image's RUNs create with `mkdir` for the app to use:
    /// (absolute path, 1-based line). System locations (`/usr`, `/etc`,
    /// `/var/lib`, ...) hold what the build installs, not what the app
    /// writes, and are left out.
    pub fn created_dirs(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for run in self.image_runs() {
            for (_, cmd) in run.commands() {
                if cmd.name() != Some("mkdir") {
                    continue;
                }
                for a in cmd.args().filter(|a| !a.starts_with('-')) {
                    let abs = self.absolute(run.index, a);
                    if !is_system_path(&abs) && !out.iter().any(|(d, _)| *d == abs) {
                        out.push((abs, self.inst(run.index).start_line));
                    }
                }
            }
        }
        out
    }

    /// A user the image's RUNs create (`useradd`, `adduser`), if any.
    pub fn created_user(&self) -> Option<String> {
        self.image_runs().find_map(|run| {
            run.commands().find_map(|(_, cmd)| {
                if !matches!(cmd.name(), Some("useradd" | "adduser")) {
                    return None;
                }
                // The name is the last word that is not an option or its value.
                let args: Vec<&str> = cmd.args().collect();
                let mut name = None;
                let mut k = 0;
                while k < args.len() {
                    let a = args[k];
                    if a.starts_with('-') {
                        let takes_value = !a.contains('=')
                            && matches!(
                                a,
                                "-u" | "--uid"
                                    | "-g"
                                    | "--gid"
                                    | "-G"
                                    | "--groups"
                                    | "-d"
                                    | "--home"
                                    | "--home-dir"
                                    | "-s"
                                    | "--shell"
                                    | "-c"
                                    | "--comment"
                                    | "--gecos"
                                    | "--ingroup"
                                    | "-K"
                                    | "-k"
                                    | "--skel"
                                    | "-e"
                                    | "-f"
                            );
                        k += 1 + usize::from(takes_value);
                        continue;
                    }
                    name = Some(a.to_string());
                    k += 1;
                }
                name
            })
        })
    }

    /// The user instruction `i` runs as (`None`: root, the default), from
    /// the USER lines of its stage and the stages it is built on.
    pub fn user_at(&self, i: usize) -> Option<String> {
        self.users.get(i)?.as_deref().map(str::to_string)
    }

    /// Whether instruction `i` runs as root.
    pub fn runs_as_root(&self, i: usize) -> bool {
        self.user_at(i)
            .is_none_or(|u| ballast_ml::images::is_root_user(&u))
    }
}
