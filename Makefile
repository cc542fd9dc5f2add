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

# `make cluster`: the production tier on this machine (scripts/cluster, issue #16).
.PHONY: cluster cluster-stop cluster-faults
cluster: install
	scripts/cluster up

cluster-stop:
	scripts/cluster down

# `make province`: the province demo (issue #18: 四川 around 嘉州, ~4 million members, ~15
# million answer sheets) into the `make cluster` database: var/cluster.env when the cluster
# wrote it, else the defaults scripts/cluster uses. FRACTION=0.02 builds a small one.
.PHONY: province
province: install
	@set -a; [ -f var/cluster.env ] && . var/cluster.env; set +a; \
	export DATABASE_URL=$${DATABASE_URL:-postgres://dangke:dangke@127.0.0.1:$${CLUSTER_PG_PORT:-5433}/dangke}; \
	$(DANGKE) migrate --no-input -v 0 && \
	nice -n 10 $(DANGKE) demo --scale province --if-empty $(if $(FRACTION),--fraction $(FRACTION)) && \
	$(DANGKE) demo-accounts

# Fault tests against a running cluster (tests/cluster/faults.py): kill a web instance, a
# worker, restart Redis and PostgreSQL under load.
cluster-faults: install
	$(VENV)/bin/python tests/cluster/faults.py

.PHONY: demo test test-fast test-clock lint format bench install runtime-deps system-deps messages clean audit fuzz

# The interpreter is found once (scripts/find-python explains what to install if none fits).
$(TOOLS)/python:
	@py=$$(scripts/find-python) || exit 1; \
	mkdir -p $(TOOLS) && ln -sf "$$py" $(TOOLS)/python

$(UV): | $(TOOLS)/python
	$(TOOLS)/python -m venv $(TOOLS)/venv
	$(TOOLS)/venv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	mkdir -p $(TOOLS)/bin && ln -sf ../venv/bin/uv $(UV)

# Bytecode is compiled at install: Python would otherwise compile Django and every library
# from source at each start wherever PYTHONDONTWRITEBYTECODE is set (it is on our machines),
# which doubled the start of every `dangke` command (docs/benchmarks.md, "Command start").
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $$(readlink -f $(TOOLS)/python)
	$(VENV)/bin/python -m compileall -q -j 0 dangke engines
	touch $@

# The body-language model (issue #23): MediaPipe's BlazePose inside the npm package
# @mediapipe/pose (Apache-2.0), checked against its SHA-256; engines/pose/model.py reads it.
POSE_NPM := @mediapipe/pose@0.5.1675469404
POSE_SHA256 := 8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84
POSE_DIR := var/pose-model
$(POSE_DIR)/.unpacked-$(POSE_SHA256):
	@if ! command -v npm >/dev/null; then echo "npm missing: no body-language model"; exit 0; fi; \
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent $(POSE_NPM) >/dev/null) && \
	echo "$(POSE_SHA256)  $$(ls "$$tmp"/*.tgz)" | sha256sum -c --quiet && mkdir -p $(POSE_DIR) && \
	tar -xzf "$$tmp"/*.tgz -C $(POSE_DIR) --strip-components=1 package/README.md \
	  package/pose_landmark_lite.tflite package/pose_solution_packed_assets.data && touch $@

install: $(VENV)/.synced $(POSE_DIR)/.unpacked-$(POSE_SHA256)

# The demo runs with DEBUG (its accounts' passwords are public); any other start has it off.
demo: export DANGKE_DEBUG ?= true
demo: install runtime-deps
	$(DANGKE) migrate --no-input -v 0
	$(DANGKE) demo --scale city --if-empty
	$(DANGKE) demo-accounts
	$(DANGKE) demo-recording
	$(DANGKE) serve --addr 127.0.0.1:8000

APT_INSTALL = $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get

# What the running app takes from Debian: CJK fonts and Pango for WeasyPrint's PDFs,
# espeak-ng for spoken loudspeaker programmes and the demo's sample lecture. The demo still
# serves without them (PDFs and speech then say what is missing).
runtime-deps:
	@if ! command -v espeak-ng >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || \
	   ! ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1; then \
	  echo "Installing Debian's fonts-noto-cjk, espeak-ng and Pango"; \
	  { $(APT_INSTALL) update -qq && $(APT_INSTALL) install -y -qq fonts-noto-cjk espeak-ng libpangoft2-1.0-0 >/dev/null; } || \
	  { [ "$(MAKECMDGOALS)" = demo ] && echo "未能安装 fonts-noto-cjk espeak-ng libpangoft2-1.0-0：PDF 与合成语音不可用"; }; \
	fi

# Tests also drive Debian's Chromium and read generated PDFs back with poppler's pdftotext;
# nothing downloads a browser or a voice.
system-deps: runtime-deps
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null; then \
	  echo "Installing Debian's chromium and poppler-utils"; \
	  $(APT_INSTALL) update -qq && $(APT_INSTALL) install -y -qq chromium poppler-utils >/dev/null; \
	fi

# The suite runs in one process per core (pytest-xdist; each process has its own test
# database): on our 2-core machines that halves it. TEST_PROCESSES=0 runs it in this process.
# Work-stealing: a process done with its share takes tests queued behind another's slow ones
# (the demo builds, minutes each) instead of waiting idle. The slowest tests are listed last.
TEST_PROCESSES ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST_ALL := $(PYTEST) -n $(TEST_PROCESSES) --dist worksteal --durations=20

test: install system-deps
	$(PYTEST_ALL)

test-fast: install
	$(PYTEST_ALL) -m "not browser"

# The suite without the browser under a moved clock (Debian's faketime): 16:30 UTC on
# 31 December is 00:30 on New Year's Day in Shanghai. CLOCK=@... moves it elsewhere.
CLOCK ?= @2026-12-31 16:30:00
test-clock: install
	@command -v faketime >/dev/null || { $(APT_INSTALL) update -qq && $(APT_INSTALL) install -y -qq faketime >/dev/null; }
	TZ=UTC faketime -f "$(CLOCK)" $(PYTEST_ALL) -m "not browser"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(VENV)/bin/python -m bench

# Known vulnerabilities in the locked packages (pip-audit from PyPI, run by uv). It needs a
# network that reaches PyPI's vulnerability data or OSV; where it cannot, pip-audit skips
# every package and still says "No known vulnerabilities found", so scripts/audit-summary
# counts what was really checked and fails on zero (README, Security).
PIP_AUDIT := pip-audit==2.10.1
audit: install
	@mkdir -p var
	$(UV) export --frozen --format requirements-txt --no-hashes --no-emit-project -o var/audit-requirements.txt >/dev/null
	-$(UV) tool run --from $(PIP_AUDIT) pip-audit -r var/audit-requirements.txt --no-deps --disable-pip \
	  --format json --progress-spinner off -o var/audit.json 2>var/audit.log
	$(TOOLS)/python scripts/audit-summary var/audit-requirements.txt var/audit.json

messages: install
	cd dangke && ../$(DANGKE) makemessages -l en --no-obsolete --ignore='static/vendor/*'
	cd dangke && ../$(DANGKE) compilemessages -l en -l zh_Hans

clean:
	rm -rf $(VENV) $(TOOLS) var

# schemathesis against a live server over the county demo, every check, fixed seed, about
# two minutes (scripts/fuzz-api; README, Security).
fuzz: install
	scripts/fuzz-api
