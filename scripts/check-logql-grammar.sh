#!/usr/bin/env bash
# Every LogQL form docs/loki.md lists parses with @grafana/lezer-logql (Apache-2.0), the grammar Grafana's query
# editor uses, as the kind the table gives: no error node, and a MetricExpr exactly for the metric forms. The package
# comes from npm at the version of the committed lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd scripts/logql-grammar && npm ci --no-audit --no-fund --silent)
node scripts/logql-grammar/check.mjs docs/loki.md
