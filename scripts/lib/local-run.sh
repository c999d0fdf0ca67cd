# Sourced by the scripts that check a local run. `start_local_run LOG [NAME=value ...]` starts scripts/run-local.sh in
# the background with the jars already built (SKIP_BUILD=1) and the given environment, sets `pid` to its process, and
# waits until the run has written .local-run/ready (both services answered /health and the producer started).
start_local_run() {
  local log=$1; shift
  rm -f .local-run/ready
  env SKIP_BUILD=1 "$@" scripts/run-local.sh > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do
    [ -f .local-run/ready ] && return 0
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.5
  done
  cat "$log"
  echo "the local run did not become ready" >&2
  return 1
}
