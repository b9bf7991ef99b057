#!/usr/bin/env python3
"""A scripted ACME server (RFC 8555) on loopback, for what Pebble cannot do.

    acme_mock.py --port P --cert server.pem --key server.key --workdir DIR \
        --log requests.jsonl --scenario NAME [--http-port PORT]

It serves https://localhost:P/dir over TLS with keep-alive, checks the
protected header of every POST (a nonce it issued and that is unused, the
url of the request, kid or jwk as the request requires) and rejects
what it finds wrong with an error that names it. It validates http-01 by
fetching the key authorization from 127.0.0.1:--http-port, and issues
certificates for the CSR with openssl, below a small CA hierarchy made in
--workdir (see make_cas).

Every request is appended to --log as one JSON line: method, path,
headers (lower-case names), the decoded protected header and payload, the
time, and for the scenarios that need it the times the mock promised.

The scenario changes one part of the exchange; SCENARIOS lists them.
With --fault STEP:KIND[:ARG] the happy path of the "plain" scenario runs,
except that every response at STEP (see STEPS) is spoilt as KIND says
(see FAULTS): bytes below HTTP, invalid JSON, members removed or of the
wrong type, or objects that never finish. Faults named tls-* replace the
whole server with one that misbehaves during the TLS handshake.
"""

import argparse
import base64
import copy
import email.utils
import hashlib
import http.server
import json
import os
import socket
import ssl
import subprocess
import struct
import sys
import threading
import time
import urllib.request

SCENARIOS = {
    "basic": "the happy path, with lower-case headers, odd whitespace, escaped solidus and a rich directory",
    "bad-nonce": "the first newOrder gets badNonce; the retry must carry the nonce of that error",
    "not-ready": "the first finalize gets 403 orderNotReady; the next request must use its nonce",
    "ready": "newOrder returns an order that is already ready, its authorization valid",
    "challenge-processing": "the challenge is processing and the authorization pending, with Retry-After: 1 "
                            "on the challenge response and on two polls",
    "processing-date": "finalize returns processing with Retry-After as an IMF-fixdate 2 s ahead, then Retry-After: 1",
    "processing-rfc850": "as processing-date, with an RFC 850 date",
    "processing-past": "as processing-date, with a date in the past",
    "processing-garbage": "as processing-date, with a Retry-After that is not a date",
    "caa": "finalize returns processing, then the order is invalid with a caa error",
    "processing-forever": "the order stays processing after finalize, with Retry-After: 1",
    "subproblems": "newOrder is rejected with subproblems naming an identifier",
    "rate-limited": "newOrder gets rateLimited with Retry-After: 604800",
    "rate-limited-short": "the first newOrder gets rateLimited with Retry-After: 1",
    "user-action": "newAccount gets userActionRequired with an instance URL",
    "no-account-404": "onlyReturnExisting gets accountDoesNotExist as 404",
    "no-account-400": "onlyReturnExisting gets accountDoesNotExist as 400",
    "existing-empty": "onlyReturnExisting finds the account: 200, Location and an empty body",
    "chunked": "the certificate comes chunked, in lower-case hex, with an extension and a split base64 line",
    "close-delimited": "the certificate comes without length, ended by the connection's close",
    "cut": "the certificate download is cut off in the middle of the second certificate",
    "alternates": "the default chain ends in a cross-signed root; an alternate chain is linked",
    "no-alternates": "as alternates, without the Link header",
    "pem-text": "the chain has text around the PEM blocks and no final newline",
    "profiles": "the directory lists profiles; newOrder records the profile",
    "bad-url": "the order's authorization URL is http, not https",
    "bad-token": "the http-01 token is not base64url",
    "wrong-key": "the certificate is for another key than the CSR's",
    "ari-future": "the directory offers renewalInfo; its window starts in 3 days, Retry-After: 3600",
    "ari-past": "the directory offers renewalInfo; its window ended yesterday, Retry-After: 3600; "
                "a newOrder after a renewalInfo request must name that certID in replaces",
    "extra-name": "the certificate carries a name that was not ordered",
    "plain": "the happy path without quirks; --fault spoils one step of it",
}

# The steps of an issuance, named by the request that starts them.
STEPS = {
    "dir": "GET of the directory", "nonce": "HEAD of newNonce", "acct": "POST to newAccount",
    "order": "POST to newOrder", "authz": "POST-as-GET of an authorization",
    "chall": "POST to a challenge", "finalize": "POST to finalize", "poll": "POST-as-GET of the order",
    "cert": "POST-as-GET of the certificate", "any": "every response",
}

FAULTS = {
    # Bytes below HTTP.
    "status-cut": "the status line ends after \"HTTP/1.1 20\" and the connection closes",
    "status-garbage": "the status line is not HTTP",
    "status-101": "101 Switching Protocols",
    "status-1xx-flood": "100 Continue responses, without end",
    "headers-cut": "the connection closes inside the header lines",
    "headers-huge": "one header line of 40 KiB",
    "headers-many": "200 header lines",
    "headers-endless": "header lines without end",
    "header-nul": "a header value with a NUL byte",
    "obs-fold": "a header line folded onto the next (obsolete line folding)",
    "body-cut": "Content-Length promises twice the body that is sent before the close",
    "cl-negative": "Content-Length: -1",
    "cl-huge": "Content-Length: 99999999999999999999",
    "cl-conflict": "two different Content-Length headers",
    "cl-and-chunked": "both Content-Length and Transfer-Encoding: chunked",
    "cl-over-limit": "Content-Length: 2000000, then that many bytes",
    "te-unknown": "Transfer-Encoding: gzip",
    "chunked-endless": "a chunked body of 4 KiB chunks without end",
    "chunk-overflow": "a chunk size of 20 hex digits",
    "chunk-garbage": "a chunk size that is not hex",
    "chunk-cut": "a chunked body cut off inside a chunk",
    "close-endless": "a body delimited by the close, without end",
    "trickle": "the response one byte every 0.3 s",
    "silent": "the request is read and never answered",
    "close": "the request is read and the connection closed",
    "reset": "headers and half the body, then a TCP reset",
    "reset-early": "a TCP reset in place of a response",
    "redirect-loop": "302 to the same URL",
    "html-500": "500 with an HTML body",
    "empty-200": "200 with an empty body",
    # Invalid JSON.
    "json-garbage": "a body that is not JSON",
    "json-cut": "the JSON cut in half",
    "json-trailing": "a valid object followed by more bytes",
    "json-deep": "arrays nested 100000 deep",
    "json-bad-escape": "a \\u escape with non-hex digits",
    "json-lone-surrogate": "a \\ud800 escape without its pair",
    "json-bad-utf8": "a string with an invalid UTF-8 byte",
    "json-control": "a raw control byte in a string",
    "json-nul": "a NUL byte between members",
    "json-array": "an array in place of the object",
    "json-number": "a number that breaks the JSON grammar (-01.e+) in a new member",
    "json-huge-string": "a string of 1.5 MiB",
    # Valid JSON, wrong content: ARG is a dotted path (list indexes are numbers).
    "del": "remove the member at ARG",
    "set": "set the member at ARG=VALUE to the JSON VALUE",
    # Protocol.
    "no-nonce": "no Replay-Nonce header",
    "bad-nonce": "a badNonce problem for every POST",
    "no-location": "no Location header",
    "status": "the object stays at the status ARG, with Retry-After ARG2 when given (status:pending:1)",
    "problem": "the problem document ARG (a JSON object) with HTTP 400",
    # Certificates.
    "cert-not-pem": "text that is not PEM",
    "cert-bad-base64": "a PEM block whose base64 is invalid",
    "cert-other-names": "a certificate for our key with only other names",
    "cert-expired": "a certificate for our key and names that expired",
    # TLS, in place of the whole server.
    "tls-stall": "accept TCP connections and never answer the ClientHello",
    "tls-garbage": "answer the ClientHello with plain HTTP",
    "tls-untrusted": "a server certificate from a CA keepcert does not trust",
    "tls-wrong-name": "a server certificate for another host name",
}

B64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, check=True, capture_output=True).stdout


def make_cas(workdir):
    """Make the test CAs: two roots, X1 cross-signed by the legacy X3, and R3 issued by X1."""
    made = os.path.join(workdir, "r3.pem")
    if os.path.exists(made):
        return
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    ca_ext = os.path.join(workdir, "ca.ext")
    with open(ca_ext, "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    p = lambda n: os.path.join(workdir, n)
    for name, cn in (("x3", "Test Legacy Root X3"), ("x1", "Test Root X1")):
        openssl("req", "-x509", *ec, "-days", "30", "-subj", "/CN=" + cn,
                "-keyout", p(name + ".key"), "-out", p(name + ".pem"),
                "-addext", "basicConstraints=critical,CA:TRUE")
    openssl("req", "-new", "-key", p("x1.key"), "-subj", "/CN=Test Root X1", "-out", p("x1.csr"))
    openssl("x509", "-req", "-in", p("x1.csr"), "-CA", p("x3.pem"), "-CAkey", p("x3.key"),
            "-set_serial", "11", "-days", "30", "-extfile", ca_ext, "-out", p("x1-cross.pem"))
    openssl("req", "-new", *ec, "-keyout", p("r3.key"), "-subj", "/CN=Test R3", "-out", p("r3.csr"))
    openssl("x509", "-req", "-in", p("r3.csr"), "-CA", p("x1.pem"), "-CAkey", p("x1.key"),
            "-set_serial", "12", "-days", "30", "-extfile", ca_ext, "-out", made + ".tmp")
    os.rename(made + ".tmp", made)


def issue_leaf(workdir, csr_der, serial, force_pubkey=None):
    p = lambda n: os.path.join(workdir, n)
    csr = os.path.join(workdir, "leaf-%d.csr" % serial)
    with open(csr, "wb") as f:
        f.write(csr_der)
    extra = ["-force_pubkey", force_pubkey] if force_pubkey else []
    return openssl("x509", "-req", "-inform", "DER", "-in", csr, "-CA", p("r3.pem"), "-CAkey", p("r3.key"),
                   "-set_serial", str(serial), "-days", "10", "-copy_extensions", "copyall", *extra).decode()


def issue_expired_leaf(workdir, csr_der, serial):
    """Issue a leaf for the CSR below R3, valid for one day in 2020: openssl ca can backdate, x509 -req cannot."""
    p = lambda n: os.path.join(workdir, n)
    d = p("expired-ca")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("%x\n" % serial)
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca=r3\n[r3]\ndatabase=%s/index.txt\nnew_certs_dir=%s\nserial=%s/serial\n"
                "default_md=sha256\npolicy=any\ncopy_extensions=copyall\nunique_subject=no\n"
                "[any]\ncommonName=optional\n" % (d, d, d))
    csr = os.path.join(d, "leaf-%d.csr" % serial)
    with open(csr, "wb") as f:
        f.write(openssl("req", "-inform", "DER", "-in", "/dev/stdin", stdin=csr_der))
    out = os.path.join(d, "leaf-%d.pem" % serial)
    openssl("ca", "-batch", "-config", os.path.join(d, "ca.cnf"), "-cert", p("r3.pem"), "-keyfile", p("r3.key"),
            "-in", csr, "-out", out, "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
            "-notext")
    return read(d, "leaf-%d.pem" % serial)


def read(workdir, name):
    with open(os.path.join(workdir, name)) as f:
        return f.read()


def jwk_thumbprint(jwk):
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("e", "kty", "n")
    text = json.dumps({k: jwk[k] for k in members}, separators=(",", ":"), sort_keys=True)
    return B64(hashlib.sha256(text.encode()).digest())


class CA:
    """The state of the one account and the orders of a run."""

    def __init__(self, args):
        self.args = args
        self.scenario = args.scenario
        self.base = "https://localhost:%d" % args.port
        self.lock = threading.Lock()
        self.nonces = set()
        self.counter = 0
        self.account_jwk = None
        self.account_url = self.base + "/acct/1"
        self.orders = {}
        self.authz = {}
        self.certs = {}
        self.csrs = {}
        self.fault = None
        if args.fault:
            step, _, rest = args.fault.partition(":")
            kind, _, arg = rest.partition(":")
            if step not in STEPS or kind not in FAULTS:
                raise SystemExit("acme_mock: unknown fault %r; see STEPS and FAULTS" % args.fault)
            self.fault = (step, kind, arg)
        self.hits = {}
        self.log = open(args.log, "a")

    def nonce(self):
        with self.lock:
            self.counter += 1
            n = B64(os.urandom(12)) + "N%d" % self.counter
            self.nonces.add(n)
            return n

    def hit(self, key):
        with self.lock:
            self.hits[key] = self.hits.get(key, 0) + 1
            return self.hits[key]

    def record(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "acme-mock"

    def log_message(self, fmt, *args):
        sys.stderr.write("mock: " + (fmt % args) + "\n")

    # -- writing responses ------------------------------------------------

    def respond(self, status, body=b"", headers=(), reason=None, raw_headers=None):
        """Write a response with Content-Length; RAW_HEADERS replaces the header lines as they are."""
        if isinstance(body, str):
            body = body.encode()
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        if self.fault_here():
            lines = raw_headers.split("\r\n")[:-1] if raw_headers is not None else \
                ["%s: %s" % h for h in headers]
            self.spoil(status, [line for line in lines if not line.lower().startswith("content-length:")], body)
            return
        reason = reason or http.server.BaseHTTPRequestHandler.responses.get(status, ("X",))[0]
        out = "HTTP/1.1 %d %s\r\n" % (status, reason)
        if raw_headers is not None:
            out += raw_headers
        else:
            for name, value in headers:
                out += "%s: %s\r\n" % (name, value)
            out += "Content-Length: %d\r\n" % len(body)
        out += "\r\n"
        self.wfile.write(out.encode() + (body if self.command != "HEAD" else b""))

    def json_response(self, status, obj, extra=(), location=None):
        headers = [("Content-Type", "application/json"), ("Replay-Nonce", self.ca.nonce()),
                   ("Link", "<%s/dir>;rel=\"index\"" % self.ca.base)]
        if location:
            headers.append(("Location", location))
        self.respond(status, json.dumps(obj), headers + list(extra))

    def problem(self, status, type_, detail, extra=(), more=None, nonce=True):
        doc = {"type": "urn:ietf:params:acme:error:" + type_, "detail": detail, "status": status}
        doc.update(more or {})
        headers = [("Content-Type", "application/problem+json")]
        if nonce:
            headers.append(("Replay-Nonce", self.ca.nonce()))
        self.respond(status, json.dumps(doc), headers + list(extra))


    # -- faults (--fault STEP:KIND[:ARG]) ----------------------------------

    def step(self):
        if self.command == "GET" and self.path == "/dir":
            return "dir"
        if self.command == "HEAD":
            return "nonce"
        for prefix, name in (("/new-acct", "acct"), ("/new-order", "order"), ("/authz/", "authz"),
                             ("/chall/", "chall"), ("/finalize/", "finalize"), ("/order/", "poll"),
                             ("/cert/", "cert")):
            if self.path.startswith(prefix):
                return name
        return None

    def fault_here(self):
        f = self.ca.fault
        return f is not None and f[0] in (self.step(), "any") and not getattr(self, "unspoilt", False)

    def raw(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (OSError, ssl.SSLError):
            pass

    def reset(self):
        self.close_connection = True
        try:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            socket.socket.close(self.request)
        except OSError:
            pass

    def close_tls(self):
        """Send close_notify and close, so that the client sees a clean end of the stream."""
        self.close_connection = True
        self.request.settimeout(2)
        try:
            self.request.unwrap()
        except (OSError, ssl.SSLError):
            pass

    def endless(self, piece, limit=64 << 20):
        """Write PIECE until the client goes away or LIMIT bytes went out."""
        sent = 0
        try:
            while sent < limit:
                self.wfile.write(piece)
                sent += len(piece)
        except (OSError, ssl.SSLError):
            pass
        self.close_connection = True

    def spoil(self, status, headers, body):
        """Write the response of STATUS, HEADERS (lines) and BODY, spoilt as the fault KIND describes."""
        _, kind, arg = self.ca.fault
        self.ca.record({"fault": kind, "step": self.step(), "path": self.path})
        head = lambda st, hs: ("HTTP/1.1 %s\r\n" % st + "".join(h + "\r\n" for h in hs) + "\r\n").encode()
        ok = "%d %s" % (status, http.server.BaseHTTPRequestHandler.responses.get(status, ("X",))[0])
        clen = ["Content-Length: %d" % len(body)]
        chunked = ["Transfer-Encoding: chunked"]

        if kind.startswith("json-") or kind in ("del", "set", "empty-200", "no-nonce", "no-location",
                                                "bad-nonce", "status", "problem") or kind.startswith("cert-"):
            status, headers, body = self.spoil_content(kind, arg, status, headers, body)
            ok = "%d %s" % (status, http.server.BaseHTTPRequestHandler.responses.get(status, ("X",))[0])
            self.raw(head(ok, headers + ["Content-Length: %d" % len(body)]) + body)
            return

        if kind == "status-cut":
            self.raw(b"HTTP/1.1 20")
            self.close_tls()
        elif kind == "status-garbage":
            self.raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
            self.close_connection = True
        elif kind == "status-101":
            self.raw(head("101 Switching Protocols", ["Upgrade: h2c", "Connection: Upgrade"]))
        elif kind == "status-1xx-flood":
            self.endless(b"HTTP/1.1 100 Continue\r\n\r\n")
        elif kind == "headers-cut":
            self.raw(head(ok, headers)[:-30])
            self.close_tls()
        elif kind == "headers-huge":
            self.raw(head(ok, headers + ["X-Padding: " + "a" * 40960] + clen) + body)
        elif kind == "headers-many":
            self.raw(head(ok, headers + ["X-H%d: v" % i for i in range(200)] + clen) + body)
        elif kind == "headers-endless":
            self.raw(("HTTP/1.1 %s\r\n" % ok).encode())
            self.endless(b"X-More: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
        elif kind == "header-nul":
            self.raw(head(ok, headers + ["X-Odd: a\0b"] + clen) + body)
        elif kind == "obs-fold":
            self.raw(head(ok, headers + ["X-Folded: a", " b"] + clen) + body)
        elif kind == "body-cut":
            self.raw(head(ok, headers + ["Content-Length: %d" % (2 * len(body) + 10)]) + body)
            self.close_connection = True
            self.request.shutdown(socket.SHUT_RDWR)
        elif kind == "cl-negative":
            self.raw(head(ok, headers + ["Content-Length: -1"]) + body)
        elif kind == "cl-huge":
            self.raw(head(ok, headers + ["Content-Length: 99999999999999999999"]) + body)
        elif kind == "cl-conflict":
            self.raw(head(ok, headers + clen + ["Content-Length: %d" % (len(body) + 1)]) + body)
        elif kind == "cl-and-chunked":
            self.raw(head(ok, headers + clen + chunked) + body)
        elif kind == "cl-over-limit":
            self.raw(head(ok, headers + ["Content-Length: 2000000"]))
            self.endless(b"x" * 4096, 2000000)
        elif kind == "te-unknown":
            self.raw(head(ok, headers + ["Transfer-Encoding: gzip"]) + body)
            self.close_connection = True
        elif kind == "chunked-endless":
            self.raw(head(ok, headers + chunked))
            self.endless(b"1000\r\n" + b"x" * 4096 + b"\r\n")
        elif kind == "chunk-overflow":
            self.raw(head(ok, headers + chunked) + b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n")
        elif kind == "chunk-garbage":
            self.raw(head(ok, headers + chunked) + b"zz\r\nabc\r\n0\r\n\r\n")
        elif kind == "chunk-cut":
            self.raw(head(ok, headers + chunked) + b"%x\r\n" % (len(body) + 100) + body)
            self.close_connection = True
            self.request.shutdown(socket.SHUT_RDWR)
        elif kind == "close-endless":
            self.raw(head(ok, headers + ["Connection: close"]))
            self.endless(b"x" * 4096)
        elif kind == "trickle":
            data = head(ok, headers + ["Content-Length: %d" % (len(body) + 100000)]) + body
            try:
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    time.sleep(0.3)
            except (OSError, ssl.SSLError):
                pass
            self.close_connection = True
        elif kind == "silent":
            time.sleep(120)
            self.close_connection = True
        elif kind == "close":
            self.close_tls()
        elif kind == "reset":
            self.raw(head(ok, headers + clen) + body[:len(body) // 2])
            self.reset()
        elif kind == "reset-early":
            self.reset()
        elif kind == "redirect-loop":
            self.raw(head("302 Found", ["Location: %s%s" % (self.ca.base, self.path), "Content-Length: 0"]))
        elif kind == "html-500":
            page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
            self.raw(head("500 Internal Server Error", ["Content-Type: text/html",
                                                       "Content-Length: %d" % len(page)]) + page)
        else:
            raise ValueError("unknown fault %s" % kind)

    def spoil_content(self, kind, arg, status, headers, body):
        """Return the STATUS, HEADERS and BODY of a well-framed response with spoilt content."""
        if kind == "no-nonce":
            return status, [h for h in headers if not h.lower().startswith("replay-nonce")], body
        if kind == "no-location":
            return status, [h for h in headers if not h.lower().startswith("location")], body
        if kind == "empty-200":
            return 200, headers, b""
        if kind == "bad-nonce":
            doc = {"type": "urn:ietf:params:acme:error:badNonce", "detail": "nonce rejected, forever"}
            return 400, ["Content-Type: application/problem+json", "Replay-Nonce: " + self.ca.nonce()], \
                json.dumps(doc).encode()
        if kind == "problem":
            return 400, ["Content-Type: application/problem+json", "Replay-Nonce: " + self.ca.nonce()], \
                arg.encode()
        if kind.startswith("cert-"):
            return status, headers, self.spoil_certificate(kind, body)

        text = body.decode("utf-8", "replace")
        if kind == "json-garbage":
            return status, headers, b"this is not JSON"
        if kind == "json-cut":
            return status, headers, body[:len(body) // 2]
        if kind == "json-trailing":
            return status, headers, body + b' {"more": 1}'
        if kind == "json-deep":
            return status, headers, b"[" * 100000 + b"]" * 100000
        if kind == "json-bad-escape":
            return status, headers, body[:-1] + b', "x": "\\uZZ12"}'
        if kind == "json-lone-surrogate":
            return status, headers, body[:-1] + b', "x": "\\ud800"}'
        if kind == "json-bad-utf8":
            return status, headers, body[:-1] + b', "x": "a\xff\xfeb"}'
        if kind == "json-control":
            return status, headers, body[:-1] + b', "x": "a\x01b"}'
        if kind == "json-nul":
            return status, headers, body[:-1] + b', \x00 "x": 1}'
        if kind == "json-array":
            return status, headers, ("[" + text + "]").encode()
        if kind == "json-number":
            return status, headers, body[:-1] + b', "x": -01.e+}'
        if kind == "json-huge-string":
            return status, headers, body[:-1] + b', "x": "' + b"a" * (1536 << 10) + b'"}'

        doc = json.loads(text)
        if kind == "del" or kind == "set":
            path, _, value = arg.partition("=")
            keys = [int(k) if k.isdigit() else k for k in path.split(".")]
            target = doc
            for k in keys[:-1]:
                target = target[k]
            if kind == "del":
                del target[keys[-1]]
            else:
                target[keys[-1]] = json.loads(value)
        elif kind == "status":
            want, _, retry = arg.partition(":")
            doc["status"] = want
            if want != "valid":
                doc.pop("certificate", None)
            if retry:
                headers = headers + ["Retry-After: " + retry]
        return status, headers, json.dumps(doc).encode()

    def spoil_certificate(self, kind, body):
        if kind == "cert-not-pem":
            return b"Your certificate is ready. Download it from the web interface.\n"
        if kind == "cert-bad-base64":
            return b"-----BEGIN CERTIFICATE-----\nMIIB!!not*base64@@\n-----END CERTIFICATE-----\n"
        oid = self.path.split("/")[2]
        w = self.ca.args.workdir
        csr = self.ca.csrs[oid]
        if kind == "cert-other-names":
            leaf = issue_leaf(w, self.resign_csr(csr, "DNS:other.example.net,DNS:www.other.example.net"),
                              5000 + int(oid), self.ca.force_pubkey)
        else:
            leaf = issue_expired_leaf(w, csr, 6000 + int(oid))
        return (leaf + read(w, "r3.pem")).encode()

    # -- reading requests -------------------------------------------------

    def entry(self, body=b""):
        e = {"method": self.command, "path": self.path, "time": time.time(),
             "headers": {k.lower(): v for k, v in self.headers.items()}}
        if body:
            try:
                jws = json.loads(body)
                e["protected"] = json.loads(unb64(jws["protected"]))
                payload = unb64(jws["payload"]).decode()
                e["payload"] = json.loads(payload) if payload else ""
                e["jws_keys"] = sorted(jws)
            except (ValueError, KeyError) as err:
                e["violation"] = "invalid JWS: %s" % err
        return e

    def check_post(self, e, use_jwk):
        """Return a violation of RFC 8555 section 6.2 and 6.5 in the request, or None."""
        if "violation" in e:
            return e["violation"]
        ctype = e["headers"].get("content-type", "")
        if ctype != "application/jose+json":
            return "Content-Type is %r" % ctype
        prot = e["protected"]
        if prot.get("url") != self.ca.base + self.path:
            return "protected url %r is not %r" % (prot.get("url"), self.ca.base + self.path)
        if "alg" not in prot:
            return "no alg"
        if use_jwk and ("jwk" not in prot or "kid" in prot):
            return "newAccount must carry jwk and no kid"
        if not use_jwk and (prot.get("kid") != self.ca.account_url or "jwk" in prot):
            return "kid %r is not the account URL %r" % (prot.get("kid"), self.ca.account_url)
        return None

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, ssl.SSLError, OSError):
            self.close_connection = True

    def common(self):
        ua = self.headers.get("User-Agent", "")
        if not ua.startswith("keepcert/"):
            # The form Buypass uses: no nonce, RFC 7807 fields.
            self.problem(400, "malformed", "User-Agent header is required", nonce=False,
                         more={"title": "Bad Request", "instance": self.path})
            return False
        return True

    def do_GET(self):
        e = self.entry()
        self.ca.record(e)
        if not self.common():
            return
        if self.path == "/dir":
            self.directory()
        elif self.path.startswith("/renewal-info/") and self.ca.scenario.startswith("ari-"):
            self.renewal_info(self.path[len("/renewal-info/"):])
        else:
            self.respond(404, "", [("Content-Type", "text/plain")])

    def do_HEAD(self):
        e = self.entry()
        self.ca.record(e)
        if not self.common():
            return
        if self.path == "/new-nonce":
            self.respond(200, b"", [("Replay-Nonce", self.ca.nonce()), ("Cache-Control", "no-store")])
        else:
            self.respond(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        e = self.entry(body)
        self.ca.record(e)
        if not self.common():
            return

        use_jwk = self.path in ("/new-acct",)
        violation = self.check_post(e, use_jwk)
        nonce = e.get("protected", {}).get("nonce")
        with self.ca.lock:
            fresh = nonce in self.ca.nonces
            self.ca.nonces.discard(nonce)
        if not fresh:
            self.problem(400, "badNonce", "nonce %r was not issued or is used" % nonce)
            return
        if violation:
            self.problem(400, "malformed", "mock: " + violation)
            return

        payload = e.get("payload")
        routes = [("/new-acct", self.new_account), ("/acct/1", self.account), ("/new-order", self.new_order),
                  ("/authz/", self.authorization), ("/chall/", self.challenge),
                  ("/finalize/", self.finalize), ("/order/", self.order), ("/cert/", self.certificate)]
        for prefix, fn in routes:
            if self.path == prefix or (prefix.endswith("/") and self.path.startswith(prefix)):
                if self.path == "/new-acct":
                    self.ca.account_jwk = e["protected"]["jwk"] if self.ca.account_jwk is None else self.ca.account_jwk
                fn(payload, e)
                return
        self.problem(404, "malformed", "no resource at %s" % self.path)

    # -- resources --------------------------------------------------------

    def directory(self):
        b = self.ca.base
        if self.ca.scenario in ("basic", "profiles"):
            # Random key, meta first with nested values, \u002f escapes, unknown endpoints.
            text = ('{"meta":{"termsOfService":"%s/tos.pdf","website":"https://example.org",'
                    '"caaIdentities":["example.org"],"externalAccountRequired":false,'
                    '"profiles":{"classic":"x","shortlived":"y"},"future":{"a":[1,2.5e3,-0,true,null]}},'
                    '"kX9q2Zp_aBc":"https://community.example.org/t/adding-random-entries",'
                    '"newNonce":"%s/new-nonce","newAccount":"%s/new-acct",'
                    '"newOrder":"%s",'
                    '"revokeCert":"%s/revoke","keyChange":"%s/key-change","renewalInfo":"%s/renewal-info",'
                    '"newAuthz":"%s/new-authz"}') % (b, b, b, (b + "/new-order").replace("/", "\\u002f"),
                                                      b, b, b, b)
        else:
            d = {"newNonce": b + "/new-nonce", "newAccount": b + "/new-acct",
                 "newOrder": b + "/new-order", "revokeCert": b + "/revoke",
                 "keyChange": b + "/key-change",
                 "meta": {"termsOfService": b + "/tos.pdf"}}
            if self.ca.scenario.startswith("ari-"):
                d["renewalInfo"] = b + "/renewal-info"
            text = json.dumps(d)
        self.respond(200, text, [("Content-Type", "application/json"), ("Cache-Control", "max-age=0")])

    def renewal_info(self, cert_id):
        """RFC 9773 section 4.2: the suggested window of one certificate."""
        day = 86400
        now = int(time.time())
        start, end = (now + 3 * day, now + 4 * day) if self.ca.scenario == "ari-future" else \
            (now - 2 * day, now - day)
        fmt = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        with self.ca.lock:
            self.ca.ari_asked = cert_id
        self.ca.record({"renewal_info": cert_id, "start": start, "end": end})
        body = json.dumps({"suggestedWindow": {"start": fmt(start), "end": fmt(end)},
                           "explanationURL": self.ca.base + "/why"})
        self.respond(200, body, [("Content-Type", "application/json"), ("Retry-After", "3600")])

    def new_account(self, payload, e):
        s = self.ca.scenario
        if payload.get("onlyReturnExisting"):
            if s in ("no-account-404", "no-account-400"):
                status = 404 if s == "no-account-404" else 400
                self.problem(status, "accountDoesNotExist", "account does not exist")
            elif s == "existing-empty":
                self.respond(200, b"", [("Replay-Nonce", self.ca.nonce()), ("Location", self.ca.account_url)])
            else:
                self.problem(400, "accountDoesNotExist", "account does not exist")
            return
        if s == "user-action":
            self.problem(403, "userActionRequired", "Terms of service have changed",
                         more={"instance": self.ca.base + "/agreement"},
                         extra=[("Link", "<%s/tos2.pdf>;rel=\"terms-of-service\"" % self.ca.base)])
            return
        if s == "basic":
            # Lower-case names, no space after one colon, a TAB and a space after another.
            body = json.dumps({"status": "valid", "contact": [], "orders": self.ca.account_url + "/orders"})
            nonce = self.ca.nonce()
            with self.ca.lock:
                self.ca.promised_nonce = nonce
            raw = ("content-type: application/json\r\nreplay-nonce:%s\r\nLOCATION:\t %s \r\n"
                   "link: <%s/dir>;rel=\"index\"\r\ncontent-length: %d\r\n") % (
                       nonce, self.ca.account_url, self.ca.base, len(body))
            self.respond(201, body, raw_headers=raw)
            self.ca.record({"promised_nonce": nonce})
            return
        self.json_response(201, {"status": "valid", "contact": payload.get("contact", [])},
                           location=self.ca.account_url)

    def account(self, payload, e):
        self.json_response(200, {"status": "valid", "contact": [], "orders": self.ca.account_url + "/orders"})

    def order_json(self, oid):
        o = self.ca.orders[oid]
        if o["status"] == "pending" and all(self.ca.authz[a.split("/")[-1]]["status"] == "valid"
                                            for a in o["authzs"]):
            o["status"] = "ready"
        doc = {"status": o["status"], "identifiers": o["identifiers"], "authorizations": o["authzs"],
               "finalize": "%s/finalize/%s" % (self.ca.base, oid)}
        if o.get("cert"):
            doc["certificate"] = o["cert"]
        if o.get("error"):
            doc["error"] = o["error"]
        return doc

    def new_order(self, payload, e):
        s = self.ca.scenario
        n = self.ca.hit("new-order")
        if s == "bad-nonce" and n == 1:
            self.problem(400, "badNonce", "nonce not recognised")
            return
        if s == "subproblems":
            self.problem(400, "rejectedIdentifier",
                         "Problem(s) occurred while validating identifiers, see the subproblems field",
                         more={"subproblems": [{"type": "urn:ietf:params:acme:error:rejectedIdentifier",
                                                "detail": "Punycode labels are not supported.",
                                                "identifier": {"type": "dns",
                                                               "value": "xn--bcher-kva.example.com"}}]})
            return
        if s == "rate-limited" or (s == "rate-limited-short" and n == 1):
            self.problem(429, "rateLimited", "too many certificates already issued for this exact set of identifiers",
                         extra=[("Retry-After", "604800" if s == "rate-limited" else "1")])
            return

        if s == "ari-past" and getattr(self.ca, "ari_asked", None) and \
                payload.get("replaces") != self.ca.ari_asked:
            self.problem(400, "malformed", "mock: replaces is %r, not the certID %r asked about" %
                         (payload.get("replaces"), self.ca.ari_asked))
            return

        oid = str(n)
        ids = payload["identifiers"]
        authzs = []
        for i, ident in enumerate(ids):
            aid = "%s-%d" % (oid, i)
            token = B64(os.urandom(32)) if s != "bad-token" else "../../etc/passwd"
            self.ca.authz[aid] = {"identifier": ident, "status": "valid" if s == "ready" else "pending",
                                  "token": token, "challenge": "pending", "polls": 0}
            authzs.append("%s/authz/%s" % (self.ca.base, aid))
        if s == "bad-url":
            authzs = [a.replace("https://", "http://") for a in authzs]
        self.ca.orders[oid] = {"status": "ready" if s == "ready" else "pending", "identifiers": ids,
                               "authzs": authzs, "profile": payload.get("profile")}
        doc = self.order_json(oid)
        if s == "basic":
            # Escaped solidus, as some servers write URLs.
            text = json.dumps(doc).replace("/", "\\/")
            self.respond(201, text, [("Content-Type", "application/json"), ("Replay-Nonce", self.ca.nonce()),
                                     ("Location", "%s/order/%s" % (self.ca.base, oid))])
            return
        self.json_response(201, doc, location="%s/order/%s" % (self.ca.base, oid))

    def authz_json(self, aid):
        a = self.ca.authz[aid]
        chall = {"type": "http-01", "url": "%s/chall/%s" % (self.ca.base, aid), "token": a["token"],
                 "status": a["challenge"]}
        if a.get("error"):
            chall["error"] = a["error"]
        return {"status": a["status"], "identifier": a["identifier"], "expires": "2030-01-01T00:00:00Z",
                "challenges": [{"type": "dns-01", "url": "%s/chall/%s-dns" % (self.ca.base, aid),
                                "token": a["token"], "status": "pending"}, chall]}

    def authorization(self, payload, e):
        aid = self.path.split("/")[-1]
        a = self.ca.authz.get(aid)
        if a is None:
            self.problem(404, "malformed", "no such authorization")
            return
        extra = []
        if a["challenge"] == "processing":
            a["polls"] += 1
            if self.ca.scenario == "challenge-processing" and a["polls"] <= 2:
                extra = [("Retry-After", "1")]
            else:
                self.validate(aid)
        self.json_response(200, self.authz_json(aid), extra)

    def validate(self, aid):
        """Fetch the key authorization from keepcert's listener, as a CA's validation server would."""
        a = self.ca.authz[aid]
        want = a["token"] + "." + jwk_thumbprint(self.ca.account_jwk)
        url = "http://127.0.0.1:%d/.well-known/acme-challenge/%s" % (self.ca.args.http_port, a["token"])
        try:
            got = urllib.request.urlopen(url, timeout=5).read().decode()
        except Exception as err:
            got = "(%s)" % err
        self.ca.record({"validated": aid, "expected": want, "got": got})
        if got == want:
            a["status"], a["challenge"] = "valid", "valid"
        else:
            a["status"], a["challenge"] = "invalid", "invalid"
            a["error"] = {"type": "urn:ietf:params:acme:error:unauthorized",
                          "detail": "key authorization mismatch: got %r" % got[:80]}

    def challenge(self, payload, e):
        aid = self.path.split("/")[-1]
        a = self.ca.authz.get(aid)
        if a is None:
            self.problem(404, "malformed", "no such challenge")
            return
        if payload != {}:
            self.problem(400, "malformed", "challenge payload must be {}")
            return
        self.ca.hit("challenge-" + aid)
        a["challenge"] = "processing"
        if self.ca.scenario != "challenge-processing":
            self.validate(aid)
        chall = self.authz_json(aid)["challenges"][1]
        extra = [("Retry-After", "1")] if self.ca.scenario == "challenge-processing" else []
        self.json_response(200, chall, extra)

    def finalize(self, payload, e):
        oid = self.path.split("/")[-1]
        o = self.ca.orders[oid]
        s = self.ca.scenario
        n = self.ca.hit("finalize")
        if s == "not-ready" and n == 1:
            self.problem(403, "orderNotReady", "order is not ready")
            return
        self.order_json(oid)
        if o["status"] != "ready":
            self.problem(403, "orderNotReady", "order is %s" % o["status"])
            return
        serial = 1000 + int(oid)
        csr = unb64(payload["csr"])
        self.ca.csrs[oid] = csr
        if s in ("wrong-key", "extra-name"):
            names = ",".join("DNS:" + i["value"] for i in o["identifiers"])
            if s == "extra-name":
                names += ",DNS:unordered.example.net"
            key = os.path.join(self.ca.args.workdir, "other.key")
            csr = openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", key, "-subj", "/CN=" + o["identifiers"][0]["value"],
                          "-addext", "subjectAltName=" + names, "-outform", "DER")
            if s == "extra-name":
                # The right key, so that only the names differ.
                csr = self.resign_csr(unb64(payload["csr"]), names)
        self.ca.certs[oid] = issue_leaf(self.ca.args.workdir, csr, serial,
                                        getattr(self.ca, "force_pubkey", None) if s == "extra-name" else None)
        o["cert"] = "%s/cert/%s" % (self.ca.base, oid)
        extra = []
        poll_fault = self.ca.fault is not None and self.ca.fault[0] == "poll"
        if s.startswith("processing") or s == "caa" or poll_fault:
            o["status"] = "processing"
            o["polls"] = 0
            when = time.time() + 2
            if s == "processing-date":
                value = email.utils.formatdate(when, usegmt=True)
            elif s == "processing-rfc850":
                value = time.strftime("%A, %d-%b-%y %H:%M:%S GMT", time.gmtime(when))
            elif s == "processing-past":
                when = time.time() - 3600
                value = email.utils.formatdate(when, usegmt=True)
            elif s == "processing-garbage":
                value = "soon, probably"
            else:
                value = "1"
            self.ca.record({"retry_after": value, "retry_at": int(when)})
            extra = [("Retry-After", value)] if not poll_fault else []
        else:
            o["status"] = "valid"
        doc = self.order_json(oid)
        if o["status"] == "processing":
            doc.pop("certificate", None)
        self.json_response(200, doc, extra)

    def resign_csr(self, csr_der, names):
        """Make a CSR with NAMES and remember the client's public key for issue_leaf's -force_pubkey."""
        w = self.ca.args.workdir
        pub = os.path.join(w, "client.pub")
        with open(pub, "wb") as f:
            f.write(openssl("req", "-inform", "DER", "-noout", "-pubkey", stdin=csr_der))
        self.ca.force_pubkey = pub
        return openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                       "-keyout", os.path.join(w, "other.key"), "-subj", "/CN=x",
                       "-addext", "subjectAltName=" + names, "-outform", "DER")

    def order(self, payload, e):
        oid = self.path.split("/")[-1]
        o = self.ca.orders.get(oid)
        if o is None:
            self.problem(404, "malformed", "no such order")
            return
        extra = []
        if o["status"] == "processing":
            o["polls"] += 1
            if o["polls"] == 1 or self.ca.scenario == "processing-forever":
                extra = [("Retry-After", "1")]
            elif self.ca.scenario == "caa":
                o["status"] = "invalid"
                o["error"] = {"type": "urn:ietf:params:acme:error:caa",
                              "detail": "CAA forbids \"issuance\" \\ here\nsecond line \U0001F600"}
            else:
                o["status"] = "valid"
        doc = self.order_json(oid)
        if o["status"] != "valid":
            doc.pop("certificate", None)
        self.json_response(200, doc, extra)

    def certificate(self, payload, e):
        parts = self.path.split("/")
        oid = parts[2]
        s = self.ca.scenario
        w = self.ca.args.workdir
        leaf = self.ca.certs[oid]
        alternate = len(parts) > 3
        if s in ("alternates", "no-alternates"):
            chain = leaf + read(w, "r3.pem") + ("" if alternate else read(w, "x1-cross.pem"))
        else:
            chain = leaf + read(w, "r3.pem")
        headers = "Content-Type: application/pem-certificate-chain\r\nReplay-Nonce: %s\r\n" % self.ca.nonce()
        if s == "alternates" and not alternate:
            headers += "Link: <%s/cert/%s/1>;rel=\"alternate\"\r\n" % (self.ca.base, oid)
        if s == "pem-text":
            # Explanatory lines before each block, and no newline after the last END line.
            end = "-----END CERTIFICATE-----\n"
            blocks = [b + end for b in chain.split(end) if b.strip()]
            chain = ("subject=/CN=leaf\nissuer=/CN=Test R3\n" + blocks[0] +
                     "subject=/CN=Test R3\nissuer=/CN=Test Root X1\n" + blocks[1]).rstrip("\n")
        self.ca.record({"served_chain": chain})
        data = chain.encode()
        if s == "chunked":
            cut1 = data.index(b"\n", 40) - 10      # inside the first base64 line
            pieces = [data[:cut1], data[cut1:cut1 + 300], data[cut1 + 300:]]
            out = "HTTP/1.1 200 OK\r\n" + headers + "Transfer-Encoding: chunked\r\n\r\n"
            body = b""
            for i, p in enumerate(pieces):
                body += ("%x" % len(p)).encode() + (b";x=y" if i == 1 else b"") + b"\r\n" + p + b"\r\n"
            body += b"0\r\n\r\n"
            self.wfile.write(out.encode() + body)
            return
        if s in ("close-delimited", "cut"):
            out = "HTTP/1.1 200 OK\r\n" + headers + "Connection: close\r\n\r\n"
            if s == "cut":
                second = data.index(b"-----BEGIN", 10)
                data = data[:second + 200]
            self.wfile.write(out.encode() + data)
            self.close_connection = True
            if s == "cut":
                # TCP FIN without close_notify: SSLSocket.shutdown does not send one.
                self.request.shutdown(socket.SHUT_RDWR)
            else:
                self.request.settimeout(2)
                try:
                    self.request.unwrap()
                except (OSError, ssl.SSLError):
                    pass
            return
        self.respond(200, data, raw_headers=headers + "Content-Length: %d\r\n" % len(data))


def serve_raw_tcp(port, kind):
    """Accept TCP connections on PORT and hold them (tls-stall) or answer them with plain HTTP (tls-garbage)."""
    listener = socket.create_server(("127.0.0.1", port))
    held = []
    print("acme_mock: %s on 127.0.0.1:%d" % (kind, port), flush=True)
    while True:
        conn, _ = listener.accept()
        if kind == "tls-stall":
            held.append(conn)
            continue
        conn.settimeout(5)
        try:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass
        conn.close()


def make_bad_server_cert(args, kind):
    """Make a server certificate that keepcert must reject: self-signed, or for another host name."""
    w = args.workdir
    key, cert = os.path.join(w, kind + ".key"), os.path.join(w, kind + ".pem")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key]
    if kind == "tls-untrusted":
        openssl("req", "-x509", *ec, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-out", cert)
        return cert, key
    ca_dir = os.path.dirname(args.cert)
    csr = os.path.join(w, kind + ".csr")
    ext = os.path.join(w, kind + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:other.example.net\n")
    openssl("req", *ec, "-subj", "/CN=other.example.net", "-out", csr)
    openssl("x509", "-req", "-in", csr, "-CA", os.path.join(ca_dir, "ca.pem"), "-CAkey",
            os.path.join(ca_dir, "ca.key"), "-set_serial", "77", "-days", "2", "-extfile", ext, "-out", cert)
    return cert, key


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--scenario", default="basic", choices=sorted(SCENARIOS))
    ap.add_argument("--http-port", type=int, default=0, help="where keepcert's http-01 listener runs")
    ap.add_argument("--fault", help="STEP:KIND[:ARG], see STEPS and FAULTS; implies --scenario plain")
    args = ap.parse_args()
    if args.fault:
        args.scenario = "plain"

    make_cas(args.workdir)
    Handler.ca = CA(args)
    kind = Handler.ca.fault[1] if Handler.ca.fault else ""
    if kind in ("tls-stall", "tls-garbage"):
        serve_raw_tcp(args.port, kind)
        return
    cert, key = args.cert, args.key
    if kind in ("tls-untrusted", "tls-wrong-name"):
        cert, key = make_bad_server_cert(args, kind)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    print("acme_mock: %s on https://localhost:%d/dir" % (args.scenario, args.port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
