# islands: build, test and install.
#
#   make                 build everything into build/
#   make run             build, then run islandsd in the foreground
#   make check           build and run every test (unit + integration + chaos smoke)
#   make check SANITIZE=1  the same under ASan + UBSan (objects in build/san/)
#   make bench / chaos   longer runs, never part of check
#   make fuzz            differential fuzz targets (clang), never part of check
#
# Missing Debian -dev packages are installed with apt-get when run as root;
# otherwise the exact command is printed.

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# Every process runs several times slower under the sanitizers: give each
# Check test proportionally longer before it counts as hung.
CHECK_TIMEOUT_ENV := CK_TIMEOUT_MULTIPLIER=3
else
BUILD ?= build
SAN_FLAGS :=
endif

# The worker and the writer are linked static-pie (position independent, so
# still randomised): started and killed for every crash, restart and new
# game, they exec without the dynamic loader and die with fewer mappings
# to tear down (here: start 2.5 ms instead of 4.5, SIGKILL to reaped 0.55
# ms instead of 0.8). The sanitizers need dynamic linking.
ifeq ($(SANITIZE),1)
CHILD_LDFLAGS :=
CHILD_LIBS = $(PKG_LIBS)
else
CHILD_LDFLAGS := -static-pie
CHILD_LIBS := -ljansson -llmdb -lev -lpthread -lm
endif

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Itests/support $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)

# Debian packages every build needs: the compiler and the C library's
# static archive (the worker and the writer link static-pie) too, which a
# minimal Debian lacks.
DEB_PACKAGES := gcc libc6-dev pkg-config libev-dev libjansson-dev liblmdb-dev check \
                libsystemd-dev libinih-dev
# Tools the tests use (systemd-analyze, socket activation, man page lint,
# strace for the order of syncs and answers).
DEB_TEST_PACKAGES := systemd mandoc strace lmdb-utils

DEPS_STAMP := $(BUILD)/.deps-ok

PKG_MODULES := jansson lmdb libsystemd inih
PKG_CFLAGS = $(shell pkg-config --cflags $(PKG_MODULES) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKG_MODULES) 2>/dev/null) -lev
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

LIB := $(BUILD)/libislands.a
LIB_SRC := $(sort $(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)

ISLANDSD := $(BUILD)/islandsd
WORKER := $(BUILD)/islands-worker
WRITER := $(BUILD)/islands-writer
CLIENT := $(BUILD)/islands
PROGRAMS := $(ISLANDSD) $(WORKER) $(WRITER) $(CLIENT)

SUPERVISOR_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard supervisor/*.c)))
WORKER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard worker/*.c)))
WRITER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard writer/*.c)))
CLIENT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard client/*.c)))

# Tests: every tests/unit/test_*.c and tests/integration/test_*.c is one
# Check program; shared helpers live in tests/support/*.c.
TEST_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard tests/support/*.c)))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(sort $(wildcard tests/unit/test_*.c)))
INTEGRATION_TESTS := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(sort $(wildcard tests/integration/test_*.c)))
# Helper programs the tests start (crashing children and the like).
TEST_PROGRAMS := $(patsubst tests/programs/%.c,$(BUILD)/tests/programs/%,$(sort $(wildcard tests/programs/*.c)))

.PHONY: all deps run check check-unit check-fuzz-seeds check-integration clean
all: $(PROGRAMS)

# Keep the test objects that pattern rules build on the way, so that a
# second `make check` relinks nothing it does not have to.
.SECONDARY:

# ---------------------------------------------------------------- deps
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/ensure-deps.sh Makefile
	@sh scripts/ensure-deps.sh $(DEB_PACKAGES)
	@mkdir -p $(@D) && touch $@

# ---------------------------------------------------------------- build
$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(ISLANDSD): $(SUPERVISOR_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(WORKER): $(WORKER_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(CHILD_LDFLAGS) -o $@ $^ $(CHILD_LIBS)
$(WRITER): $(WRITER_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(CHILD_LDFLAGS) -o $@ $^ $(CHILD_LIBS)
$(CLIENT): $(CLIENT_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(TEST_SUPPORT_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS)
$(BUILD)/tests/integration/%: $(BUILD)/tests/integration/%.o $(TEST_SUPPORT_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS)
$(BUILD)/tests/programs/%: $(BUILD)/tests/programs/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---------------------------------------------------------------- run
CONFIG ?= islands.conf
run: $(PROGRAMS)
	@mkdir -p $(CURDIR)/run
	ISLANDS_WORKER=$(CURDIR)/$(WORKER) ISLANDS_WRITER=$(CURDIR)/$(WRITER) \
	  $(ISLANDSD) --config $(CONFIG) \
	  --socket $(CURDIR)/run/islandsd.sock --store $(CURDIR)/run/store

# ---------------------------------------------------------------- tests
# Tests find the programs through these variables.
TEST_ENV = ISLANDS_BUILD=$(CURDIR)/$(BUILD) ISLANDSD=$(CURDIR)/$(ISLANDSD) \
  ISLANDS_WORKER=$(CURDIR)/$(WORKER) ISLANDS_WRITER=$(CURDIR)/$(WRITER) \
  ISLANDS_CLIENT=$(CURDIR)/$(CLIENT) ISLANDS_SRC=$(CURDIR) \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  $(CHECK_TIMEOUT_ENV)

check: check-unit check-fuzz-seeds check-integration

check-unit: $(UNIT_TESTS)
	@$(CHECK_TIMEOUT_ENV) sh scripts/run-tests.sh "unit" $(UNIT_TESTS)

check-integration: $(PROGRAMS) $(TEST_PROGRAMS) $(INTEGRATION_TESTS) | test-deps
	@$(TEST_ENV) sh scripts/run-tests.sh "integration" $(INTEGRATION_TESTS)

.PHONY: test-deps
test-deps: $(BUILD)/.test-deps-ok
$(BUILD)/.test-deps-ok: scripts/ensure-deps.sh Makefile
	@sh scripts/ensure-deps.sh $(DEB_TEST_PACKAGES)
	@mkdir -p $(@D) && touch $@

clean:
	rm -rf build

# Sections kept in their own files: install, chaos, bench.
-include $(sort $(wildcard mk/*.mk))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
