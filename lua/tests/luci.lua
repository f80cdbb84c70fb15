-- A LuCI-style session: read a form, add and edit sections, save, then
-- apply (commit), and read the result back in a new process-like cursor.
local t = require("helper")
local show = t.show
t.fixtures()
t.write("config/firewall", [[
config defaults
	option input 'ACCEPT'
	option output 'ACCEPT'
	option forward 'REJECT'

config zone
	option name 'lan'
	list network 'lan'
	option input 'ACCEPT'

config zone
	option name 'wan'
	list network 'wan'
	list network 'wan6'
	option input 'REJECT'
	option masq '1'
]])
local uci = require("uci")
local x = uci.cursor(t.CONFDIR, t.SAVEDIR)

-- find the wan zone as LuCI does
local wan
x:foreach("firewall", "zone", function(s)
  if s.name == "wan" then wan = s[".name"] return false end
end)
show("wan zone", wan, x:get("firewall", wan, "network"))

-- add a redirect and a rule
local r = x:add("firewall", "redirect")
x:set("firewall", r, "name", "ssh")
x:set("firewall", r, "src", "wan")
x:set("firewall", r, "src_dport", 2222)
x:set("firewall", r, "dest_port", "22")
x:set("firewall", r, "proto", {"tcp"})
local rule = x:add("firewall", "rule")
x:set("firewall", rule, "name", "Allow-Ping")
x:set("firewall", rule, "icmp_type", {"echo-request", "echo-reply"})
x:set("firewall", wan, "network", {"wan"})
x:delete("firewall", wan, "masq")
show("changes", x:changes("firewall"))
show("save", x:save("firewall"))
show("commit", x:commit("firewall"))
t.cat("config/firewall")

local y = uci.cursor(t.CONFDIR, t.SAVEDIR)
local names = {}
y:foreach("firewall", nil, function(s) names[#names + 1] = s[".type"] .. "=" .. s[".name"] end)
show("sections", table.concat(names, " "))
show("redirect", y:get_all("firewall", "@redirect[0]"))
show("nothing pending", y:changes())
