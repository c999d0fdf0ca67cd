#!/usr/bin/env bash
# Builds the images the container suites and the container run use, all locally from package registries:
#   localstack  log-stream/localstack:4.14.0   (docker/localstack/build-image.sh; ~2-4 min)
#   jre         log-stream/jre:17              (docker/jre/build-image.sh; the service images' base here)
#   services    log-stream/consumer-service:0.1.0 and log-stream/query-service:0.1.0 from the built jars
# Usage: scripts/build-images.sh [localstack] [jre] [services]   (no argument: all three)
#
# The two base images are cached by content hash (of the build script and docker/lib): a build is skipped when the
# engine already holds an image built from the same files (tag <repository>:sha-<hash>), or loaded from
# $IMAGE_CACHE_DIR/<name>-<hash>.tar when that file exists (CI machines that keep a cache directory between runs). Service images are rebuilt every time: they
# take seconds, from the jars `mvn package` made.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE_CACHE_DIR=${IMAGE_CACHE_DIR:-$HOME/.cache/log-stream/images}
LOCALSTACK_IMAGE=${LOCALSTACK_IMAGE:-log-stream/localstack:4.14.0}
JRE_IMAGE=${JRE_IMAGE:-log-stream/jre:17}
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(localstack jre services)

scripts/start-docker.sh

cached_build() {  # name, image tag, build script
  local name=$1 tag=$2 script=$3
  local hash; hash=$(cat "$script" docker/lib/debian-mirror.sh | sha256sum | cut -c1-16)
  local marker="${tag%%:*}:sha-$hash" tarball="$IMAGE_CACHE_DIR/$name-$hash.tar"
  if docker image inspect "$marker" > /dev/null 2>&1; then
    docker tag "$marker" "$tag"; echo "$name: $tag is current (sha-$hash)"; return
  fi
  if [ -f "$tarball" ]; then
    docker load -q -i "$tarball" > /dev/null && docker tag "$marker" "$tag"
    echo "$name: $tag loaded from the image cache (sha-$hash)"; return
  fi
  local t0=$SECONDS
  IMAGE_TAG="$tag" "$script"
  docker tag "$tag" "$marker"
  echo "$name: built $tag in $((SECONDS - t0)) s (sha-$hash)"
  if mkdir -p "$IMAGE_CACHE_DIR" 2> /dev/null && [ -w "$IMAGE_CACHE_DIR" ]; then
    rm -f "$IMAGE_CACHE_DIR/$name"-*.tar
    docker save -o "$tarball" "$marker"
  fi
}

for target in "${targets[@]}"; do
  case "$target" in
    localstack) cached_build localstack "$LOCALSTACK_IMAGE" docker/localstack/build-image.sh ;;
    jre) cached_build jre "$JRE_IMAGE" docker/jre/build-image.sh ;;
    services)
      for svc in consumer-service query-service; do
        jar=$(ls "$svc"/target/"$svc"-*-all.jar 2> /dev/null | head -1)
        [ -n "$jar" ] || { echo "no $svc jar: run mvn -B -ntp -DskipTests package first" >&2; exit 1; }
        t0=$SECONDS
        docker build -q --build-arg BASE_IMAGE="$JRE_IMAGE" -f docker/$svc.Dockerfile -t log-stream/$svc:0.1.0 . > /dev/null
        echo "$svc: built log-stream/$svc:0.1.0 on $JRE_IMAGE in $((SECONDS - t0)) s"
      done ;;
    *) echo "unknown target $target (localstack, jre, services)" >&2; exit 2 ;;
  esac
done
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^log-stream/' | grep -v ':sha-' || true
