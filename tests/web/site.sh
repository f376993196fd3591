# The website's checks (scripts/build-site.sh, check-site.sh and
# bench-plot.sh); sourced by tests/run.sh, which runs each site_case_NAME
# function as the test web/site/NAME. The site is built into the run's
# scratch directory, not build/site (engineers share build/).

SITE_TESTS=(build links check-catches plot)

site_status=
site_make() { # builds the site once per run, into $W/site
	if [[ -z $site_status ]]; then
		scripts/build-site.sh "$W/site" >"$W/site.log" 2>&1
		site_status=$?
	fi
	return "$site_status"
}

site_ready() { # skips without a renderer, fails when the build failed
	if ! command -v cmark-gfm >/dev/null && ! command -v cmark >/dev/null; then
		skip_reason="skipped: needs cmark-gfm (make deps)"
		return 1
	fi
	site_make || { note_fail "build-site.sh failed: $(tail -c 300 "$W/site.log")"; return 1; }
}

# Every page is there, rendered: headings with ids, tables, the plot.
site_case_build() {
	local p f
	site_ready || return
	for p in index architecture design syscalls benchmarks hacking style bench/index; do
		[[ -s $W/site/$p.html ]] || note_fail "no $p.html"
	done
	for f in bench/results/*.md; do
		[[ -s $W/site/bench/results/$(basename "$f" .md).html ]] || note_fail "no page for $f"
	done
	grep -q '<h1 id="keel">keel</h1>' "$W/site/index.html" || note_fail "index.html has no <h1 id=\"keel\">"
	grep -q '<h2 id="the-bases-today">' "$W/site/design.html" ||
		note_fail "design.html has no heading with the id the-bases-today"
	if command -v cmark-gfm >/dev/null; then
		grep -q '<table>' "$W/site/syscalls.html" || note_fail "syscalls.html has no table"
		grep -q '<td><code>getpid</code></td>' "$W/site/syscalls.html" || note_fail "syscalls.html lists no getpid"
	fi
	grep -q '<img src="bench.svg"' "$W/site/benchmarks.html" || note_fail "benchmarks.html does not show bench.svg"
	(($(grep -c '<rect ' "$W/site/bench.svg") >= 4)) || note_fail "bench.svg has fewer than 3 bars"
	grep -q 'href="keel.css"' "$W/site/index.html" || note_fail "index.html does not use keel.css"
	grep -q 'href="../../keel.css"' "$W/site/bench/results/"*.html || note_fail "the results pages do not reach keel.css"
}

# Every local link resolves, every page nests and has its nav bar.
site_case_links() {
	site_ready || return
	run_host scripts/check-site.sh "$W/site"
	expect_status 0
	expect_out_line 'check-site.sh: [0-9]+ pages, 1 SVG files, 0 problems'
}

# The checker finds what it is there to find.
site_case_check_catches() {
	site_ready || return
	rm -rf "$W/bad"
	cp -r "$W/site" "$W/bad"
	sed -i 's|href="architecture.html"|href="nowhere.html"|' "$W/bad/index.html"
	sed -i 's|href="design.html#the-bases-today"|href="design.html#no-such-id"|' "$W/bad/hacking.html"
	sed -i 's|</main>|</div></main>|' "$W/bad/style.html"
	sed -i 's|<nav class="top">|<nav>|' "$W/bad/syscalls.html"
	run_host scripts/check-site.sh "$W/bad"
	expect_status 1
	expect_out_has "index.html: link 'nowhere.html' leads nowhere"
	expect_out_has "hacking.html: link 'design.html#no-such-id': design.html has no id 'no-such-id'"
	expect_out_has "style.html: line"
	expect_out_has "</div> closes <main>"
	expect_out_has "syscalls.html: has no nav bar"
	expect_out_line 'check-site.sh: [0-9]+ pages, 1 SVG files, 4 problems'
}

# The plot: one bar per row with a ratio, coloured by its result, on an
# axis that reaches the extremes; a report without ratios is an error.
site_case_plot() {
	cat >"$W/report.md" <<'EOF'
# a report

| benchmark | keel | anchor | ratio | goal | result |
| --- | ---: | ---: | ---: | ---: | --- |
| fast thing: `x`, ns | 1 | 500 | 0.002 | ≤ 0.05 | met |
| slow thing & co, µs | 500 | 1 | 500 | ≤ 2 | missed (250x the goal) |
| plain thing (no goal) | 3 | 2 | 1.5 | — | |
| skipped thing | skipped: no kvm | | | | |

| another table | 1 | 2 | 0.5 | | met |
EOF
	run_host scripts/bench-plot.sh "$W/report.md"
	expect_status 0
	expect_out_has '>fast thing</text>'
	expect_out_has '>slow thing &amp; co</text>'
	expect_out_has 'fill="#2e8b57"><title>fast thing: 0.002</title>'
	expect_out_has 'fill="#c0392b"><title>slow thing &amp; co: 500</title>'
	expect_out_has 'fill="#8a949c"><title>plain thing: 1.5</title>'
	expect_out_has '>0.001</text>'
	expect_out_has '>1000</text>'
	expect_out_lacks 'skipped thing'
	expect_out_lacks 'another table'
	[[ $(grep -c '<title>' "$out") == 4 ]] || note_fail "$(grep -c '<title>' "$out") titles, expected 3 bars and the chart's"
	printf '# empty\n\n| a | b |\n| --- | --- |\n| x | y |\n' >"$W/empty.md"
	run_host scripts/bench-plot.sh "$W/empty.md"
	expect_status 1
	expect_err_has "no rows with a ratio"
}
