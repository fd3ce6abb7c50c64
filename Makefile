# The two commands of the README:
#   make run    install everything and start the whole system on the embedded default
#   make test   install everything and run the whole test suite
# and `make reset-demo`, which starts the demo afresh.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run reset-demo test lint bench browser-deps translations

# Said before each step: the install is silent otherwise (--quiet) and takes minutes the first time.
$(STAMP): requirements.txt requirements-dev.txt
	@echo "[1/3] creating the virtual environment $(VENV) (first time only)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[2/3] installing the Python packages of requirements-dev.txt into $(VENV) (a few minutes the first time)"
	@$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@echo "[3/3] installing this project into $(VENV)"
	@$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# `make run PORT=8080` serves on another port (up refuses a port that is not 1-65535).
PORT ?= 5000
run: $(STAMP)
	$(BIN)/flask --app hotline up --port "$(PORT)"

# Forget the embedded demo (SQLite database, models, queued jobs) and start it afresh.
reset-demo: $(STAMP)
	$(BIN)/flask --app hotline up --reset --port "$(PORT)"

# Browser tests drive Debian's Chromium (with CJK fonts for legible screenshots); installed when
# missing and we are root, as on CI.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium missing: browser tests will be skipped (sudo apt-get install chromium)"; fi; }

# The suite runs in 4 processes (pytest-xdist), each with its own database and Redis database
# (tests/conftest.py): more than the 2 cores of CI because the slow tests mostly wait on other
# processes and clocks. They come first and are handed out one or two at a time, so they start
# together on different processes; the browser tests are one group (--dist loadgroup), sent
# first to one process, so one Chromium serves them all. TEST_WORKERS=0 runs it in this process
# alone.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (it is, on the project's VMs):
# otherwise each test process parses and assertion-rewrites the 280 test modules again, 7 of
# its 17 CPU-seconds of collection, and on every later run too.
TEST_WORKERS ?= 4
test: $(STAMP) browser-deps
	$(BIN)/ruff check .
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .

# Each benchmark prints its figures and writes bench/results/<name>.json (intake needs `wrk`;
# chaos starts its own PostgreSQL and Redis under /tmp/chaos-* and exits 1 when a check fails).
bench: $(STAMP)
	for b in intake deadlines dashboard agent_console classifier request_types search chaos risk surges; do \
	  $(BIN)/python -m bench.$$b.run || exit 1; done

# Chinese msgids -> English catalogue: extract from Python and templates, merge into
# translations/en/LC_MESSAGES/messages.po (translate the new empty msgstrs there), compile the .mo.
# The compiled .mo is committed, so a clean checkout runs without this step;
# tests/hotline/test_i18n.py fails when either is out of date.
BABEL_OPTS := --no-location --no-wrap --sort-output
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l $(BABEL_OPTS) --project=hotline -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/pybabel compile -d translations -l en --statistics
