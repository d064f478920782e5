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
