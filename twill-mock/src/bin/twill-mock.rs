//! Runs a Twill mock server until interrupted:
//! `twill-mock [--port N] [--api-key KEY]`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("twill-mock: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut builder = twill_mock::MockServer::builder();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let port = args.next().ok_or("--port needs a value")?;
                let port = port.parse().map_err(|_| format!("invalid port `{port}`"))?;
                builder = builder.port(port);
            }
            "--api-key" => builder = builder.api_key(args.next().ok_or("--api-key needs a value")?),
            "-h" | "--help" => {
                println!("usage: twill-mock [--port N] [--api-key KEY]");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`; see --help")),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let server = builder
            .start()
            .await
            .map_err(|e| format!("cannot start: {e}"))?;
        println!(
            "twill-mock listening on {} (API key: {})",
            server.url(),
            server.api_key()
        );
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
        server.shutdown().await.map_err(|e| e.to_string())
    })
}
