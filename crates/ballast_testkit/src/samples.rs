//! Small images shared by the tests of several crates.

use crate::image::{Entry, ImageSpec, Layer, text, zeros};

/// Layer 0 the base, 1 a pip install with its cache, 2 deletes the cache
/// and rewrites the app, 3 an opaque models directory.
pub fn layered() -> ImageSpec {
    ImageSpec::new(vec![
        Layer::new(
            "ADD rootfs",
            vec![
                Entry::Dir("usr".into()),
                zeros("usr/bin/python3", 5_000),
                text("etc/os-release", "ID=debian\n"),
                Entry::Dir("models".into()),
                zeros("models/old.bin", 300),
            ],
        ),
        Layer::new(
            "RUN pip install torch",
            vec![
                zeros(
                    "usr/lib/python3/site-packages/torch/lib/libtorch_cpu.so",
                    40_000,
                ),
                zeros("root/.cache/pip/http/ab/cd", 30_000),
                text("app/main.py", "print(1)\n"),
            ],
        ),
        Layer::new(
            "RUN rm -rf /root/.cache/pip",
            vec![
                Entry::Whiteout("root/.cache/pip".into()),
                text("app/main.py", "print(2)\n"),
            ],
        ),
        Layer::new(
            "COPY models /models",
            vec![Entry::Opaque("models".into()), zeros("models/new.bin", 700)],
        ),
    ])
}
