# Two commands on a fresh machine do all the set-up:
#   make film STORY=ad          render a film (local preview backend unless ARK_API_KEY is set)
#   make test                   the whole test suite
# ARGS go to the storyfilm command: make plan STORY=ad ARGS='--graph mermaid'
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.ready

STORY ?= storyboards/ad.yaml
# STORY=ad and STORY=ad.yaml are short for STORY=storyboards/ad.yaml; the first that exists wins.
# An empty STORY stays empty (storyfilm says so; storyboards/ was taken), and one with a space is
# taken as written (make's wildcard would split it and might find another file).
STORY_FILE := $(if $(STORY),$(if $(word 2,$(STORY)),$(STORY),$(or $(firstword $(wildcard $(STORY) storyboards/$(STORY) \
	storyboards/$(STORY).yaml $(STORY).yaml)),$(STORY))))
# a value as one shell word, whatever it holds (spaces, ;, quotes): 'it'\''s'; a plain one as it is
SAFE := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z \
	0 1 2 3 4 5 6 7 8 9 _ . / - + = : @ %
unsafe = $(if $(2),$(call unsafe,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,999,$(2))),$(1))
plain = $(and $(1),$(if $(word 2,$(1)),,$(if $(call unsafe,$(1),$(SAFE)),,yes)))
quote = $(if $(call plain,$(1)),$(1),'$(subst ','\'',$(1))')
STORY_ARG := $(call quote,$(STORY_FILE))
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
	$(PY) -m storyfilm film $(STORY_ARG) $(if $(MAX_COST),--max-cost $(call quote,$(MAX_COST))) $(ARGS)

validate: $(READY)
	$(PY) -m storyfilm validate $(STORY_ARG) $(ARGS)

plan: $(READY)
	$(PY) -m storyfilm plan $(STORY_ARG) $(ARGS)

status: $(READY)
	$(PY) -m storyfilm status $(STORY_ARG) $(ARGS)

serve: $(READY)
	$(PY) -m storyfilm serve --host $(HOST) --port $(PORT)

test: $(READY)
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -n auto

bench: $(READY)
	$(PY) tests/bench/run.py $(BENCH)

# Not the render cache storyboards/.storyfilm: it holds the clips of every storyboard there (with a key, paid ones).
clean:
	rm -rf build $(EXAMPLES:%=storyboards/%.preview.lock.json)
