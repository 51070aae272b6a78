//! Task-oriented statistics queries (the paper's §3.2): the operator says what to count, the host
//! turns it into a stats rule, and runs it where the device can and in software where it cannot.
//!
//! ```text
//!  count <packets|bytes|syns> [where <cond> {and <cond>}] per <field>[/<prefix>] {, <field>}
//!        every <N><ms|s|m|h> [threshold <N>]
//!  cond:  src_ip in <net> | dst_ip in <net> | src_port = <n> | dst_port = <n> |
//!         proto = <tcp|udp|icmp|n> | flags <SYN !ACK ...> | ingress_port = <n>
//!  field: src_ip, dst_ip (with /prefix), src_port, dst_port, proto, flags, ingress_port
//! ```
//! `syns` is `packets where flags SYN !ACK`. The threshold counts what is counted (packets or
//! bytes). Example: `count syns per src_ip/24 every 1m threshold 100`.

use crate::rules::{parse_rules, RuleError, RuleSet};
use serde_json::{json, Map, Value};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum QueryError {
    #[error("query: expected {expected} at word {position} ({found:?})")]
    Expected {
        expected: &'static str,
        position: usize,
        found: String,
    },
    #[error("query: unknown field {0:?} (src_ip, dst_ip, src_port, dst_port, proto, flags, ingress_port)")]
    Field(String),
    #[error("query: {0:?} is not a duration like 500ms, 10s, 1m or 1h")]
    Duration(String),
    #[error("query: {0}")]
    Rule(#[from] RuleError),
}

/// What a query counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Packets,
    Bytes,
}

/// A compiled query: one stats rule (in a rule set of its own) and what its threshold counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub measure: Measure,
    pub rules: RuleSet,
}

/// Compile a query into a rule set with one rule named after the query.
pub fn compile(text: &str) -> Result<Query, QueryError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut p = Parser {
        words: &words,
        at: 0,
    };
    p.keyword("count")?;
    let mut rule = Map::new();
    let measure = match p.next("packets, bytes or syns")? {
        "packets" => Measure::Packets,
        "bytes" => Measure::Bytes,
        "syns" => {
            rule.insert("tcp_flags".into(), json!("SYN !ACK"));
            Measure::Packets
        }
        _ => return Err(p.expected("packets, bytes or syns")),
    };
    if p.peek() == Some("where") {
        p.at += 1;
        loop {
            p.condition(&mut rule)?;
            if p.peek() != Some("and") {
                break;
            }
            p.at += 1;
        }
    }
    p.keyword("per")?;
    let group_list = p.until("every");
    for item in group_list
        .join(" ")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        group(&mut rule, item)?;
    }
    p.keyword("every")?;
    let epoch_ms = duration_ms(p.next("a duration")?)?;
    if p.peek() == Some("threshold") {
        p.at += 1;
        let n: u64 = p
            .next("a number")?
            .parse()
            .map_err(|_| p.expected("a number"))?;
        let key = if measure == Measure::Packets {
            "packets"
        } else {
            "bytes"
        };
        rule.insert("threshold".into(), json!({ key: n }));
    }
    if let Some(w) = p.peek() {
        return Err(QueryError::Expected {
            expected: "the end of the query",
            position: p.at + 1,
            found: w.to_string(),
        });
    }
    let name: String = text.chars().take(crate::rules::MAX_NAME_BYTES).collect();
    rule.insert("name".into(), json!(name));
    let file = json!({ "epoch_ms": epoch_ms, "rules": [Value::Object(rule)] });
    let rules = parse_rules(&file.to_string())?;
    Ok(Query {
        text: text.to_string(),
        measure,
        rules,
    })
}

struct Parser<'a> {
    words: &'a [&'a str],
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.words.get(self.at).copied()
    }

    fn next(&mut self, expected: &'static str) -> Result<&'a str, QueryError> {
        let w = self.peek().ok_or(QueryError::Expected {
            expected,
            position: self.at + 1,
            found: String::new(),
        })?;
        self.at += 1;
        Ok(w)
    }

    fn expected(&self, expected: &'static str) -> QueryError {
        let position = self.at.max(1);
        QueryError::Expected {
            expected,
            position,
            found: self.words.get(position - 1).unwrap_or(&"").to_string(),
        }
    }

    fn keyword(&mut self, k: &'static str) -> Result<(), QueryError> {
        if self.next(k)? != k {
            return Err(self.expected(k));
        }
        Ok(())
    }

    /// The words up to (not including) `stop`.
    fn until(&mut self, stop: &str) -> Vec<&'a str> {
        let start = self.at;
        while self.peek().is_some_and(|w| w != stop) {
            self.at += 1;
        }
        self.words[start..self.at].to_vec()
    }

    fn condition(&mut self, rule: &mut Map<String, Value>) -> Result<(), QueryError> {
        let field = self.next("a condition")?;
        match field {
            "src_ip" | "dst_ip" => {
                self.keyword("in")?;
                rule.insert(field.into(), json!(self.next("a network")?));
            }
            "src_port" | "dst_port" | "ingress_port" | "proto" => {
                self.keyword("=")?;
                let v = self.next("a value")?;
                let value = v
                    .parse::<u64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| json!(v));
                let key = if field == "proto" { "ip_proto" } else { field };
                rule.insert(key.into(), value);
            }
            "flags" => {
                let mut names = Vec::new();
                while self.peek().is_some_and(|w| {
                    w.trim_start_matches('!')
                        .chars()
                        .all(|c| c.is_ascii_uppercase())
                        && !w.is_empty()
                }) {
                    names.push(self.next("a flag")?);
                }
                if names.is_empty() {
                    return Err(self.expected("TCP flag names like SYN !ACK"));
                }
                rule.insert("tcp_flags".into(), json!(names.join(" ")));
            }
            other => return Err(QueryError::Field(other.to_string())),
        }
        Ok(())
    }
}

fn group(rule: &mut Map<String, Value>, item: &str) -> Result<(), QueryError> {
    let (field, prefix) = match item.split_once('/') {
        Some((f, p)) => (f, Some(p)),
        None => (item, None),
    };
    let value = match (field, prefix) {
        ("src_ip" | "dst_ip", Some(p)) => {
            let n: u64 = p.parse().map_err(|_| QueryError::Field(item.to_string()))?;
            if n <= 32 {
                json!({ "group": { "v4": n, "v6": 128 } })
            } else {
                json!({ "group": { "v6": n } })
            }
        }
        ("src_ip" | "dst_ip" | "src_port" | "dst_port" | "ingress_port", None) => json!("group"),
        ("proto", None) => json!("group"),
        ("flags", None) => json!("group"),
        _ => return Err(QueryError::Field(item.to_string())),
    };
    let key = match field {
        "proto" => "ip_proto",
        "flags" => "tcp_flags",
        f => f,
    };
    rule.insert(key.into(), value);
    Ok(())
}

fn duration_ms(s: &str) -> Result<u64, QueryError> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| QueryError::Duration(s.to_string()))?;
    let scale = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(QueryError::Duration(s.to_string())),
    };
    Ok(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{AddrField, Field, Threshold};

    #[test]
    fn syns_per_source_24_per_minute_threshold_100() {
        let q = compile("count syns per src_ip/24 every 1m threshold 100").unwrap();
        assert_eq!(q.rules.epoch_ms, 60_000);
        let r = &q.rules.rules[0];
        assert_eq!(
            r.tcp_flags,
            Field::Match {
                value: 0x02,
                mask: 0x12
            }
        );
        assert_eq!(
            r.src_ip,
            AddrField::Group {
                v4_prefix: 24,
                v6_prefix: 128
            }
        );
        assert_eq!(
            r.threshold,
            Some(Threshold {
                packets: Some(100),
                bytes: None
            })
        );
    }

    #[test]
    fn conditions_and_several_groups() {
        let q = compile("count bytes where dst_port = 22 and src_ip in 10.0.0.0/8 and proto = tcp per src_ip, dst_ip every 10s").unwrap();
        let r = &q.rules.rules[0];
        assert_eq!(q.measure, Measure::Bytes);
        assert_eq!(
            r.dst_port,
            Field::Match {
                value: 22,
                mask: 0xFFFF
            }
        );
        assert_eq!(
            r.ip_proto,
            Field::Match {
                value: 6,
                mask: 0xFF
            }
        );
        assert!(
            matches!(r.src_ip, AddrField::Group { .. })
                && matches!(r.dst_ip, AddrField::Group { .. })
        );
    }

    #[test]
    fn errors_say_where() {
        assert!(compile("count frogs per src_ip every 1m")
            .unwrap_err()
            .to_string()
            .contains("packets, bytes or syns"));
        assert!(compile("count packets per http_host every 1m")
            .unwrap_err()
            .to_string()
            .contains("unknown field \"http_host\""));
        assert!(compile("count packets per src_ip every soon")
            .unwrap_err()
            .to_string()
            .contains("not a duration"));
        assert!(
            compile("count packets where src_ip in 10.0.0.0/33 per dst_ip every 1s")
                .unwrap_err()
                .to_string()
                .contains("prefix length 33")
        );
        assert!(compile("count packets per src_ip every 1s extra")
            .unwrap_err()
            .to_string()
            .contains("the end of the query"));
    }
}
