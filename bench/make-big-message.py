#!/usr/bin/env python3
"""make-big-message.py: write one big MIME message for the memory benchmark.

Usage: make-big-message.py [--size-mb MB] [--seed N] [--crlf] OUTFILE

The message (default 50 MB, MB = 10^6 bytes) is multipart/mixed with:
  0. a short text/plain part (UTF-8, quoted-printable),
  1. an application/octet-stream attachment "random.bin": pseudo-random
     bytes (seeded, so every run writes the same file) in base64, 76
     characters a line, sized so that the whole message is about --size-mb,
  2. a small text/html part.
Lines end in LF (CRLF with --crlf). It is written in chunks, so the script
itself needs little memory. Prints the size written and the attachment's
decoded size.
"""

import argparse
import base64
import random
import sys

BOUNDARY = "=_big_message_boundary_7d1c"
RAW_LINE = 57  # bytes of input per 76-character base64 line


def head_and_tail():
    """Returns the text before and after the base64 body."""
    head = (
        "From: Bench Sender <sender@bench.example>\n"
        "To: Bench Receiver <receiver@bench.example>\n"
        "Subject: =?UTF-8?Q?Big_message_for_the_memory_benchmark_=E2=9C=93?=\n"
        "Date: Sun, 22 Nov 2026 10:00:00 +0000\n"
        "Message-ID: <big-message-1@bench.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"%s\"\n"
        "\n"
        "This is a multi-part message in MIME format.\n"
        "\n"
        "--%s\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Hello,\n"
        "\n"
        "the attachment holds pseudo-random bytes; caf=C3=A9 na=C3=AFve.\n"
        "\n"
        "--%s\n"
        "Content-Type: application/octet-stream; name=\"random.bin\"\n"
        "Content-Disposition: attachment; filename=\"random.bin\"\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" % (BOUNDARY, BOUNDARY, BOUNDARY))
    tail = (
        "\n"
        "--%s\n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        "<html><body><p>Hello, <b>the attachment</b> holds "
        "pseudo-random bytes.</p>\n"
        "<p><a href=\"https://bench.example/\">bench.example</a></p>"
        "</body></html>\n"
        "\n"
        "--%s--\n" % (BOUNDARY, BOUNDARY))
    return head, tail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=float, default=50.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--crlf", action="store_true")
    ap.add_argument("outfile")
    a = ap.parse_args()
    eol = b"\r\n" if a.crlf else b"\n"
    head, tail = head_and_tail()
    head_b = head.encode().replace(b"\n", eol)
    tail_b = tail.encode().replace(b"\n", eol)
    line_len = 76 + len(eol)
    room = int(a.size_mb * 1e6) - len(head_b) - len(tail_b)
    lines = max(room // line_len, 1)
    rng = random.Random(a.seed)
    per_chunk = 1000  # base64 lines per write
    written = 0
    with open(a.outfile, "wb") as f:
        f.write(head_b)
        left = lines
        while left > 0:
            n = min(per_chunk, left)
            enc = base64.b64encode(rng.randbytes(n * RAW_LINE))
            f.write(b"".join(enc[i:i + 76] + eol
                             for i in range(0, len(enc), 76)))
            left -= n
        f.write(tail_b)
        written = f.tell()
    print("make-big-message: %s: %d bytes, attachment %d bytes decoded"
          % (a.outfile, written, lines * RAW_LINE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
