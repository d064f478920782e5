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
    // Before initialize: a notification is dropped, a request refused.
    send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;
    send(r#"{"jsonrpc":"2.0","id":"early","method":"tools/list"}"#).await;
    let early: Value = serde_json::from_str(&answers.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(
        (early["id"].clone(), early["error"]["code"].clone()),
        (json!("early"), json!(-32002))
    );

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
