//! The README's endpoint table is generated from the metadata the macro
//! emits (`twill_api::all_endpoints()`), and this test fails when the two
//! differ, printing the table to paste in.

const README: &str = include_str!("../../../README.md");

/// The table's rows, from the metadata alone.
fn generated_rows() -> Vec<String> {
    twill_api::all_endpoints()
        .map(|endpoint| {
            format!(
                "| `{} {}` | `{}::{}` | {} |",
                endpoint.method(),
                endpoint.path(),
                endpoint.trait_name().unwrap_or("?"),
                endpoint.name(),
                endpoint.summary(),
            )
        })
        .collect()
}

#[test]
fn readme_table_is_generated_from_the_metadata() {
    let start = README
        .find("<!-- endpoints -->")
        .expect("table start marker");
    let end = README
        .find("<!-- /endpoints -->")
        .expect("table end marker");
    // Every line between the markers, so that a stray line fails too.
    let documented: Vec<&str> = README[start..end]
        .lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .collect();
    let mut generated = vec![
        "| HTTP | Rust method | summary |".to_owned(),
        "|---|---|---|".to_owned(),
    ];
    generated.extend(generated_rows());
    assert!(
        documented == generated,
        "the README's endpoint table is out of date; replace it with:\n{}",
        generated.join("\n")
    );
    assert_eq!(generated.len(), 2 + 21);
}
