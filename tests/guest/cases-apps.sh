# The apps tests, sourced by tests/run.sh: real programs from Debian's
# source, built unmodified with keel-cc (`make debian-apps`:
# scripts/build-lua.sh, scripts/build-sqlite.sh; the first test of each
# program makes it, about a minute from scratch), running our own
# scripts (tests/apps/) on every target. The scripts travel on the
# program's stdin (`lua -`, the sqlite3 shell reading SQL); the files
# they make live on keel's ramfs at /; lua-initrd runs a script from
# the initrd instead. Each Lua script comes after tests/apps/testlib.lua
# and ends with the line "ok: N checks".
#
# A run takes up to 2 s on an idle machine (the GC test on qemu); the
# limits below leave room for a machine shared with other builds.

declare -A apps_state=() # per program: ok or failed, made once per run

# apps_ready PROGRAM: makes build/apps/PROGRAM (a no-op when it is
# current); false, with the test failed or skipped, when it cannot.
apps_ready() {
	local log=$TB/apps-build-$1.log
	if [[ $1 == sqlite3 ]] && ! command -v tclsh >/dev/null; then
		skip_reason="skipped: no tclsh to build SQLite (Debian's tcl; scripts/deps.sh installs it)"
		return 1
	fi
	if [[ -z ${apps_state[$1]:-} ]]; then
		if make -s "build/apps/$1" >"$log" 2>&1; then
			apps_state[$1]=ok
		else
			apps_state[$1]=failed
		fi
	fi
	[[ ${apps_state[$1]} == ok ]] && return 0
	note_fail "make build/apps/$1 failed (log: $log): $(grep -m1 -iE 'error|fail' "$log")"
	return 1
}

# lua_script NAME [KEEL-RUN OPTIONS...] -- [ARGS...]: runs
# tests/apps/NAME.lua, after testlib.lua, through `lua -`.
lua_script() {
	local name=$1 opts=()
	shift
	while [[ $# -gt 0 && $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	[[ ${1:-} == -- ]] && shift
	apps_ready lua || return
	limit=40
	input=(cat tests/apps/testlib.lua "tests/apps/$name.lua")
	run "${opts[@]}" "$B/apps/lua" - "$@"
}

# Strings, tables, closures, coroutines, number formatting, os.time
# against the host's clock, os.clock, pcall/error.
guest lua-general all
case_lua_general() {
	lua_script general --env=KEEL_APP=lua -- "$(date +%s)"
	expect_ok
	expect_out_line "pi: 3\.14159, e: 2\.71828, 2\^0\.5: 1\.41421"
	expect_out_line "fib: 0 1 1 2 3 5 8 13 21 34"
}

# The same script from the initrd (tests/apps as /initrd), the helpers
# found by require through LUA_PATH.
guest lua-initrd all
case_lua_initrd() {
	apps_ready lua || return
	limit=40
	run --initrd=tests/apps --env=LUA_PATH=/initrd/?.lua --env=KEEL_APP=lua \
		"$B/apps/lua" -l testlib /initrd/general.lua "$(date +%s)"
	expect_ok
	expect_out_line "fib: 0 1 1 2 3 5 8 13 21 34"
}

# io.open in every mode, seek, lines, rename, remove, tmpname, tmpfile.
guest lua-files all
case_lua_files() {
	lua_script files
	expect_ok
	expect_out_line "files: done"
}

# 150,000 tables and 100 MiB of strings under a 32 MiB budget, with
# collectgarbage("count") bounded; weak tables, finalizers, both modes.
guest lua-gc all
case_lua_gc() {
	lua_script gc --mem=32M
	expect_ok
	expect_out_line "gc: base [0-9]+ KiB, peaks [0-9]+/[0-9]+/[0-9]+ KiB, end [0-9]+ KiB"
}

# An uncaught error: its message on stderr, exit status 1; os.exit's
# status, with what was written before it flushed.
guest lua-exit all
case_lua_exit() {
	apps_ready lua || return
	limit=40
	input=(printf 'io.write("before")\nlocal t = {}\nerror("boom: " .. #t)\n')
	run "$B/apps/lua" -
	expect_status 1
	expect_out_has "before"
	expect_err_has "stdin:3: boom: 0"
	input=(true)
	run "$B/apps/lua" -e 'io.write("written ") os.exit(7)'
	expect_status 7
	expect_out_has "written "
	run "$B/apps/lua" -e 'os.exit(true)'
	expect_status 0
}

# SQLite's shell: a database file on ramfs, 10,000 rows inserted in one
# transaction, read back (count, sums, an index lookup and its query
# plan, groups, blobs), a transaction rolled back and one committed,
# the file reopened read-only, integrity_check, no journal left.
# (HOME: the shell looks for ~/.sqliterc and warns without one.)
guest sqlite-rows all
case_sqlite_rows() {
	apps_ready sqlite3 || return
	limit=40
	input=(cat tests/apps/rows.sql)
	run --env=HOME=/ "$B/apps/sqlite3"
	expect_status 0
	expect_out "$(<tests/apps/rows.out)"$'\n'
}

# The write-ahead log (exclusive locking mode), a checkpoint, back to
# a rollback journal, reopened.
guest sqlite-wal all
case_sqlite_wal() {
	apps_ready sqlite3 || return
	limit=40
	input=(cat tests/apps/wal.sql)
	run --env=HOME=/ "$B/apps/sqlite3"
	expect_status 0
	expect_out "$(<tests/apps/wal.out)"$'\n'
}

# SQL errors: without .bail, the shell reports one and goes on, and
# exits with status 1; with it, a broken constraint stops it there.
guest sqlite-errors all
case_sqlite_errors() {
	apps_ready sqlite3 || return
	limit=40
	input=(printf '%s\n' 'SELECT * FROM nope;' 'SELECT 42;')
	run --env=HOME=/ "$B/apps/sqlite3" /e.db
	expect_status 1
	expect_out_line 42
	expect_err_has "near line 1: no such table: nope"
	input=(printf '%s\n' '.bail on' 'CREATE TABLE u(k TEXT UNIQUE);' 'INSERT INTO u VALUES (1);' \
		'SELECT count(*) FROM u;' 'INSERT INTO u VALUES (1);' 'SELECT 42;')
	run --env=HOME=/ "$B/apps/sqlite3" /e.db
	expect_status 1
	expect_out_line 1
	expect_out_lacks 42
	expect_err_has "near line 5: UNIQUE constraint failed: u.k"
}
