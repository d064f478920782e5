//! Tables: aligned in screen columns and cut to fit on a terminal,
//! tab-separated when piped.
//!
//! On a terminal, columns are as wide as their widest cell (in screen
//! columns: a CJK character or an emoji takes two), and the widest is cut
//! with `…` until the line fits. Piped or redirected, each row is its cells
//! separated by tabs, uncut and unpadded (gh's convention), for `cut -f`.

use twill_api::untrusted::escape_line;

use super::{Output, terminal};
use crate::failure::Failure;

/// A table printed a batch of rows at a time (a page of `--all`): the
/// header and the widths come from the first batch, so later ones line up
/// without the whole table being held.
#[derive(Debug)]
pub struct Table {
    header: &'static [&'static str],
    /// The column of job statuses, coloured where colour is on.
    status: Option<usize>,
    /// A column never cut (a URL: a cut one is no URL).
    whole: Option<usize>,
    /// The column widths, once the first batch has set them.
    widths: Option<Vec<usize>>,
}

impl Table {
    pub fn new(header: &'static [&'static str]) -> Self {
        Table {
            header,
            status: None,
            whole: None,
            widths: None,
        }
    }

    /// Never cuts column `index` (a URL), however narrow the terminal: its
    /// rows wrap instead.
    pub fn keep_whole(mut self, index: usize) -> Self {
        self.whole = Some(index);
        self
    }

    /// Colours the cells of column `index` as job statuses.
    pub fn status_column(mut self, index: usize) -> Self {
        self.status = Some(index);
        self
    }

    /// Prints `rows`, under the header when they are the first.
    pub fn print(&mut self, output: &Output, rows: &[Vec<String>]) -> Result<(), Failure> {
        let rows = escaped(rows);
        let header: Vec<String> = self.header.iter().map(|h| (*h).to_owned()).collect();
        if !output.is_terminal() {
            if self.widths.is_none() {
                tab_separated(output, &header)?;
                self.widths = Some(Vec::new());
            }
            return rows
                .iter()
                .try_for_each(|row| tab_separated(output, &self.painted(output, row)));
        }
        let widths = match &self.widths {
            Some(widths) => widths.clone(),
            None => {
                let widths = widths_for(&header, &rows, terminal::stdout_width(), self.whole);
                aligned(output, &widths, &header, None)?;
                self.widths = Some(widths.clone());
                widths
            }
        };
        let status = self.status.filter(|_| output.colour());
        rows.iter()
            .try_for_each(|row| aligned(output, &widths, row, status))
    }

    /// `row` with its status coloured, when colour is on.
    fn painted(&self, output: &Output, row: &[String]) -> Vec<String> {
        let mut row = row.to_vec();
        if let Some(cell) = self
            .status
            .filter(|_| output.colour())
            .and_then(|i| row.get_mut(i))
        {
            *cell = terminal::paint(cell, terminal::status_colour(cell));
        }
        row
    }
}

/// Each column's width: its widest cell, then cut to fit `screen`.
fn widths_for(
    header: &[String],
    rows: &[Vec<String>],
    screen: Option<usize>,
    whole: Option<usize>,
) -> Vec<usize> {
    let mut widths: Vec<usize> = header.iter().map(|h| terminal::display_width(h)).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(terminal::display_width(cell));
        }
    }
    if let Some(screen) = screen {
        fit_widths(&mut widths, screen, whole);
    }
    widths
}

fn tab_separated(output: &Output, cells: &[String]) -> Result<(), Failure> {
    // A tab inside a cell was escaped to `\t` already.
    output.raw_line(&cells.join("\t"))
}

/// Cells padded to `widths`; the `status` column's coloured by the whole
/// value (`IN_PROGRESS` cut to `IN_PROG…` stays yellow), padding outside
/// the colour so that widths stay columns.
fn aligned(
    output: &Output,
    widths: &[usize],
    cells: &[String],
    status: Option<usize>,
) -> Result<(), Failure> {
    let last = cells.len().saturating_sub(1);
    let line: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let width = widths.get(i).copied().unwrap_or(usize::MAX);
            let cut = terminal::fit(cell, width);
            let padding = if i == last {
                0
            } else {
                width.saturating_sub(terminal::display_width(&cut))
            };
            let colour = (status == Some(i))
                .then(|| terminal::status_colour(cell))
                .flatten();
            format!("{}{}", terminal::paint(&cut, colour), " ".repeat(padding))
        })
        .collect();
    output.raw_line(line.join("  ").trim_end())
}

/// Each cell on one line, its controls escaped: a newline in a title must
/// not forge a row, nor an escape sequence reach the terminal.
fn escaped(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|cell| escape_line(cell).to_string())
                .collect()
        })
        .collect()
}

/// Narrows the widest column, one column at a time, until the columns and
/// their two-space gaps fit `screen`, none below 8 (a column cut shorter
/// says nothing), and never the `whole` one (a URL): on a screen too
/// narrow for it the row wraps.
fn fit_widths(widths: &mut [usize], screen: usize, whole: Option<usize>) {
    let gaps = 2 * widths.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > screen {
        let Some((widest, width)) = widths
            .iter()
            .copied()
            .enumerate()
            .filter(|&(index, _)| Some(index) != whole)
            .max_by_key(|&(_, width)| width)
        else {
            return;
        };
        if width <= 8 {
            return;
        }
        widths[widest] = width - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widest_column_is_cut_first_and_a_whole_one_never() {
        let mut widths = vec![6, 30, 12, 28];
        fit_widths(&mut widths, 60, Some(3));
        assert_eq!(widths, [6, 10, 10, 28][..], "{widths:?}");
        let mut narrow = vec![6, 30, 12, 28];
        fit_widths(&mut narrow, 24, Some(3));
        assert_eq!(narrow, [6, 8, 8, 28][..]);
        // With no column kept whole, the last is cut like any other.
        let mut description = vec![20, 4, 40];
        fit_widths(&mut description, 60, None);
        assert_eq!(description, [20, 4, 32][..]);
    }
}
