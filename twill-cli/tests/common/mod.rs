//! What the command line's tests share: `twill mock` in a child process.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};

use assert_cmd::Command;

/// `twill mock` in a child process, stopped when dropped.
pub struct Mock {
    child: Child,
    pub url: String,
    pub key: String,
}

impl Mock {
    pub fn start(options: &[&str]) -> Mock {
        let mut child = Process::new(assert_cmd::cargo::cargo_bin!("twill"))
            .arg("mock")
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("twill mock starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (mut url, mut key) = (None, None);
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("a line from twill mock");
            if let Some(value) = line.strip_prefix("export TWILL_BASE_URL=") {
                url = Some(value.to_owned());
            }
            if let Some(value) = line.strip_prefix("export TWILL_API_KEY=") {
                key = Some(value.to_owned());
            }
            if url.is_some() && key.is_some() {
                break;
            }
        }
        Mock {
            child,
            url: url.expect("twill mock prints TWILL_BASE_URL"),
            key: key.expect("twill mock prints TWILL_API_KEY"),
        }
    }

    /// `twill` pointed at this mock, with nothing else from the environment.
    pub fn twill(&self) -> Command {
        let mut command = twill();
        command
            .env("TWILL_BASE_URL", &self.url)
            .env("TWILL_API_KEY", &self.key);
        command
    }

    /// Runs `args`, asserts success, and returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.twill().args(args).output().unwrap();
        assert!(
            output.status.success(),
            "twill {args:?}: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `twill` with a clean environment.
pub fn twill() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("twill"));
    command
        .env_remove("TWILL_API_KEY")
        .env_remove("TWILL_BASE_URL")
        .env("NO_COLOR", "1");
    command
}

/// A server on loopback that answers every request with `response` (a
/// whole HTTP/1.1 response) and closes: the hostile or broken server of a
/// test. Lives as long as the test process.
pub fn answering(response: String) -> String {
    scripted(move |_| response.clone()).0
}

/// A loopback server answering each request with `reply(n)` (n counts
/// from 0), closing the connection; and how many requests it answered.
pub fn scripted(
    reply: impl Fn(usize) -> String + Send + 'static,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
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
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let _ = stream.write_all(reply(n).as_bytes());
        }
    });
    (url, count)
}

/// A JSON response with `status`, closing the connection.
pub fn json_response(status: u16, body: &serde_json::Value) -> String {
    let body = body.to_string();
    format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// What a command prints on a pseudo-terminal of `cols` columns, with
/// `env` set; `None` where `script` is missing.
pub fn on_a_terminal(mock: &Mock, cols: u16, env: &[(&str, &str)], args: &str) -> Option<String> {
    let (code, screen) = terminal_run(&mock.url, &mock.key, cols, env, args)?;
    assert_eq!(code, 0, "{screen}");
    Some(screen)
}

/// The exit code of `twill ARGS` run against `url` with `key` on a
/// pseudo-terminal of `cols` columns, with `env` set, and what it printed
/// there (standard output and error both); `None` where `script` is
/// missing.
pub fn terminal_run(
    url: &str,
    key: &str,
    cols: u16,
    env: &[(&str, &str)],
    args: &str,
) -> Option<(i32, String)> {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("no `script` here: the pseudo-terminal case is not run");
        return None;
    }
    let twill = assert_cmd::cargo::cargo_bin!("twill");
    let mut command = std::process::Command::new("script");
    command
        .args([
            "-qec",
            &format!("stty cols {cols} rows 40; {} {args}", twill.display()),
            "/dev/null",
        ])
        .env("TWILL_BASE_URL", url)
        .env("TWILL_API_KEY", key)
        // Plain unless a test asks for colour (`("NO_COLOR", "")`).
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let screen = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    Some((output.status.code().unwrap_or(-1), screen))
}

impl Mock {
    /// What the mock has answered so far (`GET /__mock/stats`), read with
    /// a connection of its own (counted in `connections`).
    pub fn stats(&self) -> serde_json::Value {
        use std::io::{Read, Write};
        let origin = self.url.trim_end_matches("/api/v1");
        let address = origin.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).expect("the mock answers");
        write!(
            stream,
            "GET /__mock/stats HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let body = answer.split_once("\r\n\r\n").expect("a body").1;
        serde_json::from_str(body).expect("stats as JSON")
    }
}

/// The API root of a loopback port nothing listens on: connecting is
/// refused.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/api/v1")
}

/// A file named `name` under a fresh temporary folder, holding `text`
/// (left for the system to clean: each test's folder is its own).
pub fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!(
        "twill-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos())
    ));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
