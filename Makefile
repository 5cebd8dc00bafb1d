# Two entry points, each doing all the set-up on a fresh machine with Python 3.11+ and make:
#   make demo   install the package, then run the main job on the built-in synthetic LA
#   make test   install the package with its development tools, then lint, type-check,
#               build the docs and run the tests
# `make test-fast` skips the long simulation checks (CI always runs everything). Tests run on
# every core (pytest-xdist, `-n auto`); an idle worker takes queued tests from a busy one
# (`--dist worksteal`), so a long Monte Carlo check does not leave the other core waiting.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= demo-output

.PHONY: demo test test-fast install install-dev browser clean

# The installer is uv (about 10 s for everything, against about a minute for pip), installed
# into the environment from the package registry; pip does the job when uv cannot be had or
# fails (uv is told to read the system's certificates, as pip does).
define install_into_venv
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if command -v uv >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1; then \
	  UV=$$(command -v uv || echo $(BIN)/uv); \
	  echo "installing $(1) with uv"; \
	  UV_SYSTEM_CERTS=1 UV_NATIVE_TLS=1 $$UV pip install --quiet --python $(BIN)/python -e '$(1)' || { \
	    echo "uv could not install $(1); installing with pip"; \
	    $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '$(1)'; }; \
	else \
	  echo "installing $(1) with pip (uv is not available)"; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '$(1)'; \
	fi
endef

# The demo needs only the package; the tests add pytest, ruff, mypy and the docs tooling.
$(VENV)/.installed: pyproject.toml
	$(call install_into_venv,.)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml
	$(call install_into_venv,.[dev])
	@touch $@ $(VENV)/.installed

# Then the modules that the package's code (for the tests, also the tests' code) imports are
# byte-compiled once (scripts/precompile.py), so that the demo's and the tests' processes
# do not each compile them as they first import them. Byte-compiling every installed file
# instead (uv's --compile-bytecode, pip's default) compiled 12,000 modules for the package
# and 15,400 with the development tools, of which about 5,000 are imported: `make
# install-dev` took 39.3 s of CPU that way and 22.6 s this way (wall 23.4 and 21.8 s: uv
# compiles on every core, this on one, so `make test` runs it beside mypy). For the tests it
# also writes the test modules' bytecode with pytest's rewritten asserts, which each test
# worker otherwise made for itself as it collected them (about 7 s of CPU a worker).
# For the demo, the package's numba kernels are also compiled into numba's cache beside it
# (--kernels), which the first study otherwise did as it went (on a fresh clone, about 13 s
# of the demo's stage log: 62.9 -> 54.1 s); the tests compile them once themselves, while
# their workers start (tests/conftest.py).
# Only a head start: if it fails, the run goes on (and the next one tries again).
define precompile
	$(BIN)/python scripts/precompile.py $(1) && touch $(2) \
	  || echo "byte-compiling skipped: each process compiles what it imports"
endef

$(VENV)/.precompiled: $(VENV)/.installed
	@$(call precompile,--kernels escalation,$@)

$(VENV)/.precompiled-dev: $(VENV)/.installed-dev
	@$(call precompile,escalation tests,$@ $(VENV)/.precompiled)

install: $(VENV)/.precompiled
install-dev: $(VENV)/.precompiled-dev

# Headless Chromium renders the policy brief in its test (Debian's package; needs root).
# Without it that one test is skipped with its reason; nothing else needs it.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium is not installed: the brief's rendering test will be skipped"

demo: $(VENV)/.precompiled
	$(BIN)/escalation demo --out $(OUT)

test: $(VENV)/.installed-dev browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# mypy (about 40 s of one core on a fresh clone, with no cache yet) and the docs build
	@# (about 8 s of one core) run beside the byte-compiling (one core) and the tests rather
	@# than before them; their reports follow the tests', and any of the three failing fails
	@# the target.
	@echo "$(BIN)/mypy and $(BIN)/mkdocs build --strict (beside the tests; reports follow them)"
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & types=$$!; \
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(VENV)/site \
	  > $(VENV)/mkdocs.log 2>&1 & docs=$$!; \
	test $(VENV)/.precompiled-dev -nt $(VENV)/.installed-dev \
	  || { $(call precompile,escalation tests,$(VENV)/.precompiled-dev $(VENV)/.precompiled); }; \
	$(BIN)/pytest -n auto --dist worksteal; tests=$$?; \
	wait $$types; typed=$$?; wait $$docs; built=$$?; \
	cat $(VENV)/mypy.log; echo "mkdocs build: exit $$built"; cat $(VENV)/mkdocs.log; \
	test $$tests = 0 && test $$typed = 0 && test $$built = 0

test-fast: $(VENV)/.precompiled-dev
	$(BIN)/pytest -n auto --dist worksteal -m "not slow"

clean:
	rm -rf $(VENV) $(OUT) site
