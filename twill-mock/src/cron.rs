//! Cron expression validation: five fields, or one of the `@` shorthands.

const FIELDS: [(&str, u32, u32, &[&str]); 5] = [
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day of month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    ),
    (
        "day of week",
        0,
        7,
        &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    ),
];

/// Why `expression` is not a valid cron expression, if it is not.
pub(crate) fn problem(expression: &str) -> Option<String> {
    let expression = expression.trim();
    if matches!(
        expression,
        "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@hourly"
    ) {
        return None;
    }
    let fields: Vec<&str> = expression.split_whitespace().collect();
    if fields.len() != 5 {
        return Some(format!(
            "cronExpression must have 5 fields (minute hour day month weekday), not {}",
            fields.len()
        ));
    }
    fields
        .iter()
        .zip(FIELDS)
        .find_map(|(field, (name, min, max, names))| {
            field_problem(field, min, max, names)
                .map(|why| format!("cronExpression {name} `{field}`: {why}"))
        })
}

fn field_problem(field: &str, min: u32, max: u32, names: &[&str]) -> Option<String> {
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        if let Some(step) = step {
            match step.parse::<u32>() {
                Ok(step) if step > 0 && step <= max => {}
                _ => return Some(format!("invalid step `{step}`")),
            }
        }
        if range == "*" {
            continue;
        }
        let (low, high) = match range.split_once('-') {
            Some((low, high)) => (low, Some(high)),
            None => (range, None),
        };
        let value = |text: &str| -> Option<u32> {
            text.parse::<u32>().ok().or_else(|| {
                names
                    .iter()
                    .position(|name| name.eq_ignore_ascii_case(text))
                    .map(|i| i as u32 + min)
            })
        };
        let Some(low) = value(low).filter(|v| (min..=max).contains(v)) else {
            return Some(format!("`{low}` is not between {min} and {max}"));
        };
        if let Some(high) = high {
            match value(high).filter(|v| (min..=max).contains(v)) {
                Some(high) if high >= low => {}
                _ => return Some(format!("invalid range `{range}`")),
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn accepts_common_expressions() {
        for ok in [
            "* * * * *",
            "0 9 * * 1-5",
            "*/15 0-23/2 1,15 JAN-jun sun",
            "30 4 1 * 0,7",
            "@daily",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_expressions() {
        for bad in [
            "",
            "* * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "*/0 * * * *",
            "5-1 * * * *",
            "a b c d e",
            "@sometimes",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }
}
