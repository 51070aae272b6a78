//! The history unit's RTL (`hdl::stats::hist`, Verilated alone) against its model
//! (`model::stats::hist`), frame by frame: for every frame the whole state vector after it and
//! the "ended" flag must be equal.
//!
//! Traffic: every Zeek test trace and every real capture under ../shared (skipped with a
//! message when absent); generated connections with any flags, sequence jumps, zero windows and
//! timer-length silences (proptest); and arbitrary state vectors, so every rule sees values no
//! trace reaches.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use vantage_model::stats::hist::{HistState, HistTable};
use vantage_model::stats::history::{Segment, Side};
use vantage_proto::flowhash::DEFAULT_KEY;
use vantage_proto::hist::{state_layout, HistPkt, StateBits, STATE_WORDS};
use vantage_sim::hist::HistUnit;

/// Step one connection in both; panic with the first differing fields.
fn step_both(
    unit: &mut HistUnit,
    model: &mut HistState,
    rtl: &mut StateBits,
    fresh: bool,
    p: &HistPkt,
    what: &str,
) -> bool {
    let ended_model = model.step(fresh, p);
    let (out, ended_rtl) = unit.step(rtl, fresh, p);
    let want = model.to_bits();
    if out != want || ended_rtl != ended_model {
        let fields: Vec<String> = state_layout()
            .iter()
            .filter(|s| s.name != "letters" && out.get(s.lo, s.bits) != want.get(s.lo, s.bits))
            .map(|s| {
                format!(
                    "{} rtl {:#x} model {:#x}",
                    s.name,
                    out.get(s.lo, s.bits),
                    want.get(s.lo, s.bits)
                )
            })
            .collect();
        panic!(
            "{what}: frame {p:?} fresh {fresh}: ended rtl {ended_rtl} model {ended_model}; \
             history rtl {:?} model {:?}; fields: {}",
            HistState::from_bits(&out).history(),
            model.history(),
            fields.join(", ")
        );
    }
    *rtl = out;
    ended_model
}

/// Feed a capture; returns frames compared and connections seen.
fn run_capture(unit: &mut HistUnit, path: &Path) -> (usize, usize) {
    let packets = match vantage_capture::read(path) {
        Ok(p) => p,
        Err(e) => {
            println!("  {}: not readable ({e}), skipped", path.display());
            return (0, 0);
        }
    };
    let table = HistTable::new(DEFAULT_KEY);
    let mut conns: HashMap<(u8, Side, Side), (HistState, StateBits)> = HashMap::new();
    let (mut frames, mut started) = (0, 0);
    for pk in &packets {
        let Some(seg) = Segment::from_frame(&pk.data, &DEFAULT_KEY) else {
            continue;
        };
        let Some((key, p)) = table.packet(pk.ts_ns, &seg) else {
            continue;
        };
        let what = path.display().to_string();
        match conns.get_mut(&key) {
            Some((m, r)) => {
                if step_both(unit, m, r, false, &p, &what) {
                    started += 1;
                }
            }
            None => {
                let m = HistState::first(&p);
                let (r, _) = unit.step(&StateBits::default(), true, &p);
                assert_eq!(r, m.to_bits(), "{what}: first frame {p:?}");
                conns.insert(key, (m, r));
                started += 1;
            }
        }
        frames += 1;
    }
    (frames, started)
}

fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            captures(&p, out);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains(".pcap"))
        {
            out.push(p);
        }
    }
}

#[test]
fn rtl_equals_model_on_zeek_traces_and_real_captures() {
    let Some(shared) = vantage_testkit::shared_testdata() else {
        eprintln!("SKIP hist_rtl_vs_model: ../shared/testdata not found (../shared is absent)");
        return;
    };
    let mut files = Vec::new();
    captures(&shared.join("zeek/traces"), &mut files);
    captures(&shared.join("real"), &mut files);
    files.sort();
    let mut unit = HistUnit::new();
    let (mut frames, mut conns) = (0, 0);
    for f in &files {
        let (n, c) = run_capture(&mut unit, f);
        frames += n;
        conns += c;
    }
    println!(
        "history unit, RTL = model: {} captures, {frames} frames, {conns} connections",
        files.len()
    );
    assert!(
        frames > 10_000,
        "only {frames} frames compared: the captures were not read"
    );
}

/// One generated frame: sender, flags, sequence/ack offsets from the sender's/peer's base,
/// window, payload, time since the previous frame.
#[derive(Clone, Debug)]
struct GenFrame {
    side: u8,
    flags: u8,
    seq_off: i64,
    ack_off: i64,
    window: u16,
    plen: u32,
    dt: u64,
}

fn gen_frame() -> impl Strategy<Value = GenFrame> {
    let flags = prop_oneof![
        Just(0x02u8),
        Just(0x12),
        Just(0x10),
        Just(0x18),
        Just(0x11),
        Just(0x04),
        Just(0x14),
        Just(0x05),
        Just(0x03),
        Just(0x00),
        any::<u8>(),
    ];
    let off = prop_oneof![4 => -3000i64..30_000, 1 => any::<u32>().prop_map(|v| v as i64)];
    let dt = prop_oneof![
        8 => 0u64..2_000_000,
        1 => 4_000_000_000u64..13_000_000_000,
        1 => 55_000_000_000u64..320_000_000_000,
    ];
    (
        0u8..2,
        flags,
        off.clone(),
        off,
        prop_oneof![4 => Just(65535u16), 1 => Just(0u16), 1 => any::<u16>()],
        prop_oneof![2 => Just(0u32), 2 => 1u32..1461, 1 => 1u32..70_000],
        dt,
    )
        .prop_map(
            |(side, flags, seq_off, ack_off, window, plen, dt)| GenFrame {
                side,
                flags,
                seq_off,
                ack_off,
                window,
                plen,
                dt,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Generated connections: every frame's state equal.
    #[test]
    fn rtl_equals_model_on_generated_connections(
        frames in prop::collection::vec(gen_frame(), 1..60),
        base in any::<[u32; 2]>(),
        udp in prop::bool::weighted(0.1),
        ports in any::<u8>(),
    ) {
        let mut unit = HistUnit::new();
        let mut ts = 1_000_000_000_000u64;
        let mut model = HistState::first(&HistPkt::default());
        let mut rtl = StateBits::default();
        for (i, f) in frames.iter().enumerate() {
            ts += f.dt;
            let p = HistPkt {
                side: f.side,
                ts,
                tcp: !udp,
                flags: f.flags,
                seq: base[f.side as usize].wrapping_add(f.seq_off as u32),
                ack: base[1 - f.side as usize].wrapping_add(f.ack_off as u32),
                window: f.window,
                payload_len: f.plen,
                ip_len: f.plen + 40,
                srv_src: ports & 1 != 0,
                srv_dst: ports & 2 != 0,
                sport_lt_dport: ports & 4 != 0,
                dst_bcast: ports & 8 != 0,
            };
            step_both(&mut unit, &mut model, &mut rtl, i == 0, &p, "generated");
        }
    }

    /// Arbitrary state vectors, one frame each. Times lie within 80 s before to 20 s after the
    /// frame, so every timer rule is reached; counts stay below overflow.
    #[test]
    fn rtl_equals_model_from_arbitrary_states(
        words in prop::collection::vec(any::<u32>(), STATE_WORDS),
        f in gen_frame(),
        ts in (1u64 << 40)..(1 << 60),
        times in prop::collection::vec(-80_000_000_000i64..20_000_000_000, 5),
        udp in prop::bool::weighted(0.1),
        ports in any::<u8>(),
    ) {
        let mut bits = StateBits::default();
        bits.0.copy_from_slice(&words);
        let mut times = times.into_iter();
        for s in state_layout() {
            if ["last_ns", "start_ns", "exp", "att", "del"].contains(&s.name.as_str()) {
                let t = ts.wrapping_add_signed(times.next().unwrap_or(0));
                bits.put(s.lo, 64, t);
            } else if s.bits == 64 {
                let v = bits.get(s.lo, 64) & ((1 << 60) - 1);
                bits.put(s.lo, 64, v);
            }
        }
        // Bits above the state's width are not part of it.
        let top = vantage_proto::hist::STATE_BITS;
        for b in top..STATE_WORDS * 32 {
            bits.put(b, 1, 0);
        }
        let mut model = HistState::from_bits(&bits);
        prop_assert_eq!(model.to_bits(), bits.clone());
        let mut rtl = bits;
        let p = HistPkt {
            side: f.side,
            ts,
            tcp: !udp,
            flags: f.flags,
            seq: f.seq_off as u32,
            ack: f.ack_off as u32,
            window: f.window,
            payload_len: f.plen,
            ip_len: f.plen + 40,
            srv_src: ports & 1 != 0,
            srv_dst: ports & 2 != 0,
            sport_lt_dport: ports & 4 != 0,
            dst_bcast: ports & 8 != 0,
        };
        UNIT.with(|u| step_both(&mut u.borrow_mut(), &mut model, &mut rtl, false, &p, "arbitrary state"));
    }
}

thread_local! {
    /// One Verilated unit per test thread (it keeps no state between steps: each step's state
    /// goes in with the frame and comes out `HIST_REGS` edges later).
    static UNIT: std::cell::RefCell<HistUnit> = std::cell::RefCell::new(HistUnit::new());
}
