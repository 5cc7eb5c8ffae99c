# NodePools declared in Terraform are context: their literal taints count, computed
# ones (`${...}`, references) are unknown and never make a finding.
resource "kubectl_manifest" "karpenter_node_class" {
  yaml_body = yamlencode({
    apiVersion = "karpenter.k8s.aws/v1"
    kind       = "EC2NodeClass"
    metadata = {
      name = "default"
    }
    spec = {
      role             = var.node_role
      amiSelectorTerms = [{ alias = "al2023@latest" }]
    }
  })
}

resource "kubectl_manifest" "gpu" {
  yaml_body = <<-YAML
    apiVersion: karpenter.sh/v1
    kind: NodePool
    metadata:
      name: gpu
    spec:
      template:
        spec:
          nodeClassRef:
            group: karpenter.k8s.aws
            kind: EC2NodeClass
            name: default
          taints:
            - key: nvidia.com/gpu
              value: "true"
              effect: NoSchedule
  YAML
}

resource "kubernetes_manifest" "batch" {
  manifest = {
    apiVersion = "karpenter.sh/v1"
    kind       = "NodePool"
    metadata = {
      name = "batch"
    }
    spec = {
      template = {
        spec = {
          nodeClassRef = {
            group = "karpenter.k8s.aws"
            kind  = "EC2NodeClass"
            name  = "default"
          }
          taints = [
            {
              key    = "workload"
              value  = "batch"
              effect = "NoSchedule"
            },
          ]
        }
      }
    }
  }
}

resource "kubectl_manifest" "team" {
  yaml_body = <<-YAML
    apiVersion: karpenter.sh/v1
    kind: NodePool
    metadata:
      name: ${var.team}
    spec:
      template:
        spec:
          nodeClassRef:
            group: karpenter.k8s.aws
            kind: EC2NodeClass
            name: default
          requirements:
            - key: karpenter.sh/capacity-type
              operator: In
              values: ${jsonencode(var.capacity_types)}
          taints:
            - key: ${var.taint_key}
              effect: NoSchedule
  YAML
}
