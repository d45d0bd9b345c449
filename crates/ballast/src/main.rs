//! The `ballast` command line: argument parsing and wiring only; the work is
//! done by the library crates.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod commands;
mod config;
mod hadolint_config;
mod inputs;
mod output;
mod replace;

// Optional (feature `mimalloc`, see Cargo.toml): faster for lint's many small
// allocations, heavier in memory for `inspect`.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Reading an image, worker threads scan the layers and the main thread
/// analyses them. With glibc's default of an arena per thread, what the
/// workers free (a layer's entries, once in the file tree) cannot serve the
/// analysis, and the peak is the sum of both: one arena makes `inspect`'s
/// peak 16.3 MB instead of 19.8 MB in the same time (`bench/inspect.sh`).
/// Lint and fix keep the default: their threads allocate at once, and one
/// arena made linting the corpus 1.7x slower.
/// The image's large vectors (entries, nodes, paths) are mapped and given
/// back whole when freed: glibc's default raises the mapping threshold after
/// the first such free, and later ones then fragment the heap (a fixed
/// threshold: 55.5 -> 52.0 MB private memory on a 136,000-file image).
#[allow(unsafe_code)]
fn image_malloc_settings() {
    // SAFETY: mallopt sets a parameter of the C allocator and has no other
    // effect; it is called before this process starts any thread.
    #[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

/// Find and drop the dead weight in machine-learning container images.
#[derive(Parser)]
#[command(name = "ballast", version = env!("BALLAST_VERSION"), about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Audit a project in one go: lint with savings, context, rebuild cost, restructured Dockerfile.
    Check(commands::check::CheckArgs),
    /// Lint Dockerfiles: ML-aware rules that say what each finding costs.
    Lint(commands::lint::LintArgs),
    /// Apply the linter's fixes in place, or restructure into a multi-stage build.
    Fix(commands::fix::FixArgs),
    /// Build the Dockerfile and its restructured version with a real engine and compare them.
    Bench(commands::bench::BenchArgs),
    /// Show a lint rule's documentation, or list the rules.
    Rule(commands::rule::RuleArgs),
    /// Analyse an image: layers, wasted bytes, Python packages, CUDA, weights, caches.
    Inspect(commands::inspect::InspectArgs),
    /// Compare two images, or the packages of two SBOMs.
    Diff(commands::diff::DiffArgs),
    /// Write an image's SBOM (CycloneDX or SPDX JSON): OS packages, Python distributions, base image.
    Sbom(commands::sbom::SbomArgs),
    /// Explore an image in the terminal: layers, the file tree as of each, what each changed and wasted.
    Explore(commands::explore::ExploreArgs),
    /// Render a saved JSON report (`inspect`, `diff`, `check`, `bench --format json`) as one HTML page.
    Report(commands::report::ReportArgs),
    /// Drop what nobody can see from an image (deleted and overwritten files), without rebuilding.
    Slim(commands::slim::SlimArgs),
    /// What the build context sends: sizes, junk, what each COPY takes.
    Context(commands::context::ContextArgs),
    /// Which steps a change rebuilds, and why.
    Rebuild(commands::rebuild::RebuildArgs),
    /// Print a shell's completion script (bash, zsh, fish, powershell, elvish).
    Completions(commands::completions::CompletionsArgs),
    /// Print the manual page (roff), or write a page per command, generated from the commands' definitions.
    Man(commands::completions::ManArgs),
    /// Developer tools: look at what the parser sees.
    #[command(subcommand)]
    Debug(commands::debug::DebugCommand),
}

/// Exit statuses shared by every command.
pub mod exit {
    /// Nothing to report.
    pub const OK: u8 = 0;
    /// Findings at or above the threshold, or a gate failed.
    pub const FINDINGS: u8 = 1;
    /// Bad usage or bad input.
    pub const ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // `BALLAST_TALLY=1`: say on stderr how often each input was read,
    // parsed and walked (tests prove a command does each once).
    let tally = std::env::var_os("BALLAST_TALLY").is_some();
    if tally {
        ballast_dockerfile::tally::enable();
    }
    if matches!(
        cli.command,
        Command::Inspect(_) | Command::Diff(_) | Command::Sbom(_) | Command::Explore(_)
    ) {
        image_malloc_settings();
    }
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Lint(args) => commands::lint::run(args),
        Command::Fix(args) => commands::fix::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Rule(args) => commands::rule::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Sbom(args) => commands::sbom::run(args),
        Command::Explore(args) => commands::explore::run_explore(args),
        Command::Report(args) => commands::report::run(&args),
        Command::Slim(args) => commands::slim::run(args),
        Command::Context(args) => commands::context::run(args),
        Command::Rebuild(args) => commands::rebuild::run(args),
        Command::Debug(cmd) => commands::debug::run(cmd),
        Command::Completions(args) => commands::completions::run(&args, Cli::command()),
        Command::Man(args) => commands::completions::man(&args, Cli::command()),
    };
    if tally {
        for line in ballast_dockerfile::tally::lines() {
            eprintln!("tally: {line}");
        }
    }
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.is::<output::BrokenPipe>() => ExitCode::from(exit::OK),
        Err(e) => {
            output::print_error(format!("{e:#}"));
            ExitCode::from(exit::ERROR)
        }
    }
}
