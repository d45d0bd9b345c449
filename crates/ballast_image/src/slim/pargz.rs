//! Gzip on every core, for the layers `slim` rewrites: the tar stream is cut
//! in 4 MiB chunks, each compressed as a gzip member of its own on a pool of
//! threads of its own, and the members written in order as they are done,
//! while the caller goes on reading. Several members are one gzip stream to
//! every reader (RFC 1952 §2.2; Go's `gzip.Reader`, which Docker and
//! containerd use, reads them all by default). The output depends on the
//! chunk size and the level only, not on the number of threads, so a layer
//! slimmed twice has the same digest.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{OnceLock, mpsc};

/// Bytes compressed as one member: large enough that the lost dictionary
/// at each boundary costs nothing measurable, small enough to keep every
/// core busy on a layer of a few hundred megabytes.
const CHUNK: usize = 4 << 20;

/// The compression threads (not rayon's global pool: layers are rewritten
/// on that one, and a rewrite waits for its chunks).
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("ballast-gzip-{i}"))
            .build()
            .expect("a thread pool")
    })
}

/// A gzip writer that compresses on every core.
pub(super) struct ParGz<W: Write> {
    inner: W,
    level: flate2::Compression,
    buf: Vec<u8>,
    /// Members being compressed, oldest first.
    pending: VecDeque<mpsc::Receiver<io::Result<Vec<u8>>>>,
    /// Chunks in flight before a write waits for the oldest.
    limit: usize,
    started: bool,
}

impl<W: Write> ParGz<W> {
    pub(super) fn new(inner: W, level: flate2::Compression) -> Self {
        ParGz {
            inner,
            level,
            buf: Vec::with_capacity(CHUNK),
            pending: VecDeque::new(),
            limit: 2 * pool().current_num_threads(),
            started: false,
        }
    }

    fn spawn(&mut self, chunk: Vec<u8>) -> io::Result<()> {
        let (tx, rx) = mpsc::sync_channel(1);
        let level = self.level;
        pool().spawn(move || {
            let _ = tx.send(compress(&chunk, level));
        });
        self.pending.push_back(rx);
        self.started = true;
        self.write_done(false)
    }

    /// Writes the members compressed so far, in order; waits for the oldest
    /// while too many are in flight, or for all of them with `all`.
    fn write_done(&mut self, all: bool) -> io::Result<()> {
        while let Some(oldest) = self.pending.front() {
            let member = if all || self.pending.len() > self.limit {
                oldest.recv().map_err(io::Error::other)?
            } else {
                match oldest.try_recv() {
                    Ok(member) => member,
                    Err(_) => return Ok(()),
                }
            };
            self.inner.write_all(&member?)?;
            self.pending.pop_front();
        }
        Ok(())
    }

    /// Compresses what is left and returns the inner writer.
    pub(super) fn finish(mut self) -> io::Result<W> {
        // An empty stream is still one (empty) member.
        if !self.buf.is_empty() || !self.started {
            let rest = std::mem::take(&mut self.buf);
            self.spawn(rest)?;
        }
        self.write_done(true)?;
        Ok(self.inner)
    }
}

fn compress(chunk: &[u8], level: flate2::Compression) -> io::Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(chunk.len() / 2), level);
    gz.write_all(chunk)?;
    gz.finish()
}

impl<W: Write> Write for ParGz<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let take = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..take]);
        if self.buf.len() == CHUNK {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
            self.spawn(full)?;
        }
        Ok(take)
    }

    /// Members are written as they are done; the last partial chunk only
    /// at [`ParGz::finish`].
    fn flush(&mut self) -> io::Result<()> {
        self.write_done(false)?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gzip(data: &[u8], level: u32) -> Vec<u8> {
        let mut w = ParGz::new(Vec::new(), flate2::Compression::new(level));
        // Odd-sized writes across chunk boundaries.
        for piece in data.chunks(1_000_003) {
            w.write_all(piece).unwrap();
        }
        w.finish().unwrap()
    }

    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn round_trips_across_members_and_is_deterministic() {
        // 3.5 chunks of text-like bytes: four members.
        let data: Vec<u8> = (0..CHUNK * 7 / 2)
            .map(|i| b"ballast slim "[i % 13] ^ (i / 4096) as u8)
            .collect();
        let gz = gzip(&data, 6);
        assert_eq!(gunzip(&gz), data);
        assert!(gz.len() < data.len() / 4, "compressed: {}", gz.len());
        let members = gz.windows(3).filter(|w| w == &[0x1f, 0x8b, 8]).count();
        assert!(members >= 4, "{members} members");
        assert_eq!(gzip(&data, 6), gz, "the same bytes every time");
    }

    #[test]
    fn an_empty_stream_is_one_empty_member() {
        let gz = gzip(b"", 6);
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);
        assert_eq!(gunzip(&gz), b"");
    }
}
