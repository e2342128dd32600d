#!/usr/bin/env bash
# A fulfilment script: open service requests from another system's export, move each through
# the delivery flow as the work completes, and read the state back as JSON.
#
#   SVCOPS_DB=/tmp/example.db bash examples/fulfil-requests.sh
set -euo pipefail

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

# what the other system asked for: title | delivery model | due
requests="New starter laptop for J. Doe|product_delivery|+5 days
Access to the finance share for A. Smith|support|+2 days
Mailbox for the events team|customer_service|+3 days"

keys=()
while IFS='|' read -r title model due_in; do
  due=$(date -u -d "$due_in" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -v"+${due_in%% *}d" +%Y-%m-%dT%H:%M:%SZ)
  key=$(svcops request open "$title" --model "$model" --due "$due" --channel portal -q)
  echo "opened $key: $title (due $due)"
  keys+=("$key")
done <<<"$requests"

for key in "${keys[@]}"; do
  # inquiry -> assessment -> design -> execution -> feedback (delivered)
  for step in 1 2 3 4; do
    svcops request advance "$key" -q >/dev/null
  done
  stage=$(svcops request show "$key" --format json | json_field stage)
  delivered=$(svcops request show "$key" --format json | json_field resolved_at)
  echo "$key is $stage, delivered at $delivered"
done

# A move the flow does not allow is exit 4, and nothing changes.
set +e
svcops request reopen "${keys[0]}" >/dev/null 2>&1
echo "reopen from feedback is allowed (rework): exit $?"
svcops request close REQ-999999 2>/dev/null
echo "an unknown request: exit $?"
set -e

svcops request list --stage execution,feedback --format csv
