#!/bin/sh
# lint-banned.sh: fail if a banned C library call appears in tamis's sources.
#
# Usage: scripts/lint-banned.sh [ROOT]     (ROOT: the source tree; default:
#        the folder above this script)
#        scripts/lint-banned.sh --self-test
#
# Banned (CONVENTIONS.md, section 3): strcpy, strcat, sprintf, vsprintf,
# gets, strtok, strncpy. A call is the name as a whole word followed by
# "(" (white space between is allowed), in *.c and *.h files under lib/,
# mail/, rules/, bayes/, filterd/, ezlist/, listd/, tests/ and bench/.
# Comments and string and character literals are ignored, so a comment may
# say "never strcpy()". snprintf, vsnprintf, fgets, strtok_r and the like
# are not matched. Each hit is printed as FILE:LINE: banned call NAME.
#
# Exit status: 0 when the tree is clean, 1 when a banned call was found,
# 2 on a usage or environment error.
set -u

BANNED='strcpy|strcat|sprintf|vsprintf|gets|strtok|strncpy'
DIRS='lib mail rules bayes filterd ezlist listd tests bench'

# Print the lines of each file named on stdin with comments and literals
# blanked out (line numbers kept), then report the banned calls left.
scan() {
    awk -v banned="$BANNED" '
    FNR == 1 { in_comment = 0 }
    {
        line = $0; out = ""; n = length(line); i = 1
        while (i <= n) {
            c = substr(line, i, 1); d = substr(line, i, 2)
            if (in_comment) {
                if (d == "*/") { in_comment = 0; out = out "  "; i += 2 } else { out = out " "; i++ }
            } else if (d == "/*") {
                in_comment = 1; out = out "  "; i += 2
            } else if (d == "//") {
                break
            } else if (c == "\"" || c == "\047") {
                q = c; out = out " "; i++
                while (i <= n) {
                    c = substr(line, i, 1)
                    if (c == "\\") { out = out "  "; i += 2; continue }
                    out = out " "; i++
                    if (c == q) break
                }
            } else {
                out = out c; i++
            }
        }
        rest = out
        re = "(^|[^A-Za-z0-9_])(" banned ")[ \t]*\\("
        while (match(rest, re)) {
            hit = substr(rest, RSTART, RLENGTH)
            sub(/^[^A-Za-z_]/, "", hit); sub(/[ \t]*\($/, "", hit)
            printf "%s:%d: banned call %s\n", FILENAME, FNR, hit
            found = 1
            rest = substr(rest, RSTART + RLENGTH)
        }
    }
    END { exit found ? 1 : 0 }' "$@"
}

lint_tree() {
    root=$1
    cd "$root" || { echo "lint-banned: cannot enter $root" >&2; exit 2; }
    files=$(for d in $DIRS; do
        [ -d "$d" ] && find "$d" -type f \( -name '*.c' -o -name '*.h' \) -print
    done | LC_ALL=C sort)
    [ -n "$files" ] || { echo "lint-banned: no sources under $root" >&2; exit 2; }
    # File names in tamis have no white space; say so rather than mangle them.
    case $files in *' '*) echo "lint-banned: a file name holds a space" >&2; exit 2 ;; esac
    # shellcheck disable=SC2086
    scan $files
}

self_test() {
    tmp=$(mktemp -d) || exit 2
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/lib" "$tmp/tests/unit" "$tmp/docs"
    cat > "$tmp/lib/clean.c" <<'EOF'
/* never strcpy(a, b) or gets(buf): see CONVENTIONS.md */
static const char *msg = "no sprintf(here) and no strcat(";
int f(char *b, unsigned n) { snprintf(b, n, "%d", 1); return fgets(b, 2, 0) != 0; }
char c = '('; /* strtok( */ int strtok_r_like;
// strncpy(a, b, 1) in a line comment
EOF
    cat > "$tmp/lib/bad.h" <<'EOF'
#define COPY(a, b) strcpy(a, b)
EOF
    cat > "$tmp/tests/unit/bad.c" <<'EOF'
/* a comment
   over lines: strcat(x) */ void g(char *a) { vsprintf (a, "x", 0);
    a = strtok(a, ","); }
EOF
    cat > "$tmp/docs/ignored.c" <<'EOF'
strcpy(a, b);
EOF
    want="lib/bad.h:1: banned call strcpy
tests/unit/bad.c:2: banned call vsprintf
tests/unit/bad.c:3: banned call strtok"
    got=$(lint_tree "$tmp"); rc=$?
    if [ "$rc" -ne 1 ] || [ "$got" != "$want" ]; then
        printf 'self-test failed (exit %s):\n%s\n' "$rc" "$got" >&2
        exit 1
    fi
    rm "$tmp/lib/bad.h" "$tmp/tests/unit/bad.c"
    got=$(lint_tree "$tmp"); rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$got" ]; then
        printf 'self-test failed on a clean tree (exit %s):\n%s\n' "$rc" "$got" >&2
        exit 1
    fi
    echo "lint-banned: self-test passed"
    exit 0
}

case ${1-} in
--self-test) self_test ;;
-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
-*) echo "usage: $0 [ROOT] | --self-test" >&2; exit 2 ;;
esac
lint_tree "${1:-$(dirname "$0")/..}"
