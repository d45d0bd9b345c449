//! A throwaway dockerd for benchmark scripts: starts the daemon with its
//! state in a temporary directory and, with `--wheels DIR`, the local
//! `python:3.11` / `python:3.11-slim` bases installing offline from DIR;
//! prints `DOCKER_HOST=...` and `DOCKER_CONFIG=...`, then waits until its
//! standard input closes and tears everything down.
//!
//!   ballast-dockerd [--wheels DIR]

use std::io::{Read, Write};
use std::path::PathBuf;

use ballast_testkit::engine::{Dockerd, WheelServer, python_bases};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let wheels = match args.as_slice() {
        [] => None,
        [flag, dir] if flag == "--wheels" => Some(PathBuf::from(dir)),
        _ => {
            eprintln!("usage: ballast-dockerd [--wheels DIR]");
            std::process::exit(2);
        }
    };
    let d = Dockerd::start().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let _server = wheels.map(|dir| {
        let server = WheelServer::start(&dir).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2)
        });
        python_bases(&d, server.port).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2)
        });
        server
    });
    println!("DOCKER_HOST=unix://{}", d.socket.display());
    println!("DOCKER_CONFIG={}", d.root.path().join("config").display());
    let _ = std::io::stdout().flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}
