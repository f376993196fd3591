#!/usr/bin/env bash
# Renders keel's website into OUTDIR (default build/site): the pages of
# site/ and the project's own documents, Markdown to HTML with Debian's
# cmark-gfm (GitHub's tables; plain cmark, without tables, if that is
# all there is), each in one page frame with a nav bar and site/keel.css.
#
#   scripts/build-site.sh [OUTDIR]
#
#   site/index.md, site/architecture.md   index.html, architecture.html
#   docs/DESIGN.md, docs/HACKING.md       design.html, hacking.html
#   docs/syscalls.md, docs/STYLE.md       syscalls.html, style.html
#   site/benchmarks.md                    benchmarks.html, with the latest
#                                         results' tables and bench.svg, the
#                                         plot (scripts/bench-plot.sh)
#   bench/README.md, bench/results/*.md   bench/index.html, bench/results/*.html
#
# Links between these documents are rewritten to the pages they became
# (../docs/DESIGN.md#x -> design.html#x), every heading gets the id
# GitHub would give it (so #anchors work), and a link to a file of the
# repository that is not on the site becomes plain text. `make site`
# runs this; scripts/check-site.sh checks the result.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/site}
cd "$top"

if command -v cmark-gfm >/dev/null; then
	render() { cmark-gfm --unsafe -e table -e autolink -e strikethrough "$1"; }
	renderer="cmark-gfm $(cmark-gfm --version | sed -n '1s/^cmark-gfm \([^ ]*\).*/\1/p')"
elif command -v cmark >/dev/null; then
	echo "build-site.sh: warning: no cmark-gfm (make deps): tables stay plain text" >&2
	render() { cmark --unsafe "$1"; }
	renderer="cmark $(cmark --version | sed -n '1s/^cmark \([^ ]*\).*/\1/p')"
else
	echo "build-site.sh: neither cmark-gfm nor cmark is installed; run 'make deps'" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-site.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# source|page|title; the nav bar lists the pages marked with a nav label.
pages=(
	"site/index.md|index.html|keel: a unikernel base in C|Home"
	"site/architecture.md|architecture.html|Architecture|Architecture"
	"docs/DESIGN.md|design.html|Design|Design"
	"docs/syscalls.md|syscalls.html|System calls|System calls"
	"site/benchmarks.md|benchmarks.html|Benchmarks|Benchmarks"
	"docs/HACKING.md|hacking.html|Hacking|Hacking"
	"docs/STYLE.md|style.html|Style|"
	"bench/README.md|bench/index.html|Benchmark notes|"
)
for f in bench/results/*.md; do
	[[ -e $f ]] || continue
	n=$(basename "$f" .md)
	pages+=("$f|bench/results/$n.html|Benchmark results: $n|")
done

# Which repository file became which page (and the site's own files).
map=$tmp/map
{
	for p in "${pages[@]}"; do
		IFS='|' read -r src page _ <<<"$p"
		echo "$src $page"
	done
	echo "README.md index.html"
	echo "site/keel.css keel.css"
	echo "site/bench.svg bench.svg"
} >"$map"

rm -rf "$out"
mkdir -p "$out/bench/results"
cp site/keel.css "$out/keel.css"

# The plot and the benchmarks page's tables: from the report latest.json
# names (the last full `make bench`) and the newest web-server report.
reports=()
latest=$(sed -n 's/^ *"report": "\(bench\/results\/[^"]*\.md\)".*/\1/p' bench/results/latest.json 2>/dev/null | head -1)
[[ -n $latest && -r $latest ]] || latest=$(ls bench/results/*.md 2>/dev/null | grep -v -- '-httpd\.md$' | tail -1)
[[ -n $latest ]] && reports+=("$latest")
web=$(ls bench/results/*-httpd.md 2>/dev/null | tail -1 || true)
[[ -n $web ]] && reports+=("$web")
if ((${#reports[@]})); then
	scripts/bench-plot.sh "${reports[@]}" >"$out/bench.svg"
else
	echo "build-site.sh: no reports in bench/results: no plot" >&2
	printf '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text x="10" y="25">no results recorded yet</text></svg>\n' >"$out/bench.svg"
fi

first_table() { # the first Markdown table of a file
	awk '/^\|/ { t = 1; print; next } t { exit }' "$1"
}
{
	cat site/benchmarks.md
	for r in "${reports[@]}"; do
		n=$(basename "$r" .md)
		echo
		if [[ $r == *-httpd.md ]]; then
			echo "## The web server: $n"
		else
			echo "## The latest full run: $n"
		fi
		echo
		echo "From [bench/results/$n.md](../$r):"
		echo
		first_table "$r"
	done
	echo
	echo "## Every recorded run"
	echo
	for f in bench/results/*.md; do
		[[ -e $f ]] || continue
		echo "- [$(basename "$f" .md)](../$f)"
	done
} >"$tmp/benchmarks.md"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

# Links, image sources and heading ids of one rendered page.
fix_html() { # SOURCE PAGE
	awk -v src="$1" -v page="$2" -v mapfile="$map" '
	function norm(p,    n, a, i, k, st, o) {
		n = split(p, a, "/")
		k = 0
		for (i = 1; i <= n; i++) {
			if (a[i] == "" || a[i] == ".")
				continue
			if (a[i] == "..") {
				if (k == 0)
					return ""
				k--
				continue
			}
			st[++k] = a[i]
		}
		o = ""
		for (i = 1; i <= k; i++)
			o = o (i > 1 ? "/" : "") st[i]
		return o
	}
	function dir(p) {
		if (p !~ /\//)
			return ""
		sub(/\/[^\/]*$/, "", p)
		return p
	}
	function up(d,    n, a, i, s) {
		s = ""
		if (d != "") {
			n = split(d, a, "/")
			for (i = 1; i <= n; i++)
				s = s "../"
		}
		return s
	}
	# The page a link leads to, or "" to make it plain text.
	function resolve(u,    path, frag, i, r) {
		if (u ~ /^[a-zA-Z][a-zA-Z0-9+.-]*:/ || u ~ /^#/ || u ~ /^\/\//)
			return u
		frag = ""
		if ((i = index(u, "#")) > 0) {
			frag = substr(u, i)
			path = substr(u, 1, i - 1)
		} else {
			path = u
		}
		r = norm((dir(src) != "" ? dir(src) "/" : "") path)
		if (r == "" || !(r in site))
			return ""
		return up(dir(page)) site[r] frag
	}
	function slug(h,    s, o, i, c) {
		s = h
		gsub(/<[^>]*>/, "", s)
		gsub(/&amp;/, "\\&", s)
		gsub(/&lt;/, "<", s)
		gsub(/&gt;/, ">", s)
		gsub(/&quot;/, "\"", s)
		s = tolower(s)
		o = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c ~ /[a-z0-9_-]/)
				o = o c
			else if (c == " ")
				o = o "-"
		}
		if (o in used)
			o = o "-" used[o]++
		else
			used[o] = 1
		return o
	}
	BEGIN {
		while ((getline line < mapfile) > 0) {
			split(line, m, " ")
			site[m[1]] = m[2]
		}
	}
	{ t = t $0 "\n" }
	END {
		o = ""
		while (match(t, /<a href="[^"]*"|<img src="[^"]*"|<h[1-6]>/)) {
			o = o substr(t, 1, RSTART - 1)
			tok = substr(t, RSTART, RLENGTH)
			t = substr(t, RSTART + RLENGTH)
			if (tok ~ /^<h/) {
				lv = substr(tok, 3, 1)
				e = index(t, "</h" lv ">")
				o = o "<h" lv " id=\"" slug(substr(t, 1, e - 1)) "\">"
				continue
			}
			u = tok
			sub(/^[^"]*"/, "", u)
			sub(/"$/, "", u)
			r = resolve(u)
			if (tok ~ /^<a/ && r == "") {
				t = substr(t, index(t, ">") + 1)
				e = index(t, "</a>")
				t = substr(t, 1, e - 1) substr(t, e + 4)
				continue
			}
			if (r == "")
				r = u
			o = o (tok ~ /^<a/ ? "<a href=\"" : "<img src=\"") r "\""
		}
		printf "%s", o t
	}'
}

for p in "${pages[@]}"; do
	IFS='|' read -r src page title _ <<<"$p"
	input=$src
	[[ $src == site/benchmarks.md ]] && input=$tmp/benchmarks.md
	d=$(dirname "$page")
	rel=
	[[ $d == . ]] || rel=$(echo "$d" | sed 's|[^/][^/]*|..|g')/
	{
		cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<link rel="stylesheet" href="${rel}keel.css">
</head>
<body>
<nav class="top">
<a class="brand" href="${rel}index.html">keel</a>
EOF
		for q in "${pages[@]}"; do
			IFS='|' read -r _ qpage _ qnav <<<"$q"
			[[ -n $qnav && $qnav != Home ]] || continue
			cur=
			if [[ $qpage == "$page" || ($qpage == benchmarks.html && $page == bench/*) ]]; then
				cur=' aria-current="page"'
			fi
			echo "<a href=\"${rel}$qpage\"$cur>$qnav</a>"
		done
		echo "</nav>"
		echo "<main>"
		render "$input" | fix_html "$src" "$page"
		echo "</main>"
		echo "<footer>keel · commit $commit · rendered from <code>$src</code> with $renderer by scripts/build-site.sh</footer>"
		echo "</body>"
		echo "</html>"
	} >"$out/$page"
done
echo "build-site.sh: ${#pages[@]} pages in $out"
