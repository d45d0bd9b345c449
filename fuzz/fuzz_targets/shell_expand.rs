//! Word expansion with every lexer mode on arbitrary words: no panic.
#![no_main]

use std::collections::BTreeMap;

use ballast_dockerfile::words::Lex;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let env: BTreeMap<String, String> =
        [("A", "a/b/c.tar.gz"), ("E", ""), ("S", "x  y")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for escape in ['\\', '`'] {
        for mode in 0..16u8 {
            let lex = Lex {
                escape,
                raw_quotes: mode & 1 != 0,
                raw_escapes: mode & 2 != 0,
                skip_process_quotes: mode & 4 != 0,
                skip_unset_env: mode & 8 != 0,
            };
            let _ = lex.process(text, &env);
        }
    }
    let _ = ballast_dockerfile::parse_heredoc_word(text);
});
