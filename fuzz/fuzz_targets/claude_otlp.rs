//! Claude Code's OTLP through `agentobs_claude::otlp`: the first byte picks the signal (logs,
//! traces, metrics) and the encoding (protobuf, JSON), the rest is the request body. Parsing
//! gives a request or an error, never a panic; a request decodes twice through one decoder
//! (content shown, two sessions at most) without a panic, no more records are skipped than
//! seen, every bad record is one warning, every event's JSON round-trips, and the request
//! re-encoded as protobuf decodes to the same events.
#![no_main]

use std::ops::ControlFlow;

use agentobs_claude::otlp::{self, DecodeSummary, Encoding, OtlpDecoder};
use agentobs_schema::{Event, EventSink, Warning};
use libfuzzer_sys::fuzz_target;
use prost::Message as _;

#[derive(Default)]
struct Check {
    events: Vec<String>,
    warnings: u64,
}

impl EventSink for Check {
    fn event(&mut self, e: &Event) -> ControlFlow<()> {
        let json = serde_json::to_string(e).expect("events serialize");
        let back: Event = serde_json::from_str(&json).expect("events deserialize");
        assert_eq!(&back, e);
        self.events.push(format!("{e:?}"));
        ControlFlow::Continue(())
    }

    fn warning(&mut self, w: &Warning) {
        assert!(!w.message.is_empty());
        self.warnings += 1;
    }
}

enum Req {
    Logs(otlp::ExportLogsServiceRequest),
    Traces(otlp::ExportTraceServiceRequest),
    Metrics(otlp::ExportMetricsServiceRequest),
}

impl Req {
    fn parse(signal: u8, body: &[u8], enc: Encoding) -> Option<Req> {
        Some(match signal {
            0 => Req::Logs(otlp::parse_logs(body, enc).ok()?),
            1 => Req::Traces(otlp::parse_traces(body, enc).ok()?),
            _ => Req::Metrics(otlp::parse_metrics(body, enc).ok()?),
        })
    }

    fn protobuf(&self) -> Vec<u8> {
        match self {
            Req::Logs(r) => r.encode_to_vec(),
            Req::Traces(r) => r.encode_to_vec(),
            Req::Metrics(r) => r.encode_to_vec(),
        }
    }

    fn decode(&self) -> (DecodeSummary, Check) {
        let mut d = OtlpDecoder::new().with_content(true).with_max_sessions(2);
        let mut sink = Check::default();
        let mut s = DecodeSummary::default();
        for _ in 0..2 {
            s = match self {
                Req::Logs(r) => d.logs(r, &mut sink),
                Req::Traces(r) => d.traces(r, &mut sink),
                Req::Metrics(r) => d.metrics(r, &mut sink),
            };
        }
        assert!(d.sessions() <= 2);
        (s, sink)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, body)) = data.split_first() else {
        return;
    };
    let signal = head % 3;
    let enc = if (head / 3) % 2 == 0 {
        Encoding::Protobuf
    } else {
        Encoding::Json
    };
    let Some(req) = Req::parse(signal, body, enc) else {
        return;
    };
    let (s, sink) = req.decode();
    assert!(s.skipped <= s.records, "{s:?}");
    assert_eq!(s.events + s.skipped + s.bad, s.records, "{s:?}: every record accounted for");
    assert_eq!(sink.warnings, 2 * s.bad, "{s:?}: one warning per bad record, per pass");
    let again = Req::parse(signal, &req.protobuf(), Encoding::Protobuf)
        .expect("a request re-encoded parses");
    let (s2, sink2) = again.decode();
    assert_eq!(s, s2);
    assert_eq!(sink.events, sink2.events);
});
