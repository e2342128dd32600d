#!/usr/bin/env bash
# Work an incident end to end the way an automation would: keys from -q, state from
# --format json, decisions from exit codes. Point it at a scratch database to try it:
#   SVCOPS_DB=/tmp/example.db bash examples/incident-workflow.sh
set -euo pipefail

# jq is optional: python reads the JSON when jq is absent
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

key=$(svcops incident open "Checkout API returns 502" \
  --impact 1 --urgency 1 --service checkout --channel monitoring --team platform -q)
echo "opened $key"

svcops incident advance "$key" -q >/dev/null                   # acknowledged
svcops incident assign "$key" --to oncall-bot -q >/dev/null
svcops incident advance "$key" --note "rolling back release 2026.11.3" -q >/dev/null

# Closing before resolving is refused with exit 4 and nothing changes.
set +e
svcops incident close "$key" 2>/dev/null
status=$?
set -e
if [ "$status" -eq 4 ]; then
  echo "close refused as expected (exit 4): $key is still $(svcops incident show "$key" --format json | field stage)"
fi

svcops incident resolve "$key" --note "rollback complete, error rate back to baseline" -q >/dev/null
svcops incident close "$key" -q >/dev/null

stage=$(svcops incident show "$key" --format json | field stage)
echo "$key is $stage"

# An unknown key is exit 3, bad input exit 2.
set +e
svcops incident show INC-999999 2>/dev/null; echo "unknown key -> exit $?"
svcops incident open "x" --impact 9 2>/dev/null; echo "bad impact -> exit $?"
set -e

svcops incident history "$key" --format tsv
