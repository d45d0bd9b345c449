//! One fixture and one snapshot per rule.
//!
//! A fixture (`tests/fixtures/<rule-name>.txt`) holds cases, each a
//! Dockerfile introduced by `#@ case fires: ...` (the rule must report) or
//! `#@ case ok: ...` (it must not). Directives inside a case:
//! `#@ file PATH` (the following lines, up to the next `#@`, are a file of
//! the build context), `#@ file PATH size=N` (N bytes of zeros),
//! `#@ context` (lint with a build context even without files),
//! `#@ target NAME`, `#@ build-arg K=V`, `#@ trusted REGISTRY`, `#@ path P`
//! (the Dockerfile's path as shown), `#@ expect LINE MESSAGE` (the case
//! reports exactly the findings listed, each on the line with the message:
//! BuildKit's own lint test cases are written so).
//! A runtime rule's case is a compose file instead (see `compose_case`).
//! Each case is linted with only the rule selected; the snapshot shows
//! every finding with its place, help, savings and fix, and the file after
//! applying the fix.

use std::fmt::Write as _;

#[path = "support/compose_case.rs"]
mod compose_case;

use ballast_dockerfile::Dockerfile;
use ballast_linter::{Applicability, BuildContext, LintOptions, Settings, catalog, fix, lint};

struct Case {
    title: String,
    dockerfile: String,
    files: Vec<(String, FileBody)>,
    context: bool,
    target: Option<String>,
    build_args: Vec<(String, String)>,
    trusted: Vec<String>,
    /// The Dockerfile's path as shown (`#@ path .devcontainer/Dockerfile`).
    path: Option<String>,
    /// Exactly the findings to report, as (line, message).
    expect: Vec<(usize, String)>,
}

enum FileBody {
    Text(String),
    Zeros(u64),
    Bytes(Vec<u8>),
}

fn parse_fixture(text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let mut file: Option<(String, FileBody)> = None;
    let flush_file = |cases: &mut Vec<Case>, file: &mut Option<(String, FileBody)>| {
        if let (Some(c), Some(f)) = (cases.last_mut(), file.take()) {
            c.files.push(f);
        }
    };
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches('\n');
        if let Some(d) = trimmed.strip_prefix("#@ ") {
            flush_file(&mut cases, &mut file);
            if let Some(title) = d.strip_prefix("case ") {
                cases.push(Case {
                    title: title.to_string(),
                    dockerfile: String::new(),
                    files: Vec::new(),
                    context: false,
                    target: None,
                    build_args: Vec::new(),
                    trusted: Vec::new(),
                    path: None,
                    expect: Vec::new(),
                });
                continue;
            }
            let c = cases.last_mut().expect("directive before the first case");
            if let Some(rest) = d.strip_prefix("file ") {
                let mut parts = rest.split_whitespace();
                let path = parts.next().expect("file path").to_string();
                let body = match parts.next() {
                    Some(p) if p.starts_with("size=") => {
                        FileBody::Zeros(p[5..].parse().expect("size"))
                    }
                    Some(p) if p.starts_with("hex=") => FileBody::Bytes(
                        (5..p.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(&p[i - 1..=i], 16).expect("hex"))
                            .collect(),
                    ),
                    _ => FileBody::Text(String::new()),
                };
                c.context = true;
                file = Some((path, body));
            } else if d == "context" {
                c.context = true;
            } else if let Some(t) = d.strip_prefix("target ") {
                c.target = Some(t.trim().to_string());
            } else if let Some(kv) = d.strip_prefix("build-arg ") {
                let (k, v) = kv.split_once('=').expect("K=V");
                c.build_args.push((k.to_string(), v.to_string()));
            } else if let Some(r) = d.strip_prefix("trusted ") {
                c.trusted.push(r.trim().to_string());
            } else if let Some(p) = d.strip_prefix("path ") {
                c.path = Some(p.trim().to_string());
            } else if let Some(e) = d.strip_prefix("expect ") {
                let (line, message) = e.split_once(' ').expect("expect LINE MESSAGE");
                c.expect
                    .push((line.parse().expect("expect line"), message.to_string()));
            } else {
                panic!("unknown directive {d}");
            }
            continue;
        }
        match &mut file {
            Some((_, FileBody::Text(t))) => t.push_str(line),
            Some((_, FileBody::Zeros(_) | FileBody::Bytes(_))) => {}
            None => cases
                .last_mut()
                .expect("text before the first case")
                .dockerfile
                .push_str(line),
        }
    }
    flush_file(&mut cases, &mut file);
    cases
}

/// Writes a case's context files under `dir`.
fn write_files(dir: &std::path::Path, files: &[(String, FileBody)]) {
    for (path, body) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        match body {
            FileBody::Text(t) => std::fs::write(&p, t).unwrap(),
            FileBody::Zeros(n) => std::fs::File::create(&p).unwrap().set_len(*n).unwrap(),
            FileBody::Bytes(b) => std::fs::write(&p, b).unwrap(),
        }
    }
}

/// A fixed file converged with nothing fixable left, and fixing it again
/// changed nothing.
fn assert_stable(title: &str, fixed: &fix::Fixed, again: &fix::Fixed) {
    assert!(fixed.converged, "{title}: fixing did not converge");
    assert!(
        fixed.remaining.iter().all(|f| f.fix.is_none()),
        "{title}: a fixable finding remains after fixing"
    );
    assert_eq!(
        again.text, fixed.text,
        "{title}: fixing the fixed file changed it"
    );
    assert!(again.applied.is_empty(), "{title}: not idempotent");
}

/// One finding as the snapshot shows it: place, text, related places,
/// help, savings and fix.
fn render(
    out: &mut String,
    f: &ballast_linter::Finding,
    source: &str,
    line_col: &dyn Fn(usize) -> (usize, usize),
) {
    let (l1, c1) = line_col(f.span.start);
    let (l2, c2) = line_col(f.span.end);
    writeln!(
        out,
        "{} {} [{}] {l1}:{c1}-{l2}:{c2}: {}",
        f.code(),
        f.rule.name,
        f.severity,
        f.message
    )
    .unwrap();
    writeln!(out, "  | {}", f.span.text(source).replace('\n', "\n  | ")).unwrap();
    for (span, label) in &f.related {
        writeln!(out, "  related {}: {label}", line_col(span.start).0).unwrap();
    }
    if let Some(h) = &f.help {
        writeln!(out, "  help: {h}").unwrap();
    }
    if let Some(s) = &f.savings {
        writeln!(
            out,
            "  savings: {} {} bytes ({})",
            s.kind.as_str(),
            s.bytes,
            s.basis
        )
        .unwrap();
    }
    if let Some(fix) = &f.fix {
        writeln!(
            out,
            "  fix ({}): {}",
            fix.applicability.as_str(),
            fix.message
        )
        .unwrap();
    }
}

fn run_case(rule: &catalog::Rule, case: &Case) -> (String, Vec<(usize, String)>) {
    if rule.compose.is_some() {
        return compose_case::run(rule, case);
    }
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &case.files);
    let df_path = dir.path().join("Dockerfile");
    std::fs::write(&df_path, &case.dockerfile).unwrap();
    let ctx = case
        .context
        .then(|| BuildContext::load(dir.path(), Some(&df_path)).unwrap());
    let settings = Settings {
        select: vec![rule.code.to_string()],
        trusted_registries: case.trusted.clone(),
        ..Settings::default()
    };
    settings.validate().unwrap();
    let mut options = LintOptions {
        settings,
        target: case.target.clone(),
        context: ctx.as_ref(),
        path: case.path.clone(),
        ..LintOptions::default()
    };
    for (k, v) in &case.build_args {
        options.build.build_args.insert(k.clone(), v.clone());
    }
    let df = Dockerfile::parse(&case.dockerfile);
    let outcome = lint(&df, &options).unwrap_or_else(|e| panic!("{}: {e}", case.title));
    let mut out = String::new();
    for f in &outcome.findings {
        assert_eq!(f.rule.code, rule.code, "only the selected rule reports");
        render(&mut out, f, &case.dockerfile, &|at| df.line_col(at));
    }
    if outcome.findings.iter().any(|f| f.fix.is_some()) {
        // Fix until nothing changes: the result must parse, converge, and
        // fixing it again must change nothing (idempotence).
        let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).ok();
        let fixed =
            fix::fix_until_stable(&case.dockerfile, &mut options, Applicability::Unsafe, &read)
                .unwrap_or_else(|e| panic!("{}: {e}", case.title));
        assert!(
            Dockerfile::parse(&fixed.text).is_ok(),
            "{}: the fixed file must parse:\n{}",
            case.title,
            fixed.text
        );
        let again =
            fix::fix_until_stable(&fixed.text, &mut options, Applicability::Unsafe, &read).unwrap();
        assert_stable(&case.title, &fixed, &again);
        writeln!(out, "  --- after fixes ({} round(s))", fixed.rounds).unwrap();
        for l in fixed.text.lines() {
            writeln!(out, "  {l}").unwrap();
        }
        for (path, text) in &fixed.files {
            writeln!(out, "  --- {path} after fixes").unwrap();
            for l in text.lines() {
                writeln!(out, "  {l}").unwrap();
            }
        }
    }
    let found = outcome
        .findings
        .iter()
        .map(|f| (df.line_col(f.span.start).0, f.message.clone()))
        .collect();
    (out, found)
}

/// Whether ShellCheck runs here; under CI it must (`.ci/run` installs it).
fn shellcheck_available() -> bool {
    let found = std::process::Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI is set but `shellcheck` is not installed"
    );
    if !found {
        eprintln!("SKIPPED: the shellcheck rule's fixture needs `shellcheck` on PATH");
    }
    found
}

fn check_rule(name: &str) {
    let rule = catalog::find(name).unwrap_or_else(|| panic!("no rule {name}"));
    if name == "shellcheck" && !shellcheck_available() {
        return;
    }
    let path = format!("{}/tests/fixtures/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing fixture {path}"));
    let cases = parse_fixture(&text);
    assert!(
        cases.iter().any(|c| c.title.starts_with("fires")),
        "{name}: no positive case"
    );
    assert!(
        cases.iter().any(|c| c.title.starts_with("ok")),
        "{name}: no negative case"
    );
    let mut snapshot = String::new();
    for case in &cases {
        let (rendered, found) = run_case(rule, case);
        let n = found.len();
        if !case.expect.is_empty() {
            assert_eq!(found, case.expect, "{name}: case `{}`", case.title);
        }
        if case.title.starts_with("fires") {
            assert!(n > 0, "{name}: case `{}` must report", case.title);
        } else {
            assert!(
                case.title.starts_with("ok"),
                "{name}: case titles start with fires/ok"
            );
            assert_eq!(
                n, 0,
                "{name}: case `{}` must not report:\n{rendered}",
                case.title
            );
        }
        writeln!(snapshot, "== {}", case.title).unwrap();
        snapshot.push_str(&rendered);
    }
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, snapshot);
    });
}

#[test]
#[cfg_attr(
    ballast_no_shellcheck,
    ignore = "the shellcheck rule's fixture needs shellcheck ($BALLAST_SHELLCHECK or PATH)"
)]
fn shellcheck() {
    check_rule("shellcheck");
}

macro_rules! rule_tests {
    ($($f:ident => $name:literal,)*) => {
        $( #[test] fn $f() { check_rule($name); } )*

        #[test]
        fn every_rule_has_a_fixture_test() {
            let tested = [$($name),*, "shellcheck"];
            for r in catalog::all() {
                assert!(tested.contains(&r.name), "{} has no fixture test", r.name);
            }
        }
    };
}

rule_tests! {
    full_python_base => "full-python-base",
    pip_cache_kept => "pip-cache-kept",
    apt_lists_kept => "apt-lists-kept",
    apt_recommends_installed => "apt-recommends-installed",
    cleanup_in_later_layer => "cleanup-in-later-layer",
    build_tools_in_final_stage => "build-tools-in-final-stage",
    dev_packages_in_image => "dev-packages-in-image",
    copy_whole_filesystem => "copy-whole-filesystem",
    chown_in_later_layer => "chown-in-later-layer",
    no_multistage_with_build_deps => "no-multistage-with-build-deps",
    os_package_cache_kept => "os-package-cache-kept",
    deps_installed_after_code => "deps-installed-after-code",
    apt_update_alone => "apt-update-alone",
    unpinned_base_image => "unpinned-base-image",
    base_not_digest_pinned => "base-not-digest-pinned",
    cuda_torch_without_gpu => "cuda-torch-without-gpu",
    cuda_devel_base_in_final_stage => "cuda-devel-base-in-final-stage",
    duplicate_cuda_runtime => "duplicate-cuda-runtime",
    model_downloaded_at_build => "model-downloaded-at-build",
    hf_cache_in_image => "hf-cache-in-image",
    opencv_gui_in_server => "opencv-gui-in-server",
    musl_base_with_binary_wheels => "musl-base-with-binary-wheels",
    root_user => "root-user",
    secret_in_arg_or_env => "secret-in-arg-or-env",
    add_instead_of_copy => "add-instead-of-copy",
    remote_script_piped_to_shell => "remote-script-piped-to-shell",
    sudo_in_run => "sudo-in-run",
    secret_written_to_image => "secret-written-to-image",
    tls_verification_disabled => "tls-verification-disabled",
    untrusted_registry => "untrusted-registry",
    missing_dockerignore => "missing-dockerignore",
    context_ships_junk => "context-ships-junk",
    stage_name_casing => "stage-name-casing",
    from_as_casing => "from-as-casing",
    no_empty_continuation => "no-empty-continuation",
    consistent_instruction_casing => "consistent-instruction-casing",
    duplicate_stage_name => "duplicate-stage-name",
    reserved_stage_name => "reserved-stage-name",
    json_args_recommended => "json-args-recommended",
    maintainer_deprecated => "maintainer-deprecated",
    undefined_arg_in_from => "undefined-arg-in-from",
    workdir_relative_path => "workdir-relative-path",
    multiple_instructions_disallowed => "multiple-instructions-disallowed",
    legacy_key_value_format => "legacy-key-value-format",
    redundant_target_platform => "redundant-target-platform",
    invalid_default_arg_in_from => "invalid-default-arg-in-from",
    from_platform_flag_const_disallowed => "from-platform-flag-const-disallowed",
    expose_proto_casing => "expose-proto-casing",
    expose_invalid_format => "expose-invalid-format",
    invalid_definition_description => "invalid-definition-description",
    copy_ignored_file => "copy-ignored-file",
    undefined_var => "undefined-var",
    invalid_base_image_platform => "invalid-base-image-platform",
    apt_get_without_yes => "apt-get-without-yes",
    apt_instead_of_apt_get => "apt-instead-of-apt-get",
    cd_in_run => "cd-in-run",
    pipe_without_pipefail => "pipe-without-pipefail",
    copy_from_unknown_stage => "copy-from-unknown-stage",
    copy_from_own_stage => "copy-from-own-stage",
    copy_relative_without_workdir => "copy-relative-without-workdir",
    package_version_unpinned => "package-version-unpinned",
    consecutive_runs => "consecutive-runs",
    non_numeric_user => "non-numeric-user",
    compose_not_read_only => "compose-not-read-only",
    compose_writable_path_unmounted => "compose-writable-path-unmounted",
    compose_capabilities_not_dropped => "compose-capabilities-not-dropped",
    compose_broad_capability_added => "compose-broad-capability-added",
    compose_privileged => "compose-privileged",
    compose_new_privileges_allowed => "compose-new-privileges-allowed",
    compose_root_user => "compose-root-user",
    compose_host_namespace => "compose-host-namespace",
    compose_docker_socket_mounted => "compose-docker-socket-mounted",
    compose_secret_in_environment => "compose-secret-in-environment",
    compose_no_resource_limits => "compose-no-resource-limits",
    compose_gpu_without_cuda_torch => "compose-gpu-without-cuda-torch",
}

#[test]
fn every_rule_is_documented() {
    let mut codes = std::collections::BTreeSet::new();
    for r in catalog::all() {
        assert!(codes.insert(r.code), "duplicate code {}", r.code);
        // A rule names its own identity; `Rule::OPTIONAL` gives none.
        assert!(r.code.starts_with("BL") && !r.summary.is_empty(), "{r:?}");
        let doc = r.doc();
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix safety",
        ] {
            assert!(doc.contains(section), "{}: doc lacks `{section}`", r.name);
        }
        assert!(
            r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            r.name
        );
    }
}
