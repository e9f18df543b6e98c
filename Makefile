# `make test` is the one command that checks everything: formatting, tidy
# go.mod files, vet, staticcheck and the race-enabled tests of every module in
# go.work (among them the release module's test that a user outside the
# repository can fetch and use the modules), then the published modules on
# the oldest Go they declare, and Fiber's module on the newest fasthttp.
# It installs what the tests need when it is missing, and fails loudly when it cannot.

SHELL := /bin/bash
GO ?= go
STATICCHECK_VERSION := v0.8.2
GOBIN := $(shell $(GO) env GOPATH)/bin
MODULES := $(shell sed -n 's|^[[:space:]]*\./||p' go.work)
# The modules users get, as the release tooling names them (all but the
# programs, benchmarks and the tooling itself), core first.
PUBLISHED = $(shell $(GO) run ./release/cmd/sselimit-release -published)
# The newest patch of the oldest Go release the published modules declare in
# their go lines; the go command installs it (GOTOOLCHAIN) on first use.
MIN_GO := go1.25.14
# The newest fasthttp that Fiber v2 accepts. fiber/go.mod keeps the version
# Fiber v2.52 itself requires: the newest declares go 1.26.0.
FASTHTTP_NEWEST := v1.79.0

.PHONY: test tools fmt-check tidy-check vet staticcheck race min-go fasthttp-newest release

test: tools fmt-check tidy-check vet staticcheck race min-go fasthttp-newest

# Debian packages the tests start for real, each on a free port of 127.0.0.1:
# chromium (the example apps' pages), redis-server and redis-cli (the
# cluster-wide limiter, a local Redis Cluster), nginx (the proxy recipe),
# prometheus and promtool (the metrics), ip and tc (a client that vanishes).
DEB_TOOLS := chromium:chromium redis-server:redis-server redis-cli:redis-tools \
	nginx:nginx prometheus:prometheus promtool:prometheus ip:iproute2 tc:iproute2

tools:
	@command -v $(GOBIN)/staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@missing=""; for t in $(DEB_TOOLS); do \
		command -v $${t%%:*} >/dev/null 2>&1 || PATH=$$PATH:/usr/sbin:/sbin command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing for the tests:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
			|| { echo "make test: cannot install$$missing (apt-get install failed)"; exit 1; }; \
	fi
	@for t in $(DEB_TOOLS); do \
		PATH=$$PATH:/usr/sbin:/sbin command -v $${t%%:*} >/dev/null 2>&1 || { echo "make test: $${t%%:*} is still missing"; exit 1; }; \
	done

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

tidy-check:
	@set -e; for m in $(MODULES); do echo "tidy $$m"; (cd $$m && GOWORK=off $(GO) mod tidy -diff); done

vet:
	@set -e; for m in $(MODULES); do echo "vet $$m"; (cd $$m && $(GO) vet ./...); done

staticcheck:
	@set -e; for m in $(MODULES); do echo "staticcheck $$m"; (cd $$m && $(GOBIN)/staticcheck ./...); done

race:
	@set -e; for m in $(MODULES); do echo "test $$m"; (cd $$m && $(GO) test -race -count=1 ./...); done

# Each published module whose go line names the same Go release as MIN_GO is
# built, vetted and tested on its own (GOWORK=off), as a user on that release
# would use it; without -race, which the race target already ran.
min-go:
	@set -e; mods="$(PUBLISHED)"; [ -n "$$mods" ] || { echo "min-go: the release tooling listed no published module"; exit 1; }; \
	for m in $$mods; do \
		want=$$(sed -n 's/^go //p' $$m/go.mod); \
		case "$$want" in \
		$(patsubst go%,%,$(basename $(MIN_GO))) | $(patsubst go%,%,$(basename $(MIN_GO))).*) \
			echo "test $$m on $(MIN_GO)"; \
			(cd $$m && export GOWORK=off GOTOOLCHAIN=$(MIN_GO) && $(GO) vet ./... && $(GO) test -count=1 ./...);; \
		*) echo "$$m declares go $$want: tested on $$($(GO) env GOVERSION) only";; \
		esac; \
	done

# Fiber's module against the newest fasthttp, in a copy of core and fiber.
fasthttp-newest:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -r core fiber "$$tmp"; cd "$$tmp/fiber"; \
	echo "test fiber with fasthttp $(FASTHTTP_NEWEST)"; \
	export GOWORK=off GOFLAGS="$$($(GO) env GOFLAGS) -mod=mod"; \
	$(GO) get github.com/valyala/fasthttp@$(FASTHTTP_NEWEST); \
	$(GO) vet ./... && $(GO) test -race -count=1 ./...

# make release VERSION=vX.Y.Z [PUSH=origin]: tags every published module at
# VERSION; RELEASING.md says when and how.
release:
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=vX.Y.Z [PUSH=origin]"; exit 2; }
	$(GO) run ./release/cmd/sselimit-release $(if $(PUSH),-push $(PUSH)) $(VERSION)
