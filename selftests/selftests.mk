# SPDX-License-Identifier: GPL-2.0
# Userspace selftests: every selftests/<area>/*_test.c is one static program
# (the guest has no libc) built on the kselftest harness, which is taken from
# Debian's linux-source package by selftests/vm/tools.sh, never copied here.

TEST_SRCS := $(wildcard selftests/*/*_test.c)
TEST_BINS := $(TEST_SRCS:%.c=$(O_USER)/%)
TEST_HDRS := $(wildcard selftests/*/*.h)

selftests: $(TEST_BINS)

# The allocation-failure tests wrap the allocator for their own program
# only: the library is a static archive in the same link, so its calls
# reach the test's __wrap_* functions (executor/alloc_fail_test.c).
ALLOC_WRAP := malloc calloc realloc free mmap munmap
$(O_USER)/selftests/executor/alloc_fail_test: \
	TEST_LDFLAGS := $(foreach f,$(ALLOC_WRAP),-Wl,--wrap=$(f))

$(O_USER)/selftests/%: selftests/%.c $(LIB_A) $(LIB_HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-sign-compare -Wno-missing-prototypes -Iselftests \
		-isystem $$(selftests/vm/tools.sh)/tools/testing/selftests \
		-static -pthread $(TEST_LDFLAGS) -o $@ $< $(LIB_A) -luring
