//! `ballast completions SHELL` and `ballast man`: the scripts load in their
//! shell and complete the real commands; every manual page renders without
//! a warning.

mod common;

use std::process::Command;

use common::{ballast, root, run};

/// The commands `ballast --help` lists.
fn commands() -> Vec<String> {
    let out = run(ballast(&root()).arg("--help"), 0);
    let help = String::from_utf8(out.stdout).unwrap();
    let list = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap();
    // A command's line starts two spaces in; wrapped summaries further.
    list.lines()
        .filter(|l| l.starts_with("  ") && !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

fn completions(shell: &str) -> String {
    String::from_utf8(run(ballast(&root()).args(["completions", shell]), 0).stdout).unwrap()
}

#[test]
fn bash_completes_commands_and_options() {
    let script = completions("bash");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ballast.bash");
    std::fs::write(&path, &script).unwrap();
    // Load the script and ask it what `ballast ins<TAB>` and `ballast inspect --no-v<TAB>` become.
    let complete = |words: &str| {
        let cmd = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); \
             _ballast ballast \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = Command::new("bash").args(["-c", &cmd]).output().unwrap();
        ballast_testkit::assert_ran(&out, &cmd);
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("ballast ins").trim(), "inspect");
    assert_eq!(complete("ballast inspect --no-v").trim(), "--no-verify");
    let all = complete("ballast ''");
    for c in commands() {
        assert!(all.lines().any(|l| l == c), "{c} not completed: {all}");
    }
}

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    let commands = commands();
    assert!(commands.len() >= 10, "{commands:?}");
    for (shell, marker) in [
        ("zsh", "#compdef ballast"),
        ("fish", "complete -c ballast"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[ballast]"),
    ] {
        let script = completions(shell);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell}: {c} missing");
        }
    }
    let bad = run(ballast(&root()).args(["completions", "tcsh"]), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid value 'tcsh'"));
}

#[test]
#[cfg_attr(
    ballast_no_groff,
    ignore = "needs groff (Debian's groff-base) to render the pages"
)]
fn manual_pages_render_without_warnings() {
    let Some(groff) = ["/usr/bin/groff", "/bin/groff"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "groff is missing (CI installs groff-base)"
        );
        eprintln!("SKIPPED: no groff to render the manual pages");
        return;
    };
    let render = |page: &std::path::Path| {
        let out = Command::new(groff)
            .args(["-man", "-Tutf8", "-P-cbou", "-ww"])
            .arg(page)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("printed.1");
    std::fs::write(&main, run(ballast(&root()).arg("man"), 0).stdout).unwrap();
    let text = render(&main);
    for c in commands() {
        assert!(
            text.contains(&format!("ballast-{c}(1)")),
            "ballast(1) does not list {c}"
        );
    }
    let pages = dir.path().join("pages");
    run(ballast(&root()).args(["man", "--dir"]).arg(&pages), 0);
    for c in commands() {
        let page = pages.join(format!("ballast-{c}.1"));
        assert!(page.is_file(), "no page for {c}");
        let text = render(&page);
        // (groff justifies lines: words may be two spaces apart.)
        let words: Vec<&str> = text.split_whitespace().collect();
        let synopsis = words
            .iter()
            .position(|w| *w == "SYNOPSIS")
            .expect("a SYNOPSIS");
        assert_eq!(
            words[synopsis + 1..synopsis + 3],
            ["ballast", c.as_str()],
            "{c}: {text}"
        );
    }
    // The printed page is the directory's ballast.1.
    assert_eq!(
        std::fs::read_to_string(&main).unwrap(),
        std::fs::read_to_string(pages.join("ballast.1")).unwrap()
    );
    // Every page a page points at exists.
    for page in std::fs::read_dir(&pages).unwrap() {
        let text = std::fs::read_to_string(page.unwrap().path()).unwrap();
        for reference in text.split("ballast\\-").skip(1) {
            let name = reference.split("(1)").next().unwrap().replace("\\-", "-");
            if !name.contains(char::is_whitespace) {
                assert!(
                    pages.join(format!("ballast-{name}.1")).is_file(),
                    "no page ballast-{name}(1)"
                );
            }
        }
    }
}
