#!/usr/bin/env python3
"""make-big-db.py: a synthetic ClamAV database about the size of the
official one, for load-time and memory figures offline (the official
main/daily databases cannot be fetched here).

Usage: make-big-db.py DIR [HASHES [BODIES]]
Writes DIR/big.hdb (HASHES random MD5 signatures, default 4,000,000, as
main.cvd holds mostly hash signatures) and DIR/big.ndb (BODIES random body
signatures of 16 to 40 bytes, any target, default 200,000). The random
signatures match nothing real; they only cost what real ones would cost to
load, hold and (the body ones) to match.
"""
import os
import random
import sys

def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    hashes = int(sys.argv[2]) if len(sys.argv) > 2 else 4000000
    bodies = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(42)
    with open(os.path.join(out, "big.hdb"), "w") as f:
        for i in range(hashes):
            f.write("%032x:%d:Synthetic-Hash-%d\n" % (rnd.getrandbits(128), 1000 + i % 100000, i))
    with open(os.path.join(out, "big.ndb"), "w") as f:
        for i in range(bodies):
            n = rnd.randint(16, 40)
            f.write("Synthetic-Body-%d:0:*:%s\n" % (i, rnd.getrandbits(8 * n).to_bytes(n, "big").hex()))

main()
