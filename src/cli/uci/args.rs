//! glibc `getopt` for `uci` (cli.md §1): option string `c:C:d:f:LmnNp:P:qsSt:X`,
//! argument permutation, `--`, grouped flags, `POSIXLY_CORRECT`.

/// One step of option parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opt {
    /// An option letter with its argument, if it takes one.
    Flag(u8, Option<Vec<u8>>),
    /// `invalid option -- 'x'`
    Invalid(u8),
    /// `option requires an argument -- 'x'`
    MissingArg(u8),
}

const WITH_ARG: &[u8] = b"cCdfpPt";
const FLAGS: &[u8] = b"LmnNqsSX";

/// Parses `args` (without argv\[0\]). Options come out in order, stopping
/// after the first error; the second value is the remaining operands.
pub fn getopt(args: &[Vec<u8>], posixly_correct: bool) -> (Vec<Opt>, Vec<Vec<u8>>) {
    let mut opts = vec![];
    let mut operands = vec![];
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == b"--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if a.len() < 2 || a[0] != b'-' {
            if posixly_correct {
                operands.push(a.clone());
                operands.extend(args[i..].iter().cloned());
                break;
            }
            operands.push(a.clone());
            continue;
        }
        let mut j = 1;
        while j < a.len() {
            let c = a[j];
            j += 1;
            if WITH_ARG.contains(&c) {
                if j < a.len() {
                    opts.push(Opt::Flag(c, Some(a[j..].to_vec())));
                } else if i < args.len() {
                    opts.push(Opt::Flag(c, Some(args[i].clone())));
                    i += 1;
                } else {
                    opts.push(Opt::MissingArg(c));
                    return (opts, operands);
                }
                break;
            } else if FLAGS.contains(&c) {
                opts.push(Opt::Flag(c, None));
            } else {
                opts.push(Opt::Invalid(c));
                return (opts, operands);
            }
        }
    }
    (opts, operands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<Vec<u8>> {
        s.iter().map(|x| x.as_bytes().to_vec()).collect()
    }

    #[test]
    fn permutation() {
        let (o, r) = getopt(&v(&["get", "a.b.c", "-q"]), false);
        assert_eq!(o, vec![Opt::Flag(b'q', None)]);
        assert_eq!(r, v(&["get", "a.b.c"]));
        let (o, r) = getopt(&v(&["show", "--", "-X"]), false);
        assert!(o.is_empty());
        assert_eq!(r, v(&["show", "-X"]));
        let (o, _) = getopt(&v(&["-cdir", "-qX", "-t", "d"]), false);
        assert_eq!(o.len(), 4);
        let (o, _) = getopt(&v(&["--help"]), false);
        assert_eq!(o, vec![Opt::Invalid(b'-')]);
        let (o, _) = getopt(&v(&["show", "-c"]), false);
        assert_eq!(o, vec![Opt::MissingArg(b'c')]);
        let (_, r) = getopt(&v(&["show", "-q"]), true);
        assert_eq!(r, v(&["show", "-q"]));
    }
}
