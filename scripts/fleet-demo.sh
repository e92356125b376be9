#!/usr/bin/env bash
# A box as a fleet sees it: the demo daemon with metrics on, a real Prometheus scraping it (and loading the alert
# rules), a stream of payments with every outcome, then a screenshot of the dashboard's first query drawn by Prometheus.
#
#   scripts/fleet-demo.sh [PAYMENTS] [OUTPUT.png]
#
# Needs the built binaries (swift build), prometheus and chromium (apt-get install prometheus chromium).
# Prometheus' UI stays up at the printed address until you press Enter.
set -euo pipefail
cd "$(dirname "$0")/.."
payments=${1:-24}
output=${2:-docs/fleet/prometheus-payments-by-outcome.png}
bin=$(swift build --show-bin-path)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

export TMPDIR=$work
"$bin/qrpayd" --demo --metrics-listen 127.0.0.1:19808 --display-port 0 > "$work/demo.out" 2> "$work/demo.log" &
until grep -q "export QRPAYD_SOCKET=" "$work/demo.out" 2>/dev/null; do sleep 0.2; done
eval "$(grep -o 'export QRPAYD_SOCKET=[^ ]*' "$work/demo.out")"

cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 2s, evaluation_interval: 2s}
rule_files: ['$PWD/contrib/prometheus/qrpayd.rules.yml']
scrape_configs:
  - job_name: qrpayd
    static_configs:
      - targets: ['127.0.0.1:19808']
        labels: {shop: demo-shop, till: '1'}
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address=127.0.0.1:19090 --log.level=warn &
echo "Prometheus: http://127.0.0.1:19090/classic/graph"

# The demo customer acts by the øre: ,00 approves, ,01 declines, ,02 pays with a second card, ,03 gives up after a
# refused card, ,04 walks away, ,05 waits until the till cancels.
endings=(00 00 01 00 02 03 00 04 00 05)
for ((i = 1; i <= payments; i++)); do
    ending=${endings[$(((i - 1) % ${#endings[@]}))]}
    reference="fleet-$(date +%s)-$i"
    if [ "$ending" = 05 ]; then
        "$bin/qrpayctl" pay "$reference" "49.${ending}kr" > /dev/null
        sleep 2
        "$bin/qrpayctl" cancel "$reference" > /dev/null || true
    else
        "$bin/qrpayctl" pay "$reference" "$((20 + i)).${ending}kr" --wait > /dev/null || true
    fi
    sleep 3
done
sleep 5

query='sum by (outcome) (increase(qrpayd_payments_ended_total{job="qrpayd"}[1h]))'
encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")
mkdir -p "$(dirname "$output")"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/chromium" \
    --window-size=1200,760 --virtual-time-budget=10000 --screenshot="$output" \
    "http://127.0.0.1:19090/classic/graph?g0.expr=$encoded&g0.tab=0&g0.range_input=$((payments * 6 / 60 + 2))m&g0.stacked=1" \
    2> /dev/null
echo "Screenshot: $output"
curl -s --unix-socket "$QRPAYD_SOCKET" http://localhost/metrics | grep -E '^qrpayd_(build_info|payments_|open_payments)'
if [ -t 0 ]; then read -r -p "Press Enter to stop the demo and Prometheus. "; fi
