#!/usr/bin/env python3
"""An SMTP server on loopback that stores every message it accepts, for notice tests.

    smtp_sink.py --port P --dir DIR

Each message is written to DIR/N.eml, headed by "X-Envelope-To:" lines with
the RCPT TO addresses. Only what a mail program needs to deliver plain
mail is spoken: HELO/EHLO, MAIL, RCPT, DATA (with dot-unstuffing), RSET,
NOOP and QUIT.
"""

import argparse
import os
import socketserver


class Session(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        recipients = []
        self.reply("220 sink.test ESMTP")
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"HELO", b"EHLO"):
                self.reply("250 sink.test")
            elif verb == b"MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == b"RCPT":
                recipients.append(line[8:].strip().decode(errors="replace"))
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 end with .")
                self.store(recipients, self.read_data())
                self.reply("250 OK stored")
            elif verb in (b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline(65536)
            if not line or line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)

    def store(self, recipients, body):
        count = len(os.listdir(self.server.directory))
        path = os.path.join(self.server.directory, "%d.eml" % count)
        with open(path, "wb") as f:
            for rcpt in recipients:
                f.write(b"X-Envelope-To: " + rcpt.encode() + b"\n")
            f.write(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", args.port), Session)
    server.directory = args.dir
    server.serve_forever()


if __name__ == "__main__":
    main()
