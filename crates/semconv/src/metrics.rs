//! Metric aggregation: measurements a dialect records, folded into points per series.

use std::collections::HashMap;
use std::sync::Arc;

use agentobs_schema::Timestamp;

use crate::record::{
    AttrList, AttrValue, HistogramValue, Instrument, InstrumentationScope, Key, MetricPoint,
    PointValue, Resource, Temporality,
};

/// The instrument a measurement is recorded with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum MeasuredWith {
    /// A monotonic counter.
    Counter,
    /// A histogram with these explicit bucket bounds.
    Histogram(&'static [f64]),
}

#[derive(Debug)]
struct Series {
    name: Key,
    unit: Key,
    attributes: AttrList,
    start: Timestamp,
    time: Timestamp,
    value: PointValue,
}

/// The series of one session, in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct Aggregator {
    /// Series indices by a hash of (name, attributes); equal hashes are compared in full.
    index: HashMap<u64, Vec<usize>, std::hash::BuildHasherDefault<Prehashed>>,
    series: Vec<Series>,
}

/// A word-at-a-time hash (FxHash's mixing step) over the name and every attribute, without
/// formatting anything. Equal hashes are compared in full, so collisions cost time only.
fn series_hash(name: &str, attrs: &AttrList) -> u64 {
    let mut h: u64 = 0;
    mix_bytes(&mut h, name.as_bytes());
    for kv in attrs {
        mix_bytes(&mut h, kv.key.as_bytes());
        match &kv.value {
            AttrValue::Str(s) => mix_bytes(&mut h, s.as_bytes()),
            AttrValue::Shared(s) => mix_bytes(&mut h, s.as_bytes()),
            AttrValue::Bool(b) => mix(&mut h, u64::from(*b)),
            AttrValue::Int(i) => mix(&mut h, *i as u64),
            AttrValue::Double(d) => mix(&mut h, d.to_bits()),
            AttrValue::StrArray(v) => {
                for s in v {
                    mix_bytes(&mut h, s.as_bytes());
                }
            }
        }
    }
    h
}

#[inline]
fn mix(h: &mut u64, w: u64) {
    *h = (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
}

#[inline]
fn mix_bytes(h: &mut u64, bytes: &[u8]) {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        mix(h, u64::from_le_bytes(b));
    }
    let rest = chunks.remainder();
    let mut b = [0u8; 8];
    if let Some(dst) = b.get_mut(..rest.len()) {
        dst.copy_from_slice(rest);
    }
    mix(
        h,
        u64::from_le_bytes(b) ^ (bytes.len() as u64).rotate_left(56),
    );
}

/// A fast, non-cryptographic hasher for the mapper's maps (session ids, turn ids): FxHash's
/// mixing a word at a time. Keys come from the harness's own files; the maps are bounded.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        mix_bytes(&mut self.0, bytes);
    }
}

/// Hashes the already-hashed series keys as they are.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

impl Aggregator {
    /// Adds one measurement; `attributes` are copied only for a new series.
    pub(crate) fn record(
        &mut self,
        name: Key,
        unit: Key,
        instrument: MeasuredWith,
        attributes: &AttrList,
        value: f64,
        time: Timestamp,
    ) {
        if !value.is_finite() {
            return;
        }
        let hash = series_hash(&name, attributes);
        let bucket = self.index.entry(hash).or_default();
        for &i in bucket.iter() {
            if let Some(s) = self.series.get_mut(i)
                && s.name == name
                && s.attributes == *attributes
            {
                s.time = s.time.max(time);
                s.start = s.start.min(time);
                add(&mut s.value, value);
                return;
            }
        }
        let mut point = match instrument {
            MeasuredWith::Counter => PointValue::Sum(0.0),
            MeasuredWith::Histogram(bounds) => PointValue::Histogram(HistogramValue {
                count: 0,
                sum: 0.0,
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
                bounds,
                bucket_counts: vec![0; bounds.len() + 1],
            }),
        };
        add(&mut point, value);
        bucket.push(self.series.len());
        self.series.push(Series {
            name,
            unit,
            attributes: attributes.clone(),
            start: time,
            time,
            value: point,
        });
    }

    /// Every series as a point; the aggregator is empty afterwards.
    pub(crate) fn drain(
        &mut self,
        resource: &Arc<Resource>,
        scope: &Arc<InstrumentationScope>,
        temporality: Temporality,
    ) -> impl Iterator<Item = MetricPoint> + '_ {
        self.index.clear();
        let resource = resource.clone();
        let scope = scope.clone();
        self.series.drain(..).map(move |s| MetricPoint {
            resource: resource.clone(),
            scope: scope.clone(),
            name: s.name,
            unit: s.unit,
            instrument: match s.value {
                PointValue::Sum(_) => Instrument::Counter,
                PointValue::Histogram(_) => Instrument::Histogram,
            },
            temporality,
            attributes: s.attributes,
            start: s.start,
            time: s.time,
            value: s.value,
        })
    }
}

fn add(value: &mut PointValue, v: f64) {
    match value {
        PointValue::Sum(s) => *s += v,
        PointValue::Histogram(h) => {
            h.count = h.count.saturating_add(1);
            h.sum += v;
            h.min = h.min.min(v);
            h.max = h.max.max(v);
            let i = h.bounds.partition_point(|b| *b < v);
            if let Some(c) = h.bucket_counts.get_mut(i) {
                *c = c.saturating_add(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_upper_inclusive() {
        static BOUNDS: [f64; 3] = [1.0, 4.0, 16.0];
        let mut agg = Aggregator::default();
        for (v, t) in [(1.0, 5), (4.5, 3), (100.0, 9), (0.5, 7)] {
            agg.record(
                "m".into(),
                "{token}".into(),
                MeasuredWith::Histogram(&BOUNDS),
                &AttrList::new(),
                v,
                Timestamp::from_unix_millis(t),
            );
        }
        let pts: Vec<_> = agg
            .drain(&Arc::default(), &Arc::default(), Temporality::Delta)
            .collect();
        assert_eq!(pts.len(), 1);
        let PointValue::Histogram(h) = &pts[0].value else {
            panic!()
        };
        assert_eq!(h.bucket_counts, vec![2, 0, 1, 1]);
        assert_eq!((h.count, h.sum, h.min, h.max), (4, 106.0, 0.5, 100.0));
        assert_eq!(pts[0].start.unix_millis(), 3);
        assert_eq!(pts[0].time.unix_millis(), 9);
    }
}
