-- The garbage collector of Lua on keel: allocate far more tables and
-- strings than the memory budget holds, while collectgarbage("count")
-- stays bounded; full collections give memory back; weak tables and
-- finalizers; both collector modes. Run under a small --mem, so that
-- memory the collector frees must really be reused. Needs testlib.lua in
-- front.

local KiB = 1024
-- lua.c starts the collector in generational mode; first incremental.
eq(collectgarbage("incremental"), "generational", "lua.c's collector mode")
collectgarbage()
local base = collectgarbage("count")
check(base < 1024, "a small heap at the start: " .. base .. " KiB")

-- Churn: a window of 2,000 live tables, 150,000 made in all.
local function churn(n, window)
	local live, peak, made = {}, 0, 0
	for i = 1, n do
		local t = { i, tostring(i), { x = i }, name = "item" .. i }
		made = made + 1
		live[i % window] = t
		if i % 1000 == 0 then
			peak = math.max(peak, collectgarbage("count"))
		end
	end
	return peak, made, live
end
local peak, made, live = churn(150000, 2000)
eq(made, 150000, "tables made")
check(peak < base + 16 * KiB, ("incremental: peak %.0f KiB stays bounded"):format(peak))
live = nil
collectgarbage()
local after = collectgarbage("count")
check(after < base + 256, ("a full collection gives it back: %.0f KiB"):format(after))

-- Big strings: 100 strings of 1 MiB each, one alive at a time, 100 MiB
-- in all under a budget of a fraction of that.
local strpeak = 0
for i = 1, 100 do
	local s = string.rep(string.char(65 + i % 26), 1024 * KiB - 1) .. "!"
	check(#s == 1024 * KiB and s:sub(-2) == string.char(65 + i % 26) .. "!", "big string " .. i)
	strpeak = math.max(strpeak, collectgarbage("count"))
end
check(strpeak < base + 24 * KiB, ("big strings: peak %.0f KiB stays bounded"):format(strpeak))

-- Many small strings, concatenated and dropped.
local parts = {}
for i = 1, 50000 do parts[#parts + 1] = ("%d:%x"):format(i, i * 7919) end
local joined = table.concat(parts, ",")
check(#joined > 500000, "joined " .. #joined .. " bytes")
parts, joined = nil, nil
-- (Each cycle halves the interned strings' hash table at most.)
for _ = 1, 4 do collectgarbage() end
check(collectgarbage("count") < base + 256, ("strings collected: %.0f KiB"):format(collectgarbage("count")))

-- Weak tables lose what nothing else holds.
local weak = setmetatable({}, { __mode = "k" })
local keep = {}
for i = 1, 1000 do
	local k = {}
	weak[k] = i
	if i % 10 == 0 then keep[#keep + 1] = k end
end
collectgarbage()
local n = 0
for _ in pairs(weak) do n = n + 1 end
eq(n, 100, "weak keys: only the kept ones survive")
local wv = setmetatable({}, { __mode = "v" })
for i = 1, 100 do wv[i] = { i } end
wv[101] = keep
collectgarbage()
n = 0
for _ in pairs(wv) do n = n + 1 end
eq(n, 1, "weak values: only the kept one survives")

-- Finalizers run for every collected object, and once.
local finalized = 0
for i = 1, 1000 do
	setmetatable({}, { __gc = function() finalized = finalized + 1 end })
end
collectgarbage()
collectgarbage()
eq(finalized, 1000, "every finalizer ran")

-- Generational mode, then back to incremental, with a cyclic structure.
eq(collectgarbage("generational"), "incremental", "switch to generational")
local genpeak = 0
for i = 1, 50000 do
	local a, b = {}, {}
	a.other, b.other = b, a
	if i % 1000 == 0 then genpeak = math.max(genpeak, collectgarbage("count")) end
end
check(genpeak < base + 16 * KiB, ("generational: peak %.0f KiB stays bounded"):format(genpeak))
eq(collectgarbage("incremental"), "generational", "back to incremental")
check(collectgarbage("step", 0) ~= nil, "a collection step")
collectgarbage("stop")
check(not collectgarbage("isrunning"), "stopped")
local stopped0 = collectgarbage("count")
for i = 1, 10000 do local _ = { i } end
check(collectgarbage("count") > stopped0 + 100, "while stopped, memory grows")
collectgarbage("restart")
check(collectgarbage("isrunning"), "running again")
collectgarbage()
local final = collectgarbage("count")
check(final < base + 256, ("all collected at the end: %.0f KiB"):format(final))
print(("gc: base %.0f KiB, peaks %.0f/%.0f/%.0f KiB, end %.0f KiB"):format(base, peak, strpeak,
	genpeak, final))

done()
