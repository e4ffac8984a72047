//! Request counters in the Prometheus text format, served at `/metrics`.
//!
//! Hand-written rather than a global metrics recorder: the counters live in
//! the application state, so every test builds its own and nothing is shared
//! between servers in one process. Labels are the route *pattern*
//! (`/api/cases/{id}`), never the concrete path, so no identifier becomes a
//! label and the series stay few.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// One series: method, route pattern, status.
type Key = (String, String, u16);

#[derive(Debug, Default, Clone, Copy)]
struct Series {
    count: u64,
    seconds: f64,
}

/// The server's request metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<Key, Series>>,
}

impl Metrics {
    /// Counts one answered request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut map = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let series = map
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        series.count += 1;
        series.seconds += elapsed.as_secs_f64();
    }

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let map = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut out = String::new();
        out.push_str("# HELP shokai_build_info The running version.\n");
        out.push_str("# TYPE shokai_build_info gauge\n");
        let _ = writeln!(
            out,
            "shokai_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out.push_str("# HELP shokai_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE shokai_http_requests_total counter\n");
        for ((method, route, status), s) in &map {
            let _ = writeln!(
                out,
                "shokai_http_requests_total{{{}}} {}",
                labels(method, route, *status),
                s.count
            );
        }
        out.push_str("# HELP shokai_http_request_duration_seconds Time spent answering.\n");
        out.push_str("# TYPE shokai_http_request_duration_seconds summary\n");
        for ((method, route, status), s) in &map {
            let l = labels(method, route, *status);
            let _ = writeln!(
                out,
                "shokai_http_request_duration_seconds_sum{{{l}}} {}",
                s.seconds
            );
            let _ = writeln!(
                out,
                "shokai_http_request_duration_seconds_count{{{l}}} {}",
                s.count
            );
        }
        out
    }
}

fn labels(method: &str, route: &str, status: u16) -> String {
    format!(
        "method=\"{}\",route=\"{}\",status=\"{status}\"",
        escape(method),
        escape(route)
    )
}

/// Label values escape backslash, double quote and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_per_route_pattern_and_status() {
        let m = Metrics::default();
        m.record("GET", "/api/cases/{id}", 200, Duration::from_millis(5));
        m.record("GET", "/api/cases/{id}", 200, Duration::from_millis(5));
        m.record("GET", "/api/cases/{id}", 404, Duration::from_millis(1));
        let text = m.render();
        assert!(text.contains(
            "shokai_http_requests_total{method=\"GET\",route=\"/api/cases/{id}\",status=\"200\"} 2\n"
        ), "{text}");
        assert!(text.contains("status=\"404\"} 1\n"), "{text}");
        assert!(text.contains("# TYPE shokai_http_requests_total counter"));
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::default();
        m.record("GET", "/a\"b\\c", 200, Duration::ZERO);
        assert!(m.render().contains(r#"route="/a\"b\\c""#));
    }
}
