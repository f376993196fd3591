#!/usr/bin/env bash
# Checks a rendered website (scripts/build-site.sh's output):
#
#   scripts/check-site.sh [DIR]        (default build/site)
#
# - every .html page starts with <!DOCTYPE html>, has one <title> and
#   the nav bar, and its elements nest properly (each opened element is
#   closed in order; void elements such as <img> and <br> excepted);
# - every .svg file is well nested, with <svg> outermost;
# - every local href and src resolves to a file in DIR, and a #fragment
#   to an id in the page it names (links with a scheme, such as https:,
#   are not followed).
# Prints one line per problem, "PAGE: problem", and a summary; exits 1
# if there was any problem, 2 if DIR has no pages.
set -uo pipefail
dir=${1:-build/site}
if [[ $dir == -h || $dir == --help ]]; then
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$dir" 2>/dev/null || { echo "check-site.sh: no directory $dir" >&2; exit 2; }
mapfile -t pages < <(find . -name '*.html' | sed 's|^\./||' | sort)
mapfile -t svgs < <(find . -name '*.svg' | sed 's|^\./||' | sort)
((${#pages[@]})) || { echo "check-site.sh: no .html pages in $dir" >&2; exit 2; }

problems=0
problem() {
	echo "$1: $2"
	problems=$((problems + 1))
}

# Elements nest: prints "line: problem" for each fault.
nesting() {
	awk '
	BEGIN {
		split("area base br col embed hr img input link meta source track wbr", v, " ")
		for (i in v)
			void[v[i]] = 1
	}
	{ t = t $0 "\n" }
	END {
		n = 0
		line = 1
		while (match(t, /<[^>]*>/)) {
			pre = substr(t, 1, RSTART - 1)
			line += gsub(/\n/, "", pre)
			tag = substr(t, RSTART, RLENGTH)
			t = substr(t, RSTART + RLENGTH)
			if (tag ~ /^<!--/) {
				e = index(t, "-->")
				if (tag !~ /-->$/) {
					if (!e) { print line ": an unclosed comment"; exit }
					t = substr(t, e + 3)
				}
				continue
			}
			if (tag ~ /^<[!?]/)
				continue
			name = tag
			sub(/^<\/?/, "", name)
			sub(/[ \t\n\/>].*/, "", name)
			name = tolower(name)
			if (tag ~ /^<\//) {
				if (n == 0) { print line ": </" name "> closes nothing"; exit }
				if (st[n] != name) { print line ": </" name "> closes <" st[n] "> (opened on line " ln[n] ")"; exit }
				n--
			} else if (tag ~ /\/>$/ || (name in void)) {
				continue
			} else {
				st[++n] = name
				ln[n] = line
				if (n == 1)
					first = name
			}
		}
		if (n > 0)
			print line ": <" st[n] "> (line " ln[n] ") is never closed"
		if (want != "" && first != want)
			print "1: the outermost element is <" first ">, not <" want ">"
	}' want="$1"
}

declare -A ids
ids_of() { # PAGE: its ids, cached
	if [[ -z ${ids[$1]+set} ]]; then
		ids[$1]=" $(grep -o ' id="[^"]*"' "$1" | sed 's/^ id="//; s/"$//' | tr '\n' ' ')"
	fi
	printf '%s' "${ids[$1]}"
}

for p in "${pages[@]}"; do
	head -c 15 "$p" | grep -qx '<!DOCTYPE html>' || [[ $(head -1 "$p") == '<!DOCTYPE html>' ]] ||
		problem "$p" "does not start with <!DOCTYPE html>"
	[[ $(grep -c '<title>[^<][^<]*</title>' "$p") == 1 ]] || problem "$p" "has no single, non-empty <title>"
	grep -q '<nav class="top">' "$p" || problem "$p" "has no nav bar"
	while IFS= read -r l; do problem "$p" "line $l"; done < <(nesting html <"$p")
	pdir=$(dirname "$p")
	while IFS= read -r u; do
		[[ $u =~ ^[a-zA-Z][a-zA-Z0-9+.-]*: || $u == //* ]] && continue
		target=${u%%#*}
		frag=
		[[ $u == *#* ]] && frag=${u#*#}
		if [[ -z $target ]]; then
			t=$p
		elif [[ $target == /* ]]; then
			problem "$p" "absolute link '$u' (the site must work from any directory)"
			continue
		else
			t=$(realpath -m --relative-to=. "$pdir/$target")
			if [[ $t == ../* || ! -f $t ]]; then
				problem "$p" "link '$u' leads nowhere ($t)"
				continue
			fi
		fi
		if [[ -n $frag ]]; then
			[[ $t == *.html ]] || continue
			[[ $(ids_of "$t") == *" $frag "* ]] || problem "$p" "link '$u': $t has no id '$frag'"
		fi
	done < <(grep -o -E '(href|src)="[^"]*"' "$p" | sed -E 's/^(href|src)="//; s/"$//' | sort -u)
done
for s in "${svgs[@]}"; do
	while IFS= read -r l; do problem "$s" "line $l"; done < <(nesting svg <"$s")
done
echo "check-site.sh: ${#pages[@]} pages, ${#svgs[@]} SVG files, $problems problems"
((problems == 0))
