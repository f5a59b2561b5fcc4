# Two commands on a fresh machine: `make run` (the product with demo data) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PO     := $(wildcard webapp/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2

.PHONY: run test lint format bench install translations messages clean screenshots

## Install into .venv: the package with its pinned dependencies, then face_recognition without
## its `dlib` requirement (dlib-bin provides the module without compiling; reference/faces.md).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools<82" wheel
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps face_recognition==1.3.0
	touch $@

install: $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

translations: $(MO)

## Secrets for the local product, made once and kept out of git (instance/ is ignored).
instance/secrets.env: | $(STAMP)
	mkdir -p instance
	umask 077 && { \
	  echo "# Made by make run on $$(date -u +%F). Keep this file secret; losing DATA_KEY loses the identity data."; \
	  echo "GIGMARKET_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')"; \
	  echo "GIGMARKET_DATA_KEY=$$($(BIN)/python -c 'from webapp.identity import Keyring; print(Keyring.generate_spec(kid="k1"))')"; \
	  echo "# Served over plain http on 127.0.0.1; delete this line when serving behind TLS."; \
	  echo "GIGMARKET_COOKIE_SECURE=0"; \
	  echo "# No card reader hardware here: the kiosk shows the simulated reader with fixture cards."; \
	  echo "GIGMARKET_KIOSK_CARD_READER=simulated"; \
	} > $@

run: $(STAMP) translations instance/secrets.env
	set -a && . ./instance/secrets.env && set +a && \
	$(BIN)/gigmarket db upgrade && \
	$(BIN)/gigmarket demo load --if-empty && \
	echo "Serving on http://$(HOST):$(PORT)/  (staff accounts were printed by the demo load above; Ctrl-C stops)" && \
	exec $(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind $(HOST):$(PORT) \
	  --access-logfile - --forwarded-allow-ips 127.0.0.1 wsgi:app

test: $(STAMP) translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## PNGs of every kiosk screen, portrait 1080x1920 and landscape 1920x1080, in ./screenshots/
## (git-ignored), taken by the browser tests in Debian's chromium.
screenshots: $(STAMP) translations
	$(BIN)/python -m pytest tests/browser -q -p no:cacheprovider --screenshots screenshots

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

FACES ?= ../shared/faces

bench: $(STAMP) translations
	GIGMARKET_ENV=testing $(BIN)/gigmarket bench identity --json
	GIGMARKET_ENV=testing $(BIN)/gigmarket bench match --json
	@if [ -d "$(FACES)" ]; then GIGMARKET_ENV=testing $(BIN)/gigmarket bench face "$(FACES)" --json; \
	else echo "bench face skipped: no photo folder at $(FACES) (set FACES=DIR)"; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(MO)

## After adding or changing user-facing strings: refresh the catalog, then translate the new
## entries in webapp/translations/zh_Hans_CN/LC_MESSAGES/messages.po (tests fail on untranslated ones).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --width 100 -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d webapp/translations --no-fuzzy-matching --ignore-obsolete --width 100
	rm messages.pot
