#!/usr/bin/env python3
"""Turn the measurements of bench.sh into markdown tables in BENCHMARKS.md.

bench.sh leaves in its work directory:
  results.tsv   CLIENT WORKLOAD RUN WALL_US USER_US SYS_US MAXRSS_KIB STATUS REQUESTS
  counts.tsv    CLIENT WORKLOAD CONNECTIONS REQUESTS SELF_CONNECTIONS SELF_REQUESTS
                (counted runs through the proxy), CLIENT noop_conns N, or
                CLIENT noop unavailable
  footprint.txt PACKAGE OWN_KIB TOTAL_KIB COUNT (bench/footprint.py), peers only
  floor.txt     one rusage line: the helper timing a static program that exits at once

The page keeps one generated section per make target, between
"<!-- BEGIN make bench -->" and "<!-- END make bench -->" and between the
same markers for make bench-peers. Everything else on the page is left as
it is.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess

WORKLOADS = [
    ("version", "`version`"),
    ("issue_new", "issuance, new account, EC P-256"),
    ("renew", "renewal, cached account"),
    ("rsa4096", "issuance, RSA-4096 key"),
    ("noop", "no-op run over {certs:,} certificates"),
]
PEERS = ["certbot", "lego", "uacme"]

# RFC 8555 requests for one name with http-01, when every response is
# already final where it can be: GET directory, HEAD newNonce (Pebble's directory
# response carries no Replay-Nonce), newAccount (new accounts only),
# newOrder, one POST-as-GET of the authorization and one challenge POST per
# name, one poll until the order is ready (validation is asynchronous),
# finalize, one order poll (Pebble answers finalize with "processing"), and
# the certificate download.
def minimum_requests(workload, names=1):
    if workload == "issue_new":
        return 8 + 2 * names
    if workload in ("renew", "rsa4096"):
        return 7 + 2 * names
    if workload == "noop":
        return 0
    return None

TARGETS = {
    "size_kib": 300,
    "issue_new_rss_kib": 1024,
    "issue_new_cpu_ms": 10,
    "issue_new_wall_ms": 150,
    "noop_wall_ms": 100,
}


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


class Results:
    def __init__(self, work):
        self.samples = {}
        self.failed = set()
        for row in read_rows(os.path.join(work, "results.tsv")):
            client, workload, _run, wall, user, sys_, rss, status, requests = row
            key = (client, workload)
            if status != "0":
                self.failed.add(key)
                continue
            self.samples.setdefault(key, []).append(
                (int(wall), int(user) + int(sys_), int(rss), int(requests)))
        self.counts, self.noop_conns, self.unavailable = {}, {}, set()
        for row in read_rows(os.path.join(work, "counts.tsv")):
            if row[1] == "noop" and row[2] == "unavailable":
                self.unavailable.add(row[0])
            elif row[1] == "noop_conns":
                self.noop_conns.setdefault(row[0], []).append(int(row[2]))
            else:
                self.counts[(row[0], row[1])] = row[2:]

    def median(self, client, workload, index):
        values = [s[index] for s in self.samples.get((client, workload), [])]
        return statistics.median(values) if values else None

    def runs(self, client, workload):
        return len(self.samples.get((client, workload), []))

    def connections(self, client, workload):
        if workload == "noop":
            values = self.noop_conns.get(client)
            return statistics.median(values) if values else None
        row = self.counts.get((client, workload))
        return int(row[0]) if row else None

    def requests(self, client, workload):
        """Return the median request count of the timed runs, from Pebble's log."""
        return self.median(client, workload, 3)

    def requests_text(self, client, workload):
        """Format the median, and the range when runs differ because a poll found "pending"."""
        values = [s[3] for s in self.samples.get((client, workload), [])]
        if not values:
            return ""
        text = "%g" % statistics.median(values)
        if min(values) != max(values):
            text += " (%d–%d)" % (min(values), max(values))
        return text

    def self_counts(self, workload):
        row = self.counts.get(("keepcert", workload))
        if not row or row[2] == "-":
            return None
        return row[2], row[3]


def ms(us):
    return "%.1f" % (us / 1000.0) if us < 100000 else "%.0f" % (us / 1000.0)


def kib(value):
    return "{:,}".format(int(round(float(value))))


def ratio(value, base):
    if value is None or not base:
        return ""
    return " (%s×)" % ("%.1f" % (value / base) if value / base < 100 else "{:,.0f}".format(value / base))


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return "%s, %d cores, Linux %s (%s)" % (model, os.cpu_count(), platform.release(), platform.machine())


def keepcert_version(binary):
    try:
        return subprocess.run([binary, "version"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except OSError:
        return "keepcert (version unknown)"


def header(args, results):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(os.path.join(args.work, "floor.txt")) as f:
        floor = f.read().split()
    lines = [
        "Measured by `%s` on %s; %s." % (args.command, now, machine()),
        "Binary: %s, %s." % (keepcert_version(args.keepcert), read_text(args.work, "file.txt")),
        "Pebble 2.4 (Debian) on 127.0.0.1 with PEBBLE_VA_NOSLEEP=1, "
        "PEBBLE_WFE_NONCEREJECT=0, PEBBLE_AUTHZREUSE=0. Figures are medians of "
        "%d runs per client%s; the measuring helper (bench/rusage.c) reads %s ms wall "
        "and %s KiB peak RSS for a static program that exits at once." % (
            max([results.runs("keepcert", w) for w, _ in WORKLOADS[:4]] or [0]), noop_runs(results),
            ms(int(floor[0])), floor[3]),
    ]
    return lines


def noop_runs(results):
    counts = sorted({results.runs(c, "noop") for c in ["keepcert"] + PEERS if results.runs(c, "noop")})
    if not counts:
        return ""
    return " (no-op: %s)" % " or ".join(str(n) for n in counts)


def read_text(work, name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read().strip()


def keepcert_section(args, results):
    out = header(args, results)
    size = args.size
    out += [
        "",
        "| measure | keepcert | target |",
        "|---|---:|---:|",
        "| binary size, static and stripped | %s bytes (%.0f KiB) | ≤ %d KiB %s |" % (
            "{:,}".format(size), size / 1024.0, TARGETS["size_kib"],
            mark(size / 1024.0 <= TARGETS["size_kib"])),
        "",
        "| workload | wall ms | CPU ms (user+sys) | peak RSS KiB | TLS connections | HTTP requests | protocol minimum |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for workload, label in WORKLOADS:
        label = label.format(certs=args.certs)
        if workload == "noop" and "keepcert" in results.unavailable:
            out.append("| %s | keepcert run: not available in this build | | | | | |" % label)
            continue
        if ("keepcert", workload) in results.failed and not results.runs("keepcert", workload):
            out.append("| %s | failed (every run) | | | | | |" % label)
            continue
        wall = results.median("keepcert", workload, 0)
        cpu = results.median("keepcert", workload, 1)
        rss = results.median("keepcert", workload, 2)
        if wall is None:
            continue
        conns = results.connections("keepcert", workload)
        own = results.self_counts(workload)
        conns_text = "" if conns is None else "%d" % conns
        reqs_text = "" if workload == "version" else results.requests_text("keepcert", workload)
        if own is not None and own[0] != conns_text:
            conns_text += " (keepcert -v: %s)" % own[0]
        minimum = minimum_requests(workload)
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            label, ms(wall), ms(cpu), kib(rss), conns_text, reqs_text,
            "" if minimum is None else minimum))
    out += ["", "Targets:", ""]
    out += targets(args, results)
    return out


def mark(ok):
    return "(met)" if ok else "(**missed**)"


def targets(args, results):
    lines = []

    def check(text, value, limit, unit):
        if value is None:
            lines.append("- %s: not measured" % text)
        else:
            lines.append("- %s: %s %s, target ≤ %g %s %s" % (
                text, value, unit, limit, unit, mark(float(value.replace(",", "")) <= limit)))

    rss = results.median("keepcert", "issue_new", 2)
    cpu = results.median("keepcert", "issue_new", 1)
    wall = results.median("keepcert", "issue_new", 0)
    noop = results.median("keepcert", "noop", 0)
    check("peak RSS of an EC issuance", None if rss is None else kib(rss), TARGETS["issue_new_rss_kib"], "KiB")
    check("CPU of an EC issuance", None if cpu is None else ms(cpu), TARGETS["issue_new_cpu_ms"], "ms")
    check("wall time of an EC issuance", None if wall is None else ms(wall), TARGETS["issue_new_wall_ms"], "ms")
    if "keepcert" in results.unavailable:
        lines.append("- no-op run over {:,} certificates: keepcert run: not available in this build".format(args.certs))
    else:
        # The target is for 1,000 certificates; other sizes are held to the same time per certificate.
        check("no-op run over {:,} certificates".format(args.certs), None if noop is None else ms(noop),
              TARGETS["noop_wall_ms"] * args.certs / 1000.0, "ms")
    for workload in ("issue_new", "renew", "rsa4096"):
        conns = results.connections("keepcert", workload)
        reqs = results.requests("keepcert", workload)
        minimum = minimum_requests(workload)
        if conns is None or reqs is None:
            lines.append("- connections and requests, %s: not measured" % workload)
            continue
        label = dict(WORKLOADS)[workload]
        lines.append("- %s: %d TLS connection(s) (target 1) and %s requests (minimum %d) %s" % (
            label, conns, results.requests_text("keepcert", workload), minimum,
            mark(conns == 1 and reqs == minimum)))
    return lines


def peers_section(args, results):
    out = header(args, results)
    clients = ["keepcert"] + PEERS
    out += [
        "",
        "Ratios in brackets are against keepcert (2.0× costs twice as much).",
        "",
        "| workload | measure | " + " | ".join(clients) + " |",
        "|---|---|" + "---:|" * len(clients),
    ]
    measures = [
        ("wall ms", lambda c, w: results.median(c, w, 0), ms),
        ("CPU ms", lambda c, w: results.median(c, w, 1), ms),
        ("peak RSS KiB", lambda c, w: results.median(c, w, 2), kib),
        ("TCP connections", results.connections, lambda v: "%g" % v),
        ("HTTP requests (median)", results.requests, lambda v: "%g" % v),
    ]
    for workload, label in WORKLOADS:
        label = label.format(certs=args.certs)
        for name, get, fmt in measures:
            if workload == "version" and name.startswith(("TCP", "HTTP")):
                continue
            base = None if "keepcert" in results.unavailable and workload == "noop" else get("keepcert", workload)
            cells = []
            for client in clients:
                if workload == "noop" and client in results.unavailable:
                    cells.append("not available" if client != "keepcert" else "keepcert run: not available in this build")
                    continue
                value = get(client, workload)
                if value is None:
                    cells.append("failed" if (client, workload) in results.failed else "")
                    continue
                cells.append(fmt(value) + ("" if client == "keepcert" else ratio(value, base)))
            out.append("| %s | %s | %s |" % (label, name, " | ".join(cells)))
    out += [
        "",
        "Install footprint: the package and its recursive Depends and Pre-Depends, "
        "summing dpkg's Installed-Size (bench/footprint.py).",
        "",
        "| client | own size KiB | with dependencies KiB | packages |",
        "|---|---:|---:|---:|",
        "| keepcert | %s | %s (no dependencies) | 0 |" % (kib(args.size / 1024.0), kib(args.size / 1024.0)),
    ]
    for line in read_text(args.work, "footprint.txt").splitlines():
        package, own, total, count = line.split()
        out.append("| %s | %s | %s%s | %s |" % (package, kib(own), kib(total),
                                              ratio(int(total), args.size / 1024.0), count))
    return out


def replace_section(text, name, lines):
    begin, end = "<!-- BEGIN %s -->" % name, "<!-- END %s -->" % name
    block = begin + "\n" + "\n".join(lines) + "\n" + end
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _m: block, text)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--keepcert", required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--certs", type=int, required=True)
    parser.add_argument("--peers", type=int, default=0)
    args = parser.parse_args()

    results = Results(args.work)
    text = ""
    if os.path.exists(args.out):
        with open(args.out) as f:
            text = f.read()
    if not text:
        text = "# Benchmarks\n"
    if args.peers:
        text = replace_section(text, "make bench-peers", peers_section(args, results))
    else:
        text = replace_section(text, "make bench", keepcert_section(args, results))
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
