//! The reasm stage (TCP stream reassembly) through its `V-RA` block: on or off, the session key,
//! the session table's size, the bytes allowed above a hole, and what the block says of itself.
//! Addresses from `vantage_proto::regs::reasm`.

use vantage_proto::reasm::SESSION_KEY_BYTES;
use vantage_proto::regs::reasm as reg;

use crate::{Device, DriverError, RegisterAccess};

/// The reasm block's configuration and constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReasmState {
    /// Segments are followed (CONTROL bit 0; only while tagging is on too).
    pub enabled: bool,
    /// log2 of the session buckets per choice.
    pub bucket_bits: u32,
    /// Bytes above a direction's hole before it is given up.
    pub max_above_hole: u32,
    /// Cycles every beat spends in the stage (TIMING 15:0).
    pub delay_cycles: u16,
    /// Longest frame, in beats, answered before it leaves (TIMING 31:16).
    pub max_beats: u16,
    /// Ways per bucket (GEOMETRY 7:0).
    pub ways: u8,
    /// Largest `bucket_bits` the bitstream's memory holds (GEOMETRY 15:8).
    pub max_bucket_bits: u8,
    /// Frames go through the stage (STATUS bit 0): CONTROL's bit once the stage could change.
    pub on: bool,
    /// The stage holds no beat (STATUS bit 1).
    pub empty: bool,
    /// The stage's clock runs (STATUS bit 2); it stops a while after the stage is off and empty.
    pub clock_running: bool,
}

impl<A: RegisterAccess> Device<A> {
    fn reasm_base(&mut self) -> Result<u32, DriverError> {
        self.base_of(reg::TYPE, "reasm (V-RA)")
    }

    fn reasm_read(&mut self, offset: u16) -> Result<u32, DriverError> {
        let base = self.reasm_base()?;
        self.access().read32(base + u32::from(offset))
    }

    fn reasm_write(&mut self, offset: u16, value: u32) -> Result<(), DriverError> {
        let base = self.reasm_base()?;
        self.access().write32(base + u32::from(offset), value)
    }

    /// Follow TCP segments (CONTROL bit 0) or not. Set the key and the table's size first: the
    /// sessions live in the device's memory under them.
    pub fn set_reasm_enabled(&mut self, on: bool) -> Result<(), DriverError> {
        let control = self.reasm_read(reg::CONTROL)?;
        let control = if on {
            control | reg::CONTROL_ENABLE
        } else {
            control & !reg::CONTROL_ENABLE
        };
        self.reasm_write(reg::CONTROL, control)
    }

    /// The session table's hash key (SESSION_KEY0..11, word 0 = key bytes 0..4, big-endian).
    pub fn set_session_key(&mut self, key: &[u8; SESSION_KEY_BYTES]) -> Result<(), DriverError> {
        for (i, chunk) in key.chunks_exact(4).enumerate() {
            let word = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            self.reasm_write(reg::SESSION_KEY + 4 * i as u16, word)?;
        }
        Ok(())
    }

    /// log2 of the session buckets per choice; refused above what the bitstream addresses.
    pub fn set_session_bucket_bits(&mut self, bits: u32) -> Result<(), DriverError> {
        let max = (self.reasm_read(reg::GEOMETRY)? >> 8) & 0xFF;
        if bits > max || bits == 0 {
            return Err(DriverError::SessionBuckets { bits, max });
        }
        self.reasm_write(reg::BUCKET_BITS, bits)
    }

    /// Bytes one direction may have above its hole (MAX_ABOVE_HOLE).
    pub fn set_max_above_hole(&mut self, bytes: u32) -> Result<(), DriverError> {
        self.reasm_write(reg::MAX_ABOVE_HOLE, bytes)
    }

    /// CONTROL, BUCKET_BITS, MAX_ABOVE_HOLE, TIMING and GEOMETRY.
    pub fn reasm_state(&mut self) -> Result<ReasmState, DriverError> {
        let control = self.reasm_read(reg::CONTROL)?;
        let timing = self.reasm_read(reg::TIMING)?;
        let geometry = self.reasm_read(reg::GEOMETRY)?;
        let status = self.reasm_read(reg::STATUS)?;
        Ok(ReasmState {
            enabled: control & reg::CONTROL_ENABLE != 0,
            bucket_bits: self.reasm_read(reg::BUCKET_BITS)?,
            max_above_hole: self.reasm_read(reg::MAX_ABOVE_HOLE)?,
            delay_cycles: timing as u16,
            max_beats: (timing >> 16) as u16,
            ways: geometry as u8,
            max_bucket_bits: (geometry >> 8) as u8,
            on: status & reg::STATUS_ON != 0,
            empty: status & reg::STATUS_EMPTY != 0,
            clock_running: status & reg::STATUS_CLOCK != 0,
        })
    }
}
