-- Shared helpers for the Lua module's own test scripts (run by
-- tests/lua_module.rs with the stock lua5.1 interpreter).
--
-- Environment: ROOT (working directory, replaced by {root} in the compared
-- output), CONFDIR = ROOT/config (exists, empty), SAVEDIR = ROOT/delta (does
-- not exist yet). Everything printed goes through `show`/`cat`, which print
-- values in a stable form: strings quoted with escapes, tables with sorted
-- keys, arrays as {a, b}.

local M = {}

M.ROOT = assert(os.getenv("ROOT"), "ROOT not set")
M.CONFDIR = assert(os.getenv("CONFDIR"), "CONFDIR not set")
M.SAVEDIR = assert(os.getenv("SAVEDIR"), "SAVEDIR not set")

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == "\n" then return "\\n" end
    if c == "\t" then return "\\t" end
    if c == "\r" then return "\\r" end
    if c == '"' or c == "\\" then return "\\" .. c end
    return string.format("\\%03d", c:byte())
  end) .. '"'
end

local function is_array(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  for i = 1, n do
    if t[i] == nil then return false end
  end
  return true
end

local repr

local function key_repr(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return k end
  return "[" .. repr(k) .. "]"
end

function repr(v)
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "number" or t == "boolean" or t == "nil" then return tostring(v) end
  if t ~= "table" then return "<" .. t .. ">" end
  local parts = {}
  if is_array(v) then
    for i = 1, #v do parts[i] = repr(v[i]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) ~= type(b) then return type(a) == "number" end
    return a < b
  end)
  for i, k in ipairs(keys) do parts[i] = key_repr(k) .. "=" .. repr(v[k]) end
  return "{" .. table.concat(parts, ", ") .. "}"
end
M.repr = repr

-- show("label", ...) prints "label => v1, v2" with every value (a trailing
-- nil too), or "label => (no values)".
function M.show(label, ...)
  local n = select("#", ...)
  if n == 0 then
    print(label .. " => (no values)")
    return
  end
  local out = {}
  for i = 1, n do out[i] = repr((select(i, ...))) end
  print(label .. " => " .. table.concat(out, ", "))
end

-- try("label", f, ...) shows the results of pcall(f, ...).
function M.try(label, f, ...)
  M.show(label, pcall(f, ...))
end

function M.read(rel)
  local f = io.open(M.ROOT .. "/" .. rel, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- cat("rel") prints a file below ROOT, or (missing).
function M.cat(rel)
  local s = M.read(rel)
  print("file " .. rel .. ": " .. (s and quote(s) or "(missing)"))
end

-- write("rel", text) writes a file below ROOT (its directory must exist).
function M.write(rel, text)
  local f = assert(io.open(M.ROOT .. "/" .. rel, "wb"))
  f:write(text)
  f:close()
end

-- The fixture most scripts start from.
M.NETWORK = [[
config interface 'loopback'
	option ifname 'lo'
	option proto 'static'
	option ipaddr '127.0.0.1'

config interface 'lan'
	option proto 'static'
	option ipaddr '192.168.1.1'
	list dns '1.1.1.1'
	list dns '8.8.8.8'

config interface
	option proto 'dhcp'

config switch
	option name 'switch0'
	option reset '1'
]]

M.SYSTEM = [[
config system
	option hostname 'router'
	option timezone 'UTC'

config timeserver 'ntp'
	list server '0.pool.ntp.org'
	list server '1.pool.ntp.org'
	option enabled '1'
]]

function M.fixtures()
  M.write("config/network", M.NETWORK)
  M.write("config/system", M.SYSTEM)
end

return M
