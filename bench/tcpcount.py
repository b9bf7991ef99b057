#!/usr/bin/env python3
"""Forward TCP connections from a loopback port to another loopback port,
appending one line per accepted connection to a log file, so a benchmark
can count the connections a client opens without looking inside TLS.

    tcpcount.py LISTEN_PORT TARGET_PORT LOGFILE

Both ends are on 127.0.0.1; the proxy refuses any other address. It runs
until it is killed.
"""
import socket
import sys
import threading

LOOPBACK = "127.0.0.1"


def pump(src, dst):
    """Copy bytes from src to dst until src closes, then half-close dst."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(client, target_port):
    try:
        upstream = socket.create_connection((LOOPBACK, target_port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    for sock in (client, upstream):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: tcpcount.py LISTEN_PORT TARGET_PORT LOGFILE")
    listen_port, target_port, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((LOOPBACK, listen_port))
    server.listen(64)
    with open(log_path, "a", buffering=1) as log:
        while True:
            client, peer = server.accept()
            log.write("connect %s:%d\n" % peer)
            threading.Thread(target=serve, args=(client, target_port), daemon=True).start()


if __name__ == "__main__":
    main()
