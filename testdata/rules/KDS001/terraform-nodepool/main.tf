# The only Karpenter object is a NodePool in Terraform: `--karpenter auto` turns the
# Karpenter rules on, and the verdict names this file and line.
locals {
  node_pool = {
    apiVersion = "karpenter.sh/v1"
    kind       = "NodePool"
    metadata   = { name = "default" }
    spec = {
      template = {
        spec = {
          nodeClassRef = { group = "karpenter.k8s.aws", kind = "EC2NodeClass", name = "default" }
          requirements = [
            { key = "kubernetes.io/arch", operator = "In", values = ["amd64", "arm64"] },
          ]
        }
      }
    }
  }
}

resource "kubectl_manifest" "node_pool" {
  yaml_body = yamlencode(local.node_pool)
}
