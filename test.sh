#!/usr/bin/env bash
# The test command: unit tests, in-JVM cluster tests (surefire), then the shaded jar and the
# process-level tests against it (failsafe). Logs of every test class land in */target/*-reports.
set -euo pipefail
cd "$(dirname "$0")"
exec mvn -B verify "$@"
