//! `karplint inspect`: what a platform engineer wants to see before a rollout. One row
//! per DaemonSet (class, resolved priority and preemption, whether the class is adequate
//! and which rule says why not, the NodePools it lands on, its effective requests, where it
//! is written), then one row per NodePool with the DaemonSet overhead each of its nodes
//! carries and where it is written.
//!
//! Built from a lint [`Report`]: adequacy is the verdict of the priority rules
//! (KDS001–KDS009, KDS015) after suppressions and configured levels, so it agrees with
//! `karplint check`.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::cluster::{Cluster, Located};
use crate::diagnostic::{Diagnostic, Severity};
use crate::k8s::resources::Resource;
use crate::k8s::{NodePool, NodePoolApi, Workload};
use crate::lint::Report;
use crate::source::{Newlines, escape_controls};

/// How `inspect` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// An aligned table.
    Table,
    /// JSON, for tools.
    Json,
}

/// The rules that judge whether a DaemonSet's PriorityClass is adequate.
pub const PRIORITY_RULES: &[&str] = &[
    "KDS001", "KDS002", "KDS003", "KDS004", "KDS005", "KDS006", "KDS007", "KDS008", "KDS009",
    "KDS015",
];

/// Effective requests of a pod, or a NodePool's DaemonSet overhead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Requests {
    pub cpu_millicores: u64,
    pub memory_bytes: u64,
}

impl Requests {
    fn add(&mut self, other: Requests) {
        self.cpu_millicores = self.cpu_millicores.saturating_add(other.cpu_millicores);
        self.memory_bytes = self.memory_bytes.saturating_add(other.memory_bytes);
    }

    fn cpu(&self) -> String {
        Resource::Cpu.format(u128::from(self.cpu_millicores))
    }

    fn memory(&self) -> String {
        Resource::Memory.format(u128::from(self.memory_bytes))
    }
}

/// One DaemonSet in one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaemonSetRow {
    /// The cluster it is judged in (a file shared by several clusters has a row in each).
    pub cluster: String,
    pub namespace: Option<String>,
    pub name: String,
    pub path: String,
    /// The line of the object's `kind:`.
    pub line: u32,
    /// From a `--context` input: counted, never reported on, so never judged.
    pub context: bool,
    /// `priorityClassName` as written (`""` when empty).
    pub class: Option<String>,
    /// The resolved priority; `None` when the class is not known.
    pub priority: Option<i64>,
    /// `PreemptLowerPriority` or `Never`; `None` when the class is not known.
    pub preemption_policy: Option<String>,
    /// Whether the priority rules find nothing at warning or above; `None` when they do
    /// not judge it (no Karpenter, a context file, or a DaemonSet Karpenter never counts).
    pub adequate: Option<bool>,
    /// The priority rules that report this DaemonSet, in code order.
    pub findings: Vec<String>,
    /// The NodePools whose nodes it runs on, as Karpenter counts them.
    pub node_pools: Vec<String>,
    pub requests: Requests,
}

/// One NodePool (or v1alpha5 Provisioner) in one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodePoolRow {
    pub cluster: String,
    pub name: String,
    pub kind: String,
    pub api_version: String,
    pub path: String,
    /// The line of the object's `kind:`.
    pub line: u32,
    /// The DaemonSets that run on each of its nodes (`namespace/name`).
    pub daemonsets: Vec<String>,
    /// One pod slot per DaemonSet.
    pub pods: usize,
    /// The sum of their effective requests: what Karpenter adds to every node it sizes.
    pub overhead: Requests,
}

/// Everything `inspect` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inspection {
    pub version: u32,
    /// Whether the Karpenter rules ran (and so whether adequacy was judged): in any cluster.
    pub karpenter: bool,
    /// The clusters, in the run's order: rows are grouped by cluster in this order.
    pub clusters: Vec<ClusterRow>,
    pub daemonsets: Vec<DaemonSetRow>,
    pub node_pools: Vec<NodePoolRow>,
}

/// One cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterRow {
    pub name: String,
    /// Whether the Karpenter rules ran in it.
    pub karpenter: bool,
}

fn saturate(amount: u128) -> u64 {
    u64::try_from(amount).unwrap_or(u64::MAX)
}

/// The effective requests of a workload's pods (zero without details).
fn requests(workload: &Workload) -> Requests {
    let Some(details) = workload.template.details.as_deref() else {
        return Requests::default();
    };
    Requests {
        cpu_millicores: saturate(details.resources.effective(Resource::Cpu).amount),
        memory_bytes: saturate(details.resources.effective(Resource::Memory).amount),
    }
}

fn qualified(workload: &Workload) -> String {
    match &workload.meta.namespace {
        Some(namespace) => format!("{namespace}/{}", workload.meta.name()),
        None => workload.meta.name().to_string(),
    }
}

/// Whether `diagnostic` is about `daemonset` in `cluster`.
fn is_about(diagnostic: &Diagnostic, cluster: &Cluster, daemonset: &Located<Workload>) -> bool {
    let meta = &daemonset.item.meta;
    diagnostic.location.file == daemonset.file
        && diagnostic.clusters.contains(&cluster.name)
        && diagnostic.object.as_ref().is_some_and(|object| {
            object.kind == meta.kind.value
                && object.namespace == meta.namespace
                && object.name == meta.name()
        })
}

/// What `inspect` says about one DaemonSet of a cluster of the report (the language
/// server's hover shows it).
pub fn daemonset_row(
    report: &Report,
    cluster: &Cluster,
    daemonset: &Located<Workload>,
) -> DaemonSetRow {
    let index = &cluster.index;
    let workload = &daemonset.item;
    let template = &workload.template;
    let resolved = index.resolve_priority(template);
    let context = !index.is_reported(daemonset.file);
    let mut findings: Vec<(&'static str, Severity)> = report
        .diagnostics
        .iter()
        .filter(|d| PRIORITY_RULES.contains(&d.rule.code) && is_about(d, cluster, daemonset))
        .map(|d| (d.rule.code, d.severity))
        .collect();
    findings.sort();
    findings.dedup_by_key(|(code, _)| *code);
    // The priority rules judge Karpenter-relevant DaemonSets of linted files only.
    let judged = index.karpenter().enabled && !context && index.is_karpenter_relevant(workload);
    DaemonSetRow {
        cluster: cluster.name.to_string(),
        namespace: workload.meta.namespace.clone(),
        name: workload.meta.name().to_string(),
        path: report.path(daemonset.file),
        line: workload.meta.kind.span.start.line,
        context,
        class: template
            .priority_class_name
            .as_ref()
            .map(|c| c.value.clone()),
        priority: resolved.map(|r| r.value),
        preemption_policy: resolved.map(|r| {
            if r.preempts {
                "PreemptLowerPriority".to_string()
            } else {
                "Never".to_string()
            }
        }),
        adequate: judged.then(|| findings.iter().all(|(_, s)| *s < Severity::Warning)),
        findings: findings.iter().map(|(code, _)| code.to_string()).collect(),
        node_pools: index
            .compatible_pools(workload)
            .map(|pool| pool.item.meta.name().to_string())
            .collect(),
        requests: requests(workload),
    }
}

fn node_pool_row(report: &Report, cluster: &Cluster, pool: &Located<NodePool>) -> NodePoolRow {
    let index = &cluster.index;
    let mut overhead = Requests::default();
    let mut daemonsets = Vec::new();
    for daemonset in index
        .daemonsets()
        .filter(|w| pool.item.runs(&w.item.template.scheduling))
    {
        overhead.add(requests(&daemonset.item));
        daemonsets.push(qualified(&daemonset.item));
    }
    NodePoolRow {
        cluster: cluster.name.to_string(),
        name: pool.item.meta.name().to_string(),
        kind: pool.item.meta.kind.value.clone(),
        api_version: match pool.item.api {
            NodePoolApi::V1 => "karpenter.sh/v1",
            NodePoolApi::V1beta1 => "karpenter.sh/v1beta1",
            NodePoolApi::Provisioner => "karpenter.sh/v1alpha5",
        }
        .to_string(),
        path: report.path(pool.file),
        line: pool.item.meta.kind.span.start.line,
        pods: daemonsets.len(),
        daemonsets,
        overhead,
    }
}

/// The inspection of a lint run: each cluster's DaemonSets, then each cluster's NodePools.
pub fn inspect(report: &Report) -> Inspection {
    let clusters = || report.clusters.iter();
    Inspection {
        version: 1,
        karpenter: clusters().any(|c| c.index.karpenter().enabled),
        clusters: clusters()
            .map(|c| ClusterRow {
                name: c.name.to_string(),
                karpenter: c.index.karpenter().enabled,
            })
            .collect(),
        daemonsets: clusters()
            .flat_map(|c| {
                c.index
                    .daemonsets()
                    .map(move |w| daemonset_row(report, c, w))
            })
            .collect(),
        node_pools: clusters()
            .flat_map(|c| {
                c.index
                    .node_pools()
                    .iter()
                    .map(move |pool| node_pool_row(report, c, pool))
            })
            .collect(),
    }
}

/// Writes `inspection` in `format`.
pub fn write(
    inspection: &Inspection,
    format: InspectFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        InspectFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, inspection).map_err(io::Error::other)?;
            writeln!(out)
        }
        InspectFormat::Table => out.write_all(table(inspection).as_bytes()),
    }
}

fn adequacy(row: &DaemonSetRow) -> String {
    let codes = row.findings.join(",");
    match row.adequate {
        None => "-".to_string(),
        Some(true) if codes.is_empty() => "yes".to_string(),
        Some(true) => format!("yes ({codes})"),
        Some(false) => format!("no ({codes})"),
    }
}

/// The aligned tables: DaemonSets, a blank line, NodePools, then notes; with several
/// clusters, those of each cluster under its name.
fn table(inspection: &Inspection) -> String {
    let several = inspection.clusters.len() > 1;
    let mut text = String::new();
    for (i, cluster) in inspection.clusters.iter().enumerate() {
        if several {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(&format!(
                "Cluster {}:\n\n",
                escape_controls(&cluster.name, Newlines::Escape)
            ));
        }
        cluster_tables(&mut text, inspection, cluster);
    }
    let skipped: Vec<&str> = inspection
        .clusters
        .iter()
        .filter(|c| !c.karpenter)
        .map(|c| c.name.as_str())
        .collect();
    if several && !skipped.is_empty() {
        text.push_str(&format!(
            "\nKarpenter rules did not run in cluster{} {} (no Karpenter objects found; use \
             --karpenter always), so adequacy was not judged there.\n",
            crate::plural(skipped.len()),
            escape_controls(&skipped.join(", "), Newlines::Escape)
        ));
    } else if !inspection.karpenter {
        text.push_str(
            "\nKarpenter rules did not run (no Karpenter objects found; use --karpenter always), \
             so adequacy was not judged.\n",
        );
    }
    text
}

/// The DaemonSet and NodePool tables of one cluster.
fn cluster_tables(text: &mut String, inspection: &Inspection, cluster: &ClusterRow) {
    let daemonsets: Vec<Vec<String>> = inspection
        .daemonsets
        .iter()
        .filter(|row| row.cluster == cluster.name)
        .map(|row| {
            let name = match &row.namespace {
                Some(namespace) => format!("{namespace}/{}", row.name),
                None => row.name.clone(),
            };
            vec![
                if row.context {
                    format!("{name} (context)")
                } else {
                    name
                },
                row.class.as_ref().map_or("-".to_string(), |c| {
                    if c.is_empty() {
                        "\"\"".to_string()
                    } else {
                        c.clone()
                    }
                }),
                row.priority
                    .map_or("unresolved".to_string(), |p| p.to_string()),
                row.preemption_policy
                    .clone()
                    .unwrap_or_else(|| "-".to_string()),
                adequacy(row),
                if row.node_pools.is_empty() {
                    "-".to_string()
                } else {
                    row.node_pools.join(",")
                },
                row.requests.cpu(),
                row.requests.memory(),
                format!("{}:{}", row.path, row.line),
            ]
        })
        .collect();
    push_table(
        text,
        "No DaemonSets found.",
        &[
            "DAEMONSET",
            "CLASS",
            "PRIORITY",
            "PREEMPTION",
            "ADEQUATE",
            "NODEPOOLS",
            "CPU",
            "MEMORY",
            "PATH",
        ],
        &daemonsets,
    );
    text.push('\n');
    let pools: Vec<Vec<String>> = inspection
        .node_pools
        .iter()
        .filter(|row| row.cluster == cluster.name)
        .map(|row| {
            vec![
                row.name.clone(),
                row.kind.clone(),
                row.pods.to_string(),
                row.overhead.cpu(),
                row.overhead.memory(),
                format!("{}:{}", row.path, row.line),
            ]
        })
        .collect();
    push_table(
        text,
        "No NodePools found.",
        &[
            "NODEPOOL",
            "KIND",
            "DAEMONSET PODS",
            "CPU",
            "MEMORY",
            "PATH",
        ],
        &pools,
    );
}

/// Appends a header and rows, each column as wide as its widest cell (counted in
/// characters), two spaces apart, without trailing spaces; or `empty` without rows.
/// `karplint rules` prints its table with it too. Control characters in cells (names come
/// from the manifests) are escaped.
pub fn push_table(text: &mut String, empty: &str, header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        text.push_str(empty);
        text.push('\n');
        return;
    }
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| escape_controls(cell, Newlines::Escape).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = width.saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_on_characters_and_trim_trailing_spaces() {
        let mut text = String::new();
        push_table(
            &mut text,
            "none",
            &["A", "BB", "C"],
            &[
                vec!["ééé".to_string(), "x".to_string(), "".to_string()],
                vec!["a".to_string(), "yyyy".to_string(), "z".to_string()],
            ],
        );
        assert_eq!(text, "A    BB    C\nééé  x\na    yyyy  z\n");
        let mut empty = String::new();
        push_table(&mut empty, "none", &["A"], &[]);
        assert_eq!(empty, "none\n");
    }

    #[test]
    fn requests_are_written_as_quantities() {
        let requests = Requests {
            cpu_millicores: 1500,
            memory_bytes: 96 << 20,
        };
        assert_eq!(
            (requests.cpu(), requests.memory()),
            ("1500m".to_string(), "96Mi".to_string())
        );
    }
}
