//! The cluster index: the merged facts of every input, and the cross-file questions the
//! rules ask (which class does this pod get, what is the workload ceiling, is this a
//! Karpenter cluster, which NodePools can a DaemonSet land on).

use std::collections::HashMap;

use crate::config::{KarpenterMode, Settings};
use crate::diagnostic::{FileId, Location};
use crate::k8s::{
    self, KarpenterObject, NodePool, Object, PodTemplate, PriorityClass, Workload, WorkloadKind,
};
use crate::load::{FileFacts, InputProblem};

/// An item and the input it came from.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub file: FileId,
    pub item: T,
}

/// Why the Karpenter rules ran or were skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KarpenterReason {
    /// `--karpenter always`.
    Forced,
    /// `--karpenter never`.
    Disabled,
    /// This object shows the cluster runs Karpenter.
    Found { object: String, location: Location },
    /// Nothing Karpenter-specific in the inputs.
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KarpenterVerdict {
    pub enabled: bool,
    pub reason: KarpenterReason,
}

/// Where a pod's priority comes from.
#[derive(Debug, Clone, Copy)]
pub enum PrioritySource<'a> {
    /// `system-node-critical` or `system-cluster-critical`.
    Builtin(&'static str),
    /// The class named by `priorityClassName`.
    Class(&'a Located<PriorityClass>),
    /// No class named: the cluster's `globalDefault` class applies.
    GlobalDefault(&'a Located<PriorityClass>),
    /// No class named and no `globalDefault`: priority 0.
    Zero,
}

/// A pod template's resolved priority and preemption policy.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedPriority<'a> {
    pub value: i64,
    pub preempts: bool,
    pub source: PrioritySource<'a>,
}

/// The highest priority among the workloads a DaemonSet must outrank.
#[derive(Debug, Clone, Copy)]
pub struct Ceiling<'a> {
    pub value: i64,
    /// The workload that sets it, if one does (otherwise the default or assumption).
    pub workload: Option<&'a Located<Workload>>,
}

/// Everything known about the cluster, merged from all inputs.
#[derive(Debug)]
pub struct ClusterIndex {
    workloads: Vec<Located<Workload>>,
    priority_classes: Vec<Located<PriorityClass>>,
    node_pools: Vec<Located<NodePool>>,
    karpenter_objects: Vec<Located<KarpenterObject>>,
    problems: Vec<Located<InputProblem>>,
    /// Per file: whether findings in it are reported (context files are not).
    reported: Vec<bool>,
    classes_by_name: HashMap<String, usize>,
    karpenter: KarpenterVerdict,
    assumed_workload_priority: i64,
}

impl ClusterIndex {
    /// Merges the facts of every file. `facts[i]` belongs to `FileId(i)`.
    pub fn build(facts: Vec<FileFacts>, settings: &Settings) -> ClusterIndex {
        let mut index = ClusterIndex {
            workloads: Vec::new(),
            priority_classes: Vec::new(),
            node_pools: Vec::new(),
            karpenter_objects: Vec::new(),
            problems: Vec::new(),
            reported: Vec::with_capacity(facts.len()),
            classes_by_name: HashMap::new(),
            karpenter: KarpenterVerdict {
                enabled: false,
                reason: KarpenterReason::NotFound,
            },
            assumed_workload_priority: settings.assumed_workload_priority,
        };
        for (i, file_facts) in facts.into_iter().enumerate() {
            let file = FileId(u32::try_from(i).unwrap_or(u32::MAX));
            index.reported.push(file_facts.reported);
            for problem in file_facts.problems {
                index.problems.push(Located {
                    file,
                    item: problem,
                });
            }
            for object in file_facts.objects {
                match object {
                    Object::Workload(item) => index.workloads.push(Located { file, item: *item }),
                    Object::PriorityClass(item) => {
                        let position = index.priority_classes.len();
                        index
                            .classes_by_name
                            .entry(item.meta.name().to_string())
                            .or_insert(position);
                        index.priority_classes.push(Located { file, item: *item });
                    }
                    Object::NodePool(item) => index.node_pools.push(Located { file, item: *item }),
                    Object::Karpenter(item) => {
                        index.karpenter_objects.push(Located { file, item: *item })
                    }
                }
            }
        }
        index.karpenter = index.detect_karpenter(settings.karpenter);
        index
    }

    fn detect_karpenter(&self, mode: KarpenterMode) -> KarpenterVerdict {
        match mode {
            KarpenterMode::Always => KarpenterVerdict {
                enabled: true,
                reason: KarpenterReason::Forced,
            },
            KarpenterMode::Never => KarpenterVerdict {
                enabled: false,
                reason: KarpenterReason::Disabled,
            },
            KarpenterMode::Auto => {
                let evidence = self
                    .node_pools
                    .iter()
                    .map(|pool| (&pool.item.meta, pool.file))
                    .chain(
                        self.karpenter_objects
                            .iter()
                            .map(|o| (&o.item.meta, o.file)),
                    )
                    .chain(
                        self.workloads
                            .iter()
                            .filter(|w| w.item.is_karpenter_controller())
                            .map(|w| (&w.item.meta, w.file)),
                    )
                    .min_by_key(|(meta, file)| (*file, meta.span.start));
                match evidence {
                    Some((meta, file)) => KarpenterVerdict {
                        enabled: true,
                        reason: KarpenterReason::Found {
                            object: meta.display(),
                            location: Location {
                                file,
                                span: meta.kind.span,
                            },
                        },
                    },
                    None => KarpenterVerdict {
                        enabled: false,
                        reason: KarpenterReason::NotFound,
                    },
                }
            }
        }
    }

    pub fn karpenter(&self) -> &KarpenterVerdict {
        &self.karpenter
    }

    /// Whether findings in `file` are reported (false for context-only inputs).
    pub fn is_reported(&self, file: FileId) -> bool {
        self.reported.get(file.0 as usize).copied().unwrap_or(false)
    }

    pub fn workloads(&self) -> &[Located<Workload>] {
        &self.workloads
    }

    pub fn priority_classes(&self) -> &[Located<PriorityClass>] {
        &self.priority_classes
    }

    pub fn node_pools(&self) -> &[Located<NodePool>] {
        &self.node_pools
    }

    /// The DaemonSets in reported files.
    pub fn reported_daemonsets(&self) -> impl Iterator<Item = &Located<Workload>> {
        self.workloads
            .iter()
            .filter(|w| w.item.kind == WorkloadKind::DaemonSet && self.is_reported(w.file))
    }

    /// Input problems in reported files.
    pub fn reported_problems(&self) -> impl Iterator<Item = (FileId, &InputProblem)> {
        self.problems
            .iter()
            .filter(|p| self.is_reported(p.file))
            .map(|p| (p.file, &p.item))
    }

    /// The class defined under `name` (the first definition when there are several).
    pub fn class(&self, name: &str) -> Option<&Located<PriorityClass>> {
        self.classes_by_name
            .get(name)
            .map(|position| &self.priority_classes[*position])
    }

    /// The `globalDefault: true` class (the lowest-valued if several, as admission picks).
    pub fn global_default(&self) -> Option<&Located<PriorityClass>> {
        self.priority_classes
            .iter()
            .filter(|c| c.item.is_global_default())
            .min_by_key(|c| c.item.value_int.unwrap_or(i64::MAX))
    }

    /// The priority a pod from this template gets; `None` when it names a class that is
    /// neither built in nor defined anywhere known (or defined with an invalid value).
    pub fn resolve_priority(&self, template: &PodTemplate) -> Option<ResolvedPriority<'_>> {
        let (value, source, class_policy) = match template.class_name() {
            None => match self.global_default() {
                Some(class) => (
                    class.item.value_int?,
                    PrioritySource::GlobalDefault(class),
                    Some(class.item.policy()),
                ),
                None => (0, PrioritySource::Zero, None),
            },
            Some(name) => match k8s::builtin_priority(&name.value) {
                Some((builtin, value)) => (value, PrioritySource::Builtin(builtin), None),
                None => {
                    let class = self.class(&name.value)?;
                    (
                        class.item.value_int?,
                        PrioritySource::Class(class),
                        Some(class.item.policy()),
                    )
                }
            },
        };
        let policy = template
            .preemption_policy
            .as_ref()
            .map(|p| p.value.as_str())
            .or(class_policy)
            .unwrap_or("PreemptLowerPriority");
        Some(ResolvedPriority {
            value,
            preempts: policy != "Never",
            source,
        })
    }

    /// The priority every DaemonSet must exceed: the highest resolved priority of the
    /// non-DaemonSet workloads that can run on Karpenter nodes, at least the
    /// `globalDefault` value (or 0) and the configured assumption.
    pub fn workload_ceiling(&self) -> Ceiling<'_> {
        let floor = self
            .global_default()
            .and_then(|c| c.item.value_int)
            .unwrap_or(0)
            .max(self.assumed_workload_priority);
        let highest = self
            .workloads
            .iter()
            .filter(|w| w.item.kind != WorkloadKind::DaemonSet)
            .filter(|w| !w.item.template.scheduling.excludes_karpenter_nodes())
            .filter_map(|w| Some((self.resolve_priority(&w.item.template)?.value, w)))
            // Ties go to the first workload in input order, for stable messages.
            .fold(
                None::<(i64, &Located<Workload>)>,
                |best, (value, w)| match best {
                    Some((top, _)) if top >= value => best,
                    _ => Some((value, w)),
                },
            );
        match highest {
            Some((value, workload)) if value >= floor => Ceiling {
                value,
                workload: Some(workload),
            },
            _ => Ceiling {
                value: floor,
                workload: None,
            },
        }
    }

    /// The NodePools whose nodes the DaemonSet's pods can run on (taints tolerated,
    /// node selection satisfiable), as Karpenter judges it.
    pub fn compatible_pools<'a>(
        &'a self,
        workload: &'a Workload,
    ) -> impl Iterator<Item = &'a Located<NodePool>> + 'a {
        let scheduling = &workload.template.scheduling;
        let alternatives = scheduling.alternatives();
        self.node_pools.iter().filter(move |pool| {
            let labels = pool.item.node_labels();
            pool.item
                .taints
                .iter()
                .all(|taint| scheduling.tolerates(taint))
                && alternatives
                    .iter()
                    .any(|alternative| alternative.iter().all(|r| labels.can_satisfy(r)))
        })
    }

    /// A DaemonSet matters to Karpenter unless its required scheduling keeps it off
    /// Karpenter nodes, or NodePools are known and none can run it.
    pub fn is_karpenter_relevant(&self, workload: &Workload) -> bool {
        !workload.template.scheduling.excludes_karpenter_nodes()
            && (self.node_pools.is_empty() || self.compatible_pools(workload).next().is_some())
    }
}
