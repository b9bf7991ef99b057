#!/bin/bash
# Measure keepcert against a local Pebble, and with --peers certbot, lego
# and uacme on the same work, then write the tables into BENCHMARKS.md.
#
#	bench/bench.sh            keepcert alone (make bench)
#	bench/bench.sh --peers    keepcert and its peers, interleaved (make bench-peers)
#
# Settings (environment):
#	KEEPCERT             the binary to measure (default ./keepcert)
#	BENCH_RUNS           runs of each issuance workload per client (default 5)
#	BENCH_NOOP_RUNS      runs of the no-op over all certificates, keepcert (default 5)
#	BENCH_PEER_NOOP_RUNS the same for each peer (default 3; certbot and lego take seconds)
#	BENCH_CERTS          certificates in the no-op workload (default 1000)
#	BENCH_OUT            the page to update (default BENCHMARKS.md)
#	BENCH_KEEP=1         keep the work directory (logs, Pebble's log, raw figures)
#
# Every server runs on 127.0.0.1: Pebble and its mock DNS (from
# tests/integration/pebble.sh), a counting TCP proxy in front of Pebble
# (bench/tcpcount.py), and for uacme a busybox httpd serving the http-01
# answers its hook writes. Timed runs talk to Pebble directly; one more run
# of each workload goes through the proxy to count TCP connections, and
# Pebble's log counts the HTTP requests of every run.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
peers=0
case "${1:-}" in
--peers) peers=1 ;;
"") ;;
*) echo "usage: bench/bench.sh [--peers]" >&2; exit 2 ;;
esac

KEEPCERT=${KEEPCERT:-$root/keepcert}
RUNS=${BENCH_RUNS:-5}
NOOP_RUNS=${BENCH_NOOP_RUNS:-5}
PEER_NOOP_RUNS=${BENCH_PEER_NOOP_RUNS:-3}
CERTS=${BENCH_CERTS:-1000}
OUT=${BENCH_OUT:-$root/BENCHMARKS.md}
[ -x "$KEEPCERT" ] || { echo "bench.sh: $KEEPCERT: no such binary; run ./build.sh first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/keepcert-bench.XXXXXX)
export WORK
TESTS_DIR=$root/tests/integration
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"
. "$here/clients.sh"

failures=0
finish() {
	cleanup_bg
	if [ "$failures" -eq 0 ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -rf "$WORK"
	elif [ "$failures" -eq 0 ]; then
		echo "bench.sh: work directory kept in $WORK" >&2
	else
		echo "bench.sh: $failures run(s) failed; logs kept in $WORK/logs" >&2
	fi
}
trap finish EXIT

log() {
	printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

"$root/tests/deps.sh" || exit 1
clients=keepcert
if [ $peers = 1 ]; then
	peers_install || exit 1
	clients="keepcert certbot lego uacme"
fi
mkdir -p "$WORK/logs" "$WORK/www"
: > "$WORK/results.tsv"
: > "$WORK/counts.tsv"

# The measuring helper; see bench/rusage.c for why it is not python3.
RUSAGE=$WORK/rusage
${BENCH_CC:-$(command -v musl-gcc || echo cc)} -static -Os -s -Wall -Wextra -Werror \
	-o "$RUSAGE" "$here/rusage.c" || fail "cannot build bench/rusage.c"

# One row per run of a workload: CLIENT WORKLOAD RUN WALL_US USER_US SYS_US MAXRSS_KIB STATUS REQUESTS.
# FUNCTION calls timed (or timed_trusted) once per process it runs; the
# steps of one run are summed (the peak RSS is their maximum).
sample() {
	local client=$1 workload=$2 run=$3 status requests before
	shift 3

	: > "$WORK/steps"
	before=$(pebble_requests)
	"$@" >> "$WORK/logs/$client-$workload-$run.log" 2>&1
	status=$?
	requests=$(($(pebble_requests) - before))
	if [ $status != 0 ] || [ ! -s "$WORK/steps" ]; then
		log "$client $workload run $run failed (exit $status), see $WORK/logs/$client-$workload-$run.log"
		failures=$((failures + 1))
		[ $status = 0 ] && status=1
	fi
	awk -v c="$client" -v w="$workload" -v r="$run" -v st="$status" -v q="$requests" '
		{ wall += $1; user += $2; sys += $3; if ($4 > rss) rss = $4 }
		END { printf "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", c, w, r, wall, user, sys, rss, st, q }
	' "$WORK/steps" >> "$WORK/results.tsv"
}

timed() {
	"$RUSAGE" "$WORK/steps" "$@"
}

# Like timed, for clients that trust only the system CA bundle (uacme: its
# libcurl-gnutls has no option for another one). A private mount namespace
# shows Pebble's CA at the system bundle's path to that process alone.
timed_trusted() {
	unshare -m sh -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' \
		"$PEBBLE_CA_BUNDLE" "$RUSAGE" "$WORK/steps" "$@"
}

pebble_requests() {
	grep -c ' -> calling handler()' "$WORK/pebble.log"
}

proxy_connections() {
	wc -l < "$WORK/proxy.log"
}

# Wait until the proxy has accepted every connection the client made: the
# kernel completes a connect before the proxy's accept() returns.
proxy_settle() {
	local last now i
	last=$(proxy_connections)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.1
		now=$(proxy_connections)
		[ "$now" = "$last" ] && [ "$i" -ge 2 ] && break
		last=$now
	done
	echo "$now"
}

# count CLIENT WORKLOAD FUNCTION: one untimed run through the proxy; writes
# CLIENT WORKLOAD CONNECTIONS REQUESTS SELF_CONNECTIONS SELF_REQUESTS, the
# last two from keepcert's own -v line ("-" for the peers).
count() {
	local client=$1 workload=$2 conns requests self logfile=$WORK/logs/$client-$workload-count.log
	shift 2

	conns=$(proxy_settle)
	requests=$(pebble_requests)
	: > "$WORK/steps"
	if ! "$@" > "$logfile" 2>&1; then
		log "$client $workload (counted run) failed, see $logfile"
		failures=$((failures + 1))
	fi
	conns=$(($(proxy_settle) - conns))
	requests=$(($(pebble_requests) - requests))
	self=$(sed -n 's/.*: \([0-9]*\) TLS connection(s), \([0-9]*\) HTTP request(s)$/\1\t\2/p' "$logfile" | tail -n 1)
	printf '%s\t%s\t%d\t%d\t%s\n' "$client" "$workload" "$conns" "$requests" "${self:-"-	-"}" >> "$WORK/counts.tsv"
}

# Run CLIENT's WORKLOAD function with the per-run variables set; uacme gets
# its http-01 server for the duration (it has no listener of its own).
run_client() {
	local client=$1 workload=$2
	shift 2
	[ "$client" = uacme ] && webroot_start
	"$@" "${client}_$workload"
	[ "$client" = uacme ] && webroot_stop
	return 0
}

webroot_pid=""
webroot_start() {
	busybox httpd -f -p "127.0.0.1:$PEBBLE_HTTP_PORT" -h "$WORK/www" &
	webroot_pid=$!
	wait_port "$PEBBLE_HTTP_PORT"
}

webroot_stop() {
	kill "$webroot_pid" 2>/dev/null
	wait "$webroot_pid" 2>/dev/null
	webroot_pid=""
}

# --- Pebble and the proxy

log "starting Pebble"
# Whatever the environment says: no validation delay, no rejected nonces, no reused authorizations.
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
unset PEBBLE_STRICT PEBBLE_EAB_KEYS PEBBLE_VALIDITY PEBBLE_ALTERNATE_ROOTS PEBBLE_CHAIN_LENGTH PEBBLE_VA_ALWAYS_VALID
pebble_start
proxy_port=$(free_port)
pebble_port=${PEBBLE_DIRECTORY#https://localhost:}
pebble_port=${pebble_port%%/*}
: > "$WORK/proxy.log"
start_bg proxy python3 "$here/tcpcount.py" "$proxy_port" "$pebble_port" "$WORK/proxy.log"
wait_port "$proxy_port"
DIRECT_URL=$PEBBLE_DIRECTORY
COUNTED_URL=https://localhost:$proxy_port/dir
export REQUESTS_CA_BUNDLE=$PEBBLE_CA_BUNDLE LEGO_CA_CERTIFICATES=$PEBBLE_CA_BUNDLE
export BENCH_WEBROOT=$WORK/www
HOOK=$here/uacme-hook.sh

# --- Counted runs: connections and requests of each workload, through the proxy

log "counting connections and requests ($clients)"
for client in $clients; do
	dir_url=$COUNTED_URL state=$WORK/counted name=$client-counted.bench.test verbose=-v
	for workload in issue_new renew rsa4096; do
		run_client "$client" "$workload" count "$client" "$workload"
	done
done

# --- Timed runs, clients interleaved within each round

log "timing $RUNS rounds of version, issuance, renewal, RSA-4096 ($clients)"
for run in $(seq "$RUNS"); do
	for workload in version issue_new renew rsa4096; do
		for client in $clients; do
			dir_url=$DIRECT_URL state=$WORK/timed/$run name=$client-$run.bench.test verbose=
			run_client "$client" "$workload" sample "$client" "$workload" "$run"
		done
	done
done

# --- The no-op run over many certificates that are not due

noop_clients=""
for client in $clients; do
	if ${client}_noop_available; then
		noop_clients="$noop_clients $client"
	else
		log "$client run: not available in this build"
		printf '%s\tnoop\tunavailable\n' "$client" >> "$WORK/counts.tsv"
	fi
done
if [ -n "$noop_clients" ]; then
	log "making $CERTS certificates for the no-op run"
	make_fixture "$WORK/fixture" "$CERTS" || fail "cannot make the no-op fixture"
	for client in $noop_clients; do
		${client}_noop_prepare "$WORK/fixture" || fail "$client: cannot lay out the no-op fixture"
	done
fi
[ -n "$noop_clients" ] && log "timing the no-op over $CERTS certificates (${noop_clients# })"
rounds=$NOOP_RUNS
[ $peers = 1 ] && [ "$PEER_NOOP_RUNS" -gt "$rounds" ] && rounds=$PEER_NOOP_RUNS
for run in $(seq "$rounds"); do
	for client in $noop_clients; do
		if [ "$client" = keepcert ]; then
			[ "$run" -le "$NOOP_RUNS" ] || continue
		else
			[ "$run" -le "$PEER_NOOP_RUNS" ] || continue
		fi
		conns=$(proxy_settle)
		dir_url=$COUNTED_URL
		run_client "$client" noop sample "$client" noop "$run"
		printf '%s\tnoop_conns\t%d\n' "$client" $(($(proxy_settle) - conns)) >> "$WORK/counts.tsv"
	done
done

# --- Sizes and the report

size=$(wc -c < "$KEEPCERT")
file -b "$KEEPCERT" > "$WORK/file.txt" 2>/dev/null || echo unknown > "$WORK/file.txt"
: > "$WORK/footprint.txt"
[ $peers = 1 ] && "$here/footprint.py" certbot lego uacme > "$WORK/footprint.txt"
# What the measuring itself costs: the helper timing a static program that exits at once.
"$RUSAGE" "$WORK/floor.txt" "$RUSAGE" 2>/dev/null

command="make bench"
[ $peers = 1 ] && command="make bench-peers"
python3 "$here/report.py" --work "$WORK" --out "$OUT" --command "$command" \
	--keepcert "$KEEPCERT" --size "$size" --certs "$CERTS" --peers "$peers" ||
	fail "report.py could not write $OUT"
sed -n "/<!-- BEGIN $command -->/,/<!-- END $command -->/p" "$OUT" | sed '1d;$d'
log "wrote $OUT"
[ "$failures" -eq 0 ]
