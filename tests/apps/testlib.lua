-- The apps tests' assertion helpers, loaded before every Lua test
-- script: tests/guest/cases-apps.sh sends both on the interpreter's
-- stdin, or runs `lua -l testlib` with the scripts in the initrd. A
-- failed check raises an error: lua prints it with the line and exits
-- with status 1. done() prints the line the harness expects.
local nchecks = 0

function check(cond, what)
	if not cond then error("check failed: " .. what, 2) end
	nchecks = nchecks + 1
end

function eq(got, want, what)
	if got ~= want or math.type(got) ~= math.type(want) then
		error(string.format("%s: got %s (%s), want %s (%s)", what, tostring(got),
			math.type(got) or type(got), tostring(want), math.type(want) or type(want)), 2)
	end
	nchecks = nchecks + 1
end

function done()
	print(string.format("ok: %d checks", nchecks))
end
