#!/usr/bin/env bash
# How Tests/Fixtures/store-v1/qrpayd.sqlite was made: by the qrpayd of commit a3d6d2f (store schema v1), against its
# own vipps-sim, then killed with SIGKILL so the database holds what a box updated from that version would hold:
#   v1-open      awaiting the customer's scan
#   v1-reserved  approved, not captured (settlement till)
#   v1-partial   approved, 4000 of 12900 øre captured; the rest still reserved
#   v1-capture   approved, a capture whose answer was lost (the write-ahead intent still pending)
#   v1-done      captured in full and 1000 øre refunded
# Usage: make-fixture.sh DIR-WITH-OLD-BINARIES OUTPUT-DIR
set -euo pipefail
bin=${1:?directory with the a3d6d2f qrpayd and vipps-sim}
out=${2:?output directory}
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true' EXIT
port=18411
"$bin/vipps-sim" --port $port >"$work/sim.log" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/_sim/payments" >/dev/null && break; sleep 0.1; done
mkdir -p "$work/state"
cat >"$work/qrpayd.json" <<JSON
{"vipps": {"environment": "test", "baseURL": "http://127.0.0.1:$port", "clientId": "sim-client-id",
           "merchantSerialNumber": "123456", "requestTimeoutSeconds": 6},
 "payment": {"orderIdPrefix": "kiosk7-", "settlement": "till", "pollIntervalMilliseconds": 500},
 "display": {"enabled": false}, "state": {"directory": "$work/state"},
 "control": {"socketPath": "$work/control.sock"}, "log": {"level": "info"}}
JSON
VIPPS_CLIENT_SECRET=sim-client-secret VIPPS_SUBSCRIPTION_KEY=sim-subscription-key \
    "$bin/qrpayd" --config "$work/qrpayd.json" >"$work/qrpayd.log" 2>&1 &
daemon=$!
till() { curl -s --unix-socket "$work/control.sock" -H 'Content-Type: application/json' "$@"; echo; }
sim() { curl -sf -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$port/_sim/$1" ${2:+-d "$2"}; }
for _ in $(seq 100); do
    curl -sf --unix-socket "$work/control.sock" http://localhost/v1/health >/dev/null 2>&1 && break; sleep 0.1
done
wait_state() { for _ in $(seq 100); do till "http://localhost/v1/payments/$1" | grep -q "\"state\":\"$2\"" && return; sleep 0.1; done; echo "no $2 for $1" >&2; exit 1; }
pay() { till -X POST http://localhost/v1/payments -d "{\"reference\":\"$1\",\"amount\":12900,\"text\":\"Fixture\"}"; }
approve() { sim "payments/kiosk7-$1/open"; sim "payments/kiosk7-$1/approve"; wait_state "$1" authorized; }
pay v1-reserved; approve v1-reserved
pay v1-partial; approve v1-partial; till -X POST http://localhost/v1/payments/v1-partial/capture -d '{"amount":4000}'
pay v1-done; approve v1-done; till -X POST http://localhost/v1/payments/v1-done/capture
till -X POST http://localhost/v1/payments/v1-done/refund -d '{"amount":1000}'
pay v1-capture; approve v1-capture
# The capture's answer is lost after Vipps applied it, and Vipps stays silent: the intent stays pending.
sim faults '{"kind":"drop","phase":"after","count":1,"method":"POST","pathPrefix":"/ecomm/v2/payments/kiosk7-v1-capture/capture"}'
sim faults '{"kind":"drop","phase":"before","count":1000,"pathPrefix":"/ecomm/v2/payments/kiosk7-v1-capture"}'
till -X POST http://localhost/v1/payments/v1-capture/capture || true  # 503: outcome unknown
pay v1-open
kill -9 $daemon
mkdir -p "$out"
cp "$work"/state/qrpayd.sqlite* "$out"/
ls -la "$out"
