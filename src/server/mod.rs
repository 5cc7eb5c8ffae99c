//! `karplint server`: a Language Server Protocol server over standard input and output.
//!
//! It indexes each workspace folder once as `karplint check` run there would (config,
//! discovery, context, charts rendered and kustomizations built, one index per cluster),
//! keeps every file's and every unit's facts, and on each change loads only what the change
//! touches (the file, or the units that read it; unsaved buffers win over the disk) before
//! running the index and the rules again, then publishes the diagnostics of every file
//! whose findings changed: a PriorityClass edited in one buffer updates the DaemonSets
//! that use it in others (see [`workspace`]).
//!
//! One thread handles messages in order. Before analysing, it takes every message already
//! waiting, so a burst of edits is loaded (a unit assembled) and analysed once, at its
//! last version, and a request cancelled while it waited is answered as cancelled.

mod features;
mod text;
mod workspace;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Instant;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, FileChangeType,
    HoverProviderCapability, InitializeParams, PositionEncodingKind, PublishDiagnosticsParams,
    SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri, WorkspaceFoldersServerCapabilities,
    WorkspaceServerCapabilities,
};
use serde_json::Value;

use crate::config::{CONFIG_FILE, KarpenterMode};
use crate::diagnostic::{Diagnostic, FileId};
use crate::registry::{self, Severity};
use features::Texts;
use text::{apply_change, path_of, uri_of};
use workspace::{Buffers, Overrides, Project};

/// Runs the server on standard input and output until the client says `exit`. `Err` when
/// the connection broke or the client exited without `shutdown`.
pub fn run() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    let outcome = serve(&connection);
    drop(connection);
    io_threads.join().map_err(|e| e.to_string())?;
    outcome
}

fn serve(connection: &Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new("source.fixAll.karplint"),
            ]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp_types::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "karplint".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    // `initialize_finish` has waited for `initialized`: the folders can be indexed.
    let mut server = Server::new(connection, &params);
    server.initialized();
    server.main_loop()
}

/// An open document.
struct Document {
    uri: Uri,
    version: i32,
}

struct Server<'c> {
    connection: &'c Connection,
    overrides: Overrides,
    /// Workspace folders to index once the client is initialized.
    folders: Vec<PathBuf>,
    /// One per workspace folder, then the loose files.
    projects: Vec<Project>,
    loose: Project,
    buffers: Buffers,
    documents: HashMap<PathBuf, Document>,
    /// What was last published per file (findings, or the config's errors).
    published: HashMap<PathBuf, Published>,
    /// Files just opened: their diagnostics are published even when empty.
    announce: HashSet<PathBuf>,
    watch_files: bool,
    shutdown: bool,
    /// Messages taken from the connection but not handled yet.
    waiting: VecDeque<Message>,
    cancelled: HashSet<RequestId>,
}

/// What was published for a file.
enum Published {
    Findings(Vec<Diagnostic>),
    Config(String),
}

/// What a file shows after an analysis, borrowed from it.
enum Current<'a> {
    Findings(Vec<&'a Diagnostic>),
    Config(&'a String),
}

/// The `initializationOptions` the server reads: `{"karpenter": "auto|always|never",
/// "rules": {"KDS001": "error|warning|info|off", …}}` (as in `.karplint.yaml`).
fn overrides(options: Option<&Value>, log: &mut Vec<String>) -> Overrides {
    let mut overrides = Overrides::default();
    let Some(options) = options else {
        return overrides;
    };
    match options.get("karpenter").and_then(Value::as_str) {
        Some("auto") => overrides.karpenter = Some(KarpenterMode::Auto),
        Some("always") => overrides.karpenter = Some(KarpenterMode::Always),
        Some("never") => overrides.karpenter = Some(KarpenterMode::Never),
        Some(other) => log.push(format!(
            "initializationOptions.karpenter: `{other}` is not auto, always or never"
        )),
        None => {}
    }
    if let Some(rules) = options.get("rules").and_then(Value::as_object) {
        for (id, level) in rules {
            let level = match level.as_str() {
                Some("off") => Some(None),
                Some("info") => Some(Some(Severity::Info)),
                Some("warning") => Some(Some(Severity::Warning)),
                Some("error") => Some(Some(Severity::Error)),
                _ => None,
            };
            match (registry::find(id), level) {
                (Some(rule), Some(level)) => overrides.levels.push((rule, level)),
                _ => log.push(format!(
                    "initializationOptions.rules.{id}: not a rule and a level (off, info, warning, error)"
                )),
            }
        }
    }
    overrides
}

impl<'c> Server<'c> {
    fn new(connection: &'c Connection, params: &InitializeParams) -> Self {
        let mut log = Vec::new();
        let overrides = overrides(params.initialization_options.as_ref(), &mut log);
        #[allow(deprecated)] // rootUri: older clients send only it
        let folders: Vec<PathBuf> = match &params.workspace_folders {
            Some(folders) => folders.iter().filter_map(|f| path_of(&f.uri)).collect(),
            None => params.root_uri.iter().filter_map(path_of).collect(),
        };
        let watch_files = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        let server = Server {
            connection,
            loose: Project::loose(&overrides),
            overrides,
            folders,
            projects: Vec::new(),
            buffers: Buffers::new(),
            documents: HashMap::new(),
            published: HashMap::new(),
            announce: HashSet::new(),
            watch_files,
            shutdown: false,
            waiting: VecDeque::new(),
            cancelled: HashSet::new(),
        };
        for line in log {
            server.log(lsp_types::MessageType::WARNING, line);
        }
        server
    }

    fn send(&self, message: impl Into<Message>) {
        // A closed connection ends the loop at the next receive.
        let _ = self.connection.sender.send(message.into());
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params));
    }

    fn log(&self, typ: lsp_types::MessageType, message: String) {
        self.notify::<lsp_types::notification::LogMessage>(lsp_types::LogMessageParams {
            typ,
            message,
        });
    }

    /// Takes every message already waiting on the connection.
    fn take_waiting(&mut self) {
        while let Ok(message) = self.connection.receiver.try_recv() {
            self.waiting.push_back(message);
        }
        // Cancellations first, so that a request cancelled while it waited is not run.
        self.waiting.retain(|message| match message {
            Message::Notification(n) if n.method == "$/cancelRequest" => {
                if let Some(id) = n.params.get("id").cloned()
                    && let Ok(id) = serde_json::from_value::<RequestId>(id)
                {
                    self.cancelled.insert(id);
                }
                false
            }
            _ => true,
        });
    }

    fn main_loop(&mut self) -> Result<(), String> {
        loop {
            self.take_waiting();
            let message = match self.waiting.pop_front() {
                Some(message) => message,
                None => {
                    // Nothing waiting: bring the diagnostics up to date, then block.
                    self.refresh();
                    match self.connection.receiver.recv() {
                        Ok(message) => {
                            self.waiting.push_back(message);
                            continue;
                        }
                        Err(_) => return Err("the client closed the connection".to_string()),
                    }
                }
            };
            match message {
                Message::Request(request) => self.request(request),
                Message::Notification(notification) if notification.method == "exit" => {
                    return if self.shutdown {
                        Ok(())
                    } else {
                        Err("exit without shutdown".to_string())
                    };
                }
                Message::Notification(notification) if !self.shutdown => {
                    self.notification(notification)
                }
                Message::Notification(_) | Message::Response(_) => {}
            }
        }
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        if self.cancelled.remove(&id) {
            self.send(Response::new_err(
                id,
                ErrorCode::RequestCanceled as i32,
                "cancelled".to_string(),
            ));
            return;
        }
        if self.shutdown {
            self.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            ));
            return;
        }
        let response = match request.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                Response::new_ok(id, ())
            }
            CodeActionRequest::METHOD => {
                match serde_json::from_value::<lsp_types::CodeActionParams>(request.params) {
                    Ok(params) => {
                        self.refresh();
                        let actions = self
                            .locate(&params.text_document.uri)
                            .map(|(project, file)| {
                                features::code_actions(
                                    project,
                                    &self.buffers,
                                    file,
                                    params.range,
                                    params.context.only.as_deref(),
                                )
                            })
                            .unwrap_or_default();
                        Response::new_ok(id, actions)
                    }
                    Err(error) => invalid_params(id, &error),
                }
            }
            HoverRequest::METHOD => {
                match serde_json::from_value::<lsp_types::HoverParams>(request.params) {
                    Ok(params) => {
                        self.refresh();
                        let at = &params.text_document_position_params;
                        let hover =
                            self.locate(&at.text_document.uri)
                                .and_then(|(project, file)| {
                                    features::hover(project, &self.buffers, file, at.position)
                                });
                        Response::new_ok(id, hover)
                    }
                    Err(error) => invalid_params(id, &error),
                }
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("karplint does not handle {}", request.method),
            ),
        };
        self.send(response);
    }

    fn notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let outcome = match method.as_str() {
            DidOpenTextDocument::METHOD => notification
                .extract::<lsp_types::DidOpenTextDocumentParams>(&method)
                .map(|params| {
                    let document = params.text_document;
                    self.opened(document.uri, document.version, document.text);
                }),
            DidChangeTextDocument::METHOD => notification
                .extract::<lsp_types::DidChangeTextDocumentParams>(&method)
                .map(|params| self.changed(params)),
            DidSaveTextDocument::METHOD => notification
                .extract::<lsp_types::DidSaveTextDocumentParams>(&method)
                .map(|params| {
                    if let Some(path) = path_of(&params.text_document.uri) {
                        self.file_changed_on_disk(&key(&path));
                    }
                }),
            DidCloseTextDocument::METHOD => notification
                .extract::<lsp_types::DidCloseTextDocumentParams>(&method)
                .map(|params| self.closed(&params.text_document.uri)),
            DidChangeWatchedFiles::METHOD => notification
                .extract::<lsp_types::DidChangeWatchedFilesParams>(&method)
                .map(|params| {
                    for change in params.changes {
                        let Some(path) = path_of(&change.uri) else {
                            continue;
                        };
                        let path = key(&path);
                        if change.typ == FileChangeType::DELETED {
                            self.file_deleted(&path);
                        } else {
                            self.file_changed_on_disk(&path);
                        }
                    }
                }),
            DidChangeWorkspaceFolders::METHOD => notification
                .extract::<lsp_types::DidChangeWorkspaceFoldersParams>(&method)
                .map(|params| {
                    for removed in params.event.removed {
                        if let Some(path) = path_of(&removed.uri) {
                            let path = key(&path);
                            self.projects.retain(|p| p.root.as_deref() != Some(&path));
                        }
                    }
                    for added in params.event.added {
                        if let Some(path) = path_of(&added.uri) {
                            self.add_folder(&path);
                        }
                    }
                }),
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            self.log(
                lsp_types::MessageType::ERROR,
                format!("karplint: {method}: {error}"),
            );
        }
    }

    fn initialized(&mut self) {
        for folder in std::mem::take(&mut self.folders) {
            self.add_folder(&folder);
        }
        if self.watch_files {
            let watchers = [
                "**/*.{yaml,yml,json,tpl}",
                "**/Kustomization",
                "**/.karplint.yaml",
            ]
            .into_iter()
            .map(|glob| lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
            let options = lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = lsp_types::Registration {
                id: "karplint-watched-files".to_string(),
                method: DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            };
            self.send(Request::new(
                RequestId::from("karplint-register-watchers".to_string()),
                "client/registerCapability".to_string(),
                lsp_types::RegistrationParams {
                    registrations: vec![registration],
                },
            ));
        }
    }

    fn add_folder(&mut self, folder: &Path) {
        let started = Instant::now();
        let project = Project::index(folder, &self.overrides, &self.buffers);
        self.log(
            lsp_types::MessageType::INFO,
            format!(
                "karplint: indexed {} ({} files) in {} ms",
                crate::source::display_path(folder),
                project.files(),
                started.elapsed().as_millis()
            ),
        );
        // Open files of that folder now belong to it, not to the loose files.
        let moved: Vec<PathBuf> = self
            .documents
            .keys()
            .filter(|path| project.contains(path) && self.loose.has(path))
            .cloned()
            .collect();
        for path in moved {
            self.loose.changed(&path, true);
        }
        self.projects.push(project);
    }

    /// The projects a file belongs to: every folder holding it (folders can nest), else
    /// the loose files.
    fn projects_of(&mut self, path: &Path) -> Vec<&mut Project> {
        let mut holding: Vec<&mut Project> = self
            .projects
            .iter_mut()
            .filter(|p| p.contains(path))
            .collect();
        if holding.is_empty() {
            holding.push(&mut self.loose);
        }
        holding
    }

    /// The project and file of a document, for requests.
    fn locate(&self, uri: &Uri) -> Option<(&Project, FileId)> {
        let path = key(&path_of(uri)?);
        self.projects
            .iter()
            .chain(std::iter::once(&self.loose))
            .find_map(|p| Some((p, p.file_of(&path)?)))
    }

    fn opened(&mut self, uri: Uri, version: i32, text: String) {
        let Some(path) = path_of(&uri).map(|p| key(&p)) else {
            return;
        };
        self.buffers.insert(path.clone(), text);
        self.documents
            .insert(path.clone(), Document { uri, version });
        self.announce.insert(path.clone());
        self.reload(&path);
    }

    fn changed(&mut self, params: lsp_types::DidChangeTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri).map(|p| key(&p)) else {
            return;
        };
        let (Some(document), Some(text)) =
            (self.documents.get_mut(&path), self.buffers.get_mut(&path))
        else {
            return;
        };
        // A change older than what the server has is stale.
        if params.text_document.version < document.version {
            return;
        }
        document.version = params.text_document.version;
        for change in params.content_changes {
            match change.range {
                Some(range) => apply_change(text, range, &change.text),
                None => *text = change.text,
            }
        }
        self.reload(&path);
    }

    fn closed(&mut self, uri: &Uri) {
        let Some(path) = path_of(uri).map(|p| key(&p)) else {
            return;
        };
        self.buffers.remove(&path);
        self.documents.remove(&path);
        if self.loose.has(&path) {
            self.loose.changed(&path, true);
        } else {
            // Unsaved changes are gone: the file is as on disk again.
            self.reload(&path);
        }
    }

    fn reload(&mut self, path: &Path) {
        for project in self.projects_of(path) {
            project.changed(path, false);
        }
    }

    fn file_changed_on_disk(&mut self, path: &Path) {
        if path.file_name().is_some_and(|name| name == CONFIG_FILE) {
            return self.config_changed(path);
        }
        // An open buffer wins over the disk.
        if !self.buffers.contains_key(path) {
            self.reload(path);
        }
    }

    fn file_deleted(&mut self, path: &Path) {
        if path.file_name().is_some_and(|name| name == CONFIG_FILE) {
            return self.config_changed(path);
        }
        if !self.buffers.contains_key(path) {
            for project in self.projects_of(path) {
                project.changed(path, true);
            }
        }
    }

    /// A `.karplint.yaml` was written, created or deleted: every folder it may configure
    /// (it lies in or above them) is indexed again.
    fn config_changed(&mut self, config: &Path) {
        let stale: Vec<PathBuf> = self
            .projects
            .iter()
            .filter(|p| p.is_configured_by(config))
            .filter_map(|p| p.root.clone())
            .collect();
        for root in stale {
            self.projects.retain(|p| p.root.as_ref() != Some(&root));
            self.add_folder(&root);
        }
    }

    /// Analyses every project that changed and publishes what changed.
    fn refresh(&mut self) {
        let mut errors = Vec::new();
        for project in self
            .projects
            .iter_mut()
            .chain(std::iter::once(&mut self.loose))
        {
            if project.dirty
                && let Err(error) = project.analyse(&self.buffers)
            {
                errors.push(error);
            }
        }
        for error in errors {
            self.log(lsp_types::MessageType::ERROR, error);
        }
        self.publish();
    }

    /// Publishes the diagnostics of every file whose findings differ from those last
    /// published, and clears those of files that have none any more.
    fn publish(&mut self) {
        // What each file shows now, by reference: most files' findings did not change,
        // and only those that did are copied and converted.
        let mut current: HashMap<&Path, (usize, Current<'_>)> = HashMap::new();
        let projects: Vec<&Project> = self
            .projects
            .iter()
            .chain(std::iter::once(&self.loose))
            .collect();
        for (n, project) in projects.iter().enumerate() {
            if let (Some(config), Some(error)) = (&project.config_path, &project.config_error) {
                current.insert(config, (n, Current::Config(error)));
            }
            let Some(report) = &project.report else {
                continue;
            };
            for finding in &report.diagnostics {
                let Some(path) = project.path(finding.location.file) else {
                    continue;
                };
                let entry = current
                    .entry(path)
                    .or_insert_with(|| (n, Current::Findings(Vec::new())));
                // A file of nested folders is shown as the first folder sees it.
                if let (true, Current::Findings(findings)) = (entry.0 == n, &mut entry.1) {
                    findings.push(finding);
                }
            }
        }
        let mut outgoing = Vec::new();
        for path in self.published.keys() {
            if !current.contains_key(path.as_path()) {
                outgoing.push((path.clone(), None, Vec::new()));
            }
        }
        for path in &self.announce {
            if !current.contains_key(path.as_path()) && !self.published.contains_key(path) {
                outgoing.push((path.clone(), None, Vec::new()));
            }
        }
        for (path, (n, now)) in current {
            let unchanged = match (self.published.get(path), &now) {
                (Some(Published::Config(old)), Current::Config(new)) => old == *new,
                (Some(Published::Findings(old)), Current::Findings(new)) => {
                    old.len() == new.len() && old.iter().zip(new).all(|(a, b)| a == *b)
                }
                _ => false,
            };
            if unchanged {
                continue;
            }
            let (diagnostics, published) = match now {
                Current::Config(error) => (
                    features::config_diagnostics(path, error),
                    Published::Config(error.clone()),
                ),
                Current::Findings(findings) => {
                    let mut texts = Texts::new(projects[n], &self.buffers);
                    (
                        findings
                            .iter()
                            .filter_map(|f| texts.diagnostic(f))
                            .collect(),
                        Published::Findings(findings.into_iter().cloned().collect()),
                    )
                }
            };
            outgoing.push((path.to_path_buf(), Some(published), diagnostics));
        }
        self.announce.clear();
        for (path, published, diagnostics) in outgoing {
            self.send_diagnostics(&path, diagnostics);
            match published {
                Some(published) => self.published.insert(path, published),
                None => self.published.remove(&path),
            };
        }
    }

    fn send_diagnostics(&self, path: &Path, diagnostics: Vec<lsp_types::Diagnostic>) {
        let document = self.documents.get(path);
        let Some(uri) = document.map(|d| d.uri.clone()).or_else(|| uri_of(path)) else {
            return;
        };
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: document.map(|d| d.version),
        });
    }
}

fn invalid_params(id: RequestId, error: &serde_json::Error) -> Response {
    Response::new_err(id, ErrorCode::InvalidParams as i32, error.to_string())
}

/// The path the server files a document under: the file itself where it exists (a path
/// through a symbolic link and the walked path are one file), else the path as given.
fn key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialization_options_override_mode_and_levels() {
        let mut log = Vec::new();
        let options = serde_json::json!({
            "karpenter": "always",
            "rules": {"KDS001": "off", "daemonset-missing-requests": "error", "KDS999": "x"}
        });
        let overrides = overrides(Some(&options), &mut log);
        assert_eq!(overrides.karpenter, Some(KarpenterMode::Always));
        assert_eq!(overrides.levels.len(), 2);
        assert_eq!(overrides.levels[0].1, None);
        assert_eq!(log.len(), 1, "{log:?}");
    }

    #[test]
    fn a_request_cancelled_while_it_waited_is_answered_as_cancelled() {
        let (server, client) = Connection::memory();
        let hover = serde_json::json!({
            "textDocument": {"uri": "file:///nowhere/a.yaml"},
            "position": {"line": 0, "character": 0},
        });
        for message in [
            Message::from(Request::new(
                1.into(),
                "initialize".into(),
                serde_json::json!({"capabilities": {}}),
            )),
            Notification::new("initialized".into(), serde_json::json!({})).into(),
            Request::new(2.into(), "textDocument/hover".into(), hover.clone()).into(),
            Notification::new("$/cancelRequest".into(), serde_json::json!({"id": 2})).into(),
            Request::new(3.into(), "textDocument/hover".into(), hover).into(),
            Request::new(4.into(), "shutdown".into(), ()).into(),
            Request::new(5.into(), "shutdown".into(), ()).into(),
            Notification::new("exit".into(), ()).into(),
        ] {
            client.sender.send(message).unwrap();
        }
        assert_eq!(serve(&server), Ok(()));
        let errors: Vec<(String, Option<i32>)> = client
            .receiver
            .try_iter()
            .filter_map(|message| match message {
                Message::Response(r) => {
                    Some((r.id.to_string(), r.response_result.err().map(|e| e.code)))
                }
                _ => None,
            })
            .collect();
        let cancelled = ErrorCode::RequestCanceled as i32;
        let refused = ErrorCode::InvalidRequest as i32;
        assert_eq!(
            errors,
            [
                ("1".to_string(), None),
                ("2".to_string(), Some(cancelled)),
                ("3".to_string(), None),
                ("4".to_string(), None),
                ("5".to_string(), Some(refused)),
            ]
        );
    }
}
