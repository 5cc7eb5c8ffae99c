//! Builds [`Document`]s from `saphyr-parser` events, one document at a time.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, StrInput};

use super::expansion::UNBOUNDED;
use super::skim::{Cut, OBJECT_HEAD, Skim};
use super::template::{Role, Template};
use super::tree::{Document, DuplicateKey, Node, NodeId, NodeKind, UnknownNode};
use crate::source::{FileId, Pos, Span, clamp_u32};

/// A syntax error with the parser's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub pos: Pos,
}

/// Converts the parser's character indices into byte offsets. Events arrive in
/// (nearly) increasing order, so a moving cursor makes this amortised linear.
struct Positions<'a> {
    /// The text, without its BOM.
    text: &'a str,
    /// What the parser reads: `text`, or it with unread bodies left out ([`Skim`]).
    parsed: &'a str,
    ascii: bool,
    /// Bytes stripped before parsing (a UTF-8 BOM), added back to every offset.
    base: u32,
    cursor_char: usize,
    cursor_byte: usize,
    /// The lines left out of `parsed`, and how many of them the stream has put back as
    /// the empty bodies they were.
    cuts: &'a [Cut],
    claimed: usize,
    /// Set when a position past a cut not put back was asked for.
    misplaced: bool,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str, parsed: &'a str, base: u32, cuts: &'a [Cut]) -> Self {
        Positions {
            text,
            parsed,
            ascii: parsed.is_ascii(),
            base,
            cursor_char: 0,
            cursor_byte: 0,
            cuts,
            claimed: 0,
            misplaced: false,
        }
    }

    fn byte_of_char(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.parsed.len());
        }
        let bytes = self.parsed.as_bytes();
        while self.cursor_char < char_index && self.cursor_byte < bytes.len() {
            // Most of the way is ASCII, one byte per character: a stretch of it is
            // crossed at once.
            let stretch = (char_index - self.cursor_char).min(bytes.len() - self.cursor_byte);
            let ahead = &bytes[self.cursor_byte..self.cursor_byte + stretch];
            let ascii = if ahead.is_ascii() {
                stretch
            } else {
                ahead.iter().take_while(|b| b.is_ascii()).count()
            };
            if ascii > 0 {
                self.cursor_byte += ascii;
                self.cursor_char += ascii;
                continue;
            }
            // A character: its first byte, then its continuation bytes.
            self.cursor_byte += 1;
            while bytes
                .get(self.cursor_byte)
                .is_some_and(|b| b & 0xC0 == 0x80)
            {
                self.cursor_byte += 1;
            }
            self.cursor_char += 1;
        }
        while self.cursor_char > char_index {
            let width = self.parsed[..self.cursor_byte]
                .chars()
                .next_back()
                .map_or(1, char::len_utf8);
            self.cursor_byte -= width;
            self.cursor_char -= 1;
        }
        self.cursor_byte
    }

    fn pos(&mut self, marker: &Marker) -> Pos {
        let byte = self.byte_of_char(marker.index());
        let (line, col) = match self.unterminated_last_line_col(marker, byte) {
            Some(col) => (marker.line().saturating_sub(1), col),
            None => (marker.line(), marker.col() + 1),
        };
        // The lines left out before `byte` (a cut is of whole lines: columns stay).
        let (bytes_out, lines_out) = match self.cuts.partition_point(|cut| cut.at <= byte) {
            0 => (0, 0),
            passed => {
                self.misplaced |= passed > self.claimed;
                let cut = &self.cuts[passed - 1];
                (cut.bytes_before_and_here, cut.lines_before_and_here)
            }
        };
        Pos {
            byte: clamp_u32(byte + bytes_out).saturating_add(self.base),
            line: clamp_u32(line + lines_out),
            col: clamp_u32(col),
        }
    }

    /// The next cut, if the parser's empty value at `start` is its body's.
    fn cut_at(&self, start: Pos) -> Option<&'a Cut> {
        let cut = self.cuts.get(self.claimed)?;
        (clamp_u32(cut.key_end).saturating_add(self.base) == start.byte).then_some(cut)
    }

    /// `pos` of a cut, which counts no BOM.
    fn with_base(&self, pos: Pos) -> Pos {
        Pos {
            byte: pos.byte.saturating_add(self.base),
            ..pos
        }
    }

    /// At the end of a text whose last line has no line break, saphyr "forces a new line"
    /// (line + 1, column 0) without reading a character; the position really is the end
    /// of the last line: this is its column. (A line of only BOMs leaves saphyr at column
    /// 0 without that: a BOM starting a line is not a column.)
    /// (A cut never takes the last line, which has no line break: it is `text`'s too.)
    fn unterminated_last_line_col(&self, marker: &Marker, byte: usize) -> Option<usize> {
        if marker.col() != 0 || byte != self.parsed.len() {
            return None;
        }
        let last_line = &self.parsed[self.parsed.rfind(['\n', '\r']).map_or(0, |i| i + 1)..];
        let content = last_line.trim_start_matches('\u{feff}');
        (!content.is_empty()).then(|| content.chars().count() + 1)
    }

    /// The text of `span`, if it lies in the parsed text on character boundaries.
    fn source(&self, span: Span) -> Option<&'a str> {
        let start = span.start.byte.checked_sub(self.base)? as usize;
        let end = span.end.byte.checked_sub(self.base)? as usize;
        self.text.get(start..end)
    }

    fn starts_with_at(&self, byte: u32, prefix: &str) -> bool {
        let local = (byte - self.base) as usize;
        self.text
            .get(local..)
            .is_some_and(|rest| rest.starts_with(prefix))
    }
}

/// The parser hands every scalar over as its own `String`. When the scalar is written
/// verbatim in the source (a one-line plain scalar, a quoted one without escapes: almost
/// every key and value of a manifest), the tree borrows it from the text instead and the
/// parser's copy is freed at once: a big document's tree then takes about half the
/// memory. The value is the same either way.
fn borrow_verbatim<'a>(
    value: Cow<'a, str>,
    style: ScalarStyle,
    source: Option<&'a str>,
) -> Cow<'a, str> {
    let (Cow::Owned(owned), Some(source)) = (&value, source) else {
        return value;
    };
    let verbatim = match style {
        ScalarStyle::Plain => Some(source),
        ScalarStyle::SingleQuoted => source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')),
        ScalarStyle::DoubleQuoted => source.strip_prefix('"').and_then(|s| s.strip_suffix('"')),
        _ => None,
    };
    match verbatim {
        Some(verbatim) if verbatim == owned.as_str() => Cow::Borrowed(verbatim),
        _ => value,
    }
}

struct Frame {
    node: NodeId,
    mapping: bool,
    first_child: usize,
    /// `doc.children.len()` and the anchors and aliases seen when the node started.
    children_at_start: usize,
    shared_at_start: usize,
    /// The sequence of the root mapping's `items` key: its items may be taken.
    items: bool,
}

/// Yields the documents of a YAML stream in order; stops after the first syntax error.
pub struct DocumentStream<'a> {
    parser: Parser<'a, StrInput<'a>>,
    positions: Positions<'a>,
    done: bool,
    template_braces: Option<Span>,
    /// The file every span of the stream names.
    file: FileId,
    /// Set when the text is a [`Template`] read tolerantly: the original text.
    template: Option<(&'a Template, &'a str)>,
    /// Positions in the original text, for the actions' spans.
    original_positions: Option<crate::source::Positions<&'a str>>,
    /// The structural actions not yet given to the innermost collection holding them, by
    /// start: each collection that ends takes those in it at a logarithmic cost.
    unclaimed: std::collections::BTreeMap<usize, usize>,
    /// Kinds whose bodies are parsed but not built (see [`DocumentStream::unread_bodies`]).
    unread_bodies: &'static [&'static str],
    syntax_error_met: bool,
    /// Folded scalars read as kustomize gives them back (see [`DocumentStream::folded_as_kustomize`]).
    kustomize_folds: bool,
}

impl<'a> DocumentStream<'a> {
    /// `text` is the whole of `file`; a leading UTF-8 BOM is skipped (offsets still count
    /// it).
    pub fn new(text: &'a str, file: FileId) -> Self {
        Self::with_parsed(text, None, file)
    }

    /// Like [`DocumentStream::new`], parsing `skim`, the plan of `text` for the kinds
    /// given to [`DocumentStream::unread_bodies`], instead of `text`: the documents are
    /// the same, unless [`DocumentStream::must_read_whole`] says so at the end.
    pub fn skimming(text: &'a str, skim: &'a Skim, file: FileId) -> Self {
        Self::with_parsed(text, Some(skim), file)
    }

    fn with_parsed(text: &'a str, skim: Option<&'a Skim>, file: FileId) -> Self {
        let (body, base) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (rest, 3),
            None => (text, 0),
        };
        let (parsed, cuts) = skim.map_or((body, &[][..]), |s| (s.text.as_str(), &s.cuts[..]));
        DocumentStream {
            parser: Parser::new_from_str(parsed),
            positions: Positions::new(body, parsed, base, cuts),
            done: false,
            template_braces: None,
            file,
            template: None,
            original_positions: None,
            unclaimed: Default::default(),
            unread_bodies: &[],
            syntax_error_met: false,
            kustomize_folds: false,
        }
    }

    /// Documents whose root `kind` (written before the rest) is one of `kinds` keep only
    /// their `apiVersion`, `kind` and `metadata`: any other root key whose value is a
    /// collection gets an empty one in its place, with its span. Their events are still
    /// parsed (a syntax error is one), unless [`DocumentStream::skimming`] left their lines
    /// out, but build nothing, so nothing in them is checked either (duplicate keys). For
    /// kinds nothing reads the body of, which can be most of a repository's bytes
    /// (CustomResourceDefinitions' schemas).
    pub fn unread_bodies(mut self, kinds: &'static [&'static str]) -> Self {
        self.unread_bodies = kinds;
        self
    }

    /// With `on`, folded block scalars (`>`) are read as `kustomize build` gives them back:
    /// one more line break before each more-indented line that follows a line of text (see
    /// [`kustomize_fold`]), so that a build equals kubectl's.
    pub fn folded_as_kustomize(mut self, on: bool) -> Self {
        self.kustomize_folds = on;
        self
    }

    /// Whether the collection starting now is the value of a root key whose body is not
    /// read (see [`DocumentStream::unread_bodies`]).
    fn body_unread(&self, doc: &Document<'_>, scratch: &[NodeId], stack: &[Frame]) -> bool {
        let [root] = stack else {
            return false;
        };
        if self.unread_bodies.is_empty() || !root.mapping {
            return false;
        }
        let entries = &scratch[root.first_child..];
        if entries.len().is_multiple_of(2) {
            return false;
        }
        let plain = |id: NodeId| match &doc.node(id).kind {
            NodeKind::Scalar { value, plain: true } => Some(value.as_ref()),
            _ => None,
        };
        let key = entries.last().and_then(|&key| plain(key));
        if key.is_none_or(|key| OBJECT_HEAD.contains(&key)) {
            return false;
        }
        entries.chunks_exact(2).any(|pair| {
            plain(pair[0]) == Some("kind")
                && doc
                    .str(pair[1])
                    .is_some_and(|kind| self.unread_bodies.contains(&kind))
        })
    }

    /// Reads the events of the collection that just started, to its end, building
    /// nothing: the end's position, or the syntax error met.
    fn skip_collection(&mut self) -> Option<Result<Pos, ParseError>> {
        let mut depth = 1usize;
        loop {
            let (event, span) = match self.parser.next()? {
                Ok(pair) => pair,
                Err(error) => return Some(Err(self.syntax_error(&error))),
            };
            match event {
                Event::MappingStart(..) => {
                    if self.template.is_none() && self.template_braces.is_none() {
                        let start = self.positions.pos(&span.start);
                        if self.positions.starts_with_at(start.byte, "{{") {
                            self.template_braces = Some(braces_at(self.file, start));
                        }
                    }
                    depth += 1;
                }
                Event::SequenceStart(..) => depth += 1,
                Event::MappingEnd | Event::SequenceEnd => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(Ok(self.positions.pos(&span.end)));
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether a stream made by [`DocumentStream::skimming`] found a cut where no body was
    /// to be left unread, or a syntax error (the lines left out may explain it): the text
    /// must then be read whole.
    pub fn must_read_whole(&self) -> bool {
        let cuts = &self.positions.cuts;
        !cuts.is_empty() && (self.positions.misplaced || self.syntax_error_met)
    }

    /// Ends the stream at a syntax error.
    fn syntax_error(&mut self, error: &saphyr_parser::ScanError) -> ParseError {
        self.done = true;
        self.syntax_error_met = true;
        ParseError {
            message: error.info().to_string(),
            pos: self.positions.pos(error.marker()),
        }
    }

    /// The documents of `template`, the tolerant reading of `original` (see
    /// [`Template`]): a node an action decides is recorded as unknown, with the scalar
    /// text as written; a key written in two branches of one conditional is no duplicate.
    pub fn templated(template: &'a Template, original: &'a str, file: FileId) -> Self {
        let mut stream = DocumentStream::new(&template.text, file);
        stream.template = Some((template, original));
        stream.original_positions = Some(crate::source::Positions::new(original));
        stream.unclaimed = template
            .actions
            .iter()
            .enumerate()
            .filter(|(_, action)| action.role == Role::Structural)
            .map(|(index, action)| (action.bytes.start, index))
            .collect();
        stream
    }

    /// For a tolerant reading, the unknown of node `id` spanning `span`, if an action
    /// decides it: a scalar with one in it, a collection with a structural one in it.
    fn unknown_at(&mut self, id: NodeId, span: Span, scalar: bool) -> Option<UnknownNode<'a>> {
        let (template, original) = self.template?;
        let bytes = span.start.byte as usize..span.end.byte as usize;
        let action = if scalar {
            template.overlapping(bytes).next()?
        } else {
            let (&start, &index) = self.unclaimed.range(bytes).next()?;
            self.unclaimed.remove(&start);
            template.actions.get(index)?
        };
        // The tolerant text has the original's lines and columns: count from the node.
        let positions = self.original_positions.as_mut()?;
        let start = positions.at_from(span.start, action.bytes.start);
        Some(UnknownNode {
            node: id,
            expression: original.get(action.bytes.clone())?,
            action: Span::new(self.file, start, positions.at(action.bytes.end)),
        })
    }

    /// A block scalar that ends the text, whose last line has no line break, keeps no final
    /// newline (YAML 1.2 §8.1.1.2 preserves a final line break only when there is one;
    /// saphyr adds one, Go's YAML library, and so kubectl, does not).
    fn without_missing_break(
        &self,
        mut value: Cow<'a, str>,
        style: ScalarStyle,
        span: Span,
    ) -> Cow<'a, str> {
        let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
        let text = self.positions.text;
        let at_end = span.end.byte as usize == text.len() + self.positions.base as usize;
        if block && at_end && value.ends_with('\n') && !text.ends_with(['\n', '\r']) {
            value.to_mut().pop();
        }
        value
    }

    /// Where a flow mapping opened with `{{` was seen: the mark of an unrendered
    /// Go/Helm template that happens to be valid YAML.
    pub fn template_braces(&self) -> Option<Span> {
        self.template_braces
    }

    /// The next document, as [`Iterator::next`] gives it, handing each item of the root
    /// mapping's `items` sequence to `take` as soon as the item ends, if it is a collection
    /// with no anchor and no alias inside (so nothing in the document can refer into it).
    /// When `take` returns true, the item's nodes are dropped and it stays in the tree as
    /// an empty quoted scalar with its span: a `List` of any size is in memory one item at
    /// a time.
    pub fn next_taking_items(
        &mut self,
        mut take: impl FnMut(&Document<'a>, NodeId) -> bool,
    ) -> Option<Result<Document<'a>, ParseError>> {
        if self.done {
            return None;
        }
        let next = self.next_document(&mut take);
        if next.is_none() {
            self.done = true;
        }
        next
    }

    fn next_document(
        &mut self,
        take: &mut dyn FnMut(&Document<'a>, NodeId) -> bool,
    ) -> Option<Result<Document<'a>, ParseError>> {
        let mut doc: Option<Document<'a>> = None;
        let mut stack: Vec<Frame> = Vec::new();
        let mut scratch: Vec<NodeId> = Vec::new();
        let mut anchors: HashMap<usize, NodeId> = HashMap::new();
        // Anchors and aliases seen: an item during which this does not change is not
        // referred to, and refers to nothing, outside itself.
        let mut shared = 0usize;

        loop {
            let (event, span) = match self.parser.next()? {
                Ok(pair) => pair,
                Err(error) => return Some(Err(self.syntax_error(&error))),
            };
            let start = self.positions.pos(&span.start);
            let end = self.positions.pos(&span.end);
            let span = Span::new(self.file, start, end);
            match event {
                Event::StreamStart | Event::Nothing => {}
                Event::StreamEnd => {
                    self.done = true;
                    return None;
                }
                Event::DocumentStart(_) => {
                    doc = Some(Document {
                        start: span,
                        ..Document::default()
                    });
                }
                Event::DocumentEnd => {
                    return doc.map(Ok);
                }
                Event::Scalar(value, style, anchor, _tag) => {
                    let Some(doc) = doc.as_mut() else { continue };
                    let plain = matches!(style, ScalarStyle::Plain);
                    if let Some(cut) = self.positions.cut_at(start)
                        && plain
                        && value.is_empty()
                    {
                        if !self.body_unread(doc, &scratch, &stack) {
                            self.positions.misplaced = true;
                            self.done = true;
                            return None;
                        }
                        // The body left out, as `skip_collection` leaves one.
                        self.positions.claimed += 1;
                        let body = Span::new(
                            self.file,
                            self.positions.with_base(cut.start),
                            self.positions.with_base(cut.end),
                        );
                        let id = push_node(doc, collection(cut.mapping, 0, 0, 0), body);
                        attach(doc, &mut scratch, &stack, id);
                        continue;
                    }
                    let mut value = self.without_missing_break(value, style, span);
                    if self.kustomize_folds
                        && matches!(style, ScalarStyle::Folded)
                        && let Some(folded) = kustomize_fold(&value)
                    {
                        value = Cow::Owned(folded);
                    }
                    let mut value = borrow_verbatim(value, style, self.positions.source(span));
                    let id = NodeId(clamp_u32(doc.nodes.len()));
                    if let Some(unknown) = self.unknown_at(id, span, true) {
                        // The text as written, not the filler: two keys from different
                        // actions are different keys.
                        let written = self.template.and_then(|(_, original)| {
                            original.get(span.start.byte as usize..span.end.byte as usize)
                        });
                        value = Cow::Borrowed(
                            written.map_or("", |w| w.trim_matches(['"', '\'', '|', '>'])),
                        );
                        record_unknown(doc, unknown);
                    }
                    let id = push_node(doc, NodeKind::Scalar { value, plain }, span);
                    shared += register(&mut anchors, anchor, id);
                    attach(doc, &mut scratch, &stack, id);
                }
                Event::Alias(anchor) => {
                    let Some(doc) = doc.as_mut() else { continue };
                    shared += 1;
                    let kind = match anchors.get(&anchor) {
                        Some(target) => NodeKind::Alias(*target),
                        None => NodeKind::Scalar {
                            value: Cow::Borrowed(""),
                            plain: true,
                        },
                    };
                    let id = push_node(doc, kind, span);
                    attach(doc, &mut scratch, &stack, id);
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    let Some(doc) = doc.as_mut() else { continue };
                    let mapping = matches!(event, Event::MappingStart(..));
                    if mapping
                        && self.template.is_none()
                        && self.template_braces.is_none()
                        && self.positions.starts_with_at(start.byte, "{{")
                    {
                        self.template_braces = Some(braces_at(self.file, start));
                    }
                    if self.body_unread(doc, &scratch, &stack) {
                        let end = match self.skip_collection()? {
                            Ok(end) => end,
                            Err(error) => return Some(Err(error)),
                        };
                        // A template's structural actions in the body are the body's: no
                        // collection around it is made unknown by them. Only those are
                        // looked at (each action is let go once): a pass over every action
                        // at each body was quadratic in a file's bodies and actions.
                        let body = span.start.byte as usize..end.byte as usize;
                        let inside: Vec<usize> = self
                            .unclaimed
                            .range(body)
                            .map(|(&start, _)| start)
                            .collect();
                        for start in inside {
                            self.unclaimed.remove(&start);
                        }
                        let kind = collection(mapping, 0, 0, 0);
                        let id = push_node(doc, kind, Span::new(self.file, span.start, end));
                        shared += register(&mut anchors, anchor, id);
                        attach(doc, &mut scratch, &stack, id);
                        continue;
                    }
                    // Open: an alias to it from inside it expands without end.
                    let kind = collection(mapping, 0, 0, UNBOUNDED);
                    let items = !mapping && is_root_items_value(doc, &scratch, &stack);
                    let (children_at_start, shared_at_start) = (doc.children.len(), shared);
                    let id = push_node(doc, kind, span);
                    shared += register(&mut anchors, anchor, id);
                    attach(doc, &mut scratch, &stack, id);
                    stack.push(Frame {
                        node: id,
                        mapping,
                        first_child: scratch.len(),
                        children_at_start,
                        shared_at_start,
                        items,
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (Some(doc), Some(frame)) = (doc.as_mut(), stack.pop()) else {
                        continue;
                    };
                    let children = &scratch[frame.first_child..];
                    if frame.mapping {
                        record_duplicates(doc, children, self.template.map(|(t, _)| t));
                    }
                    let expansion = children
                        .iter()
                        .map(|child| doc.added_by(*child))
                        .fold(0, u64::saturating_add);
                    let start = clamp_u32(doc.children.len());
                    doc.children.extend_from_slice(children);
                    let count = clamp_u32(children.len());
                    scratch.truncate(frame.first_child);
                    let node = &mut doc.nodes[frame.node.0 as usize];
                    node.span.end = end;
                    let span = node.span;
                    if let Some(unknown) = self.unknown_at(frame.node, span, false) {
                        record_unknown(doc, unknown);
                    }
                    let node = &mut doc.nodes[frame.node.0 as usize];
                    let len = if frame.mapping { count / 2 } else { count };
                    node.kind = collection(frame.mapping, start, len, expansion);
                    let item = stack.last().is_some_and(|parent| parent.items)
                        && shared == frame.shared_at_start;
                    if item && take(doc, frame.node) {
                        drop_subtree(doc, frame.node, frame.children_at_start);
                    }
                }
            }
        }
    }
}

impl<'a> Iterator for DocumentStream<'a> {
    type Item = Result<Document<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_taking_items(|_, _| false)
    }
}

/// A folded scalar's value as `kustomize build` gives it back, if that differs. Kustomize
/// writes the scalars it read back out in their style with Go's YAML library and reads
/// them again; that library's folded-scalar writer checks the start of the whole value
/// where it means the start of the next line (`is_blankz(value, k)` with `k` from 0), so
/// it writes an empty line before every line after a line of text, and one before a
/// more-indented line (whose line break is kept, not folded) reads back as one more line
/// break. A value it cannot write as a block (a space before a line break, or at the end)
/// is written quoted, unchanged. Measured with kubectl 1.32 (kustomize v5.5.0).
fn kustomize_fold(value: &str) -> Option<String> {
    let blank = |line: &str| line.starts_with([' ', '\t']);
    let block = !value.ends_with(' ') && !value.contains(" \n");
    if !block || blank(value.trim_start_matches('\n')) || value.trim_start_matches('\n').is_empty()
    {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 8);
    let mut changed = false;
    // Whether the last line that was not empty was a line of text.
    let mut after_text = false;
    for (i, line) in value.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            // Between a line of text and a more-indented line, however many empty ones.
            if after_text && blank(line) {
                out.push('\n');
                changed = true;
            }
            after_text = !blank(line);
        }
        out.push_str(line);
    }
    changed.then_some(out)
}

/// A mapping (of `len` entries) or a sequence (of `len` items) whose children start at
/// `start`.
fn collection<'a>(mapping: bool, start: u32, len: u32, expansion: u64) -> NodeKind<'a> {
    if mapping {
        NodeKind::Mapping {
            start,
            len,
            expansion,
        }
    } else {
        NodeKind::Sequence {
            start,
            len,
            expansion,
        }
    }
}

/// The span of the `{{` at `start`.
fn braces_at(file: FileId, start: Pos) -> Span {
    let end = Pos {
        byte: start.byte + 2,
        line: start.line,
        col: start.col + 2,
    };
    Span::new(file, start, end)
}

fn push_node<'a>(doc: &mut Document<'a>, kind: NodeKind<'a>, span: Span) -> NodeId {
    let id = NodeId(clamp_u32(doc.nodes.len()));
    doc.nodes.push(Node { kind, span });
    id
}

/// Registers `id` under `anchor` if it has one; returns how many anchors that is (0 or 1).
fn register(anchors: &mut HashMap<usize, NodeId>, anchor: usize, id: NodeId) -> usize {
    if anchor == 0 {
        return 0;
    }
    anchors.insert(anchor, id);
    1
}

/// Whether the collection starting now is the value of the root mapping's `items` key.
fn is_root_items_value(doc: &Document<'_>, scratch: &[NodeId], stack: &[Frame]) -> bool {
    let [root] = stack else {
        return false;
    };
    let at_value = (scratch.len() - root.first_child) % 2 == 1;
    root.mapping
        && at_value
        && scratch.last().is_some_and(|key| {
            matches!(&doc.node(*key).kind, NodeKind::Scalar { value, plain: true } if value == "items")
        })
}

/// Replaces `id`, the last subtree built, whose children started at `children_start`, by
/// an empty quoted scalar with its span: its nodes are dropped.
fn drop_subtree(doc: &mut Document<'_>, id: NodeId, children_start: usize) {
    let span = doc.span(id);
    let kept = doc.unknowns.partition_point(|u| u.node.0 < id.0);
    doc.unknowns.truncate(kept);
    doc.nodes.truncate(id.0 as usize);
    doc.children.truncate(children_start);
    let empty = NodeKind::Scalar {
        value: Cow::Borrowed(""),
        plain: false,
    };
    push_node(doc, empty, span);
}

/// Records an unknown node, keeping them sorted by node (as [`Document::unknown`] needs
/// while the document is still read, for the items taken): a scalar comes last; a
/// collection, recorded as it ends, goes before its descendants.
fn record_unknown<'a>(doc: &mut Document<'a>, unknown: UnknownNode<'a>) {
    let at = doc.unknowns.partition_point(|u| u.node.0 < unknown.node.0);
    doc.unknowns.insert(at, unknown);
}

fn attach(doc: &mut Document<'_>, scratch: &mut Vec<NodeId>, stack: &[Frame], id: NodeId) {
    if stack.is_empty() {
        if doc.root.is_none() {
            doc.root = Some(id);
        }
    } else {
        scratch.push(id);
    }
}

/// Records keys that occur more than once among a mapping's pairs (scalar keys only; in a
/// template, not a key an action decides, nor one written in two branches of a conditional).
fn record_duplicates(doc: &mut Document<'_>, pairs: &[NodeId], template: Option<&Template>) {
    let keys: Vec<(&str, NodeId)> = pairs
        .chunks_exact(2)
        .filter(|pair| {
            let span = doc.nodes[pair[0].0 as usize].span;
            template.is_none_or(|t| {
                t.overlapping(span.start.byte as usize..span.end.byte as usize)
                    .next()
                    .is_none()
            })
        })
        .filter_map(|pair| match &doc.nodes[pair[0].0 as usize].kind {
            NodeKind::Scalar { value, .. } => Some((value.as_ref(), pair[0])),
            _ => None,
        })
        .collect();
    // Each repeated key is paired with its first occurrence that can be rendered with
    // it: in a template, not one in another branch of a conditional.
    let byte = |id: &NodeId| doc.nodes[id.0 as usize].span.start.byte as usize;
    let together =
        |a: &NodeId, b: &NodeId| template.is_none_or(|t| !t.alternatives(byte(a), byte(b)));
    let mut found = Vec::new();
    if keys.len() <= 16 {
        for (i, (key, id)) in keys.iter().enumerate() {
            if let Some((_, first)) = keys[..i]
                .iter()
                .find(|(k, earlier)| k == key && together(earlier, id))
            {
                found.push((key.to_string(), *first, *id));
            }
        }
    } else {
        let mut seen: HashMap<&str, Vec<NodeId>> = HashMap::with_capacity(keys.len());
        for (key, id) in &keys {
            let earlier = seen.entry(key).or_default();
            if let Some(first) = earlier.iter().find(|earlier| together(earlier, id)) {
                found.push((key.to_string(), *first, *id));
            }
            // Without a template the first occurrence is always the one; in one, a key
            // repeated past this many times is compared with its first occurrences only.
            if earlier.len() < MAX_BRANCH_OCCURRENCES && (template.is_some() || earlier.is_empty())
            {
                earlier.push(*id);
            }
        }
    }
    for (key, first, second) in found {
        let first = doc.nodes[first.0 as usize].span;
        let second = doc.nodes[second.0 as usize].span;
        doc.duplicates.push(DuplicateKey { key, first, second });
    }
}

/// See [`record_duplicates`].
const MAX_BRANCH_OCCURRENCES: usize = 16;
