# The two commands of the README: `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/sample

.PHONY: run run-cli test test-fast system-deps venv sample clean lock audit

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

# requirements.lock pins every package to the versions CI tested (`make lock` refreshes it)
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[test,hybrid]'
	$(BIN)/python -m pip install -q --no-deps 'rapidocr-onnxruntime==1.4.4'  # detector model file only
	touch $(STAMP)

# Re-resolve the dependencies in a fresh venv and pin them (then run `make test`).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade pip
	.lock-venv/bin/python -m pip install -q -e '.[test,hybrid,s3,bench]'
	.lock-venv/bin/python -m pip install -q --no-deps 'rapidocr-onnxruntime==1.4.4'
	.lock-venv/bin/python -m pip freeze --exclude-editable >requirements.lock
	rm -rf .lock-venv

# Known vulnerabilities in the locked dependencies (pip-audit).
audit: venv
	scripts/audit-deps

# Regenerate the bundled sample dossier from the test generator (committed; not part of set-up).
sample: venv
	$(BIN)/python -m tests.make_sample samples/dossier

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
