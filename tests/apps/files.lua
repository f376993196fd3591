-- Files for Lua on keel: io.open in every mode, write, read formats,
-- seek, lines, buffering, os.rename, os.remove, os.tmpname, and reading
-- everything back, on the writable file system (ramfs at /). Needs
-- testlib.lua in front.

local ENOENT = 2

local function slurp(path)
	local f = assert(io.open(path, "rb"))
	local data = f:read("a")
	f:close()
	return data
end

-- Write, then read back whole.
local path = "/data.txt"
local f = assert(io.open(path, "w"))
eq(io.type(f), "file", "io.type of an open file")
check(f:write("line one\n", 42, "\n", 3.5, "\n") == f, "write returns the file")
f:close()
eq(io.type(f), "closed file", "io.type of a closed file")
eq(slurp(path), "line one\n42\n3.5\n", "read back")
check(not pcall(f.write, f, "x"), "writing to a closed file is an error")

-- Read formats: l, L, n, a number of bytes, and 0 at the end.
f = assert(io.open(path, "r"))
eq(f:read("l"), "line one", "read l")
eq(f:read("n"), 42, "read n (integer)")
eq(f:read("n"), 3.5, "read n (float)")
eq(f:read("L"), "\n", "read L keeps the newline")
eq(f:read("l"), nil, "read l at the end")
eq(f:read(0), nil, "read 0 at the end")
eq(f:seek("set", 5), 5, "seek set")
eq(f:read(3), "one", "read 3 bytes after seek")
eq(f:seek("cur"), 8, "seek cur")
eq(f:seek("cur", -4), 4, "seek cur backwards")
eq(f:read(1), " ", "read after relative seek")
eq(f:seek("end"), 16, "seek end is the size")
f:close()

-- Append, then r+ writing in the middle.
f = assert(io.open(path, "a"))
f:write("appended\n")
f:close()
eq(slurp(path), "line one\n42\n3.5\nappended\n", "append")
f = assert(io.open(path, "r+"))
f:seek("set", 5)
f:write("ONE")
f:seek("set", 0)
eq(f:read("l"), "line ONE", "r+ writes in place")
f:close()
eq(#slurp(path), 25, "r+ keeps the size")

-- w truncates; w+ reads what it wrote; a+ reads from anywhere, writes at the end.
f = assert(io.open(path, "w+"))
f:write("abcdef")
f:seek("set", 2)
eq(f:read("a"), "cdef", "w+ reads back")
f:close()
f = assert(io.open(path, "a+"))
f:seek("set", 0)
f:write("XY")
f:seek("set", 0)
eq(f:read("a"), "abcdefXY", "a+ writes at the end")
f:close()

-- A bigger file through io.lines, with a hole past the end.
local big = "/big.txt"
f = assert(io.open(big, "w"))
f:setvbuf("full", 4096)
for i = 1, 5000 do f:write(string.format("%05d %s\n", i, string.rep(string.char(97 + i % 26), i % 50))) end
f:close()
local nlines, nbytes, last = 0, 0, nil
for line in io.lines(big) do
	nlines = nlines + 1
	nbytes = nbytes + #line + 1
	last = line
	check(tonumber(line:sub(1, 5)) == nlines, "line " .. nlines .. " in order")
end
eq(nlines, 5000, "io.lines count")
eq(last, "05000 " .. string.rep("k", 0), "last line")
eq(#slurp(big), nbytes, "size matches the lines")
local sum = 0
for n in io.lines(big, "n", "l") do sum = sum + n end
eq(sum, 5000 * 5001 // 2, "io.lines with formats")
f = assert(io.open(big, "r+b"))
local size = f:seek("end")
f:seek("set", size + 1000)
f:write("end")
f:close()
local data = slurp(big)
eq(#data, size + 1003, "write past the end extends the file")
eq(data:sub(size + 1, size + 1000), string.rep("\0", 1000), "the hole reads as zeros")

-- Binary: every byte value round-trips.
local all = {}
for i = 0, 255 do all[#all + 1] = string.char(i) end
all = table.concat(all):rep(64)
f = assert(io.open("/bytes.bin", "wb"))
f:setvbuf("no")
f:write(all)
f:close()
eq(slurp("/bytes.bin"), all, "binary round trip")

-- The default files: io.output, io.write, io.input, io.read.
io.output("/default.txt")
io.write("first\n", "second\n")
io.close()
io.output(io.stdout)
io.input("/default.txt")
eq(io.read("l"), "first", "io.read")
eq(io.read("l"), "second", "io.read again")
io.close(io.input())
io.input(io.stdin)

-- rename, remove and their errors.
local moved = "/moved.txt"
eq(os.rename(path, moved), true, "os.rename")
local nf, msg, code = io.open(path)
check(nf == nil and code == ENOENT and msg:find("No such file or directory", 1, true),
	"the old name is gone: " .. tostring(msg))
eq(slurp(moved), "abcdefXY", "the new name has the data")
eq(os.remove(moved), true, "os.remove")
local r, rmsg, rcode = os.remove(moved)
check(r == nil and rcode == ENOENT, "removing twice fails with ENOENT: " .. tostring(rmsg))
local rn, rnmsg, rncode = os.rename("/no/such/file", "/x")
check(rn == nil and rncode == ENOENT, "renaming a missing file fails: " .. tostring(rnmsg))
check(io.open("/no/such/dir/file", "w") == nil, "creating in a missing directory fails")
check(io.open("/tmp", "w") == nil, "opening a directory for writing fails")
eq(os.remove(big), true, "remove the big file")
eq(os.remove("/bytes.bin"), true, "remove the binary file")

-- os.tmpname creates a file; tmpfile is anonymous.
local tmp = os.tmpname()
check(tmp:match("^/tmp/lua_"), "tmpname under /tmp: " .. tmp)
eq(slurp(tmp), "", "tmpname made an empty file")
eq(os.remove(tmp), true, "remove the temporary file")
local tf = io.tmpfile()
tf:write("scratch")
tf:seek("set", 0)
eq(tf:read("a"), "scratch", "io.tmpfile")
tf:close()

-- Many files open at once, then closed by the collector.
local handles = {}
for i = 1, 100 do
	handles[i] = assert(io.open("/f" .. i, "w"))
	handles[i]:write(i)
end
handles = nil
collectgarbage()
local total = 0
for i = 1, 100 do
	total = total + tonumber(slurp("/f" .. i))
	assert(os.remove("/f" .. i))
end
eq(total, 5050, "100 files written, collected, read back")
print("files: done")

done()
