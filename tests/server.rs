//! `karplint server`: the real binary driven over stdio by a minimal LSP client, in a
//! workspace written to a temporary directory.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// How long to wait for a message before calling the server hung (never reached when it
/// works; not a timing assertion).
const HANG: Duration = Duration::from_secs(60);

const NODEPOOL: &str = "\
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: default
spec:
  template:
    spec:
      nodeClassRef:
        group: karpenter.k8s.aws
        kind: EC2NodeClass
        name: default
";

/// A Deployment on a class of priority 100: the workload ceiling.
const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      priorityClassName: web
      containers:
        - name: web
          image: web:1.0
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: web
value: 100
";

const CLASSES: &str = "\
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: node-agents
value: 1000000
preemptionPolicy: PreemptLowerPriority
";

/// A DaemonSet without a class; `CLASS_LINE` goes after `spec:` of its pod template.
const DAEMONSET: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: kube-system
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: agent:1.0
          resources:
            requests: {cpu: 10m, memory: 20Mi}
";

const CLASS_LINE: &str = "      priorityClassName: node-agents\n";

fn with_class(daemonset: &str) -> String {
    daemonset.replacen(
        "    spec:\n      containers",
        &format!("    spec:\n{CLASS_LINE}      containers"),
        1,
    )
}

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        std::fs::canonicalize(self.dir.path()).unwrap().join(name)
    }

    fn uri(&self, name: &str) -> String {
        format!("file://{}", self.path(name).display())
    }
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Messages read while waiting for another.
    backlog: Vec<Value>,
    next_id: i64,
    versions: std::collections::HashMap<String, i64>,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start(workspace: &Workspace, options: Value) -> Self {
        Self::start_on_threads(workspace, options, None)
    }

    /// [`start`](Self::start), the server's pool of `threads` threads if given.
    fn start_on_threads(workspace: &Workspace, options: Value, threads: Option<&str>) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_karplint"));
        if let Some(threads) = threads {
            command.env("RAYON_NUM_THREADS", threads);
        }
        let mut child = command
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            while let Some(message) = read_message(&mut stdout) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            backlog: Vec::new(),
            next_id: 0,
            versions: Default::default(),
        };
        let root = workspace.uri("");
        let root = root.trim_end_matches('/');
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root,
                "workspaceFolders": [{"uri": root, "name": "ws"}],
                "capabilities": {},
                "initializationOptions": options,
            }),
        );
        assert!(
            result["result"]["capabilities"]["codeActionProvider"].is_object(),
            "{result}"
        );
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its whole response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    /// The next message that `wanted` accepts (earlier ones stay in the backlog).
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(i);
        }
        loop {
            match self.messages.recv_timeout(HANG) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.backlog.push(message),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "the server sent nothing wanted; backlog: {:?}",
                    self.backlog
                ),
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
            }
        }
    }

    /// The diagnostics published for `uri` next, after dropping older publications for it.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_for = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        let message = self.wait(is_for);
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// Waits until the diagnostics of `uri` satisfy `done`, returning them.
    fn diagnostics_until(&mut self, uri: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        loop {
            let diagnostics = self.diagnostics(uri);
            if done(&diagnostics) {
                return diagnostics;
            }
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.versions.insert(uri.to_string(), 1);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    /// Replaces the whole text of an open document.
    fn change(&mut self, uri: &str, text: &str) {
        let version = self.versions.entry(uri.to_string()).or_insert(1);
        *version += 1;
        let version = *version;
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Writes a file on disk and tells the server, as the client's file watcher does.
    fn write_on_disk(&mut self, ws: &Workspace, name: &str, text: &str) {
        std::fs::write(ws.path(name), text).unwrap();
        self.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": ws.uri(name), "type": 2}]}),
        );
    }

    fn shutdown(mut self) -> i32 {
        let response = self.request("shutdown", json!(null));
        assert!(response.get("error").is_none(), "{response}");
        let after = self.request("textDocument/hover", json!({}));
        assert_eq!(
            after["error"]["code"], -32600,
            "requests after shutdown are refused: {after}"
        );
        self.notify("exit", json!(null));
        self.child.wait().unwrap().code().unwrap()
    }
}

impl Drop for Client {
    /// A failed test must not leave its server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// Applies protocol text edits (UTF-16 positions) to `text`.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= character || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut text = text.to_string();
    for (start, end, new) in edits {
        text.replace_range(start..end, new);
    }
    text
}

#[test]
fn diagnostics_follow_buffers_across_files() {
    let ws = Workspace::new(&[
        ("nodepool.yaml", NODEPOOL),
        ("web.yaml", WEB),
        ("classes.yaml", CLASSES),
        ("ds.yaml", DAEMONSET),
    ]);
    let mut client = Client::start(&ws, json!(null));
    let ds = ws.uri("ds.yaml");
    let classes = ws.uri("classes.yaml");

    // Indexed from disk: the DaemonSet has no class.
    let found = client.diagnostics(&ds);
    assert_eq!(codes(&found), ["KDS001"], "{found:?}");
    let finding = &found[0];
    assert_eq!(finding["source"], "karplint");
    assert_eq!(finding["severity"], 2);
    // The pod template's `spec` key (line 12, column 5 in karplint's 1-based terms).
    assert_eq!(
        finding["range"]["start"],
        json!({"line": 11, "character": 4})
    );

    // The unsaved buffer wins: with an adequate class, the finding is gone.
    client.open(&ds, DAEMONSET);
    client.change(&ds, &with_class(DAEMONSET));
    assert_eq!(
        client.diagnostics_until(&ds, |d| d.is_empty()),
        Vec::<Value>::new()
    );

    // Lowering the class below the Deployment's in another buffer reports the DaemonSet
    // that uses it, with the Deployment that sets the ceiling as related information.
    client.open(&classes, CLASSES);
    client.change(&classes, &CLASSES.replace("value: 1000000", "value: 50"));
    let found = client.diagnostics_until(&ds, |d| !d.is_empty());
    assert_eq!(codes(&found), ["KDS003"], "{found:?}");
    let related = found[0]["relatedInformation"]
        .as_array()
        .expect("related information");
    assert_eq!(
        related[0]["location"]["uri"],
        ws.uri("web.yaml"),
        "{related:?}"
    );
    assert_eq!(
        related[0]["location"]["range"]["start"],
        json!({"line": 11, "character": 25})
    );
    assert!(
        related[0]["message"]
            .as_str()
            .unwrap()
            .contains("sets the workload ceiling")
    );

    // Closed without saving: the class is as on disk again.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": classes}}),
    );
    assert!(client.diagnostics_until(&ds, |d| d.is_empty()).is_empty());

    // A change on disk reported by the client's watcher is read.
    client.write_on_disk(
        &ws,
        "classes.yaml",
        &CLASSES.replace("value: 1000000", "value: 5"),
    );
    let found = client.diagnostics_until(&ds, |d| !d.is_empty());
    assert_eq!(codes(&found), ["KDS003"], "{found:?}");
    assert_eq!(client.shutdown(), 0);
}

/// The binary makes its main thread the pool's only worker on one thread: the server must
/// call the pool from that thread (its loop), never from one the pool waits on in vain.
#[test]
fn the_server_lints_on_a_single_thread() {
    let ws = Workspace::new(&[
        ("nodepool.yaml", NODEPOOL),
        ("web.yaml", WEB),
        ("classes.yaml", CLASSES),
        ("ds.yaml", DAEMONSET),
    ]);
    let mut client = Client::start_on_threads(&ws, json!(null), Some("1"));
    let ds = ws.uri("ds.yaml");
    assert_eq!(codes(&client.diagnostics(&ds)), ["KDS001"]);
    client.open(&ds, DAEMONSET);
    client.change(&ds, &with_class(DAEMONSET));
    assert!(client.diagnostics_until(&ds, |d| d.is_empty()).is_empty());
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn quick_fixes_apply_and_relint_clean() {
    let ws = Workspace::new(&[
        ("nodepool.yaml", NODEPOOL),
        ("classes.yaml", CLASSES),
        ("ds.yaml", DAEMONSET),
    ]);
    let mut client = Client::start(&ws, json!(null));
    let ds = ws.uri("ds.yaml");
    client.open(&ds, DAEMONSET);
    let found = client.diagnostics_until(&ds, |d| !d.is_empty());
    let range = found[0]["range"].clone();
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": ds}, "range": range, "context": {"diagnostics": found}}),
    );
    let actions = response["result"].as_array().unwrap().clone();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    let action = |prefix: &str| {
        actions
            .iter()
            .find(|a| a["title"].as_str().unwrap().starts_with(prefix))
            .unwrap_or_else(|| panic!("no action `{prefix}…` in {titles:?}"))
    };
    let fix = action("KDS001");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["diagnostics"][0]["code"], "KDS001");
    let edits = fix["edit"]["changes"][&ds].as_array().unwrap();
    let fixed = apply_edits(DAEMONSET, edits);
    assert!(fixed.contains(CLASS_LINE), "{fixed}");
    let all = action("Fix all karplint findings in this file");
    assert_eq!(
        apply_edits(DAEMONSET, all["edit"]["changes"][&ds].as_array().unwrap()),
        fixed
    );
    let suppress = action("Suppress KDS001");
    let suppressed = apply_edits(
        DAEMONSET,
        suppress["edit"]["changes"][&ds].as_array().unwrap(),
    );
    assert!(
        suppressed.contains("kind: DaemonSet  # karplint: ignore KDS001\n"),
        "{suppressed}"
    );

    // Each result lints clean.
    client.change(&ds, &fixed);
    assert!(client.diagnostics_until(&ds, |d| d.is_empty()).is_empty());
    client.change(&ds, DAEMONSET);
    client.diagnostics_until(&ds, |d| !d.is_empty());
    client.change(&ds, &suppressed);
    assert!(client.diagnostics_until(&ds, |d| d.is_empty()).is_empty());

    // The source action "fix all" is offered to clients that ask for it only.
    client.change(&ds, DAEMONSET);
    client.diagnostics_until(&ds, |d| !d.is_empty());
    let start = json!({"line": 0, "character": 0});
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": ds}, "range": {"start": start, "end": start},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = response["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.karplint");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn columns_count_utf16_units_after_non_ascii_text() {
    // The finding (an unknown class) sits after `é` (1 unit, 2 bytes) and `🚀` (2 units,
    // 4 bytes) on its line.
    let line = "    spec: {hostname: \"é🚀\", priorityClassName: nowhere, containers: [{name: a, image: b, resources: {requests: {cpu: 1m, memory: 1Mi}}}]}\n";
    let daemonset = DAEMONSET
        .split("    spec:\n      containers")
        .next()
        .unwrap()
        .to_string()
        + line;
    let ws = Workspace::new(&[("nodepool.yaml", NODEPOOL), ("ds.yaml", &daemonset)]);
    let mut client = Client::start(&ws, json!(null));
    let ds = ws.uri("ds.yaml");
    let found = client.diagnostics_until(&ds, |d| codes(d).contains(&"KDS002".to_string()));
    let finding = found.iter().find(|d| d["code"] == "KDS002").unwrap();
    let byte = line.find("nowhere").unwrap();
    let units = line[..byte].encode_utf16().count();
    assert_ne!(units, byte);
    assert_ne!(units, line[..byte].chars().count());
    let line_number = daemonset.lines().count() - 1;
    assert_eq!(
        finding["range"],
        json!({"start": {"line": line_number, "character": units},
               "end": {"line": line_number, "character": units + "nowhere".len()}})
    );
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn hover_shows_the_inspect_facts() {
    let ws = Workspace::new(&[
        ("nodepool.yaml", NODEPOOL),
        ("classes.yaml", CLASSES),
        ("ds.yaml", &with_class(DAEMONSET)),
    ]);
    let mut client = Client::start(&ws, json!(null));
    let ds = ws.uri("ds.yaml");
    client.open(&ds, &with_class(DAEMONSET));
    let line = with_class(DAEMONSET)
        .lines()
        .position(|l| l.contains("priorityClassName"))
        .unwrap();
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": ds}, "position": {"line": line, "character": 10}}),
    );
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for part in [
        "DaemonSet kube-system/agent",
        "priority **1000000**",
        "`node-agents` (classes.yaml:4)",
        "PreemptLowerPriority",
        "workload ceiling",
        "NodePools: default",
    ] {
        assert!(text.contains(part), "`{part}` in {text}");
    }
    // Elsewhere than the class or a finding: nothing.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": ds}, "position": {"line": 0, "character": 1}}),
    );
    assert!(hover["result"].is_null(), "{hover}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn settings_come_from_the_config_file_and_initialization_options() {
    let ws = Workspace::new(&[
        ("nodepool.yaml", NODEPOOL),
        ("ds.yaml", DAEMONSET),
        (".karplint.yaml", "rules:\n  KDS001: error\n"),
    ]);
    let ds = ws.uri("ds.yaml");
    let config = ws.uri(".karplint.yaml");
    let mut client = Client::start(&ws, json!(null));
    let found = client.diagnostics(&ds);
    assert_eq!(
        found[0]["severity"], 1,
        "the config makes KDS001 an error: {found:?}"
    );

    // A broken config is a diagnostic on the config file; the defaults are used meanwhile.
    std::fs::write(ws.path(".karplint.yaml"), "rules:\n  KDS001: loud\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": config, "type": 2}]}),
    );
    let errors = client.diagnostics(&config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["range"]["start"]["line"], 1);
    assert!(
        errors[0]["message"].as_str().unwrap().contains("loud"),
        "{errors:?}"
    );
    let found = client.diagnostics_until(&ds, |d| d.first().is_some_and(|d| d["severity"] == 2));
    assert_eq!(codes(&found), ["KDS001"]);
    assert_eq!(client.shutdown(), 0);

    // Initialization options override the file.
    std::fs::write(ws.path(".karplint.yaml"), "rules:\n  KDS001: error\n").unwrap();
    let mut client = Client::start(&ws, json!({"rules": {"KDS001": "info"}}));
    let found = client.diagnostics(&ds);
    assert_eq!(found[0]["severity"], 3, "{found:?}");
    assert_eq!(client.shutdown(), 0);
    let mut client = Client::start(&ws, json!({"karpenter": "never"}));
    client.open(&ds, DAEMONSET);
    assert!(client.diagnostics(&ds).is_empty());
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn malformed_buffers_never_end_the_server() {
    let ws = Workspace::new(&[("nodepool.yaml", NODEPOOL), ("ds.yaml", DAEMONSET)]);
    let mut client = Client::start(&ws, json!(null));
    let ds = ws.uri("ds.yaml");
    client.open(&ds, DAEMONSET);
    for text in [
        "kind: [unclosed\n  - {",
        "\u{0}\u{1}: *alias\n",
        "",
        "- - - -\n&a [*a]",
        "{{ .Values.x }}\n",
    ] {
        client.change(&ds, text);
        client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": ds}, "position": {"line": 0, "character": 3}}),
        );
    }
    client.change(&ds, "kind: [unclosed\n");
    let found = client.diagnostics_until(&ds, |d| codes(d).contains(&"KDS900".to_string()));
    assert!(!found.is_empty());
    // Nonsense parameters get an error, not a crash.
    let response = client.request("textDocument/codeAction", json!({"nonsense": true}));
    assert_eq!(response["error"]["code"], -32602, "{response}");
    let response = client.request("karplint/unknown", json!({}));
    assert_eq!(response["error"]["code"], -32601, "{response}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let ws = Workspace::new(&[("ds.yaml", DAEMONSET)]);
    let mut client = Client::start(&ws, json!(null));
    client.notify("exit", json!(null));
    assert_eq!(client.child.wait().unwrap().code(), Some(2));
}

const CHART: &str = "apiVersion: v2\nname: agent\nversion: 0.1.0\n";

/// The DaemonSet as a chart template: its class comes from the values.
fn chart_template() -> String {
    DAEMONSET.replacen(
        "    spec:\n      containers",
        "    spec:\n      {{- with .Values.priorityClassName }}\n      priorityClassName: {{ . }}\n      {{- end }}\n      containers",
        1,
    )
}

/// A line of a published diagnostic (0-based), for messages.
fn lines(diagnostics: &[Value]) -> Vec<u64> {
    diagnostics
        .iter()
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect()
}

#[test]
fn editing_a_values_file_updates_the_finding_in_the_chart_template() {
    let ws = Workspace::new(&[
        ("nodepool.yaml", NODEPOOL),
        ("web.yaml", WEB),
        ("classes.yaml", CLASSES),
        ("chart/Chart.yaml", CHART),
        // No class in the values: the finding is the template's (with an empty class,
        // it would be at that value).
        ("chart/values.yaml", "replicas: 1\n"),
        ("chart/templates/ds.yaml", &chart_template()),
    ]);
    let mut client = Client::start(&ws, json!(null));
    let template = ws.uri("chart/templates/ds.yaml");
    let values = ws.uri("chart/values.yaml");

    // Rendered as `check` renders it: no class, found in the template at the pod spec.
    let found = client.diagnostics_until(&template, |d| !d.is_empty());
    assert_eq!(codes(&found), ["KDS001"], "{found:?}");
    assert_eq!(lines(&found), [11], "{found:?}");

    // An unsaved values buffer is rendered: an adequate class clears the template.
    client.open(&values, "replicas: 1\n");
    client.change(&values, "priorityClassName: node-agents\n");
    assert!(
        client
            .diagnostics_until(&template, |d| d.is_empty())
            .is_empty()
    );

    // A class below the Deployment's: the finding lands where the value was written,
    // the values file.
    client.change(&values, "priorityClassName: web\n");
    let found = client.diagnostics_until(&values, |d| !d.is_empty());
    assert_eq!(codes(&found), ["KDS003"], "{found:?}");
    assert_eq!(lines(&found), [0], "{found:?}");

    // Closed unsaved: the chart is rendered from the disk again.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": values}}),
    );
    let found = client.diagnostics_until(&template, |d| !d.is_empty());
    assert_eq!(codes(&found), ["KDS001"], "{found:?}");

    // Saved on disk (the watcher tells): the template is clean again.
    client.write_on_disk(&ws, "chart/values.yaml", "priorityClassName: node-agents\n");
    assert!(
        client
            .diagnostics_until(&template, |d| d.is_empty())
            .is_empty()
    );
    assert_eq!(client.shutdown(), 0);
}

const PATCH: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: kube-system
spec:
  template:
    metadata:
      labels: {patched: \"yes\"}
";

#[test]
fn editing_an_overlay_patch_updates_the_finding() {
    let ws = Workspace::new(&[
        ("base/kustomization.yaml", "resources: [ds.yaml]\n"),
        ("base/ds.yaml", DAEMONSET),
        (
            "overlay/kustomization.yaml",
            "resources: [../base, nodepool.yaml, classes.yaml]\npatches:\n  - path: patch.yaml\n",
        ),
        ("overlay/nodepool.yaml", NODEPOOL),
        ("overlay/classes.yaml", CLASSES),
        ("overlay/patch.yaml", PATCH),
    ]);
    let mut client = Client::start(&ws, json!(null));
    let base = ws.uri("base/ds.yaml");
    let patch = ws.uri("overlay/patch.yaml");

    // The overlay's build: the base's DaemonSet, patched, without a class.
    let found = client.diagnostics_until(&base, |d| !d.is_empty());
    assert_eq!(codes(&found), ["KDS001"], "{found:?}");

    // The patch buffer gives it an adequate class: the overlay is built again from it.
    client.open(&patch, PATCH);
    client.change(
        &patch,
        &with_class(&format!("{PATCH}    spec:\n      containers: []\n")),
    );
    assert!(client.diagnostics_until(&base, |d| d.is_empty()).is_empty());

    // A class nobody defines: the finding is where the patch wrote the name.
    let unknown = with_class(&format!("{PATCH}    spec:\n      containers: []\n"))
        .replace("node-agents", "nowhere");
    client.change(&patch, &unknown);
    let found = client.diagnostics_until(&patch, |d| !d.is_empty());
    assert!(codes(&found).contains(&"KDS002".to_string()), "{found:?}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_class_in_one_cluster_does_not_satisfy_a_daemonset_in_another() {
    let config = "clusters:\n  - {name: a, paths: [\"a/**\"]}\n  - {name: b, paths: [\"b/**\"]}\n";
    let ws = Workspace::new(&[
        (".karplint.yaml", config),
        ("a/nodepool.yaml", NODEPOOL),
        ("a/classes.yaml", CLASSES),
        ("a/ds.yaml", &with_class(DAEMONSET)),
        ("b/nodepool.yaml", NODEPOOL),
        ("b/ds.yaml", &with_class(DAEMONSET)),
    ]);
    let mut client = Client::start(&ws, json!(null));
    let b = ws.uri("b/ds.yaml");
    let a = ws.uri("a/ds.yaml");
    client.open(&a, &with_class(DAEMONSET));
    assert!(client.diagnostics(&a).is_empty());
    // In cluster b the class named is defined nowhere: cluster a's does not count.
    let found = client.diagnostics_until(&b, |d| !d.is_empty());
    assert!(codes(&found).contains(&"KDS002".to_string()), "{found:?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(message.contains("(cluster b)"), "{message}");

    // The class defined in cluster b too (a new, unsaved file): the finding goes.
    let classes = ws.uri("b/classes.yaml");
    client.open(&classes, CLASSES);
    assert!(client.diagnostics_until(&b, |d| d.is_empty()).is_empty());
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_base_two_roots_build_is_reported_once_for_both_and_follows_its_buffer() {
    let overlay = "resources: [../base, ../common]\n";
    let ws = Workspace::new(&[
        ("base/kustomization.yaml", "resources: [ds.yaml]\n"),
        ("base/ds.yaml", DAEMONSET),
        (
            "common/kustomization.yaml",
            "resources: [nodepool.yaml, classes.yaml]\n",
        ),
        ("common/nodepool.yaml", NODEPOOL),
        ("common/classes.yaml", CLASSES),
        ("prod/kustomization.yaml", overlay),
        ("staging/kustomization.yaml", overlay),
        (
            "staging/extra.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
        ),
    ]);
    let mut client = Client::start(&ws, json!(null));
    let base = ws.uri("base/ds.yaml");

    // Each root is a cluster of its own; the finding they share is shown once.
    let found = client.diagnostics_until(&base, |d| !d.is_empty());
    assert_eq!(codes(&found), ["KDS001"], "{found:?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(message.contains("(clusters prod, staging)"), "{message}");

    // The base's buffer: both roots are built again from it.
    client.open(&base, DAEMONSET);
    client.change(&base, &with_class(DAEMONSET));
    assert!(client.diagnostics_until(&base, |d| d.is_empty()).is_empty());

    // A class only staging defines, in a resource its kustomization buffer adds: prod
    // alone reports it.
    client.change(
        &base,
        &with_class(DAEMONSET).replace("node-agents", "staging-only"),
    );
    let extra = ws.uri("staging/extra.yaml");
    client.open(&extra, &CLASSES.replace("node-agents", "staging-only"));
    let staging = ws.uri("staging/kustomization.yaml");
    client.open(&staging, overlay);
    client.change(&staging, "resources: [../base, ../common, extra.yaml]\n");
    let found = client.diagnostics_until(&base, |d| {
        d.len() == 1 && d[0]["message"].as_str().unwrap().contains("(cluster prod)")
    });
    assert_eq!(codes(&found), ["KDS002"], "{found:?}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_new_kustomization_file_makes_a_root_of_its_folder() {
    let ws = Workspace::new(&[
        ("nodepool.yaml", NODEPOOL),
        ("classes.yaml", CLASSES),
        ("app/ds.yaml", DAEMONSET),
    ]);
    let mut client = Client::start(&ws, json!({"karpenter": "always"}));
    let ds = ws.uri("app/ds.yaml");
    let found = client.diagnostics_until(&ds, |d| !d.is_empty());
    assert_eq!(codes(&found), ["KDS001"], "{found:?}");

    // The folder is indexed again: the DaemonSet is now built by the root `app`, a
    // cluster of its own beside the default one.
    std::fs::write(ws.path("app/kustomization.yaml"), "resources: [ds.yaml]\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": ws.uri("app/kustomization.yaml"), "type": 1}]}),
    );
    let found = client.diagnostics_until(&ds, |d| {
        d.iter()
            .any(|d| d["message"].as_str().unwrap().contains("(cluster app)"))
    });
    assert_eq!(codes(&found), ["KDS001"], "{found:?}");
    assert_eq!(client.shutdown(), 0);
}

/// The server and `check` run in the same folder report the same findings, at the same
/// places, with the same messages (clusters named): the same stages behind both.
#[test]
fn the_server_reports_what_check_reports() {
    let ws = Workspace::new(&[]);
    let root = ws.path("");
    for (from, to) in [
        ("testdata/kustomize", "kustomize"),
        ("testdata/charts/nested", "chart"),
        ("testdata/server", "loose"),
    ] {
        common::copy_dir(&common::root().join(from), &root.join(to));
    }
    let check = Command::new(env!("CARGO_BIN_EXE_karplint"))
        .args(["check", "--format", "concise", "."])
        .current_dir(&root)
        .output()
        .unwrap();
    let mut expected: Vec<String> = String::from_utf8(check.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| {
            // `path:line:col: severity[CODE] message`
            let (place, rest) = line.split_once(": ")?;
            let (_, rest) = rest.split_once('[')?;
            let (code, message) = rest.split_once("] ")?;
            // `[*]`: fixable (the server offers the fix as a code action).
            let message = message.strip_prefix("[*] ").unwrap_or(message);
            Some(format!("{place} {code} {message}"))
        })
        .collect();
    expected.sort();
    assert!(expected.len() > 10, "{expected:?}");

    let mut client = Client::start(&ws, json!(null));
    // Answered after the first analysis is published.
    client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": ws.uri("none.yaml")}, "position": {"line": 0, "character": 0}}),
    );
    let prefix = format!("{}/", ws.uri("").trim_end_matches('/'));
    let mut published: Vec<String> = Vec::new();
    for message in std::mem::take(&mut client.backlog) {
        if message["method"] != "textDocument/publishDiagnostics" {
            continue;
        }
        let uri = message["params"]["uri"].as_str().unwrap();
        let path = uri.strip_prefix(&prefix).unwrap().to_string();
        for d in message["params"]["diagnostics"].as_array().unwrap() {
            let start = &d["range"]["start"];
            let message = d["message"].as_str().unwrap();
            // The server assembles by absolute paths: an assembly problem names them so.
            let message = message
                .split("\nhelp: ")
                .next()
                .unwrap()
                .replace(&format!("{}/", root.display()).replace("//", "/"), "");
            published.push(format!(
                "{path}:{}:{} {} {message}",
                start["line"].as_u64().unwrap() + 1,
                start["character"].as_u64().unwrap() + 1,
                d["code"].as_str().unwrap(),
            ));
        }
    }
    published.sort();
    assert_eq!(published, expected);
    assert_eq!(client.shutdown(), 0);
}
