-- Run as `lua5.1 -luci cursor.lua` (the module loaded by -l, as in the
-- reference's cram tests) under valgrind by tests/lua_valgrind.rs: every
-- kind of cursor operation, checked with assert; prints nothing.
local confdir, savedir = assert(os.getenv("CONFDIR")), assert(os.getenv("SAVEDIR"))
local c = uci.cursor(confdir, savedir)

assert(c:get("test", "main", "x") == "1")
assert(c:get("test", "main") == "kind")
assert(c:get("test", "@kind[0]", "x") == "1")
assert(c:get("test", "@kind[-1]", "x") == "3")
local all = c:get_all("test", "main")
assert(all[".name"] == "main" and all[".type"] == "kind" and all.x == "1")
assert(#c:get("test", "main", "items") == 2)

assert(c:set("test", "main", "y", "two"))
assert(c:set("test", "main", "items", {"a", "b", "c"}))
assert(c:set("test", "extra", "kind"))
local anon = assert(c:add("test", "kind"))
assert(c:set("test", anon, "z", "anon"))
assert(c:rename("test", "extra", "renamed"))
assert(c:reorder("test", "renamed", 0))
assert(c:delete("test", "main", "x"))
assert(c:get("test", "main", "x") == nil)

local names = {}
assert(c:foreach("test", "kind", function(s) names[#names + 1] = s[".name"] end))
assert(#names == 5, "five sections of type kind")
local stopped = 0
c:foreach("test", nil, function() stopped = stopped + 1; return false end)
assert(stopped == 1)

local ch = c:changes("test")
assert(ch.test and ch.test.main and ch.test.main.y == "two")
assert(c:save("test"))

-- a second cursor sees the saved changes, then reverts them
local d = uci.cursor(confdir, savedir)
assert(d:get("test", "main", "y") == "two")
assert(d:changes().test.main.y == "two")
assert(d:revert("test"))
assert(d:get("test", "main", "y") == nil)
d:close()

-- commit through the first cursor, read back from a fresh one
c:unload("test")
assert(c:load("test"))
assert(c:set("test", "main", "committed", "yes"))
assert(c:commit("test"))
local e = uci.cursor(confdir, savedir)
assert(e:get("test", "main", "committed") == "yes")

local configs = c:list_configs()
assert(#configs >= 2)
assert(c:get_confdir() == confdir and c:get_savedir() == savedir)
c:set_savedir(savedir)
c:add_delta(savedir)

-- the hidden global context
uci.set_confdir(confdir)
uci.set_savedir(savedir)
assert(uci.get("test", "main", "committed") == "yes")
assert(uci.set("test", "main", "global", "1"))
assert(uci.save("test"))
assert(uci.revert("test"))
uci.close()
-- cursors e and c are left for lua_close to collect
