-- Run as `lua5.1 -luci errors.lua` under valgrind by tests/lua_valgrind.rs:
-- returned errors, raised errors (bad arguments, callback errors), closed
-- cursors and the parse error detail; checked with assert, prints nothing.
local confdir, savedir = assert(os.getenv("CONFDIR")), assert(os.getenv("SAVEDIR"))
local c = uci.cursor(confdir, savedir)

local v, msg = c:get("nosuch", "a", "b")
assert(v == nil and msg:match("Entry not found"))
local ok, err = c:delete("test", "nosuch")
assert(ok == false and err:match("Entry not found"))
ok, err = c:load("broken")
assert(ok == false and err:match("Parse error"), tostring(err))
v, msg = c:get("test", "nosuch", "x")
assert(v == nil and msg:match("at line"), "the parse error detail sticks")
ok = c:set("test", "bad name", "x", "1")
assert(not ok)

assert(not pcall(c.get))
assert(not pcall(c.set, c, "test", "main", "x", function() end))
assert(not pcall(c.set, c, "test", "main", "items", {"x", {}}))
assert(not pcall(c.foreach, c, "test", nil, 42))
assert(not pcall(c.foreach, c, "test"))
assert(not pcall(uci.get, io.stdout, "test"))
local obj = {}
local okf, e = pcall(c.foreach, c, "test", nil, function() error(obj) end)
assert(not okf and e == obj)
okf, e = pcall(c.foreach, c, "test", nil, function(s) error("stop " .. s[".name"]) end)
assert(not okf and e:match("stop main"))

local d = uci.cursor(confdir, savedir)
d:close()
assert(not pcall(d.get, d, "test", "main", "x"))
d:close()

-- an error raised past the cursor's method, uncaught inside a coroutine
local co = coroutine.create(function() c:set("test", "main", "x", false) end)
assert(not coroutine.resume(co))
