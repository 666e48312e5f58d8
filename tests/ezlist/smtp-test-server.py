#!/usr/bin/env python3
"""smtp-test-server.py: a small SMTP server for the ezlist tests.

Usage: smtp-test-server.py PORT LOG [--max-rcpt N] [--drop-at K] [--no-xverp]
                           [--lmtp [--refuse RCPT]]

Listens on 127.0.0.1:PORT (loopback only), one connection at a time.
Offers PIPELINING and (unless --no-xverp) XVERP. Answers "452 4.5.3 too
many recipients" to every RCPT after the first N of a transaction. With
--drop-at K it closes the connection, without a reply, in the middle of
the K-th message's data (counted over the server's life), as a relay that
fails midway. With --lmtp it speaks LMTP (LHLO; one reply per recipient
after the data), and --refuse RCPT gets "452" there (the others 250).
Each accepted message appends to LOG one line:
"MAIL-FROM-ARGS<TAB>RCPT RCPT ...". Stops on SIGTERM.
"""
import signal
import socket
import sys


def serve_conn(conn, log, opts, state):
    f = conn.makefile("rb")
    conn.sendall(b"220 test ESMTP\r\n")
    mail, rcpts = None, []
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode("latin-1").rstrip("\r\n")
        up = cmd.upper()
        if up.startswith("EHLO") or up.startswith("LHLO"):
            ext = ["PIPELINING"] + ([] if opts["no_xverp"] else ["XVERP"])
            reply = "250-test\r\n" + "".join("250-%s\r\n" % e for e in ext[:-1]) + "250 %s\r\n" % ext[-1]
            conn.sendall(reply.encode())
        elif up.startswith("MAIL FROM:"):
            mail, rcpts = cmd[10:], []
            conn.sendall(b"250 2.1.0 ok\r\n")
        elif up.startswith("RCPT TO:"):
            if len(rcpts) >= opts["max_rcpt"]:
                conn.sendall(b"452 4.5.3 too many recipients\r\n")
            else:
                rcpts.append(cmd[8:].strip("<>"))
                conn.sendall(b"250 2.1.5 ok\r\n")
        elif up == "DATA":
            conn.sendall(b"354 go\r\n")
            state["n"] += 1
            while True:
                d = f.readline()
                if not d:
                    return
                if state["n"] == opts["drop_at"]:
                    conn.close()
                    return
                if d == b".\r\n":
                    break
            if opts["lmtp"]:
                ok = [r for r in rcpts if r != opts["refuse"]]
                with open(log, "a") as out:
                    out.write("%s\t%s\n" % (mail, " ".join(ok)))
                for r in rcpts:
                    if r == opts["refuse"]:
                        conn.sendall(b"452 4.2.2 mailbox full\r\n")
                    else:
                        conn.sendall(b"250 2.1.5 delivered\r\n")
                continue
            with open(log, "a") as out:
                out.write("%s\t%s\n" % (mail, " ".join(rcpts)))
            conn.sendall(b"250 2.0.0 queued\r\n")
        elif up == "RSET":
            mail, rcpts = None, []
            conn.sendall(b"250 ok\r\n")
        elif up == "QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"502 5.5.2 what\r\n")


def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[3:]
    opts = {"max_rcpt": 1000000, "drop_at": 0, "no_xverp": "--no-xverp" in args,
            "lmtp": "--lmtp" in args, "refuse": None}
    if "--refuse" in args:
        opts["refuse"] = args[args.index("--refuse") + 1]
    if "--max-rcpt" in args:
        opts["max_rcpt"] = int(args[args.index("--max-rcpt") + 1])
    if "--drop-at" in args:
        opts["drop_at"] = int(args[args.index("--drop-at") + 1])
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(5)
    state = {"n": 0}
    while True:
        conn, _ = s.accept()
        try:
            serve_conn(conn, log, opts, state)
        except OSError:
            pass
        finally:
            conn.close()


main()
