#!/usr/bin/env bash
# Sourced, not run: `. scripts/python-venv.sh infra-check/requirements.txt` puts a virtual environment holding that
# requirements file's tools first on PATH. One environment per requirements file, under the project's cache and keyed
# by the file's content hash, so a changed pin gets a fresh one and the machine's own Python is never touched (checkov
# pinned into it once downgraded botocore and broke the aws CLI).
_req=$1
_cache=${LOG_STREAM_CACHE:-$HOME/.cache/log-stream}
_venv="$_cache/venv-$(basename "$(dirname "$_req")")-$(basename "$_req" .txt)-$(sha256sum "$_req" | cut -c1-12)"
if [ ! -x "$_venv/bin/python" ] || [ ! -f "$_venv/.installed" ]; then
  rm -rf "$_venv"
  mkdir -p "$_cache"
  python3 -m venv "$_venv"
  "$_venv/bin/pip" install -q --disable-pip-version-check -r "$_req"
  touch "$_venv/.installed"
fi
export PATH="$_venv/bin:$PATH"
hash -r
unset _req _cache _venv
