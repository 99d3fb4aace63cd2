#!/bin/sh
# Memory soak of the live layers (issue 9's benchmark, the 1-hour run): the
# feed simulator with data changing every 0.1 s, and citytwin headless over a
# scene with five live layers (traffic, parking and air quality over NGSI-LD,
# facility tilt over SensorThings, sensors over GeoJSON) polling every 0.1 s,
# the smallest poll_s a live layer accepts: 100x the default 10 s (50x the
# demo scene's 5 s). The app's resident memory (VmRSS) is sampled every 10 s
# to a CSV; at the end the growth from the sample at the end of the warm-up
# (5 minutes) to the last sample is printed against the target (< 1 %).
#
# usage: bench/live_soak.sh [DURATION_S] [OUT_DIR]
#   DURATION_S  seconds the app runs once loaded (default 3600)
#   OUT_DIR     where rss.csv, the scene, the report and the logs go
#               (default ${TMPDIR:-/tmp}/citytwin_soak)
# Environment: CITYTWIN_BUILD (build folder, default ./build), SOAK_WARMUP_S
# (default 300), SOAK_EVERY_S (sample period, default 10), SOAK_SIZE (picture
# size, default 320x180).
set -u

duration=${1:-3600}
out=${2:-${TMPDIR:-/tmp}/citytwin_soak}
build=${CITYTWIN_BUILD:-build}
warmup=${SOAK_WARMUP_S:-300}
every=${SOAK_EVERY_S:-10}
size=${SOAK_SIZE:-320x180}
app_bin=$build/citytwin
sim_bin=$build/citytwin-feedsim

for b in "$app_bin" "$sim_bin"; do
    if [ ! -x "$b" ]; then
        echo "live_soak: $b not found (build the citytwin and citytwin-feedsim targets)" >&2
        exit 2
    fi
done
mkdir -p "$out" || exit 2

sim_pid=
app_pid=
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The simulator prints its address as its first line.
"$sim_bin" --port 0 --seed 1 --tick 0.1 >"$out/feedsim.out" 2>"$out/feedsim.err" &
sim_pid=$!
base=
i=0
while [ $i -lt 100 ]; do
    base=$(sed -n 's|^citytwin-feedsim: listening on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' \
        "$out/feedsim.out" 2>/dev/null)
    [ -n "$base" ] && break
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$base" ]; then
    echo "live_soak: the simulator did not start (see $out/feedsim.err)" >&2
    exit 1
fi

poll=0.1
stale=10 # a late answer under load is not an outage worth a log line
cat >"$out/soak.json" <<EOF
{ "name": "soak", "crs": "EPSG:5186", "layers": [
  { "kind": "traffic", "name": "traffic", "format": "ngsi-ld",
    "url": "$base/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=keyValues",
    "value": "averageVehicleSpeed", "poll_s": $poll, "stale_after_s": $stale },
  { "kind": "parking", "name": "parking", "format": "ngsi-ld",
    "url": "$base/ngsi-ld/v1/entities?type=OffStreetParking", "poll_s": $poll, "stale_after_s": $stale },
  { "kind": "sensors", "name": "air", "format": "ngsi-ld",
    "url": "$base/ngsi-ld/v1/entities?type=AirQualityObserved&options=keyValues",
    "value": "pm10", "thresholds": [31, 81], "poll_s": $poll, "stale_after_s": $stale },
  { "kind": "sensors", "name": "tilt", "format": "sensorthings",
    "url": "$base/sta/v1.1/Things?\$expand=Locations,Datastreams/Observations(\$top=1)",
    "value": "기울기", "thresholds": [1.5, 2.5], "poll_s": $poll, "stale_after_s": $stale },
  { "kind": "sensors", "name": "geojson", "format": "geojson",
    "url": "$base/geojson/sensors.geojson", "value": "value", "poll_s": $poll, "stale_after_s": $stale } ] }
EOF

"$app_bin" --headless --size "$size" --samples 1 --load-cap-s 60 --wait-s "$duration" \
    --report "$out/report.json" "$out/soak.json" >"$out/app.out" 2>"$out/app.err" &
app_pid=$!

echo "t_s,rss_kb" >"$out/rss.csv"
t0=$(date +%s)
echo "live_soak: feeds at $base, app pid $app_pid, ${duration} s, samples every ${every} s" \
    "to $out/rss.csv"
while kill -0 "$app_pid" 2>/dev/null; do
    rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$app_pid/status" 2>/dev/null)
    [ -n "$rss" ] && echo "$(($(date +%s) - t0)),$rss" >>"$out/rss.csv"
    sleep "$every"
done
wait "$app_pid"
rc=$?
app_pid=
echo "live_soak: app exited with $rc after $(($(date +%s) - t0)) s"

# Layer states and fetch counts from the report (the poll rate reached).
if [ -f "$out/report.json" ]; then
    awk -v secs="$duration" '
    /"layers": *\[/ { in_l = 1 }
    in_l && /"name":/ { name = $0; sub(/.*"name": *"/, "", name); sub(/".*/, "", name) }
    in_l && /"status":/ { st = $0; sub(/.*"status": *"/, "", st); sub(/".*/, "", st) }
    in_l && /"fetches":/ { f = $0; sub(/.*"fetches": */, "", f); sub(/[^0-9].*/, "", f)
        printf "live_soak: layer %s: %s, %d fetches (%.1f per s)\n", name, st, f, f / secs }
    ' "$out/report.json"
fi

awk -F, -v warm="$warmup" '
NR > 1 { t = $1; r = $2; if (first == "" ) first = r
         if (base == "" && t >= warm) { base = r; tb = t }
         last = r; tl = t; if (r > peak) peak = r; n++ }
END {
    if (n == 0) { print "live_soak: no samples"; exit 1 }
    printf "live_soak: %d samples, first %d kB, peak %d kB, last %d kB at %d s\n",
        n, first, peak, last, tl
    if (base == "" || tl <= tb) {
        print "live_soak: run too short for a growth figure (warm-up " warm " s)"; exit 1
    }
    g = (last - base) * 100.0 / base
    printf "live_soak: RSS growth %d s -> %d s: %d kB -> %d kB = %+.2f %% (target < 1 %%): %s\n",
        tb, tl, base, last, g, g < 1 ? "PASS" : "FAIL"
}' "$out/rss.csv"
