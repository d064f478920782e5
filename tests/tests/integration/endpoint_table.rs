//! The README's endpoint table is checked against the metadata the macro
//! emits, so neither can drift from the other.

use twill_api::{Account, Client, Endpoint, Jobs, ScheduledTasks, Tasks};

const README: &str = include_str!("../../../README.md");

#[test]
fn readme_table_matches_the_declarations() {
    let groups: [(&str, &[Endpoint]); 4] = [
        ("Account", <Client as Account>::ENDPOINTS),
        ("Tasks", <Client as Tasks>::ENDPOINTS),
        ("Jobs", <Client as Jobs>::ENDPOINTS),
        ("ScheduledTasks", <Client as ScheduledTasks>::ENDPOINTS),
    ];
    let declared: Vec<String> = groups
        .iter()
        .flat_map(|(name, endpoints)| {
            endpoints
                .iter()
                .map(move |e| format!("| `{} {}` | `{name}::{}` |", e.method(), e.path(), e.name()))
        })
        .collect();

    let start = README
        .find("<!-- endpoints -->")
        .expect("table start marker");
    let end = README
        .find("<!-- /endpoints -->")
        .expect("table end marker");
    let documented: Vec<String> = README[start..end]
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(str::to_owned)
        .collect();

    assert_eq!(documented, declared);
    assert_eq!(declared.len(), 20);
    assert_eq!(twill_api::all_endpoints().count(), 20);
}
