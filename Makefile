# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Both are idempotent: the venv and the install are redone only when pyproject.toml changes.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_STAMP := $(VENV)/.apt
EXTRAS := sim,deploy,dev,speech,ros,minilm,cluster,record

.PHONY: install test lint demo reproduce clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Makefile too: changing EXTRAS must reinstall.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

# System packages the tests use (speech synthesis for the speech tests), installed when missing.
$(APT_STAMP): | $(BIN)/python
	@if ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null; then \
		echo "installing espeak-ng and sox"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox >/dev/null; \
	fi
	touch $(APT_STAMP)

install: $(STAMP) $(APT_STAMP)

lint: install
	$(BIN)/ruff check .

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

demo: install
	$(BIN)/roomby run "vacuum under the red couch in the living room" --seed 3 \
		--video demo.mp4

# The one-hour recipe (configs/reproduce.yaml): the shipped model trained from nothing, then
# evaluated on held-out homes. docs/training.md has what it reached and how long it took.
# The families the shipped checkpoint is trained on (its goal head reads two steps of the four
# single tasks); sequence3, return and previous_room join with the retraining that reads them.
SHIPPED_FAMILIES = goto_object,goto_room,vacuum_under,vacuum_room,sequence

reproduce: install
	$(BIN)/roomby collect --out data/r60 --episodes 120 --frame-every 4 --workers 2 \
		--families $(SHIPPED_FAMILIES)
	$(BIN)/roomby train --config configs/reproduce.yaml --out runs/reproduce --resume
	$(BIN)/roomby train --config configs/reproduce.yaml --out runs/reproduce --resume \
		--set train.dagger_rounds=4 --set train.dagger_families=[goto_object,vacuum_under] \
		--set train.dagger_episodes=100
	$(BIN)/roomby eval --policy runs/reproduce/policy.pt --split heldout --episodes 200 --workers 2 \
		--families $(SHIPPED_FAMILIES)

clean-venv:
	rm -rf $(VENV)
