#!/usr/bin/env python3
"""An HTTP CONNECT proxy for the integration tests (RFC 9110 section 9.3.6).

It accepts only tunnels to 127.0.0.1 and localhost, logs one line per
CONNECT request to --log ("CONNECT host:port"), and relays bytes both ways.
"""
import argparse
import select
import socket
import threading


def relay(a, b):
    sockets = [a, b]
    while True:
        readable, _, _ = select.select(sockets, [], [], 60)
        if not readable:
            return
        for s in readable:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def handle(client, args):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(1)
            if not data:
                return
            head += data
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, target, _ = request_line.split(" ", 2)
        with open(args.log, "a") as f:
            f.write("%s %s\n" % (method, target))
        host, _, port = target.rpartition(":")
        if method != "CONNECT" or host not in ("127.0.0.1", "localhost"):
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        relay(client, upstream)
        upstream.close()
    except (OSError, ValueError):
        pass
    finally:
        client.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    open(args.log, "a").close()
    while True:
        client, _ = listener.accept()
        threading.Thread(target=handle, args=(client, args), daemon=True).start()


if __name__ == "__main__":
    main()
