#!/usr/bin/env bash
# Builds the third-party tools the end-to-end tests run into the repository's
# git-ignored bin/ folder. Each tool is pinned by a small wrapper Go module
# under e2e/tools/<tool>/ (its go.mod and go.sum are committed), so none of
# their dependencies enter the product's go.mod.
#
# Idempotent: a tool is rebuilt only when its binary is missing or older than
# its wrapper's go.sum (or go.mod). Set FORCE=1 to rebuild everything.
#
# Usage: scripts/build-tools.sh [tool ...]   (default: all tools)
#
# To add a tool: write a build_<tool> function that calls build_go_tool (or
# its own steps), and add <tool> to ALL_TOOLS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/bin"
TOOLS="${ROOT}/e2e/tools"
ALL_TOOLS=(kubelogin)

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

# build_go_tool NAME PACKAGE [GO BUILD FLAGS...] : builds PACKAGE with the
# wrapper module e2e/tools/NAME into bin/NAME, unless it is up to date.
build_go_tool() {
	local name=$1 pkg=$2
	shift 2
	local module="${TOOLS}/${name}" out="${BIN}/${name}"
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
	build_go_tool kubelogin github.com/int128/kubelogin -ldflags "-X main.version=${version}"
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
