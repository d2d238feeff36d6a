# Two commands on a fresh machine do all the set-up:
#   make film STORY=ad          render a film (local preview backend unless ARK_API_KEY is set)
#   make test                   the whole test suite
# ARGS go to the storyfilm command: make plan STORY=ad ARGS='--graph mermaid'
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.ready

STORY ?= storyboards/ad.yaml
# STORY=ad and STORY=ad.yaml are short for STORY=storyboards/ad.yaml; the first that exists wins
STORY_FILE := $(or $(firstword $(wildcard $(STORY) storyboards/$(STORY) storyboards/$(STORY).yaml $(STORY).yaml)),$(STORY))
ARGS ?=
# the shipped examples: `make clean` removes their preview locks, never a user's storyboard's
EXAMPLES := ad branch first-last multimodal references t2v
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: film test validate plan status serve bench clean

$(READY): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(PY) -m storyfilm doctor
	@touch $@

film: $(READY)
	$(PY) -m storyfilm film $(STORY_FILE) $(if $(MAX_COST),--max-cost $(MAX_COST)) $(ARGS)

validate: $(READY)
	$(PY) -m storyfilm validate $(STORY_FILE) $(ARGS)

plan: $(READY)
	$(PY) -m storyfilm plan $(STORY_FILE) $(ARGS)

status: $(READY)
	$(PY) -m storyfilm status $(STORY_FILE) $(ARGS)

serve: $(READY)
	$(PY) -m storyfilm serve --host $(HOST) --port $(PORT)

test: $(READY)
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

bench: $(READY)
	$(PY) tests/bench/run.py $(BENCH)

# Not the render cache storyboards/.storyfilm: it holds the clips of every storyboard there (with a key, paid ones).
clean:
	rm -rf build $(EXAMPLES:%=storyboards/%.preview.lock.json)
