//! A small streaming line splitter with a cap on line length.

use std::io::{self, BufRead};

/// One line: its bytes (without `\n` / `\r\n`, and without a byte-order mark on line 1).
#[derive(Debug)]
pub(crate) struct Line<'a> {
    /// The bytes; empty for an oversized line.
    pub(crate) bytes: &'a [u8],
    /// 1-based line number.
    pub(crate) number: u64,
    /// False for a last line without a newline.
    pub(crate) complete: bool,
    /// The full length of a line longer than the cap (its bytes were not kept).
    pub(crate) oversized: Option<u64>,
}

/// Splits a reader into lines, never holding more than `max` bytes of one line.
#[derive(Debug)]
pub(crate) struct Lines<R> {
    inner: R,
    buf: Vec<u8>,
    number: u64,
    max: usize,
    /// Bytes of the inner reader's buffer lent out as the last line, consumed on the next call.
    lent: usize,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(inner: R, max: usize) -> Self {
        Lines {
            inner,
            buf: Vec::new(),
            number: 0,
            max: max.max(1),
            lent: 0,
        }
    }

    /// Lines returned so far.
    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    /// The next line, `None` at the end of the input. A line that lies whole in the inner
    /// reader's buffer is lent from there; only a line split across reads is copied.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.inner.consume(std::mem::take(&mut self.lent));
        self.buf.clear();
        let newline = loop {
            match self.inner.fill_buf() {
                Ok(c) => break memchr::memchr(b'\n', c),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if let Some(i) = newline {
            // A buffer that holds data gives the same data again without reading.
            let chunk = self.inner.fill_buf()?;
            let bytes = &chunk[..i.min(chunk.len())];
            self.lent = (i + 1).min(chunk.len());
            self.number = self.number.saturating_add(1);
            return Ok(Some(trim(bytes, self.number, true, self.max)));
        }
        let mut total = 0u64;
        let mut complete = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            total = total.saturating_add(take as u64);
            if self.buf.len() <= self.max {
                let room = self.max.saturating_add(1).saturating_sub(self.buf.len());
                self.buf.extend_from_slice(&chunk[..take.min(room)]);
            }
            self.inner.consume(take + usize::from(done));
            if done {
                complete = true;
                break;
            }
        }
        if total == 0 && !complete {
            return Ok(None);
        }
        self.number = self.number.saturating_add(1);
        if total > self.max as u64 {
            return Ok(Some(Line {
                bytes: &[],
                number: self.number,
                complete,
                oversized: Some(total),
            }));
        }
        Ok(Some(trim(&self.buf, self.number, complete, self.max)))
    }
}

/// A line's bytes without `\r` before its newline and without a byte-order mark on line 1;
/// a line over `max` bytes is only its length.
fn trim(bytes: &[u8], number: u64, complete: bool, max: usize) -> Line<'_> {
    if bytes.len() > max {
        return Line {
            bytes: &[],
            number,
            complete,
            oversized: Some(bytes.len() as u64),
        };
    }
    let mut bytes = bytes;
    if complete && let [rest @ .., b'\r'] = bytes {
        bytes = rest;
    }
    if number == 1 {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    Line {
        bytes,
        number,
        complete,
        oversized: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], max: usize) -> Vec<(Vec<u8>, bool, Option<u64>)> {
        let mut l = Lines::new(input, max);
        let mut v = vec![];
        while let Some(x) = l.next_line().unwrap() {
            v.push((x.bytes.to_vec(), x.complete, x.oversized));
        }
        v
    }

    #[test]
    fn splits_strips_and_caps() {
        let v = all(b"\xEF\xBB\xBFa\r\n\nxxxxxxxx\nbb", 6);
        assert_eq!(v[0], (b"a".to_vec(), true, None));
        assert_eq!(v[1], (b"".to_vec(), true, None));
        assert_eq!(v[2], (vec![], true, Some(8)));
        assert_eq!(v[3], (b"bb".to_vec(), false, None));
        assert_eq!(v.len(), 4);
    }

    #[test]
    fn lines_split_across_reads_equal_lines_lent_whole() {
        let input = b"\xEF\xBB\xBFfirst\r\nsecond line\n\nxxxxxxxxxxxx\nlast";
        for cap in [1, 2, 3, 5, 8, 64] {
            let mut l = Lines::new(std::io::BufReader::with_capacity(cap, &input[..]), 10);
            let mut v = vec![];
            while let Some(x) = l.next_line().unwrap() {
                v.push((x.bytes.to_vec(), x.number, x.complete, x.oversized));
            }
            assert_eq!(
                v,
                vec![
                    (b"first".to_vec(), 1, true, None),
                    (b"second lin".to_vec()[..0].to_vec(), 2, true, Some(11)),
                    (b"".to_vec(), 3, true, None),
                    (vec![], 4, true, Some(12)),
                    (b"last".to_vec(), 5, false, None),
                ],
                "buffer of {cap} bytes"
            );
        }
    }
}
