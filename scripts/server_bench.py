#!/usr/bin/env python3
"""Latency of `karplint server` on a large workspace (default: ../shared/corpus/bench).

Drives the server over stdio as an editor would and prints:
- initial indexing: wall time from `initialize` to the server's "indexed" log line (and
  the time the server measured itself), peak RSS after indexing and at the end;
- didChange -> diagnostics of that file: an open DaemonSet buffer edited so that its
  findings move (a comment line added at its top, then removed), the time until the
  server publishes the new version's diagnostics;
- the server's CPU time (user + system, from /proc) per change: steadier than wall time
  on a busy machine;
- didChange -> diagnostics of a dependent file: a PriorityClass buffer whose value flips
  between adequate and too low, the time until the DaemonSet buffer that uses it (another
  file) gets its new diagnostics;
- didChange of a file a chart or kustomization read (--unit-file, relative to the
  workspace; by default a kustomize base that several metallb roots build, and a chart's
  values file): a comment line added at its top, then removed, in its open buffer; the
  time until the server answers a request sent right after the change (it answers in
  order, after assembling the units again, analysing and publishing).

Every buffer is an unsaved document under the workspace folder: nothing is written to disk.
Usage: scripts/server_bench.py [--runs N] [--binary target/release/karplint] [WORKSPACE]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

DAEMONSET = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: bench-agent
  namespace: kube-system
spec:
  selector:
    matchLabels: {app: bench-agent}
  template:
    metadata:
      labels: {app: bench-agent}
    spec:
      priorityClassName: bench-node-agents
      containers:
        - name: agent
          image: agent:1.0
          resources:
            requests: {cpu: 10m, memory: 20Mi}
"""

# With a NodePool: the files outside every kustomization root are a cluster of their own
# (the bench corpus's NodePools are all inside roots), where the Karpenter rules must run.
CLASS = """apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: bench-node-agents
value: {value}
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: bench
spec:
  template:
    spec:
      nodeClassRef: {{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}}
"""


class Server:
    def __init__(self, binary, root):
        self.proc = subprocess.Popen(
            [binary, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.next_id = 0
        self.root = root

    def send(self, message):
        message["jsonrpc"] = "2.0"
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def wait(self, wanted):
        while True:
            message = self.read()
            if wanted(message):
                return message

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == ident and "method" not in m)

    def cpu(self):
        """User + system CPU seconds the server has used (all its threads)."""
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss(self):
        fields = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        return fields.get("VmHWM"), fields.get("VmRSS")


def published(uri, version):
    def wanted(message):
        params = message.get("params", {})
        return (
            message.get("method") == "textDocument/publishDiagnostics"
            and params.get("uri") == uri
            and params.get("version") == version
        )

    return wanted


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workspace", nargs="?", default="../shared/corpus/bench")
    parser.add_argument("--binary", default="target/release/karplint")
    parser.add_argument("--runs", type=int, default=101)
    parser.add_argument("--unit-runs", type=int, default=21)
    parser.add_argument(
        "--unit-file",
        action="append",
        help="a file units read, relative to the workspace (repeatable)",
    )
    args = parser.parse_args()
    unit_files = args.unit_file or [
        "metallb__metallb/config/controllers/speaker.yaml",
        "GoogleCloudPlatform__microservices-demo/helm-chart/values.yaml",
    ]
    root = os.path.realpath(args.workspace)
    uri_root = "file://" + root

    server = Server(os.path.realpath(args.binary), root)
    started = time.perf_counter()
    server.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": uri_root,
            "workspaceFolders": [{"uri": uri_root, "name": "bench"}],
            "capabilities": {},
        },
    )
    server.notify("initialized", {})
    log = server.wait(
        lambda m: m.get("method") == "window/logMessage"
        and "indexed" in m["params"]["message"]
    )
    indexed = time.perf_counter() - started
    indexed_cpu = server.cpu()
    peak_indexed, _ = server.rss()

    # Two unsaved buffers that exist nowhere on disk (the server adds them to the folder).
    ds_uri = uri_root + "/zz-bench-agent.yaml"
    class_uri = uri_root + "/zz-bench-class.yaml"
    versions = {ds_uri: 1, class_uri: 1}
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": class_uri, "languageId": "yaml", "version": 1,
                          "text": CLASS.format(value=1000000)}},
    )
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": ds_uri, "languageId": "yaml", "version": 1, "text": DAEMONSET}},
    )
    server.wait(published(ds_uri, 1))

    def change(uri, text):
        versions[uri] += 1
        server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": versions[uri]},
             "contentChanges": [{"text": text}]},
        )
        return versions[uri]

    own = []
    dependent = []
    loop_cpu = server.cpu()
    for run in range(args.runs):
        # The DaemonSet's own findings change: a line added at its top and its class
        # renamed to one that does not exist (KDS002), then back.
        for text in ("# bench edit\n" + DAEMONSET.replace("bench-node-agents", "bench-missing"),
                     DAEMONSET):
            sent = time.perf_counter()
            version = change(ds_uri, text)
            server.wait(published(ds_uri, version))
            own.append(time.perf_counter() - sent)
        # Its class, in another buffer, too low, then adequate: the DaemonSet's findings
        # change each time.
        sent = time.perf_counter()
        change(class_uri, CLASS.format(value=0 if run % 2 == 0 else 1000000))
        server.wait(published(ds_uri, versions[ds_uri]))
        dependent.append(time.perf_counter() - sent)

    loop_cpu = server.cpu() - loop_cpu

    # Files units read: each change assembles those units again.
    units = []
    for relative in unit_files:
        uri = uri_root + "/" + relative
        with open(os.path.join(root, relative), encoding="utf-8") as file:
            text = file.read()
        versions[uri] = 1
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
        )
        samples = []
        cpu = server.cpu()
        for run in range(args.unit_runs):
            sent = time.perf_counter()
            change(uri, "# bench edit\n" + text if run % 2 == 0 else text)
            server.request(
                "textDocument/hover",
                {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
            )
            samples.append(time.perf_counter() - sent)
        units.append((relative, samples, (server.cpu() - cpu) / args.unit_runs))

    peak_end, rss_end = server.rss()
    server.request("shutdown", None)
    server.notify("exit", None)
    server.proc.wait()

    ms = lambda seconds: f"{seconds * 1000:.1f}"
    print(f"workspace: {root}")
    print(f"server log: {log['params']['message']}")
    print(f"initialize -> indexed (wall): {ms(indexed)} ms, server CPU {ms(indexed_cpu)} ms; "
          f"peak RSS after indexing: {peak_indexed}")
    print(f"peak RSS at the end: {peak_end}; RSS at the end: {rss_end}")
    for name, samples in [("didChange -> own diagnostics", own),
                          ("didChange -> dependent file's diagnostics", dependent)]:
        samples = sorted(samples)
        print(
            f"{name}: median {ms(statistics.median(samples))} ms, "
            f"p90 {ms(samples[int(len(samples) * 0.9)])} ms, "
            f"min {ms(samples[0])} ms, max {ms(samples[-1])} ms ({len(samples)} changes)"
        )
    changes = len(own) + len(dependent)
    print(f"server CPU per change (all {changes}, mean): {ms(loop_cpu / changes)} ms")
    for relative, samples, cpu in units:
        samples = sorted(samples)
        print(
            f"didChange of {relative} -> analysed: median {ms(statistics.median(samples))} ms, "
            f"min {ms(samples[0])} ms, max {ms(samples[-1])} ms ({len(samples)} changes); "
            f"server CPU per change {ms(cpu)} ms"
        )


if __name__ == "__main__":
    sys.exit(main())
