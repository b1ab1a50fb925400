# SPDX-License-Identifier: GPL-2.0
#
# The Makefile for humans. Kbuild builds the module; this file builds the
# library, tests and examples, and holds the commands of the README:
#   make            module (against KDIR), library, selftests, examples
#   make demo       boot the stock 6.1 kernel in QEMU and run the demo
#   make check      everything: static checks, KUnit and selftests on 3 kernels
#   make vm-shell   boot the debug kernel with the module and open a shell
#   make sparse | style | install | clean

KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else \
		ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; \
	fi)
PREFIX ?= /usr/local
DESTDIR ?=
O_USER ?= build/user
CC ?= gcc

# W=1 applies to the module (Kbuild) and, with the same meaning, to userspace.
USER_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes -D_GNU_SOURCE \
	-Iuapi -Ilib/include -I$(O_USER)/include
ifeq ($(W),1)
USER_CFLAGS += -Wshadow -Wcast-align -Wpointer-arith -Werror
endif
CFLAGS ?=
ALL_CFLAGS = $(USER_CFLAGS) $(CFLAGS)

.PHONY: all module lib selftests examples clean sparse style check demo \
	vm-shell install modules_install udev_install dkms_install bench

all: module lib selftests examples

module:
	@test -n "$(KDIR)" || { echo "no kernel headers found: apt-get install linux-headers-amd64, or make KDIR=..."; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

include lib/lib.mk
include selftests/selftests.mk
include examples/examples.mk

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CF="-D__CHECK_ENDIAN__" W=$(W) modules

style:
	@selftests/vm/checkpatch.sh

check:
	@selftests/vm/check.sh

demo:
	@selftests/vm/demo.sh

bench:
	@bench/bench.sh

vm-shell:
	@selftests/vm/vm-shell.sh

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

# The udev rule for /dev/asyncrt's permissions.
udev_install:
	install -D -m 644 kmod/60-asyncrt.rules $(DESTDIR)/lib/udev/rules.d/60-asyncrt.rules

# Register the module's sources with DKMS so it rebuilds on kernel upgrades.
DKMS_SRC := $(DESTDIR)/usr/src/asyncrt-$(LIB_VERSION)
dkms_install:
	install -d $(DKMS_SRC)
	tar -c Kbuild $$(find kmod uapi -name '*.[ch]') | tar -x -C $(DKMS_SRC)
	sed 's/@VERSION@/$(LIB_VERSION)/' kmod/dkms.conf > $(DKMS_SRC)/dkms.conf
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null; then \
		dkms add -m asyncrt -v $(LIB_VERSION) && dkms autoinstall; \
	fi

install: lib modules_install lib_install udev_install

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf build
