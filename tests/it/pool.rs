//! The socket pool's limits hold whatever happens: random requests, completions, failures,
//! releases with and without keep-alive, preconnects and the passing of time.

use proptest::prelude::*;
use wirewalk::model::pool::{Output, Pool, Priority, MAX_SOCKETS_PER_GROUP};
use wirewalk::model::time::{Duration, Instant};

#[derive(Clone, Debug)]
enum Op {
    Request(usize, u8),
    Complete(usize),
    Fail(usize),
    Release(usize, bool),
    Preconnect(usize, usize),
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..4, 0u8..6).prop_map(|(g, p)| Op::Request(g, p)),
        3 => any::<usize>().prop_map(Op::Complete),
        1 => any::<usize>().prop_map(Op::Fail),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(i, k)| Op::Release(i, k)),
        1 => (0usize..4, 0usize..10).prop_map(|(g, n)| Op::Preconnect(g, n)),
        1 => (0u64..400).prop_map(Op::Wait),
    ]
}

fn priority(p: u8) -> Priority {
    [
        Priority::Throttled,
        Priority::Idle,
        Priority::Lowest,
        Priority::Low,
        Priority::Medium,
        Priority::Highest,
    ][usize::from(p % 6)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn limits_hold(ops in prop::collection::vec(op(), 1..120), per_pool in prop::sample::select(vec![8usize, 256])) {
        let groups = ["https://a.example:443", "https://b.example:443", "http://c.example:80", "https://d.example:8443"];
        let mut pool = Pool::new(MAX_SOCKETS_PER_GROUP, per_pool);
        let mut now = Instant::ZERO;
        let (mut jobs, mut sockets) = (Vec::new(), Vec::new());
        let mut next_request = 1;
        for op in ops {
            match op {
                Op::Request(g, p) => {
                    pool.request(now, groups[g], next_request, priority(p));
                    next_request += 1;
                }
                Op::Complete(i) if !jobs.is_empty() => {
                    let job = jobs.remove(i % jobs.len());
                    pool.connect_complete(now, job);
                }
                Op::Fail(i) if !jobs.is_empty() => {
                    let job = jobs.remove(i % jobs.len());
                    pool.connect_failed(now, job);
                }
                Op::Release(i, keep) if !sockets.is_empty() => {
                    let s = sockets.remove(i % sockets.len());
                    pool.release(now, s, keep);
                }
                Op::Preconnect(g, n) => pool.preconnect(now, groups[g], n),
                Op::Wait(s) => {
                    now += Duration::from_secs(s);
                    pool.handle_timeout(now);
                }
                _ => {}
            }
            while let Some(o) = pool.poll_output() {
                match o {
                    Output::ConnectJobStarted { job, .. } => jobs.push(job),
                    Output::Bound { socket, .. } | Output::Reused { socket, .. } | Output::Handed { socket, .. }
                        if !sockets.contains(&socket) =>
                    {
                        sockets.push(socket);
                    }
                    _ => {}
                }
            }
            for g in groups {
                let v = pool.group(g);
                prop_assert!(v.handed_out + v.connecting + v.idle <= MAX_SOCKETS_PER_GROUP, "{g}: {v:?}");
            }
            prop_assert!(pool.total() <= per_pool, "pool holds {} > {per_pool}", pool.total());
        }
    }
}
