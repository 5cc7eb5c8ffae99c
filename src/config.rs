//! Settings for a run. (`.karplint.yaml` discovery and validation build on this.)

use clap::ValueEnum;

/// Whether the Karpenter-only rules run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum KarpenterMode {
    /// Run them when the inputs show the cluster uses Karpenter.
    #[default]
    Auto,
    /// Always run them.
    Always,
    /// Never run them.
    Never,
}

/// Everything that changes what a run reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub karpenter: KarpenterMode,
    /// The PriorityClass name suggested in fixes.
    pub suggested_class: String,
    /// The value suggested for a new class (raised above the workload ceiling if needed).
    pub suggested_value: i64,
    /// Priority assumed for workloads that live outside the linted files.
    pub assumed_workload_priority: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            karpenter: KarpenterMode::Auto,
            suggested_class: "daemonset-node-agents".to_string(),
            suggested_value: 1_000_000,
            assumed_workload_priority: 0,
        }
    }
}
