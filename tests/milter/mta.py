#!/usr/bin/env python3
"""mta.py: the MTA side of the milter protocol, small enough to read every
reply byte: for the checks miltertest cannot make (the index of each header
delete, in the order the filter sends them).

Usage: mta.py SOCKET CASE      (CASE: forged, header_limit)
Prints TAP lines; exit status 0 when every check passed.
"""
import socket
import struct
import sys

SMFIP_NR_CONN, SMFIP_NR_HELO, SMFIP_NR_HDR, SMFIP_NR_BODY = 0x1000, 0x2000, 0x80, 0x80000
SMFIP_NOEOH, SMFIP_HDR_LEADSPC, SMFIP_NOCONNECT = 0x40, 0x100000, 0x1


class Milter:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.send(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
        cmd, data = self.read()
        assert cmd == b"O", cmd
        _, self.actions, self.proto = struct.unpack(">III", data[:12])

    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def read_exact(self, n):
        buf = b""
        while len(buf) < n:
            got = self.s.recv(n - len(buf))
            if not got:
                raise EOFError("the filter closed the connection")
            buf += got
        return buf

    def read(self):
        (n,) = struct.unpack(">I", self.read_exact(4))
        packet = self.read_exact(n)
        return packet[:1], packet[1:]

    def step(self, cmd, data, no_reply_flag=0):
        self.send(cmd, data)
        if no_reply_flag and self.proto & no_reply_flag:
            return None
        return self.read()

    def message(self, qid, headers, body):
        """MAIL to end of message; returns the end-of-message replies."""
        self.send(b"D", b"M" + b"i\0" + qid.encode() + b"\0")
        assert self.step(b"M", b"<sender@test.example>\0")[0] == b"c"
        assert self.step(b"R", b"<alice@test.example>\0")[0] == b"c"
        lead = b" " if self.proto & SMFIP_HDR_LEADSPC else b""
        for name, value in headers:
            self.step(b"L", name.encode() + b"\0" + lead + value.encode() + b"\0",
                      SMFIP_NR_HDR)
        if not self.proto & SMFIP_NOEOH:
            self.step(b"N", b"")
        self.step(b"B", body.encode(), SMFIP_NR_BODY)
        self.send(b"E")
        replies = []
        while True:
            cmd, data = self.read()
            replies.append((cmd, data))
            if cmd in (b"c", b"a", b"r", b"t", b"d", b"y"):
                return replies


def deletes(replies):
    """[(name, index)] of the header deletes, in the order sent."""
    out = []
    for cmd, data in replies:
        if cmd == b"m":
            (index,) = struct.unpack(">I", data[:4])
            name, value = data[4:].split(b"\0")[:2]
            if value == b"":
                out.append((name.decode().lower(), index))
    return out


def added(replies):
    return [d.split(b"\0")[0].decode() for c, d in replies if c == b"h"]


FAILS = 0
N = 0


def check(cond, desc):
    global FAILS, N
    N += 1
    print(("ok %d - " if cond else "not ok %d - ") % N + desc)
    if not cond:
        FAILS += 1


BASE = [("From", "sender@test.example"), ("To", "alice@test.example"),
        ("Date", "Sat, 21 Nov 2026 10:00:00 +0000"), ("Message-ID", "<m@test.example>"),
        ("Subject", "hello")]


def session(path, qid, headers):
    m = Milter(path)
    if m.proto & SMFIP_NOCONNECT:  # the client comes as macros with HELO
        m.send(b"D", b"H{client_addr}\x00127.0.0.1\x00{client_name}\x00client.test\x00")
    else:
        m.step(b"C", b"client.test\0" + b"4" + struct.pack(">H", 25) + b"127.0.0.1\0",
               SMFIP_NR_CONN)
    r = m.step(b"H", b"client.test\0", SMFIP_NR_HELO)
    assert r is None or r[0] == b"c", r
    replies = m.message(qid, headers, "Body.\r\n")
    m.send(b"Q")
    return replies


def case_forged(path):
    headers = BASE + [("X-Spam-Status", "No, forged 1"), ("X-Spam-Flag", "NO"),
                      ("X-Spam-Status", "No, forged 2"), ("x-spam-score", "-100"),
                      ("X-Spam-Status", "No, forged 3")]
    r = session(path, "PYFORGED1", headers)
    d = deletes(r)
    check([i for n, i in d if n == "x-spam-status"] == [3, 2, 1],
          "X-Spam-Status deleted at index 3, 2, 1 (last first): %r" % d)
    check([i for n, i in d if n == "x-spam-flag"] == [1], "X-Spam-Flag deleted at 1")
    check([i for n, i in d if n == "x-spam-score"] == [1], "X-Spam-Score deleted at 1")
    first_add = min([k for k, (c, _) in enumerate(r) if c == b"h"], default=-1)
    last_del = max([k for k, (c, _) in enumerate(r) if c == b"m"], default=-1)
    check(first_add > last_del, "every delete comes before the first addition")
    check(added(r)[:1] == ["X-Spam-Status"], "X-Spam-Status added: %r" % added(r))
    check(r[-1][0] == b"c", "accepted (continue)")


def case_header_limit(path):
    headers = BASE + [("X-Spam-Status", "No, forged early")]
    headers += [("X-Filler-%d" % i, "x" * 60) for i in range(30)]
    headers += [("X-Spam-Status", "No, forged past the limits")]
    r = session(path, "PYLIMIT1", headers)
    d = deletes(r)
    check([i for n, i in d if n == "x-spam-status"] == [2, 1],
          "both forged X-Spam-Status deleted, the one past the parser's limit too: %r" % d)
    check(r[-1][0] == b"c", "accepted (continue)")


def main():
    path, case = sys.argv[1], sys.argv[2]
    {"forged": case_forged, "header_limit": case_header_limit}[case](path)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
