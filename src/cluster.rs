//! The cluster index: the merged facts of every input, and the cross-file questions the
//! rules ask (which class does this pod get, what is the workload ceiling, is this a
//! Karpenter cluster, which NodePools can a DaemonSet land on).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{ClusterScopes, KarpenterMode, Settings};
use crate::diagnostic::FileId;
use crate::k8s::{
    self, KarpenterObject, LimitRange, NodePool, Object, PodDisruptionBudget, PodTemplate,
    PriorityClass, Workload, WorkloadKind,
};
use crate::load::{FileFacts, InputProblem};
use crate::source::{Origin, Origins, Span};

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
    Found { object: String, location: Span },
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

impl<'a> PrioritySource<'a> {
    /// The PriorityClass object the priority comes from, if one does.
    pub fn class(&self) -> Option<&'a Located<PriorityClass>> {
        match self {
            PrioritySource::Class(class) | PrioritySource::GlobalDefault(class) => Some(class),
            PrioritySource::Builtin(_) | PrioritySource::Zero => None,
        }
    }

    /// The class's preemption policy (`PreemptLowerPriority` for built-ins and priority 0),
    /// which admission gives the pod unless the pod template sets its own.
    pub fn policy(&self) -> &'a str {
        self.class()
            .map_or("PreemptLowerPriority", |class| class.item.policy())
    }

    /// A short description for messages: ``PriorityClass `x` ``, ``built-in class
    /// `system-node-critical` ``, ``no class (globalDefault `x`)`` or `no class`.
    pub fn describe(&self) -> String {
        match self {
            PrioritySource::Builtin(name) => format!("built-in class `{name}`"),
            PrioritySource::Class(class) => format!("PriorityClass `{}`", class.item.meta.name()),
            PrioritySource::GlobalDefault(class) => {
                format!(
                    "no class, so the globalDefault `{}`",
                    class.item.meta.name()
                )
            }
            PrioritySource::Zero => "no class".to_string(),
        }
    }
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
    pub workload: Option<&'a Located<CeilingWorkload>>,
}

/// A workload that counts towards the ceiling (not a DaemonSet, not kept off Karpenter
/// nodes, not on a built-in system class), reduced to what the ceiling needs: the class it asks for, and how to name and
/// point at it. Only the first workload asking for each class is kept: every later one
/// has the same priority, so it can never set the ceiling (ties go to input order). So
/// thousands of Deployments, Pods and CronJobs cost the index a few entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeilingWorkload {
    /// As [`k8s::ObjectMeta::display`]: ``Deployment `ns/name` ``.
    pub display: String,
    /// [`PodTemplate::priority_anchor`]: its `priorityClassName`, or its pod `spec` key.
    pub anchor: Span,
    /// The class it names (`None` for none or `""`).
    pub class_name: Option<String>,
    /// `preemptionPolicy` set in its pod template.
    pub preemption_policy: Option<String>,
}

/// Everything known about one cluster, merged from its inputs.
#[derive(Debug)]
pub struct ClusterIndex {
    /// The workloads the rules read whole: DaemonSets and Karpenter controllers.
    workloads: Vec<Located<Workload>>,
    /// The workloads that count towards the ceiling, in input order: the first one
    /// naming each class (or none). Few: one per class name in use (41 in all of
    /// `../shared/corpus`), so finding one is a short scan.
    ceiling_candidates: Vec<Located<CeilingWorkload>>,
    priority_classes: Vec<Located<PriorityClass>>,
    node_pools: Vec<Located<NodePool>>,
    karpenter_objects: Vec<Located<KarpenterObject>>,
    limit_ranges: Vec<Located<LimitRange>>,
    disruption_budgets: Vec<Located<PodDisruptionBudget>>,
    problems: Vec<Located<InputProblem>>,
    classes_by_name: HashMap<String, usize>,
    karpenter: KarpenterVerdict,
    assumed_workload_priority: i64,
    /// Every input of the run (shared by the clusters' indexes).
    files: Arc<FileTable>,
    /// The workload ceiling (value, position in `ceiling_candidates` of the workload
    /// setting it), computed once when the index is complete: every DaemonSet finding
    /// asks for it.
    ceiling: (i64, Option<usize>),
}

/// Every input of a run, whichever clusters it belongs to: `origins.get(i)` and
/// `reported[i]` are `FileId(i)`'s.
#[derive(Debug, Default)]
struct FileTable {
    origins: Origins,
    /// Whether findings in it are reported (context files are not).
    reported: Vec<bool>,
}

/// The name of the cluster of the files no `clusters:` glob (nor any other assignment)
/// claims: without `clusters:`, every file's.
pub const DEFAULT_CLUSTER: &str = "default";

/// Which clusters each input belongs to, decided before the inputs are loaded: from the
/// `clusters:` globs, or by a caller that knows better (`assign`). A file may be in
/// several clusters (a shared base); a file in none is in [`DEFAULT_CLUSTER`].
#[derive(Debug, Clone, Default)]
pub struct ClusterPlan {
    names: Vec<Arc<str>>,
    /// Per file (`FileId` order): its set of clusters in `sets`; absent or the empty set:
    /// the default.
    of_file: Vec<u32>,
    /// The sets of clusters files are in, each once (positions in `names`): set `i` is
    /// `sets[i - 1]`, set 0 the empty one. Few (as many as clusters, and the shared bases'
    /// combinations), where a set per file cost a run ~40 bytes a file.
    sets: Vec<Vec<u32>>,
    set_ids: HashMap<Vec<u32>, u32>,
    /// The position of [`DEFAULT_CLUSTER`] in `names`, once some file needs it.
    default: Option<u32>,
}

impl ClusterPlan {
    /// The plan `clusters:` gives the inputs `files` (`files.get(i)` is `FileId(i)`).
    pub fn from_config(scopes: &ClusterScopes, files: &Origins) -> ClusterPlan {
        let mut plan = ClusterPlan::default();
        if scopes.is_empty() {
            return plan;
        }
        // Configured clusters come first, in the config's order, even when empty.
        for scope in &scopes.scopes {
            plan.cluster(&scope.name);
        }
        for (i, origin) in files.iter().enumerate() {
            let path = match origin {
                Origin::File(path) => path,
                Origin::Stdin { name } => PathBuf::from(name),
            };
            for scope in scopes.matching(&path) {
                plan.assign(FileId(i as u32), &scope.name);
            }
        }
        plan
    }

    /// Puts `file` in cluster `name` (a new one on first use), besides those it is in.
    pub fn assign(&mut self, file: FileId, name: &str) {
        let cluster = self.cluster(name);
        let at = file.0 as usize;
        if self.of_file.len() <= at {
            self.of_file.resize(at + 1, 0);
        }
        let mut set = self.set(self.of_file[at]).to_vec();
        if !set.contains(&cluster) {
            set.push(cluster);
            self.of_file[at] = self.set_id(set);
        }
    }

    /// The set numbered `id`.
    fn set(&self, id: u32) -> &[u32] {
        let at = (id as usize).checked_sub(1);
        at.and_then(|at| self.sets.get(at))
            .map_or(&[], Vec::as_slice)
    }

    /// The number of `set` (not empty), numbered now if new.
    fn set_id(&mut self, set: Vec<u32>) -> u32 {
        if let Some(&id) = self.set_ids.get(&set) {
            return id;
        }
        self.sets.push(set.clone());
        let id = self.sets.len() as u32;
        self.set_ids.insert(set, id);
        id
    }

    fn cluster(&mut self, name: &str) -> u32 {
        match self.names.iter().position(|known| **known == *name) {
            Some(position) => position as u32,
            None => {
                self.names.push(Arc::from(name));
                (self.names.len() - 1) as u32
            }
        }
    }

    /// The position of the default cluster, created on first use.
    fn default_cluster(&mut self) -> u32 {
        match self.default {
            Some(cluster) => cluster,
            None => {
                let cluster = self.cluster(DEFAULT_CLUSTER);
                self.default = Some(cluster);
                cluster
            }
        }
    }

    /// The set of clusters assigned to `file` (0, the empty set, for none).
    fn set_of(&self, file: FileId) -> u32 {
        self.of_file.get(file.0 as usize).copied().unwrap_or(0)
    }

    fn is_assigned(&self, file: FileId) -> bool {
        self.set_of(file) != 0
    }

    /// The clusters of `file`: those assigned, else the default one (which must exist).
    fn clusters_of(&self, file: FileId) -> &[u32] {
        self.set_clusters(self.set_of(file))
    }

    /// The clusters of the files in set `id`: its own, else the default one.
    fn set_clusters(&self, id: u32) -> &[u32] {
        match (self.set(id), &self.default) {
            (clusters, _) if !clusters.is_empty() => clusters,
            (_, Some(default)) => std::slice::from_ref(default),
            (_, None) => &[],
        }
    }
}

/// One cluster's name and index.
#[derive(Debug)]
pub struct Cluster {
    pub name: Arc<str>,
    pub index: ClusterIndex,
}

/// The clusters of a run, each with its own index over its own files' facts, in plan
/// order (configured clusters first, the default cluster last). Never empty.
#[derive(Debug)]
pub struct Clusters {
    list: Vec<Cluster>,
    files: Arc<FileTable>,
    /// Per file: its set in `sets`, 0 when absent (both empty when one cluster was planned:
    /// every file is in it).
    of_file: Vec<u32>,
    /// Sets of positions in `list`, as the plan's sets of clusters are kept.
    sets: Vec<Vec<u32>>,
}

impl Clusters {
    pub fn iter(&self) -> std::slice::Iter<'_, Cluster> {
        self.list.iter()
    }

    /// Whether the run has more than one cluster, so that findings name theirs.
    pub fn are_several(&self) -> bool {
        self.list.len() > 1
    }

    /// Where every file came from: `files().get(i)` is `FileId(i)`'s.
    pub fn files(&self) -> &Origins {
        &self.files.origins
    }

    /// The path of `file` as displayed (empty when it is not known).
    pub fn path(&self, file: FileId) -> String {
        self.files.path(file)
    }

    /// Whether findings in `file` are reported (false for context-only inputs).
    pub fn is_reported(&self, file: FileId) -> bool {
        self.files.is_reported(file)
    }

    /// The clusters `file` belongs to.
    pub fn of_file(&self, file: FileId) -> impl Iterator<Item = &Cluster> {
        let set = self.of_file.get(file.0 as usize).copied().unwrap_or(0);
        let positions = match (self.sets.is_empty(), self.sets.get(set as usize)) {
            (true, _) => &[0][..],
            (false, Some(positions)) => positions.as_slice(),
            (false, None) => &[],
        };
        positions.iter().map(|i| &self.list[*i as usize])
    }

    /// The verdict of the first cluster the Karpenter rules ran in, else the first's:
    /// with one cluster, its verdict.
    pub fn karpenter(&self) -> &KarpenterVerdict {
        let first = &self.list[0].index.karpenter;
        self.list
            .iter()
            .map(|cluster| &cluster.index.karpenter)
            .find(|verdict| verdict.enabled)
            .unwrap_or(first)
    }
}

impl FileTable {
    fn path(&self, file: FileId) -> String {
        self.origins.display(file.0 as usize).unwrap_or_default()
    }

    fn is_reported(&self, file: FileId) -> bool {
        self.reported.get(file.0 as usize).copied().unwrap_or(false)
    }
}

/// Builds the clusters' indexes one file at a time, in file order, so a caller can merge
/// each file's facts as soon as they are loaded instead of holding every file's at once.
/// A file's facts go to each of its clusters' indexes (copied only for a file in several).
pub struct IndexBuilder<'s> {
    plan: ClusterPlan,
    /// Per cluster of the plan (grown as the plan creates the default one), and how many
    /// files of its own with facts it has.
    indexes: Vec<(ClusterIndex, usize)>,
    reported: Vec<bool>,
    settings: &'s Settings,
}

impl<'s> IndexBuilder<'s> {
    /// Every file in one cluster.
    pub fn new(settings: &'s Settings) -> Self {
        Self::with_plan(settings, ClusterPlan::default())
    }

    pub fn with_plan(settings: &'s Settings, plan: ClusterPlan) -> Self {
        IndexBuilder {
            plan,
            indexes: Vec::new(),
            reported: Vec::new(),
            settings,
        }
    }

    fn empty_index(&self) -> ClusterIndex {
        ClusterIndex {
            workloads: Vec::new(),
            ceiling_candidates: Vec::new(),
            priority_classes: Vec::new(),
            node_pools: Vec::new(),
            karpenter_objects: Vec::new(),
            limit_ranges: Vec::new(),
            disruption_budgets: Vec::new(),
            problems: Vec::new(),
            classes_by_name: HashMap::new(),
            karpenter: KarpenterVerdict {
                enabled: false,
                reason: KarpenterReason::NotFound,
            },
            assumed_workload_priority: self.settings.assumed_workload_priority,
            files: Arc::default(),
            ceiling: (0, None),
        }
    }

    /// The index of every cluster of the plan so far.
    fn grow(&mut self) {
        while self.indexes.len() < self.plan.names.len() {
            let index = self.empty_index();
            self.indexes.push((index, 0));
        }
    }

    /// Merges the facts of the next file into its clusters' indexes and returns its id:
    /// the first file added is `FileId(0)`. Only what an index keeps is copied (the
    /// workloads it reads whole, classes, pools…; of other workloads, what the ceiling
    /// needs), so a caller that keeps every file's facts (the language server) can index
    /// them again cheaply.
    pub fn add(&mut self, file_facts: &FileFacts) -> FileId {
        let file = FileId(u32::try_from(self.reported.len()).unwrap_or(u32::MAX));
        self.reported.push(file_facts.reported);
        if !self.plan.is_assigned(file) {
            self.plan.default_cluster();
        }
        self.grow();
        // A file without objects or problems (a config file, other YAML) makes no cluster.
        let counts = !(file_facts.objects.is_empty() && file_facts.problems.is_empty());
        merge(
            &mut self.indexes,
            self.plan.clusters_of(file),
            file_facts,
            counts,
        );
        file
    }

    /// Merges facts every cluster shares (the classes the config declares) as the next
    /// file, not reported.
    pub fn add_to_every_cluster(&mut self, file_facts: &FileFacts) -> FileId {
        let file = FileId(u32::try_from(self.reported.len()).unwrap_or(u32::MAX));
        self.reported.push(false);
        if self.indexes.iter().all(|(_, own)| *own == 0) {
            self.plan.default_cluster();
            self.grow();
        }
        let clusters: Vec<u32> = (0..self.indexes.len() as u32).collect();
        merge(&mut self.indexes, &clusters, file_facts, false);
        file
    }

    /// The clusters with files of their own that hold facts (or the default one, when none
    /// has any), their indexes complete. `files.get(i)` is where `FileId(i)` came from.
    pub fn finish(mut self, files: Origins) -> Clusters {
        if self.indexes.iter().all(|(_, own)| *own == 0) {
            self.plan.default_cluster();
            self.grow();
        }
        let table = Arc::new(FileTable {
            origins: files,
            reported: std::mem::take(&mut self.reported),
        });
        let nobody = !self.indexes.iter().any(|(_, own)| *own > 0);
        // Per cluster of the plan: its position in the list, if kept.
        let mut kept_at = Vec::with_capacity(self.indexes.len());
        let mut list = Vec::new();
        let names = self.plan.names.clone();
        for ((mut index, own), name) in std::mem::take(&mut self.indexes).into_iter().zip(names) {
            if own == 0 && !(nobody && &*name == DEFAULT_CLUSTER) {
                kept_at.push(None);
                continue;
            }
            kept_at.push(Some(list.len() as u32));
            index.files = Arc::clone(&table);
            index.resolve_node_classes();
            index.karpenter = index.detect_karpenter(self.settings.karpenter);
            index.ceiling = index.compute_ceiling();
            list.push(Cluster { name, index });
        }
        // With several clusters planned, a file may be in none of those kept (its own held
        // no facts), even when one is left.
        let (of_file, sets) = if self.plan.names.len() > 1 {
            let of_file = std::mem::take(&mut self.plan.of_file);
            let sets = (0..=self.plan.sets.len() as u32)
                .map(|set| {
                    self.plan
                        .set_clusters(set)
                        .iter()
                        .filter_map(|cluster| kept_at.get(*cluster as usize).copied().flatten())
                        .collect()
                })
                .collect();
            (of_file, sets)
        } else {
            (Vec::new(), Vec::new())
        };
        Clusters {
            list,
            files: table,
            of_file,
            sets,
        }
    }
}

/// Merges a file's facts into the indexes of `clusters`; `counts`: whether the file
/// counts as one of theirs.
fn merge(
    indexes: &mut [(ClusterIndex, usize)],
    clusters: &[u32],
    file_facts: &FileFacts,
    counts: bool,
) {
    for cluster in clusters {
        let (index, own) = &mut indexes[*cluster as usize];
        index.add_facts(file_facts);
        *own += usize::from(counts);
    }
}

impl ClusterIndex {
    /// Merges one file's facts. Each object and problem is located in the file it was
    /// written in, which for a chart or kustomization (added as one entry) is not the
    /// entry's.
    fn add_facts(&mut self, file_facts: &FileFacts) {
        for problem in &file_facts.problems {
            self.problems.push(Located {
                file: problem.span().file,
                item: problem.clone(),
            });
        }
        for object in &file_facts.objects {
            let file = object.meta().span.file;
            match object {
                Object::Workload(item) => self.add_workload(file, item),
                Object::PriorityClass(item) => {
                    let position = self.priority_classes.len();
                    self.classes_by_name
                        .entry(item.meta.name().to_string())
                        .or_insert(position);
                    let item = (**item).clone();
                    self.priority_classes.push(Located { file, item });
                }
                Object::NodePool(item) => {
                    let item = (**item).clone();
                    self.node_pools.push(Located { file, item });
                }
                Object::Karpenter(item) => {
                    let item = (**item).clone();
                    self.karpenter_objects.push(Located { file, item });
                }
                Object::LimitRange(item) => {
                    let item = (**item).clone();
                    self.limit_ranges.push(Located { file, item });
                }
                Object::DisruptionBudget(item) => {
                    let item = (**item).clone();
                    self.disruption_budgets.push(Located { file, item });
                }
            }
        }
    }

    /// Gives each AWS NodePool the OS of its node class's AMI family, when the class is
    /// among the inputs (the first of that kind and name).
    fn resolve_node_classes(&mut self) {
        let classes = &self.karpenter_objects;
        for pool in &mut self.node_pools {
            let Some(class) = pool.item.aws_class.take() else {
                continue;
            };
            let family = classes
                .iter()
                .find(|object| object.item.is(&class))
                .and_then(|object| object.item.ami_family.as_deref());
            if family.is_some() {
                pool.item.instance = k8s::instance_requirements(family);
            }
        }
    }

    fn add_workload(&mut self, file: FileId, workload: &Workload) {
        let template = &workload.template;
        let class_name = template.class_name().map(|name| name.value.as_str());
        // Workloads on the built-in system classes (CoreDNS, metrics-server, CNI controllers)
        // do not count: no user class can exceed them, a node agent should not preempt
        // them, and KDS015 keeps DaemonSets below system-cluster-critical anyway.
        let counts = workload.kind != WorkloadKind::DaemonSet
            && !template.scheduling.excludes_karpenter_nodes()
            && class_name.is_none_or(|name| k8s::builtin_priority(name).is_none())
            && template.class_unknown().is_none();
        if counts
            && !self
                .ceiling_candidates
                .iter()
                .any(|c| c.item.class_name.as_deref() == class_name)
        {
            let item = CeilingWorkload {
                display: workload.meta.display(),
                anchor: template.priority_anchor(),
                class_name: class_name.map(str::to_string),
                preemption_policy: template.preemption_policy.as_ref().map(|p| p.value.clone()),
            };
            self.ceiling_candidates.push(Located { file, item });
        }
        if workload.is_read_whole() {
            self.workloads.push(Located {
                file,
                item: workload.clone(),
            });
        }
    }

    /// Merges the facts of every file into one cluster, for tests. `facts[i]` belongs to
    /// `FileId(i)`, named `files.get(i)`.
    #[cfg(test)]
    pub fn build(facts: Vec<FileFacts>, settings: &Settings, files: Origins) -> ClusterIndex {
        let mut builder = IndexBuilder::new(settings);
        for file_facts in &facts {
            builder.add(file_facts);
        }
        let mut clusters = builder.finish(files);
        clusters.list.swap_remove(0).index
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
                    .chain(self.karpenter_controllers().map(|w| (&w.item.meta, w.file)))
                    .min_by_key(|(meta, file)| (*file, meta.span.start));
                match evidence {
                    Some((meta, _)) => KarpenterVerdict {
                        enabled: true,
                        reason: KarpenterReason::Found {
                            object: meta.display(),
                            location: meta.kind.span,
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

    /// Where every file came from: `files().get(i)` is `FileId(i)`'s.
    pub fn files(&self) -> &Origins {
        &self.files.origins
    }

    /// The path of `file` as displayed (empty when it is not known).
    pub fn path(&self, file: FileId) -> String {
        self.files.path(file)
    }

    /// `path:line` of a location, for messages that name an object in another place
    /// (`line N` when the path is not known).
    pub fn place(&self, location: Span) -> String {
        let line = location.start.line;
        match self.files.origins.display(location.file.0 as usize) {
            Some(shown) => format!("{shown}:{line}"),
            None => format!("line {line}"),
        }
    }

    /// Whether findings in `file` are reported (false for context-only inputs).
    pub fn is_reported(&self, file: FileId) -> bool {
        self.files.is_reported(file)
    }

    /// Every DaemonSet, reported or not.
    pub fn daemonsets(&self) -> impl Iterator<Item = &Located<Workload>> {
        self.workloads
            .iter()
            .filter(|w| w.item.kind == WorkloadKind::DaemonSet)
    }

    /// Every Karpenter controller Deployment, in input order.
    pub fn karpenter_controllers(&self) -> impl Iterator<Item = &Located<Workload>> {
        self.workloads
            .iter()
            .filter(|w| w.item.is_karpenter_controller())
    }

    pub fn priority_classes(&self) -> &[Located<PriorityClass>] {
        &self.priority_classes
    }

    pub fn node_pools(&self) -> &[Located<NodePool>] {
        &self.node_pools
    }

    /// The LimitRanges in namespace `namespace` (see [`same_namespace`]).
    pub fn limit_ranges_in<'a>(
        &'a self,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Located<LimitRange>> + 'a {
        self.limit_ranges
            .iter()
            .filter(move |r| same_namespace(r.item.meta.namespace.as_deref(), namespace))
    }

    /// Every PodDisruptionBudget.
    pub fn disruption_budgets(&self) -> &[Located<PodDisruptionBudget>] {
        &self.disruption_budgets
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

    /// The Karpenter controller Deployment (the first found, in input order).
    pub fn karpenter_controller(&self) -> Option<&Located<Workload>> {
        self.karpenter_controllers().next()
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
        // Decided by a template action: unknown, not "no class".
        if template.class_unknown().is_some() {
            return None;
        }
        self.resolve(
            template.class_name().map(|name| name.value.as_str()),
            template
                .preemption_policy
                .as_ref()
                .map(|p| p.value.as_str()),
        )
    }

    /// The priority of a workload that counts towards the ceiling, as
    /// [`resolve_priority`](Self::resolve_priority) gives it.
    pub fn resolve_ceiling_workload(
        &self,
        workload: &CeilingWorkload,
    ) -> Option<ResolvedPriority<'_>> {
        self.resolve(
            workload.class_name.as_deref(),
            workload.preemption_policy.as_deref(),
        )
    }

    /// The priority of a pod naming class `class_name` (`None`: no class) and setting
    /// `preemption_policy` itself (`None`: the class's).
    fn resolve(
        &self,
        class_name: Option<&str>,
        preemption_policy: Option<&str>,
    ) -> Option<ResolvedPriority<'_>> {
        let (value, source, class_policy) = match class_name {
            None => match self.global_default() {
                Some(class) => (
                    class.item.value_int?,
                    PrioritySource::GlobalDefault(class),
                    Some(class.item.policy()),
                ),
                None => (0, PrioritySource::Zero, None),
            },
            Some(name) => match k8s::builtin_priority(name) {
                Some((builtin, value)) => (value, PrioritySource::Builtin(builtin), None),
                None => {
                    let class = self.class(name).filter(|c| c.item.unknown().is_none())?;
                    (
                        class.item.value_int?,
                        PrioritySource::Class(class),
                        Some(class.item.policy()),
                    )
                }
            },
        };
        let policy = preemption_policy
            .or(class_policy)
            .unwrap_or("PreemptLowerPriority");
        Some(ResolvedPriority {
            value,
            preempts: policy != "Never",
            source,
        })
    }

    /// The priority every DaemonSet must exceed: the highest resolved priority of the
    /// non-DaemonSet workloads that can run on Karpenter nodes and are not on a built-in
    /// system class, at least the `globalDefault` value (or 0) and the configured
    /// assumption.
    pub fn workload_ceiling(&self) -> Ceiling<'_> {
        let (value, workload) = self.ceiling;
        Ceiling {
            value,
            workload: workload.map(|position| &self.ceiling_candidates[position]),
        }
    }

    fn compute_ceiling(&self) -> (i64, Option<usize>) {
        let floor = self
            .global_default()
            .and_then(|c| c.item.value_int)
            .unwrap_or(0)
            .max(self.assumed_workload_priority);
        let highest = self
            .ceiling_candidates
            .iter()
            .enumerate()
            .filter_map(|(i, w)| Some((self.resolve_ceiling_workload(&w.item)?.value, i)))
            // Ties go to the first workload in input order, for stable messages.
            .fold(None::<(i64, usize)>, |best, (value, i)| match best {
                Some((top, _)) if top >= value => best,
                _ => Some((value, i)),
            });
        match highest {
            Some((value, position)) if value >= floor => (value, Some(position)),
            _ => (floor, None),
        }
    }

    /// The NodePools whose nodes the DaemonSet's pods can run on (taints tolerated,
    /// node selection satisfiable), as Karpenter judges it.
    pub fn compatible_pools<'a>(
        &'a self,
        workload: &'a Workload,
    ) -> impl Iterator<Item = &'a Located<NodePool>> + 'a {
        let scheduling = &workload.template.scheduling;
        self.node_pools
            .iter()
            .filter(move |pool| pool.item.runs(scheduling))
    }

    /// A DaemonSet matters to Karpenter unless its required scheduling keeps it off
    /// Karpenter nodes, NodePools are known and none can run it, or a template action
    /// decides its scheduling.
    pub fn is_karpenter_relevant(&self, workload: &Workload) -> bool {
        // Where a template action decides the pods' scheduling, whether they meet Karpenter
        // nodes is unknown: nothing is said about them.
        workload.template.scheduling_unknown().is_none()
            && !workload.template.scheduling.excludes_karpenter_nodes()
            && (self.node_pools.is_empty() || self.compatible_pools(workload).next().is_some())
    }
}

/// Whether two objects' namespaces are the same: an object without `metadata.namespace`
/// counts as being in `default` (where `kubectl apply` puts it without `-n`).
pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    a.unwrap_or("default") == b.unwrap_or("default")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    fn index(files: &[&str]) -> ClusterIndex {
        let facts = files
            .iter()
            .enumerate()
            .map(|(i, text)| load::load(text.as_bytes(), FileId(i as u32), true))
            .collect();
        let names = (0..files.len())
            .map(|i| Origin::File(format!("f{i}.yaml").into()))
            .collect();
        ClusterIndex::build(facts, &Settings::default(), names)
    }

    const CLASSES: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
        metadata: {name: quiet}\nvalue: 10\npreemptionPolicy: Never\nglobalDefault: true\n---\n\
        apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: agents}\n\
        value: 1000\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
        metadata: {name: empty}\nvalue:\n";

    fn workload(kind: &str, name: &str, spec: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n  template:\n    \
             spec: {spec}\n---\n"
        )
    }

    /// A `kind` whose pod template names PriorityClass `class`.
    fn classed(kind: &str, name: &str, class: &str) -> String {
        workload(kind, name, &format!("{{priorityClassName: {class}}}"))
    }

    #[test]
    fn every_span_names_the_file_it_was_written_in() {
        let index = index(&[CLASSES, CLASSES, CLASSES]);
        for class in index.priority_classes() {
            assert_eq!(class.item.meta.name_span().file, class.file);
            assert_eq!(class.item.meta.kind.span.file, class.file);
        }
        let files: std::collections::BTreeSet<_> =
            index.priority_classes().iter().map(|c| c.file).collect();
        assert_eq!(files.len(), 3);
    }

    #[test]
    fn places_name_the_file_and_line() {
        let index = index(&[CLASSES, CLASSES]);
        let class = &index.priority_classes()[4];
        let location = class.item.meta.name_span();
        assert_eq!(index.place(location), "f1.yaml:10");
        let unknown = Span {
            file: FileId(7),
            ..location
        };
        assert_eq!(index.place(unknown), "line 10");
    }

    #[test]
    fn class_value_keys_and_int32() {
        let index = index(&[CLASSES]);
        let classes = index.priority_classes();
        assert_eq!(classes[1].item.value_i32(), Some(1000));
        let empty = &classes[2].item;
        assert!(empty.value.is_none() && empty.value_int.is_none());
        assert_eq!(empty.value_key.map(|k| k.start.line), Some(16));
        let huge = index_one("value: 3000000000\n");
        assert_eq!(huge.value_int, Some(3_000_000_000));
        assert_eq!(huge.value_i32(), None);
        assert!(index_one("description: none\n").value_key.is_none());
    }

    fn index_one(body: &str) -> PriorityClass {
        let text = format!("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n{body}");
        let index = index(&[&text]);
        let class = index.priority_classes()[0].item.clone();
        // Without metadata.name an object is pointed at by its kind.
        assert_eq!(class.meta.name_span(), class.meta.kind.span);
        class
    }

    #[test]
    fn sources_know_their_class_policy_and_describe_themselves() {
        let tree = [
            CLASSES.to_string(),
            "\n---\n".to_string(),
            workload("DaemonSet", "none", "{containers: []}"),
            workload(
                "DaemonSet",
                "named",
                "{priorityClassName: agents, containers: []}",
            ),
            workload(
                "DaemonSet",
                "builtin",
                "{priorityClassName: system-node-critical}",
            ),
            workload("DaemonSet", "empty", "{priorityClassName: \"\"}"),
        ]
        .concat();
        let index = index(&[&tree]);
        let resolved: Vec<_> = index
            .daemonsets()
            .map(|w| index.resolve_priority(&w.item.template))
            .collect();
        let described: Vec<_> = resolved
            .iter()
            .map(|r| {
                r.as_ref()
                    .map(|r| (r.source.describe(), r.source.policy(), r.value))
            })
            .collect();
        assert_eq!(
            described,
            [
                Some((
                    "no class, so the globalDefault `quiet`".to_string(),
                    "Never",
                    10
                )),
                Some((
                    "PriorityClass `agents`".to_string(),
                    "PreemptLowerPriority",
                    1000
                )),
                Some((
                    "built-in class `system-node-critical`".to_string(),
                    "PreemptLowerPriority",
                    2_000_001_000
                )),
                Some((
                    "no class, so the globalDefault `quiet`".to_string(),
                    "Never",
                    10
                )),
            ]
        );
        // `priorityClassName: ""` is anchored at its value, a missing one at `spec:`.
        let anchors: Vec<u32> = index
            .daemonsets()
            .map(|w| w.item.template.priority_anchor().start.col)
            .collect();
        assert_eq!(anchors, [5, 31, 31, 31]);
    }

    #[test]
    fn the_first_karpenter_controller_is_found() {
        let controller = |name: &str| {
            workload(
                "Deployment",
                name,
                "{containers: [{name: c, image: public.ecr.aws/karpenter/controller:1.3.3}]}",
            )
        };
        let web = workload(
            "Deployment",
            "web",
            "{containers: [{name: w, image: nginx}]}",
        );
        let index = index(&[&web, &controller("first"), &controller("second")]);
        let found = index.karpenter_controller().map(|c| c.item.meta.name());
        assert_eq!(found, Some("first"));
        assert!(
            super::tests::index(&[&web])
                .karpenter_controller()
                .is_none()
        );
    }

    fn ceiling_of(files: &[&str]) -> (i64, Option<(FileId, u32, String)>) {
        let index = index(files);
        let ceiling = index.workload_ceiling();
        let setter = ceiling
            .workload
            .map(|w| (w.file, w.item.anchor.start.line, w.item.display.clone()));
        (ceiling.value, setter)
    }

    #[test]
    fn the_ceiling_is_set_by_the_first_workload_at_the_highest_priority() {
        let deployment = |name: &str, class: &str| classed("Deployment", name, class);
        // `agents` (1000) is asked for in the second file; `late` is asked for at the
        // same priority only later, so the first asker keeps the ceiling.
        let first = [deployment("web", "quiet"), deployment("api", "agents")].concat();
        let second = [deployment("late", "agents"), CLASSES.to_string()].concat();
        let (value, setter) = ceiling_of(&[&first, &second]);
        assert_eq!(value, 1000);
        assert_eq!(setter, Some((FileId(0), 13, "Deployment api".to_string())));
        // A tie between two classes at the same value goes to input order too.
        let twin = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
            metadata: {name: twin}\nvalue: 1000\n---\n";
        let both = [deployment("b", "twin"), deployment("a", "agents")].concat();
        let (_, setter) = ceiling_of(&[&both, CLASSES, twin]);
        assert_eq!(setter.map(|s| s.2), Some("Deployment b".to_string()));
    }

    #[test]
    fn the_ceiling_skips_daemonsets_and_workloads_kept_off_karpenter_nodes() {
        let off = workload(
            "Deployment",
            "off",
            "{priorityClassName: agents, nodeSelector: {eks.amazonaws.com/compute-type: fargate}}",
        );
        let agent = classed("DaemonSet", "agent", "system-node-critical");
        let job = workload("StatefulSet", "j", "{}");
        // Nothing counts but `j`, without a class: the globalDefault `quiet` (10).
        let (value, setter) = ceiling_of(&[&[off, agent, job].concat(), CLASSES]);
        assert_eq!(value, 10);
        assert_eq!(setter.map(|s| s.2), Some("StatefulSet j".to_string()));
    }

    #[test]
    fn workloads_on_the_builtin_system_classes_set_no_ceiling() {
        let controller = workload(
            "Deployment",
            "karpenter",
            "{priorityClassName: system-cluster-critical, containers: \
             [{name: c, image: public.ecr.aws/karpenter/controller:1.3.3}]}",
        );
        let coredns = classed("Deployment", "coredns", "system-cluster-critical");
        let cni = classed("Deployment", "cni-controller", "system-node-critical");
        let web = classed("Deployment", "web", "agents");
        // The controller is still kept whole, for the rules that read it.
        let index = index(&[&controller, &coredns, &cni]);
        assert!(index.karpenter_controller().is_some());
        assert_eq!(index.daemonsets().count(), 0);
        let ceiling = index.workload_ceiling();
        assert_eq!((ceiling.value, ceiling.workload.is_none()), (0, true));
        let (value, setter) = ceiling_of(&[&controller, &coredns, &cni, &web, CLASSES]);
        assert_eq!(value, 1000);
        assert_eq!(setter.map(|s| s.2), Some("Deployment web".to_string()));
    }

    #[test]
    fn workloads_sharing_a_class_cost_one_ceiling_entry() {
        let pods: String = (0..50)
            .map(|i| classed("ReplicaSet", &format!("r{i}"), "agents"))
            .collect();
        let index = index(&[&pods, CLASSES]);
        assert_eq!(index.ceiling_candidates.len(), 1);
        let ceiling = index.workload_ceiling();
        assert_eq!(ceiling.value, 1000);
        assert_eq!(
            ceiling.workload.map(|w| w.item.display.as_str()),
            Some("ReplicaSet r0")
        );
    }
}
