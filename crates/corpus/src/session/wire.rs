//! Wire helpers: the line buffer [`Out`], the usage display [`U`], UUIDv7-like ids, and the few
//! lines that look the same in both rollout generations.

use std::io::Write as _;

use crate::Tok;
use crate::rng::Rng;
use crate::time::Ts;

/// Appends formatted text to an [`Out`]'s buffer.
macro_rules! w {
    ($o:expr, $($arg:tt)*) => {
        $o.buf
            .write_fmt(format_args!($($arg)*))
            .expect("writing to a Vec cannot fail")
    };
}
pub(super) use w;

/// Displays a token usage object.
pub(super) struct U {
    pub(super) t: Tok,
    pub(super) total: u64,
    pub(super) cache_write: bool,
}

impl std::fmt::Display for U {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = &self.t;
        if self.cache_write {
            write!(
                f,
                "{{\"input_tokens\":{},\"cached_input_tokens\":{},\"cache_write_input_tokens\":{},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}}",
                t.input, t.cached, t.cache_write, t.output, t.reasoning, self.total
            )
        } else {
            write!(
                f,
                "{{\"input_tokens\":{},\"cached_input_tokens\":{},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}}",
                t.input, t.cached, t.output, t.reasoning, self.total
            )
        }
    }
}

/// Displays `t` in the 0.169 shape, its total being input + output.
pub(super) fn u(t: &Tok) -> U {
    U {
        t: *t,
        total: t.input + t.output,
        cache_write: true,
    }
}

/// A UUIDv7-looking id whose first 48 bits are `ms`.
pub(crate) fn uuid7(r: &mut Rng, ms: i64) -> String {
    let ms = ms as u64 & 0xFFFF_FFFF_FFFF;
    let a = r.next_u64();
    let b = r.next_u64();
    format!(
        "{:08x}-{:04x}-7{:03x}-{:x}{:03x}-{:012x}",
        ms >> 16,
        ms & 0xFFFF,
        a & 0xFFF,
        8 + ((a >> 12) & 3),
        (a >> 14) & 0xFFF,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// The output buffer of one file, with the line ordinal.
pub(crate) struct Out {
    pub buf: Vec<u8>,
    pub ordinal: u64,
    pub with_ordinal: bool,
}

impl Out {
    pub(crate) fn new() -> Self {
        Out {
            buf: Vec::with_capacity(1 << 20),
            ordinal: 0,
            with_ordinal: true,
        }
    }

    pub(crate) fn reset(&mut self, with_ordinal: bool) {
        self.buf.clear();
        self.ordinal = 0;
        self.with_ordinal = with_ordinal;
    }

    /// Opens a line: its timestamp, ordinal (if the shape has one), type and `payload` key.
    pub(super) fn begin(&mut self, ts: i64, ty: &str) {
        if self.with_ordinal {
            w!(
                self,
                "{{\"timestamp\":\"{}\",\"ordinal\":{},\"type\":\"{}\",\"payload\":",
                Ts(ts),
                self.ordinal,
                ty
            );
        } else {
            w!(
                self,
                "{{\"timestamp\":\"{}\",\"type\":\"{}\",\"payload\":",
                Ts(ts),
                ty
            );
        }
    }

    /// Closes the line opened by [`Out::begin`] and counts it.
    pub(super) fn end(&mut self) {
        self.buf.extend_from_slice(b"}\n");
        self.ordinal += 1;
    }

    /// A `token_count` row with `info: null` (rate limits only).
    pub(super) fn token_count_null_line(&mut self, ts: i64, rl: &str) {
        self.begin(ts, "event_msg");
        w!(
            self,
            "{{\"type\":\"token_count\",\"info\":null,\"rate_limits\":{rl}}}"
        );
        self.end();
    }

    /// A `token_count` row with only `total_token_usage` (the no-`last_token_usage` trap);
    /// returns where its payload starts.
    pub(super) fn token_count_total_only_line(
        &mut self,
        ts: i64,
        total: &U,
        win: u64,
        rl: &str,
    ) -> usize {
        self.begin(ts, "event_msg");
        let body_at = self.buf.len();
        w!(
            self,
            "{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{total},\"model_context_window\":{win}}},\"rate_limits\":{rl}}}"
        );
        self.end();
        body_at
    }
}
