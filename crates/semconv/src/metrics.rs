//! Metric aggregation: measurements a dialect records, folded into points per series.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use agentobs_schema::Timestamp;

use crate::record::{
    AttrList, HistogramValue, Instrument, InstrumentationScope, Key, MetricPoint, PointValue,
    Resource, Temporality,
};

/// One measurement, before aggregation.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// Metric name.
    pub name: Key,
    /// Unit.
    pub unit: Key,
    /// Instrument; for a histogram, its bucket bounds.
    pub instrument: MeasuredWith,
    /// Series attributes.
    pub attributes: AttrList,
    /// The measured value (a counter's increment).
    pub value: f64,
    /// When it was measured.
    pub time: Timestamp,
}

/// The instrument of a [`Measurement`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MeasuredWith {
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
    index: HashMap<String, usize>,
    series: Vec<Series>,
    key: String,
}

impl Aggregator {
    pub(crate) fn record(&mut self, m: Measurement) {
        if !m.value.is_finite() {
            return;
        }
        self.key.clear();
        self.key.push_str(&m.name);
        for kv in &m.attributes {
            let _ = write!(self.key, "\u{0}{}={}", kv.key, kv.value);
        }
        if let Some(&i) = self.index.get(&self.key) {
            if let Some(s) = self.series.get_mut(i) {
                s.time = s.time.max(m.time);
                s.start = s.start.min(m.time);
                add(&mut s.value, m.value);
            }
            return;
        }
        let mut value = match m.instrument {
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
        add(&mut value, m.value);
        self.index.insert(self.key.clone(), self.series.len());
        self.series.push(Series {
            name: m.name,
            unit: m.unit,
            attributes: m.attributes,
            start: m.time,
            time: m.time,
            value,
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
            agg.record(Measurement {
                name: "m".into(),
                unit: "{token}".into(),
                instrument: MeasuredWith::Histogram(&BOUNDS),
                attributes: AttrList::new(),
                value: v,
                time: Timestamp::from_unix_millis(t),
            });
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
