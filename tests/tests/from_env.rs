//! `Client::from_env` reads `TWILL_API_KEY` and `TWILL_BASE_URL` as Twill's
//! cookbook sets them. A binary of its own: the environment is
//! process-wide, so no other test may run beside this one.

use twill_api::Client;
use twill_api::client::{BuildError, DEFAULT_BASE_URL};

fn set(name: &str, value: Option<&str>) {
    // SAFETY: this binary's only test runs on one thread, and nothing else
    // reads the environment meanwhile.
    unsafe {
        match value {
            Some(value) => std::env::set_var(name, value),
            None => std::env::remove_var(name),
        }
    }
}

#[test]
fn from_env_follows_the_cookbook() {
    set("TWILL_API_KEY", None);
    set("TWILL_BASE_URL", None);
    assert!(matches!(
        Client::from_env().unwrap_err(),
        BuildError::MissingApiKey
    ));

    set("TWILL_API_KEY", Some("twill_sk_env"));
    assert_eq!(Client::from_env().unwrap().base_url(), DEFAULT_BASE_URL);

    // An origin gets the API root appended; a full API root is kept.
    set("TWILL_BASE_URL", Some("http://127.0.0.1:8080"));
    assert_eq!(
        Client::from_env().unwrap().base_url(),
        "http://127.0.0.1:8080/api/v1"
    );
    set("TWILL_BASE_URL", Some("http://127.0.0.1:8080/api/v1/"));
    assert_eq!(
        Client::from_env().unwrap().base_url(),
        "http://127.0.0.1:8080/api/v1"
    );
    set("TWILL_BASE_URL", Some(""));
    assert_eq!(Client::from_env().unwrap().base_url(), DEFAULT_BASE_URL);

    set("TWILL_API_KEY", Some("bad key"));
    assert!(matches!(
        Client::from_env(),
        Err(BuildError::InvalidApiKey(_))
    ));
    set("TWILL_API_KEY", None);
    set("TWILL_BASE_URL", None);
}
