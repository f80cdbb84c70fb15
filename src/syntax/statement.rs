//! Statements of config text and what they do (file-format.md §4–§6).

use super::stream::Stream;
use super::tokenizer::{NameRule, Pctx};
use crate::edit;
use crate::error::{Error, ErrorCode, Result};
use crate::lookup::{valid_type, Ptr, Target, LOOKUP_DONE};
use crate::model::{Package, Text};

/// How to import a stream.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Abort on the first parse error (`UCI_FLAG_STRICT`).
    pub strict: bool,
    /// Everything goes into one package; `package` lines are checked, ignored.
    pub single: bool,
    /// Default package name for statements before any `package` line.
    pub name: Option<Vec<u8>>,
}

struct Importer<'a, 'b> {
    pctx: &'a mut Pctx,
    r: &'a mut Stream<'b>,
    opts: &'a ImportOptions,
    name: Option<Vec<u8>>,
    cur: Option<Package>,
    section: Option<usize>,
    done: Vec<Package>,
    merge: bool,
    loaded: &'a dyn Fn(&[u8]) -> bool,
}

/// What [`import`] produced.
pub struct Imported {
    /// Packages completed, in order (on failure, those completed before it).
    pub packages: Vec<Package>,
    /// The outcome.
    pub result: Result<()>,
}

/// Parses config text from `r` (`uci_import`).
///
/// `merge`: a loaded package that statements are applied to (single mode);
/// it is updated in place and not returned. `loaded` tells whether a package
/// name is already loaded in the context (`Duplicate entry`). In non-strict
/// mode each parse error is passed to `on_error` (which prints it when the
/// caller wants that) and the rest of its line is skipped.
pub fn import(
    pctx: &mut Pctx,
    r: &mut Stream<'_>,
    opts: &ImportOptions,
    merge: Option<&mut Package>,
    loaded: &dyn Fn(&[u8]) -> bool,
    on_error: &mut dyn FnMut(&Pctx, Error),
) -> Imported {
    let merging = merge.is_some() && opts.single;
    let mut merge = merge;
    let cur = if merging { merge.as_deref_mut().map(std::mem::take) } else { None };
    let mut im = Importer {
        pctx,
        r,
        opts,
        name: opts.name.clone(),
        cur,
        section: None,
        done: vec![],
        merge: merging,
        loaded,
    };
    let result = im.run(on_error);
    let mut packages = std::mem::take(&mut im.done);
    match (&result, merging) {
        (_, true) => {
            if let (Some(m), Some(p)) = (merge, im.cur.take()) {
                *m = p;
            }
        }
        (Ok(()), false) => {
            if let Some(p) = im.cur.take() {
                packages.push(p);
            }
        }
        (Err(_), false) => {}
    }
    Imported { packages, result }
}

impl Importer<'_, '_> {
    fn run(&mut self, on_error: &mut dyn FnMut(&Pctx, Error)) -> Result<()> {
        while !self.r.eof() {
            self.pctx.start_line(self.r);
            if self.pctx.line_is_empty() {
                continue;
            }
            if let Err(e) = self.parse_line() {
                on_error(self.pctx, e);
                if e.code() != ErrorCode::Parse || self.opts.strict {
                    return Err(e);
                }
            }
        }
        self.close_section();
        if self.r.failed() {
            return Err(Error(ErrorCode::Io));
        }
        if self.cur.is_none() && self.name.is_some() {
            self.switch_package()?;
        }
        Ok(())
    }

    /// Finishes the current package and starts one named `self.name`.
    fn switch_package(&mut self) -> Result<()> {
        if !self.merge {
            if let Some(p) = self.cur.take() {
                self.done.push(p);
            }
        }
        self.section = None;
        let Some(name) = self.name.clone() else { return Ok(()) };
        if (self.loaded)(&name) || self.done.iter().any(|p| p.name == name) {
            return Err(Error(ErrorCode::Duplicate));
        }
        self.cur = Some(Package::new(&name));
        Ok(())
    }

    fn parse_line(&mut self) -> Result<()> {
        self.pctx.skip_whitespace();
        loop {
            let Some((s, e)) = self.pctx.keyword() else { return Ok(()) };
            let word = self.pctx.span(s, e);
            if word[0] == b'#' {
                return Ok(());
            }
            enum Kw {
                Package,
                Config,
                Option,
                List,
            }
            let kw = match word {
                b"p" | b"package" => Kw::Package,
                b"c" | b"config" => Kw::Config,
                b"o" | b"option" => Kw::Option,
                b"l" | b"list" => Kw::List,
                _ => return Err(self.pctx.error("invalid command")),
            };
            match kw {
                Kw::Package => self.parse_package(e)?,
                Kw::Config => self.parse_config(e)?,
                Kw::Option => self.parse_option(e, false)?,
                Kw::List => self.parse_option(e, true)?,
            }
        }
    }

    fn ensure_package(&mut self) -> Result<()> {
        if self.cur.is_none() {
            if self.name.is_none() {
                return Err(self.pctx.error("attempting to import a file without a package name"));
            }
            self.switch_package()?;
        }
        Ok(())
    }

    fn parse_package(&mut self, end: usize) -> Result<()> {
        self.pctx.skip_keyword(end, "package without name")?;
        let v = self.pctx.next_arg(self.r, true, NameRule::Package)?;
        self.pctx.assert_eol(self.r, self.opts.strict)?;
        if self.opts.single {
            return Ok(());
        }
        self.name = Some(self.pctx.str_at(v).to_vec());
        self.switch_package()
    }

    /// Gives back the spare room of the options of the section statements
    /// went into until now (a section's option list grows by doubling).
    fn close_section(&mut self) {
        if let (Some(si), Some(p)) = (self.section, self.cur.as_mut()) {
            if let Some(s) = p.sections.get_mut(si) {
                s.options.shrink_to_fit();
            }
        }
    }

    fn parse_config(&mut self, end: usize) -> Result<()> {
        self.close_section();
        self.ensure_package()?;
        self.pctx.skip_keyword(end, "config without name")?;
        let (t, te) = self.pctx.next_arg_span(self.r, true, NameRule::None)?;
        if !valid_type(self.pctx.span(t, te)) {
            return Err(self.pctx.error("invalid character in type field"));
        }
        let (n, ne) = self.pctx.next_arg_span(self.r, false, NameRule::Name)?;
        self.pctx.assert_eol(self.r, self.opts.strict)?;
        let p = self.cur.as_mut().expect("package ensured");
        let internal = !p.has_delta;
        if n == ne {
            self.section = Some(edit::add_section(p, self.pctx.span(t, te), internal));
            return Ok(());
        }
        let existing = p.section_index(self.pctx.span(n, ne));
        if let Some(si) = existing {
            if self.opts.strict && p.sections[si].stype != self.pctx.span(t, te) {
                return Err(self.pctx.error("section of different type overwrites prior section with same name"));
            }
        }
        if internal {
            // what `edit::set` does here, without building a pointer
            let (_, si) = edit::put_section(p, existing, self.pctx.span(n, ne), self.pctx.span(t, te));
            self.section = Some(si);
            return Ok(());
        }
        let stype = self.pctx.span(t, te).to_vec();
        let name = self.pctx.span(n, ne).to_vec();
        let mut ptr = Ptr {
            target: Target::Section,
            flags: LOOKUP_DONE,
            package: Some(p.name.clone()),
            section: Some(name),
            value: Some(stype),
            s: existing,
            ..Default::default()
        };
        edit::set(p, &mut ptr, internal)?;
        self.section = ptr.s;
        Ok(())
    }

    fn parse_option(&mut self, end: usize, list: bool) -> Result<()> {
        self.ensure_package()?;
        let Some(si) = self.section else {
            return Err(self.pctx.error("option/list command found before the first section"));
        };
        self.pctx.skip_keyword(end, "option without name")?;
        let (n, ne) = self.pctx.next_arg_span(self.r, true, NameRule::Name)?;
        let (v, ve) = self.pctx.next_arg_span(self.r, false, NameRule::None)?;
        self.pctx.assert_eol(self.r, self.opts.strict)?;
        let p = self.cur.as_mut().expect("package ensured");
        let internal = !p.has_delta;
        if internal && (list || !self.pctx.span(v, ve).is_empty()) {
            // what `edit::add_list` / `edit::set` do here, without building
            // a pointer
            let name = Text::from(self.pctx.span(n, ne));
            let value = Text::from(self.pctx.span(v, ve));
            let oi = p.sections[si].option_index(&name);
            if list {
                edit::put_list_item(p, si, oi, name, value);
            } else {
                edit::put_option(p, si, oi, name, value);
            }
            return Ok(());
        }
        let name = self.pctx.span(n, ne).to_vec();
        let value = self.pctx.span(v, ve).to_vec();
        let mut ptr = Ptr {
            target: Target::Option,
            flags: LOOKUP_DONE,
            package: Some(p.name.clone()),
            section: Some(p.sections[si].name.to_vec()),
            s: Some(si),
            o: p.sections[si].option_index(&name),
            option: Some(name),
            value: Some(value),
            ..Default::default()
        };
        if list {
            edit::add_list(p, &mut ptr, internal)?;
        } else {
            edit::set(p, &mut ptr, internal)?;
        }
        Ok(())
    }
}

/// Parses a whole config text as package `name` (strict), for tests and tools.
pub fn parse_package(data: &[u8], name: &[u8], strict: bool) -> std::result::Result<Package, (Error, Pctx)> {
    let mut pctx = Pctx::new();
    let mut r = Stream::from_bytes(data);
    let opts = ImportOptions { strict, single: true, name: Some(name.to_vec()) };
    let mut im = import(&mut pctx, &mut r, &opts, None, &|_| false, &mut |_, _| {});
    match im.result {
        Ok(()) => Ok(im.packages.pop().unwrap_or_else(|| Package::new(name))),
        Err(e) => Err((e, pctx)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    fn err(data: &[u8]) -> (String, u32, usize) {
        let (_, p) = parse_package(data, b"t", true).unwrap_err();
        (p.reason.unwrap_or("?").to_string(), p.line, p.byte)
    }

    #[test]
    fn error_positions() {
        assert_eq!(err(b"\tfoo a 1\n"), ("invalid command".into(), 1, 1));
        assert_eq!(err(b"package"), ("package without name".into(), 0, 0));
        assert_eq!(err(b"config \n"), ("insufficient arguments".into(), 1, 8));
        assert_eq!(err(b"config '' bar\n"), ("insufficient arguments".into(), 1, 10));
        assert_eq!(err(b"package \n"), ("insufficient arguments".into(), 1, 9));
        assert_eq!(err(b"config foo b-r\n"), ("invalid character in name field".into(), 1, 15));
        assert_eq!(err(b"config \"f o\" bar\n"), ("invalid character in type field".into(), 1, 13));
        assert_eq!(err(b"config foo bar baz\n"), ("too many arguments".into(), 1, 19));
        assert_eq!(err(b"config foo bar\noption a b c\n"), ("too many arguments".into(), 2, 13));
        assert_eq!(err(b"option a b"), ("option/list command found before the first section".into(), 0, 0));
        assert_eq!(err(b"config foo bar\nconfig baz bar\n"), ("section of different type overwrites prior section with same name".into(), 2, 15));
        assert_eq!(err(b"config alias' 'a'\n"), ("EOF with unterminated '".into(), 1, 18));
        assert_eq!(err(b"\n\n\nconfig foo bar\n\toption a 'x\ny\nz\n"), ("EOF with unterminated '".into(), 7, 17));
        assert_eq!(err(b"package\n"), ("invalid command".into(), 1, 0));
    }

    #[test]
    fn semicolons_and_values() {
        let p = parse_package(b"config foo bar; option a b\n", b"t", true).unwrap();
        assert!(p.sections[0].options.is_empty());
        let p = parse_package(b"config foo \"bar\";option c d\n", b"t", true).unwrap();
        assert_eq!(p.sections[0].options[0].value, Value::Str(b"d".into()));
        let p = parse_package(b"config foo bar\noption a x\noption a ''\nlist l\n", b"t", true).unwrap();
        assert_eq!(p.sections[0].options[0].value, Value::Str(b"x".into()));
        assert_eq!(p.sections[0].options[1].value, Value::List(vec![vec![].into()]));
    }

    #[test]
    fn anonymous_names() {
        let p = parse_package(b"config interface 'lan'\nconfig interface\n", b"t", true).unwrap();
        assert_eq!(p.sections[1].name, b"cfg026d96");
        assert!(p.sections[1].anonymous);
    }
}
