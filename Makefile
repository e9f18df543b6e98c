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

tools:
	@command -v $(GOBIN)/staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@# The end-to-end tests of the example apps drive a real headless Chromium.
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	} || { echo "make test: cannot install chromium (apt-get install -y chromium failed)"; exit 1; }
	@command -v chromium >/dev/null 2>&1 || { echo "make test: chromium is still missing"; exit 1; }

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	@set -e; for m in $(MODULES); do echo "vet $$m"; (cd $$m && $(GO) vet ./...); done

staticcheck:
	@set -e; for m in $(MODULES); do echo "staticcheck $$m"; (cd $$m && $(GOBIN)/staticcheck ./...); done

race:
	@set -e; for m in $(MODULES); do echo "test $$m"; (cd $$m && $(GO) test -race -count=1 ./...); done
