//! The priority rules (KDS001–KDS009, KDS015) on real manifests from `../shared/corpus`:
//! PriorityClasses from public repositories and other linters' fixtures about priority
//! classes. Each expectation was derived by reading the files; the tests skip cleanly
//! when the corpus is absent.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{CAPACITY_RULES, corpus, root, run};

/// One line of concise output, its path relative to the corpus category (or, for files
/// outside it, just the file name).
#[derive(Debug)]
struct Finding {
    at: String,
    code: String,
    message: String,
}

/// The real DaemonSets here often omit resources, which is not what this file is about:
/// the capacity rules have their own corpus tests (`corpus_capacity.rs`).
fn lint(base: &Path, args: &[&str], paths: &[&Path]) -> Vec<Finding> {
    let mut argv: Vec<String> = ["--format", "concise", "--fail-on", "never", "--ignore"]
        .iter()
        .chain(&[CAPACITY_RULES])
        .chain(args)
        .map(|s| s.to_string())
        .collect();
    argv.extend(paths.iter().map(|p| p.to_string_lossy().into_owned()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let out = run(&argv);
    assert_eq!(out.code, 0, "{argv:?}: {}", out.stderr);
    let prefix = format!("{}/", base.display());
    out.stdout
        .lines()
        .map(|line| {
            let (location, rest) = line.split_once(": ").expect("path:line:col: …");
            // The paths here have no `:`; line and column follow the first one.
            let (path, position) = location.split_once(':').expect("a position");
            let file = match path.strip_prefix(&prefix) {
                Some(relative) => relative.to_string(),
                None => Path::new(path)
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            let code = rest
                .split_once('[')
                .and_then(|(_, tail)| tail.split_once(']'))
                .map(|(code, _)| code.to_string())
                .expect("a code");
            let message = rest.split_once("] ").map_or("", |(_, m)| m).to_string();
            Finding {
                at: format!("{file}:{position}"),
                code,
                message,
            }
        })
        .collect()
}

/// `file:line:col CODE` of each finding, in output order.
fn summary(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{} {}", f.at, f.code))
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write a fixture");
    path
}

fn daemonset(name: &str, class: Option<&str>) -> String {
    let class = class.map_or(String::new(), |c| format!("      priorityClassName: {c}\n"));
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  namespace: agents\n\
         spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    \
         metadata: {{labels: {{app: {name}}}}}\n    spec:\n{class}      containers:\n        \
         - {{name: {name}, image: example.com/{name}:1}}\n"
    )
}

const ZALANDO: &str = "zalando-incubator__kubernetes-on-aws/cluster/manifests/01-priorityclasses/\
                       cluster-critical-nonpreempting.yaml";
const GKE_WORKLOADS: &str =
    "GoogleCloudPlatform__kubernetes-engine-samples/ai-ml/mix-train-and-inference/workloads";

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn zalando_nonpreempting_class_makes_a_daemonset_on_it_kds004() {
    let classes = corpus("priorityclasses");
    let class = classes.join(ZALANDO);
    let dir = tempfile::tempdir().unwrap();
    let ds = write(
        dir.path(),
        "fluent-bit.yaml",
        &daemonset("fluent-bit", Some("cluster-critical-nonpreempting")),
    );
    // Linted together: the class (1000000000, Never) is valid, the DaemonSet on it never
    // preempts. Line 11 is the DaemonSet's priorityClassName; line 6 the class's policy.
    let found = lint(&classes, &["--karpenter", "always"], &[&class, &ds]);
    assert_eq!(summary(&found), ["fluent-bit.yaml:11:26 KDS004"]);
    assert!(
        found[0].message.contains(&format!(
            "PriorityClass `cluster-critical-nonpreempting` (value 1000000000, {}/{ZALANDO}:6)",
            classes.display()
        )),
        "{}",
        found[0].message
    );
    // The same with the class as context: it still resolves, and is never reported on.
    let context = class.to_string_lossy().into_owned();
    let found = lint(
        &classes,
        &["--karpenter", "always", "--context", &context],
        &[&ds],
    );
    assert_eq!(summary(&found), ["fluent-bit.yaml:11:26 KDS004"]);
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn gke_default_priority_nonpreempting_is_the_global_default() {
    let classes = corpus("priorityclasses");
    let workloads = classes.join(GKE_WORKLOADS);
    // Three valid classes, one of them the (non-preempting) globalDefault: nothing to say.
    assert!(lint(&classes, &["--karpenter", "always"], &[&workloads]).is_empty());

    let dir = tempfile::tempdir().unwrap();
    let on_default = write(
        dir.path(),
        "on-default.yaml",
        &daemonset("exporter", Some("default-priority-nonpreempting")),
    );
    let no_class = write(dir.path(), "no-class.yaml", &daemonset("shipper", None));
    let found = lint(
        &classes,
        &["--karpenter", "always"],
        &[&workloads, &no_class, &on_default],
    );
    // On the default class: it never preempts (KDS004) and shares the default (KDS005).
    // Without a class: KDS001, naming the default it falls back to.
    assert_eq!(
        summary(&found),
        [
            "no-class.yaml:10:5 KDS001",
            "on-default.yaml:11:26 KDS004",
            "on-default.yaml:11:26 KDS005",
        ]
    );
    assert!(
        found[0]
            .message
            .contains("the globalDefault class `default-priority-nonpreempting` (value 10)")
    );
    assert!(found[2].message.contains(&format!(
        "{GKE_WORKLOADS}/default-priorityclass.yaml:22), the cluster's globalDefault"
    )));
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn two_projects_with_a_global_default_each_make_one_kds008() {
    let classes = corpus("priorityclasses");
    // GKE's `default-priority-nonpreempting` and eks-workshop's `default` (value 0) are both
    // `globalDefault: true`: one finding at the first, the other labelled.
    let eks = classes.join(
        "aws-samples__eks-workshop-v2/manifests/modules/autoscaling/compute/overprovisioning/setup",
    );
    // eks-workshop's class file named alone: its directory is a kustomization, whose root is
    // a cluster of its own when the directory is named (below).
    let eks_class = eks.join("priorityclass-default.yaml");
    let found = lint(&classes, &[], &[&classes.join(GKE_WORKLOADS), &eks_class]);
    assert_eq!(
        summary(&found),
        [format!(
            "{GKE_WORKLOADS}/default-priorityclass.yaml:22:16 KDS008"
        )]
    );
    assert!(found[0].message.starts_with(
        "2 PriorityClasses are globalDefault (`default-priority-nonpreempting`, `default`)"
    ));
    // The kustomization named: its class is in its own cluster, not beside GKE's. (This
    // passed with one KDS008 while the tests named the corpus through `..`, which made the
    // kustomization's files loose files of the default cluster as well.)
    let found = lint(&classes, &[], &[&classes.join(GKE_WORKLOADS), &eks]);
    assert_eq!(summary(&found), Vec::<String>::new());
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn volcano_high_pri_is_defined_twice_on_a_removed_api() {
    let classes = corpus("priorityclasses");
    let dir = "volcano-sh__volcano/example/kubecon-2019-china/task-priority";
    // high-priority.yaml says `high-pri` is 1000, normal-priority.yaml says `high-pri` is
    // 10 (the name was never changed); both on scheduling.k8s.io/v1beta1. The ReplicaSet and
    // the Volcano Job (batch.volcano.sh, not a workload kind) are silent.
    let found = lint(&classes, &[], &[&classes.join(dir)]);
    assert_eq!(
        summary(&found),
        [
            format!("{dir}/high-priority.yaml:1:13 KDS009"),
            format!("{dir}/normal-priority.yaml:1:13 KDS009"),
            format!("{dir}/normal-priority.yaml:4:9 KDS008"),
            // Without `clusters:`, once: maybe these are two clusters.
            format!("{dir}/normal-priority.yaml:4:9 KDS020"),
        ]
    );
    assert!(found[2].message.contains(&format!(
        "also defined at {}/{dir}/high-priority.yaml:4 with a different spec (value 10 here, \
         1000 there)",
        classes.display()
    )));
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn removed_api_versions_are_kds009() {
    let classes = corpus("priorityclasses");
    let datree = "datreeio__datree/pkg/policy/tests/107";
    let found = lint(&classes, &[], &[&classes.join(datree)]);
    // The v1alpha1 copy fails; the v1 copy (same name, same spec) is fine.
    assert_eq!(
        summary(&found),
        [format!("{datree}/fail/107-fail.yaml:1:13 KDS009")]
    );
    assert!(found[0].message.contains("scheduling.k8s.io/v1alpha1"));
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn valid_real_classes_and_adequate_daemonsets_are_silent() {
    let classes = corpus("priorityclasses");
    for dir in [
        // 1000000000 exactly: the highest a user class may have.
        "kubernetes-sigs__kubespray",
        // A negative class and the non-preempting 1000000000 default.
        "zalando-incubator__kubernetes-on-aws",
        // Values 0 (globalDefault) and -1, and a Deployment on the -1 class.
        "aws-samples__eks-workshop-v2/manifests/modules/autoscaling",
        // A DaemonSet at 999999999, above everything else in the sample.
        "GoogleCloudPlatform__kubernetes-engine-samples/observability",
        // The CSI node DaemonSets (900001000) are above the controller (900000000).
        "kubernetes__perf-tests",
        "GoogleCloudPlatform__kubernetes-engine-samples/ai-ml",
    ] {
        let found = lint(&classes, &["--karpenter", "always"], &[&classes.join(dir)]);
        assert!(found.is_empty(), "{dir}: {:?}", summary(&found));
    }
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn eks_workshop_daemonset_shares_its_class_with_the_workload() {
    let classes = corpus("priorityclasses");
    let dir = classes
        .join("aws-samples__eks-workshop-v2/manifests/modules/troubleshooting/workernodes/yaml");
    let files: Vec<PathBuf> = ["priority-class.yaml", "deployment.yaml", "daemonset.yaml"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    // prod-ds and prod-app both use `high-priority` (1000000): equal is not above.
    let found = lint(&dir, &["--karpenter", "always"], &paths);
    assert_eq!(summary(&found), ["daemonset.yaml:15:26 KDS003"]);
    assert!(
        found[0].message.contains(
            "not above Deployment prod/prod-app at 1000000 (PriorityClass `high-priority`"
        )
    );
    // The whole module also has metrics-server on system-cluster-critical, which does not
    // set the ceiling (a built-in system class); and a ConfigMap with a duplicated key.
    let found = lint(&dir, &["--karpenter", "always"], &[&dir]);
    assert_eq!(
        summary(&found),
        [
            "configmaps-new.yaml:59:1 KDS901",
            "daemonset.yaml:15:26 KDS003"
        ]
    );
    assert!(
        found[1]
            .message
            .contains("not above Deployment prod/prod-app at 1000000"),
        "{}",
        found[1].message
    );
}

/// KDS003 over each category of the corpus, linted as one tree with `--karpenter always`:
/// it fires only where an ordinary workload outranks the DaemonSet. Workloads on the
/// built-in system classes (CoreDNS, metrics-server, CNI controllers) set no ceiling; when
/// they did, there were 123 findings here, 121 of them against such a workload at
/// 2000000000 or 2000001000 that no user class can outrank.
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn kds003_fires_only_where_an_ordinary_workload_outranks_the_daemonset() {
    let all = corpus("");
    // Without the trailing `/` of `corpus("")`, so that paths print relative to it.
    let all: PathBuf = all.components().collect();
    let mut categories: Vec<PathBuf> = fs::read_dir(&all)
        .expect("the corpus is readable")
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.is_dir())
        .collect();
    categories.sort();
    let mut found = Vec::new();
    for category in &categories {
        let args = ["--karpenter", "always", "--select", "KDS003"];
        found.extend(lint(&all, &args, &[category]));
    }
    assert_eq!(summary(&found), EXPECTED_KDS003, "{found:#?}");
    for finding in &found {
        assert!(!finding.message.contains("system-"), "{}", finding.message);
    }
}

/// Each read by hand: the workload named in each message is an ordinary one at or above
/// the DaemonSet. Longhorn's manager DaemonSet shares `longhorn-critical` (1000000000) with
/// its driver deployer; the blueprint's headroom reserver (900000000) is below
/// `burst-critical` (1000000000); eks-workshop's `prod-ds` (1000000), linted with the rest
/// of its category as one cluster, is below perf-tests' CSI controller (900000000).
const EXPECTED_KDS003: &[&str] = &[
    "daemonsets/longhorn__longhorn/deploy/longhorn-okd.yaml:5781:26 KDS003",
    "daemonsets/longhorn__longhorn/deploy/longhorn.yaml:5718:26 KDS003",
    "karpenter/aws-samples__karpenter-blueprints/blueprints/node-reserved-headroom/daemonset.yaml:19:26 KDS003",
    "priorityclasses/aws-samples__eks-workshop-v2/manifests/modules/troubleshooting/workernodes/yaml/daemonset.yaml:15:26 KDS003",
];

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn gke_autopilot_sample_gets_its_own_class_suggested() {
    let classes = corpus("priorityclasses");
    let dir = classes
        .join("GoogleCloudPlatform__kubernetes-engine-samples/autopilot/daemonset-best-practices");
    let found = lint(&dir, &["--karpenter", "always"], &[&dir]);
    assert_eq!(summary(&found), ["daemon-set.yml:32:5 KDS001"]);
    // The sample's own `daemonset-priority` (1000, preempting) is above every workload.
    let path = dir.to_string_lossy().into_owned();
    let out = run(&["--color", "never", "--karpenter", "always", &path]);
    assert!(
        out.stdout
            .contains("set the existing class `daemonset-priority` (value 1000"),
        "{}",
        out.stdout
    );
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn kube_linter_priority_class_name_fixture() {
    let peers = corpus("peer-fixtures");
    let file = "stackrox__kube-linter/tests/checks/priority-class-name.yaml";
    let found = lint(&peers, &["--karpenter", "always"], &[&peers.join(file)]);
    // kube-linter only checks names against an allow-list. karplint: `fire` is defined
    // nowhere (KDS002, line 88). `dont-fire-daemonset` is on system-cluster-critical like the
    // `dont-fire-*` workloads, which as built-in system classes set no workload ceiling.
    // Pods, Deployments and the rest are not DaemonSets.
    assert_eq!(summary(&found), [format!("{file}:88:26 KDS002")]);
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn polaris_priority_class_not_set_fixtures_have_no_daemonset() {
    let peers = corpus("peer-fixtures");
    // Polaris flags the Pod without a class; karplint is about DaemonSets, and a Pod's
    // unknown `high-priority` is not its business.
    let dir = peers.join("FairwindsOps__polaris/test/checks/priorityClassNotSet");
    assert!(lint(&peers, &["--karpenter", "always"], &[&dir]).is_empty());
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn kyverno_karpenter_daemonset_policy_resources() {
    let peers = corpus("peer-fixtures");
    for policy in ["karpenter", "karpenter-mpol"] {
        let dir = format!("kyverno__policies/{policy}/add-karpenter-daemonset-priority-class");
        let found = lint(&peers, &["--karpenter", "always"], &[&peers.join(&dir)]);
        // Before the policy: no class (KDS001) and a made-up `system-node-not-critical`
        // (KDS002). After it: system-node-critical on agents that are not node-critical
        // (KDS006).
        assert_eq!(
            summary(&found),
            [
                format!("{dir}/.chainsaw-test/patched-resource.yaml:17:26 KDS006"),
                format!("{dir}/.chainsaw-test/patched-resource.yaml:35:26 KDS006"),
                format!("{dir}/.chainsaw-test/resource.yaml:13:5 KDS001"),
                format!("{dir}/.chainsaw-test/resource.yaml:34:26 KDS002"),
                format!("{dir}/.kyverno-test/daemonset-patched.yaml:18:26 KDS006"),
                format!("{dir}/.kyverno-test/daemonset.yaml:14:5 KDS001"),
            ],
            "{policy}"
        );
    }
    // With the Karpenter controller in the tree, the patched DaemonSets outrank it too:
    // exactly the KDS006/KDS015 situation.
    let dir = "kyverno__policies/karpenter/add-karpenter-daemonset-priority-class";
    let patched = peers.join(dir).join(".chainsaw-test/patched-resource.yaml");
    let controller = root().join("testdata/rules/KDS015/controller-in-other-file/karpenter.yaml");
    let found = lint(&peers, &[], &[&patched, &controller]);
    assert_eq!(
        summary(&found),
        [
            format!("{dir}/.chainsaw-test/patched-resource.yaml:17:26 KDS006"),
            format!("{dir}/.chainsaw-test/patched-resource.yaml:17:26 KDS015"),
            format!("{dir}/.chainsaw-test/patched-resource.yaml:35:26 KDS006"),
            format!("{dir}/.chainsaw-test/patched-resource.yaml:35:26 KDS015"),
        ]
    );
    assert!(
        found[1].message.contains(
            "above the Karpenter controller Deployment kube-system/karpenter at 2000000000"
        )
    );
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn kyverno_require_pod_priority_class_name_has_no_daemonset() {
    let peers = corpus("peer-fixtures");
    // Pods, Deployments and CronJobs with and without the class `high` (1234): no
    // DaemonSet, and the class is valid.
    for variant in ["other", "other-cel", "other-vpol"] {
        let dir = peers.join(format!(
            "kyverno__policies/{variant}/require-pod-priorityclassname"
        ));
        let found = lint(&peers, &["--karpenter", "always"], &[&dir]);
        assert!(found.is_empty(), "{variant}: {:?}", summary(&found));
    }
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn datree_deprecated_api_skeletons() {
    let peers = corpus("peer-fixtures");
    let dir = "datreeio__datree/examples/prevent_deprecated_apis";
    // Skeleton objects: a PriorityClass with only `value:` (empty), on v1beta1 in fail.yaml
    // and v1 in pass.yaml.
    let found = lint(&peers, &[], &[&peers.join(dir)]);
    assert_eq!(
        summary(&found),
        [
            format!("{dir}/fail.yaml:94:13 KDS009"),
            format!("{dir}/fail.yaml:96:1 KDS008"),
            format!("{dir}/pass.yaml:111:1 KDS008"),
        ]
    );
    assert!(found[1].message.contains("has an empty `value`"));
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn real_daemonsets_lint_without_noise_from_node_critical_agents() {
    let daemonsets = corpus("daemonsets");
    // CNI, CSI node plugins and device plugins on system-node-critical are recognised by
    // name or image. The one KDS006 left is Antrea's cookbook `macvlan-host-init`, a generic
    // `startup-script` image that nothing identifies as a network agent (info; the config's
    // `priority.node-critical` can list it).
    let mut kds006 = Vec::new();
    for project in [
        "projectcalico__calico",
        "aws__amazon-vpc-cni-k8s",
        "antrea-io__antrea",
        "flannel-io__flannel",
        "cloudnativelabs__kube-router",
        "k8snetworkplumbingwg__multus-cni",
        "kubernetes-sigs__aws-ebs-csi-driver",
        "kubernetes-sigs__aws-efs-csi-driver",
        "kubernetes-sigs__secrets-store-csi-driver",
        "NVIDIA__k8s-device-plugin",
    ] {
        let found = lint(
            &daemonsets,
            &["--karpenter", "always"],
            &[&daemonsets.join(project)],
        );
        kds006.extend(
            found
                .into_iter()
                .filter(|f| f.code == "KDS006")
                .map(|f| f.at),
        );
    }
    assert_eq!(
        kds006,
        ["antrea-io__antrea/docs/cookbooks/multus/resources/macvlan-host-init.yml:24:26"]
    );
}

/// `--diff` over the whole corpus: the only automatic fixes it finds are the removed
/// PriorityClass API versions, each a one-line `apiVersion` change, and nothing is written.
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn the_corpus_diff_only_moves_removed_class_apis_to_v1() {
    let all = corpus("");
    let all = all.to_string_lossy().into_owned();
    let out = run(&["--diff", &all]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let files: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("+++ "))
        .map(|path| path.rsplit("corpus/").next().unwrap_or(path))
        .collect();
    assert_eq!(
        files,
        [
            "peer-fixtures/datreeio__datree/examples/prevent_deprecated_apis/fail.yaml",
            "peer-fixtures/datreeio__datree/pkg/policy/tests/107/fail/107-fail.yaml",
            "priorityclasses/datreeio__datree/pkg/policy/tests/107/fail/107-fail.yaml",
            "priorityclasses/volcano-sh__volcano/example/kubecon-2019-china/task-priority/high-priority.yaml",
            "priorityclasses/volcano-sh__volcano/example/kubecon-2019-china/task-priority/normal-priority.yaml",
        ]
    );
    let changed: Vec<&str> = out
        .stdout
        .lines()
        .filter(|line| {
            (line.starts_with('-') || line.starts_with('+'))
                && !line.starts_with("---")
                && !line.starts_with("+++")
        })
        .collect();
    assert_eq!(changed.len(), 10, "{}", out.stdout);
    for pair in changed.chunks(2) {
        assert!(
            pair[0].starts_with("-apiVersion: scheduling.k8s.io/v1")
                && pair[1] == "+apiVersion: scheduling.k8s.io/v1",
            "{pair:?}"
        );
    }
    assert!(
        out.stderr.contains("5 findings fixable in 5 files"),
        "{}",
        out.stderr
    );
}
