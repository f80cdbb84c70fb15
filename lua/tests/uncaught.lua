-- An error nobody catches ends the interpreter: message with the caller's
-- position, a traceback naming the module's C function, exit status 1; the
-- changes saved before it stay.
local t = require("helper")
t.fixtures()
local uci = require("uci")
local c = uci.cursor(t.CONFDIR, t.SAVEDIR)
c:set("system", "ntp", "enabled", "0")
c:save("system")
print("saved")
c:set("system", "ntp", "enabled", false)
print("not reached")
