#!/bin/sh
# Draws keel's benchmark ratios as an SVG bar chart, for the website.
#
#   scripts/bench-plot.sh REPORT.md... > bench.svg
#
# Reads the first Markdown table of each report that bench/run.sh or
# bench/httpd.sh wrote to bench/results/ (columns: benchmark | keel |
# anchor | ratio | goal | result) and draws one bar per row that has a
# numeric ratio: from 1 (keel equal to its anchor) to the ratio, on a
# logarithmic axis, green where the result column says "met", red where
# it says "missed", grey without a goal; the ratio and the goal are
# written beside the bar. Shell and awk only (no python on CI).
set -eu

if [ $# -eq 0 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	[ $# -eq 0 ] && exit 2
	exit 0
fi
for f; do
	[ -r "$f" ] || { echo "bench-plot.sh: cannot read $f" >&2; exit 2; }
done

awk '
function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
function lg(x) { return log(x) / log(10) }
# A short label: the row name up to its first ": ", ", " or " (".
function label(s,    i) {
	gsub(/`|\*\*/, "", s)
	s = trim(s)
	if ((i = index(s, ": ")) > 0) s = substr(s, 1, i - 1)
	if ((i = index(s, ", ")) > 0) s = substr(s, 1, i - 1)
	if ((i = index(s, " (")) > 0) s = substr(s, 1, i - 1)
	if (length(s) > 48) {
		s = substr(s, 1, 48)
		sub(/ [^ ]*$/, "", s)
		s = s "…"
	}
	return s
}
FNR == 1 { intable = 0; done = 0; file = FILENAME; sub(/.*\//, "", file); sub(/\.md$/, "", file)
	files = files (files == "" ? "" : ", ") file }
done { next }
/^\|/ {
	if (!intable) { intable = 1; hdr = 1; next }   # the header row
	if (hdr) { hdr = 0; next }                      # the --- row
	n = split($0, c, "|")
	if (n < 7) next
	r = trim(c[5])
	if (r !~ /^[0-9]+(\.[0-9]+)?$/ || r + 0 <= 0) next
	rows++
	lab[rows] = label(c[2])
	ratio[rows] = r + 0
	goal[rows] = trim(c[6])
	res = trim(c[7])
	color[rows] = res ~ /^met/ ? "#2e8b57" : res ~ /^missed/ ? "#c0392b" : "#8a949c"
	next
}
intable { done = 1 }
END {
	if (rows == 0) { print "bench-plot.sh: no rows with a ratio in the reports" > "/dev/stderr"; exit 1 }
	lo = 0.01; hi = 100
	for (i = 1; i <= rows; i++) {
		while (ratio[i] < lo * 1.2) lo /= 10
		while (ratio[i] > hi / 1.2) hi *= 10
	}
	left = 370; right = 150; plotw = 420; top = 56; rowh = 26
	width = left + plotw + right; height = top + rows * rowh + 44
	e0 = lg(lo); e0 = e0 < 0 ? -int(-e0 + 0.5) : int(e0 + 0.5)
	e1 = lg(hi); e1 = e1 < 0 ? -int(-e1 + 0.5) : int(e1 + 0.5)
	l0 = e0; span = e1 - e0
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"system-ui, sans-serif\" font-size=\"13\">\n", width, height, width, height
	printf "<title>keel benchmarks: keel divided by its anchor</title>\n"
	printf "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height
	printf "<text x=\"12\" y=\"22\" font-size=\"15\" font-weight=\"bold\" fill=\"#1d2329\">keel ÷ anchor (log scale; 1 = equal)</text>\n"
	printf "<text x=\"12\" y=\"40\" fill=\"#5b6670\">from bench/results: %s</text>\n", esc(files)
	# decades: grid lines and their labels
	for (d = e0; d <= e1; d++) {
		x = left + (d - l0) / span * plotw
		printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"/>\n", x, top - 4, x, top + rows * rowh, (d == 0 ? "#1d2329" : "#d8dee4"), (d == 0 ? "1.5" : "1")
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#5b6670\">%s</text>\n", x, top + rows * rowh + 18, (d >= 0 ? sprintf("%d", 10 ^ d + 0.5) : sprintf("%g", 10 ^ d))
	}
	x1 = left + (0 - l0) / span * plotw
	for (i = 1; i <= rows; i++) {
		y = top + (i - 1) * rowh
		x2 = left + (lg(ratio[i]) - l0) / span * plotw
		bx = x1 < x2 ? x1 : x2; bw = x1 < x2 ? x2 - x1 : x1 - x2
		if (bw < 2) bw = 2
		printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1d2329\">%s</text>\n", left - 10, y + 17, esc(lab[i])
		printf "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %s</title></rect>\n", bx, y + 5, bw, rowh - 10, color[i], esc(lab[i]), ratio[i]
		note = ratio[i] (goal[i] != "" && goal[i] != "—" ? " (goal " goal[i] ")" : "")
		printf "<text x=\"%d\" y=\"%d\" fill=\"#1d2329\">%s</text>\n", left + plotw + 8, y + 17, esc(note)
	}
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#5b6670\">ratio</text>\n", left + plotw / 2, top + rows * rowh + 36
	printf "</svg>\n"
}
' "$@"
