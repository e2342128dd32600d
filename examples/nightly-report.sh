#!/usr/bin/env bash
# Nightly metrics report for cron: yesterday's figures as Markdown in a dated file, and a
# non-zero exit (6) when a target in the config's [targets] table is missed, so cron mails it.
#
#   # m h dom mon dow  command
#   15 6 * * *  SVCOPS_DB=/srv/svcops/svcops.db /srv/svcops/examples/nightly-report.sh /srv/reports
#
# Output is plain (no colour codes, no box art) because cron's stdout is not a terminal.
set -uo pipefail

out_dir=${1:-.}
mkdir -p "$out_dir"
day=$(date -d yesterday +%F 2>/dev/null || date -v-1d +%F)
file="$out_dir/svcops-metrics-$day.md"

svcops report metrics --since yesterday --until today --format md --check >"$file" 2>"$file.err"
status=$?
case $status in
  0) echo "metrics for $day: $file" ;;
  6) echo "metrics for $day: targets missed, see $file" >&2; cat "$file.err" >&2 ;;
  *) echo "metrics for $day: svcops failed (exit $status)" >&2; cat "$file.err" >&2 ;;
esac
[ -s "$file.err" ] || rm -f "$file.err"
exit $status
