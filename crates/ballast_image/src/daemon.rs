//! Reading images from the Docker Engine API (and podman's compatible
//! service): the socket from `DOCKER_HOST` or the default path, the API
//! version negotiated (Debian's dockerd and podman speak 1.41), and the
//! image export (`docker save`) streamed straight into the archive reader:
//! no copy of the archive on disk.

use futures_util::TryStreamExt;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::archive;
use crate::error::{ImageError, Result};
use crate::source::{LoadOptions, LoadedImage};

fn remote(name: &str, message: impl Into<String>) -> ImageError {
    ImageError::Remote {
        reference: format!("daemon://{name}"),
        message: message.into(),
    }
}

/// The socket a connection uses, for messages.
fn host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string())
}

/// Whether a daemon answers on the configured socket.
pub fn available() -> bool {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return false;
    };
    let Ok(docker) = bollard::Docker::connect_with_defaults() else {
        return false;
    };
    rt.block_on(async {
        tokio::time::timeout(std::time::Duration::from_secs(2), docker.ping()).await
    })
    .is_ok_and(|r| r.is_ok())
}

/// A client of the daemon, and the runtime it runs on.
fn connect(name: &str) -> Result<(tokio::runtime::Runtime, bollard::Docker)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| remote(name, format!("cannot start the client runtime: {e}")))?;
    let docker = bollard::Docker::connect_with_defaults()
        .map_err(|e| remote(name, format!("cannot use {}: {e}", host())))?;
    let docker = rt
        .block_on(docker.negotiate_version())
        .map_err(|e| remote(name, format!("no daemon answers on {}: {e}", host())))?;
    Ok((rt, docker))
}

/// What the daemon says of an image (a clear error for a missing one).
fn inspect(
    rt: &tokio::runtime::Runtime,
    docker: &bollard::Docker,
    name: &str,
) -> Result<bollard::models::ImageInspect> {
    rt.block_on(docker.inspect_image(name)).map_err(|e| {
        let message = match &e {
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            } => format!("no image {name:?} in the daemon at {}", host()),
            _ => format!("cannot inspect {name:?} through {}: {e}", host()),
        };
        remote(name, message)
    })
}

/// What `ballast lint --resolve-bases=daemon` reads of a base image: the
/// daemon holds one platform of it, and its environment.
pub fn resolve_base(name: &str) -> Result<ballast_ml::bases::Resolved> {
    let (rt, docker) = connect(name)?;
    let image = inspect(&rt, &docker, name)?;
    let env = image.config.and_then(|c| c.env).unwrap_or_default();
    Ok(ballast_ml::bases::Resolved {
        platforms: vec![format!(
            "{}/{}",
            image.os.unwrap_or_default(),
            image.architecture.unwrap_or_default()
        )],
        env: env
            .iter()
            .map(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k).to_string())
            .collect(),
        source: format!("daemon://{name}"),
    })
}

/// Loads an image by name or id from the daemon.
pub fn load(name: &str, opts: &LoadOptions<'_>) -> Result<LoadedImage> {
    let (rt, docker) = connect(name)?;
    inspect(&rt, &docker, name)?;
    let stream = docker.export_image(name).map_err(std::io::Error::other);
    let reader =
        SyncIoBridge::new_with_handle(StreamReader::new(Box::pin(stream)), rt.handle().clone());
    let reference = format!("daemon://{name}");
    archive::load_stream(
        std::io::BufReader::with_capacity(1 << 20, reader),
        &reference,
        None,
        opts,
    )
}

/// Saves an image from the daemon to an archive file (`docker save`).
pub fn save(name: &str, file: &std::path::Path) -> Result<()> {
    let (rt, docker) = connect(name)?;
    inspect(&rt, &docker, name)?;
    let stream = docker.export_image(name).map_err(std::io::Error::other);
    let mut reader =
        SyncIoBridge::new_with_handle(StreamReader::new(Box::pin(stream)), rt.handle().clone());
    let io = |e: std::io::Error| remote(name, format!("saving to {}: {e}", file.display()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(file).map_err(io)?);
    std::io::copy(&mut reader, &mut out).map_err(io)?;
    std::io::Write::flush(&mut out).map_err(io)
}

/// Loads an archive into the daemon (`docker load`), then checks that the
/// image it now holds under `name` has the layers given (diff_ids): what
/// the daemon stored is what was written.
pub fn load_archive(file: &std::path::Path, name: &str, diff_ids: &[String]) -> Result<()> {
    use futures_util::StreamExt;
    let (rt, docker) = connect(name)?;
    let io = |e: std::io::Error| remote(name, format!("reading {}: {e}", file.display()));
    let mut f = std::fs::File::open(file).map_err(io)?;
    // The archive in 1 MiB chunks, read as the daemon takes them.
    let chunks = futures_util::stream::poll_fn(move |_| {
        let mut buf = vec![0u8; 1 << 20];
        std::task::Poll::Ready(match std::io::Read::read(&mut f, &mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some(Ok(bytes::Bytes::from(buf)))
            }
            Err(e) => Some(Err(e)),
        })
    });
    let options = bollard::query_parameters::ImportImageOptionsBuilder::default()
        .quiet(true)
        .build();
    let mut progress = docker.import_image(options, bollard::body_try_stream(chunks), None);
    rt.block_on(async {
        while let Some(step) = progress.next().await {
            step.map_err(|e| remote(name, format!("the daemon did not load the image: {e}")))?;
        }
        Ok::<_, ImageError>(())
    })?;
    let loaded = inspect(&rt, &docker, name)?;
    let layers = loaded.root_fs.and_then(|r| r.layers).unwrap_or_default();
    if layers != diff_ids {
        return Err(remote(
            name,
            format!("the daemon holds other layers than those written: {layers:?}"),
        ));
    }
    Ok(())
}
