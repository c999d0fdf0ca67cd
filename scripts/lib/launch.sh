# Sourced by every benchmark and chaos script: the one launcher of the benchmarks module's Java entry points.
#   launch_build [MODULES]  builds the jars once (MODULES: a Maven -pl list, built with what it needs; the whole
#                           reactor when empty), unless SKIP_BUILD=1 reuses them
#   launch_engines NAME...  installs the Node engines named (kinesalite, kinesis-mock) from the committed lock file
#                           when they are missing
#   launch_java HEAP MAIN [ARGS...]
#                           runs io.logstream.bench.MAIN on the benchmarks classpath with HEAP, local credentials and
#                           the local engines' folder, plus the JVM flags in the array `jvm_flags`, if set
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

launch_build() {
  [ "${SKIP_BUILD:-0}" = 1 ] && return 0
  if [ -n "${1:-}" ]; then
    mvn -B -q -ntp -pl "$1" -am package -DskipTests
  else
    mvn -B -q -ntp package -DskipTests
  fi
}

launch_engines() {
  local engine file
  for engine in "$@"; do
    case "$engine" in
      kinesalite) file=kinesalite/index.js ;;
      kinesis-mock) file=kinesis-local/main.js ;;
      *) echo "unknown engine $engine" >&2; return 2 ;;
    esac
    [ -f "local-aws/node/node_modules/$file" ] || (cd local-aws/node && npm ci --no-audit --no-fund --silent)
  done
}

launch_java() {
  local heap=$1 main=$2
  shift 2
  exec java "-Xmx$heap" -Djava.awt.headless=true -Daws.accessKeyId=local -Daws.secretAccessKey=local \
    -Dlogstream.localaws.node="$PWD/local-aws/node" -Dlogstream.root="$PWD" ${jvm_flags[@]+"${jvm_flags[@]}"} \
    -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" "io.logstream.bench.$main" "$@"
}
