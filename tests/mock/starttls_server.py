#!/usr/bin/env python3
"""A tiny SMTP or IMAP server on loopback that offers STARTTLS, for probe tests.

    starttls_server.py --port P --cert CERT --key KEY --protocol smtp|imap

It sends the greeting, replies to EHLO (SMTP) and STARTTLS, then completes a TLS
handshake with CERT and closes the connection. Each connection is logged
to stdout as one line: the commands received.
"""

import argparse
import socket
import ssl
import threading


def serve_one(conn, ctx, protocol):
    commands = []
    f = conn.makefile("rb")
    try:
        if protocol == "smtp":
            conn.sendall(b"220 mail.test ESMTP ready\r\n")
            line = f.readline()
            commands.append(line.strip().decode(errors="replace"))
            conn.sendall(b"250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
            line = f.readline()
            commands.append(line.strip().decode(errors="replace"))
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
        else:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
            line = f.readline()
            commands.append(line.strip().decode(errors="replace"))
            tag = line.split(b" ")[0]
            conn.sendall(tag + b" OK Begin TLS negotiation now\r\n")
        tls = ctx.wrap_socket(conn, server_side=True)
        commands.append("tls " + tls.version())
        tls.close()
    except (OSError, ssl.SSLError) as err:
        commands.append("error %s" % err)
    finally:
        print(" | ".join(commands), flush=True)
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--protocol", choices=("smtp", "imap"), required=True)
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv = socket.create_server(("127.0.0.1", args.port))
    while True:
        conn, _ = srv.accept()
        conn.settimeout(10)
        threading.Thread(target=serve_one, args=(conn, ctx, args.protocol), daemon=True).start()


if __name__ == "__main__":
    main()
