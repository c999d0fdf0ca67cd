#!/usr/bin/env bash
# Builds Grafana Loki's real CLI, logcli, from the Go module proxy (no binary download), and caches it.
# `go install github.com/grafana/loki/v3/cmd/logcli@v3.7.8` is refused: the module's go.mod replaces its nested module
# github.com/grafana/loki/pkg/push with ./pkg/push. So the module is downloaded, the nested module (the version go.mod
# requires) is placed at pkg/push, and ./cmd/logcli is built there. ~5 min on 2 cores the first time.
# The binary is cached under $LOGCLI_CACHE_DIR by a hash of this script (which pins the version).
# Prints the binary's path on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
LOKI_VERSION=v3.7.8
LOGCLI_CACHE_DIR=${LOGCLI_CACHE_DIR:-$HOME/.cache/log-stream/logcli}
hash=$(sha256sum "$0" | cut -c1-16)
bin="$LOGCLI_CACHE_DIR/logcli-$LOKI_VERSION-$hash"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go > /dev/null || { echo "build-logcli: Go is required" >&2; exit 1; }
work=$(mktemp -d); trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
t0=$SECONDS
module_dir=$(go mod download -json "github.com/grafana/loki/v3@$LOKI_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
cp -r "$module_dir" "$work/loki"; chmod -R u+w "$work/loki"
push_version=$(cd "$work/loki" && go list -m -f '{{.Version}}' github.com/grafana/loki/pkg/push 2> /dev/null \
  || awk '$1 == "github.com/grafana/loki/pkg/push" && $2 ~ /^v/ {print $2; exit}' go.mod)
[ -n "$push_version" ] || push_version=$(awk '/github.com\/grafana\/loki\/pkg\/push v/ {for (i = 1; i <= NF; i++) if ($i ~ /^v[0-9]/) {print $i; exit}}' "$work/loki/go.mod")
push_dir=$(go mod download -json "github.com/grafana/loki/pkg/push@$push_version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
rm -rf "$work/loki/pkg/push"; cp -r "$push_dir" "$work/loki/pkg/push"; chmod -R u+w "$work/loki/pkg/push"
(cd "$work/loki" && CGO_ENABLED=0 go build -trimpath -o "$work/logcli" ./cmd/logcli) >&2
mkdir -p "$LOGCLI_CACHE_DIR"; rm -f "$LOGCLI_CACHE_DIR"/logcli-*
mv "$work/logcli" "$bin"
echo "build-logcli: built logcli $LOKI_VERSION (pkg/push $push_version) in $((SECONDS - t0)) s" >&2
echo "$bin"
