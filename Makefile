# Dangke — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
UV_VERSION := 0.13.9
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
DANGKE := $(VENV)/bin/dangke
PYTEST := $(VENV)/bin/pytest
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test test-fast lint format bench install system-deps messages clean

# The interpreter is found once (scripts/find-python explains what to install if none fits).
$(TOOLS)/python:
	@py=$$(scripts/find-python) || exit 1; \
	mkdir -p $(TOOLS) && ln -sf "$$py" $(TOOLS)/python

$(UV): | $(TOOLS)/python
	$(TOOLS)/python -m venv $(TOOLS)/venv
	$(TOOLS)/venv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	mkdir -p $(TOOLS)/bin && ln -sf ../venv/bin/uv $(UV)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $$(readlink -f $(TOOLS)/python)
	touch $@

install: $(VENV)/.synced

demo: install
	$(DANGKE) migrate --no-input -v 0
	$(DANGKE) demo --scale city --if-empty
	$(DANGKE) demo-accounts
	$(DANGKE) serve --addr 127.0.0.1:8000

# Chromium, CJK fonts, espeak-ng (speech for text loudspeaker programmes) and Pango (for
# WeasyPrint's PDFs) come from Debian's packages; nothing downloads a browser or a voice.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v espeak-ng >/dev/null || \
	   ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || \
	   ! ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium, fonts-noto-cjk, espeak-ng and Pango"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk espeak-ng libpangoft2-1.0-0 >/dev/null; \
	fi

test: install system-deps
	$(PYTEST)

test-fast: install
	$(PYTEST) -m "not browser"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(VENV)/bin/python -m bench

messages: install
	cd dangke && ../$(DANGKE) makemessages -l en --no-obsolete --ignore='static/vendor/*'
	$(VENV)/bin/python scripts/translations_en.py dangke/locale/en/LC_MESSAGES/django.po
	cd dangke && ../$(DANGKE) compilemessages -l en

clean:
	rm -rf $(VENV) $(TOOLS) var
