# islands-chaos, the crash-injection harness (docs/CHAOS.md), and `make chaos`:
#
#   make chaos                         every strategy in turn, all faults
#   make chaos DURATION=300 SEED=42    longer main phases, a chosen seed
#   make chaos FAULTS=kill,daemon GAMES=16
#
# `make check` runs a short seeded run of every fault kind through
# tests/integration/test_chaos.c.

CHAOS := $(BUILD)/islands-chaos
CHAOS_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard tests/chaos/*.c)))

DURATION ?= 45
SEED ?=
GAMES ?= 8
FAULTS ?= all
CHAOS_ARGS := --duration $(DURATION) --games $(GAMES) --faults $(FAULTS) \
              $(if $(SEED),--seed $(SEED))

$(CHAOS): $(CHAOS_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

.PHONY: chaos
chaos: $(PROGRAMS) $(CHAOS)
	@status=0; for strategy in simple_one_for_one one_for_one one_for_all rest_for_one; do \
	  ISLANDSD=$(CURDIR)/$(ISLANDSD) ISLANDS_WORKER=$(CURDIR)/$(WORKER) \
	  ISLANDS_WRITER=$(CURDIR)/$(WRITER) \
	  $(CHAOS) --strategy $$strategy $(CHAOS_ARGS) || status=1; \
	done; exit $$status

# The integration test runs the harness.
$(BUILD)/tests/integration/test_chaos: | $(CHAOS)
