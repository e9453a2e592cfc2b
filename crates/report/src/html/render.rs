//! The page itself: the template with the styles, the data and the scripts put in.

use std::io::{self, Write};

use super::Page;

/// The version of Chart.js embedded in the page (from npm `chart.js`, MIT licence; the
/// licence text is in `assets/chart.js.LICENSE.md` and named on the page).
pub const CHART_JS_VERSION: &str = "4.6.1";

const TEMPLATE: &str = include_str!("assets/page.html");
const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");
const CHART_JS: &str = include_str!("assets/chart.umd.min.js");
const CHART_JS_LICENSE: &str = include_str!("assets/chart.js.LICENSE.md");

/// Text for an HTML element or attribute.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that cannot end its `<script>` element: every `<` is written as `\u003c`, which
/// only occurs inside strings in JSON.
fn script_json(page: &Page) -> io::Result<String> {
    let json = serde_json::to_string(page).map_err(io::Error::other)?;
    Ok(json.replace('<', "\\u003c"))
}

/// Writes the page: one HTML document with every style, script and datum inline.
pub fn render(page: &Page, out: &mut impl Write) -> io::Result<()> {
    let data = script_json(page)?;
    let title = escape(&page.meta.title);
    let license = escape(CHART_JS_LICENSE.trim());
    let mut rest = TEMPLATE;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.write_all(&rest.as_bytes()[..start])?;
        let name = &rest[start + 2..start + len];
        let value: &str = match name {
            "TITLE" => &title,
            "CSS" => CSS,
            "DATA" => &data,
            "CHART_JS" => CHART_JS,
            "CHART_JS_VERSION" => CHART_JS_VERSION,
            "CHART_JS_LICENSE" => &license,
            "JS" => JS,
            other => {
                return Err(io::Error::other(format!(
                    "page template: unknown placeholder {other}"
                )));
            }
        };
        out.write_all(value.as_bytes())?;
        rest = &rest[start + len + 2..];
    }
    out.write_all(rest.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_cannot_close_their_elements() {
        assert!(!CHART_JS.contains("</script"));
        assert!(!JS.contains("</script"));
        assert!(!CSS.contains("</style"));
        assert!(CHART_JS.contains(&format!("Chart.js v{CHART_JS_VERSION}")));
    }

    #[test]
    fn data_cannot_end_its_script_element() {
        use std::collections::{BTreeMap, HashMap};
        let ledger = agentobs_cost::Ledger::new(
            super::super::HTML_DIMENSIONS.to_vec(),
            jiff::tz::TimeZone::UTC,
            agentobs_cost::PriceBook::embedded(),
            Default::default(),
        );
        let report = crate::Report::from_ledger(&ledger, vec![]);
        let opts = super::super::HtmlOptions::default().with_title("<Team & co>");
        let overview = super::super::Overview::build(&report, &HashMap::new(), &HashMap::new(), 12);
        let alert = super::super::AlertNote {
            rule: "r".into(),
            severity: "info".into(),
            session: None,
            at_ms: 0,
            message: "</script><script>alert(1)</script>".into(),
            evidence: vec![],
        };
        let page = Page::new(&report, overview, vec![alert], BTreeMap::new(), &opts);
        let mut out = Vec::new();
        render(&page, &mut out).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert_eq!(
            html.matches("</script>").count(),
            3,
            "the data block and two scripts"
        );
        assert!(html.contains("\\u003c/script>\\u003cscript>alert(1)"));
        assert!(html.contains("<title>&lt;Team &amp; co&gt;</title>"));
        // The JSON still parses to the same text.
        let start = html.find("id=\"agentobs-data\">").unwrap() + "id=\"agentobs-data\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(
            data["alerts"][0]["message"],
            "</script><script>alert(1)</script>"
        );
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
