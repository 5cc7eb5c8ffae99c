// TEMPORARY STUB (not committed): the API from the brief.
use crate::source::{FileId, Span};
use crate::yaml::Value;
pub struct Limits {
    pub max_depth: usize,
    pub max_output: usize,
    pub max_steps: u64,
}
pub struct TemplateSet;
impl TemplateSet {
    pub fn new(_limits: Limits) -> Self {
        TemplateSet
    }
    pub fn add(&mut self, _name: &str, _text: &str, _file: FileId) -> Result<(), TemplateError> {
        Ok(())
    }
    pub fn render(
        &self,
        _name: &str,
        _dot: &Value,
        _env: &dyn Environment,
    ) -> Result<Rendered, TemplateError> {
        Err(TemplateError {
            kind: ErrorKind::Parse,
            message: String::new(),
            span: Span::default(),
        })
    }
}
#[derive(Debug)]
pub struct Rendered {
    pub text: String,
}
#[derive(Debug)]
pub struct TemplateError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Span,
}
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Parse,
}
pub trait Environment {}
