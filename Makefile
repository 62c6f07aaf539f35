# Srok. `make run` and `make test` are the two first-use commands (README.md).
GO       ?= go
BIN      := bin/srok
FUZZTIME ?= 15s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build run test lint bench fuzz clean

all: lint test

build:
	$(GO) build -o $(BIN) ./cmd/srok

## run: build srok, show this year's production calendar and an example deadline
run: build
	./$(BIN) calendar
	@echo
	./$(BIN) deadline --type access --trigger now

## test: every test, with the race detector
test:
	$(GO) test -race -count=1 ./...

## lint: formatting, go vet and staticcheck
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## bench: the deadline engine's benchmarks (figures in docs/BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./deadlines/...

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseData$$' -fuzztime $(FUZZTIME) ./deadlines/calendar
	$(GO) test -run '^$$' -fuzz '^FuzzParseTrigger$$' -fuzztime $(FUZZTIME) ./deadlines

clean:
	rm -rf bin
