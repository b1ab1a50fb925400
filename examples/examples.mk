# SPDX-License-Identifier: GPL-2.0
# Examples: static programs, so the same binary runs in the test guests.

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLE_BINS := $(EXAMPLE_SRCS:%.c=$(O_USER)/%)

examples: $(EXAMPLE_BINS)

$(O_USER)/examples/%: examples/%.c $(LIB_A) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -static -pthread -o $@ $< $(LIB_A)
