//! The `api` dispatcher serves whatever endpoint list it is given, not a
//! list of its own: tried here with an endpoint that only this test
//! declares (twill-mcp's tests do the same for its catalogue).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use twill_api::{Client, Endpoint, Error, endpoints, twill_endpoint};

use crate::cli::ApiArgs;
use crate::render::{Form, JsonView, Output};
use crate::session::Session;

#[endpoints]
trait Extras {
    /// Reads one extra.
    #[twill_endpoint(GET "/extras/<extraId>")]
    async fn get_extra(
        &self,
        extra_id: &str,
        #[query] verbose: Option<bool>,
    ) -> Result<Value, Error>;
}

impl Extras for Client {}

fn extras() -> Vec<&'static Endpoint> {
    vec![<Client as Extras>::GET_EXTRA]
}

/// A loopback server answering `{"extra": true}` to every request, and the
/// request lines it received.
fn server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut buffer = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buffer[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head);
            record
                .lock()
                .unwrap()
                .push(head.lines().next().unwrap_or_default().to_owned());
            let body = r#"{"extra":true}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

fn client(url: &str) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(url)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_api_dispatcher_calls_an_endpoint_of_its_list() {
    let (url, seen) = server();
    let session = Session {
        client: client(&url),
        output: Output::new(Form::Json, JsonView::whole()),
        verbose: false,
        masked_key: String::new(),
        yes: false,
    };
    let args = ApiArgs {
        endpoint: Some("get_extra".to_owned()),
        args: vec!["extraId=a b".to_owned(), "verbose=true".to_owned()],
        body: None,
        list: false,
    };
    crate::commands::api::run(&session, &extras(), args)
        .await
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        ["GET /api/v1/extras/a%20b?verbose=true HTTP/1.1"]
    );

    // Not in the list, not callable, though twill-api declares it.
    let args = ApiArgs {
        endpoint: Some("get_task".to_owned()),
        args: vec!["taskIdOrSlug=x".to_owned()],
        body: None,
        list: false,
    };
    assert!(
        crate::commands::api::run(&session, &extras(), args)
            .await
            .is_err()
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}
