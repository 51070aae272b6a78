use vantage_proto::regs;
use vantage_sim::Sim;

#[test]
fn id_block_reads_back() {
    let mut sim = Sim::new().unwrap();
    assert_eq!(sim.read32(regs::id::BASE as u32).unwrap(), regs::id::TYPE);
    assert_eq!(sim.read32((regs::id::BASE + regs::BLOCK_NEXT) as u32).unwrap(), regs::ts::BASE as u32);
    sim.write32((regs::id::BASE + regs::id::SCRATCH) as u32, 0xdead_beef).unwrap();
    assert_eq!(sim.read32((regs::id::BASE + regs::id::SCRATCH) as u32).unwrap(), 0xdead_beef);
}
