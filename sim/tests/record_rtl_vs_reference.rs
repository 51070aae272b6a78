//! One beat's port of the reasm stage's session record in RTL (the Verilated
//! `hdl::reasm::record`: the read-modify-write leaf `widgets/line_rmw.v` with the record's
//! parameters, its memory channel from `axi_mem`) against the plainest reference there is: a map
//! from index to the line last written. The caller here reads a line, checks it, and writes back
//! a line that counts the updates of that index, so a lost or stale update shows at the next
//! answer of the same index; requests come every two or more cycles, a few indices back to back.
//! Per answer in time: the line is the reference's (zeros for a request that does not read);
//! late answers and answers without room take no update; an update that is not allowed is
//! refused (bad_update) and changes nothing. At the end memory holds the reference's lines.

use proptest::prelude::*;
use std::collections::{HashMap, VecDeque};
use vantage_proto::reasm::directory::WRITE_CYCLES;
use vantage_proto::reasm::record::RECORD_CYCLES;
use vantage_sim::axi_mem::{Line, MemTiming};
use vantage_sim::record::{RecAnswer, RecRequest, RecordSim};

/// One request and the idle cycles before it (at least one after the request before).
#[derive(Clone, Copy, Debug)]
struct Step {
    gap: u64,
    index: u32,
    /// Read the line (else start it afresh).
    read: bool,
    /// Write a changed line back when allowed.
    update: bool,
    /// Also send an update the cycle after the one allowed (refused: bad_update).
    stray: bool,
}

/// Figures of a run.
#[derive(Debug, Default)]
struct Run {
    answers: usize,
    late: usize,
    no_room: usize,
    updates: usize,
    bad_updates: usize,
    refused: usize,
}

/// The line the caller writes back: the index, the tag, and one more than the count the line
/// held.
fn changed(a: &RecAnswer) -> Line {
    let mut l = a.line;
    l[0] = a.index;
    l[1] = a.tag;
    l[2] = a.line[2].wrapping_add(1);
    l[15] = !a.index;
    l
}

/// The caller around the port, with the reference.
struct Caller {
    rtl: RecordSim,
    reference: HashMap<u32, Line>,
    pending: VecDeque<(RecRequest, Step)>,
    /// The update for the next cycle, and a stray one for the cycle after it.
    update: Option<Line>,
    stray: Option<Line>,
    /// Stray updates sent (each must be refused).
    strays: usize,
    figures: Run,
}

impl Caller {
    /// One cycle, with a request or none.
    fn tick(&mut self, req: Option<(RecRequest, Step)>) {
        // This cycle's update: the one the last answer allowed, else a stray one (not allowed).
        let this = self.update.take().or_else(|| {
            let s = self.stray.take();
            self.strays += usize::from(s.is_some());
            s
        });
        let c = self.rtl.step(req.as_ref().map(|(r, _)| r), this.as_ref());
        let figures = &mut self.figures;
        if c.refused {
            self.pending
                .pop_back()
                .expect("a refusal without a request");
            figures.refused += 1;
        }
        figures.bad_updates += usize::from(c.bad_update);
        if let Some(a) = c.answer {
            let (r, s) = self
                .pending
                .pop_front()
                .expect("an answer without a request");
            figures.answers += 1;
            assert_eq!(
                (a.index, a.tag),
                (r.index, r.tag),
                "answers in request order"
            );
            if a.late {
                figures.late += 1;
            } else {
                let want = if r.read {
                    self.reference.get(&r.index).copied().unwrap_or_default()
                } else {
                    Line::default()
                };
                assert_eq!(
                    a.line, want,
                    "answer {} for {r:?}: line differs from the last written",
                    figures.answers
                );
                if !a.room {
                    figures.no_room += 1;
                } else if s.update {
                    let l = changed(&a);
                    self.reference.insert(r.index, l);
                    self.update = Some(l);
                    figures.updates += 1;
                    if s.stray {
                        let mut junk = l;
                        junk[3] ^= 0xdead;
                        self.stray = Some(junk);
                    }
                }
            }
        }
        if let Some(r) = req {
            self.pending.push_back(r);
        }
    }
}

fn run(steps: &[Step], timing: MemTiming) -> Run {
    let mut c = Caller {
        rtl: RecordSim::new(timing),
        reference: HashMap::new(),
        pending: VecDeque::new(),
        update: None,
        stray: None,
        strays: 0,
        figures: Run::default(),
    };
    let mut tag = 0u32;
    for s in steps {
        for _ in 0..s.gap {
            c.tick(None);
        }
        tag = (tag + 1) & 0xffff;
        let req = RecRequest {
            index: s.index,
            read: s.read,
            tag,
        };
        c.tick(Some((req, *s)));
    }
    let settle = u64::from(RECORD_CYCLES + WRITE_CYCLES);
    let (mut quiet, mut cycles) = (0, 0u64);
    while quiet < settle {
        c.tick(None);
        let idle =
            c.pending.is_empty() && c.update.is_none() && c.stray.is_none() && c.rtl.memory_idle();
        quiet = if idle { quiet + 1 } else { 0 };
        cycles += 1;
        assert!(cycles < 1_000_000, "never drained");
    }
    assert_eq!(
        c.figures.bad_updates, c.strays,
        "stray updates refused, and only they"
    );
    assert_eq!(c.rtl.mem_errors(), 0);
    for (index, line) in &c.reference {
        assert_eq!(&c.rtl.line(*index), line, "memory's line {index}");
    }
    c.figures
}

/// A memory within a record port's budget: one read per request (`RECORD_CYCLES - 6`).
fn in_budget(seed: u64) -> MemTiming {
    MemTiming::in_budget(RECORD_CYCLES, 1, seed)
}

fn steps(indices: u32, len: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        // Requests 2, 3, 4 and 10 cycles apart: the update of the answer before arrives in S3,
        // in S2, the cycle before S2, or is in the forwarding table when S1 searches it.
        (1u64..5, 0..indices, 0u8..10, any::<bool>(), 0u8..8).prop_map(
            |(gap, index, kind, update, stray)| Step {
                gap: if gap == 4 { 9 } else { gap },
                index,
                read: kind != 0,
                update: update || kind == 0,
                stray: stray == 0,
            },
        ),
        len,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A memory within the budget: no answer late, every answer the last line written.
    #[test]
    fn every_answer_holds_the_updates_before_it(s in steps(12, 1500), seed in any::<u64>()) {
        let r = run(&s, in_budget(seed));
        prop_assert_eq!(r.late, 0);
        prop_assert_eq!(r.refused, 0);
        prop_assert!(r.updates > s.len() / 4, "{:?}", r);
    }

    /// Any memory, in or far out of the budget: answers go late, but no answer in time holds a
    /// stale line, and memory ends holding the reference's.
    #[test]
    fn any_memory_keeps_the_lines_consistent(
        s in steps(16, 1200),
        read in (2u32..2 * RECORD_CYCLES, 0u32..64),
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
        let r = run(&s, t);
        prop_assert_eq!(r.answers + r.refused, s.len());
    }
}

/// One index updated every two cycles at the budget's edge: each answer must hold the update of
/// the answer two cycles before it, which memory has not seen yet.
#[test]
fn back_to_back_updates_of_one_index() {
    let s: Vec<Step> = (0..2000)
        .map(|i| Step {
            gap: 1,
            index: 5,
            read: i % 97 != 0,
            update: true,
            stray: false,
        })
        .collect();
    let mut t = in_budget(7);
    t.read_min = RECORD_CYCLES - 6;
    t.write_min = WRITE_CYCLES;
    let r = run(&s, t);
    eprintln!("back to back: {r:?}");
    assert_eq!((r.late, r.no_room), (0, 0));
    assert_eq!(r.updates, 2000);
}
