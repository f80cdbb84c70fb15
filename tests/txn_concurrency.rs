//! Concurrency: several writer processes set different options of one
//! package and commit (`uci commit` and `ucix commit` mixed) while reader
//! processes read it. No update is lost; no reader ever sees a torn or
//! stale-inode file or an error.

mod common;
mod txn_support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use common::{TestEnv, say};
use txn_support::*;

const WRITERS: usize = 4;
const ROUNDS: usize = 15;

#[test]
fn concurrent_writers_lose_no_update_and_readers_never_see_a_torn_file() {
    let env = Arc::new(TestEnv::new("txn_concurrency"));
    env.write("config/net", "config sect 'main'\n\toption base 'b'\n");
    std::fs::create_dir_all(env.savedir()).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut readers = vec![];
    for r in 0..2 {
        let (env, done, reads) = (env.clone(), done.clone(), reads.clone());
        readers.push(std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if r == 0 {
                    let out = uci(&env, &["show", "net"]);
                    assert_eq!(out.status, 0, "reader: {out:?}");
                    assert!(out.stdout.starts_with("net.main=sect\nnet.main.base='b'\n"), "reader saw {:?}", out.stdout);
                } else {
                    let bytes = read(&env.confdir().join("net"));
                    assert!(complete_config(&bytes, "net"), "torn file: {:?}", String::from_utf8_lossy(&bytes));
                    assert!(bytes.windows(15).any(|w| w == b"option base 'b'"));
                }
                reads.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let mut writers = vec![];
    for w in 0..WRITERS {
        let env = env.clone();
        writers.push(std::thread::spawn(move || {
            for k in 0..ROUNDS {
                ok(&uci(&env, &["set", &format!("net.main.w{w}_{k}=v{k}")]));
                if (w + k) % 2 == 0 {
                    ok(&uci(&env, &["commit", "net"]));
                } else {
                    ok(&ucix(&env, &["commit", "net"]));
                }
            }
        }));
    }
    for t in writers {
        t.join().expect("writer");
    }
    done.store(true, Ordering::SeqCst);
    for t in readers {
        t.join().expect("reader");
    }
    let text = String::from_utf8(read(&env.confdir().join("net"))).unwrap();
    let mut missing = vec![];
    for w in 0..WRITERS {
        for k in 0..ROUNDS {
            if !text.contains(&format!("\toption w{w}_{k} 'v{k}'\n")) {
                missing.push(format!("w{w}_{k}"));
            }
        }
    }
    assert!(missing.is_empty(), "lost updates: {missing:?} in\n{text}");
    assert_eq!(read(&env.savedir().join("net")), b"", "changes left pending");
    assert_eq!(leftovers(&env), Vec::<String>::new());
    say(format!(
        "concurrency: {WRITERS} writers x {ROUNDS} set+commit, {} reads: no lost update, no torn file",
        reads.load(Ordering::SeqCst)
    ));
}
