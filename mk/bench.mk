# islands-bench, the load generator, and `make bench` (docs/BENCHMARKS.md):
#
#   make bench                         every scenario, full size (20-30 minutes)
#   make bench QUICK=1                 a small version of each (under two minutes)
#   make bench SCENARIOS=moves,idle    only these
#
# Figures are printed beside their targets and appended as JSON lines to
# bench/results/results.jsonl (not tracked). Never part of `make check`;
# check runs only a seconds-long smoke test of the program.

BENCH := $(BUILD)/islands-bench
BENCH_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard bench/*.c)))

QUICK ?=
SCENARIOS ?=
BENCH_ARGS := $(if $(filter 1 yes true,$(QUICK)),--quick) \
              $(if $(SCENARIOS),--scenario $(SCENARIOS))

$(BENCH): $(BENCH_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

.PHONY: bench
bench: $(PROGRAMS) $(BENCH)
	ISLANDSD=$(CURDIR)/$(ISLANDSD) ISLANDS_WORKER=$(CURDIR)/$(WORKER) \
	  ISLANDS_WRITER=$(CURDIR)/$(WRITER) \
	  $(BENCH) $(BENCH_ARGS) --results $(CURDIR)/bench/results/results.jsonl

# The smoke test runs the program.
$(BUILD)/tests/integration/test_bench_smoke: | $(BENCH)
