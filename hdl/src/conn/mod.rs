//! The conn stage (SYN offload, the paper's §2.2): holds the SYNs nobody has answered yet and
//! gives each back just before the first other frame of its connection, or marked after a
//! timeout. Behaviour: `model::conn`; rules: docs/pipeline.md ("Conn"); plan: docs/conn-design.md.
//!
//! Built so far: the SYN table (`table`), the leaf every TCP frame is looked up in. The stage
//! around it (payload store, release merge, regenerated-SYN queue) is still to come; until then
//! the host runs the stage in software.

pub mod table;
