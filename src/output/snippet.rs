//! What the human report shows of a file around a finding, as a small source of its own
//! for miette: the lines of the finding's spans and one line of context either side, each
//! cut to a window around its span and with control characters escaped.
//!
//! Cut, because a minified manifest (`kubectl get -o json | jq -c`) is one line of
//! megabytes: miette printed all of it for every finding, and panicked past column 65,535.
//! Escaped, because the text is whatever the pull request put in the file. miette sees only
//! the shown text, with the real line numbers and start columns.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::{Newlines, escape_controls};
use crate::source::{IndexedSource, Span};

/// The most characters of a line shown; a longer line is cut to this many around the
/// span, with `…` where it was cut. Wider than any hand-written manifest's line.
pub(crate) const WINDOW: usize = 160;
/// Of a cut line, the characters shown before the span, when there are that many.
const LEAD: usize = 60;

/// Lines of context shown before and after a span's line (as the human handler asks).
const CONTEXT: usize = 1;

/// The shown lines of one file for one finding.
#[derive(Debug)]
pub(crate) struct Snippet {
    name: String,
    /// The shown lines, each ending in `\n`.
    text: String,
    lines: Vec<ShownLine>,
    /// Where each span starts in `text`, and its real column (0-based), for miette's
    /// `path:line:col` header.
    columns: Vec<(usize, usize)>,
}

#[derive(Debug)]
struct ShownLine {
    /// Where the line is in `Snippet::text`, without its `\n`.
    start: usize,
    end: usize,
    /// The real line (0-based).
    number: usize,
    /// Lines of one group are consecutive in the file; miette's contexts may not cross
    /// from one group to the next (their lines do not follow each other).
    group: usize,
}

/// A span's line and where it is shown of it: bytes of the file.
struct Placed {
    line: usize,
    window: (usize, usize),
    start: usize,
    end: usize,
    column: usize,
}

impl Snippet {
    /// The snippet of `spans` in `source`, and where each span is in it: `None` for a span
    /// that no longer fits the file (it may have changed since it was linted). A span is
    /// shown on its first line only, cut to the window there.
    pub fn new(source: &IndexedSource, spans: &[Span]) -> (Snippet, Vec<Option<SourceSpan>>) {
        let text = source.text();
        let index = source.lines();
        let mut placed: Vec<(usize, Placed)> = spans
            .iter()
            .enumerate()
            .filter_map(|(i, span)| {
                let (start, end) = (span.start.byte as usize, span.end.byte as usize);
                let fits = start <= end
                    && end <= text.len()
                    && text.is_char_boundary(start)
                    && text.is_char_boundary(end);
                fits.then(|| {
                    let line = index.line_of(start);
                    let bounds = content(source, line);
                    let start = start.clamp(bounds.0, bounds.1);
                    let window = window(text, bounds, start);
                    let placed = Placed {
                        line,
                        window,
                        start,
                        end: end.clamp(start, window.1),
                        column: span.start.col.saturating_sub(1) as usize,
                    };
                    (i, placed)
                })
            })
            .collect();
        placed.sort_by_key(|(_, p)| p.start);

        // Groups: spans whose context lines meet (as miette joins them) and that fit the
        // window of the group's first span on their line; another span starts a group.
        let mut groups: Vec<Vec<&(usize, Placed)>> = Vec::new();
        for entry in &placed {
            let span = &entry.1;
            let joins = groups.last().is_some_and(|group| {
                let near = group
                    .iter()
                    .any(|(_, other)| span.line <= other.line + 2 * CONTEXT + 1);
                let fits = group.iter().all(|(_, other)| {
                    other.line != span.line
                        || (other.window.0..=other.window.1).contains(&span.start)
                });
                near && fits
            });
            match groups.last_mut() {
                Some(group) if joins => group.push(entry),
                _ => groups.push(vec![entry]),
            }
        }

        let mut snippet = Snippet {
            name: escape_controls(source.name(), Newlines::Escape).into_owned(),
            text: String::new(),
            lines: Vec::new(),
            columns: Vec::new(),
        };
        // The empty "line" after a final line break is no context (but may hold a span).
        let mut last_line = index.line_count() - 1;
        if last_line > 0 && index.line_start(last_line) >= text.len() {
            last_line -= 1;
        }
        let mut mapped = vec![None; spans.len()];
        for (number, group) in groups.iter().enumerate() {
            let first = group.iter().map(|(_, p)| p.line).min().unwrap_or(0);
            let last = group.iter().map(|(_, p)| p.line).max().unwrap_or(0);
            let shown = first.saturating_sub(CONTEXT)..=(last + CONTEXT).min(last_line).max(last);
            for line in shown {
                let on_line: Vec<&(usize, Placed)> = group
                    .iter()
                    .copied()
                    .filter(|(_, p)| p.line == line)
                    .collect();
                let bounds = content(source, line);
                let window = on_line
                    .first()
                    .map_or_else(|| window(text, bounds, bounds.0), |(_, p)| p.window);
                let wanted = on_line.iter().flat_map(|(_, p)| [p.start, p.end]).collect();
                let found = snippet.push_line(text, bounds, window, wanted, line, number);
                let at = |byte: usize| found.iter().find(|(b, _)| *b == byte).map(|(_, s)| *s);
                for (i, p) in on_line {
                    if let (Some(start), Some(end)) = (at(p.start), at(p.end)) {
                        mapped[*i] = Some(SourceSpan::from((start, end - start)));
                        snippet.columns.push((start, p.column));
                    }
                }
            }
        }
        (snippet, mapped)
    }

    /// Appends `window` of the line with content `bounds`, escaped, with `…` where it is
    /// cut; returns where each `wanted` byte offset of the file landed in the shown text.
    fn push_line(
        &mut self,
        text: &str,
        bounds: (usize, usize),
        window: (usize, usize),
        mut wanted: Vec<usize>,
        number: usize,
        group: usize,
    ) -> Vec<(usize, usize)> {
        wanted.sort_unstable();
        wanted.dedup();
        let mut found = Vec::with_capacity(wanted.len());
        let start = self.text.len();
        if window.0 > bounds.0 {
            self.text.push('…');
        }
        let mut wanted = wanted.iter().copied().peekable();
        for (offset, c) in text[window.0..window.1].char_indices() {
            let byte = window.0 + offset;
            while let Some(w) = wanted.next_if(|&w| w <= byte) {
                found.push((w, self.text.len()));
            }
            let mut buffer = [0; 4];
            self.text.push_str(&escape_controls(
                c.encode_utf8(&mut buffer),
                Newlines::Escape,
            ));
        }
        found.extend(wanted.map(|w| (w, self.text.len())));
        if window.1 < bounds.1 {
            self.text.push('…');
        }
        self.text.push('\n');
        self.lines.push(ShownLine {
            start,
            end: self.text.len() - 1,
            number,
            group,
        });
        found
    }

    /// The shown line holding byte `offset` of the shown text.
    fn line_at(&self, offset: usize) -> Option<usize> {
        let after = self.lines.partition_point(|line| line.start <= offset);
        let line = after.checked_sub(1)?;
        (offset <= self.lines[line].end).then_some(line)
    }
}

/// Where the text of `line` is, without its line break.
fn content(source: &IndexedSource, line: usize) -> (usize, usize) {
    let text = source.text();
    let start = source.lines().line_start(line).min(text.len());
    let next = source.lines().line_start(line + 1).min(text.len());
    let body = &text[start..next];
    let body = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .or_else(|| body.strip_suffix('\r'))
        .unwrap_or(body);
    (start, start + body.len())
}

/// The part of the line `bounds` shown around byte `at`: all of it when it has at most
/// `WINDOW` characters, else `WINDOW` of them from `LEAD` before `at` (fewer before when
/// the line ends soon). Only the characters near `at` are looked at, so a line of
/// megabytes costs no more than a short one.
fn window(text: &str, (first, last): (usize, usize), at: usize) -> (usize, usize) {
    let forward = |from: usize, count: usize| {
        text[from..last]
            .char_indices()
            .nth(count)
            .map_or(last, |(offset, _)| from + offset)
    };
    let back = |from: usize, count: usize| {
        text[first..from]
            .char_indices()
            .rev()
            .take(count)
            .last()
            .map_or(from, |(offset, _)| first + offset)
    };
    if forward(first, WINDOW) == last {
        return (first, last);
    }
    let start = back(at, LEAD);
    let end = forward(start, WINDOW);
    if end == last {
        (back(last, WINDOW), last)
    } else {
        (start, end)
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        let (Some(first), Some(last)) = (self.line_at(start), self.line_at(end)) else {
            return Err(MietteError::OutOfBounds);
        };
        let group = self.lines[first].group;
        // Lines of different groups are not neighbours in the file: never one context.
        if self.lines[last].group != group {
            return Err(MietteError::OutOfBounds);
        }
        let in_group = |line: usize| self.lines[line].group == group;
        let mut top = first;
        while top > 0 && first - top < context_lines_before && in_group(top - 1) {
            top -= 1;
        }
        let mut bottom = last;
        while bottom + 1 < self.lines.len()
            && bottom - last < context_lines_after
            && in_group(bottom + 1)
        {
            bottom += 1;
        }
        // Without context, miette wants the data to begin at the span and the column of
        // its start (it uses this for the `path:line:col` header).
        let (data_start, column) = if context_lines_before == 0 {
            let column = self
                .columns
                .iter()
                .find(|(at, _)| *at == start)
                .map_or(0, |(_, column)| *column);
            (start, column)
        } else {
            (self.lines[top].start, 0)
        };
        let data_end = self.lines[bottom].end + 1;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[data_start..data_end],
            (data_start, data_end - data_start).into(),
            self.lines[top].number,
            column,
            bottom - top + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
    use proptest::prelude::*;

    use super::*;
    use crate::source::pos_at;

    /// Spans in one file, as the human report hands them to miette.
    struct Shown {
        snippet: Snippet,
        labels: Vec<LabeledSpan>,
    }

    impl fmt::Debug for Shown {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("finding")
        }
    }

    impl fmt::Display for Shown {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("finding")
        }
    }

    impl std::error::Error for Shown {}

    impl miette::Diagnostic for Shown {
        fn source_code(&self) -> Option<&dyn SourceCode> {
            Some(&self.snippet)
        }

        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    /// The spans from byte `start` to byte `end` of `text`, rendered as the human report
    /// renders them (a span not on char boundaries is left out, as a changed file's is).
    fn render(text: &str, ranges: &[(usize, usize)]) -> String {
        let source = IndexedSource::new("f.yaml".to_string(), text.into());
        let spans: Vec<Span> = ranges
            .iter()
            .map(|&(start, end)| {
                let pos = |byte: usize| {
                    if text.is_char_boundary(byte) {
                        pos_at(text, byte)
                    } else {
                        crate::source::Pos {
                            byte: byte as u32,
                            line: 1,
                            col: 1,
                        }
                    }
                };
                Span::new(crate::source::FileId::default(), pos(start), pos(end))
            })
            .collect();
        let (snippet, mapped) = Snippet::new(&source, &spans);
        let labels = mapped
            .into_iter()
            .flatten()
            .map(|span| LabeledSpan::new_with_span(Some("here".to_string()), span))
            .collect();
        let mut out = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_context_lines(1)
            .render_report(&mut out, &Shown { snippet, labels })
            .unwrap();
        out
    }

    #[test]
    fn a_long_line_of_wide_characters_is_cut_on_characters() {
        let text = format!("key: {}\n", "é名".repeat(50_000));
        let at = text.len() / 2;
        let at = (at..).find(|&i| text.is_char_boundary(i)).unwrap();
        let out = render(&text, &[(at, at + 2)]);
        let shown = out.lines().find(|l| l.contains(" 1 │ …")).unwrap();
        assert!(shown.ends_with('…'), "{out}");
        assert!(shown.chars().count() <= WINDOW + 10, "{out}");
    }

    #[test]
    fn spans_at_the_end_of_the_file_and_outside_it() {
        let text = "a: 1\r\nb: 2\rc: 3\n";
        let out = render(text, &[(text.len(), text.len()), (7, 9)]);
        assert!(out.contains(" 4 │ \n"), "{out}");
        // A file that changed under the report: its spans are left out.
        let out = render(text, &[(text.len() + 5, text.len() + 9)]);
        assert!(!out.contains('│'), "{out}");
    }

    #[test]
    fn the_docs_give_the_window() {
        let doc = include_str!("../../docs/output-formats.md");
        assert!(doc.contains(&format!("**{WINDOW} characters**")), "WINDOW");
        assert!(
            doc.contains(&format!("from {LEAD} characters before the span")),
            "LEAD"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(256)
        })]

        /// Whatever the text and the spans, rendering never panics, shows no control
        /// character raw and no line much wider than the window.
        #[test]
        fn rendering_never_panics_and_stays_narrow(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("\n".to_string()),
                    Just("\r\n".to_string()),
                    Just("\r".to_string()),
                    Just("\t".to_string()),
                    Just("\u{1b}[2J".to_string()),
                    Just("\u{9b}\u{202e}\u{7f}\u{0}".to_string()),
                    Just("é名".to_string()),
                    "[a-z: ]{1,8}",
                    (1usize..400).prop_map(|n| "x".repeat(n)),
                ],
                0..40,
            ),
            ranges in proptest::collection::vec((0usize..4000, 0usize..300), 0..4),
        ) {
            let text: String = parts.concat();
            let ranges: Vec<(usize, usize)> = ranges
                .into_iter()
                .map(|(start, len)| (start.min(text.len()), (start + len).min(text.len() + 1)))
                .collect();
            let out = render(&text, &ranges);
            for line in out.lines() {
                prop_assert!(!line.chars().any(|c| c.is_control() && c != '\t'), "{:?}", line);
                // The window, its escapes (at most 10 characters for one), gutter and `…`.
                prop_assert!(line.chars().count() <= 10 * WINDOW + 20, "{:?}", line);
            }
        }
    }
}
