//! The evaluator: runs a parsed template over a value, writing text and its source map.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::funcs;
use super::parse::{Arg, Cmd, Node, Pipe, Source, Tree};
use super::value::{Changed, Kind, Val};
use super::{Dot, Environment, ErrorKind, Limits, Rendered, TemplateError, TemplateSet};
use crate::source::{Provenance, SourceMap, Span};

/// An execution error; `span` is filled in by the innermost action it passes.
#[derive(Debug)]
pub struct Fault {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Option<Span>,
}

impl Fault {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Fault {
            kind,
            message: message.into(),
            span: None,
        }
    }
    pub fn exec(message: impl Into<String>) -> Self {
        Fault::new(ErrorKind::Exec, message)
    }
}

pub type Res<T> = Result<T, Fault>;

/// Text being written and its map.
#[derive(Default)]
pub struct Out {
    pub text: String,
    pub map: SourceMap,
}

/// Omissions recorded per render at most: enough for any chart, bounded for hostile ones.
/// Each is a mark in the map of the text it was recorded in (tagged with its index in
/// [`Exec::omitted`]), so that one in an `include`d helper is found where the helper's
/// text ends up, however it was indented or cut.
const MAX_OMISSIONS: usize = 4096;

/// An `if`/`with` that left its body out because a field read from data (values) was
/// empty: where a finding about something absent from the output can point instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Omission {
    /// Offset in the rendered text where the body would have been.
    pub at: usize,
    /// The `{{ if … }}` / `{{ with … }}` action.
    pub action: Span,
    /// The last field name of the condition (`priorityClassName` for
    /// `.Values.agent.priorityClassName`).
    pub field: String,
    /// Where the empty value was written.
    pub value: Span,
    /// Whether it is an empty string (`""`), not null or false.
    pub empty_string: bool,
}

/// The field a condition reads, when it is a lone field chain (`.Values.x.y`, `$v.y`).
fn condition_field(pipe: &Pipe) -> Option<&str> {
    match pipe.cmds.as_slice() {
        [cmd] => match cmd.args.as_slice() {
            [Arg::Field(names) | Arg::Var(_, names)] => names.last().map(String::as_str),
            _ => None,
        },
        _ => None,
    }
}

/// How a list of nodes ended.
enum Flow {
    Normal,
    Break,
    Continue,
}

/// Frames of template nesting (`include` levels and control structures together) past
/// which execution stops, whatever the limits say: the evaluator recurses per level.
const MAX_FRAMES: usize = 400;

pub struct Exec<'a> {
    set: &'a TemplateSet,
    pub env: &'a dyn Environment,
    /// Where `set` and `merge` note the maps they change (the dot's record).
    pub changed: &'a Changed,
    pub limits: Limits,
    steps: u64,
    written: usize,
    depth: usize,
    frames: usize,
    /// Templates defined by text `tpl` is running, innermost last.
    local: Vec<HashMap<String, Arc<Tree>>>,
    /// The action being executed (functions report their errors there).
    pub action: Span,
    /// Where the value that action printed was written, when `tpl` is running text that
    /// came from data.
    tree: Option<Arc<Tree>>,
    /// Omissions recorded, by the tag of their mark (`at` is set when the render ends).
    omitted: Vec<Omission>,
}

pub fn render(
    set: &TemplateSet,
    name: &str,
    dot: &Dot,
    env: &dyn Environment,
) -> Result<Rendered, TemplateError> {
    let started = set.spent.load(Ordering::Relaxed);
    let mut exec = Exec {
        set,
        env,
        changed: &dot.1,
        limits: set.limits,
        steps: started,
        written: 0,
        depth: 0,
        frames: 0,
        local: Vec::new(),
        action: Span::default(),
        tree: None,
        omitted: Vec::new(),
    };
    let Some(tree) = set.templates.get(name).cloned() else {
        return Err(TemplateError {
            kind: ErrorKind::UndefinedTemplate,
            message: format!("no template {name:?}"),
            span: Span::default(),
        });
    };
    let mut out = Out::default();
    let result = exec.run(&tree, &dot.0, &mut out);
    set.spent.fetch_add(exec.steps - started, Ordering::Relaxed);
    match result {
        Ok(()) => {
            let omissions = out
                .map
                .marks()
                .iter()
                .filter_map(|&(at, tag)| {
                    let omitted = exec.omitted.get(tag as usize)?;
                    Some(Omission {
                        at,
                        ..omitted.clone()
                    })
                })
                .collect();
            Ok(Rendered {
                text: out.text,
                map: out.map,
                omissions,
            })
        }
        Err(fault) => Err(TemplateError {
            kind: fault.kind,
            message: fault.message,
            span: fault.span.unwrap_or(exec.action),
        }),
    }
}

impl Exec<'_> {
    /// Counts one step of work (or `n`, for functions that build big collections).
    pub fn step(&mut self, n: u64) -> Res<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.limits.max_steps {
            return Err(Fault::new(
                ErrorKind::Limit,
                format!(
                    "rendering took more than {} steps (a loop that never ends?)",
                    self.limits.max_steps
                ),
            ));
        }
        Ok(())
    }

    /// Checks a string a function built against the output bound.
    pub fn check_len(&self, len: usize) -> Res<()> {
        if len > self.limits.max_output {
            return Err(self.too_long());
        }
        Ok(())
    }

    fn too_long(&self) -> Fault {
        Fault::new(
            ErrorKind::Limit,
            format!("output larger than {} bytes", self.limits.max_output),
        )
    }

    fn write(&mut self, out: &mut Out, text: &str) -> Res<()> {
        self.written = self.written.saturating_add(text.len());
        if self.written > self.limits.max_output {
            return Err(self.too_long());
        }
        out.text.push_str(text);
        Ok(())
    }

    fn find(&self, name: &str) -> Option<Arc<Tree>> {
        self.local
            .iter()
            .rev()
            .find_map(|defs| defs.get(name))
            .or_else(|| self.set.templates.get(name))
            .cloned()
    }

    /// Runs the template `tree` with `dot`, writing to `out`.
    fn run(&mut self, tree: &Arc<Tree>, dot: &Val, out: &mut Out) -> Res<()> {
        let outer = self.tree.replace(tree.clone());
        let mut vars = vec![("$".to_string(), dot.clone())];
        let result = self.nodes(tree, &tree.body, dot, &mut vars, out);
        self.tree = outer;
        result.map(|_| ())
    }

    /// Runs the template called `name` one level deeper (`template`, `include`).
    pub fn call_template(&mut self, name: &str, dot: &Val, out: &mut Out) -> Res<()> {
        let Some(tree) = self.find(name) else {
            return Err(Fault::new(
                ErrorKind::UndefinedTemplate,
                format!(
                    "no template {name:?} associated with template {:?}",
                    self.current_name()
                ),
            ));
        };
        self.enter()?;
        let result = self.run(&tree, dot, out);
        self.leave();
        result
    }

    fn current_name(&self) -> String {
        self.tree
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default()
    }

    fn enter(&mut self) -> Res<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(Fault::new(
                ErrorKind::Limit,
                format!(
                    "templates nested deeper than {} (an include cycle?)",
                    self.limits.max_depth
                ),
            ));
        }
        self.frame()
    }

    fn leave(&mut self) {
        self.depth -= 1;
        self.frames -= 1;
    }

    fn frame(&mut self) -> Res<()> {
        self.frames += 1;
        if self.frames > MAX_FRAMES {
            return Err(Fault::new(
                ErrorKind::Limit,
                format!("templates and their blocks nested deeper than {MAX_FRAMES}"),
            ));
        }
        Ok(())
    }

    /// `include`: runs template `name` into a string that keeps its source map.
    pub fn include(&mut self, name: &str, dot: &Val) -> Res<Val> {
        let mut out = Out::default();
        self.call_template(name, dot, &mut out)?;
        Ok(Val::new(Kind::Str(out.text.into(), Some(Rc::new(out.map)))))
    }

    /// `tpl`: parses `text` (a value, written at `value_span`) and runs it with `dot`.
    pub fn tpl(&mut self, text: &str, value_span: Option<Span>, dot: &Val) -> Res<Val> {
        let name = self.current_name();
        let source = Arc::new(Source::new(
            text,
            self.action.file,
            Some((self.action, value_span)),
        ));
        let trees = super::parse::parse(&name, &source).map_err(|e| Fault {
            kind: e.kind,
            message: format!("in tpl: {}", e.message),
            span: None,
        })?;
        let mut trees = trees.into_iter();
        let main = Arc::new(trees.next().expect("parse gives the main tree"));
        self.local
            .push(trees.map(|t| (t.name.clone(), Arc::new(t))).collect());
        let mut out = Out::default();
        let result = self.enter().and_then(|()| {
            let result = self.run(&main, dot, &mut out);
            self.leave();
            result
        });
        self.local.pop();
        result?;
        Ok(Val::new(Kind::Str(out.text.into(), Some(Rc::new(out.map)))))
    }

    fn nodes(
        &mut self,
        tree: &Arc<Tree>,
        nodes: &[Node],
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        out: &mut Out,
    ) -> Res<Flow> {
        for node in nodes {
            match self.node(tree, node, dot, vars, out) {
                Ok(Flow::Normal) => {}
                Ok(flow) => return Ok(flow),
                Err(mut fault) => {
                    if fault.span.is_none() {
                        fault.span = Some(self.action);
                    }
                    return Err(fault);
                }
            }
        }
        Ok(Flow::Normal)
    }

    fn node(
        &mut self,
        tree: &Arc<Tree>,
        node: &Node,
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        out: &mut Out,
    ) -> Res<Flow> {
        let source = &tree.source;
        match node {
            Node::Text(range) => {
                if range.is_empty() {
                    return Ok(Flow::Normal);
                }
                let text = &source.text[range.clone()];
                let at = out.text.len();
                self.write(out, text)?;
                match source.synthetic {
                    Some((action, value)) => {
                        out.map.push(at, Provenance::Produced { action, value })
                    }
                    None => out
                        .map
                        .push_copied(at, text, source.file, source.pos(range.start)),
                }
            }
            Node::Action { at, pipe } => {
                self.step(1)?;
                self.action = source.span(at);
                let value = self.pipe(pipe, dot, vars)?;
                if pipe.decl.is_empty() {
                    self.print(&value, out)?;
                }
            }
            Node::If {
                at,
                pipe,
                then,
                otherwise,
            }
            | Node::With {
                at,
                pipe,
                then,
                otherwise,
            } => {
                self.step(1)?;
                self.action = source.span(at);
                let scope = vars.len();
                let value = self.pipe(pipe, dot, vars)?;
                if !value.truth()
                    && let Some(value_span) = value.span
                    && let Some(field) = condition_field(pipe)
                    && self.omitted.len() < MAX_OMISSIONS
                {
                    out.map.mark(out.text.len(), self.omitted.len() as u32);
                    self.omitted.push(Omission {
                        at: 0,
                        action: self.action,
                        field: field.to_string(),
                        value: value_span,
                        empty_string: matches!(value.kind, Kind::Str(..)),
                    });
                }
                let with = matches!(node, Node::With { .. });
                let branch = if value.truth() { then } else { otherwise };
                let inner = if with && value.truth() { &value } else { dot };
                self.frame()?;
                let flow = self.nodes(tree, branch, inner, vars, out);
                self.frames -= 1;
                vars.truncate(scope);
                return flow;
            }
            Node::Range {
                at,
                pipe,
                body,
                otherwise,
            } => {
                self.step(1)?;
                self.action = source.span(at);
                return self.range(tree, at, pipe, body, otherwise, dot, vars, out);
            }
            Node::Template { at, name, pipe } => {
                self.step(1)?;
                self.action = source.span(at);
                let data = match pipe {
                    Some(pipe) => self.pipe(pipe, dot, vars)?,
                    None => Val::nil(),
                };
                let action = self.action;
                self.call_template(name, &data, out)?;
                self.action = action;
            }
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    #[allow(clippy::too_many_arguments)]
    fn range(
        &mut self,
        tree: &Arc<Tree>,
        at: &std::ops::Range<usize>,
        pipe: &Pipe,
        body: &[Node],
        otherwise: &[Node],
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        out: &mut Out,
    ) -> Res<Flow> {
        let scope = vars.len();
        let value = self.commands(&pipe.cmds, dot, vars)?;
        let items: Vec<(Val, Val)> = match &value.kind {
            Kind::List(list) | Kind::ApiVersions(list) => list
                .0
                .iter()
                .enumerate()
                .map(|(i, v)| (Val::int(i as i64), v.clone()))
                .collect(),
            Kind::Map(map) => map
                .0
                .borrow()
                .iter()
                .map(|(k, v)| (Val::str(k.as_str()), v.clone()))
                .collect(),
            Kind::Int(n) => {
                self.step(u64::try_from(*n).unwrap_or(0))?;
                (0..*n).map(|i| (Val::int(i), Val::int(i))).collect()
            }
            Kind::Files(files) => funcs::helm::files_map(self.env, files),
            Kind::Nil => Vec::new(),
            _ => {
                return Err(Fault::exec(format!(
                    "range can't iterate over {}",
                    funcs::fmt::value(&value)
                )));
            }
        };
        let span = tree.source.span(at);
        self.frame()?;
        let mut result = Ok(Flow::Normal);
        if items.is_empty() {
            result = self.nodes(tree, otherwise, dot, vars, out);
        }
        for (key, item) in items {
            if let Err(fault) = self.step(1) {
                result = Err(fault);
                break;
            }
            self.action = span;
            match pipe.decl.as_slice() {
                [] => {}
                [elem] => vars.push((elem.clone(), item.clone())),
                [index, elem, ..] => {
                    vars.push((index.clone(), key));
                    vars.push((elem.clone(), item.clone()));
                }
            }
            let flow = self.nodes(tree, body, &item, vars, out);
            vars.truncate(scope);
            match flow {
                Ok(Flow::Break) => break,
                Ok(_) => {}
                Err(fault) => {
                    result = Err(fault);
                    break;
                }
            }
        }
        self.frames -= 1;
        vars.truncate(scope);
        result.map(|_| Flow::Normal)
    }

    /// Prints a value as an action does (nil prints nothing: Helm deletes `<no value>`).
    fn print(&mut self, value: &Val, out: &mut Out) -> Res<()> {
        let at = out.text.len();
        match &value.kind {
            Kind::Nil => return Ok(()),
            Kind::Str(text, map) => {
                self.write(out, text)?;
                let produced = Provenance::Produced {
                    action: self.action,
                    value: value.span,
                };
                match map {
                    Some(map) => {
                        if map.segments().first().is_none_or(|s| s.start > 0) {
                            out.map.push(at, produced);
                        }
                        out.map.append_at(at, map);
                    }
                    None => out.map.push(at, produced),
                }
            }
            _ => {
                let text = funcs::fmt::value(value);
                self.write(out, &text)?;
                out.map.push(
                    at,
                    Provenance::Produced {
                        action: self.action,
                        value: value.span,
                    },
                );
            }
        }
        Ok(())
    }

    /// Evaluates a pipeline and binds its declared variables.
    fn pipe(&mut self, pipe: &Pipe, dot: &Val, vars: &mut Vec<(String, Val)>) -> Res<Val> {
        let value = self.commands(&pipe.cmds, dot, vars)?;
        for name in &pipe.decl {
            if pipe.assign {
                if let Some(slot) = vars.iter_mut().rev().find(|(n, _)| n == name) {
                    slot.1 = value.clone();
                }
            } else {
                vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn commands(&mut self, cmds: &[Cmd], dot: &Val, vars: &mut Vec<(String, Val)>) -> Res<Val> {
        let mut value: Option<Val> = None;
        for cmd in cmds {
            value = Some(self.command(cmd, dot, vars, value)?);
        }
        Ok(value.unwrap_or_else(Val::nil))
    }

    fn command(
        &mut self,
        cmd: &Cmd,
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        last: Option<Val>,
    ) -> Res<Val> {
        let (first, rest) = cmd.args.split_first().expect("a command has an operand");
        match first {
            Arg::Func(name) => {
                self.step(1)?;
                if name == "and" || name == "or" {
                    return self.and_or(name == "and", rest, dot, vars, last);
                }
                let mut args = Vec::with_capacity(rest.len() + 1);
                for arg in rest {
                    args.push(self.arg(arg, dot, vars)?);
                }
                args.extend(last);
                funcs::call(self, name, args)
            }
            Arg::Field(fields) => {
                let args = self.method_args(rest, dot, vars, last)?;
                self.fields(dot.clone(), fields, args)
            }
            Arg::Var(name, fields) => {
                let args = self.method_args(rest, dot, vars, last)?;
                let value = self.var(vars, name);
                if fields.is_empty() && args.is_some() {
                    return Err(Fault::exec(
                        "can't give argument to non-function ".to_string() + name,
                    ));
                }
                self.fields(value, fields, args)
            }
            Arg::Pipe(pipe, fields) => {
                let args = self.method_args(rest, dot, vars, last)?;
                let value = self.nested(pipe, dot, vars)?;
                if fields.is_empty() && args.is_some() {
                    return Err(Fault::exec("can't give argument to non-function"));
                }
                self.fields(value, fields, args)
            }
            other => {
                if !rest.is_empty() || last.is_some() {
                    return Err(Fault::exec(format!(
                        "can't give argument to non-function {}",
                        describe(other)
                    )));
                }
                self.arg(other, dot, vars)
            }
        }
    }

    /// Arguments for a method at the end of a field chain (`None`: not called).
    fn method_args(
        &mut self,
        rest: &[Arg],
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        last: Option<Val>,
    ) -> Res<Option<Vec<Val>>> {
        if rest.is_empty() && last.is_none() {
            return Ok(None);
        }
        let mut args = Vec::new();
        for arg in rest {
            args.push(self.arg(arg, dot, vars)?);
        }
        args.extend(last);
        Ok(Some(args))
    }

    fn nested(&mut self, pipe: &Pipe, dot: &Val, vars: &mut Vec<(String, Val)>) -> Res<Val> {
        self.frame()?;
        let result = self.pipe(pipe, dot, vars);
        self.frames -= 1;
        result
    }

    /// `and`/`or`: arguments evaluated until one decides; that one is the result.
    fn and_or(
        &mut self,
        and: bool,
        args: &[Arg],
        dot: &Val,
        vars: &mut Vec<(String, Val)>,
        last: Option<Val>,
    ) -> Res<Val> {
        let name = if and { "and" } else { "or" };
        if args.len() + usize::from(last.is_some()) == 0 {
            return Err(Fault::exec(format!(
                "wrong number of args for {name}: want at least 1 got 0"
            )));
        }
        let mut value = Val::nil();
        for arg in args {
            value = self.arg(arg, dot, vars)?;
            if value.truth() != and {
                return Ok(value);
            }
        }
        if let Some(last) = last {
            value = last;
        }
        Ok(value)
    }

    fn var(&self, vars: &[(String, Val)], name: &str) -> Val {
        vars.iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or_else(Val::nil, |(_, v)| v.clone())
    }

    fn arg(&mut self, arg: &Arg, dot: &Val, vars: &mut Vec<(String, Val)>) -> Res<Val> {
        Ok(match arg {
            Arg::Dot => dot.clone(),
            Arg::Nil => Val::nil(),
            Arg::Bool(b) => Val::bool(*b),
            Arg::Int(i) => Val::int(*i),
            Arg::Float(f) => Val::float(*f),
            Arg::Str(s) => Val::str(&**s),
            Arg::Field(fields) => self.fields(dot.clone(), fields, None)?,
            Arg::Var(name, fields) => {
                let value = self.var(vars, name);
                self.fields(value, fields, None)?
            }
            Arg::Pipe(pipe, fields) => {
                let value = self.nested(pipe, dot, vars)?;
                self.fields(value, fields, None)?
            }
            Arg::Func(name) => {
                self.step(1)?;
                if name == "and" || name == "or" {
                    return Err(Fault::exec(format!(
                        "wrong number of args for {name}: want at least 1 got 0"
                    )));
                }
                funcs::call(self, name, Vec::new())?
            }
        })
    }

    /// Follows `fields` from `value`; the last one is called with `args` if given.
    ///
    /// Go tells two nils apart: a pipeline's result (a variable, a parenthesised
    /// pipeline, `.` passed to a template) that is nil is no value at all, and its fields
    /// are nil too (`(.a).b` with `a` missing is nil); a map's nil entry reached within
    /// the chain is a nil `interface{}`, whose field is an error (`.a.b`).
    fn fields(&mut self, mut value: Val, fields: &[String], args: Option<Vec<Val>>) -> Res<Val> {
        if value.is_nil() {
            return Ok(value);
        }
        let mut args = args;
        for (i, name) in fields.iter().enumerate() {
            let call = if i + 1 == fields.len() {
                args.take()
            } else {
                None
            };
            value = self.field(&value, name, call)?;
        }
        if let Some(args) = args
            && !args.is_empty()
        {
            return Err(Fault::exec("can't give argument to non-function ."));
        }
        Ok(value)
    }

    fn field(&mut self, receiver: &Val, name: &str, args: Option<Vec<Val>>) -> Res<Val> {
        match &receiver.kind {
            Kind::Map(map) => {
                if args.is_some() {
                    return Err(Fault::exec(format!(
                        "{name} is not a method but has arguments"
                    )));
                }
                Ok(map.0.borrow().get(name).cloned().unwrap_or_else(Val::nil))
            }
            Kind::Files(files) => {
                funcs::helm::files_method(self, files, name, args.unwrap_or_default())
            }
            Kind::ApiVersions(list) if name == "Has" => {
                let args = args.unwrap_or_default();
                let [version] = args.as_slice() else {
                    return Err(Fault::exec(format!(
                        "wrong number of args for Has: want 1 got {}",
                        args.len()
                    )));
                };
                let version = version.as_str().unwrap_or_default();
                Ok(Val::bool(
                    list.0.iter().any(|v| v.as_str() == Some(version)),
                ))
            }
            Kind::Nil => Err(Fault::exec(format!(
                "nil pointer evaluating interface {{}}.{name}"
            ))),
            _ => Err(Fault::exec(format!(
                "can't evaluate field {name} in type {}",
                receiver.type_name()
            ))),
        }
    }
}

fn describe(arg: &Arg) -> String {
    match arg {
        Arg::Dot => ".".into(),
        Arg::Nil => "nil".into(),
        Arg::Bool(b) => b.to_string(),
        Arg::Int(i) => i.to_string(),
        Arg::Float(f) => f.to_string(),
        Arg::Str(s) => format!("{s:?}"),
        _ => String::new(),
    }
}
