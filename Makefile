# steward — plain Makefile (GNU make). See README.md.
#
#   make                 build ./steward
#   make check           build and run every test (unit, e2e); SANITIZE=1 for ASan+UBSan
#   make demo            a rehearsal of sms2003-sp2-upgrade with simulated site logs
#   make bench           every benchmark, each beside its baseline
#   make fuzz FUZZ=NAME FUZZ_SECONDS=N   run one libFuzzer target (clang)
#   make install / uninstall   (PREFIX, DESTDIR)
#   make deps            install the Debian packages the build and tests need

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
RUNBOOKDIR ?= $(DATADIR)/steward/runbooks
ASSETDIR   ?= $(DATADIR)/steward/assets
PKG_CONFIG ?= pkg-config
VERSION    := 0.1.0

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wold-style-definition -Wvla -Wnull-dereference \
           -Wimplicit-fallthrough -Wundef -Wcast-qual -Wwrite-strings
CORE_PKGS := sqlite3 yaml-0.1 libcrypto jansson
TUI_PKGS  := ncursesw
TEST_PKGS := criterion

ifeq ($(SANITIZE),1)
BUILD      ?= build/san
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD      ?= build/default
SAN_FLAGS  :=
endif

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

ALL_CPPFLAGS := -Iinclude -D_GNU_SOURCE -DSTEWARD_VERSION='"$(VERSION)"' \
                -DSTEWARD_RUNBOOK_DIR='"$(RUNBOOKDIR)"' -DSTEWARD_ASSET_DIR='"$(ASSETDIR)"' \
                $(call pc_cflags,$(CORE_PKGS) $(TUI_PKGS)) $(CPPFLAGS)
ALL_CFLAGS   := -std=c17 $(WARN) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS  := $(SAN_FLAGS) $(LDFLAGS)
CORE_LIBS    := $(call pc_libs,$(CORE_PKGS)) -lm
TUI_LIBS     := $(call pc_libs,$(TUI_PKGS))
TEST_LIBS    := $(call pc_libs,$(TEST_PKGS))

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The core (no curses): every src/*.c except main.c, the verbs and the TUI.
CORE_SRC := $(filter-out src/main.c src/cmd_%.c,$(wildcard src/*.c))
APP_SRC  := src/main.c $(wildcard src/cmd_*.c) $(wildcard src/tui/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/%.o)
LIBCORE  := $(BUILD)/libsteward.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELPERS := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
E2E      := $(sort $(wildcard tests/e2e/test_*.sh))

.PHONY: all check unit e2e demo bench fuzz fuzz-build install uninstall clean deps deps-check \
        lint-runbooks cppcheck FORCE

all: steward

steward: $(BUILD)/steward FORCE
	$(Q)cmp -s $< $@ || cp $< $@

$(BUILD)/steward: $(APP_OBJ) $(LIBCORE)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(APP_OBJ) $(LIBCORE) $(TUI_LIBS) $(CORE_LIBS)

$(LIBCORE): $(CORE_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests link the core library only: the linker proves the core has no curses.
$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(LIBCORE)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CPPFLAGS) -Itests/unit -DSTEWARD_SOURCE_DIR='"$(CURDIR)"' $(ALL_CFLAGS) $(ALL_LDFLAGS) \
		-o $@ $< $(UNIT_HELPERS) $(LIBCORE) $(TEST_LIBS) $(CORE_LIBS)

check: deps-check steward $(UNIT_BIN)
	@./steward lint runbooks && echo "runbooks: lint clean"
	@bash tests/run-unit.sh $(UNIT_BIN)
	@STEWARD_BIN=$(CURDIR)/steward bash tests/run-e2e.sh $(E2E)

unit: deps-check $(UNIT_BIN)
	@bash tests/run-unit.sh $(UNIT_BIN)

e2e: deps-check steward
	@STEWARD_BIN=$(CURDIR)/steward bash tests/run-e2e.sh $(E2E)

demo: deps-check steward
	@bash tests/demo.sh

bench: deps-check steward
	@bash bench/run-all.sh

# libFuzzer targets (clang): tests/fuzz/fuzz_NAME.c against the core sources.
FUZZ         ?= runbook
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
fuzz-build: $(FUZZ_BUILD)/fuzz_$(FUZZ)
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRC)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(ALL_CPPFLAGS) -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(CORE_SRC) $(CORE_LIBS)
fuzz: deps-check $(FUZZ_BUILD)/fuzz_$(FUZZ)
	@mkdir -p build/fuzz/corpus-$(FUZZ)
	$(FUZZ_BUILD)/fuzz_$(FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		build/fuzz/corpus-$(FUZZ) tests/fuzz/corpus/$(FUZZ)

cppcheck:
	cppcheck --enable=warning,performance,portability --std=c11 --inline-suppr -q \
		-Iinclude -D_GNU_SOURCE src

lint-runbooks: steward
	./steward lint runbooks

install: steward
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(RUNBOOKDIR) $(DESTDIR)$(ASSETDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 steward $(DESTDIR)$(BINDIR)/steward
	install -m 644 runbooks/*.yaml $(DESTDIR)$(RUNBOOKDIR)/
	cp -R assets/. $(DESTDIR)$(ASSETDIR)/
	install -m 644 man/steward.1 $(DESTDIR)$(MANDIR)/man1/steward.1
	install -m 644 man/steward-runbook.5 $(DESTDIR)$(MANDIR)/man5/steward-runbook.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/steward $(DESTDIR)$(MANDIR)/man1/steward.1 \
		$(DESTDIR)$(MANDIR)/man5/steward-runbook.5
	rm -rf $(DESTDIR)$(DATADIR)/steward

clean:
	rm -rf build steward

# Debian packages for build, tests, demo, fuzzing and benchmarks.
DEB_PKGS := build-essential pkg-config libncurses-dev libsqlite3-dev libyaml-dev libssl-dev \
            libjansson-dev libcriterion-dev sqlite3 tmux clang libclang-rt-14-dev valgrind \
            hyperfine python3 procps
deps:
	@bash tests/deps.sh install $(DEB_PKGS)
deps-check:
	@bash tests/deps.sh check $(DEB_PKGS)

FORCE:

-include $(CORE_OBJ:.o=.d) $(APP_OBJ:.o=.d)
