# Differential fuzz targets (tests/fuzz/README.md), built with clang's
# libFuzzer and ASan + UBSan into build/fuzz/. Never part of `make check`,
# which only replays their seeds (check-fuzz-seeds, below).
#
#   make fuzz                          build them all, run each FUZZ_TIME seconds
#   make fuzz FUZZ_TARGETS=req_text FUZZ_TIME=600
#
# Each target keeps its corpus in build/fuzz/corpus/NAME, started from the
# seeds in tests/fuzz/seeds/NAME; a failing input is written to build/fuzz/.
# A small ASan quarantine: the game targets allocate much, and the fresh
# pages a large one keeps touching made them several times slower.

FUZZ_BUILD := build/fuzz
FUZZ_CC := clang
FUZZ_CFLAGS := -g -O1 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Isrc \
               -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_DEB_PACKAGES := clang libclang-rt-dev
FUZZ_TIME ?= 120
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
# Checks the targets share: every tests/fuzz/*.c that is neither a target
# nor the replay main below.
FUZZ_SUPPORT_SRC := $(filter-out tests/fuzz/fuzz_% tests/fuzz/replay.c,$(sort $(wildcard tests/fuzz/*.c)))
FUZZ_SUPPORT_OBJ := $(FUZZ_SUPPORT_SRC:%.c=$(FUZZ_BUILD)/%.o)

$(FUZZ_BUILD)/.deps-ok: scripts/ensure-deps.sh | $(DEPS_STAMP)
	@sh scripts/ensure-deps.sh $(FUZZ_DEB_PACKAGES)
	@mkdir -p $(@D) && touch $@

# The library is instrumented for coverage too, not only the targets.
$(FUZZ_BUILD)/%.o: %.c | $(FUZZ_BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_SUPPORT_OBJ) $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for name in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$name; \
	  echo "fuzz: $$name for $(FUZZ_TIME) s"; \
	  ASAN_OPTIONS=quarantine_size_mb=8 $(FUZZ_BUILD)/fuzz_$$name -max_total_time=$(FUZZ_TIME) \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/$$name- \
	    $(FUZZ_BUILD)/corpus/$$name tests/fuzz/seeds/$$name || exit 1; \
	done

# The writer's own code the targets hold against the library (all of it
# but its main: relay.c reaches the rest).
FUZZ_WRITER_SRC := $(filter-out writer/main.c,$(sort $(wildcard writer/*.c)))
$(FUZZ_BUILD)/fuzz_commit_text: $(FUZZ_WRITER_SRC:%.c=$(FUZZ_BUILD)/%.o)

# `make check` replays every target's seeds (tests/fuzz/replay.c): the
# targets built with the project's compiler and flags, so that one that no
# longer links, or a seed that fails again, fails the check without clang.
FUZZ_REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)
$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o \
                              $(FUZZ_SUPPORT_SRC:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(CHECK_LIBS) $(PKG_LIBS)
$(BUILD)/tests/fuzz/replay_commit_text: $(FUZZ_WRITER_SRC:%.c=$(BUILD)/%.o)

check-fuzz-seeds: $(FUZZ_REPLAYS)
	@ISLANDS_SRC=$(CURDIR) $(CHECK_TIMEOUT_ENV) sh scripts/run-tests.sh "fuzz seeds" $(FUZZ_REPLAYS)
