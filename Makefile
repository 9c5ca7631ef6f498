# Go 1.26.8, the machine's default, has standard-library vulnerabilities an
# HTTP server reaches; build and test on the patched toolchain.
export GOTOOLCHAIN := go1.27.3

PKG      := github.com/prometheus/common/version
VERSION  ?= $(shell cat VERSION)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH   ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Revision=$(REVISION) \
            -X $(PKG).Branch=$(BRANCH) -X $(PKG).BuildUser=$(USER) \
            -X $(PKG).BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)

.PHONY: all build release release-check mixin helm test soak lint tidy-check rules e2e e2e-binary fuzz vulncheck bench demo clean

all: lint test build

build:
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o trro_exporter .

# Release archives in dist/: a static binary per platform with LICENSE,
# NOTICE, README.md, the docs, the example configs, the dashboards, rules,
# mixin, Helm chart and deploy files, and their SHA-256 sums.
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
release:
	rm -rf dist && mkdir -p dist
	set -e; for p in $(RELEASE_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; d=trro_exporter-$(VERSION).$$os-$$arch; ext=; \
	  [ $$os = windows ] && ext=.exe; \
	  mkdir -p dist/$$d; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags '$(LDFLAGS)' -o dist/$$d/trro_exporter$$ext .; \
	  cp LICENSE NOTICE README.md CHANGELOG.md config.example.yml dist/$$d/; \
	  mkdir -p dist/$$d/docs dist/$$d/grafana dist/$$d/deploy; \
	  cp docs/*.md dist/$$d/docs/; cp -r grafana/dashboards grafana/provisioning dist/$$d/grafana/; cp -r examples dist/$$d/; \
	  mkdir -p dist/$$d/monitoring-mixin dist/$$d/deploy/helm; \
	  cp -r monitoring-mixin/*.libsonnet monitoring-mixin/jsonnetfile.json monitoring-mixin/README.md monitoring-mixin/dashboards dist/$$d/monitoring-mixin/; \
	  cp -r deploy/prometheus deploy/alertmanager deploy/kubernetes deploy/systemd deploy/docker-compose dist/$$d/deploy/; \
	  cp -r deploy/helm/trro-exporter dist/$$d/deploy/helm/; \
	  if [ $$os = windows ]; then (cd dist && zip -qr $$d.zip $$d); else tar -C dist -czf dist/$$d.tar.gz $$d; fi; \
	  rm -rf dist/$$d; \
	done
	cd dist && sha256sum *.tar.gz *.zip > sha256sums.txt

# Checks the archives and that every way the README builds the binary
# reports the version (CI).
release-check:
	./scripts/release-check.sh

# The test command (README): every package, with the race detector.
test:
	go test -race -count=1 ./...

# Long load and soak runs (build tag soak), with the race detector:
# SOAK_SCRAPES faulty scrapes (default 2000) must leave goroutines and heap
# where they started.
SOAK_SCRAPES ?= 2000
soak:
	SOAK_SCRAPES=$(SOAK_SCRAPES) go test -race -count=1 -tags soak -run 'TestSoak|TestLoadCoalescing' -v ./collector

STATICCHECK_VERSION ?= v0.8.2

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go vet -tags e2e ./e2e
	go vet -tags soak ./collector
	cd deploy/helm/chartcheck && go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -tags e2e,soak ./...

tidy-check:
	go mod tidy
	cd deploy/helm/chartcheck && go mod tidy
	git diff --exit-code go.mod go.sum deploy/helm/chartcheck/go.mod deploy/helm/chartcheck/go.sum

# The files rendered from monitoring-mixin/ (the one place the alerts,
# recording rules, dashboards and their thresholds are kept): the rule
# files, the PrometheusRule, the dashboards and the Helm chart's copies.
# A test fails when the committed files differ from what it renders.
mixin:
	go run ./monitoring-mixin/generate

# Alert rules: syntax and unit tests (also run by `make test`).
rules:
	promtool check rules deploy/prometheus/trro-alerts.yml deploy/prometheus/trro-rules.yml
	promtool test rules deploy/prometheus/tests/*.yml

# The Helm chart: helm lint and helm template (default and CI values), the
# objects checked against the Kubernetes and Prometheus Operator API types,
# its rules and dashboards against the mixin's. Installs the Helm CLI from
# the Go module proxy when there is none.
HELM_VERSION ?= v4.3.2
HELM ?= $(shell command -v helm 2>/dev/null || echo $$(go env GOPATH)/bin/helm)
helm:
	@[ -x "$(HELM)" ] || { echo "installing helm $(HELM_VERSION) (go install)"; go install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION); }
	$(HELM) version --short
	cd deploy/helm/chartcheck && HELM=$(HELM) go test -count=1 ./...

# The stack on real servers: exporter binary, Prometheus, Alertmanager.
# The chart's checks first: its PrometheusRule and dashboard ConfigMaps must
# be the mixin's files that the stack below loads.
e2e: helm
	go test -tags e2e -count=1 -v -timeout 12m ./e2e

e2e-binary:
	./scripts/e2e-binary.sh

# The benchmark table of BENCHMARKS.md (a few minutes on 2 cores), then the
# Go benchmarks. BENCH_SIZES=1,10 for a quick run.
BENCH_SIZES ?= 1,10,100,500
# Whole-fleet sizes of the accounts comparison (two half-fleet accounts
# against one).
BENCH_ACCOUNT_SIZES ?= 10,100
# Ranges of the backfill line, in days (about six minutes for 7 and 30).
BENCH_BACKFILL_DAYS ?= 7,30
# Live sessions of the many-in-session line: with 10 projects' consoles,
# 2 000 devices in session (about ten minutes: one session's points call
# each, at the rate limit).
BENCH_LIVE ?= 1990
bench:
	go build -o bin/trro-standin ./cmd/trro-standin
	go build -o bin/trro-bench ./cmd/trro-bench
	go build -o bin/trro_exporter .
	./bin/trro-bench -standin ./bin/trro-standin -sizes $(BENCH_SIZES)
	./bin/trro-bench -standin ./bin/trro-standin -sizes 10 -live $(BENCH_LIVE) -runs 1
	./bin/trro-bench -standin ./bin/trro-standin -accounts -sizes $(BENCH_ACCOUNT_SIZES)
	./bin/trro-bench -standin ./bin/trro-standin -exporter ./bin/trro_exporter -backfill -backfill-days $(BENCH_BACKFILL_DAYS)
	go test -run '^$$' -bench 'WritePage|DecodeDevices' -benchmem ./collector ./trro
	go test -run '^$$' -bench Scrape -benchmem -benchtime 3x ./collector

demo:
	go run . --demo

clean:
	rm -rf trro_exporter bin

# Known vulnerabilities the code can reach, from an offline copy of the Go
# vulnerability database.
vulncheck:
	./scripts/vulncheck.sh

# Short fuzz runs of the response decoders, the time parser and the config
# loader (CI); FUZZTIME=5m for a longer run.
FUZZTIME ?= 10s
fuzz:
	go test -run '^$$' -fuzz '^FuzzDecodeEnvelope$$' -fuzztime $(FUZZTIME) ./trro
	go test -run '^$$' -fuzz '^FuzzParseTime$$' -fuzztime $(FUZZTIME) ./trro
	go test -run '^$$' -fuzz '^FuzzTextAsJSONString$$' -fuzztime $(FUZZTIME) ./trro
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./config
