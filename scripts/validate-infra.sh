#!/usr/bin/env bash
# Static validation of the deployables with real tools: the Terraform HCL parses (HashiCorp's parser via
# @cdktf/hcl2json), checkov finds 0 failed checks in terraform/, the rendered kustomize overlay and the Dockerfiles
# (each skip is justified where it is declared), the rendered manifests validate against the Kubernetes schemas,
# and yamllint passes. Installs its tools from PyPI, npm and the Go module proxy when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
KUSTOMIZE_VERSION=v5.5.0
export PATH="$PATH:$(go env GOPATH 2>/dev/null)/bin"

. scripts/python-venv.sh infra-check/requirements.txt
command -v kustomize > /dev/null || go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
[ -d infra-check/node_modules/@cdktf/hcl2json ] || (cd infra-check && npm ci --no-audit --no-fund --silent)

passed=0; failed=0
step() {  # name, command...
  local name=$1; shift
  if "$@" > /tmp/validate-step.log 2>&1; then
    echo "ok   $name"; passed=$((passed+1))
  else
    echo "FAIL $name"; cat /tmp/validate-step.log; failed=$((failed+1))
  fi
}
rendered=$(mktemp --suffix=.yaml)
step "terraform HCL parses" node infra-check/hcl2json.js terraform
step "kustomize renders the dev overlay" bash -c "kustomize build k8s/overlays/dev > $rendered"
step "manifests validate against Kubernetes 1.31 schemas" kubernetes-validate --strict -k 1.31.0 "$rendered"
step "checkov: terraform" checkov -d terraform --framework terraform --compact --quiet --skip-download
step "checkov: rendered kubernetes manifests" checkov -f "$rendered" --framework kubernetes --compact --quiet --skip-download
step "checkov: Dockerfiles" checkov -d docker --framework dockerfile --compact --quiet --skip-download
step "yamllint" yamllint -s k8s monitoring .yamllint.yaml
rm -f "$rendered"
echo "validate-infra: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
