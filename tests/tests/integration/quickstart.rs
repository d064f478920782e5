//! The README's quickstart output is what the quickstart prints: its body
//! (`examples/quickstart.rs`) run here against its own mock, with no key.
//! Real time, two seconds: the quickstart's mock keeps its job pending for
//! a second, so the log it follows opens while the job is pending on any
//! machine.

// The example, compiled here as a module: its `main` is the binary's.
#[allow(dead_code)]
#[path = "../../../twill-api/examples/quickstart.rs"]
mod example;

/// The README's block after "without it, it starts `twill-mock`".
fn readme_output() -> String {
    let readme = include_str!("../../../README.md");
    let section = &readme[readme.find("## Two commands").expect("the section")..];
    let block = &section[section.find("```text\n").expect("the output block") + 8..];
    block[..block.find("```").expect("its end")].to_owned()
}

/// The port of a loopback URL replaced, the one thing that differs.
fn without_port(text: &str) -> String {
    match text.find("127.0.0.1:") {
        Some(at) => {
            let rest = &text[at + 10..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            format!("{}127.0.0.1:PORT{}", &text[..at], &rest[digits..])
        }
        None => text.to_owned(),
    }
}

#[tokio::test]
async fn the_readme_shows_what_the_quickstart_prints() {
    let mut printed = Vec::new();
    example::run(None, &mut printed).await.unwrap();
    let printed = String::from_utf8(printed).unwrap();
    assert_eq!(without_port(&printed), without_port(&readme_output()));
}
