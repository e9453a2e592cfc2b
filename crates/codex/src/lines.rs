//! A streaming line splitter with a hard cap on line length.

use std::io::{self, Read};

/// One line as read from the input.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    /// The bytes without the trailing `\n` (and `\r`); empty for oversized lines.
    pub bytes: &'a [u8],
    /// Byte offset of the first byte of the line.
    pub offset: u64,
    /// 1-based line number.
    pub number: u64,
    /// False for a last line without a terminating newline.
    pub complete: bool,
    /// Set when the line was longer than the cap: its full length. Its bytes were discarded.
    pub oversized: Option<u64>,
}

/// Splits a reader into lines without ever holding more than `max_line` bytes of one line.
pub(crate) struct LineReader<R> {
    inner: R,
    /// Holds exactly the bytes read and not yet discarded (`buf.len() == end`); its capacity
    /// is `cap`. Reading appends into spare capacity, so the buffer is never zeroed.
    buf: Vec<u8>,
    cap: usize,
    start: usize,
    end: usize,
    eof: bool,
    /// File offset of `buf[start]`.
    offset: u64,
    number: u64,
    max_line: usize,
}

const INITIAL_BUF: usize = 256 * 1024;

impl<R: Read> LineReader<R> {
    pub(crate) fn new(inner: R, start_offset: u64, start_line: u64, max_line: usize) -> Self {
        Self::with_buffer(inner, start_offset, start_line, max_line, INITIAL_BUF)
    }

    /// Like `new`, with the first buffer sized for input of about `expected` bytes (it grows
    /// for long lines): most rollouts are far smaller than the default buffer, and zeroing
    /// 256 KiB per file shows up when reading thousands of them.
    pub(crate) fn with_buffer(
        inner: R,
        start_offset: u64,
        start_line: u64,
        max_line: usize,
        expected: usize,
    ) -> Self {
        let cap = expected.clamp(4096, INITIAL_BUF);
        LineReader {
            inner,
            buf: Vec::with_capacity(cap),
            cap,
            start: 0,
            end: 0,
            eof: false,
            offset: start_offset,
            number: start_line,
            max_line: max_line.max(1),
        }
    }

    /// Byte offset just after the last line returned.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Number of lines returned so far (including any before the start offset).
    pub(crate) fn line_number(&self) -> u64 {
        self.number
    }

    fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 && self.start == self.end {
            self.buf.clear();
            self.start = 0;
            self.end = 0;
        }
        if self.end == self.cap {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end = self.end.saturating_sub(self.start);
                self.buf.truncate(self.end);
                self.start = 0;
            } else {
                let grown = self
                    .cap
                    .saturating_mul(2)
                    .min(self.max_line.saturating_add(1))
                    .max(self.cap);
                if grown == self.cap {
                    return Ok(0);
                }
                self.cap = grown;
                self.buf
                    .reserve_exact(self.cap.saturating_sub(self.buf.len()));
            }
        }
        let want = u64::try_from(self.cap.saturating_sub(self.end)).unwrap_or(u64::MAX);
        let n = self.inner.by_ref().take(want).read_to_end(&mut self.buf)?;
        self.end = self.buf.len();
        // `take` stops early only at end of input: no need for another read to learn it.
        if (n as u64) < want {
            self.eof = true;
        }
        Ok(n)
    }

    /// The bytes not yet returned (`start..end`, both kept within `buf` by every method).
    fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Returns `len` bytes from `start` as the next line (plus `skip` terminator bytes).
    fn take_line(&mut self, len: usize, skip: usize, complete: bool) -> Line<'_> {
        let line_start = self.start;
        let consumed = len.saturating_add(skip);
        self.start = self.start.saturating_add(consumed).min(self.end);
        let offset = self.offset;
        self.offset = self.offset.saturating_add(consumed as u64);
        self.number = self.number.saturating_add(1);
        let line_end = line_start.saturating_add(len).min(self.end);
        let mut bytes = self.buf.get(line_start..line_end).unwrap_or_default();
        if complete && let [rest @ .., b'\r'] = bytes {
            bytes = rest;
        }
        if offset == 0 {
            // A UTF-8 byte-order mark (some editors and Windows tools write one) is not data.
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        Line {
            bytes,
            offset,
            number: self.number,
            complete,
            oversized: None,
        }
    }

    /// The next line, or `None` at end of input.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let mut scanned = 0usize;
        loop {
            let pending = self.pending();
            if let Some(i) = memchr::memchr(b'\n', pending.get(scanned..).unwrap_or_default()) {
                let len = scanned.saturating_add(i);
                return Ok(Some(self.take_line(len, 1, true)));
            }
            scanned = pending.len();
            if scanned > self.max_line {
                return self.skip_oversized().map(Some);
            }
            if self.eof {
                if scanned == 0 {
                    return Ok(None);
                }
                return Ok(Some(self.take_line(scanned, 0, false)));
            }
            self.fill()?;
        }
    }

    /// Discards the current line (already longer than the cap) up to its newline.
    fn skip_oversized(&mut self) -> io::Result<Line<'_>> {
        let offset = self.offset;
        let mut len = 0u64;
        let mut complete = false;
        loop {
            let pending = self.pending();
            if let Some(i) = memchr::memchr(b'\n', pending) {
                len = len.saturating_add(i as u64);
                self.start = self.start.saturating_add(i).saturating_add(1).min(self.end);
                complete = true;
                break;
            }
            len = len.saturating_add(pending.len() as u64);
            self.start = self.end;
            if self.eof {
                break;
            }
            self.fill()?;
            if self.eof && self.start == self.end {
                break;
            }
        }
        self.offset = offset
            .saturating_add(len)
            .saturating_add(u64::from(complete));
        self.number = self.number.saturating_add(1);
        Ok(Line {
            bytes: &[],
            offset,
            number: self.number,
            complete,
            oversized: Some(len),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], max: usize) -> Vec<(Vec<u8>, u64, bool, Option<u64>)> {
        let mut r = LineReader::new(input, 0, 0, max);
        let mut out = vec![];
        while let Some(l) = r.next_line().unwrap() {
            out.push((l.bytes.to_vec(), l.offset, l.complete, l.oversized));
        }
        out
    }

    #[test]
    fn splits_lines_and_marks_incomplete_tail() {
        let v = collect(b"a\r\nbb\n\nccc", 100);
        assert_eq!(v.len(), 4);
        assert_eq!(v[0], (b"a".to_vec(), 0, true, None));
        assert_eq!(v[1], (b"bb".to_vec(), 3, true, None));
        assert_eq!(v[2], (b"".to_vec(), 6, true, None));
        assert_eq!(v[3], (b"ccc".to_vec(), 7, false, None));
    }

    #[test]
    fn skips_oversized_lines_without_buffering_them() {
        let mut input = vec![b'x'; 3 * INITIAL_BUF];
        input.push(b'\n');
        input.extend_from_slice(b"ok\n");
        let v = collect(&input, 1000);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].3, Some(3 * INITIAL_BUF as u64));
        assert_eq!(v[1].0, b"ok".to_vec());
        assert_eq!(v[1].1, 3 * INITIAL_BUF as u64 + 1);
    }

    #[test]
    fn a_byte_order_mark_is_skipped_on_the_first_line_only() {
        let v = collect(b"\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBFx\n", 100);
        assert_eq!(v[0].0, b"{\"a\":1}".to_vec());
        assert_eq!(v[1].0, b"\xEF\xBB\xBFx".to_vec());
        assert_eq!(v[1].1, 11, "offsets count the mark's bytes");
    }

    #[test]
    fn long_lines_under_the_cap_are_kept() {
        let mut input = vec![b'y'; 2 * INITIAL_BUF + 7];
        input.push(b'\n');
        let v = collect(&input, 4 * INITIAL_BUF);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].0.len(), 2 * INITIAL_BUF + 7);
    }
}
