//! The crate's shape, checked: a small root, and modules that do not import
//! each other (so that each can be read, and changed, on its own).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The names the crate root re-exports, outside its modules and prelude.
fn root_reexports(lib: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut statement = String::new();
    let mut in_prelude = false;
    for line in lib.lines() {
        if line.starts_with("pub mod prelude") {
            in_prelude = true;
        }
        if in_prelude {
            in_prelude = line != "}";
            continue;
        }
        if line.starts_with("pub use ") || !statement.is_empty() {
            statement.push_str(line.trim());
            if !statement.ends_with(';') {
                continue;
            }
            let path = statement
                .trim_start_matches("pub use ")
                .trim_end_matches(';');
            let list = match path.split_once('{') {
                Some((_, list)) => list.trim_end_matches('}').to_owned(),
                None => path.rsplit("::").next().unwrap_or(path).to_owned(),
            };
            names.extend(
                list.split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned),
            );
            statement.clear();
        }
    }
    names
}

#[test]
fn the_root_reexports_at_most_25_names() {
    let lib = include_str!("../src/lib.rs");
    let names = root_reexports(lib);
    assert!(
        names.len() <= 25,
        "{} names at the root: {names:?}",
        names.len()
    );
    for expected in [
        "Client",
        "ClientBuilder",
        "Error",
        "Endpoint",
        "twill_endpoint",
        "endpoints",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected}: {names:?}"
        );
    }
}

/// The module a root name is defined in, for `crate::Name` paths.
fn module_of_root_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "Client" | "ClientBuilder" | "AsClient" => "client",
        "Error" | "Result" | "EndpointError" => "error",
        "Endpoint" | "BoxFuture" => "endpoint",
        "Arguments" => "call",
        "ParamValue" | "OptionalParamValue" => "param",
        "FromResponse" | "RawResponse" | "Response" => "response",
        "RetryPolicy" => "retry",
        "all_endpoints" => "api",
        _ => return None,
    })
}

/// Which top-level modules each module's code (not its comments) names.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .map(|entry| entry.unwrap().path()),
            );
            continue;
        }
        let relative = path.strip_prefix(src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        // The root and the facade for generated code re-export everything.
        if module == "lib" || module == "__private" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
        {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                let targets: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group.split([',', '}']).map(str::trim).collect(),
                    None => vec![rest],
                };
                for target in targets {
                    let name: String = target
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let target = module_of_root_name(&name).map_or(name, str::to_owned);
                    if !target.is_empty() && target != module {
                        graph.entry(module.clone()).or_default().insert(target);
                    }
                }
            }
        }
    }
    graph
}

/// The strongly connected components of `graph` with more than one
/// module: every cycle of imports, of any length (Tarjan's algorithm).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, module: &'a str) {
            let next = self.index.len();
            self.index.insert(module, next);
            self.low.insert(module, next);
            self.stack.push(module);
            self.on_stack.insert(module);
            let graph = self.graph;
            for target in graph.get(module).into_iter().flatten() {
                let target = target.as_str();
                if !self.index.contains_key(target) {
                    self.visit(target);
                    let low = self.low[module].min(self.low[target]);
                    self.low.insert(module, low);
                } else if self.on_stack.contains(target) {
                    let low = self.low[module].min(self.index[target]);
                    self.low.insert(module, low);
                }
            }
            if self.low[module] == self.index[module] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == module {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for module in graph.keys() {
        if !walk.index.contains_key(module.as_str()) {
            walk.visit(module);
        }
    }
    walk.found
}

#[test]
fn the_cycle_finder_finds_a_planted_three_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a", "d"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(module, targets)| {
        let targets = targets.into_iter().map(str::to_owned).collect();
        (module.to_owned(), targets)
    })
    .collect();
    assert_eq!(cycles(&graph), [vec!["a", "b", "c"]]);
}

#[test]
fn no_modules_import_each_other_in_a_cycle_of_any_length() {
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        graph
            .get("call")
            .is_some_and(|targets| targets.contains("client")),
        "the scan finds imports: {graph:?}"
    );
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "modules in a cycle of imports: {found:?}\n{graph:#?}"
    );
}
