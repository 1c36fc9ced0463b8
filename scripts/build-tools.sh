#!/usr/bin/env bash
# Builds the third-party tools the end-to-end tests run into the repository's
# git-ignored bin/ folder. Each tool is pinned by a small wrapper Go module
# under e2e/tools/ (its go.mod and go.sum are committed), so none of their
# dependencies enter the product's go.mod:
#
#   e2e/tools/kubelogin  bin/kubelogin
#   e2e/tools/etcd       bin/etcd
#   e2e/tools/kube       bin/kube-apiserver, bin/kubectl (one module, so they
#                        share the Go build cache)
#
# Idempotent: a tool is rebuilt only when its binary is missing or older than
# its wrapper's go.sum (or go.mod). Set FORCE=1 to rebuild everything.
#
# With a cold Go build cache kube-apiserver takes about 400 CPU-seconds and
# 2.9 GB of memory (its link step); kubectl, built after it from the same
# module, then needs about 35 more and etcd about 70. With a warm build cache
# each takes seconds.
#
# Usage: scripts/build-tools.sh [tool ...]   (default: all tools)
#
# To add a tool: write a build_<tool> function that calls build_go_tool (or
# its own steps), and add <tool> to ALL_TOOLS (a dash in a binary's name is an
# underscore in its tool name: kube_apiserver builds bin/kube-apiserver).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/bin"
TOOLS="${ROOT}/e2e/tools"
ALL_TOOLS=(kubelogin etcd kube_apiserver kubectl)

log() { printf 'build-tools: %s\n' "$*" >&2; }

# up_to_date BINARY INPUT... : true when BINARY exists and is newer than every INPUT.
up_to_date() {
	local binary=$1
	shift
	[[ "${FORCE:-0}" != 1 && -x "${binary}" ]] || return 1
	local input
	for input in "$@"; do
		[[ "${binary}" -nt "${input}" ]] || return 1
	done
}

# build_go_tool MODULE NAME PACKAGE [GO BUILD FLAGS...] : builds PACKAGE with
# the wrapper module e2e/tools/MODULE into bin/NAME, unless it is up to date.
build_go_tool() {
	local module="${TOOLS}/$1" name=$2 pkg=$3
	shift 3
	local out="${BIN}/${name}"
	if up_to_date "${out}" "${module}/go.mod" "${module}/go.sum"; then
		log "${name}: up to date (${out})"
		return
	fi
	log "${name}: building ${pkg}"
	local start=${SECONDS}
	mkdir -p "${BIN}"
	# Build to a temporary name so an interrupted build never leaves a binary
	# that looks up to date.
	(cd "${module}" && go build -trimpath "$@" -o "${out}.tmp" "${pkg}")
	mv -f "${out}.tmp" "${out}"
	log "${name}: built ${out} in $((SECONDS - start))s"
}

build_kubelogin() {
	local version
	version="$(cd "${TOOLS}/kubelogin" && go list -m -f '{{.Version}}' github.com/int128/kubelogin)"
	# kubelogin's main.version is what `kubelogin --version` prints.
	build_go_tool kubelogin kubelogin github.com/int128/kubelogin -ldflags "-X main.version=${version}"
}

build_etcd() {
	# etcd takes its version from go.etcd.io/etcd/api/v3/version, a constant.
	build_go_tool etcd etcd go.etcd.io/etcd/server/v3
}

# kube_ldflags: the version variables Kubernetes' own build (hack/lib/version.sh)
# sets, so /version and `kubectl version` report the pinned release instead
# of v0.0.0-master.
kube_ldflags() {
	local version major minor pkg flags=()
	version="$(cd "${TOOLS}/kube" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
	major="${version#v}" && major="${major%%.*}"
	minor="${version#v*.}" && minor="${minor%%.*}"
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		flags+=("-X ${pkg}.gitVersion=${version}" "-X ${pkg}.gitMajor=${major}"
			"-X ${pkg}.gitMinor=${minor}" "-X ${pkg}.gitTreeState=clean")
	done
	printf '%s ' "${flags[@]}"
}

build_kube_apiserver() {
	build_go_tool kube kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver -ldflags "$(kube_ldflags)"
}

build_kubectl() {
	build_go_tool kube kubectl k8s.io/kubernetes/cmd/kubectl -ldflags "$(kube_ldflags)"
}

main() {
	local tools=("$@")
	((${#tools[@]})) || tools=("${ALL_TOOLS[@]}")
	local tool
	for tool in "${tools[@]}"; do
		if ! declare -F "build_${tool}" >/dev/null; then
			log "unknown tool ${tool}; known: ${ALL_TOOLS[*]}"
			exit 2
		fi
		"build_${tool}"
	done
}

main "$@"
