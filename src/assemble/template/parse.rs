//! The parser: chunks and tokens into a tree per template, with byte ranges into the
//! template text (Go's `text/template/parse`).

use std::ops::Range;
use std::sync::Arc;

use super::lex::{self, Chunk, Tok, Token};
use super::{ErrorKind, TemplateError, funcs};
use crate::source::{FileId, LineIndex, Pos, Span, clamp_u32};

/// A template text and where it was read.
pub struct Source {
    pub text: String,
    pub file: FileId,
    lines: LineIndex,
    /// For text parsed at run time (`tpl`): the action (and the value) everything it
    /// produces is attributed to, since the text's own offsets are in no file.
    pub synthetic: Option<(Span, Option<Span>)>,
}

impl Source {
    pub fn new(text: &str, file: FileId, synthetic: Option<(Span, Option<Span>)>) -> Self {
        Source {
            text: text.to_string(),
            file,
            lines: LineIndex::new(text),
            synthetic,
        }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.lines.line_of(offset);
        let start = self.lines.line_start(line).min(offset);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        Pos {
            byte: clamp_u32(offset),
            line: clamp_u32(line + 1),
            col: clamp_u32(col + 1),
        }
    }

    /// The span of bytes `at` (for run-time text, the action that parsed it).
    pub fn span(&self, at: &Range<usize>) -> Span {
        match self.synthetic {
            Some((action, _)) => action,
            None => Span::new(self.file, self.pos(at.start), self.pos(at.end)),
        }
    }
}

/// One named template.
pub struct Tree {
    pub name: String,
    pub source: Arc<Source>,
    pub body: Vec<Node>,
}

impl Tree {
    /// Whether the template prints nothing but whitespace (a file of `define`s): Go does
    /// not let such a template replace one of the same name.
    pub fn is_empty(&self) -> bool {
        self.body.iter().all(|node| match node {
            Node::Text(range) => self.source.text[range.clone()].trim().is_empty(),
            _ => false,
        })
    }
}

#[derive(Debug)]
pub enum Node {
    Text(Range<usize>),
    Action {
        at: Range<usize>,
        pipe: Pipe,
    },
    If {
        at: Range<usize>,
        pipe: Pipe,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    With {
        at: Range<usize>,
        pipe: Pipe,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Range {
        at: Range<usize>,
        pipe: Pipe,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Template {
        at: Range<usize>,
        name: String,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

/// `$x := cmd | cmd …`
#[derive(Debug)]
pub struct Pipe {
    pub decl: Vec<String>,
    /// `=` rather than `:=`.
    pub assign: bool,
    pub cmds: Vec<Cmd>,
}

#[derive(Debug)]
pub struct Cmd {
    pub args: Vec<Arg>,
}

#[derive(Debug)]
pub enum Arg {
    Dot,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// `.A.B`
    Field(Vec<String>),
    /// `$x.A.B`
    Var(String, Vec<String>),
    /// A function, by name.
    Func(String),
    /// `(pipeline).A.B`
    Pipe(Box<Pipe>, Vec<String>),
}

/// Nesting of control structures and parentheses a template may use: deeper is refused,
/// so neither parsing nor execution can exhaust the stack.
pub const MAX_NESTING: usize = 100;

/// Parses a template text into its trees: the file's own (named `name`) and one per
/// `define` or `block`.
pub fn parse(name: &str, source: &Arc<Source>) -> Result<Vec<Tree>, TemplateError> {
    let chunks = lex::lex(&source.text).map_err(|e| TemplateError {
        kind: ErrorKind::Parse,
        message: e.message,
        span: source.span(&(e.at..e.at)),
    })?;
    let mut parser = Parser {
        source,
        chunks: chunks.into_iter().peekable(),
        vars: vec!["$".to_string()],
        defined: Vec::new(),
        loops: 0,
        depth: 0,
    };
    let (body, end) = parser.list(true)?;
    if let Some(end) = end {
        return Err(parser.error(&end.at(), format!("unexpected {}", end.describe())));
    }
    let mut trees = parser.defined;
    trees.insert(
        0,
        Tree {
            name: name.to_string(),
            source: source.clone(),
            body,
        },
    );
    Ok(trees)
}

/// What ended a list of nodes.
enum End {
    End(Range<usize>),
    Else(Range<usize>, Vec<Token>),
}

impl End {
    fn at(&self) -> Range<usize> {
        match self {
            End::End(at) | End::Else(at, _) => at.clone(),
        }
    }
    fn describe(&self) -> &'static str {
        match self {
            End::End(_) => "{{end}}",
            End::Else(..) => "{{else}}",
        }
    }
}

struct Parser<'s> {
    source: &'s Arc<Source>,
    chunks: std::iter::Peekable<std::vec::IntoIter<Chunk>>,
    /// Variables in scope (Go checks them at parse time).
    vars: Vec<String>,
    defined: Vec<Tree>,
    /// `range` bodies open around the current point (`break`/`continue` need one).
    loops: usize,
    depth: usize,
}

/// The tokens of one action, without spaces except where they separate arguments.
struct Tokens<'t> {
    tokens: &'t [Token],
    pos: usize,
    end: usize,
}

impl Tokens<'_> {
    fn skip_space(&mut self) {
        while matches!(
            self.tokens.get(self.pos),
            Some(Token {
                kind: Tok::Space,
                ..
            })
        ) {
            self.pos += 1;
        }
    }
    fn peek(&mut self) -> Option<&Token> {
        self.skip_space();
        self.tokens.get(self.pos)
    }
    fn next(&mut self) -> Option<Token> {
        self.skip_space();
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }
    /// The offset of the next token (or of the action's end).
    fn offset(&mut self) -> usize {
        let end = self.end;
        self.peek().map_or(end, |t| t.at.start)
    }
}

impl Parser<'_> {
    fn error(&self, at: &Range<usize>, message: String) -> TemplateError {
        TemplateError {
            kind: ErrorKind::Parse,
            message,
            span: self.source.span(at),
        }
    }

    /// Nodes up to an `{{end}}` or `{{else}}` (returned), or the end of the text.
    fn list(&mut self, top: bool) -> Result<(Vec<Node>, Option<End>), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(chunk) = self.chunks.next() {
            let (at, tokens) = match chunk {
                Chunk::Text(range) => {
                    nodes.push(Node::Text(range));
                    continue;
                }
                Chunk::Action { tokens, .. } if tokens.is_empty() => continue,
                Chunk::Action { at, tokens } => (at, tokens),
            };
            let mut t = Tokens {
                tokens: &tokens,
                pos: 0,
                end: at.end,
            };
            let keyword = match t.peek() {
                Some(Token {
                    kind: Tok::Ident(word),
                    ..
                }) => word.clone(),
                Some(_) => String::new(),
                None => return Err(self.error(&at, "missing value for command".into())),
            };
            let node = match keyword.as_str() {
                "end" => {
                    t.next();
                    self.expect_end(&mut t, "end")?;
                    return Ok((nodes, Some(End::End(at))));
                }
                "else" => {
                    t.next();
                    let rest = tokens[t.pos..].to_vec();
                    return Ok((nodes, Some(End::Else(at, rest))));
                }
                "if" | "with" | "range" => {
                    t.next();
                    self.control(&keyword, at, &mut t)?
                }
                "define" | "block" => {
                    t.next();
                    if keyword == "define" && !top {
                        return Err(self.error(&at, "unexpected <define> in command".into()));
                    }
                    self.define(&keyword, at, &mut t)?
                }
                "template" => {
                    t.next();
                    let name = self.template_name(&mut t, "template")?;
                    let pipe = if t.peek().is_some() {
                        Some(self.pipeline(&mut t, "template")?)
                    } else {
                        None
                    };
                    Node::Template { at, name, pipe }
                }
                "break" | "continue" => {
                    t.next();
                    self.expect_end(&mut t, &keyword)?;
                    if self.loops == 0 {
                        return Err(
                            self.error(&at, format!("{{{{{keyword}}}}} outside {{{{range}}}}"))
                        );
                    }
                    if keyword == "break" {
                        Node::Break
                    } else {
                        Node::Continue
                    }
                }
                _ => {
                    let pipe = self.pipeline(&mut t, "command")?;
                    Node::Action { at, pipe }
                }
            };
            nodes.push(node);
        }
        Ok((nodes, None))
    }

    fn expect_end(&self, t: &mut Tokens, context: &str) -> Result<(), TemplateError> {
        match t.next() {
            None => Ok(()),
            Some(token) => Err(self.error(
                &token.at,
                format!("unexpected {} in {context}", describe(&token.kind)),
            )),
        }
    }

    fn template_name(&self, t: &mut Tokens, context: &str) -> Result<String, TemplateError> {
        match t.next() {
            Some(Token {
                kind: Tok::Str(name),
                ..
            }) => Ok(name),
            Some(token) => Err(self.error(
                &token.at,
                format!("unexpected {} in {context} clause", describe(&token.kind)),
            )),
            None => Err(self.error(&(t.end..t.end), format!("missing name in {context} clause"))),
        }
    }

    fn nest(&mut self, at: &Range<usize>) -> Result<(), TemplateError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(TemplateError {
                kind: ErrorKind::Limit,
                message: format!("nested deeper than {MAX_NESTING} levels"),
                span: self.source.span(at),
            });
        }
        Ok(())
    }

    /// `if`, `with` or `range`, after its keyword.
    fn control(
        &mut self,
        keyword: &str,
        at: Range<usize>,
        t: &mut Tokens,
    ) -> Result<Node, TemplateError> {
        self.nest(&at)?;
        let scope = self.vars.len();
        let pipe = self.pipeline(t, keyword)?;
        if keyword == "range" {
            self.loops += 1;
        }
        let (then, end) = self.list(false)?;
        if keyword == "range" {
            self.loops -= 1;
        }
        self.vars.truncate(scope);
        let otherwise = match end {
            None => {
                return Err(self.error(&at, format!("unexpected EOF in {keyword}")));
            }
            Some(End::End(_)) => Vec::new(),
            Some(End::Else(else_at, rest)) => {
                let mut r = Tokens {
                    tokens: &rest,
                    pos: 0,
                    end: else_at.end,
                };
                match r.peek().map(|t| t.kind.clone()) {
                    None => {
                        let (otherwise, end) = self.list(false)?;
                        self.vars.truncate(scope);
                        match end {
                            Some(End::End(_)) => otherwise,
                            Some(other) => {
                                return Err(self.error(
                                    &other.at(),
                                    format!("expected end; found {}", other.describe()),
                                ));
                            }
                            None => {
                                return Err(self.error(&at, format!("unexpected EOF in {keyword}")));
                            }
                        }
                    }
                    // `{{else if}}`/`{{else with}}`: a nested control sharing this `end`.
                    Some(Tok::Ident(word))
                        if (word == "if" && keyword == "if")
                            || (word == "with" && keyword == "with") =>
                    {
                        r.next();
                        vec![self.control(&word, else_at, &mut r)?]
                    }
                    Some(_) => {
                        let token = r.next().expect("peeked");
                        return Err(self.error(
                            &token.at,
                            format!("unexpected {} in else", describe(&token.kind)),
                        ));
                    }
                }
            }
        };
        self.depth -= 1;
        Ok(match keyword {
            "if" => Node::If {
                at,
                pipe,
                then,
                otherwise,
            },
            "with" => Node::With {
                at,
                pipe,
                then,
                otherwise,
            },
            _ => Node::Range {
                at,
                pipe,
                body: then,
                otherwise,
            },
        })
    }

    /// `define "name"` or `block "name" pipeline`, after its keyword.
    fn define(
        &mut self,
        keyword: &str,
        at: Range<usize>,
        t: &mut Tokens,
    ) -> Result<Node, TemplateError> {
        self.nest(&at)?;
        let name = self.template_name(t, keyword)?;
        let pipe = if keyword == "block" {
            Some(self.pipeline(t, "block")?)
        } else {
            self.expect_end(t, "define clause")?;
            None
        };
        // A defined template has its own variables: only `$`.
        let outer = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let loops = std::mem::replace(&mut self.loops, 0);
        let (body, end) = self.list(false)?;
        self.vars = outer;
        self.loops = loops;
        self.depth -= 1;
        match end {
            Some(End::End(_)) => {}
            Some(other) => {
                return Err(self.error(&other.at(), format!("unexpected {}", other.describe())));
            }
            None => return Err(self.error(&at, format!("unexpected EOF in {keyword}"))),
        }
        self.defined.retain(|tree| tree.name != name);
        self.defined.push(Tree {
            name: name.clone(),
            source: self.source.clone(),
            body,
        });
        Ok(match pipe {
            Some(pipe) => Node::Template {
                at,
                name,
                pipe: Some(pipe),
            },
            // A define prints nothing where it stands.
            None => Node::Text(at.start..at.start),
        })
    }

    /// A pipeline, with its declarations (up to two in `range`, else one).
    fn pipeline(&mut self, t: &mut Tokens, context: &str) -> Result<Pipe, TemplateError> {
        let mut decl = Vec::new();
        let mut assign = false;
        // Look ahead for `$x :=`, `$x =` or `$i, $x :=`.
        let save = t.pos;
        let mut names = Vec::new();
        loop {
            match t.next() {
                Some(Token {
                    kind: Tok::Var(name),
                    ..
                }) => names.push(name),
                _ => {
                    names.clear();
                    break;
                }
            }
            match t.next().map(|t| t.kind) {
                Some(Tok::Declare) => break,
                Some(Tok::Assign) => {
                    assign = true;
                    break;
                }
                Some(Tok::Comma) if context == "range" && names.len() == 1 => continue,
                _ => {
                    names.clear();
                    break;
                }
            }
        }
        if names.is_empty() {
            t.pos = save;
            assign = false;
        } else {
            for name in &names {
                if assign {
                    if !self.vars.contains(name) {
                        let at = t.tokens[save].at.clone();
                        return Err(self.error(&at, format!("undefined variable {name:?}")));
                    }
                } else {
                    decl.push(name.clone());
                }
            }
            if assign {
                decl = names;
            }
        }
        let mut cmds = Vec::new();
        loop {
            let cmd = self.command(t, context)?;
            cmds.push(cmd);
            match t.peek().map(|t| t.kind.clone()) {
                Some(Tok::Pipe) => {
                    t.next();
                    // Go accepts a pipe that ends the pipeline: `{{ x | }}`.
                    if matches!(t.peek().map(|t| &t.kind), None | Some(Tok::RParen)) {
                        break;
                    }
                }
                None | Some(Tok::RParen) => break,
                Some(other) => {
                    let at = t.peek().map(|t| t.at.clone()).unwrap_or_default();
                    return Err(
                        self.error(&at, format!("unexpected {} in operand", describe(&other)))
                    );
                }
            }
        }
        if !assign {
            // Declared after the pipeline is parsed: `$x := $x` refers to an outer $x.
            self.vars.extend(decl.iter().cloned());
        }
        Ok(Pipe { decl, assign, cmds })
    }

    /// One command: operands up to `|`, `)` or the end.
    fn command(&mut self, t: &mut Tokens, context: &str) -> Result<Cmd, TemplateError> {
        let mut args = Vec::new();
        loop {
            t.skip_space();
            let Some(token) = t.tokens.get(t.pos).cloned() else {
                break;
            };
            if matches!(token.kind, Tok::Pipe | Tok::RParen) {
                break;
            }
            let arg = self.operand(t)?;
            args.push(arg);
            // Operands are separated by spaces (or end at `|`/`)`).
            match t.tokens.get(t.pos).map(|t| &t.kind) {
                None | Some(Tok::Space | Tok::Pipe | Tok::RParen) => {}
                Some(kind) => {
                    let at = t.tokens[t.pos].at.clone();
                    return Err(
                        self.error(&at, format!("unexpected {} in operand", describe(kind)))
                    );
                }
            }
        }
        if args.is_empty() {
            let at = t.offset();
            return Err(self.error(&(at..at), format!("missing value for {context}")));
        }
        if matches!(args[0], Arg::Nil) && args.len() == 1 {
            let at = t.offset();
            return Err(self.error(&(at..at), "nil is not a command".into()));
        }
        Ok(Cmd { args })
    }

    /// An operand: a term and the fields chained to it.
    fn operand(&mut self, t: &mut Tokens) -> Result<Arg, TemplateError> {
        let token = t.next().expect("the caller peeked");
        let at = token.at.clone();
        let arg = match token.kind {
            Tok::Dot => Arg::Dot,
            Tok::Nil => Arg::Nil,
            Tok::Bool(b) => Arg::Bool(b),
            Tok::Str(s) => Arg::Str(s.into()),
            Tok::Char(c) => Arg::Int(c),
            Tok::Number(text) => number(&text)
                .ok_or_else(|| self.error(&at, format!("illegal number syntax: {text:?}")))?,
            Tok::Field(name) => {
                let mut fields = vec![name];
                self.chain(t, &mut fields);
                return Ok(Arg::Field(fields));
            }
            Tok::Var(name) => {
                if !self.vars.contains(&name) {
                    return Err(self.error(&at, format!("undefined variable {name:?}")));
                }
                let mut fields = Vec::new();
                self.chain(t, &mut fields);
                return Ok(Arg::Var(name, fields));
            }
            Tok::Ident(name) => {
                if KEYWORDS.contains(&name.as_str()) {
                    return Err(self.error(&at, format!("unexpected <{name}> in command")));
                }
                if !funcs::exists(&name) {
                    return Err(TemplateError {
                        kind: ErrorKind::UndefinedFunction,
                        message: format!("function {name:?} not defined"),
                        span: self.source.span(&at),
                    });
                }
                Arg::Func(name)
            }
            Tok::LParen => {
                self.nest(&at)?;
                let pipe = self.pipeline(t, "parenthesized pipeline")?;
                self.depth -= 1;
                match t.next() {
                    Some(Token {
                        kind: Tok::RParen, ..
                    }) => {}
                    _ => return Err(self.error(&at, "unclosed left paren".into())),
                }
                let mut fields = Vec::new();
                self.chain(t, &mut fields);
                return Ok(Arg::Pipe(Box::new(pipe), fields));
            }
            other => {
                return Err(self.error(&at, format!("unexpected {} in operand", describe(&other))));
            }
        };
        if let Some(Token {
            kind: Tok::Field(_),
            ..
        }) = t.tokens.get(t.pos)
        {
            return Err(self.error(&at, "unexpected . after term".into()));
        }
        Ok(arg)
    }

    /// Fields written right after a term (`$x.a.b`), no space between.
    fn chain(&self, t: &mut Tokens, fields: &mut Vec<String>) {
        while let Some(Token {
            kind: Tok::Field(name),
            ..
        }) = t.tokens.get(t.pos)
        {
            fields.push(name.clone());
            t.pos += 1;
        }
    }
}

const KEYWORDS: &[&str] = &[
    "block", "break", "continue", "define", "else", "end", "if", "range", "template", "with",
];

fn describe(kind: &Tok) -> String {
    match kind {
        Tok::Field(name) => format!("<.{name}>"),
        Tok::Var(name) => format!("<{name}>"),
        Tok::Ident(name) => format!("<{name}>"),
        Tok::Dot => "<.>".into(),
        Tok::Bool(b) => format!("<{b}>"),
        Tok::Nil => "<nil>".into(),
        Tok::Number(n) => format!("<{n}>"),
        Tok::Char(c) => format!("<{c}>"),
        Tok::Str(s) => format!("{s:?}"),
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::Pipe => "\"|\"".into(),
        Tok::Declare => "\":=\"".into(),
        Tok::Assign => "\"=\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Space => "space".into(),
    }
}

/// A number literal typed as Go types an untyped constant passed as `interface{}`: a
/// float when written with a point or an exponent (decimal), else an int.
fn number(text: &str) -> Option<Arg> {
    let clean = text.replace('_', "");
    let (negative, digits) = match clean.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let lower = digits.to_ascii_lowercase();
    let radix = |prefix: &str, radix: u32| -> Option<Option<i64>> {
        let body = lower.strip_prefix(prefix)?;
        Some(i64::from_str_radix(body, radix).ok())
    };
    let int = radix("0x", 16)
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2));
    if let Some(int) = int {
        let int = int?;
        return Some(Arg::Int(if negative { -int } else { int }));
    }
    if lower.contains(['.', 'e']) {
        let float: f64 = clean.parse().ok()?;
        return Some(Arg::Float(float));
    }
    if lower.len() > 1 && lower.starts_with('0') {
        let int = i64::from_str_radix(&lower[1..], 8).ok()?;
        return Some(Arg::Int(if negative { -int } else { int }));
    }
    clean.parse().ok().map(Arg::Int)
}
