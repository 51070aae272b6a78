//! The reasm stage's session directory in RTL (the Verilated `hdl::reasm::directory`: bucket lines
//! in external memory behind AXI4, answers a fixed `LOOKUP_CYCLES` after each request, changed
//! lines forwarded on chip) against the model's placement rule (`model::reasm::table::Placement`
//! and a map from session to bucket, as the model's stage keeps them), on requests every two or
//! more cycles: few sessions in few buckets (full buckets, both candidates one bucket, the same
//! session opened, found and removed back to back), memories of random latency within the budget,
//! a memory too slow (every answer late, nothing changed) and one with half the bandwidth (some
//! answers late, the others still the model's).
//! Per answer: found / placed / full and the bucket must be the model's; the way must be one the
//! session holds (found) or one that was free (placed); at the end every bucket line in memory
//! must hold exactly the model's sessions.

use proptest::prelude::*;
use std::collections::HashMap;
use vantage_hdl::reasm::directory::{OP_FIND, OP_OPEN, OP_REMOVE};
use vantage_model::reasm::table::Placement;
use vantage_proto::conn::SynKey;
use vantage_proto::flowhash::ipv4_as_16;
use vantage_proto::reasm::directory::{way_key, LOOKUP_CYCLES, WRITE_CYCLES};
use vantage_proto::reasm::{session_buckets, DEFAULT_SESSION_KEY, SESSION_WAYS};
use vantage_sim::axi_mem::MemTiming;
use vantage_sim::directory::{DirAnswer, DirRequest, DirectorySim};

/// A session: its way key and candidate buckets at `bits` bucket bits.
fn session(i: u32, v6: bool, bits: u32) -> (u128, [usize; 2]) {
    let a = 0x0a00_0000u32 + i * 7919;
    let b = 0xc0a8_0000u32 + i % 5;
    let (addr_a, addr_b) = if v6 {
        let mut x = [0u8; 16];
        x[0] = 0x20;
        x[1] = 0x01;
        x[12..].copy_from_slice(&a.to_be_bytes());
        let mut y = x;
        y[12..].copy_from_slice(&b.to_be_bytes());
        (x, y)
    } else {
        (ipv4_as_16(a.to_be_bytes()), ipv4_as_16(b.to_be_bytes()))
    };
    let k = SynKey::of(v6, (addr_a, 40000 + i as u16), (addr_b, 443)).0;
    (
        way_key(&DEFAULT_SESSION_KEY, &k),
        session_buckets(&DEFAULT_SESSION_KEY, &k, bits),
    )
}

/// One request and the idle cycles after the one before (at least one: requests are two cycles
/// apart at least).
#[derive(Clone, Copy, Debug)]
struct Step {
    gap: u64,
    op: u8,
    session: u32,
}

/// The model's side: sessions and their buckets, and the placement rule.
struct Reference {
    placement: Placement,
    at: HashMap<u128, usize>,
}

impl Reference {
    /// What the model does with a request: (found, placed, full, bucket when found or placed).
    fn apply(
        &mut self,
        op: u8,
        key: u128,
        choices: [usize; 2],
    ) -> (bool, bool, bool, Option<usize>) {
        if let Some(&b) = self.at.get(&key) {
            if op == OP_REMOVE {
                self.placement.remove(b);
                self.at.remove(&key);
            }
            return (true, false, false, Some(b));
        }
        if op != OP_OPEN {
            return (false, false, false, None);
        }
        match self.placement.place(choices) {
            Some(b) => {
                self.at.insert(key, b);
                (false, true, false, Some(b))
            }
            None => (false, false, true, None),
        }
    }
}

/// Figures of a run.
#[derive(Debug, Default)]
struct Run {
    answers: usize,
    late: usize,
    placed: usize,
    full: usize,
    found: usize,
    /// Requests refused (too close behind another, or the ring full).
    refused: usize,
    /// Requests sent one cycle behind another on purpose (refused when the one before was taken).
    spacing_refused: usize,
    /// Changes refused for room on chip (answered late).
    no_room: usize,
}

/// Drive the RTL with `steps` and check every answer against the model; returns the figures.
fn run(steps: &[Step], bits: u32, v6_every: u32, timing: MemTiming) -> Run {
    let mut rtl = DirectorySim::new(timing);
    let mut reference = Reference {
        placement: Placement::new(bits),
        at: HashMap::new(),
    };
    // The ways of each bucket as the answers tell them (bucket -> way -> key).
    let mut ways: HashMap<u32, [Option<u128>; SESSION_WAYS]> = HashMap::new();
    let mut pending = std::collections::VecDeque::new();
    let mut figures = Run::default();
    let mut check = |a: DirAnswer, req: DirRequest, figures: &mut Run| {
        figures.answers += 1;
        assert_eq!(a.op, req.op, "answers come in request order");
        if a.late {
            figures.late += 1;
            assert!(
                !a.found && !a.placed && !a.full,
                "a late answer says nothing: {a:?}"
            );
            return;
        }
        let choices = [req.b1 as usize, req.b2 as usize];
        let (found, placed, full, bucket) = reference.apply(req.op, req.key, choices);
        assert_eq!(
            (a.found, a.placed, a.full),
            (found, placed, full),
            "request {req:?}: RTL {a:?}; model has it at {bucket:?}; answers so far {}",
            figures.answers
        );
        figures.found += usize::from(found);
        figures.placed += usize::from(placed);
        figures.full += usize::from(full);
        if let Some(b) = bucket {
            assert_eq!(a.bucket as usize, b, "bucket of {req:?}: RTL {a:?}");
            assert_eq!(
                a.bucket,
                if a.choice { req.b2 } else { req.b1 },
                "choice of {a:?}"
            );
            let line = ways.entry(a.bucket).or_default();
            let w = usize::from(a.way);
            if found {
                assert_eq!(line[w], Some(req.key), "found {req:?} at way {w}");
                if req.op == OP_REMOVE {
                    line[w] = None;
                }
            } else {
                assert_eq!(line[w], None, "placed {req:?} at a taken way {w}");
                assert!(
                    line[..w].iter().all(Option::is_some),
                    "placed {req:?} above a free way"
                );
                line[w] = Some(req.key);
            }
        }
    };
    // One cycle: a request or none; a refusal (the cycle after a request) takes it back.
    let mut tick = |rtl: &mut DirectorySim,
                    req: Option<DirRequest>,
                    pending: &mut std::collections::VecDeque<DirRequest>,
                    figures: &mut Run| {
        let c = rtl.step(req.as_ref());
        if c.refused {
            pending.pop_back().expect("a refusal without a request");
            figures.refused += 1;
        }
        if let Some(a) = c.answer {
            let r = pending.pop_front().expect("an answer without a request");
            check(a, r, figures);
        }
        if let Some(r) = req {
            pending.push_back(r);
        }
    };
    for s in steps {
        for _ in 0..s.gap {
            tick(&mut rtl, None, &mut pending, &mut figures);
        }
        let (key, [b1, b2]) = session(s.session, s.session % v6_every == 0, bits);
        let req = DirRequest {
            op: s.op,
            key,
            b1: b1 as u32,
            b2: b2 as u32,
        };
        tick(&mut rtl, Some(req), &mut pending, &mut figures);
        // A request right behind a taken one is refused and never answered.
        if s.gap == 1 && s.session % 3 == 0 {
            let before = figures.refused;
            tick(&mut rtl, Some(req), &mut pending, &mut figures);
            let first_taken = figures.refused == before;
            let before = figures.refused;
            tick(&mut rtl, None, &mut pending, &mut figures);
            if first_taken {
                assert_eq!(
                    figures.refused,
                    before + 1,
                    "a request one cycle after another is refused"
                );
            }
            figures.spacing_refused += 1;
        }
    }
    // Drain: every answer, the write queue on chip, the memory.
    let settle = u64::from(LOOKUP_CYCLES + WRITE_CYCLES);
    let mut quiet = 0;
    let mut cycles = 0u64;
    while quiet < settle {
        tick(&mut rtl, None, &mut pending, &mut figures);
        quiet = if pending.is_empty() && rtl.memory_idle() {
            quiet + 1
        } else {
            0
        };
        cycles += 1;
        assert!(
            cycles < 1_000_000,
            "never drained: {:?}",
            rtl.memory_in_flight()
        );
    }
    figures.no_room = rtl.errors().no_room as usize;
    assert_eq!(rtl.errors().mem_error, 0);
    // Memory holds exactly the model's sessions, where the answers put them.
    for b in 0..(1u32 << bits) {
        let mut held: Vec<u128> = rtl.bucket(b).iter().flatten().copied().collect();
        let mut model: Vec<u128> = reference
            .at
            .iter()
            .filter(|(_, &at)| at == b as usize)
            .map(|(k, _)| *k)
            .collect();
        held.sort();
        model.sort();
        assert_eq!(held, model, "bucket {b}");
        assert_eq!(reference.placement.fill(b as usize), model.len());
        assert_eq!(
            rtl.bucket(b),
            ways.get(&b).copied().unwrap_or_default(),
            "ways of {b}"
        );
    }
    figures
}

/// A memory within the directory's budget: its two reads per request (`LOOKUP_CYCLES - 7`).
fn in_budget(seed: u64) -> MemTiming {
    MemTiming::in_budget(LOOKUP_CYCLES, 2, seed)
}

fn steps(sessions: u32, len: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (1u64..4, 0u8..10, 0..sessions).prop_map(|(gap, op, session)| Step {
            gap: if gap == 3 { 7 } else { gap },
            op: match op {
                0..=4 => OP_OPEN,
                5..=7 => OP_FIND,
                _ => OP_REMOVE,
            },
            session,
        }),
        len,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Few sessions in 8 buckets: full buckets, refusals, back-to-back requests of one session.
    #[test]
    fn the_directory_places_and_finds_as_the_model(s in steps(48, 1500), seed in any::<u64>()) {
        // the first request in the first cycle out of reset
        let mut s = s;
        s[0].gap = 0;
        let r = run(&s, 3, 4, in_budget(seed));
        prop_assert_eq!(r.late, 0);
        prop_assert_eq!(r.refused, r.spacing_refused);
        prop_assert!(r.full > 0, "{:?}", r);
        prop_assert!(r.placed > 0 && r.found > 0);
    }

    /// Any memory, in or far out of the budget (latency up to twice it, a fifth of the bandwidth
    /// to all of it): answers go late, changes are refused for room, but no answer that is given
    /// disagrees with the model and memory ends holding the model's sessions.
    #[test]
    fn any_memory_keeps_the_directory_consistent(
        s in steps(64, 1200),
        read in (2u32..2 * LOOKUP_CYCLES, 0u32..64),
        write in (1u32..2 * WRITE_CYCLES, 0u32..64),
        fifths in 1u32..=10,
        seed in any::<u64>(),
    ) {
        let t = MemTiming {
            read_min: read.0,
            read_max: read.0 + read.1,
            write_min: write.0,
            write_max: write.0 + write.1,
            beats_per_cycle: f64::from(fifths) / 5.0,
            max_reads: 256,
            seed,
        };
        let r = run(&s, 4, 3, t);
        prop_assert_eq!(r.answers + r.refused, s.len() + r.spacing_refused);
    }

    /// One bucket: both candidates are the same line.
    #[test]
    fn one_bucket_is_one_candidate(s in steps(8, 400), seed in any::<u64>()) {
        let r = run(&s, 0, 2, in_budget(seed));
        prop_assert_eq!(r.late, 0);
    }
}

/// A session opened, found and removed every two cycles, in a memory at the budget's edge: every
/// request must see the change of the one before it, which memory has not applied yet.
#[test]
fn back_to_back_changes_are_forwarded() {
    let mut s = Vec::new();
    for i in 0..600u32 {
        s.push(Step {
            gap: 1,
            op: [OP_OPEN, OP_FIND, OP_REMOVE, OP_OPEN, OP_OPEN, OP_REMOVE][(i % 6) as usize],
            session: (i / 6) % 5,
        });
    }
    let mut t = in_budget(7);
    t.read_min = LOOKUP_CYCLES - 7;
    t.write_min = WRITE_CYCLES;
    let r = run(&s, 2, 3, t);
    eprintln!("back to back: {r:?}");
    assert_eq!(r.late, 0);
    assert!(r.found > 300 && r.placed > 150, "{r:?}");
}

/// A memory slower than the budget: every answer is late and nothing changes.
#[test]
fn a_slow_memory_makes_every_answer_late() {
    let s: Vec<Step> = (0..200u32)
        .map(|i| Step {
            gap: 2,
            op: OP_OPEN,
            session: i,
        })
        .collect();
    let r = run(&s, 4, 5, MemTiming::fixed(LOOKUP_CYCLES + 20, 10));
    assert_eq!((r.answers, r.late, r.placed), (200, 200, 0));
}

/// A memory with half the bandwidth a request every two cycles needs, in bursts of 400 requests
/// with quiet stretches between: answers fall late and say so; the others still agree with the
/// model, which never saw the late ones.
#[test]
fn too_little_bandwidth_loses_answers_not_consistency() {
    let s: Vec<Step> = (0..3000u32)
        .map(|i| Step {
            gap: if i % 400 == 0 { 2000 } else { 1 },
            op: [OP_OPEN, OP_FIND, OP_REMOVE][(i % 3) as usize],
            session: (i * 7) % 200,
        })
        .collect();
    let mut t = in_budget(3);
    t.read_max = 40;
    t.beats_per_cycle = 0.5;
    let r = run(&s, 5, 4, t);
    eprintln!("too little bandwidth: {r:?}");
    // each burst's first requests are answered in time, before the memory's queue builds up
    assert!(r.late > 0 && r.answers - r.late > 100, "{r:?}");
    assert!(r.placed > 0 && r.found > 0);
}
