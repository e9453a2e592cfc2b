//! Writes one Codex thread (a rollout file) into a byte buffer, in the 0.169 shape or the
//! old-generation shape, and reports every billed request to the ground truth.
//!
//! - [`catalogue`]: the fixed data sessions draw from (models, repos, time zones, shapes);
//! - [`wire`]: the line buffer, the usage display, ids, lines shared by both generations;
//! - [`sim`]: thread state, plans, and what happens in a session (the billing truth);
//! - [`render_new`] and [`render_old`]: the lines of each rollout generation.

mod catalogue;
mod render_new;
mod render_old;
mod sim;
mod wire;

use crate::Expected;
use crate::rng::Rng;
use crate::text::Pools;

pub(crate) use sim::{Flags, Origin, Plan, ThreadState};
pub(crate) use wire::Out;

/// Writes one session into `o` (which must be reset by the caller) and returns its final state.
pub(crate) fn write_session(
    pools: &Pools,
    r: Rng,
    o: &mut Out,
    exp: &mut Expected,
    plan: &Plan,
    origin: Origin<'_>,
) -> ThreadState {
    let mut g = sim::Gen::new(pools, r, o, exp, plan, &origin);
    let start = g.o.buf.len();
    g.session_meta(plan, &origin);
    g.end = start + g.replayed + plan.target_own;
    g.run(plan);
    g.st
}
