#!/usr/bin/env python3
"""score.py: the figures of bench/bayes/run.sh from its work folder:
FP/FN at 0.5 and at the default three-way cut-offs, ROC AUC, FN rate at an
FP rate of 0.1%, median train and classify times, database sizes."""
import json, os, statistics, sys

work = sys.argv[1]
test = open(os.path.join(work, "test")).read().split()
truth = ["/spam-" in p for p in test]
nham, nspam = truth.count(False), truth.count(True)


def tamis_probs():
    out = []
    for line in open(os.path.join(work, "tamis.json")):
        b = json.loads(line)["bayes"]
        out.append(b["probability"] if b else 0.5)
    return out


def bogo_probs():
    out = []
    for line in open(os.path.join(work, "bogo.out")):
        f = line.split()
        out.append(float(f[-1]))
    return out


def sa_probs():
    return [float(l) for l in open(os.path.join(work, "sa.probs"))]


def auc(p):
    pos = sorted(x for x, t in zip(p, truth) if t)
    neg = sorted(x for x, t in zip(p, truth) if not t)
    # Mann-Whitney, ties count one half.
    import bisect
    s = 0.0
    for x in pos:
        lo = bisect.bisect_left(neg, x)
        hi = bisect.bisect_right(neg, x)
        s += lo + (hi - lo) / 2
    return s / (len(pos) * len(neg))


def fn_at_fp(p, fp_rate=0.001):
    neg = sorted((x for x, t in zip(p, truth) if not t), reverse=True)
    allowed = int(fp_rate * len(neg))  # hams allowed above the threshold
    thr = neg[allowed] if allowed < len(neg) else 0
    fn = sum(1 for x, t in zip(p, truth) if t and x <= thr)
    return fn, thr


def row(name, p, spam_cut, ham_cut, kb, ntrain):
    fp5 = sum(1 for x, t in zip(p, truth) if not t and x >= 0.5)  # spam from 0.5 on
    fn5 = sum(1 for x, t in zip(p, truth) if t and x < 0.5)
    fpg = sum(1 for x, t in zip(p, truth) if not t and x > 0.5)  # spam above 0.5
    fng = sum(1 for x, t in zip(p, truth) if t and x <= 0.5)
    fp3 = sum(1 for x, t in zip(p, truth) if not t and x >= spam_cut)
    fn3 = sum(1 for x, t in zip(p, truth) if t and x <= ham_cut)
    un = sum(1 for x in p if ham_cut < x < spam_cut)
    fnx, thr = fn_at_fp(p)
    tr, trc = med(name + ".train")
    cl, clc = med(name + ".classify")
    print(f"{name}:")
    print(f"  spam from 0.5 on:     FP {fp5} ({100*fp5/nham:.2f}%)  FN {fn5} ({100*fn5/nspam:.2f}%)")
    print(f"  spam above 0.5:       FP {fpg} ({100*fpg/nham:.2f}%)  FN {fng} ({100*fng/nspam:.2f}%)")
    print(f"  three-way ({ham_cut}/{spam_cut}): FP {fp3}  FN {fn3}  unsure {un}")
    print(f"  ROC AUC {auc(p):.5f}; FN at FP 0.1%: {fnx} ({100*fnx/nspam:.2f}%), threshold {thr:.4f}")
    print(f"  train {ntrain} msgs: wall {tr:.2f} s, CPU {trc:.2f} s ({ntrain/trc:.0f} msg/s CPU)")
    print(f"  classify {len(p)} msgs: wall {cl:.2f} s, CPU {clc:.2f} s "
          f"({len(p)/clc:.0f} msg/s CPU); db {kb/1024:.1f} MB")
    return trc, clc


def med(name):
    rows = [tuple(map(float, l.split())) for l in open(os.path.join(work, name))]
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)


def kb(name):
    return int(open(os.path.join(work, name)).read())


ntrain = sum(1 for _ in open(os.path.join(work, "train-ham"))) + \
    sum(1 for _ in open(os.path.join(work, "train-spam")))
nruns = sum(1 for _ in open(os.path.join(work, "tamis.train")))
print(f"test: {nham} ham, {nspam} spam; train: {ntrain}; medians of {nruns} runs; "
      f"load {os.getloadavg()[0]:.1f}")
t = row("tamis", tamis_probs(), 0.99, 0.45, kb("tamis.kb"), ntrain)
b = row("bogo", bogo_probs(), 0.99, 0.45, kb("bogo.kb"), ntrain)
print(f"speed, CPU time of bogofilter / tamis: train {b[0]/t[0]:.2f}x, classify {b[1]/t[1]:.2f}x")
if os.path.exists(os.path.join(work, "sa.probs")):
    # SpamAssassin's Bayes: BAYES_99 from 0.99, BAYES_00 up to 0.01 (its own
    # bands as the three-way rule); one run.
    s = row("sa", sa_probs(), 0.99, 0.01, kb("sa.kb"), ntrain)
    print(f"speed, CPU time of SpamAssassin / tamis: train {s[0]/t[0]:.2f}x, "
          f"classify {s[1]/t[1]:.2f}x")
