#!/usr/bin/env bash
# One command for the keys the relay and Argo CD share: creates Secret `argocd-assistant-keys` (conversation,
# scope and llama-stack credential signing keys, proxy secret; random) in the assistant's namespace and puts the same proxy secret into
# Argo CD's `argocd-secret` (key `assistant.proxySecret`, which the proxy extension's service header reads).
# Run again, it keeps the existing keys and only writes the proxy secret to argocd-secret once more;
# ROTATE_PROXY_SECRET=1 replaces the proxy secret in both Secrets.
#
#   deploy/scripts/create-keys.sh [ASSISTANT_NAMESPACE] [ARGOCD_NAMESPACE]   # defaults: argocd-assistant argocd
#   KUBECTL="oc" deploy/scripts/create-keys.sh argocd-assistant openshift-gitops
#   ROTATE_PROXY_SECRET=1 deploy/scripts/create-keys.sh
#
# Argo CD reads `$assistant.proxySecret` only when it builds the proxy (at start, or when the text of
# extension.config changes): after a new or rotated proxy secret, restart argocd-server, and the relay (it
# reads the key at start). The script prints the commands.
set -euo pipefail

ns=${1:-argocd-assistant}
argocd_ns=${2:-argocd}
kubectl=${KUBECTL:-kubectl}

random_key() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

existing=$($kubectl -n "$ns" get secret argocd-assistant-keys -o 'jsonpath={.data.proxy-secret}' 2>/dev/null || true)
if [ -n "$existing" ] && [ "${ROTATE_PROXY_SECRET:-0}" = "1" ]; then
  proxy_secret=$(random_key)
  $kubectl -n "$ns" patch secret argocd-assistant-keys --type merge \
    -p "{\"stringData\":{\"proxy-secret\":\"$proxy_secret\"}}"
  echo "argocd-assistant-keys in $ns: proxy secret rotated, other keys kept"
elif [ -n "$existing" ]; then
  proxy_secret=$(printf %s "$existing" | base64 -d)
  echo "argocd-assistant-keys exists in $ns: keeping its keys"
  # a Secret from an earlier version: add the key it lacks
  if [ -z "$($kubectl -n "$ns" get secret argocd-assistant-keys -o 'jsonpath={.data.llama-stack-auth-key}' 2>/dev/null || true)" ]; then
    $kubectl -n "$ns" patch secret argocd-assistant-keys --type merge \
      -p "{\"stringData\":{\"llama-stack-auth-key\":\"$(random_key)\"}}"
    echo "added llama-stack-auth-key"
  fi
else
  $kubectl get namespace "$ns" >/dev/null 2>&1 || $kubectl create namespace "$ns"
  proxy_secret=$(random_key)
  $kubectl -n "$ns" create secret generic argocd-assistant-keys \
    --from-literal=conversation-signing-key="$(random_key)" \
    --from-literal=scope-signing-key="$(random_key)" \
    --from-literal=llama-stack-auth-key="$(random_key)" \
    --from-literal=proxy-secret="$proxy_secret"
fi
before=$($kubectl -n "$argocd_ns" get secret argocd-secret -o 'jsonpath={.data.assistant\.proxySecret}' 2>/dev/null || true)
$kubectl -n "$argocd_ns" patch secret argocd-secret --type merge \
  -p "{\"stringData\":{\"assistant.proxySecret\":\"$proxy_secret\"}}"
echo "proxy secret written to $argocd_ns/argocd-secret (assistant.proxySecret)"
if [ "$before" != "$(printf %s "$proxy_secret" | base64 | tr -d '\n')" ]; then
  echo "Argo CD reads it only when it builds the proxy: restart argocd-server (and the relay, if it runs):"
  echo "  $kubectl -n $argocd_ns rollout restart deployment argocd-server   # OpenShift GitOps: openshift-gitops-server"
  echo "  $kubectl -n $ns rollout restart deployment argocd-assistant-relay"
fi
