# KMS Lab: two commands do everything.  `make run` serves the app, `make test` runs every test.
# Idempotent: the virtualenv and installs are stamped, so the second run is fast.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): each has its own test database, live server and Chromium. Idle
# waits (the real AWS CLI starting, gunicorn, Chromium rendering) then overlap with work in the
# other process. TEST_WORKERS=0 runs everything in one process; worksteal keeps both busy to the end.
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) $(if $(filter 0,$(TEST_WORKERS)),,--dist worksteal)

.PHONY: help venv install install-test load-content run test test-fast test-postgres backup restore loadtest fuzz bench lint serve-prod chromium clean-artifacts

help:
	@echo "make run        set up (.venv, requirements, migrate, content) and serve http://$(HOST):$(PORT)"
	@echo "make test       the whole test suite, browser tests included (needs Chromium)"
	@echo "make test-postgres  the database tests again, on a throw-away PostgreSQL cluster"
	@echo "make fuzz       property tests with fresh random examples (make test replays fixed ones)"
	@echo "make bench      benchmarks with timings (pytest-benchmark), then the CLI over 20,000 requests"
	@echo "make lint       mypy --strict on the pure core (kmslab/iam, kmslab/kms, kmslab/aws, kmslab/lab)"
	@echo "make backup     the whole database (sessions included) to backups/ (BACKUP=file to choose)"
	@echo "make restore FILE=...  replace the database's contents with a backup"
	@echo "make loadtest   simulated learners against a local server (LEARNERS, DURATION, DB=postgres)"
	@echo "make serve-prod collectstatic + gunicorn, as a deployment would run it"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(PY)

$(VENV)/.stamp-install: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.stamp-install-test: requirements.txt requirements-test.txt | $(PY)
	$(PIP) install --quiet -r requirements-test.txt
	@touch $@ $(VENV)/.stamp-install

install: $(VENV)/.stamp-install

install-test: $(VENV)/.stamp-install-test

# Load shipped content (scenarios, quiz questions). Each loader is idempotent.
load-content: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadscenarios
	$(PY) manage.py loadquestions

run: load-content
	$(PY) manage.py runserver $(HOST):$(PORT)

chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Chromium not found at $(CHROMIUM); installing Debian's chromium with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		test -x "$(CHROMIUM)" || { echo "apt-get installed chromium but $(CHROMIUM) is still missing; set CHROMIUM=/path/to/chromium"; exit 1; }; \
	else \
		echo "Browser tests need Chromium at $(CHROMIUM)."; \
		echo "Install it with:  sudo apt-get install chromium   (Debian/Ubuntu)"; \
		echo "or point to an existing binary:  make test CHROMIUM=/path/to/chromium"; \
		exit 1; \
	fi

# The whole suite on SQLite, then every database-touching test again on a throw-away PostgreSQL
# (tests/tools/with-postgres: initdb in a temporary directory, a private unix socket, deleted afterwards;
# installs Debian's postgresql with apt-get when root and missing, else fails saying how).
# Both passes run in $(TEST_WORKERS) processes.
test: install-test chromium
	$(PY) -m pytest -q $(XDIST)
	$(MAKE) --no-print-directory test-postgres

test-postgres: install-test
	tests/tools/with-postgres $(PY) -m pytest -q -m "not browser" --db-only $(XDIST)

# Everything except the browser tests (quick local loop; CI runs `make test`).
test-fast: install-test
	$(PY) -m pytest -q -m "not browser" $(XDIST)

# Property tests with fresh random examples (many more than `make test` draws); run it now and then.
fuzz: install-test
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -q -m "not browser" $(shell grep -rl --include="*.py" "@given" tests)

bench: install-test
	$(PY) -m pytest tests/bench --benchmark-enable --benchmark-only --benchmark-columns=min,median,mean,max,rounds --benchmark-sort=name -q
	$(PY) -m tests.bench.cli_bench
	$(PY) tests/tools/http_bench.py

lint: install-test
	$(PY) -m mypy --strict kmslab/iam kmslab/kms kmslab/aws kmslab/lab

serve-prod: install
	@test -n "$$SECRET_KEY" || { echo "serve-prod needs SECRET_KEY (and ALLOWED_HOSTS); see README 'Deploying'"; exit 1; }
	DEBUG=false $(PY) manage.py collectstatic --noinput
	DEBUG=false $(PY) manage.py migrate --noinput
	DEBUG=false $(VENV)/bin/gunicorn kmslab.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2} \
		--worker-class gthread --threads $${GUNICORN_THREADS:-4} --access-logfile -

# Backup and restore: every table, sessions included (anonymous learners are their session).
BACKUP ?= backups/kmslab-$(shell date -u +%Y%m%d-%H%M%S).json.gz
backup: install
	@mkdir -p $(dir $(BACKUP))
	$(PY) manage.py backup $(BACKUP)

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/kmslab-....json.gz"; exit 1; }
	$(PY) manage.py restore $(FILE)

# Learners typing in the live simulator against a gunicorn this starts on 127.0.0.1 (a fresh
# database; stops by itself). LEARNERS=60 DURATION=30 WEB_CONCURRENCY=2 GUNICORN_THREADS=4;
# DB=postgres runs it on a throw-away PostgreSQL cluster.
loadtest: install
	$(if $(filter postgres,$(DB)),tests/tools/with-postgres) $(PY) tests/tools/loadtest.py

clean-artifacts:
	rm -rf test-artifacts staticfiles
