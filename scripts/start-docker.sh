#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when there is none, and starts dockerd when it is
# installed but not running (as root; its log goes to .local-run/dockerd.log). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if docker info > /dev/null 2>&1; then exit 0; fi
[ "$(id -u)" = 0 ] || { echo "start-docker: no Docker engine answers, and starting one needs root" >&2; exit 1; }
if ! command -v dockerd > /dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io > /dev/null
fi
mkdir -p .local-run
nohup dockerd > .local-run/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  docker info > /dev/null 2>&1 && { echo "start-docker: dockerd is up"; exit 0; }
  sleep 1
done
echo "start-docker: dockerd did not answer within 60 s; its log:" >&2
tail -30 .local-run/dockerd.log >&2
exit 1
