# The two commands a new user needs: `make demo` and `make test`.
# Both install what they need (apt libopenblas-dev, a local Python venv) and
# are safe to run again.

SWIFT ?= swift
VENV := .venv
PYTHON := $(VENV)/bin/python
SUDO := $(shell if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null; then echo sudo; fi)
CONFIG ?= release
BIN := .build/$(CONFIG)/leanattn
PY_PACKAGES := numpy safetensors ml_dtypes pytest nvidia-cuda-nvrtc nvidia-cuda-runtime

.PHONY: demo test deps venv build docs docs-check fixtures pictures chromium check-pages bench-onnxruntime bench-bandwidth bench-golden clean sanitize fuzz fuzz-build

demo: deps build
	$(BIN) demo --out demo-out

test: deps venv
	$(SWIFT) build -c $(CONFIG)
	$(SWIFT) test -c $(CONFIG)
	LEANATTN=$(BIN) $(PYTHON) -m pytest -q Tests/python
	$(BIN) cuda-compile --arch sm_80,sm_90
	$(MAKE) --no-print-directory check-pages
	$(MAKE) --no-print-directory docs-check

# libopenblas-dev (and pkg-config, which SwiftPM uses to find it), only when missing.
deps:
	@if ! pkg-config --exists openblas 2>/dev/null; then \
	  echo "installing libopenblas-dev and pkg-config (apt)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libopenblas-dev pkg-config; \
	fi

# The Python side of the tests, in a local venv; reinstalled only when the list changes.
venv: $(VENV)/.installed-$(shell echo "$(PY_PACKAGES)" | cksum | cut -d' ' -f1)
$(VENV)/.installed-%:
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q $(PY_PACKAGES)
	rm -f $(VENV)/.installed-* && touch $@

build:
	$(SWIFT) build -c $(CONFIG)

# The DocC reference of every library module, one combined archive
# (swift-docc-plugin). `make docs-check` (part of `make test`) fails on any DocC
# warning (a broken symbol link, an undocumented parameter) and on any public
# declaration without a doc comment, which DocC itself does not report.
DOC_TARGETS := LeanAttention SafeTensors FileIntegrity LeanAttentionGolden LeanAttentionCUDA \
  LeanAttentionSVG LeanAttentionExplain
DOCC := $(SWIFT) package --disable-sandbox generate-documentation \
  --enable-experimental-combined-documentation --experimental-skip-synthesized-symbols \
  $(addprefix --target ,$(DOC_TARGETS))
docs: deps
	$(DOCC)
	@echo "documentation: .build/plugins/Swift-DocC/outputs/LeanAttention.doccarchive"
docs-check: deps
	$(DOCC) --warnings-as-errors
	python3 Tests/docs/check_symbol_docs.py .build $(DOC_TARGETS)

# Regenerate the committed golden corpus (a test checks it is byte-identical).
fixtures: deps build
	$(BIN) golden --corpus --out Fixtures

# Regenerate the generated pictures of Docs/images (a test checks they are current).
pictures: deps build
	$(BIN) pictures --out Docs/images

# Headless Chromium for check-pages (apt, only when missing and apt is there;
# without it check-pages skips and says why).
chromium:
	@if ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then \
	  echo "installing chromium (apt) for the page checks"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium || echo "chromium not installed"; \
	fi

# The explain pages and Docs/images rendered in headless Chromium: the script
# checks they ran and drew what they should; screenshots land in .build/pages.
check-pages: chromium
	python3 Tests/browser/check_pages.py --leanattn $(BIN) --out .build/pages --images Docs/images

# onnxruntime side by side with `leanattn bench exact` (a benchmark, not a test).
bench-onnxruntime: deps build
	[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q numpy onnx onnxruntime
	$(PYTHON) Benchmarks/compare_onnxruntime.py --leanattn $(BIN)

# The machine's read bandwidth (x86-64 with AVX2), alternated with decode's
# K/V read rate: the reference for decode GB/s (a benchmark, not a test).
bench-bandwidth: deps build
	mkdir -p .build && $(CC) -O3 -march=native -pthread Benchmarks/read_bandwidth.c -o .build/read_bandwidth
	python3 Benchmarks/decode_vs_bandwidth.py --leanattn $(BIN) --bandwidth .build/read_bandwidth

# Time and peak memory of writing the paper's 176 MB golden file (a benchmark, not a test).
bench-golden: deps build
	python3 Benchmarks/golden_paper.py --leanattn $(BIN)

# The Swift tests under AddressSanitizer and ThreadSanitizer (nightly: each is a full debug build).
# Leaks inside the XCTest runner are suppressed (Tests/lsan-suppressions.txt).
sanitize: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt \
	  $(SWIFT) test --sanitize=address --scratch-path .build-asan
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

# libFuzzer targets (Fuzz/): the safetensors reader, golden metadata, schedule JSON.
# Each runs FUZZ_SECONDS from its committed seed corpus; crashes land in Fuzz/crashes/.
FUZZ_TARGETS := SafeTensorsFuzz GoldenMetadataFuzz ScheduleJSONFuzz
FUZZ_SECONDS ?= 600
fuzz-build: deps
	for t in $(FUZZ_TARGETS); do \
	  LEANATTN_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz --product $$t \
	    -Xswiftc -sanitize=fuzzer,address || exit 1; \
	done
fuzz: fuzz-build
	mkdir -p Fuzz/crashes
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t; \
	  nice .build-fuzz/release/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
	    -artifact_prefix=Fuzz/crashes/$$t- .build-fuzz/corpus/$$t Fuzz/corpus/$$t || exit 1; \
	done

clean:
	rm -rf .build demo-out
