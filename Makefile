# `make test` is the one command that checks everything: formatting, vet,
# staticcheck and the race-enabled tests of every module in go.work.
# It installs what the tests need when it is missing, and fails loudly when it cannot.

SHELL := /bin/bash
GO ?= go
STATICCHECK_VERSION := v0.8.2
GOBIN := $(shell $(GO) env GOPATH)/bin
MODULES := $(shell sed -n 's|^[[:space:]]*\./||p' go.work)

.PHONY: test tools fmt-check vet staticcheck race

test: tools fmt-check vet staticcheck race

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

vet:
	@set -e; for m in $(MODULES); do echo "vet $$m"; (cd $$m && $(GO) vet ./...); done

staticcheck:
	@set -e; for m in $(MODULES); do echo "staticcheck $$m"; (cd $$m && $(GOBIN)/staticcheck ./...); done

race:
	@set -e; for m in $(MODULES); do echo "test $$m"; (cd $$m && $(GO) test -race -count=1 ./...); done
