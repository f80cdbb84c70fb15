//! The Lua module on the real-world configs of `../shared/testdata`
//! (skipped when absent):
//!
//! * `realworld_configs_read_the_same`: for every file of `realworld/`, what
//!   Lua sees (`foreach` with `.index`, `.name`, `.type`, `.anonymous`, and
//!   every option with its string or list value) equals the package the core
//!   loads, byte for byte.
//! * `realworld_invalid_configs_report_the_cli_message`: for every file of
//!   `realworld_invalid/`, `get_all` returns `nil` and the same
//!   `uci: Parse error (...) at line L, byte B` that `uci show` prints.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{run, run_with_stdin, TestEnv};
use ucix::model::Value;
use ucix::store::Context;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read testdata directory") {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().map_or(true, |x| x != "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn lua(env: &TestEnv, code: &str, vars: &[(&str, &str)]) -> common::Run {
    let dir = common::lua_module_dir(env);
    let lua = common::lua5_1();
    let mut cmd = env.command_as(&lua, "lua5.1");
    cmd.arg("-")
        .env("LUA_CPATH", format!("{}/?.so", dir.display()))
        .env("CONFDIR", env.confdir())
        .env("SAVEDIR", env.savedir())
        .envs(vars.iter().copied());
    run_with_stdin(&mut cmd, code)
}

fn hex(s: &[u8]) -> String {
    s.iter().map(|b| format!("{b:02x}")).collect()
}

/// Prints every package named in NAMES, one line per section and option,
/// names and values in hex, options sorted by name.
const DUMP: &str = r#"
local uci = require("uci")
local c = uci.cursor(os.getenv("CONFDIR"), os.getenv("SAVEDIR"))
local function hex(s) return (s:gsub(".", function(ch) return string.format("%02x", ch:byte()) end)) end
for name in os.getenv("NAMES"):gmatch("%S+") do
  print("P " .. name)
  local ok = c:foreach(name, nil, function(s)
    print(string.format("S %d %s %s %s", s[".index"], hex(s[".name"]), hex(s[".type"]), tostring(s[".anonymous"])))
    local keys = {}
    for k in pairs(s) do if k:sub(1, 1) ~= "." then keys[#keys + 1] = k end end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local v = s[k]
      if type(v) == "table" then
        local items = {}
        for i, it in ipairs(v) do items[i] = hex(it) end
        print("L " .. hex(k) .. " " .. table.concat(items, ","))
      else
        print("O " .. hex(k) .. " " .. hex(v))
      end
    end
  end)
  if not ok then print("(no sections)") end
end
"#;

#[test]
fn realworld_configs_read_the_same() {
    let Some(shared) = common::shared_dir() else { return };
    let dir = shared.join("testdata").join("realworld");
    if !dir.is_dir() {
        common::say(format!("skipped: {} not found", dir.display()));
        return;
    }
    let env = TestEnv::new("lua_realworld");
    let sources = files(&dir);
    assert!(sources.len() > 20, "expected the real-world configs in {}", dir.display());
    let mut names = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let name = format!("p{i}");
        env.write(format!("config/{name}"), std::fs::read(src).expect("read config"));
        names.push(name);
    }

    let mut ctx = Context::new();
    ctx.set_confdir(env.confdir().to_str().unwrap().as_bytes());
    ctx.set_conf2dir(None);
    ctx.set_savedir(env.savedir().to_str().unwrap().as_bytes());
    let mut expected = String::new();
    for (name, src) in names.iter().zip(&sources) {
        writeln!(expected, "P {name}").unwrap();
        let idx = ctx.load(name.as_bytes()).unwrap_or_else(|e| panic!("{} does not load: {e}", src.display()));
        let p = &ctx.packages[idx];
        for (i, s) in p.sections.iter().enumerate() {
            writeln!(expected, "S {i} {} {} {}", hex(&s.name), hex(&s.stype), s.anonymous).unwrap();
            let mut opts: Vec<_> = s.options.iter().collect();
            opts.sort_by(|a, b| a.name.cmp(&b.name));
            for o in opts {
                match &o.value {
                    Value::Str(v) => writeln!(expected, "O {} {}", hex(&o.name), hex(v)).unwrap(),
                    Value::List(items) => {
                        let items: Vec<String> = items.iter().map(|it| hex(it)).collect();
                        writeln!(expected, "L {} {}", hex(&o.name), items.join(",")).unwrap()
                    }
                }
            }
        }
        if p.sections.is_empty() {
            writeln!(expected, "(no sections)").unwrap();
        }
    }

    let r = lua(&env, DUMP, &[("NAMES", &names.join(" "))]);
    assert_eq!((r.status, r.stderr.as_str()), (0, ""), "lua5.1 failed");
    if r.stdout != expected {
        let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), r.stdout.lines().collect());
        let at = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
        let pkg = e[..at].iter().rev().find(|l| l.starts_with("P ")).copied().unwrap_or("?");
        let src = pkg.strip_prefix("P p").and_then(|n| n.parse::<usize>().ok()).map(|n| sources[n].display().to_string());
        panic!(
            "Lua and the core differ at line {} ({pkg} = {src:?}):\n  core: {:?}\n  lua:  {:?}",
            at + 1,
            e.get(at),
            a.get(at)
        );
    }
    common::say(format!("{} real-world configs read the same through Lua and the core", sources.len()));
}

#[test]
fn realworld_invalid_configs_report_the_cli_message() {
    let Some(shared) = common::shared_dir() else { return };
    let dir = shared.join("testdata").join("realworld_invalid");
    if !dir.is_dir() {
        common::say(format!("skipped: {} not found", dir.display()));
        return;
    }
    let sources = files(&dir);
    assert!(!sources.is_empty(), "expected invalid configs in {}", dir.display());
    for src in &sources {
        let env = TestEnv::new("lua_realworld_invalid");
        env.write("config/broken", std::fs::read(src).expect("read config"));
        let mut cli = env.uci();
        cli.arg("-c").arg(env.confdir()).arg("-P").arg(env.savedir()).args(["show", "broken"]);
        let cli = run(&mut cli);
        assert_eq!(cli.status, 1, "uci show accepted {}", src.display());
        let r = lua(
            &env,
            "local c = require('uci').cursor(os.getenv('CONFDIR'), os.getenv('SAVEDIR'))\nprint(c:get_all('broken'))",
            &[],
        );
        assert_eq!(r.status, 0, "lua5.1 failed on {}: {}", src.display(), r.stderr);
        assert_eq!(r.stdout, format!("nil\t{}", cli.stderr), "{}", src.display());
    }
}
