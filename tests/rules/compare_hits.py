#!/usr/bin/env python3
"""compare_hits.py: compare the rules that fired in SpamAssassin and in
filterd, message by message (tests/rules/agreement.sh).

Usage: compare_hits.py NAMES SA_DIR TAMIS_JSON LIST MIN_PERCENT

NAMES: `rules_list -n` output (the rules tamis loads; only the "name"
ones are compared, sub-rules "__" excepted; the "partial" ones, metas that
read a skipped rule as 0, are compared apart and printed, not judged). SA_DIR/<i>.out: `spamassassin -t` output
of the i-th message of LIST (its X-Spam-Agree header). TAMIS_JSON: one
`filterd check --json` object a line, in LIST order. Prints the agreement
(|SA and tamis| / |SA or tamis| over (message, rule) pairs) and the rules
that disagree most; exits 1 when the agreement is under MIN_PERCENT.
"""
import json
import os
import re
import sys
from collections import Counter


def sa_hits(path):
    with open(path, "rb") as f:
        text = f.read().decode("latin-1")
    head = text.split("\n\n", 1)[0]
    m = re.search(r"^X-Spam-Agree:(.*(?:\n[ \t].*)*)", head, re.M)
    if not m:
        return None
    return {t for t in re.split(r"[\s,]+", m.group(1)) if t and t != "none"}


def main():
    names_file, sa_dir, tamis_json, list_file, min_pct = sys.argv[1:6]
    loaded, partial = set(), set()
    for line in open(names_file):
        kind, _, name = line.strip().partition(" ")
        if name.startswith("__"):
            continue
        if kind == "name":
            loaded.add(name)
        elif kind == "partial":
            partial.add(name)
    msgs = [l.strip() for l in open(list_file) if l.strip()]
    tamis = [json.loads(l) for l in open(tamis_json) if l.strip()]
    if len(tamis) != len(msgs):
        sys.exit(f"compare: {len(msgs)} messages but {len(tamis)} verdicts")
    both = only_sa = only_tamis = 0
    p_both = p_sa = p_tamis = 0
    dis_sa, dis_tamis, sa_not_loaded = Counter(), Counter(), Counter()
    pdis_sa, pdis_tamis = Counter(), Counter()
    for i, path in enumerate(msgs):
        a = sa_hits(os.path.join(sa_dir, f"{i}.out"))
        if a is None:
            sys.exit(f"compare: no X-Spam-Agree header for {path}")
        fired = {s["name"] for s in tamis[i]["symbols"]}
        pa, pb = a & partial, fired & partial
        p_both += len(pa & pb)
        p_sa += len(pa - pb)
        p_tamis += len(pb - pa)
        pdis_sa.update(pa - pb)
        pdis_tamis.update(pb - pa)
        for r in a - loaded - partial:
            sa_not_loaded[r] += 1
        a &= loaded
        b = fired & loaded
        both += len(a & b)
        only_sa += len(a - b)
        only_tamis += len(b - a)
        for r in a - b:
            dis_sa[r] += 1
        for r in b - a:
            dis_tamis[r] += 1
    total = both + only_sa + only_tamis
    pct = 100.0 * both / total if total else 100.0
    print(f"messages {len(msgs)}; rules compared {len(loaded)}; (message, rule) hits: "
          f"both {both}, only SpamAssassin {only_sa}, only tamis {only_tamis}; "
          f"agreement {pct:.2f}%")
    for r, n in dis_sa.most_common(15):
        print(f"  only SpamAssassin: {r} x{n}")
    for r, n in dis_tamis.most_common(15):
        print(f"  only tamis: {r} x{n}")
    p_total = p_both + p_sa + p_tamis
    p_pct = 100.0 * p_both / p_total if p_total else 100.0
    print(f"metas using skipped rules (not judged): {len(partial)} rules; hits: both {p_both}, "
          f"only SpamAssassin {p_sa}, only tamis {p_tamis}; agreement {p_pct:.2f}%")
    for r, n in pdis_sa.most_common(8):
        print(f"  partial, only SpamAssassin: {r} x{n}")
    for r, n in pdis_tamis.most_common(8):
        print(f"  partial, only tamis: {r} x{n}")
    print("SpamAssassin hits on rules tamis does not run (eval, relay analysis...): "
          f"{sum(sa_not_loaded.values())} of {len(sa_not_loaded)} rules")
    sys.exit(0 if pct >= float(min_pct) else 1)


main()
