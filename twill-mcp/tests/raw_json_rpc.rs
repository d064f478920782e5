//! The server as a client we did not write sees it: raw JSON-RPC lines
//! over a pipe, malformed ones included. Every request gets an answer, and
//! a client that leaves ends the server.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use twill_mcp::{Options, TwillTools};

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;

#[tokio::test]
async fn every_line_is_answered_and_leaving_ends_the_server() {
    let client = twill_api::Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:1/api/v1")
        .build()
        .unwrap();
    let (mut to_server, server_input) = tokio::io::duplex(1 << 16);
    let (server_output, from_server) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(twill_mcp::serve_lines(
        TwillTools::new(client, Options::default()),
        server_input,
        server_output,
    ));
    let mut answers = BufReader::new(from_server).lines();
    let mut send = async |line: &str| {
        to_server.write_all(line.as_bytes()).await.unwrap();
        to_server.write_all(b"\n").await.unwrap();
    };
    // Before initialize: a notification is dropped (rmcp would end the
    // session), a request without metadata answered with an error.
    send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;
    send(r#"{"jsonrpc":"2.0","id":"early","method":"tools/list"}"#).await;
    let early: Value = serde_json::from_str(&answers.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(early["id"], "early", "{early}");
    assert!(early["error"]["code"].is_i64(), "{early}");

    send(INITIALIZE).await;
    let initialized: Value =
        serde_json::from_str(&answers.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(initialized["id"], 1);
    assert_eq!(initialized["result"]["serverInfo"]["name"], "twill");
    send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;

    for (line, id, code) in [
        ("{this is not json", Value::Null, -32700),
        (
            r#"[{"jsonrpc":"2.0","id":2,"method":"ping"}]"#,
            Value::Null,
            -32600,
        ),
        (
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"arguments":{}}}"#,
            json!(3),
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"me","arguments":"x"}}"#,
            json!(4),
            -32602,
        ),
    ] {
        send(line).await;
        let answer: Value =
            serde_json::from_str(&answers.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(
            (answer["id"].clone(), answer["error"]["code"].as_i64()),
            (id, Some(code)),
            "{line}: {answer}"
        );
    }
    // A lone surrogate is legal JSON: answered (the argument is refused
    // by the tool, not the line by the parser).
    send(r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"get_task","arguments":{"taskIdOrSlug":7,"x":"\ud800"}}}"#).await;
    let answer: Value = serde_json::from_str(&answers.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(answer["id"], 5, "{answer}");
    assert_eq!(answer["result"]["isError"], true, "{answer}");

    // The client leaves: the server ends, quietly.
    let _ = send;
    drop(to_server);
    let ended = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
}

#[tokio::test]
async fn a_client_that_leaves_before_initialize_ends_the_server_quietly() {
    let client = twill_api::Client::new("k").unwrap();
    let (to_server, server_input) = tokio::io::duplex(64);
    let (server_output, _from_server) = tokio::io::duplex(64);
    drop(to_server);
    let served = tokio::time::timeout(
        Duration::from_secs(5),
        twill_mcp::serve_lines(
            TwillTools::new(client, Options::default()),
            server_input,
            server_output,
        ),
    )
    .await;
    assert!(matches!(served, Ok(Ok(()))), "{served:?}");
}

/// A raw connection to a server with no API behind it: send a line, read
/// the next answer.
struct Raw {
    to_server: tokio::io::DuplexStream,
    answers: tokio::io::Lines<BufReader<tokio::io::DuplexStream>>,
}

impl Raw {
    fn start() -> Raw {
        let client = twill_api::Client::new("k").unwrap();
        let (to_server, server_input) = tokio::io::duplex(1 << 16);
        let (server_output, from_server) = tokio::io::duplex(1 << 16);
        tokio::spawn(twill_mcp::serve_lines(
            TwillTools::new(client, Options::default()),
            server_input,
            server_output,
        ));
        Raw {
            to_server,
            answers: BufReader::new(from_server).lines(),
        }
    }

    async fn ask(&mut self, message: Value) -> Value {
        let line = format!("{message}\n");
        self.to_server.write_all(line.as_bytes()).await.unwrap();
        let answer = self.answers.next_line().await.unwrap().unwrap();
        serde_json::from_str(&answer).unwrap()
    }
}

#[tokio::test]
async fn every_protocol_revision_is_served() {
    // The revisions with initialize: each is answered in its own version,
    // and lists the tools.
    for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
        let mut raw = Raw::start();
        let answer = raw
            .ask(
                json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": version, "capabilities": {},
                "clientInfo": { "name": "raw", "version": "0" } } }),
            )
            .await;
        assert_eq!(answer["result"]["protocolVersion"], version, "{answer}");
        raw.to_server
            .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
            .await
            .unwrap();
        let tools = raw
            .ask(json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list" }))
            .await;
        assert!(
            tools["result"]["tools"].as_array().unwrap().len() > 20,
            "{version}: {tools}"
        );
    }
    // 2026-07-28: no initialize; server/discover, then requests that carry
    // their metadata.
    let mut raw = Raw::start();
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { "name": "raw", "version": "0" },
    });
    let discovered = raw
        .ask(json!({ "jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": { "_meta": meta } }))
        .await;
    assert!(discovered.get("result").is_some(), "{discovered}");
    let tools = raw
        .ask(json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": { "_meta": meta } }))
        .await;
    assert!(
        tools["result"]["tools"].as_array().unwrap().len() > 20,
        "{tools}"
    );
    let called = raw
        .ask(
            json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "_meta": meta, "name": "wait_for_job", "arguments": { "jobId": 1 } } }),
        )
        .await;
    assert_eq!(called["result"]["isError"], true, "{called}");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_leaves_during_a_wait_ends_the_server_within_a_second() {
    // A log stream that never ends.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let (opened_tx, opened) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = [0u8; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut head).await;
        let reply = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n\
                     data: {\"type\":\"connected\",\"jobId\":\"j\"}\n\n";
        stream.write_all(reply.as_bytes()).await.unwrap();
        let _ = opened_tx.send(());
        let mut rest = [0u8; 64];
        while !matches!(
            tokio::io::AsyncReadExt::read(&mut stream, &mut rest).await,
            Ok(0) | Err(_)
        ) {}
    });
    let client = twill_api::Client::builder()
        .api_key("k")
        .base_url(&url)
        .build()
        .unwrap();
    let (mut to_server, server_input) = tokio::io::duplex(1 << 16);
    let (server_output, _from_server) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(twill_mcp::serve_lines(
        TwillTools::new(client, Options::default()),
        server_input,
        server_output,
    ));
    for line in [
        INITIALIZE,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait_for_job","arguments":{"jobId":"j"}}}"#,
    ] {
        to_server
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }
    opened.await.unwrap();
    drop(to_server);
    let ended = tokio::time::timeout(Duration::from_secs(1), server).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
}

/// The most bytes the `tools/list` answer may take, every tool listed: it
/// sits in every session's context of every host.
const TOOL_LIST_BUDGET: usize = 24_000;

#[tokio::test]
async fn the_tool_list_fits_its_byte_budget() {
    let mut raw = Raw::start();
    raw.ask(
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": { "name": "raw", "version": "0" } } }),
    )
    .await;
    raw.to_server
        .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
        .await
        .unwrap();
    raw.to_server
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n")
        .await
        .unwrap();
    let line = raw.answers.next_line().await.unwrap().unwrap();
    let tools: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(tools["result"]["tools"].as_array().unwrap().len(), 22);
    assert!(
        line.len() <= TOOL_LIST_BUDGET,
        "{} bytes, over the {TOOL_LIST_BUDGET}-byte budget",
        line.len()
    );
}
