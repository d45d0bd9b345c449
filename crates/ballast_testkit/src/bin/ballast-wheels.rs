//! Serves a directory of wheels on 127.0.0.1 as the test builds see them
//! (a `--find-links` listing, PyPI's caching headers) for scripts such as
//! `bench/cache-ratios.sh`: prints the URL, serves until stdin closes.
//!
//!   ballast-wheels DIR

use std::io::Read;
use std::path::PathBuf;

use ballast_testkit::engine::WheelServer;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: ballast-wheels DIR");
        std::process::exit(2);
    };
    let server = WheelServer::start(&PathBuf::from(dir)).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    println!("http://127.0.0.1:{}/", server.port);
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
