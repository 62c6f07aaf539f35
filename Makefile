# Srok. `make run` and `make test` are the two first-use commands (README.md).
GO       ?= go
BIN      := bin/srok
FUZZTIME ?= 15s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build run migrate test lint bench bench-engine bench-load fuzz clean

all: lint test

build:
	$(GO) build -o $(BIN) ./cmd/srok

## run: build srok and serve the register on the embedded SQLite (./data), schema migrated
run: build
	./$(BIN) serve --migrate

## migrate: apply pending migrations to DATABASE_URL (or the embedded SQLite)
migrate: build
	./$(BIN) migrate

## test: every test, with the race detector (starts a throwaway PostgreSQL)
test:
	$(GO) test -race -count=1 ./...

## lint: formatting, go vet and staticcheck
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## bench: the engine's micro-benchmarks, then the load benchmark (figures in docs/BENCHMARKS.md)
bench: bench-engine bench-load

bench-engine:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./deadlines/...

## bench-load: 1,000,000 requests on a throwaway PostgreSQL, the real binary under vegeta
bench-load:
	SROK_LOAD=1 $(GO) test -run '^TestLoad$$' -v -count=1 -timeout 30m ./pkg/loadtest/

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseData$$' -fuzztime $(FUZZTIME) ./deadlines/calendar
	$(GO) test -run '^$$' -fuzz '^FuzzParseTrigger$$' -fuzztime $(FUZZTIME) ./deadlines
	$(GO) test -run '^$$' -fuzz '^FuzzRequestBody$$' -fuzztime $(FUZZTIME) ./api

clean:
	rm -rf bin
