//! `vantage conn`: the conn stage (SYN offload) of a device: what it holds, its timeout, a flush.

use anyhow::Context;

/// Print holding on or off, the timeout, the records held and the status bits.
pub fn show(spec: &str) -> anyhow::Result<()> {
    let mut dev = crate::devices::open(spec)?;
    let s = dev
        .conn_state()
        .with_context(|| format!("reading the conn stage of device {spec}"))?;
    println!(
        "holding SYNs: {} (only while tagging is on too)",
        if s.hold { "on" } else { "off" }
    );
    println!(
        "timeout: {} ns ({:.3} s)",
        s.timeout_ns,
        s.timeout_ns as f64 / 1e9
    );
    println!(
        "held: {} of {} records ({:.2} %)",
        s.held,
        s.records,
        100.0 * f64::from(s.held) / f64::from(s.records.max(1))
    );
    println!(
        "status: {}{}{}",
        if s.ready {
            "ready"
        } else {
            "clearing after reset"
        },
        if s.flushing { ", flush under way" } else { "" },
        if s.pending {
            ", regenerated SYNs waiting to go out"
        } else {
            ""
        }
    );
    println!(
        "limits: frames up to {} bytes held, release backlog {} beats, regen queue {}",
        s.hold_bytes, s.backlog_beats, s.regen_queue
    );
    Ok(())
}

/// Give back every held SYN and wait until the last has gone out.
pub fn flush(spec: &str) -> anyhow::Result<()> {
    let mut dev = crate::devices::open(spec)?;
    let before = dev.conn_state().context("reading conn.HELD")?.held;
    dev.flush_syns()
        .with_context(|| format!("flushing the SYN table of device {spec}"))?;
    println!(
        "flushed: {before} held SYNs given back as regenerated SYNs (why = flushed or expired)"
    );
    Ok(())
}

/// Set the timeout; `hold`: also turn holding on or off.
pub fn set_timeout(spec: &str, timeout_ns: u64, hold: Option<bool>) -> anyhow::Result<()> {
    let mut dev = crate::devices::open(spec)?;
    dev.set_conn_timeout(timeout_ns)
        .with_context(|| format!("setting the conn timeout of device {spec}"))?;
    if let Some(on) = hold {
        dev.set_conn_hold(on).with_context(|| {
            format!(
                "turning SYN holding {} on device {spec}",
                if on { "on" } else { "off" }
            )
        })?;
    }
    let s = dev.conn_state().context("reading the conn stage back")?;
    println!(
        "timeout {} ns, holding {}",
        s.timeout_ns,
        if s.hold { "on" } else { "off" }
    );
    Ok(())
}
