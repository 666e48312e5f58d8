#!/usr/bin/env python3
"""compare_relays.py: compare SpamAssassin's relay pseudo-headers with
tamis's (tests/rules/relays-agree.sh).

Usage: compare_relays.py SA_DIR DUMP LIST MIN_PERCENT [-v]

SA_DIR/<i>.out: SpamAssassin's output for the i-th message of LIST, with
the headers X-Spam-RT, -RU, -RI, -RE (_RELAYSTRUSTED_ ... _RELAYSEXTERNAL_).
DUMP: `relays_dump` output, one line a message in LIST order. Prints how
many messages have all four values equal, the agreement per relay field
(over relays at the same place in both), and the first differences (-v:
all); exits 1 when fewer than MIN_PERCENT of the messages agree.
"""
import os
import re
import sys
from collections import Counter

KINDS = ["RT", "RU", "RI", "RE"]


def sa_relays(path):
    with open(path, "rb") as f:
        head = f.read().decode("latin-1").split("\n\n", 1)[0]
    out = []
    for k in KINDS:
        m = re.search(r"^X-Spam-" + k + r":(.*(?:\n[ \t].*)*)", head, re.M)
        out.append(re.sub(r"\s*\n[ \t]+", " ", m.group(1)).strip() if m else None)
    return out


def relays(s):
    return re.findall(r"\[ (ip=.*?) \]", s or "")


def fields(r):
    return dict(re.findall(r"(\w+)=(\S*)", r))


def main():
    sa_dir, dump, list_file, min_pct = sys.argv[1:5]
    verbose = "-v" in sys.argv[5:]
    msgs = [l.strip() for l in open(list_file) if l.strip()]
    ours = [l.rstrip("\n").split("\t")[1:] for l in open(dump)]
    if len(ours) != len(msgs):
        sys.exit(f"compare: {len(msgs)} messages but {len(ours)} dumps")
    same, shown = 0, 0
    fok, fall = Counter(), Counter()
    for i, path in enumerate(msgs):
        sa = sa_relays(os.path.join(sa_dir, f"{i}.out"))
        if None in sa:
            sys.exit(f"compare: no relay headers for {path}")
        mine = [x.strip() for x in ours[i]] + [""] * (4 - len(ours[i]))
        if sa == mine[:4]:
            same += 1
            continue
        a, b = relays(sa[1] + " " + sa[0]), relays(mine[1] + " " + mine[0])
        for x, y in zip(a, b):
            fx, fy = fields(x), fields(y)
            for k in fx:
                fall[k] += 1
                fok[k] += fx[k] == fy.get(k)
        if shown < 12 or verbose:
            shown += 1
            print(f"differs: {path}")
            if len(a) != len(b):
                print(f"  relays: SpamAssassin {len(a)}, tamis {len(b)}")
            for x, y in zip(a, b):
                if x != y:
                    print(f"  SpamAssassin: [ {x} ]\n  tamis:        [ {y} ]")
            if a == b:
                print("  the same relays, another trust boundary")
    pct = 100.0 * same / len(msgs) if msgs else 100.0
    print(f"messages {len(msgs)}; relay headers all equal: {same} ({pct:.2f}%)")
    print("fields of relays in differing messages (equal/compared): " +
          ", ".join(f"{k} {fok[k]}/{fall[k]}" for k in fall))
    sys.exit(0 if pct >= float(min_pct) else 1)


main()
