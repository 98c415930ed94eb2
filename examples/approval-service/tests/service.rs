//! The service as a client sees it: real HTTP on 127.0.0.1, one server per
//! test binary, booted from the financial-approval story once.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use approval_service::load::{self, Load, Shot};
use approval_service::{Config, Service, samples, serve};
use financial_approval::Dirs;
use serde_json::{Value, json};

fn server() -> SocketAddr {
    static SERVER: OnceLock<SocketAddr> = OnceLock::new();
    *SERVER.get_or_init(|| {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        // The compile cache is the one financial-approval's tests use.
        let dirs = Dirs { out: tmp.join("approval-service"), compile: tmp.join("logos-nodes") };
        let mut prose = Vec::new();
        let service = Service::bootstrap(&Config::new(dirs), &mut prose).unwrap_or_else(|e| {
            panic!(
                "the service did not boot: {e}\n--- the story so far ---\n{}",
                String::from_utf8_lossy(&prose)
            )
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
                tx.send(listener.local_addr().expect("the bound address")).expect("the test is waiting");
                serve(listener, service, std::future::pending()).await.expect("serving");
            });
        });
        rx.recv().expect("the server thread reports its address")
    })
}

/// One request on a fresh connection: (status, JSON body or Null).
fn call(method: &str, path: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(server()).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("a reply");
    let reply = String::from_utf8(reply).expect("a UTF-8 reply");
    let (head, body) = reply.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("status in {head:?}"));
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn decide(body: &Value) -> (u16, Value) {
    call("POST", "/v1/decisions", &body.to_string())
}

/// T-01 of the story: a coffee.
fn coffee() -> Value {
    json!({
        "id": "T-01", "merchant": "corner coffee", "amount_cents": 450, "channel": "card", "country": "DE",
        "history": {"count_24h": 2, "total_24h_cents": 12000, "recent": []}
    })
}

fn error_of(reply: &Value) -> &str {
    reply["error"].as_str().unwrap_or_else(|| panic!("no error message in {reply}"))
}

#[test]
fn the_service_can_be_shared_across_threads() {
    fn shared<T: Clone + Send + Sync + 'static>() {}
    shared::<Service>();
}

#[test]
fn health_answers_ok_with_the_flow_and_its_version() {
    let (status, body) = call("GET", "/v1/health", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["flow"], "approve-transaction");
    assert!(body["graph_version"].as_u64().is_some_and(|v| v > 1), "{body}");
}

#[test]
fn a_coffee_is_approved_with_fuel_version_and_record() {
    let (status, body) = decide(&coffee());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "T-01");
    assert_eq!(body["decision"], "approve");
    assert_eq!(body["reasons"], json!([]));
    assert!(body["score"].is_u64());
    assert!(body["fuel"].as_u64().is_some_and(|f| f > 0), "{body}");
    assert!(body["graph_version"].as_u64().is_some_and(|v| v > 1), "{body}");
    assert!(body["record"].as_u64().is_some(), "decisions are recorded: {body}");
}

#[test]
fn a_sanctioned_country_is_rejected_and_says_so() {
    let t04 = json!({
        "merchant": "electronics shop", "amount_cents": 8900, "channel": "transfer", "country": "KP",
        "history": {"count_24h": 0, "total_24h_cents": 0}
    });
    let (status, body) = decide(&t04);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "reject");
    assert_eq!(body["reasons"][0], "sanctioned country KP");
    assert!(body.get("id").is_none(), "no id asked, none echoed: {body}");
}

#[test]
fn a_repeated_payment_goes_to_review_as_a_duplicate() {
    let t06 = json!({
        "id": "T-06", "merchant": "streaming service", "amount_cents": 1299, "channel": "card", "country": "IE",
        "history": {"count_24h": 4, "total_24h_cents": 30000, "recent": [
            {"merchant": "streaming service", "amount_cents": 1299, "minutes_ago": 2},
            {"merchant": "bakery", "amount_cents": 380, "minutes_ago": 95}
        ]}
    });
    let (status, body) = decide(&t06);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "review");
    assert_eq!(body["reasons"], json!(["same payment 2 min ago"]));
}

#[test]
fn every_payment_of_the_story_gets_the_story_decision() {
    for (request, expect) in samples::morning() {
        let (status, body) = decide(&serde_json::to_value(&request).expect("a request is JSON"));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["decision"], expect, "{:?}: {body}", request.id);
    }
}

#[test]
fn a_body_that_is_not_json_is_a_400_that_says_where() {
    let (status, body) = call("POST", "/v1/decisions", "{\"merchant\": ");
    assert_eq!(status, 400, "{body}");
    assert!(error_of(&body).starts_with("invalid request body: EOF while parsing"), "{body}");
}

#[test]
fn a_missing_field_is_a_400_naming_it() {
    let mut t = coffee();
    t.as_object_mut().map(|o| o.remove("history"));
    let (status, body) = decide(&t);
    assert_eq!(status, 400, "{body}");
    assert!(error_of(&body).contains("missing field `history`"), "{body}");
}

#[test]
fn a_misspelt_field_is_a_400_not_a_default() {
    let mut t = coffee();
    t["ammount_cents"] = json!(450);
    let (status, body) = decide(&t);
    assert_eq!(status, 400, "{body}");
    assert!(error_of(&body).contains("unknown field `ammount_cents`"), "{body}");
}

#[test]
fn an_unknown_channel_or_a_negative_amount_is_a_400() {
    for (field, value) in [("channel", json!("cheque")), ("amount_cents", json!(-5))] {
        let mut t = coffee();
        t[field] = value;
        let (status, body) = decide(&t);
        assert_eq!(status, 400, "{field}: {body}");
        assert!(error_of(&body).starts_with("invalid request body"), "{body}");
    }
}

#[test]
fn the_intake_rule_refuses_a_zero_amount_with_a_400() {
    let mut t = coffee();
    t["amount_cents"] = json!(0);
    let (status, body) = decide(&t);
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_of(&body), "the rules refused the transaction: intake says amount must be positive");
}

#[test]
fn the_intake_rule_refuses_a_country_that_is_not_a_two_letter_code() {
    let mut t = coffee();
    t["country"] = json!("Germany");
    let (status, body) = decide(&t);
    assert_eq!(status, 400, "{body}");
    assert!(error_of(&body).contains("country must be a two-letter code, got \"Germany\""), "{body}");
}

#[test]
fn too_many_recent_payments_is_a_400() {
    let mut t = coffee();
    let recent = json!({"merchant": "bakery", "amount_cents": 380, "minutes_ago": 5});
    t["history"]["recent"] = Value::Array(vec![recent; 101]);
    let (status, body) = decide(&t);
    assert_eq!(status, 400, "{body}");
    assert!(error_of(&body).contains("send at most the 100 most recent"), "{body}");
}

#[test]
fn a_body_over_64_kib_is_a_413() {
    let mut t = coffee();
    t["merchant"] = json!("x".repeat(70_000));
    let (status, body) = decide(&t);
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].is_string(), "{body}");
}

#[test]
fn an_unknown_path_is_a_json_404_and_a_wrong_method_a_405() {
    let (status, body) = call("GET", "/v1/nothing", "");
    assert_eq!(status, 404);
    assert!(error_of(&body).contains("POST /v1/decisions"), "{body}");
    let (status, _) = call("GET", "/v1/decisions", "");
    assert_eq!(status, 405);
}

#[test]
fn the_flow_is_described_with_its_ports_and_types() {
    let (status, body) = call("GET", "/v1/flow", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "approve-transaction");
    assert_eq!(body["kind"], "production");
    let ports = |side: &str| -> Vec<String> {
        body[side]
            .as_array()
            .map(|ports| {
                ports.iter().map(|p| format!("{}.{}", p["node"], p["port"]).replace('"', "")).collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(ports("inputs"), ["intake.txn", "intake.history"]);
    assert_eq!(ports("outputs"), ["decide.decision", "decide.reasons", "risk-score.score"]);
    let every = body["inputs"].as_array().into_iter().chain(body["outputs"].as_array()).flatten();
    for port in every {
        assert_eq!(port["bedrock"], true, "{port}");
        assert!(port["type"].as_str().is_some_and(|t| !t.is_empty()), "{port}");
    }
}

#[test]
fn a_short_load_run_decides_every_request_as_the_story_does() {
    let shots =
        samples::morning().iter().map(|(r, expect)| Shot::decision(r, expect)).collect::<Result<Vec<_>, _>>();
    let load = Load {
        requests: 120,
        concurrency: 4,
        time_cap: Duration::from_secs(120),
        request_timeout: Duration::from_secs(60),
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let report = runtime.block_on(load::run(server(), shots.expect("the samples are JSON"), load));
    assert_eq!((report.ok, report.errors), (120, 0), "first error: {:?}", report.first_error);
    assert_eq!(report.latencies.len(), 120);
    assert!(report.percentile(50.0) <= report.percentile(100.0));
}
