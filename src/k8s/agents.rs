//! Node agents recognised by DaemonSet name or container image.
//!
//! One list of globs per kind of agent, kept here so that every rule (and later lists
//! such as logging or monitoring agents) matches agents the same way.

use std::sync::LazyLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::Workload;

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
pub const NODE_CRITICAL_AGENTS: &[&str] = &[
    // CNI agents and node networking
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
    // DNS on every node
    "node-local-dns",
    "k8s-dns-node-cache",
    // Storage: CSI node plugins and their registrar sidecar
    "*csi*node*",
    "*csi-plugin*",
    "*secrets-store*",
    // Devices: GPU, Neuron, EFA, … device plugins and the NVIDIA node stack
    "*device-plugin*",
    "*gpu-feature-discovery*",
    "nvidia-driver*",
    "nvidia-gpu-driver*",
    "nvidia-vgpu-manager*",
    "nvidia-container-toolkit*",
    "*kubelet-plugin*",
    // Node credentials
    "eks-pod-identity-agent",
];

/// Node agents that are not node-critical but belong on every node: logging,
/// monitoring and security agents. A DaemonSet that is one of them (or a node-critical
/// agent) and cannot run on a NodePool's nodes leaves those nodes without logs, metrics
/// or protection, so KDS013 warns about it. Globs as in [`NODE_CRITICAL_AGENTS`];
/// config `priority.node-agents` extends the list.
pub const NODE_AGENTS: &[&str] = &[
    // Logging
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
    // Monitoring and telemetry
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
    // Security
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
];

impl Workload {
    /// Whether this workload is a node-critical agent (CNI, kube-proxy, CSI node plugin,
    /// device plugin, …): it matches [`NODE_CRITICAL_AGENTS`] or `extra` (config
    /// `priority.node-critical`).
    pub fn is_node_critical_agent(&self, extra: &AgentGlobs) -> bool {
        self.matches_agent(&BUILT_IN_NODE_CRITICAL) || self.matches_agent(extra)
    }

    /// Whether this workload is a node agent: node-critical (built-in list and `critical`,
    /// config `priority.node-critical`), or a logging, monitoring or security agent
    /// ([`NODE_AGENTS`] and `agents`, config `priority.node-agents`).
    pub fn is_node_agent(&self, critical: &AgentGlobs, agents: &AgentGlobs) -> bool {
        self.is_node_critical_agent(critical)
            || self.matches_agent(&BUILT_IN_NODE_AGENTS)
            || self.matches_agent(agents)
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

/// The built-in lists, compiled on first use.
static BUILT_IN_NODE_CRITICAL: LazyLock<AgentGlobs> =
    LazyLock::new(|| built_in(NODE_CRITICAL_AGENTS));
static BUILT_IN_NODE_AGENTS: LazyLock<AgentGlobs> = LazyLock::new(|| built_in(NODE_AGENTS));

fn built_in(patterns: &[&str]) -> AgentGlobs {
    // Constants, checked by a test: not input.
    AgentGlobs::new(patterns).unwrap_or_default()
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

    /// Whether a DaemonSet `name` running `image` matches one of `list`.
    fn listed(list: &[&str], name: &str, image: &str) -> bool {
        AgentGlobs::new(list).unwrap().matches(name, [image])
    }

    fn glob(pattern: &str, text: &str) -> bool {
        AgentGlobs::new([pattern]).unwrap().matches(text, [])
    }

    #[test]
    fn the_built_in_lists_compile() {
        for list in [NODE_CRITICAL_AGENTS, NODE_AGENTS] {
            assert_eq!(AgentGlobs::new(list).unwrap().patterns().len(), list.len());
        }
        assert_eq!(
            BUILT_IN_NODE_CRITICAL.patterns().len(),
            NODE_CRITICAL_AGENTS.len()
        );
        assert_eq!(BUILT_IN_NODE_AGENTS.patterns().len(), NODE_AGENTS.len());
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
}
