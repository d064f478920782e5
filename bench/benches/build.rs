//! Build cost: the macro's expansion time per endpoint, the incremental
//! rebuild of a crate of 200 generated endpoints against the same 200 written
//! by hand, and `twill-api`'s dependency count and cold build time.
//!
//! ```sh
//! cargo bench -p twill-bench --bench build
//! ```
//!
//! The expansion is timed by calling the macro's library, `twill-macros-impl`,
//! in this binary (`proc_macro2` then runs on its fallback, not the
//! compiler's bridge); the rebuilds run `cargo build` on generated crates
//! under `target/twill-bench-build`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use proc_macro2::TokenStream;

const ENDPOINTS: usize = 200;

fn main() {
    println!("twill-bench build: macro expansion, incremental rebuilds, dependencies\n");
    expansion();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    rebuilds(workspace);
    dependencies(workspace);
}

/// The attribute and method of endpoint `i`: a spread of methods, paths
/// and argument roles.
fn endpoint_tokens(i: usize) -> (TokenStream, TokenStream) {
    let (attr, method) = match i % 4 {
        0 => (
            format!("POST \"/resources{i}/<resourceId>/messages\""),
            format!(
                "async fn op{i}(&self, resource_id: &str, #[body] body: &twill_api::models::SendMessageRequest) -> Result<twill_api::models::SendMessageResponse, twill_api::Error>;"
            ),
        ),
        1 => (
            format!("GET \"/resources{i}/<resourceId>\""),
            format!(
                "async fn op{i}(&self, resource_id: &str, #[query] limit: Option<u32>) -> Result<twill_api::models::SendMessageResponse, twill_api::Error>;"
            ),
        ),
        2 => (
            format!("PATCH \"/resources{i}/<resourceId>/items/<itemId>\""),
            format!(
                "async fn op{i}(&self, resource_id: &str, item_id: u64, #[body] body: &twill_api::models::SendMessageRequest) -> Result<twill_api::models::SendMessageResponse, twill_api::Error>;"
            ),
        ),
        _ => (
            format!("DELETE \"/resources{i}/<resourceId>\""),
            format!(
                "async fn op{i}(&self, resource_id: &str, #[header(\"X-Request-Id\")] request_id: &str) -> Result<twill_api::models::SendMessageResponse, twill_api::Error>;"
            ),
        ),
    };
    (
        attr.parse().expect("attribute tokens"),
        method.parse().expect("method tokens"),
    )
}

fn expansion() {
    let inputs: Vec<(TokenStream, TokenStream)> = (0..ENDPOINTS).map(endpoint_tokens).collect();
    // Warm up, and check that every input expands without error.
    for (attr, method) in &inputs {
        let out = twill_macros_impl::endpoint(attr.clone(), method.clone()).to_string();
        assert!(!out.contains("compile_error"), "{out}");
    }
    let rounds = 20;
    let mut per_endpoint = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        for (attr, method) in &inputs {
            std::hint::black_box(twill_macros_impl::endpoint(attr.clone(), method.clone()));
        }
        per_endpoint.push(started.elapsed().as_secs_f64() * 1e3 / ENDPOINTS as f64);
    }
    per_endpoint.sort_by(f64::total_cmp);
    let median = per_endpoint[rounds / 2];
    println!("macro expansion, {ENDPOINTS} endpoints, median of {rounds} rounds");
    println!(
        "   {median:.4} ms per endpoint (target <= 1 ms): {}\n",
        if median <= 1.0 { "met" } else { "MISSED" }
    );
}

/// Writes a crate of 200 endpoints declared with the macro, and one with the
/// same 200 calls written by hand; both call every endpoint, so both are
/// compiled to machine code in full.
fn write_crates(root: &Path, workspace: &Path) {
    let twill_api = workspace.join("twill-api");
    std::fs::create_dir_all(root.join("generated/src")).expect("mkdir");
    std::fs::create_dir_all(root.join("handwritten/src")).expect("mkdir");
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"generated\", \"handwritten\"]\n",
    )
    .expect("write");
    for name in ["generated", "handwritten"] {
        let extra = if name == "handwritten" {
            "serde_json = \"1\"\npercent-encoding = \"2.3\"\n"
        } else {
            ""
        };
        std::fs::write(
            root.join(name).join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\ntwill-api = {{ path = {:?} }}\n{extra}",
                twill_api.display().to_string()
            ),
        )
        .expect("write");
    }

    let mut generated =
        String::from("#![allow(clippy::all)]\nuse twill_api::twill_endpoint;\n\npub trait Api {\n");
    let mut calls = String::new();
    for i in 0..ENDPOINTS {
        let (attr, method) = endpoint_tokens(i);
        writeln!(generated, "    #[twill_endpoint({attr})]\n    {method}").expect("write");
        let call = match i % 4 {
            0 => format!("client.op{i}(id, body).await"),
            1 => format!("client.op{i}(id, Some(5)).await"),
            2 => format!("client.op{i}(id, 7, body).await"),
            _ => format!("client.op{i}(id, \"req\").await"),
        };
        writeln!(calls, "    let _ = {call};").expect("write");
    }
    generated.push_str("}\n\nimpl Api for twill_api::Client {}\n\n");
    writeln!(
        generated,
        "pub async fn call_all(client: &twill_api::Client, id: &str, body: &twill_api::models::SendMessageRequest) {{\n{calls}}}"
    )
    .expect("write");
    generated.push_str("\npub const EDIT: u32 = 0;\n");
    std::fs::write(root.join("generated/src/lib.rs"), generated).expect("write");

    let mut hand = String::from(HAND_PRELUDE);
    let mut hand_calls = String::new();
    for i in 0..ENDPOINTS {
        let (method, path, params, body, call) = match i % 4 {
            0 => (
                "post",
                format!("/resources{i}/{{}}/messages"),
                "resource_id: &str, body: &SendMessageRequest",
                "Some(body)",
                format!("op{i}(client, id, body).await"),
            ),
            1 => (
                "get",
                format!("/resources{i}/{{}}"),
                "resource_id: &str, limit: Option<u32>",
                "None::<&SendMessageRequest>",
                format!("op{i}(client, id, Some(5)).await"),
            ),
            2 => (
                "patch",
                format!("/resources{i}/{{}}/items/{{}}"),
                "resource_id: &str, item_id: u64, body: &SendMessageRequest",
                "Some(body)",
                format!("op{i}(client, id, 7, body).await"),
            ),
            _ => (
                "delete",
                format!("/resources{i}/{{}}"),
                "resource_id: &str, request_id: &str",
                "None::<&SendMessageRequest>",
                format!("op{i}(client, id, \"req\").await"),
            ),
        };
        let url_args = if i % 4 == 2 {
            "enc(resource_id), item_id"
        } else {
            "enc(resource_id)"
        };
        let extra = match i % 4 {
            1 => "    if let Some(limit) = limit { url.push_str(&format!(\"?limit={limit}\")); }\n",
            _ => "",
        };
        let header = if i % 4 == 3 {
            "    let request = request.header(\"x-request-id\", request_id);\n"
        } else {
            ""
        };
        writeln!(
            hand,
            "pub async fn op{i}(client: &Hand, {params}) -> Result<SendMessageResponse, Error> {{\n\
             \x20   let mut url = format!(\"{{}}{path}\", client.base, {url_args});\n{extra}\
             \x20   let request = client.http.{method}(url);\n{header}\
             \x20   send(client, request, {body}).await\n}}\n"
        )
        .expect("write");
        writeln!(hand_calls, "    let _ = {call};").expect("write");
    }
    writeln!(
        hand,
        "pub async fn call_all(client: &Hand, id: &str, body: &SendMessageRequest) {{\n{hand_calls}}}\n\npub const EDIT: u32 = 0;"
    )
    .expect("write");
    std::fs::write(root.join("handwritten/src/lib.rs"), hand).expect("write");
}

const HAND_PRELUDE: &str = r#"#![allow(clippy::all, unused_mut)]
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use twill_api::reqwest::{self, header};
use twill_api::models::{SendMessageRequest, SendMessageResponse};

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

pub struct Hand {
    pub http: reqwest::Client,
    pub base: String,
    pub authorization: header::HeaderValue,
}

#[derive(Debug)]
pub enum Error {
    Http(reqwest::Error),
    Status(reqwest::StatusCode, Vec<u8>),
    Json(serde_json::Error),
}

fn enc(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

async fn send(
    client: &Hand,
    request: reqwest::RequestBuilder,
    body: Option<&SendMessageRequest>,
) -> Result<SendMessageResponse, Error> {
    let mut request = request
        .header(header::AUTHORIZATION, client.authorization.clone())
        .header(header::ACCEPT, "application/json")
        .timeout(std::time::Duration::from_secs(60));
    if let Some(body) = body {
        let bytes = serde_json::to_vec(body).map_err(Error::Json)?;
        request = request.header(header::CONTENT_TYPE, "application/json").body(bytes);
    }
    let response = request.send().await.map_err(Error::Http)?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(Error::Http)?;
    if !status.is_success() {
        return Err(Error::Status(status, bytes.to_vec()));
    }
    serde_json::from_slice(&bytes).map_err(Error::Json)
}

"#;

fn cargo(root: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env_remove("RUSTFLAGS")
        .status()
        .expect("run cargo");
    assert!(status.success(), "cargo {args:?} failed");
    started.elapsed()
}

/// Changes the crate's source so that it must be rebuilt.
fn edit(root: &Path, name: &str, round: usize) {
    let path = root.join(name).join("src/lib.rs");
    let source = std::fs::read_to_string(&path).expect("read");
    let start = source.rfind("pub const EDIT: u32 = ").expect("edit marker");
    let edited = format!("{}pub const EDIT: u32 = {round};\n", &source[..start]);
    std::fs::write(&path, edited).expect("write");
}

/// The profile lines the README recommends for faster rebuilds: the macro
/// and its parser compiled with optimisations, even in a dev build.
const OPTIMISED_MACRO_PROFILE: &str = "
[profile.dev.package.twill-macros-impl]
opt-level = 3
[profile.dev.package.twill-macros]
opt-level = 3
[profile.dev.package.syn]
opt-level = 3
[profile.dev.package.proc-macro2]
opt-level = 3
[profile.dev.package.quote]
opt-level = 3
";

fn rebuilds(workspace: &Path) {
    let root: PathBuf = workspace.join("target/twill-bench-build");
    write_crates(&root, workspace);
    println!("building the two {ENDPOINTS}-endpoint crates once (dependencies included)...");
    cargo(&root, &["build", "-q", "--workspace"]);
    rebuild_ratio(&root, "dev profile");

    let manifest = root.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("read");
    text.push_str(OPTIMISED_MACRO_PROFILE);
    std::fs::write(&manifest, text).expect("write");
    cargo(&root, &["build", "-q", "--workspace"]);
    rebuild_ratio(
        &root,
        "dev profile, the macro crates at opt-level 3 as the README suggests",
    );
}

/// Median rebuild times of both crates after an edit, and their ratio.
fn rebuild_ratio(root: &Path, profile: &str) {
    let rounds = 7;
    let (mut generated, mut hand) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        edit(root, "generated", round);
        generated.push(cargo(root, &["build", "-q", "-p", "generated"]).as_secs_f64());
        edit(root, "handwritten", round);
        hand.push(cargo(root, &["build", "-q", "-p", "handwritten"]).as_secs_f64());
    }
    generated.sort_by(f64::total_cmp);
    hand.sort_by(f64::total_cmp);
    let (g, h) = (generated[rounds / 2], hand[rounds / 2]);
    println!("incremental rebuild ({profile}) after an edit, median of {rounds}");
    println!(
        "   {ENDPOINTS} generated endpoints {g:.2} s, {ENDPOINTS} hand-written {h:.2} s, ratio {:.2} (target <= 1.10)\n",
        g / h
    );
}

fn dependencies(workspace: &Path) {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "twill-api",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(workspace)
        .output()
        .expect("cargo tree");
    let tree = String::from_utf8_lossy(&output.stdout);
    let mut crates: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "twill-api")
        .collect();
    crates.sort_unstable();
    crates.dedup();
    println!(
        "twill-api's normal dependencies: {} crates (cargo tree -p twill-api -e normal)",
        crates.len()
    );

    let cold = workspace.join("target/twill-bench-cold");
    let _ = std::fs::remove_dir_all(&cold);
    let started = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["build", "-q", "--release", "-p", "twill-api"])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", &cold)
        .status()
        .expect("cargo build");
    assert!(status.success());
    println!(
        "cold release build of twill-api and its dependencies: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&cold);
}
