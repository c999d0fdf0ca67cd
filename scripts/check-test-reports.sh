#!/usr/bin/env bash
# Fails unless each JUnit XML report exists and says that at least the given number of tests ran, none skipped,
# failed or in error. Usage: scripts/check-test-reports.sh REPORT MIN_TESTS [REPORT MIN_TESTS ...]
set -euo pipefail
status=0
while [ $# -ge 2 ]; do
  report=$1 min=$2; shift 2
  if [ ! -f "$report" ]; then
    echo "FAIL $report: no report (the suite did not run)"; status=1; continue
  fi
  read -r tests skipped failures errors < <(python3 - "$report" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = lambda k: sum(int(s.get(k, 0)) for s in suites)
print(total("tests"), total("skipped"), total("failures"), total("errors"))
PY
)
  if [ "$tests" -ge "$min" ] && [ "$skipped" -eq 0 ] && [ "$failures" -eq 0 ] && [ "$errors" -eq 0 ]; then
    echo "ok   $(basename "$report"): $tests run, 0 skipped"
  else
    echo "FAIL $(basename "$report"): $tests run (at least $min expected), $skipped skipped, $failures failed, $errors errors"
    status=1
  fi
done
exit $status
