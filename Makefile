# kubectl pods-pattern — run `make help` for the targets.
SHELL := /usr/bin/env bash
GO ?= go
BIN := bin/kubectl-pods_pattern
PKG := github.com/pods-pattern/kubectl-pods-pattern
VERSION ?= $(shell hack/version.sh version)
COMMIT ?= $(shell hack/version.sh commit)
DATE ?= $(shell hack/version.sh date)
LDFLAGS := -s -w -X $(PKG)/pkg/version.Version=$(VERSION) -X $(PKG)/pkg/version.Commit=$(COMMIT) -X $(PKG)/pkg/version.Date=$(DATE)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: help build install test unit fuzz e2e e2e-race lint verify demo demo-down cluster-up cluster-down clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

build: ## Build bin/kubectl-pods_pattern
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubectl-pods_pattern

install: ## Install the plugin into $(go env GOPATH)/bin
	$(GO) install -trimpath -ldflags "$(LDFLAGS)" ./cmd/kubectl-pods_pattern

unit: ## Unit tests (no cluster), under the race detector
	$(GO) test -race -count=1 ./...

fuzz: ## Run every fuzz target for FUZZTIME (default 30s) each
	hack/fuzz.sh

test: unit e2e e2e-race ## Unit tests, then end-to-end tests against a local kube-apiserver

e2e: build ## End-to-end tests against a real kube-apiserver + etcd it starts and stops
	PODS_PATTERN_PLUGIN=$(CURDIR)/$(BIN) hack/e2e.sh

e2e-race: ## The logs and init e2e tests again, with a plugin built with -race
	$(GO) build -race -o bin/race/kubectl-pods_pattern ./cmd/kubectl-pods_pattern
	PODS_PATTERN_PLUGIN=$(CURDIR)/bin/race/kubectl-pods_pattern hack/e2e.sh -run 'Logs|Init|Follow|Watch'

lint: ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

verify: lint ## lint plus the import rules of the domain packages
	hack/verify-imports.sh

demo: build ## Build the plugin, start a local control plane with the seed lab's pods and describe them
	PODS_PATTERN_SKIP_BUILD=1 hack/demo.sh

demo-down: ## Stop the demo's control plane
	hack/demo-down.sh

cluster-up: ## Start a local kube-apiserver + etcd + test kubelet (prints export KUBECONFIG=...)
	hack/cluster-up.sh

cluster-down: ## Stop it
	hack/cluster-down.sh

clean: ## Remove build output
	rm -rf bin dist

.PHONY: bench
bench: ## Benchmarks: the log merge (go test -bench), logs vs kubectl logs and stern (reading and follow latency), summary/doctor vs kubectl get on a local control plane
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/logmerge/
	hack/bench-logs.sh
	hack/bench-latency.sh
	hack/bench-manifest.sh
	hack/bench-summary.sh

.PHONY: dist krew-manifest verify-krew release

dist: ## Reproducible release archives for linux/darwin/windows x amd64/arm64 + dist/checksums.txt
	hack/dist.sh

krew-manifest: ## Render plugins/pods-pattern.yaml from .krew.yaml and the dist/ checksums
	hack/render-krew.sh

verify-krew: ## dist twice (identical), validate the manifests, install with krew, run through kubectl
	hack/verify-krew.sh

release: ## make release VERSION=vX.Y.Z: dist/ stamped with VERSION, plugins/pods-pattern.yaml and the README for it
	@if [ "$(origin VERSION)" != "command line" ] && [ "$(origin VERSION)" != "environment" ]; then echo "release: name the version: make release VERSION=v0.1.0" >&2; exit 2; fi
	hack/release.sh "$(VERSION)"
