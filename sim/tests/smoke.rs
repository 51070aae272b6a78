mod common;

use vantage_proto::regs;
use vantage_sim::Sim;

#[test]
fn id_block_reads_back() {
    let mut sim = Sim::new().unwrap();
    assert_eq!(sim.read32(regs::id::BASE as u32).unwrap(), regs::id::TYPE);
    assert_eq!(
        sim.read32((regs::id::BASE + regs::BLOCK_NEXT) as u32)
            .unwrap(),
        regs::ts::BASE as u32
    );
    sim.write32((regs::id::BASE + regs::id::SCRATCH) as u32, 0xdead_beef)
        .unwrap();
    assert_eq!(
        sim.read32((regs::id::BASE + regs::id::SCRATCH) as u32)
            .unwrap(),
        0xdead_beef
    );
}

#[test]
fn loaded_time_stamps_frames_as_the_model_says() {
    use vantage_driver::Device;
    use vantage_model::{Config, TimeBase};
    use vantage_proto::axis::{schedule, LaneFrame, Pacing};
    use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};

    let mut sim = Sim::new().unwrap();
    let t0 = 1_700_000_000_123_456_789u64;
    let (cycle, value, inc) = {
        let mut dev = Device::new(&mut sim);
        dev.load_time(t0).unwrap();
        dev.timebase().unwrap()
    };
    assert!(
        value >> 32 >= u128::from(t0) && value >> 32 < u128::from(t0) + 1_000,
        "loaded, then a few cycles on"
    );
    let frames: Vec<_> = (0..20)
        .map(|i| (i, LaneFrame::from_bytes(&[i as u8; 80])))
        .collect();
    let input = schedule(&frames, Pacing::LineRate { gbps: 40.0 }, sim.cycle() + 10);
    let out = sim.run(&input).unwrap();
    let got = LaneFrame::from_beats(out.iter().map(|b| &b.beat)).unwrap();
    let model = vantage_model::run(
        &Config {
            time: TimeBase { cycle, value, inc },
            ..Config::default()
        },
        &input,
    );
    assert_eq!(got.len(), 20);
    for (g, m) in got.iter().zip(&model.frames) {
        let (hg, _) = strip(&g.bytes(), DEFAULT_ETHERTYPE).unwrap();
        let (hm, _) = strip(&m.bytes(), DEFAULT_ETHERTYPE).unwrap();
        assert_eq!(hg.timestamp(), hm.timestamp());
        assert!(hg.timestamp().unwrap() > t0);
    }
}

/// Built with the `trace` feature (`make test` runs this test so), a waveform is written.
#[cfg(feature = "trace")]
#[test]
fn waveform_trace_is_written() {
    let dir = std::env::temp_dir().join(format!("vantage-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.fst");
    {
        let mut sim = Sim::with_trace(&path).unwrap();
        sim.idle(100);
    }
    let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    std::fs::remove_dir_all(&dir).ok();
    assert!(len > 1000, "FST file of {len} bytes");
}

/// Built without the `trace` feature, asking for a waveform is a clear error, not a silent run.
#[cfg(not(feature = "trace"))]
#[test]
fn waveform_without_the_feature_is_refused() {
    let path = std::env::temp_dir().join(format!("vantage-notrace-{}.fst", std::process::id()));
    match Sim::with_trace(&path) {
        Err(e @ vantage_sim::SimError::NoTrace) => {
            assert!(e.to_string().contains("--features trace"))
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a simulator without the trace feature accepted a waveform"),
    }
    assert!(!path.exists(), "no waveform file is created");
}

/// A device restored from the saved settled state (`Sim::settled`, every call after the first)
/// is the device the sweep leaves: the same cycle, the same registers, and the same frames out
/// at the same cycles, with every stage on, as one that simulated the sweep itself.
#[test]
fn a_restored_settled_device_is_the_simulated_one() {
    use vantage_driver::Device;
    use vantage_proto::axis::{schedule, LaneFrame, Pacing};

    let rules = r#"{"epoch_ms": 1, "rules": [
      {"name": "per source", "src_ip": "group", "threshold": {"packets": 3}},
      {"name": "connections", "history": true}]}"#;
    let frames: Vec<_> = (0..200u32)
        .map(|i| {
            let mut bytes = vec![0u8; 60 + (i as usize * 7) % 200];
            bytes[12] = 0x08; // IPv4
            bytes[14] = 0x45;
            bytes[23] = if i % 3 == 0 { 6 } else { 17 };
            bytes[26..30].copy_from_slice(&(0x0a00_0000 + i % 5).to_be_bytes());
            bytes[30..34].copy_from_slice(&0x0a00_0100u32.to_be_bytes());
            (u64::from(i), LaneFrame::from_bytes(&bytes))
        })
        .collect();
    let run = |mut sim: Sim| {
        let mut dev = Device::new(&mut sim);
        dev.discover().expect("discover");
        let config = common::config_for(rules, vantage_proto::stats::DEFAULT_HASH_KEY);
        dev.load_rule_words(&config.stats.rules, config.stats.lane_bits)
            .expect("rules");
        dev.set_conn_hold(true).expect("hold");
        drop(dev);
        let input = schedule(&frames, Pacing::BackToBack, sim.cycle() + 10);
        let out = sim.run_holding(&input).expect("run");
        let counters = Device::new(&mut sim).snapshot().expect("snapshot");
        (sim.cycle(), out, counters)
    };
    let _first = Sim::settled().expect("settled");
    let restored = Sim::settled().expect("restored");
    let simulated = Sim::new_settled().expect("simulated");
    assert_eq!(restored.cycle(), simulated.cycle());
    let (a, b) = (run(restored), run(simulated));
    assert_eq!(a.0, b.0, "cycle after the run");
    assert!(!a.1.is_empty());
    assert_eq!(a.1, b.1, "beats out, with their cycles");
    assert_eq!(a.2, b.2, "counters");
}
