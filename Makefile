# Two commands on a fresh machine do all the set-up:
#   make film STORY=ad.yaml     render a film (local preview backend unless ARK_API_KEY is set)
#   make test                   the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.ready

STORY ?= storyboards/ad.yaml
# STORY=ad.yaml is short for STORY=storyboards/ad.yaml
STORY_FILE := $(if $(wildcard $(STORY)),$(STORY),$(if $(wildcard storyboards/$(STORY)),storyboards/$(STORY),$(STORY)))
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: film test validate plan serve bench clean

$(READY): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(PY) -m storyfilm doctor
	@touch $@

film: $(READY)
	$(PY) -m storyfilm film $(STORY_FILE) $(if $(MAX_COST),--max-cost $(MAX_COST))

validate: $(READY)
	$(PY) -m storyfilm validate $(STORY_FILE)

plan: $(READY)
	$(PY) -m storyfilm plan $(STORY_FILE)

serve: $(READY)
	$(PY) -m storyfilm serve --host $(HOST) --port $(PORT)

test: $(READY)
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

bench: $(READY)
	$(PY) tests/bench/run.py $(BENCH)

clean:
	rm -rf build storyboards/.storyfilm storyboards/*.preview.lock.json
