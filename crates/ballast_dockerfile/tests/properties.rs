//! Property tests: the parser never panics, spans are consistent, and the
//! canonical printer round-trips (parse -> print -> parse gives the same tree).

use ballast_dockerfile::Dockerfile;
use ballast_dockerfile::dump::{buildkit_dump, canonical};
use ballast_dockerfile::stages::{BuildOptions, StageGraph};
use proptest::prelude::*;

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_./:-]{0,8}",
        Just("$VAR".to_string()),
        Just("${A:-b}".to_string()),
        Just("\"quoted word\"".to_string()),
        Just("'single q'".to_string()),
        Just("a\\ b".to_string()),
        Just("x=y".to_string()),
        Just("k=\"v w\"".to_string()),
        Just("[\"json\", \"arr\"]".to_string()),
        Just("[\"broken\"".to_string()),
        Just("<<EOF".to_string()),
        Just("--flag=v".to_string()),
        Just("#notcomment".to_string()),
        Just("♥".to_string()),
    ]
}

fn instruction() -> impl Strategy<Value = String> {
    let kw = prop_oneof![
        Just("FROM"),
        Just("RUN"),
        Just("CMD"),
        Just("ENTRYPOINT"),
        Just("COPY"),
        Just("ADD"),
        Just("ENV"),
        Just("ARG"),
        Just("LABEL"),
        Just("EXPOSE"),
        Just("USER"),
        Just("WORKDIR"),
        Just("VOLUME"),
        Just("HEALTHCHECK"),
        Just("ONBUILD RUN"),
        Just("SHELL"),
        Just("STOPSIGNAL"),
        Just("run"),
        Just("Copy"),
        Just("FOO"),
    ];
    let flag = prop_oneof![
        Just(""),
        Just("--from=base "),
        Just("--mount=type=cache,target=/root/.cache "),
        Just("--chown=1000:1000 "),
        Just("--link "),
        Just("--x=\"a b\" "),
    ];
    (kw, flag, prop::collection::vec(word(), 0..5), any::<bool>()).prop_map(
        |(kw, flag, words, split)| {
            let sep = if split { " \\\n   " } else { " " };
            format!("{kw} {flag}{}", words.join(sep))
        },
    )
}

fn dockerfile() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop_oneof![
            Just("# escape=`\n"),
            Just("# syntax=docker/dockerfile:1\n")
        ]),
        prop::collection::vec(
            prop_oneof![
                4 => instruction(),
                1 => Just("# a comment".to_string()),
                1 => Just(String::new()),
            ],
            1..12,
        ),
    )
        .prop_map(|(directive, lines)| {
            let mut s = directive.unwrap_or_default().to_string();
            s.push_str("FROM base\n");
            for l in lines {
                s.push_str(&l);
                s.push('\n');
                if l.contains("<<EOF") {
                    s.push_str("body line\nEOF\n");
                }
            }
            s
        })
}

fn check_spans(df: &Dockerfile) {
    let src = &df.source;
    let mut last_end = 0;
    for inst in &df.instructions {
        assert!(inst.span.start >= last_end, "instructions overlap");
        assert!(inst.span.end <= src.len());
        assert!(src.is_char_boundary(inst.span.start) && src.is_char_boundary(inst.span.end));
        assert_eq!(inst.keyword_span.text(src), inst.keyword_text);
        for span in inst
            .flags
            .iter()
            .map(|f| f.span)
            .chain(inst.args.iter().map(|a| a.span))
        {
            assert!(
                span.start <= span.end && span.end <= inst.span.end,
                "{span:?} outside {:?}",
                inst.span
            );
            assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end));
        }
        last_end = inst.span.end;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_without_panicking(src in "\\PC{0,200}") {
        let df = Dockerfile::parse(&src);
        check_spans(&df);
        let _ = StageGraph::new(&df, &BuildOptions::default());
        for e in &df.errors {
            prop_assert!(e.line >= 1 && e.column >= 1);
        }
    }

    #[test]
    fn dockerfile_like_text_round_trips(src in dockerfile()) {
        let df = Dockerfile::parse(&src);
        check_spans(&df);
        prop_assume!(df.is_ok());
        let printed = canonical(&df);
        let again = Dockerfile::parse(&printed);
        prop_assert!(again.is_ok(), "canonical output failed to parse:\n{printed}\n{:?}", again.errors);
        prop_assert_eq!(buildkit_dump(&df), buildkit_dump(&again), "source:\n{}\nprinted:\n{}", src, printed);
        prop_assert_eq!(canonical(&again), printed);
        let _ = StageGraph::new(&df, &BuildOptions::default());
    }
}

/// Inputs the fuzzer found, kept as regression tests.
#[test]
fn fuzz_findings_round_trip() {
    let cases = [
        // An unknown keyword ending with the escape character.
        "FROM a\nSTOPSIGNA\\ SIGTE\\M\nUSER x\n",
        // A flag with non-ASCII text (BuildKit keeps it as Latin-1 bytes).
        "FROM a\nCOPY --from=gh\u{4d3}o/x /a /b\n",
        // A continuation that runs into the end of the file.
        "FROM a\nCOPY a b\n \\\n   ",
        // A value that ends with the escape character once trimmed.
        "FROM a\nCMD th\\\r\x0b\nWORK\n",
        // A quoted flag holding a vertical tab.
        "FROM a\nRUN --mount=\"a\x0bb\" x\n",
        // Shell-form words that would read as JSON once joined with spaces.
        "FROM a\nCOPY [\"a\x0c file.txt\", \"/dest/\"]\n",
        // A flag ending in a quoted blank: printed as an escaped blank at the end of the line.
        "FROM a\nRUN --mount=\"x \nCMD y\n",
        // The same as the last thing on the line of an unknown instruction.
        "GROM --pl '\n",
        // A quoted ENV value left open, ending in a blank before a dropped escape.
        "FROM a\nENV P=\"/p x=1 \\\x0c\n  PI\n",
        // A `<<` glued to its next word by a form feed is no heredoc.
        "FROM a\nCOPY <<\x0cEOF /u\nRUN x\n",
        // Separated by plain spaces, the same words stay as they were.
        "Fubuntu:ltF\nCOPY <<- <<-EOT /uCOPY <<- <<-EOT /eOF /uenco",
        // An unknown keyword ending in a no-break space.
        "FROM a\nLAB\u{a0} OPUB\n",
        // The same with a form feed last: trimmed like a blank.
        "FROM a\nENV P\"=1 \\\x0c\\\x0c\x0c\n  PI\n",
        // A legacy ENV key ending in the escape, which took the blank after it.
        "f p\nENV Pi\x0e\\\x0c\x0c\x0c\x0c\x0c=\x0c\n   P\x0c\x0c",
        // A flag ending in a no-break space, last on the line.
        "FROM a\nRUN --no-cache\u{a0}\n",
    ];
    for src in cases {
        let df = Dockerfile::parse(src);
        assert!(df.is_ok(), "{:?}", df.errors);
        let again = Dockerfile::parse(&canonical(&df));
        assert_eq!(buildkit_dump(&df), buildkit_dump(&again), "{src:?}");
    }
}

/// Variable expansion is bounded: doubling ARGs and empty-pattern
/// replacements stop with an error instead of exhausting memory.
#[test]
fn expansion_bombs_are_refused() {
    let mut src = String::from("ARG A=0123456789abcdef\n");
    for _ in 0..40 {
        src.push_str("ARG A=$A$A\n");
    }
    src.push_str("FROM scratch\nARG A\nENV B=${A//?/xxxxxxxx}\n");
    let df = Dockerfile::parse(&src);
    let graph = StageGraph::new(&df, &BuildOptions::default());
    // Past the bound the value is unknown, as for any expansion error.
    let a = graph.global.value("A");
    assert!(a.is_none_or(|v| v.len() <= ballast_dockerfile::words::MAX_EXPANSION));
    assert!(graph.scopes.iter().all(|s| s.iter().all(|(_, v)| {
        v.value
            .as_ref()
            .is_none_or(|x| x.len() <= ballast_dockerfile::words::MAX_EXPANSION)
    })));
    let lex = ballast_dockerfile::words::Lex::new('\\');
    let env = vec![("V".to_string(), "x".repeat(200_000))];
    let err = lex
        .process_word("${V//*/}${V//?/0123456789}", &env)
        .unwrap_err();
    assert!(err.to_string().contains("expansion exceeds"), "{err}");
}
