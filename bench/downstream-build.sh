#!/usr/bin/env bash
# What a downstream user's first build pays for depending on twill-api: a
# hello-world that makes one call with twill-api (default features) against
# one that makes it with reqwest 0.13 and its default features, each cold
# (its own empty target directory, the registry already downloaded) and
# incremental (main.rs touched), in debug. Wall clock, so run it on a quiet
# machine; crates compiled are counted from cargo's output.
#
#   bench/downstream-build.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/with-twill-api/src" "$work/with-reqwest/src"
cat > "$work/with-twill-api/Cargo.toml" <<TOML
[package]
name = "with-twill-api"
version = "0.1.0"
edition = "2024"
[dependencies]
twill-api = { path = "$root/twill-api" }
tokio = { version = "1", features = ["rt", "macros"] }
[workspace]
TOML
cat > "$work/with-twill-api/src/main.rs" <<'RS'
use twill_api::prelude::*;
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = twill_api::Client::from_env()?;
    let sent = client.send_message("task-1", &twill_api::SendMessageRequest::new("hi")).await?;
    println!("{}", sent.job.id);
    Ok(())
}
RS
cat > "$work/with-reqwest/Cargo.toml" <<'TOML'
[package]
name = "with-reqwest"
version = "0.1.0"
edition = "2024"
[dependencies]
reqwest = "0.13"
tokio = { version = "1", features = ["rt", "macros"] }
[workspace]
TOML
cat > "$work/with-reqwest/src/main.rs" <<'RS'
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("TWILL_API_KEY")?;
    let body = reqwest::Client::new()
        .post("https://twill.ai/api/v1/tasks/task-1/messages")
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(r#"{"message":"hi"}"#)
        .send()
        .await?
        .text()
        .await?;
    println!("{body}");
    Ok(())
}
RS

for side in ${SIDES:-with-twill-api with-reqwest}; do
    cd "$work/$side"
    cargo fetch -q
    start=$(date +%s.%N)
    crates=$(cargo build 2>&1 | grep -c '^ *Compiling')
    cold=$(echo "$(date +%s.%N) - $start" | bc)
    touch src/main.rs
    start=$(date +%s.%N)
    cargo build -q
    warm=$(echo "$(date +%s.%N) - $start" | bc)
    printf '%s: cold %.1f s (%d crates), incremental %.2f s\n' "$side" "$cold" "$crates" "$warm"
done
