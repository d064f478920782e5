//! The README's table of tools is the list the server serves.

use twill_mcp::catalog::EXCLUDED;
use twill_mcp::{Options, TwillMcp, TwillTools};

/// One row per tool, in the order `tools/list` gives them, then the
/// endpoints that are not tools and why.
fn tool_table() -> String {
    let client = twill_api::Client::new("k").unwrap();
    let server = TwillMcp::new(TwillTools::new(client, Options::default()));
    let mut table = String::from("| tool | title | kind | what it does |\n|---|---|---|---|\n");
    for tool in server.list() {
        let hints = tool.annotations.clone().unwrap_or_default();
        let kind = if hints.read_only_hint == Some(true) {
            "read-only"
        } else if hints.destructive_hint == Some(true) {
            "destructive"
        } else {
            "writes"
        };
        let description = tool.description.as_deref().unwrap_or_default();
        table.push_str(&format!(
            "| `{}` | {} | {kind} | {} |\n",
            tool.name,
            tool.title.as_deref().unwrap_or_default(),
            description.replace('|', "\\|")
        ));
    }
    for (endpoint, why) in EXCLUDED {
        let name = endpoint.name();
        table.push_str(&format!("| ~~`{name}`~~ | | not a tool | {why} |\n"));
    }
    table
}

/// When a declaration changes, this prints the table to paste.
#[test]
fn the_readme_lists_the_tools() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    let table = tool_table();
    assert!(
        readme.contains(&table),
        "README.md's MCP tool table should be:\n{table}"
    );
}
