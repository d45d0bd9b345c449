#!/usr/bin/env bash
# Runs each fuzz target for a given time (default 600 s), keeping its corpus
# under fuzz/corpus/<target> between runs. Needs cargo-fuzz
# (`cargo install cargo-fuzz`); the stable toolchain works with --sanitizer none.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # Seed the parser targets with the project's own Dockerfiles.
  case "$t" in
    parse_dockerfile) cp -n ../testdata/dockerfiles/* "corpus/$t/" 2>/dev/null || true ;;
    layer)
      # Small real layers: plain, gzip and zstd tars of the example project.
      if [ ! -e "corpus/$t/seed.tar" ]; then
        tar --format=pax -cf "corpus/$t/seed.tar" -C ../examples/rag-service app requirements.txt
        tar --format=gnu -cf "corpus/$t/seed-gnu.tar" -C ../examples/rag-service app
        gzip -c "corpus/$t/seed.tar" > "corpus/$t/seed.tar.gz"
        zstd -q -c "corpus/$t/seed.tar" > "corpus/$t/seed.tar.zst" 2>/dev/null || true
      fi ;;
    image_metadata)
      printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}]}' > "corpus/$t/manifest.json"
      printf '%s' '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"platform":{"os":"linux","architecture":"amd64"}}]}' > "corpus/$t/index.json"
      printf '%s' '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin"],"User":"app"},"rootfs":{"type":"layers","diff_ids":[]},"history":[{"created_by":"RUN pip install torch"}]}' > "corpus/$t/config.json"
      printf '%s' '[{"Config":"c.json","RepoTags":["a:1"],"Layers":["0/layer.tar"]}]' > "corpus/$t/archive-manifest.json" ;;
    dockerignore)
      printf '*.pyc\n!keep.pyc\n**/node_modules\n.git\ndata/**\n!data/keep/*.csv\0a/b.pyc\nkeep.pyc\nx/node_modules/y\ndata/keep/a.csv\n' > "corpus/$t/seed" ;;
    dist_info)
      printf 'torch/__init__.py,sha256=abc,1234\n"a,b.py",,5\n../../../bin/torchrun,sha256=x,100\ntorch-2.3.0.dist-info/RECORD,,\n' > "corpus/$t/RECORD"
      printf 'Metadata-Version: 2.1\nName: torch\nVersion: 2.3.0\nRequires-Dist: numpy\n\nbody\n' > "corpus/$t/METADATA" ;;
  esac
  echo "== $t for ${seconds}s"
  cargo fuzz run --sanitizer none "$t" "corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || true
  if ls artifacts/"$t"/crash-* >/dev/null 2>&1; then
    echo "FINDING in $t: see fuzz/artifacts/$t" >&2
    exit 1
  fi
done
