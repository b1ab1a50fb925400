// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into the sanitized selftests only, which are linked with
 * -Wl,--wrap=_exit. LeakSanitizer checks for leaks from an atexit handler,
 * but the kselftest harness runs each test in a child that ends with
 * _exit(), so a leak in a test, or in the library under it, would never be
 * looked for. Check before leaving: a leak ends the child as a sanitizer
 * report does (ASAN_OPTIONS, set by the guest's init), and the harness
 * reports the test failed.
 */
#include <sanitizer/lsan_interface.h>

void __real__exit(int status) __attribute__((__noreturn__));
void __wrap__exit(int status) __attribute__((__noreturn__));

void __wrap__exit(int status)
{
	__lsan_do_leak_check();
	__real__exit(status);
}
