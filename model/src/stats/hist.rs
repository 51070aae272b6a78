//! The stats stage's history unit as the hardware has it: per bidirectional connection a
//! fixed-width state (`proto::hist::state_layout`) and one step per frame. The RTL leaf
//! `hdl::stats::hist` computes the step in six stages with a register between each: the state
//! after a frame comes out `HIST_REGS` (5) clock edges after the state before it and the frame
//! go in. It follows the Zeek reference (`stats::history`) rule for rule, in 32-bit relative
//! sequence numbers, with one reassembly block instead of a block list and a bounded expire
//! timer. docs/zeek-history.md ("In hardware") lists what that changes;
//! `tests/zeek_conformance.rs` measures it against Zeek.
//!
//! Endpoint 0 is the side whose (address, port) sorts first; `orig` names the originator.

use std::collections::HashMap;

use vantage_proto::flowhash::KEY_BYTES;
use vantage_proto::hist::{
    self, code_of, seen, state::*, state_layout, timer, HistPkt, StateBits,
    EXCESSIVE_DATA_WITHOUT_ACKS, HIST_LETTERS, MAX_ABOVE_HOLE_WITHOUT_ACKS, SCALED_LAST,
    TOO_LARGE_SEQ_DELTA,
};

use super::history::{is_broadcast, ConnRecord, Fed, Segment, Side, LIKELY_SERVER_TCP_PORTS};

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// One endpoint's part of the state (`proto::hist::ENDPOINT_FIELDS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub st: u8,
    pub prev: u8,
    pub start: u32,
    pub last: u32,
    pub ack: u32,
    pub swrap: u8,
    pub awrap: u8,
    pub lsyn: u32,
    pub lfin: u32,
    pub lrst: u32,
    pub fin: bool,
    pub finseq: u32,
    pub closed: bool,
    pub rxmt: u32,
    pub win0: u32,
    pub gap: u32,
    pub next: u32,
    pub trim: u32,
    pub blo: u32,
    pub bhi: u32,
    pub skip: bool,
    pub pkts: u64,
    pub bytes: u64,
}

impl Endpoint {
    fn new() -> Endpoint {
        Endpoint {
            st: INACTIVE,
            prev: INACTIVE,
            start: 0,
            last: 0,
            ack: 0,
            swrap: 0,
            awrap: 0,
            lsyn: 0,
            lfin: 0,
            lrst: 0,
            fin: false,
            finseq: 0,
            closed: false,
            rxmt: 0,
            win0: 0,
            gap: 0,
            next: 1,
            trim: 1,
            blo: 0,
            bhi: 0,
            skip: false,
            pkts: 0,
            bytes: 0,
        }
    }

    fn init_seqs(&mut self, start: u32, last: u32) {
        self.start = start;
        self.ack = start;
        self.last = last;
    }

    /// `seq` relative to the start, and whether it lies before the start while no wrap is
    /// counted (Zeek's underflow of `get_relative_seq`).
    fn relative_seq(&self, seq: u32, last: u32, wraps: u8) -> (u32, bool) {
        let delta = seq.wrapping_sub(last) as i32;
        let mut w = wraps;
        if delta < 0 {
            if w > 0 && seq > last {
                w -= 1;
            }
        } else if delta > 0 && seq < last {
            w += 1;
        }
        let rel = seq.wrapping_sub(self.start);
        (rel, w == 0 && (rel as i32) < 0)
    }

    fn advance_last(&mut self, seq: u32) {
        if seq < self.last {
            self.swrap = (self.swrap + 1).min(3);
        }
        self.last = seq;
    }

    /// The peer acknowledged nothing beyond the start (+1 for the SYN), wraps counted.
    fn no_data_acked(&self) -> bool {
        match self.awrap {
            0 => {
                self.ack == self.start
                    || (self.ack == self.start.wrapping_add(1) && self.start != u32::MAX)
            }
            1 => self.ack == 0 && self.start == u32::MAX,
            _ => false,
        }
    }

    fn block(&self) -> bool {
        self.bhi != 0
    }

    fn clear_block(&mut self) {
        self.blo = 0;
        self.bhi = 0;
    }

    /// Move the in-order point over the block once it reaches it.
    fn deliver(&mut self) {
        if self.block() && self.blo <= self.next {
            self.next = self.next.max(self.bhi);
            self.clear_block();
        }
    }

    /// Add `[seq, end)`; a range apart from the block widens it (the one-block reduction).
    fn insert(&mut self, seq: u32, end: u32) {
        if end <= self.trim {
            return;
        }
        let seq = seq.max(self.trim);
        if self.block() {
            self.blo = self.blo.min(seq);
            self.bhi = self.bhi.max(end);
        } else {
            self.blo = seq;
            self.bhi = end;
        }
        self.deliver();
    }
}

fn in_handshake(s: u8) -> bool {
    matches!(s, INACTIVE | SYN_SENT | SYN_ACK_SENT)
}

fn is_clean(e: &Endpoint) -> bool {
    e.st == ESTABLISHED || (e.st == CLOSED && e.prev == ESTABLISHED)
}

/// The state of one connection (`proto::hist::state_layout`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistState {
    pub tcp: bool,
    pub orig: u8,
    pub partial: bool,
    pub seen: u8,
    pub active: bool,
    pub long: bool,
    pub hist_seen: u16,
    pub letters: [u8; HIST_LETTERS],
    pub len: u8,
    pub over: bool,
    pub last_ns: u64,
    pub start_ns: u64,
    pub exp_v: bool,
    pub exp: u64,
    pub att_v: bool,
    pub att: u64,
    pub del_v: bool,
    pub del: u64,
    pub ep: [Endpoint; 2],
}

impl HistState {
    /// A connection whose first frame is `p` (not yet processed).
    fn new(p: &HistPkt) -> HistState {
        let mut s = HistState {
            tcp: p.tcp,
            orig: p.side,
            partial: false,
            seen: 0,
            active: true,
            long: false,
            hist_seen: 0,
            letters: [0; HIST_LETTERS],
            len: 0,
            over: false,
            last_ns: p.ts,
            start_ns: p.ts,
            exp_v: true,
            exp: p.ts + timer::SYN_TIMEOUT,
            att_v: false,
            att: 0,
            del_v: false,
            del: 0,
            ep: [Endpoint::new(), Endpoint::new()],
        };
        let partial = p.flags & SYN == 0 || p.flags & ACK != 0;
        if p.tcp && partial && p.srv_src {
            let flip = !p.srv_dst || (p.flags & SYN == 0 && p.sport_lt_dport);
            if flip && !p.dst_bcast {
                s.flip();
            }
        }
        s
    }

    /// One frame. `fresh`: the table had no entry for the connection (the state is ignored).
    /// Returns true when the connection held ended before this frame (a timer expired or the
    /// frame reuses the 4-tuple): the state now describes a new connection and the table is
    /// to report the old one first.
    pub fn step(&mut self, fresh: bool, p: &HistPkt) -> bool {
        let ended = !fresh && (self.timed_out(p.ts) || (p.tcp && self.is_reuse(p.flags, p.seq)));
        if fresh || ended {
            *self = HistState::new(p);
        }
        if p.tcp {
            self.process(p);
        } else {
            self.check_history(p.side, seen::DATA, 'D');
            self.last_ns = p.ts;
        }
        let e = &mut self.ep[p.side as usize];
        e.pkts = e.pkts.wrapping_add(1);
        e.bytes = e.bytes.wrapping_add(p.ip_len as u64);
        ended
    }

    /// A fresh state for the first frame `p`, stepped.
    pub fn first(p: &HistPkt) -> HistState {
        let mut s = HistState::new(p);
        s.step(true, p);
        s
    }

    /// Whether the connection is over at time `t` whatever frame comes next: inactivity, the
    /// delete timer, or an unanswered attempt. These are the first checks `step` makes, before
    /// it changes anything, and each stays true as time goes on, so a table may drop such a
    /// connection at any time after `t` and report exactly what a later frame would have ended.
    pub fn dead(&self, t: u64) -> bool {
        let limit = if self.long {
            timer::TCP_INACTIVITY
        } else {
            timer::UDP_INACTIVITY
        };
        if t.saturating_sub(self.last_ns) >= limit {
            return true;
        }
        let attempt_over = self.att_v
            && self.att <= t
            && self.active
            && matches!(self.orig_ep().st, SYN_SENT | SYN_ACK_SENT)
            && self.resp_ep().st == INACTIVE;
        self.tcp && ((self.del_v && self.del <= t) || attempt_over)
    }

    /// The history string.
    pub fn history(&self) -> String {
        let mut h: String = self
            .letters
            .iter()
            .take(self.len as usize)
            .filter_map(|&c| hist::letter_of(c))
            .collect();
        if self.over {
            h.push('+');
        }
        h
    }

    /// Packets and IP bytes of the originator, then of the responder.
    pub fn counts(&self) -> [u64; 4] {
        let (o, r) = (
            &self.ep[self.orig as usize],
            &self.ep[1 - self.orig as usize],
        );
        [o.pkts, o.bytes, r.pkts, r.bytes]
    }

    fn push(&mut self, code: u8) {
        if (self.len as usize) < HIST_LETTERS {
            self.letters[self.len as usize] = code;
            self.len += 1;
        } else {
            self.over = true;
        }
    }

    /// Write the letter of endpoint `slot` (`up`: its upper-case form), by its role now.
    fn add_letter(&mut self, slot: u8, up: char) {
        let l = if slot == self.orig {
            up
        } else {
            up.to_ascii_lowercase()
        };
        self.push(code_of(l).unwrap_or(0));
    }

    /// `Session::CheckHistory`: the letter the first time its bit is seen for the role; true
    /// when it had been seen.
    fn check_history(&mut self, slot: u8, mask: u16, up: char) -> bool {
        let mask = if slot == self.orig {
            mask
        } else {
            mask << seen::RESP_SHIFT
        };
        if self.hist_seen & mask != 0 {
            return true;
        }
        self.hist_seen |= mask;
        self.add_letter(slot, up);
        false
    }

    /// `TCP_Endpoint::CheckHistory`: a connection that began with a SYN-ACK and now sees a
    /// pure ACK or data was the other way round.
    fn ep_check_history(&mut self, slot: u8, mask: u16, up: char) -> bool {
        if (up == 'A' || up == 'D') && self.len == 1 && self.letters[0] == code_of('H').unwrap_or(0)
        {
            self.flip();
            self.len = 0;
            self.push(code_of('^').unwrap_or(0));
            self.push(code_of('h').unwrap_or(0));
            self.seen |= 1;
        }
        self.check_history(slot, mask, up)
    }

    fn flip(&mut self) {
        self.orig ^= 1;
        self.seen = ((self.seen & 1) << 1) | ((self.seen & 2) >> 1);
        self.partial = false;
        self.push(code_of('^').unwrap_or(0));
    }

    /// Count a scaled letter of endpoint `slot`: written on the 1st, 10th, 100th ... time.
    fn scaled(&mut self, slot: u8, up: char) {
        let e = &mut self.ep[slot as usize];
        let c = match up {
            'T' => &mut e.rxmt,
            'W' => &mut e.win0,
            _ => &mut e.gap,
        };
        let n = c.wrapping_add(1);
        *c = if n == SCALED_LAST { 0 } else { n };
        if is_power_of_ten(n) {
            self.add_letter(slot, up);
        }
    }

    fn set_state(&mut self, slot: u8, new: u8) {
        let peer = self.ep[1 - slot as usize].st;
        let e = &mut self.ep[slot as usize];
        if new != e.st {
            if !in_handshake(new) && in_handshake(e.st) && in_handshake(peer) {
                self.long = true;
            }
            e.prev = e.st;
            e.st = new;
        }
    }

    fn orig_ep(&self) -> &Endpoint {
        &self.ep[self.orig as usize]
    }

    fn resp_ep(&self) -> &Endpoint {
        &self.ep[1 - self.orig as usize]
    }

    /// Zeek's timers due by `ts`; true when one ends the connection. The expire check runs at
    /// its due time and one period later; after a longer silence it is judged at `ts` - period.
    fn timed_out(&mut self, ts: u64) -> bool {
        let limit = if self.long {
            timer::TCP_INACTIVITY
        } else {
            timer::UDP_INACTIVITY
        };
        if ts.saturating_sub(self.last_ns) >= limit {
            return true;
        }
        if !self.tcp {
            return false;
        }
        if self.del_v && self.del <= ts {
            return true;
        }
        if self.att_v && self.att <= ts {
            self.att_v = false;
            if self.active
                && matches!(self.orig_ep().st, SYN_SENT | SYN_ACK_SENT)
                && self.resp_ep().st == INACTIVE
            {
                return true;
            }
        }
        if self.exp_v && self.exp <= ts {
            if !self.active {
                self.exp_v = false;
                return false;
            }
            let (o, r) = (self.orig_ep(), self.resp_ep());
            let done = (o.closed || r.closed)
                && ((o.closed && r.closed)
                    || o.st == RESET
                    || r.st == RESET
                    || o.st == INACTIVE
                    || r.st == INACTIVE);
            let cond = done || (o.st == INACTIVE && r.st == INACTIVE);
            let quiet_until = self.last_ns + timer::LINGER;
            let p = timer::SESSION_TIMER;
            let t1 = self.exp + p;
            let due = quiet_until < self.exp
                || (t1 <= ts && quiet_until < t1)
                || (ts >= t1 + p && quiet_until < ts - p);
            if cond && due {
                return true;
            }
            self.exp = if ts < t1 {
                t1
            } else if ts < t1 + p {
                t1 + p
            } else {
                ts + p
            };
        }
        false
    }

    /// `TCPSessionAdapter::IsReuse`.
    fn is_reuse(&self, flags: u8, seq: u32) -> bool {
        if flags & SYN == 0 {
            return false;
        }
        let mut conn_orig = self.orig_ep();
        if flags & ACK != 0 {
            if self.orig_ep().st != INACTIVE {
                return false;
            }
            conn_orig = self.resp_ep();
        }
        let closed = self.orig_ep().closed || self.resp_ep().closed;
        if !closed {
            if seq == conn_orig.start {
                return false;
            }
            if flags & ACK == 0
                && conn_orig.st == SYN_ACK_SENT
                && self.resp_ep().st == INACTIVE
                && seq == self.resp_ep().start
            {
                return false;
            }
        }
        true
    }

    /// `TCPSessionAdapter::Process` for a TCP frame.
    fn process(&mut self, p: &HistPkt) {
        let (syn, fin, rst, ackf) = (
            p.flags & SYN != 0,
            p.flags & FIN != 0,
            p.flags & RST != 0,
            p.flags & ACK != 0,
        );
        let (me, pe) = (p.side as usize, 1 - p.side as usize);
        let len = p.payload_len;

        // SetPartialStatus
        if p.side == self.orig {
            if self.seen & 1 == 0 {
                self.partial = !syn || ackf;
            }
        } else if self.seen & 2 == 0 && !self.partial {
            self.partial = !syn;
        }

        let seg_len = if rst { 0 } else { len } + syn as u32 + fin as u32;
        let one_past = p.seq.wrapping_add(seg_len);

        // init_endpoint
        let e = &mut self.ep[me];
        match e.st {
            INACTIVE if syn => e.init_seqs(p.seq, one_past),
            INACTIVE => e.init_seqs(p.seq.wrapping_sub(1), p.seq),
            SYN_SENT | SYN_ACK_SENT if syn && p.seq != e.start => e.init_seqs(p.seq, one_past),
            ESTABLISHED | PARTIAL if syn => e.init_seqs(p.seq, one_past),
            RESET if syn && e.prev == INACTIVE => e.init_seqs(p.seq, one_past),
            _ => {}
        }

        let (rel_seq, underflow) =
            self.ep[me].relative_seq(p.seq, self.ep[me].last, self.ep[me].swrap);

        self.update_history(p.side, p.flags, rel_seq, len);

        if p.window == 0 && !rst && self.ep[pe].st != CLOSED && self.ep[me].st != RESET {
            self.scaled(p.side, 'W');
        }
        if fin {
            let e = &mut self.ep[me];
            e.fin = true;
            e.finseq = rel_seq.wrapping_add(seg_len);
        }

        let mut rel_ack = 0;
        if ackf {
            let pp = &mut self.ep[pe];
            if pp.st == INACTIVE {
                rel_ack = 1;
                let s = p.ack.wrapping_sub(1);
                pp.init_seqs(s, s);
            } else {
                let (r, under) = pp.relative_seq(p.ack, pp.ack, pp.awrap);
                if !under {
                    rel_ack = r;
                    let d = p.ack.wrapping_sub(pp.ack) as i32;
                    if !rst && !(p.ack == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0 {
                        if p.ack < pp.ack {
                            pp.awrap = (pp.awrap + 1).min(3);
                        }
                        pp.ack = p.ack;
                    }
                }
            }
        }

        self.update_last_seq(p.side, one_past, p.flags, len);
        self.last_ns = p.ts;

        let do_close = self.update_state_machine(p, len);

        if ackf {
            self.ack_received(pe as u8, rel_ack);
        }

        self.seen |= if p.side == self.orig { 1 } else { 2 };

        let rel_data = if syn {
            rel_seq.wrapping_add(1)
        } else {
            rel_seq
        };
        if len > 0 && !rst && !underflow {
            self.data_sent(me, rel_data, len);
        }
        if do_close {
            self.connection_closed(me);
        }
    }

    /// `update_history`: the flag letters.
    fn update_history(&mut self, slot: u8, flags: u8, rel_seq: u32, len: u32) {
        let (syn, fin, rst, ackf) = (
            flags & SYN != 0,
            flags & FIN != 0,
            flags & RST != 0,
            flags & ACK != 0,
        );
        let e = slot as usize;
        match syn as u8 + fin as u8 + rst as u8 {
            0 if len > 0 => {
                self.ep_check_history(slot, seen::DATA, 'D');
            }
            0 if ackf => {
                self.ep_check_history(slot, seen::ACK, 'A');
            }
            0 => {}
            1 if syn => {
                let up = if ackf { 'H' } else { 'S' };
                if self.ep_check_history(slot, seen::SYN, up) && rel_seq != self.ep[e].lsyn {
                    self.add_letter(slot, up);
                }
                self.ep[e].lsyn = rel_seq;
            }
            1 if fin => {
                let at = rel_seq.wrapping_add(len);
                if self.ep_check_history(slot, seen::FIN, 'F') && at != self.ep[e].lfin {
                    self.add_letter(slot, 'F');
                }
                self.ep[e].lfin = at;
            }
            1 => {
                if self.ep_check_history(slot, seen::RST, 'R') && rel_seq != self.ep[e].lrst {
                    self.add_letter(slot, 'R');
                }
                self.ep[e].lrst = rel_seq;
            }
            _ if fin && rst => {
                self.ep_check_history(slot, seen::FIN_RST, 'I');
            }
            _ => {
                self.ep_check_history(slot, seen::MULTI_FLAG, 'Q');
            }
        }
    }

    /// `update_last_seq`: the highest end sent advances; payload that does not is a
    /// retransmission.
    fn update_last_seq(&mut self, slot: u8, one_past: u32, flags: u8, len: u32) {
        let e = &self.ep[slot as usize];
        let delta = one_past.wrapping_sub(e.last) as i32;
        let untrusted = flags & (SYN | RST) != 0
            && !(-TOO_LARGE_SEQ_DELTA..=TOO_LARGE_SEQ_DELTA).contains(&delta);
        if untrusted {
        } else if flags & FIN != 0 && e.last == e.start.wrapping_add(1) {
            self.ep[slot as usize].advance_last(one_past);
        } else if e.st == RESET {
        } else if delta > 0 {
            self.ep[slot as usize].advance_last(one_past);
        } else if len > 0 {
            self.scaled(slot, 'T');
        }
    }

    /// `UpdateStateMachine`; true when the connection is to be closed for this side.
    fn update_state_machine(&mut self, p: &HistPkt, len: u32) -> bool {
        let (syn, fin, rst, ackf) = (
            p.flags & SYN != 0,
            p.flags & FIN != 0,
            p.flags & RST != 0,
            p.flags & ACK != 0,
        );
        let (slot, peer) = (p.side, 1 - p.side);
        let (me, pe) = (slot as usize, peer as usize);
        let is_orig = slot == self.orig;
        let mut do_close = false;
        match self.ep[me].st {
            INACTIVE => {
                if syn {
                    if is_orig {
                        self.set_state(slot, if ackf { SYN_ACK_SENT } else { SYN_SENT });
                        self.att_v = true;
                        self.att = p.ts + timer::ATTEMPT_DELAY;
                    } else {
                        if !ackf && self.ep[pe].st == SYN_ACK_SENT && p.seq == self.ep[me].start {
                            self.partial = false;
                            self.flip();
                            self.set_state(peer, ESTABLISHED);
                            self.seen |= 1;
                        }
                        if self.ep[pe].st == SYN_SENT {
                            self.set_state(peer, ESTABLISHED);
                        }
                        self.set_state(slot, ESTABLISHED);
                    }
                }
                if fin {
                    self.set_state(slot, CLOSED);
                    do_close = true;
                }
                if rst {
                    self.set_state(slot, RESET);
                    do_close = true;
                }
                if self.ep[me].st == INACTIVE {
                    if !is_orig && len == 0 && self.orig_ep().st == SYN_SENT {
                    } else if ackf && self.ep[pe].st == ESTABLISHED {
                        self.set_state(slot, ESTABLISHED);
                        self.partial = false;
                        self.seen |= if slot == self.orig { 1 } else { 2 };
                    } else {
                        self.set_state(slot, PARTIAL);
                    }
                }
            }
            SYN_SENT | SYN_ACK_SENT => {
                if fin {
                    self.set_state(slot, CLOSED);
                    do_close = true;
                }
                if rst {
                    self.set_state(slot, RESET);
                    self.active = false;
                    do_close = true;
                }
            }
            ESTABLISHED | PARTIAL => {
                if syn && self.ep[me].st == PARTIAL && self.ep[pe].st == INACTIVE && !ackf {
                    self.set_state(slot, SYN_SENT);
                }
                if fin && !rst {
                    self.set_state(slot, CLOSED);
                    if self.ep[pe].st == RESET && self.ep[pe].prev == CLOSED {
                        self.set_state(peer, CLOSED);
                    }
                    do_close = true;
                }
                if rst {
                    self.set_state(slot, RESET);
                    do_close = true;
                    if self.ep[pe].st != RESET || self.ep[pe].prev != ESTABLISHED {
                        self.active = false;
                    }
                }
            }
            CLOSED => {
                if rst && self.ep[pe].st != CLOSED {
                    self.set_state(slot, RESET);
                    if !self.ep[me].closed {
                        do_close = true;
                    }
                }
            }
            _ => {}
        }
        do_close
    }

    /// `ConnectionClosed`, reduced to the timers it sets.
    fn connection_closed(&mut self, me: usize) {
        if self.ep[me].closed {
            return;
        }
        self.ep[me].closed = true;
        let (e, p) = (&self.ep[me], &self.ep[1 - me]);
        if e.st == RESET || p.closed || p.st == INACTIVE {
            if e.prev != INACTIVE || p.st != INACTIVE {
                self.active = false;
            }
            self.exp_v = false;
            self.att_v = false;
            self.del_v = true;
            self.del = self.last_ns + timer::CLOSE_DELAY;
        } else if e.prev != INACTIVE {
            self.exp_v = true;
            self.exp = self.last_ns + timer::SESSION_TIMER;
        }
    }

    /// `TCP_Reassembler::AckReceived` for endpoint `slot`, whose data the peer acknowledged.
    fn ack_received(&mut self, slot: u8, mut seq: u32) {
        let e = &self.ep[slot as usize];
        if e.fin && seq >= e.finseq {
            seq = e.finseq.wrapping_sub(1);
        }
        if seq <= e.trim {
            return;
        }
        if seq > e.next {
            self.undelivered(slot, seq);
        }
        let e = &mut self.ep[slot as usize];
        if e.block() && e.bhi <= seq {
            e.clear_block();
        }
        e.deliver();
        e.trim = seq;
    }

    /// `TCP_Reassembler::Undelivered`: acknowledged bytes never seen are content gaps.
    fn undelivered(&mut self, slot: u8, up_to: u32) {
        if up_to <= 2 && self.partial {
            return;
        }
        let s = slot as usize;
        if !self.ep[s].skip {
            let e = &self.ep[s];
            if e.block() && e.blo < up_to {
                self.gap(slot);
                let e = &mut self.ep[s];
                e.next = e.blo;
                e.deliver();
            }
            if up_to > self.ep[s].next {
                self.gap(slot);
            }
        }
        let e = &mut self.ep[s];
        e.next = e.next.max(up_to);
        e.deliver();
    }

    fn gap(&mut self, slot: u8) {
        if is_clean(&self.ep[slot as usize]) && is_clean(&self.ep[1 - slot as usize]) {
            self.scaled(slot, 'G');
        }
    }

    /// `TCP_Reassembler::DataSent`: payload `[seq, seq + len)` from endpoint `me`.
    fn data_sent(&mut self, me: usize, mut seq: u32, mut len: u32) {
        let e = &mut self.ep[me];
        if e.skip {
            return;
        }
        let ack = e.ack.wrapping_sub(e.start);
        if seq < ack {
            if seq.wrapping_add(len) <= ack {
                return;
            }
            len = len.wrapping_sub(ack.wrapping_sub(seq));
            seq = ack;
        }
        e.insert(seq, seq.wrapping_add(len));
        let (undelivered, buffered) = if e.block() {
            (e.bhi.wrapping_sub(e.next), e.bhi.wrapping_sub(e.blo))
        } else {
            (0, 0)
        };
        if (e.no_data_acked() && undelivered > MAX_ABOVE_HOLE_WITHOUT_ACKS)
            || buffered > EXCESSIVE_DATA_WITHOUT_ACKS
        {
            e.clear_block();
            e.skip = true;
        }
    }

    /// The state as the hardware's bit vector.
    pub fn to_bits(&self) -> StateBits {
        let mut b = StateBits::default();
        for s in state_layout() {
            if s.name == "letters" {
                for (i, &c) in self.letters.iter().enumerate() {
                    b.put(s.lo + i * hist::CODE_BITS, hist::CODE_BITS, c as u64);
                }
            } else {
                b.put(s.lo, s.bits, self.field(&s.name));
            }
        }
        b
    }

    /// The state from the hardware's bit vector.
    pub fn from_bits(b: &StateBits) -> HistState {
        let mut s = HistState::new(&HistPkt::default());
        for sl in state_layout() {
            if sl.name == "letters" {
                for (i, c) in s.letters.iter_mut().enumerate() {
                    *c = b.get(sl.lo + i * hist::CODE_BITS, hist::CODE_BITS) as u8;
                }
            } else {
                s.set_field(&sl.name, b.get(sl.lo, sl.bits));
            }
        }
        s
    }

    fn field(&self, name: &str) -> u64 {
        match endpoint_field(name) {
            Some((e, f)) => self.ep[e].field(f),
            None => self.conn_field(name),
        }
    }

    fn set_field(&mut self, name: &str, v: u64) {
        match endpoint_field(name) {
            Some((e, f)) => self.ep[e].set_field(f, v),
            None => self.set_conn_field(name, v),
        }
    }
}

/// A state field as the bits of the state vector.
trait Bits64: Copy {
    fn to_u64(self) -> u64;
    fn from_u64(v: u64) -> Self;
}

impl Bits64 for bool {
    fn to_u64(self) -> u64 {
        self as u64
    }
    fn from_u64(v: u64) -> Self {
        v != 0
    }
}

macro_rules! bits64_int {
    ($($t:ty),*) => {$(
        impl Bits64 for $t {
            fn to_u64(self) -> u64 {
                self as u64
            }
            fn from_u64(v: u64) -> Self {
                v as $t
            }
        }
    )*};
}
bits64_int!(u8, u16, u32, u64);

/// `field` / `set_field` by layout name for a struct, from one list of its fields.
macro_rules! named_fields {
    ($ty:ty, $get:ident, $set:ident, [$($f:ident),* $(,)?]) => {
        impl $ty {
            fn $get(&self, name: &str) -> u64 {
                match name {
                    $(stringify!($f) => self.$f.to_u64(),)*
                    _ => unreachable!("field {name} of proto::hist's layout is missing from {}", stringify!($ty)),
                }
            }
            fn $set(&mut self, name: &str, v: u64) {
                match name {
                    $(stringify!($f) => self.$f = Bits64::from_u64(v),)*
                    _ => unreachable!("field {name} of proto::hist's layout is missing from {}", stringify!($ty)),
                }
            }
        }
    };
}

named_fields!(
    Endpoint,
    field,
    set_field,
    [
        st, prev, start, last, ack, swrap, awrap, lsyn, lfin, lrst, fin, finseq, closed, rxmt,
        win0, gap, next, trim, blo, bhi, skip, pkts, bytes,
    ]
);
named_fields!(
    HistState,
    conn_field,
    set_conn_field,
    [
        tcp, orig, partial, seen, active, long, hist_seen, len, over, last_ns, start_ns, exp_v,
        exp, att_v, att, del_v, del,
    ]
);

fn endpoint_field(name: &str) -> Option<(usize, &str)> {
    let e = match name.get(..3)? {
        "e0_" => 0,
        "e1_" => 1,
        _ => return None,
    };
    Some((e, &name[3..]))
}

fn is_power_of_ten(n: u32) -> bool {
    let mut p = 1u32;
    loop {
        if n == p {
            return true;
        }
        match p.checked_mul(10) {
            Some(q) if q <= n => p = q,
            _ => return false,
        }
    }
}

/// The connection key both directions share, and the sender's endpoint.
pub fn canonical(src: Side, dst: Side) -> ((Side, Side), u8) {
    if src <= dst {
        ((src, dst), 0)
    } else {
        ((dst, src), 1)
    }
}

/// The unit's input for a TCP or UDP segment at time `ts` (`None` for other protocols), with
/// `server_ports` as Zeek's `likely_server_ports`.
pub fn packet_of(ts: u64, seg: &Segment, server_ports: &[u16]) -> Option<HistPkt> {
    let tcp = match seg.ip_proto {
        6 => seg.tcp?,
        17 => Default::default(),
        _ => return None,
    };
    let (_, side) = canonical(seg.src, seg.dst);
    let srv = |p: u16| seg.ip_proto == 6 && server_ports.contains(&p);
    Some(HistPkt {
        side,
        ts,
        tcp: seg.ip_proto == 6,
        flags: tcp.flags,
        seq: tcp.seq,
        ack: tcp.ack,
        window: tcp.window,
        payload_len: seg.payload_len,
        ip_len: seg.ip_total_len,
        srv_src: srv(seg.src.1),
        srv_dst: srv(seg.dst.1),
        sport_lt_dport: seg.src.1 < seg.dst.1,
        dst_bcast: is_broadcast(&seg.dst.0),
    })
}

/// The unit over a whole capture with an unbounded table (what the hardware table holds when
/// nothing is refused): every connection, ended or not, in order of its first frame.
pub struct HistTable {
    key: [u8; KEY_BYTES],
    server_ports: Vec<u16>,
    active: HashMap<(u8, Side, Side), usize>,
    conns: Vec<(Side, Side, HistState)>,
}

impl HistTable {
    /// A table with Zeek's default `likely_server_ports`.
    pub fn new(key: [u8; KEY_BYTES]) -> HistTable {
        HistTable::with_server_ports(key, LIKELY_SERVER_TCP_PORTS)
    }

    /// A table with another `likely_server_ports` set.
    pub fn with_server_ports(key: [u8; KEY_BYTES], server_ports: &[u16]) -> HistTable {
        HistTable {
            key,
            server_ports: server_ports.to_vec(),
            active: HashMap::new(),
            conns: Vec::new(),
        }
    }

    /// The unit's input for a segment, and the connection key.
    pub fn packet(&self, ts: u64, seg: &Segment) -> Option<((u8, Side, Side), HistPkt)> {
        let pkt = packet_of(ts, seg, &self.server_ports)?;
        let ((a, b), _) = canonical(seg.src, seg.dst);
        Some(((seg.ip_proto, a, b), pkt))
    }

    /// Feed one Ethernet frame captured at `ts_ns`.
    pub fn push(&mut self, ts_ns: u64, frame: &[u8]) -> Fed {
        let Some(seg) = Segment::from_frame(frame, &self.key) else {
            return Fed::Unparsed;
        };
        let Some((key, pkt)) = self.packet(ts_ns, &seg) else {
            return Fed::Ignored;
        };
        let idx = match self.active.get(&key) {
            Some(&i) => {
                let before = self.conns[i].2.clone();
                let st = &mut self.conns[i].2;
                if st.step(false, &pkt) {
                    // The old connection keeps its record; the new one takes a fresh slot.
                    let fresh = std::mem::replace(st, before);
                    self.conns.push((key.1, key.2, fresh));
                    let n = self.conns.len() - 1;
                    self.active.insert(key, n);
                    n
                } else {
                    i
                }
            }
            None => {
                self.conns.push((key.1, key.2, HistState::first(&pkt)));
                let n = self.conns.len() - 1;
                self.active.insert(key, n);
                n
            }
        };
        Fed::Conn(idx)
    }

    /// Every connection as a `conn.log` record.
    pub fn connections(&self) -> Vec<ConnRecord> {
        self.conns
            .iter()
            .map(|(a, b, s)| {
                let (orig, resp) = if s.orig == 0 { (*a, *b) } else { (*b, *a) };
                let [op, ob, rp, rb] = s.counts();
                ConnRecord {
                    proto: if s.tcp { 6 } else { 17 },
                    orig,
                    resp,
                    history: s.history(),
                    orig_pkts: op,
                    orig_ip_bytes: ob,
                    resp_pkts: rp,
                    resp_ip_bytes: rb,
                    start_ns: s.start_ns,
                }
            })
            .collect()
    }
}
