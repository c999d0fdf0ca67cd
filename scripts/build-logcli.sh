#!/usr/bin/env bash
# Builds logcli v1.6.1, the last Apache-2.0 release of Grafana Loki's CLI (Loki is AGPL-3.0 from v2.3 on: no later
# version is downloaded, built or run here; scripts/check-licences.sh fails CI if one is named again), from the Go
# module proxy (no binary download), and caches it. The proxy serves it as the module github.com/grafana/loki@v1.6.1;
# `go install` refuses its replace directives, so it is built inside a copy of the module with -mod=mod. About 7.5 min
# and 1.3 GB of module cache on 2 cores the first time. The binary is cached under $LOGCLI_CACHE_DIR by a hash of this
# script (which pins the version). Prints the binary's path on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
LOKI_VERSION=v1.6.1
LOGCLI_CACHE_DIR=${LOGCLI_CACHE_DIR:-$HOME/.cache/log-stream/logcli}
hash=$(sha256sum "$0" | cut -c1-16)
bin="$LOGCLI_CACHE_DIR/logcli-$LOKI_VERSION-$hash"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go > /dev/null || { echo "build-logcli: Go is required" >&2; exit 1; }
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
work=$(mktemp -d); trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
t0=$SECONDS
module_dir=$(go mod download -json "github.com/grafana/loki@$LOKI_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
grep -q "Apache License" "$module_dir/LICENSE" || { echo "build-logcli: $LOKI_VERSION is not Apache-2.0" >&2; exit 1; }
cp -r "$module_dir" "$work/loki"; chmod -R u+w "$work/loki"
(cd "$work/loki" && CGO_ENABLED=0 go build -trimpath -o "$work/logcli" ./cmd/logcli) >&2
mkdir -p "$LOGCLI_CACHE_DIR"; rm -f "$LOGCLI_CACHE_DIR"/logcli-*
mv "$work/logcli" "$bin"
echo "build-logcli: built logcli $LOKI_VERSION in $((SECONDS - t0)) s" >&2
echo "$bin"
