#!/usr/bin/env bash
# Fails when a tracked file names an AGPL release of Grafana Loki (v2.3 and later, e.g. the Go module
# github.com/grafana/loki/v3 or an image grafana/loki:3.x): nothing under the AGPL, GPL or SSPL is downloaded, built
# or run by this project. logcli v1.6.1 (github.com/grafana/loki@v1.6.1, Apache-2.0) is the permitted client.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='github\.com/grafana/loki/v[0-9]|grafana/loki@v([2-9]|1\.[7-9])|grafana/loki:[0-9]|grafana/(grafana|loki)-?[a-z]*:latest'
if git ls-files | grep -v '^scripts/check-licences\.sh$' | xargs grep -nE "$pattern" 2> /dev/null; then
  echo "check-licences: the files above name an AGPL release of Grafana Loki; use logcli v1.6.1 (Apache-2.0)" >&2
  exit 1
fi
echo "check-licences: no AGPL Loki module or image is named"
