# SPDX-License-Identifier: GPL-2.0
# Userspace selftests: every selftests/<area>/*_test.c is one static program
# (the guest has no libc of its own) built on the kselftest harness, which is
# taken from Debian's linux-source package by selftests/vm/tools.sh, never
# copied here; and the same program again, sanitized (below).

TEST_SRCS := $(wildcard selftests/*/*_test.c)
TEST_BINS := $(TEST_SRCS:%.c=$(O_USER)/%)
TEST_HDRS := $(wildcard selftests/*/*.h)
TEST_ASAN_BINS := $(TEST_SRCS:%.c=$(O_ASAN)/%)
TEST_CFLAGS = $(ALL_CFLAGS) -Wno-sign-compare -Wno-missing-prototypes -Iselftests \
	-isystem $$(selftests/vm/tools.sh)/tools/testing/selftests

.PHONY: selftests-asan
selftests: $(TEST_BINS) selftests-asan

# The allocation-failure tests wrap the allocator for their own program
# only: the library is a static archive in the same link, so its calls
# reach the test's __wrap_* functions (executor/alloc_fail_test.c).
ALLOC_WRAP := malloc calloc realloc free mmap munmap
$(O_USER)/selftests/executor/alloc_fail_test \
$(O_ASAN)/selftests/executor/alloc_fail_test: \
	TEST_LDFLAGS := $(foreach f,$(ALLOC_WRAP),-Wl,--wrap=$(f))

$(O_USER)/selftests/%: selftests/%.c $(LIB_A) $(LIB_HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -static -pthread $(TEST_LDFLAGS) -o $@ $< $(LIB_A) -luring

# The same programs with ASan and UBSan over the sanitized library. The
# sanitizer runtimes exist only as shared objects, so these are dynamic:
# make_initramfs packs the loader and whatever ldd says they need, and the
# guest runs them as asan:<name> blocks. liburing stays static, one less
# library to carry. Every _exit() (the harness ends each test's child so)
# runs LeakSanitizer's check first: see selftests/asan/exit_leak_check.c.
selftests-asan: $(TEST_ASAN_BINS)

$(O_ASAN)/exit_leak_check.o: selftests/asan/exit_leak_check.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ASAN_CFLAGS) -c -o $@ $<

$(O_ASAN)/selftests/%: selftests/%.c $(LIB_ASAN_A) $(O_ASAN)/exit_leak_check.o \
		$(LIB_HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(ASAN_CFLAGS) -pthread -Wl,--wrap=_exit $(TEST_LDFLAGS) -o $@ $< \
		$(O_ASAN)/exit_leak_check.o $(LIB_ASAN_A) \
		-Wl,-Bstatic -luring -Wl,-Bdynamic
