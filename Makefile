# Srok. `make run` and `make test` are the two first-use commands (README.md).
GO       ?= go
BIN      := bin/srok
FUZZTIME ?= 15s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build run migrate test lint lint-openapi check-generated bench bench-engine bench-load fuzz clean

all: lint test

build:
	$(GO) build -o $(BIN) ./cmd/srok

## run: build srok and serve the register on the embedded SQLite (./data), schema migrated
# The first build on a fresh machine downloads and compiles the modules and
# says nothing for about two minutes: say so before it starts.
run:
	@echo "make run: building $(BIN) (the first build on a fresh machine downloads and compiles the modules: about two minutes)"
	$(GO) build -o $(BIN) ./cmd/srok
	@echo "make run: starting $(BIN) serve --migrate (stop it with Ctrl-C)"
	./$(BIN) serve --migrate

## migrate: apply pending migrations to DATABASE_URL (or the embedded SQLite)
migrate: build
	./$(BIN) migrate

## test: every test, with the race detector (starts a throwaway PostgreSQL)
test:
	$(GO) test -race -count=1 ./...

## lint: formatting, a tidy go.mod, go vet and staticcheck, the OpenAPI document and the client generated from it
lint: lint-openapi check-generated
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	@$(GO) mod tidy -diff >/dev/null 2>&1 || { echo "go.mod or go.sum is not tidy: run 'go mod tidy' (diff below)"; $(GO) mod tidy -diff; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## lint-openapi: Redocly CLI (the exact version of .ci/openapi-lint) on api/openapi.yaml, config api/redocly.yaml
lint-openapi:
	@[ -x .ci/openapi-lint/node_modules/.bin/redocly ] || npm ci --prefix .ci/openapi-lint --no-audit --no-fund
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		.ci/openapi-lint/node_modules/.bin/redocly lint --config api/redocly.yaml api/openapi.yaml

## check-generated: pkg/client/client.gen.go is what oapi-codegen makes of api/openapi.yaml now
check-generated:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	sed 's|^output:.*|output: '"$$tmp"'/client.gen.go|' pkg/client/config.yaml >"$$tmp/config.yaml" && \
	$(GO) tool oapi-codegen -config "$$tmp/config.yaml" api/openapi.yaml && \
	if ! cmp -s "$$tmp/client.gen.go" pkg/client/client.gen.go; then \
		echo "pkg/client/client.gen.go is stale: it is not what api/openapi.yaml generates;" >&2; \
		echo "run 'go generate ./pkg/client' and commit the result" >&2; exit 1; \
	fi

## bench: the engine's micro-benchmarks, then the load benchmark (figures in docs/BENCHMARKS.md)
bench: bench-engine bench-load

bench-engine:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./deadlines/...

## bench-load: 1,000,000 requests on a throwaway PostgreSQL, the real binary under vegeta
bench-load:
	SROK_LOAD=1 $(GO) test -run '^TestLoad$$' -v -count=1 -timeout 30m ./pkg/loadtest/

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@$(call fuzz_target,FuzzParseData,./deadlines/calendar)
	@$(call fuzz_target,FuzzParseTrigger,./deadlines)
	@$(call fuzz_target,FuzzRequestBody,./api)
	@$(call fuzz_target,FuzzRequestForm,./web)
	@$(call fuzz_target,FuzzParse,./pkg/intake)
	@$(call fuzz_target,FuzzSecretHash,./pkg/feeds)
	@$(call fuzz_target,FuzzNumberIn,./pkg/register)

# fuzz_target runs one fuzz target for FUZZTIME. Go's fuzzer sometimes ends a
# run with "context deadline exceeded" and no failing input, when the time
# runs out while a worker is busy (a fault of the tool, not a finding): that
# run is tried once more. A failing input (testdata/fuzz/…) always fails.
define fuzz_target
out=$$(mktemp); \
for try in 1 2; do \
  echo "$(GO) test -run '^$$' -fuzz '^$(1)$$' -fuzztime $(FUZZTIME) $(2)"; \
  if $(GO) test -run '^$$' -fuzz '^$(1)$$' -fuzztime $(FUZZTIME) $(2) >"$$out" 2>&1; then cat "$$out"; rm -f "$$out"; exit 0; fi; \
  cat "$$out"; \
  if grep -q 'Failing input written\|testdata/fuzz' "$$out" || ! grep -q 'context deadline exceeded' "$$out"; then rm -f "$$out"; exit 1; fi; \
  echo "fuzz: the run of $(1) ended on the tool's deadline with no failing input: once more"; \
done; rm -f "$$out"; exit 1
endef

## bench-overview: the overview page (GET /) at 100,000 requests on a throwaway PostgreSQL, p95 server time
.PHONY: bench-overview
bench-overview:
	SROK_LOAD=1 $(GO) test -run '^$$' -bench '^BenchmarkOverviewPage$$' -benchtime 2000x -timeout 30m ./pkg/loadtest/

## screenshots: the browser scenarios on SQLite (Chromium needed), then the README's screenshots copied to docs/screenshots
.PHONY: screenshots
screenshots:
	CI=true $(GO) test -count=1 -run '^TestBrowser(Letters)?$$/^sqlite$$' ./cmd/srok/
	CI=true $(GO) test -count=1 -run '^TestBrowserAccessibility$$' ./cmd/srok/
	mkdir -p docs/screenshots
	cp cmd/srok/testdata/browser-out/sqlite/overview.png cmd/srok/testdata/browser-out/sqlite/intake-filled.png cmd/srok/testdata/browser-out/sqlite/inbox.png docs/screenshots/
	cp cmd/srok/testdata/browser-out/a11y/list-375.png cmd/srok/testdata/browser-out/a11y/detail-375.png docs/screenshots/
	cp cmd/srok/testdata/browser-out/letters-sqlite/letter-preview.png cmd/srok/testdata/browser-out/sqlite/journal.png docs/screenshots/

clean:
	rm -rf bin
