#!/usr/bin/env python3
"""compare.py: the differential test of tamis's MIME parser against GMime.

Usage:
  compare.py [options] GMIME_DUMP TAMIS_DUMP LIST
  compare.py [options] --outputs GMIME_OUT TAMIS_OUT

Runs `GMIME_DUMP -l LIST` and `TAMIS_DUMP -l LIST` (or reads two dumps
already made), compares them message by message and leaf by leaf, and prints
how many messages agree fully (same number of leaves, and for each leaf the
same type, file name, decoded size and hash), then the differences grouped
into classes, with up to 5 example paths each:
  count        the number of leaves differs
  type         a leaf's type/subtype differs
  name         a leaf's file name differs
  bytes        a leaf's decoded bytes differ (size or hash)
  gmime-error  GMime could not parse the message (ERROR line), whatever
               tamis printed
  tamis-error  tamis printed an ERROR line where GMime did not
  missing      the message is in one dump only
A message can fall into several classes (type differs in one leaf, bytes in
another); when the counts differ, the leaves are not compared.

Options:
  --known FILE   lines `<path-suffix> <class> <reason...>` (# comments):
                 a difference of that class on a path ending in path-suffix
                 (at a '/' boundary) is explained; class `*` explains all.
  --min PERCENT  fail when full agreement is below PERCENT (default 0).
  --json         print a JSON summary instead of the text report.
  --skip-missing exit 77 (CTest's skip) when LIST or a dump program is
                 missing.
Exit status: 0 pass; 1 an unexplained difference, or agreement below --min;
2 usage error, a dump program failed (killed, exit status above 1, no
output) or printed a malformed dump; 77 skipped (--skip-missing). Exit status
1 from a dump program is only noted: its ERROR lines count, and a dump that
stops early shows as "missing" messages.

The dump format is described in tests/gmime/gmime_dump.c.
"""

import argparse
import json
import os
import subprocess
import sys
import time

CLASSES = ["count", "type", "name", "bytes", "gmime-error", "tamis-error",
           "missing"]
EXAMPLES = 5


class DumpError(Exception):
    pass


def parse_dump(text, origin):
    """Returns {path: ("error", reason) | ("parts", [(type, name, size, hash)])}
    and the list of paths in order. Raises DumpError on a malformed dump."""
    msgs, order, cur, parts = {}, [], None, None
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line.startswith("MSG "):
            if cur is not None and parts is not None:
                raise DumpError("%s:%d: MSG before END" % (origin, n))
            cur, parts = line[4:], []
            order.append(cur)
            continue
        if cur is None or parts is None:
            raise DumpError("%s:%d: line outside a message: %r"
                            % (origin, n, line[:80]))
        if line.startswith("ERROR"):
            msgs[cur], parts = ("error", line[6:]), None
        elif line.startswith("PART "):
            f = line.split(" ")
            if len(f) != 6 or f[1] != str(len(parts)):
                raise DumpError("%s:%d: bad PART line: %r" % (origin, n, line))
            parts.append((f[2], f[3], int(f[4]), f[5]))
        elif line.startswith("END "):
            if int(line[4:]) != len(parts):
                raise DumpError("%s:%d: END count is not the PART count"
                                % (origin, n))
            msgs[cur], parts = ("parts", parts), None
        else:
            raise DumpError("%s:%d: unknown line %r" % (origin, n, line[:80]))
    if cur is not None and parts is not None:
        raise DumpError("%s: truncated after %s" % (origin, cur))
    return msgs, order


def classify(g, t):
    """Returns the set of difference classes between a GMime entry g and a
    tamis entry t (either may be None when missing)."""
    if g is None or t is None:
        return {"missing"}
    if g[0] == "error":
        return {"gmime-error"}
    if t[0] == "error":
        return {"tamis-error"}
    cls = set()
    gp, tp = g[1], t[1]
    if len(gp) != len(tp):
        return {"count"}
    for a, b in zip(gp, tp):
        if a[0] != b[0]:
            cls.add("type")
        if a[1] != b[1]:
            cls.add("name")
        if a[2:] != b[2:]:
            cls.add("bytes")
    return cls


def load_known(path):
    """Returns a list of [suffix, class, reason, times_used]."""
    known = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            f3 = line.split(None, 2)
            if len(f3) < 2 or (f3[1] not in CLASSES and f3[1] != "*"):
                raise SystemExit("compare.py: %s:%d: want '<path-suffix> "
                                 "<class> <reason>'" % (path, n))
            known.append([f3[0], f3[1], f3[2] if len(f3) > 2 else "", 0])
    return known


def explained_by(known, path, cls):
    """Returns the known entry explaining class cls on path, or None."""
    for k in known:
        suffix = k[0]
        if (path == suffix or path.endswith("/" + suffix)) and \
                k[1] in (cls, "*"):
            k[3] += 1
            return k
    return None


def run_dump(prog, listfile):
    """Runs `prog -l listfile`; returns (stdout text, seconds)."""
    t0 = time.monotonic()
    p = subprocess.run([prog, "-l", listfile], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    dt = time.monotonic() - t0
    err = p.stderr.decode("utf-8", "replace").strip()[-500:]
    if p.returncode < 0 or p.returncode > 1 or not p.stdout:
        raise DumpError("%s exited with status %d: %s"
                        % (prog, p.returncode, err))
    if p.returncode == 1:
        # Some dumpers say "a message failed" this way; the ERROR lines (and
        # a truncated or incomplete dump) are judged by the comparison.
        print("compare.py: note: %s exited with status 1: %s"
              % (prog, err[-200:]), file=sys.stderr)
    return p.stdout.decode("utf-8", "surrogateescape"), dt


def compare(gm, tm, gorder, torder, known):
    """Returns the summary dictionary."""
    paths = gorder + [p for p in torder if p not in gm]
    agree = 0
    classes = {c: {"unexplained": [], "explained": []} for c in CLASSES}
    unexplained_msgs = 0
    for path in paths:
        cls = classify(gm.get(path), tm.get(path))
        if not cls:
            agree += 1
            continue
        left = False
        for c in sorted(cls):
            k = explained_by(known, path, c)
            if k is None:
                classes[c]["unexplained"].append(path)
                left = True
            else:
                classes[c]["explained"].append((path, k[2]))
        unexplained_msgs += left
    total = len(paths)
    return {
        "compared": total,
        "agree": agree,
        "agree_percent": 100.0 * agree / total if total else 0.0,
        "explained_messages": total - agree - unexplained_msgs,
        "unexplained_messages": unexplained_msgs,
        "classes": classes,
        "gmime_errors": sorted(p for p, v in gm.items() if v[0] == "error"),
    }


def print_report(s, known, timings):
    print("messages compared:       %d" % s["compared"])
    print("in full agreement:       %d (%.2f%%)"
          % (s["agree"], s["agree_percent"]))
    print("differences explained:   %d" % s["explained_messages"])
    print("differences unexplained: %d" % s["unexplained_messages"])
    for name, dt in timings:
        print("%s dump took %.2f s" % (name, dt))
    for c in CLASSES:
        u, e = s["classes"][c]["unexplained"], s["classes"][c]["explained"]
        if not u and not e:
            continue
        print("\n%s: %d unexplained, %d explained" % (c, len(u), len(e)))
        for p in u[:EXAMPLES]:
            print("  UNEXPLAINED %s" % p)
        for p, why in e[:EXAMPLES]:
            print("  explained   %s (%s)" % (p, why))
    unused = [k for k in known if k[3] == 0]
    for k in unused:
        print("\nnote: known difference not seen: %s %s" % (k[0], k[1]))


def json_summary(s, known, timings):
    out = {k: s[k] for k in ("compared", "agree", "agree_percent",
                             "explained_messages", "unexplained_messages",
                             "gmime_errors")}
    out["classes"] = {
        c: {"unexplained": len(v["unexplained"]),
            "explained": len(v["explained"]),
            "examples": v["unexplained"][:EXAMPLES]
            + [p for p, _ in v["explained"][:EXAMPLES]]}
        for c, v in s["classes"].items()}
    out["seconds"] = {name: round(dt, 3) for name, dt in timings}
    out["known_unused"] = ["%s %s" % (k[0], k[1]) for k in known if not k[3]]
    return out


def get_dumps(a):
    """Returns (gmime text, tamis text, timings) as the arguments ask."""
    if a.outputs:
        texts = []
        for f in a.args:
            with open(f, encoding="utf-8", errors="surrogateescape") as h:
                texts.append(h.read())
        return texts[0], texts[1], []
    gprog, tprog, listfile = a.args
    if a.skip_missing:
        for f in (gprog, tprog, listfile):
            if not os.path.exists(f):
                print("compare.py: %s is missing: skipped" % f)
                sys.exit(77)
    gtext, gdt = run_dump(gprog, listfile)
    ttext, tdt = run_dump(tprog, listfile)
    return gtext, ttext, [("gmime", gdt), ("tamis", tdt)]


def main():
    ap = argparse.ArgumentParser(
        description="Compare tamis's MIME parsing against GMime's.")
    ap.add_argument("--known")
    ap.add_argument("--min", type=float, default=0.0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-missing", action="store_true")
    ap.add_argument("--outputs", action="store_true",
                    help="the arguments are two dump outputs")
    ap.add_argument("args", nargs="+")
    a = ap.parse_args()
    if len(a.args) != (2 if a.outputs else 3):
        ap.error("want GMIME_DUMP TAMIS_DUMP LIST, or --outputs A B")
    known = load_known(a.known) if a.known else []
    try:
        gtext, ttext, timings = get_dumps(a)
        gm, gorder = parse_dump(gtext, "gmime")
        tm, torder = parse_dump(ttext, "tamis")
    except (DumpError, OSError) as e:
        print("compare.py: %s" % e, file=sys.stderr)
        return 2
    s = compare(gm, tm, gorder, torder, known)
    if a.json:
        json.dump(json_summary(s, known, timings), sys.stdout, indent=1)
        print()
    else:
        print_report(s, known, timings)
    failed = s["unexplained_messages"] > 0 or s["agree_percent"] < a.min
    if not a.json:
        print("\nRESULT: %s" % ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
