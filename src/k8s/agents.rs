//! Node agents recognised by DaemonSet name or container image.
//!
//! One list of globs per kind of agent, kept here so that every rule (and later lists
//! such as logging or monitoring agents) matches agents the same way.

use std::sync::LazyLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::Workload;

/// What a node agent does: how a message says what its absence costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentKind {
    /// CNI agents, kube-proxy and other node networking.
    Network,
    /// A DNS cache on every node.
    Dns,
    /// CSI node plugins.
    Storage,
    /// Device plugins and the GPU node stack.
    Device,
    /// Node credentials (EKS Pod Identity).
    Credentials,
    Logging,
    Monitoring,
    Security,
    /// Named by config `priority.node-critical` / `priority.node-agents` only.
    Other,
}

impl AgentKind {
    /// What the agent is, for messages: "a log shipper".
    pub fn noun(self) -> &'static str {
        match self {
            AgentKind::Network => "a network agent",
            AgentKind::Dns => "a node-local DNS cache",
            AgentKind::Storage => "a CSI node plugin",
            AgentKind::Device => "a device plugin",
            AgentKind::Credentials => "a node credentials agent",
            AgentKind::Logging => "a log shipper",
            AgentKind::Monitoring => "a monitoring agent",
            AgentKind::Security => "a security agent",
            AgentKind::Other => "a node agent",
        }
    }

    /// What nodes without the agent lack, for messages.
    pub fn absence(self) -> &'static str {
        match self {
            AgentKind::Network => {
                "those nodes lack the networking it provides (without their CNI agent, nodes \
                 never become Ready)"
            }
            AgentKind::Dns => "pods there resolve names without the node-local cache",
            AgentKind::Storage => "volumes of its driver cannot be mounted on those nodes",
            AgentKind::Device => "the devices of those nodes are not offered to pods",
            AgentKind::Credentials => "pods on those nodes get no credentials from it",
            AgentKind::Logging => "no logs are shipped from those nodes",
            AgentKind::Monitoring => "those nodes report no metrics or events through it",
            AgentKind::Security => "those nodes run without its protection",
            AgentKind::Other => "those nodes run without it",
        }
    }
}

/// The accelerators a device plugin (or a GPU monitoring agent) serves: it has nothing
/// to do on nodes without them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accelerator {
    Nvidia,
    Amd,
    /// AWS Inferentia and Trainium.
    Neuron,
}

/// Agents bound to one kind of accelerator, by name or image (globs as in
/// [`NODE_CRITICAL_AGENTS`]): the NVIDIA device plugin, GPU feature discovery, driver and
/// DCGM exporter; AMD's (ROCm) device plugin; the AWS Neuron device plugin and monitor.
const ACCELERATOR_AGENTS: &[(Accelerator, &[&str])] = &[
    (
        Accelerator::Nvidia,
        &["*nvidia*", "*gpu-feature-discovery*", "*dcgm*"],
    ),
    (
        Accelerator::Amd,
        &["*amdgpu*", "*amd-gpu*", "rocm/*", "*amd-device-plugin*"],
    ),
    (Accelerator::Neuron, &["*neuron*"]),
];

/// Node-critical agents: pods a node cannot work without, which legitimately run at
/// `system-node-critical`. CNI agents, kube-proxy, the node-local DNS cache, CSI node
/// plugins, GPU and other device plugins.
///
/// Each entry is a glob (globset syntax, `*` matching any run of characters `/`
/// included; case-insensitive) matched against the DaemonSet's name, and against each
/// container image's repository
/// (registry host, tag and digest aside) and every part of it after a `/`: so
/// `calico/node` matches `docker.io/calico/node:v3.28.0`, and `amazon-k8s-cni*` matches
/// `602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2`.
pub const NODE_CRITICAL_AGENTS: &[(AgentKind, &[&str])] = &[
    // CNI agents and node networking
    (
        AgentKind::Network,
        &[
            "aws-node",
            "amazon-k8s-cni*",
            "calico-node",
            "calico/node",
            "calico/cni",
            "canal",
            "cilium*",
            "istio-cni*",
            "install-cni",
            "antrea-agent*",
            "antrea/*",
            "*flannel*",
            "kube-router",
            "*multus*",
            "weave-net",
            "weave-kube",
            "kube-ovn*",
            "azure-cns",
            "netd",
            "anetd",
            "ip-masq-agent*",
            "ztunnel",
            "kube-proxy*",
        ],
    ),
    // DNS on every node
    (AgentKind::Dns, &["node-local-dns", "k8s-dns-node-cache"]),
    // Storage: CSI node plugins and their registrar sidecar
    (
        AgentKind::Storage,
        &["*csi*node*", "*csi-plugin*", "*secrets-store*"],
    ),
    // Devices: GPU, Neuron, EFA, … device plugins and the NVIDIA node stack
    (
        AgentKind::Device,
        &[
            "*device-plugin*",
            "*gpu-feature-discovery*",
            "nvidia-driver*",
            "nvidia-gpu-driver*",
            "nvidia-vgpu-manager*",
            "nvidia-container-toolkit*",
            "*kubelet-plugin*",
        ],
    ),
    // Node credentials
    (AgentKind::Credentials, &["eks-pod-identity-agent"]),
];

/// Node agents that are not node-critical but belong on every node: logging,
/// monitoring and security agents. A DaemonSet that is one of them (or a node-critical
/// agent) and cannot run on a NodePool's nodes leaves those nodes without what it does
/// (per [`AgentKind`]), so KDS013 warns about it. Globs as in [`NODE_CRITICAL_AGENTS`];
/// config `priority.node-agents` extends the list.
pub const NODE_AGENTS: &[(AgentKind, &[&str])] = &[
    // Logging
    (
        AgentKind::Logging,
        &[
            "fluent-bit*",
            "fluentbit*",
            "aws-for-fluent-bit*",
            "*fluentd*",
            "vector",
            "vector-agent*",
            "timberio/vector*",
            "promtail*",
            "grafana/promtail*",
            "*filebeat*",
            "elastic-agent*",
            "logging-agent*",
            "ama-logs*",
            "omsagent*",
            "splunk-*",
            "sumologic-*",
        ],
    ),
    // Monitoring and telemetry
    (
        AgentKind::Monitoring,
        &[
            "*node-exporter*",
            "*node_exporter*",
            "datadog*",
            "datadoghq/agent*",
            "datadog/agent*",
            "*otel-agent*",
            "*otel-collector*",
            "*opentelemetry-collector*",
            "*otelcol*",
            "grafana-agent*",
            "grafana/agent*",
            "alloy",
            "grafana/alloy*",
            "cloudwatch-agent*",
            "cwagent*",
            "*dcgm-exporter*",
            "newrelic-*",
            "newrelic/infrastructure*",
            "*oneagent*",
            "instana-agent*",
            "telegraf*",
            "netdata*",
            "cadvisor*",
            "node-problem-detector*",
            "metricbeat*",
            "ama-metrics*",
            "gke-metrics-agent*",
        ],
    ),
    // Security
    (
        AgentKind::Security,
        &[
            "falco*",
            "falcosecurity/*",
            "*crowdstrike*",
            "*falcon-sensor*",
            "aqua-*",
            "aquasec/*",
            "*twistlock*",
            "*prisma-cloud*",
            "*defender*",
            "sysdig*",
            "tetragon*",
            "*neuvector*",
            "wiz-*",
            "lacework*",
            "tracee*",
            "kubearmor*",
            "*guardduty*",
            "qualys*",
            "*sentinelone*",
            "*uptycs*",
        ],
    ),
];

impl Workload {
    /// Whether this workload is a node-critical agent (CNI, kube-proxy, CSI node plugin,
    /// device plugin, …): it matches [`NODE_CRITICAL_AGENTS`] or `extra` (config
    /// `priority.node-critical`).
    pub fn is_node_critical_agent(&self, extra: &AgentGlobs) -> bool {
        BUILT_IN_NODE_CRITICAL
            .iter()
            .any(|(_, globs)| self.matches_agent(globs))
            || self.matches_agent(extra)
    }

    /// What kind of node agent this workload is, if it is one: node-critical (built-in
    /// list and `critical`, config `priority.node-critical`), or a logging, monitoring or
    /// security agent ([`NODE_AGENTS`] and `agents`, config `priority.node-agents`). The
    /// first built-in group that matches names the kind; one matched by config only is
    /// [`AgentKind::Other`].
    pub fn node_agent_kind(&self, critical: &AgentGlobs, agents: &AgentGlobs) -> Option<AgentKind> {
        let built_in = BUILT_IN_NODE_CRITICAL
            .iter()
            .chain(BUILT_IN_NODE_AGENTS.iter())
            .find(|(_, globs)| self.matches_agent(globs))
            .map(|(kind, _)| *kind);
        built_in.or_else(|| {
            (self.matches_agent(critical) || self.matches_agent(agents)).then_some(AgentKind::Other)
        })
    }

    /// The accelerator this agent serves, if it is bound to one (a GPU device plugin).
    pub fn accelerator(&self) -> Option<Accelerator> {
        BUILT_IN_ACCELERATOR_AGENTS
            .iter()
            .find(|(_, globs)| self.matches_agent(globs))
            .map(|(accelerator, _)| *accelerator)
    }

    fn matches_agent(&self, globs: &AgentGlobs) -> bool {
        globs.matches(
            self.meta.name(),
            self.template.containers.iter().map(|c| c.image.as_str()),
        )
    }
}

/// Agent globs (as described at [`NODE_CRITICAL_AGENTS`]: globset syntax, ASCII
/// case-insensitive, `*` matching `/` too), compiled once.
#[derive(Debug, Clone, Default)]
pub struct AgentGlobs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl AgentGlobs {
    pub fn new<S: AsRef<str>>(
        patterns: impl IntoIterator<Item = S>,
    ) -> Result<AgentGlobs, globset::Error> {
        let mut builder = GlobSetBuilder::new();
        let mut kept = Vec::new();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            builder.add(GlobBuilder::new(pattern).case_insensitive(true).build()?);
            kept.push(pattern.to_string());
        }
        Ok(AgentGlobs {
            patterns: kept,
            set: builder.build()?,
        })
    }

    /// The globs as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether a glob matches the workload `name` or one of its container `images`.
    pub fn matches<'a>(&self, name: &str, images: impl IntoIterator<Item = &'a str>) -> bool {
        self.set.is_match(name)
            || images
                .into_iter()
                .any(|image| repository_suffixes(image).any(|suffix| self.set.is_match(suffix)))
    }
}

/// The built-in lists, compiled on first use, one glob set per group.
static BUILT_IN_NODE_CRITICAL: LazyLock<Vec<(AgentKind, AgentGlobs)>> =
    LazyLock::new(|| built_in(NODE_CRITICAL_AGENTS));
static BUILT_IN_NODE_AGENTS: LazyLock<Vec<(AgentKind, AgentGlobs)>> =
    LazyLock::new(|| built_in(NODE_AGENTS));
static BUILT_IN_ACCELERATOR_AGENTS: LazyLock<Vec<(Accelerator, AgentGlobs)>> =
    LazyLock::new(|| built_in(ACCELERATOR_AGENTS));

fn built_in<K: Copy>(groups: &[(K, &[&str])]) -> Vec<(K, AgentGlobs)> {
    // Constants, checked by a test: not input.
    groups
        .iter()
        .map(|(kind, patterns)| (*kind, AgentGlobs::new(*patterns).unwrap_or_default()))
        .collect()
}

/// `docker.io/calico/node:v3.28@sha256:…` → `docker.io/calico/node`, `calico/node`, `node`.
fn repository_suffixes(image: &str) -> impl Iterator<Item = &str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    // A tag follows the last `:` after the last `/` (an earlier `:` is a registry port).
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let repository = match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    };
    std::iter::once(repository).chain(
        repository
            .match_indices('/')
            .map(move |(i, _)| &repository[i + 1..]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a DaemonSet `name` running `image` matches one of the groups of `list`.
    fn listed(list: &[(AgentKind, &[&str])], name: &str, image: &str) -> bool {
        list.iter()
            .any(|(_, globs)| AgentGlobs::new(*globs).unwrap().matches(name, [image]))
    }

    fn glob(pattern: &str, text: &str) -> bool {
        AgentGlobs::new([pattern]).unwrap().matches(text, [])
    }

    #[test]
    fn the_built_in_lists_compile() {
        let count = |groups: &[(AgentKind, &[&str])]| -> usize {
            groups.iter().map(|(_, g)| g.len()).sum()
        };
        let compiled = |groups: &[(AgentKind, AgentGlobs)]| -> usize {
            groups.iter().map(|(_, g)| g.patterns().len()).sum()
        };
        assert_eq!(
            compiled(&BUILT_IN_NODE_CRITICAL),
            count(NODE_CRITICAL_AGENTS)
        );
        assert_eq!(compiled(&BUILT_IN_NODE_AGENTS), count(NODE_AGENTS));
        let accelerators: usize = ACCELERATOR_AGENTS.iter().map(|(_, g)| g.len()).sum();
        let compiled: usize = BUILT_IN_ACCELERATOR_AGENTS
            .iter()
            .map(|(_, g)| g.patterns().len())
            .sum();
        assert_eq!(compiled, accelerators);
    }

    #[test]
    fn globs() {
        assert!(glob("aws-node", "aws-node"));
        assert!(!glob("aws-node", "aws-node-termination-handler"));
        assert!(glob("*csi*node*", "ebs-csi-node"));
        assert!(glob("*csi*node*", "csi-node-driver-registrar"));
        assert!(!glob("*csi*node*", "ebs-csi-controller"));
        assert!(glob("kube-proxy*", "KUBE-PROXY"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "a"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        // The config validates these globs with globset, and they match as globset does.
        assert!(glob("my-cni-?", "my-cni-a"));
        assert!(glob("{calico,cilium}-node", "Cilium-Node"));
        assert!(glob("agent-[0-9]", "agent-7") && !glob("agent-[0-9]", "agent-x"));
    }

    #[test]
    fn image_repositories() {
        let parts = |image| repository_suffixes(image).collect::<Vec<_>>();
        assert_eq!(
            parts("docker.io/calico/node:v3.28.0"),
            ["docker.io/calico/node", "calico/node", "node"]
        );
        assert_eq!(
            parts("localhost:5000/kube-proxy@sha256:abc"),
            ["localhost:5000/kube-proxy", "kube-proxy"]
        );
        assert_eq!(parts("nginx"), ["nginx"]);
        assert_eq!(parts(""), [""]);
        assert_eq!(parts("weird/:"), ["weird/", ""]);
    }

    #[test]
    fn node_critical_agents_by_name_or_image() {
        let critical = |name: &str, image: &str| listed(NODE_CRITICAL_AGENTS, name, image);
        assert!(critical(
            "aws-node",
            "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2"
        ));
        assert!(critical("calico", "docker.io/calico/node:v3.28.0"));
        assert!(critical("cilium", "quay.io/cilium/cilium:v1.16.0"));
        // Istio's CNI node agent (kubeflow's istio-install ships it on system-node-critical).
        assert!(critical(
            "istio-cni-node",
            "docker.io/istio/install-cni:1.22.1"
        ));
        assert!(critical("cni", "gcr.io/istio-release/install-cni:1.22.1"));
        assert!(critical("kube-proxy", "registry.k8s.io/kube-proxy:v1.30.0"));
        assert!(critical(
            "ebs-csi-node",
            "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0"
        ));
        assert!(critical(
            "nvidia-device-plugin-daemonset",
            "nvcr.io/nvidia/k8s-device-plugin:v0.16.2"
        ));
        assert!(critical(
            "anything",
            "nvcr.io/nvidia/k8s-device-plugin:v0.16.2"
        ));
        assert!(!critical(
            "fluent-bit",
            "cr.fluentbit.io/fluent/fluent-bit:3.2.4"
        ));
        assert!(!critical(
            "node-exporter",
            "quay.io/prometheus/node-exporter:v1.8.2"
        ));
        assert!(!critical("datadog-agent", "gcr.io/datadoghq/agent:7"));
        assert!(!critical("test", "ghcr.io/kyverno/test-busybox:1.35"));
    }

    #[test]
    fn logging_monitoring_and_security_agents() {
        let agent = |name: &str, image: &str| listed(NODE_AGENTS, name, image);
        for (name, image) in [
            ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.2.4"),
            (
                "logs",
                "docker.io/fluent/fluentd-kubernetes-daemonset:v1.17",
            ),
            ("vector", "timberio/vector:0.43.0-distroless-libc"),
            ("promtail", "docker.io/grafana/promtail:3.0.0"),
            ("node-exporter", "quay.io/prometheus/node-exporter:v1.8.2"),
            ("datadog-agent", "gcr.io/datadoghq/agent:7.60.0"),
            ("otel-agent", "otel/opentelemetry-collector-contrib:0.115.0"),
            (
                "nvidia-dcgm-exporter",
                "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.9",
            ),
            ("falco", "docker.io/falcosecurity/falco:0.39.2"),
            (
                "falcon-node-sensor",
                "registry.crowdstrike.com/falcon-sensor/release/falcon-sensor:7",
            ),
            ("aqua-enforcer", "registry.aquasec.com/enforcer:2022.4"),
            (
                "twistlock-defender-ds",
                "registry.twistlock.com/twistlock/defender:defender_32_07",
            ),
        ] {
            assert!(agent(name, image), "{name}");
        }
        for (name, image) in [
            ("router", "example.com/router:1"),
            ("web", "nginx:1.27"),
            ("image-puller", "registry.k8s.io/pause:3.10"),
        ] {
            assert!(!agent(name, image), "{name}");
        }
    }

    fn workload(name: &str, image: &str) -> Workload {
        let text = format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}}}\nspec:\n  template:\n    \
             spec:\n      containers: [{{name: c, image: '{image}'}}]\n"
        );
        let mut stream = crate::yaml::DocumentStream::new(&text, crate::source::FileId::default());
        let doc = stream.next().and_then(Result::ok).expect("a document");
        match crate::k8s::read_object(&doc, doc.root().expect("a root")) {
            Some(crate::k8s::Object::Workload(workload)) => *workload,
            other => panic!("not a workload: {other:?}"),
        }
    }

    #[test]
    fn kinds_of_agents_and_their_accelerators() {
        let none = AgentGlobs::default();
        let kind = |name, image| workload(name, image).node_agent_kind(&none, &none);
        let accelerator = |name, image| workload(name, image).accelerator();
        for (name, image, expected) in [
            ("aws-node", "amazon-k8s-cni:v1.19.2", AgentKind::Network),
            (
                "kube-proxy",
                "registry.k8s.io/kube-proxy:v1.30.0",
                AgentKind::Network,
            ),
            ("node-local-dns", "k8s-dns-node-cache:1.23", AgentKind::Dns),
            (
                "ebs-csi-node",
                "aws-ebs-csi-driver:v1.35.0",
                AgentKind::Storage,
            ),
            (
                "x",
                "nvcr.io/nvidia/k8s-device-plugin:v0.16.2",
                AgentKind::Device,
            ),
            (
                "fluent-bit",
                "cr.fluentbit.io/fluent/fluent-bit:3.2.4",
                AgentKind::Logging,
            ),
            (
                "node-exporter",
                "quay.io/prometheus/node-exporter:v1.8.2",
                AgentKind::Monitoring,
            ),
            (
                "falco",
                "docker.io/falcosecurity/falco:0.39.2",
                AgentKind::Security,
            ),
        ] {
            assert_eq!(kind(name, image), Some(expected), "{name}");
        }
        assert_eq!(kind("web", "nginx:1.27"), None);
        let extra = AgentGlobs::new(["web*"]).unwrap();
        assert_eq!(
            workload("web", "nginx:1.27").node_agent_kind(&none, &extra),
            Some(AgentKind::Other)
        );
        for (name, image, expected) in [
            (
                "nvidia-device-plugin-daemonset",
                "nvcr.io/nvidia/k8s-device-plugin:v0.16.2",
                Accelerator::Nvidia,
            ),
            (
                "dcgm-exporter",
                "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.9",
                Accelerator::Nvidia,
            ),
            (
                "amdgpu-device-plugin-daemonset",
                "rocm/k8s-device-plugin:1.31",
                Accelerator::Amd,
            ),
            (
                "neuron-device-plugin-daemonset",
                "public.ecr.aws/neuron/neuron-device-plugin:2.22",
                Accelerator::Neuron,
            ),
        ] {
            assert_eq!(accelerator(name, image), Some(expected), "{name}");
        }
        assert_eq!(accelerator("efa", "aws-efa-k8s-device-plugin:v0.5.6"), None);
        assert_eq!(accelerator("fluent-bit", "fluent-bit:3.2.4"), None);
    }
}
