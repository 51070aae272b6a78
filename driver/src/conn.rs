//! The conn stage (SYN offload) through its `V-CN` block: holding on or off, the timeout, the
//! flush, what the table holds. Addresses from `vantage_proto::regs::conn`.

use vantage_proto::regs::conn as reg;

use crate::{Device, DriverError, RegisterAccess};

/// Reads of STATUS `flush_syns` waits for the flush pass and the regenerated SYNs to go out. An
/// empty table takes one pass over 64K locations (0.2 ms at 322 MHz); each held record waits for
/// room in the regen queue, about 34 cycles a record while the queue is the limit, so a full
/// table takes some 7 ms. The simulator answers a read in tens of cycles: enough for a few
/// thousand records held.
pub const SYN_FLUSH_POLLS: usize = 100_000;

/// The conn block's STATUS, HELD and CONTROL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnState {
    /// SYNs are held (CONTROL bit 0; the device holds only while tagging is on too).
    pub hold: bool,
    /// Timeout, ns.
    pub timeout_ns: u64,
    /// Records in the table.
    pub held: u32,
    /// A flush pass is under way.
    pub flushing: bool,
    /// Regenerated SYNs wait to go out (queued, or kept in the table).
    pub pending: bool,
    /// The table has been cleared after reset.
    pub ready: bool,
    /// Records the table has (GEOMETRY: ways << bucket index bits).
    pub records: u32,
    /// Largest frame held, bytes (GEOMETRY 31:16).
    pub hold_bytes: u16,
    /// Release backlog limit, beats (LIMITS 15:0).
    pub backlog_beats: u16,
    /// Regenerated-SYN queue depth (LIMITS 31:16).
    pub regen_queue: u16,
}

impl<A: RegisterAccess> Device<A> {
    fn conn_base(&mut self) -> Result<u32, DriverError> {
        self.blocks()?
            .iter()
            .find(|b| b.type_id == reg::TYPE)
            .map(|b| b.base)
            .ok_or(DriverError::MissingBlock("conn (V-CN)"))
    }

    fn conn_read(&mut self, offset: u16) -> Result<u32, DriverError> {
        let base = self.conn_base()?;
        self.access().read32(base + u32::from(offset))
    }

    fn conn_write(&mut self, offset: u16, value: u32) -> Result<(), DriverError> {
        let base = self.conn_base()?;
        self.access().write32(base + u32::from(offset), value)
    }

    /// Hold SYNs (CONTROL bit 0) or not; held ones still leave as their connection or the
    /// timeout says. Turning it on waits for the table's clearing after reset.
    pub fn set_conn_hold(&mut self, on: bool) -> Result<(), DriverError> {
        if on {
            self.wait_conn_ready()?;
        }
        let control = self.conn_read(reg::CONTROL)?;
        let control = if on {
            control | reg::CONTROL_HOLD
        } else {
            control & !reg::CONTROL_HOLD
        };
        self.conn_write(reg::CONTROL, control)
    }

    /// The record timeout in ns (TIMEOUT_NS). The device uses each word as it is written: the
    /// high word goes first when the timeout grows and the low word first when it shrinks, so the
    /// value between the writes is never below both the old and the new one (no record expires
    /// early).
    pub fn set_conn_timeout(&mut self, ns: u64) -> Result<(), DriverError> {
        let lo = self.conn_read(reg::TIMEOUT_NS)?;
        let hi = self.conn_read(reg::TIMEOUT_NS + 4)?;
        let old = u64::from(hi) << 32 | u64::from(lo);
        let words = [
            (reg::TIMEOUT_NS, ns as u32),
            (reg::TIMEOUT_NS + 4, (ns >> 32) as u32),
        ];
        let order = if ns > old { [1, 0] } else { [0, 1] };
        for i in order {
            self.conn_write(words[i].0, words[i].1)?;
        }
        Ok(())
    }

    /// CONTROL, TIMEOUT_NS, HELD, STATUS, GEOMETRY and LIMITS.
    pub fn conn_state(&mut self) -> Result<ConnState, DriverError> {
        let control = self.conn_read(reg::CONTROL)?;
        let lo = self.conn_read(reg::TIMEOUT_NS)?;
        let hi = self.conn_read(reg::TIMEOUT_NS + 4)?;
        let held = self.conn_read(reg::HELD)?;
        let status = self.conn_read(reg::STATUS)?;
        let geometry = self.conn_read(reg::GEOMETRY)?;
        let limits = self.conn_read(reg::LIMITS)?;
        let (bucket_bits, ways) = (geometry & 0xFF, (geometry >> 8) & 0xFF);
        Ok(ConnState {
            hold: control & reg::CONTROL_HOLD != 0,
            timeout_ns: u64::from(hi) << 32 | u64::from(lo),
            held,
            flushing: status & reg::STATUS_FLUSHING != 0,
            pending: status & reg::STATUS_PENDING != 0,
            ready: status & reg::STATUS_READY != 0,
            records: ways.checked_shl(bucket_bits).unwrap_or(u32::MAX),
            hold_bytes: (geometry >> 16) as u16,
            backlog_beats: limits as u16,
            regen_queue: (limits >> 16) as u16,
        })
    }

    /// Poll STATUS until the table's clearing after reset is done (2^SYN_BUCKET_BITS cycles).
    fn wait_conn_ready(&mut self) -> Result<(), DriverError> {
        for _ in 0..crate::READY_POLLS {
            if self.conn_read(reg::STATUS)? & reg::STATUS_READY != 0 {
                return Ok(());
            }
        }
        Err(DriverError::SynTableNotReady {
            reads: crate::READY_POLLS,
        })
    }

    /// Give back every held SYN (FLUSH) and wait until the pass is done and the last one has
    /// gone out, at most `SYN_FLUSH_POLLS` reads of STATUS.
    pub fn flush_syns(&mut self) -> Result<(), DriverError> {
        self.conn_write(reg::FLUSH, 1)?;
        for _ in 0..SYN_FLUSH_POLLS {
            let busy = reg::STATUS_FLUSHING | reg::STATUS_PENDING;
            if self.conn_read(reg::STATUS)? & busy == 0 {
                return Ok(());
            }
        }
        Err(DriverError::SynFlushTimeout {
            reads: SYN_FLUSH_POLLS,
        })
    }
}
