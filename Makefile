# The two commands of the README: `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/sample

.PHONY: run run-cli test test-fast system-deps venv sample clean

# The whole stack: redis-server, the API, one worker per core; posts the sample dossier.
run: system-deps venv
	scripts/run-stack

# The CLI alone on the sample dossier.
run-cli: system-deps venv
	$(BIN)/ocr-server process samples/dossier/*.* --procedure lltp_issue --out $(OUT)
	@echo "results: $(OUT)/dossier.json and $(OUT)/dossier.pdf"

test: system-deps venv
	$(BIN)/pytest -q

# Everything but the tests marked slow (for quick local loops).
test-fast: system-deps venv
	$(BIN)/pytest -q -m "not slow"

system-deps:
	@scripts/install-system-deps

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,hybrid]'
	$(BIN)/python -m pip install -q --no-deps 'rapidocr-onnxruntime==1.4.4'  # detector model file only
	touch $(STAMP)

# Regenerate the bundled sample dossier from the test generator (committed; not part of set-up).
sample: venv
	$(BIN)/python -m tests.make_sample samples/dossier

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
