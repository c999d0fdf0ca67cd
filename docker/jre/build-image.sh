#!/usr/bin/env bash
# Builds the JRE base image for the service images locally, with no container registry: a minimal Debian bookworm
# root file system (debootstrap from the mirror apt is configured with) holding openjdk-17-jre-headless, imported
# with `docker import`. The service Dockerfiles take it as their BASE_IMAGE build argument; without the argument
# they use the public eclipse-temurin:17-jre that users pull.
#
# Needs: root, debootstrap, a Docker engine. Usage: sudo docker/jre/build-image.sh   (env: IMAGE_TAG, WORK, DEBIAN_MIRROR)
set -euo pipefail

IMAGE_TAG=${IMAGE_TAG:-log-stream/jre:17}
SUITE=bookworm
WORK=${WORK:-$(mktemp -d)/jre-build}
ROOT=$WORK/rootfs
die() { echo "ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap)"
docker info > /dev/null 2>&1 || die "docker daemon not reachable"
command -v debootstrap > /dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap > /dev/null; }

. "$(dirname "$0")/../lib/debian-mirror.sh"
MIRROR=${DEBIAN_MIRROR:-$(find_mirror | head -n1)}
[ -n "$MIRROR" ] || die "could not find the Debian mirror in /etc/apt/sources.list*; set DEBIAN_MIRROR"

rm -rf "$WORK"; mkdir -p "$WORK"
echo "debootstrap $SUITE with openjdk-17-jre-headless"
debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates \
  "$SUITE" "$ROOT" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log"; die "debootstrap failed"; }
[ -x "$ROOT/usr/lib/jvm/java-17-openjdk-amd64/bin/java" ] || die "no JRE in the root file system"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* \
       "$ROOT"/usr/share/locale/*
: > "$ROOT/etc/resolv.conf"

tar --numeric-owner -C "$ROOT" -c . | docker import \
  -c 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
  -c 'ENV PATH=/usr/lib/jvm/java-17-openjdk-amd64/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV LANG=C.UTF-8' \
  -m "Debian $SUITE with openjdk-17-jre-headless, built locally from Debian packages" \
  - "$IMAGE_TAG" > /dev/null
docker run --rm "$IMAGE_TAG" java -version
rm -rf "$WORK"
echo "done: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$IMAGE_TAG")"
