//! Dockerfiles and build contexts: unterminated heredocs, huge lines and
//! files, deep nesting, NUL bytes, invalid UTF-8, every instruction
//! malformed, expansion bombs, symlink loops, FIFOs and hostile
//! `.dockerignore` patterns.

use crate::{Cases, Expect, prints};

/// `ballast lint Dockerfile` on these bytes.
fn lint(cases: &mut Cases, name: &str, dockerfile: &[u8], expect: Expect) {
    let dir = cases.dir(name);
    std::fs::write(dir.join("Dockerfile"), dockerfile).expect("write");
    cases.push(name, &dir, &["lint", "Dockerfile"], expect);
}

pub(crate) fn cases(cases: &mut Cases) {
    let malformed = include_str!("malformed.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'));
    assert_eq!(malformed.clone().count(), 41, "every case of malformed.tsv");
    for case in malformed {
        let mut cols = case.split('\t');
        let (name, line, message) = (
            cols.next().unwrap(),
            cols.next().unwrap(),
            cols.next().unwrap(),
        );
        let line = line.replace("\\n", "\n");
        let text = format!("FROM python:3.11-slim\n{line}\nCMD [\"python\"]\n");
        lint(
            cases,
            &format!("malformed-{name}"),
            text.as_bytes(),
            Expect::Error(message),
        );
    }
    lint(
        cases,
        "empty-dockerfile",
        b"",
        Expect::Error("file with no instructions"),
    );
    lint(
        cases,
        "only-comments",
        b"# a\n# b\n",
        Expect::Error("file with no instructions"),
    );
    lint(
        cases,
        "instruction-before-from",
        b"RUN x\nFROM a\n",
        Expect::Error("no build stage in current context"),
    );
    lint(
        cases,
        "unterminated-heredoc",
        b"FROM python:3.11-slim\nRUN <<EOF\npip install x\n",
        Expect::Error("unterminated heredoc"),
    );
    lint(
        cases,
        "invalid-utf8",
        b"FROM python:3.11-slim\nRUN echo \xff\xfe\n",
        Expect::Error("not valid UTF-8"),
    );
    lint(
        cases,
        "nul-bytes",
        b"FROM python:3.11-slim\nRUN echo a\0b && pip install x\n",
        Expect::Output(prints("pip-cache-kept")),
    );
    let long_line = format!(
        "FROM python:3.11-slim\nRUN echo {}\n",
        "a".repeat(100 << 20)
    );
    lint(
        cases,
        "100MB-line",
        long_line.as_bytes(),
        Expect::Error("BALLAST_MAX_DOCKERFILE_BYTES"),
    );
    let long_line = format!("FROM python:3.11-slim\nRUN echo {}\n", "a".repeat(70_000));
    lint(
        cases,
        "70kB-line",
        long_line.as_bytes(),
        Expect::Error("line greater than max allowed size of 65535"),
    );
    let many_lines = "FROM python:3.11-slim\n".to_string() + &"RUN true\n".repeat(2_000_000);
    lint(
        cases,
        "2M-lines",
        many_lines.as_bytes(),
        Expect::Error("BALLAST_MAX_DOCKERFILE_BYTES"),
    );
    let continuations =
        "FROM python:3.11-slim\nRUN true \\\n".to_string() + &" \\\n".repeat(300_000) + "\n";
    lint(
        cases,
        "300k-continuation-lines",
        continuations.as_bytes(),
        Expect::Output(Box::new(|_| Ok(()))),
    );
    let deep_onbuild = "FROM a\n".to_string() + &"ONBUILD ".repeat(10_000) + "RUN x\n";
    lint(
        cases,
        "deep-onbuild-line",
        deep_onbuild.as_bytes(),
        Expect::Error("65535"),
    );
    let nested = "FROM a\n".to_string() + &"ONBUILD ".repeat(20) + "RUN x\n";
    lint(
        cases,
        "onbuild-nested-20",
        nested.as_bytes(),
        Expect::Error("ONBUILD"),
    );
    let deep_braces = format!(
        "FROM python:3.11-slim\nARG A={}x{}\nRUN echo $A\n",
        "${B:-".repeat(5000),
        "}".repeat(5000)
    );
    lint(
        cases,
        "deep-variable-nesting",
        deep_braces.as_bytes(),
        Expect::Output(Box::new(|_| Ok(()))),
    );
    let mut doubling = "FROM python:3.11-slim\nARG A=xxxxxxxxxxxxxxxx\n".to_string();
    for _ in 0..60 {
        doubling.push_str("ARG A=$A$A\n");
    }
    doubling.push_str("RUN echo $A\n");
    lint(
        cases,
        "expansion-bomb",
        doubling.as_bytes(),
        Expect::Output(Box::new(|_| Ok(()))),
    );
    let many_envs: String = "FROM python:3.11-slim\n".to_string()
        + &(0..20_000)
            .map(|i| format!("ENV V{i}=$V{}x\n", i.max(1) - 1))
            .collect::<String>();
    lint(
        cases,
        "20k-chained-env",
        many_envs.as_bytes(),
        Expect::Output(Box::new(|_| Ok(()))),
    );
    let many_heredocs = "FROM python:3.11-slim\nRUN ".to_string()
        + &(0..2000).map(|i| format!("<<E{i} ")).collect::<String>()
        + "\n"
        + &(0..2000).map(|i| format!("x\nE{i}\n")).collect::<String>();
    lint(
        cases,
        "2000-heredocs",
        many_heredocs.as_bytes(),
        Expect::Output(Box::new(|_| Ok(()))),
    );
    lint(
        cases,
        "bom-crlf-backtick-escape",
        b"\xef\xbb\xbf# escape=`\r\nFROM python:3.11-slim\r\nRUN pip install `\r\n  flask\r\n",
        Expect::Output(prints("pip-cache-kept")),
    );
    let dir = cases.dir("dockerfile-dev-zero");
    cases.push(
        "dockerfile-is-dev-zero",
        &dir,
        &["lint", "/dev/zero"],
        Expect::Error("/dev/zero"),
    );
    let dir = cases.dir("dockerfile-missing");
    cases.push(
        "dockerfile-missing",
        &dir,
        &["lint", "nope/Dockerfile"],
        Expect::Error("nope/Dockerfile"),
    );
    let dir = cases.dir("fix-malformed");
    std::fs::write(dir.join("Dockerfile"), "FROM a\nCOPY onlyone\n").expect("write");
    cases.push(
        "fix-refuses-malformed",
        &dir,
        &["fix", "Dockerfile"],
        Expect::Error("COPY requires at least two arguments"),
    );
    contexts(cases);
}

fn contexts(cases: &mut Cases) {
    let project = |cases: &Cases, name: &str| {
        let dir = cases.dir(name);
        std::fs::write(
            dir.join("Dockerfile"),
            "FROM python:3.11-slim\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n",
        )
        .expect("write");
        std::fs::write(dir.join("main.py"), "print(1)\n").expect("write");
        dir
    };
    let dir = project(cases, "context-symlink-loops");
    std::os::unix::fs::symlink("loop", dir.join("loop")).expect("symlink");
    std::fs::create_dir(dir.join("d")).expect("dir");
    std::os::unix::fs::symlink("..", dir.join("d/up")).expect("symlink");
    std::os::unix::fs::symlink("/", dir.join("root")).expect("symlink");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd")).expect("symlink");
    cases.push(
        "context-symlink-loops",
        &dir,
        &["context", "."],
        Expect::Output(prints("main.py")),
    );
    let dir = project(cases, "context-fifo");
    crate::mkfifo(&dir.join("pipe"));
    cases.push(
        "context-fifo",
        &dir,
        &["context", "."],
        Expect::Output(prints("main.py")),
    );
    cases.push(
        "lint-with-fifo-in-context",
        &dir,
        &["lint", "Dockerfile"],
        Expect::Output(Box::new(|_| Ok(()))),
    );
    let dir = project(cases, "dockerignore-hostile-patterns");
    let patterns = [
        "[",
        "[]",
        "\\",
        "**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/*",
        &"*a".repeat(2000),
        "!",
        "../../etc",
        "/",
        "\u{0}",
        &"?".repeat(10_000),
    ]
    .join("\n");
    std::fs::write(dir.join(".dockerignore"), patterns).expect("write");
    cases.push(
        "dockerignore-hostile-patterns",
        &dir,
        &["context", "."],
        Expect::Output(Box::new(|_| Ok(()))),
    );
    let dir = project(cases, "dockerignore-5MiB");
    std::fs::write(dir.join(".dockerignore"), "x\n".repeat(5 << 19)).expect("write");
    cases.push(
        "dockerignore-5MiB",
        &dir,
        &["context", "."],
        Expect::Error(".dockerignore"),
    );
    let dir = project(cases, "dockerignore-not-utf8");
    std::fs::write(dir.join(".dockerignore"), b"\xff\xfe*.py\n").expect("write");
    cases.push(
        "dockerignore-not-utf8",
        &dir,
        &["context", "."],
        Expect::Error(".dockerignore"),
    );
    // A configuration file that never ends is refused at the limit.
    let dir = project(cases, "config-too-large");
    std::fs::write(dir.join("ballast.toml"), vec![b'#'; 2 << 20]).expect("write");
    cases.push(
        "config-too-large",
        &dir,
        &["lint", "."],
        Expect::Error("ballast.toml"),
    );
    let dir = project(cases, "context-deep-directories");
    let mut deep = dir.clone();
    for _ in 0..200 {
        deep.push("d");
    }
    std::fs::create_dir_all(&deep).expect("deep");
    std::fs::write(deep.join("leaf.py"), "x").expect("write");
    cases.push(
        "context-deep-directories",
        &dir,
        &["context", "."],
        Expect::Output(prints("main.py")),
    );
    let dir = project(cases, "rebuild-changed-outside");
    cases.push(
        "rebuild-changed-path-outside-context",
        &dir,
        &["rebuild", ".", "--changed", "../../etc/passwd"],
        Expect::Error("not inside the build context"),
    );
}
