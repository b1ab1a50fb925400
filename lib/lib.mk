# SPDX-License-Identifier: GPL-2.0
# libasyncrt: included by the top-level Makefile.

LIB_VERSION := 1.0.0
LIB_SONAME := libasyncrt.so.1
LIB_SRCS := lib/ring.c lib/rt.c lib/op.c lib/chan.c lib/group.c lib/net.c lib/socket.c
LIB_OBJS := $(LIB_SRCS:%.c=$(O_USER)/%.o)
LIB_PIC_OBJS := $(LIB_SRCS:%.c=$(O_USER)/%.pic.o)
LIB_A := $(O_USER)/libasyncrt.a
LIB_SO := $(O_USER)/$(LIB_SONAME)
LIB_HDRS := lib/include/asyncrt.h lib/include/asyncrt_rt.h uapi/linux/asyncrt.h

lib: $(LIB_A) $(LIB_SO) $(O_USER)/asyncrt.pc

$(O_USER)/lib/%.o: lib/%.c $(LIB_HDRS) lib/uapi_check.h lib/rt_internal.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O_USER)/lib/%.pic.o: lib/%.c $(LIB_HDRS) lib/uapi_check.h lib/rt_internal.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_PIC_OBJS) lib/libasyncrt.map
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script=lib/libasyncrt.map \
		-o $@ $(LIB_PIC_OBJS)
	ln -sf $(LIB_SONAME) $(O_USER)/libasyncrt.so

$(O_USER)/asyncrt.pc: lib/asyncrt.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIB_VERSION)|' $< > $@

lib_install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/linux
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(LIB_SONAME) $(DESTDIR)$(PREFIX)/lib/libasyncrt.so
	install -m 644 $(O_USER)/asyncrt.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 644 lib/include/asyncrt.h lib/include/asyncrt_rt.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 uapi/linux/asyncrt.h $(DESTDIR)$(PREFIX)/include/linux/

# The library again, with AddressSanitizer and UBSan, for the sanitized
# selftests only (selftests.mk): its own objects, never installed.
ASAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
O_ASAN := $(O_USER)/asan
LIB_ASAN_OBJS := $(LIB_SRCS:%.c=$(O_ASAN)/%.o)
LIB_ASAN_A := $(O_ASAN)/libasyncrt.a

$(O_ASAN)/lib/%.o: lib/%.c $(LIB_HDRS) lib/uapi_check.h lib/rt_internal.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ASAN_CFLAGS) -c -o $@ $<

$(LIB_ASAN_A): $(LIB_ASAN_OBJS)
	rm -f $@
	ar rcs $@ $^
