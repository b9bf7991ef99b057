#!/usr/bin/env python3
"""A small HTTP/1.1 server for the integration tests, with or without TLS.

It responds to every request with 200 and a JSON body naming the method, the
path, the request body and the number of the connection, and keeps
connections alive. It counts accepted connections (TCP accepts, whether or
not the TLS handshake then succeeds) and writes the count to --count-file
after each one, so a test can check keep-alive from the server's side.

--close-after N closes each connection silently after N responses, as a
server whose keep-alive timeout expired does, to exercise the client's
reconnect.
"""
import argparse
import json
import socket
import ssl
import sys
import threading


def read_request(stream):
    """Read one request; return (method, path, headers, body) or None at EOF."""
    line = stream.readline(65536)
    if not line:
        return None
    method, path, _ = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    headers = {}
    while True:
        line = stream.readline(65536)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get("content-length", "0")))
    return method, path, headers, body


def serve_connection(conn, number, args):
    stream = conn.makefile("rwb")
    served = 0
    try:
        while True:
            request = read_request(stream)
            if request is None:
                return
            method, path, headers, body = request
            payload = json.dumps({
                "method": method,
                "path": path,
                "body": body.decode("utf-8", "replace"),
                "connection": number,
                "host": headers.get("host", ""),
                "user_agent": headers.get("user-agent", ""),
                "content_length": headers.get("content-length"),
            }).encode() + b"\n"
            head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\nX-Connection: %d\r\n\r\n" % (len(payload), number))
            stream.write(head.encode())
            if method != "HEAD":
                stream.write(payload)
            stream.flush()
            served += 1
            if args.close_after and served >= args.close_after:
                return
    except (OSError, ValueError, ssl.SSLError):
        return
    finally:
        try:
            stream.close()
            conn.close()
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on, 127.0.0.1 or ::1")
    parser.add_argument("--cert", help="PEM chain to serve; plain HTTP when absent")
    parser.add_argument("--key")
    parser.add_argument("--count-file", required=True)
    parser.add_argument("--close-after", type=int, default=0)
    parser.add_argument("--tls13-only", action="store_true")
    parser.add_argument("--ciphers", help="OpenSSL cipher list for TLS 1.2")
    args = parser.parse_args()

    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        if args.tls13_only:
            context.minimum_version = ssl.TLSVersion.TLSv1_3
        if args.ciphers:
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers(args.ciphers)

    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.bind, args.port))
    listener.listen(16)

    count = 0
    lock = threading.Lock()
    while True:
        conn, _ = listener.accept()
        with lock:
            count += 1
            number = count
            with open(args.count_file, "w") as f:
                f.write("%d\n" % count)

        def run(conn=conn, number=number):
            if context is not None:
                try:
                    conn.settimeout(10)
                    conn = context.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError) as e:
                    print("handshake failed: %s" % e, file=sys.stderr, flush=True)
                    conn.close()
                    return
            serve_connection(conn, number, args)

        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main()
