# keel — top-level build. `make` builds everything into build/;
# `make run` boots the demo; `make test` runs every test; `make bench`.
#
# Nothing foreign is committed: musl comes from Debian's source package
# (scripts/build-musl.sh), fetched and verified into build/src/.

B := build
CC ?= gcc
HOSTCC := gcc
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)
LIBGCC := $(shell $(CC) -print-libgcc-file-name)

MUSL := $(B)
MUSL_STAMP := $(MUSL)/lib/libc.a

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare
# keel's own image code: musl's headers, no host headers, no PIE, no SSP
# (it runs before TLS exists).
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -nostdinc -isystem $(MUSL)/include \
	-isystem $(GCC_INCLUDE) -Iinclude -fno-pie -fno-pic \
	-fno-stack-protector -ffunction-sections -fdata-sections \
	-fno-omit-frame-pointer
HCFLAGS := -std=gnu11 -O2 -g $(WARN) -Iinclude

SYS_SRCS := $(wildcard sys/*.c fs/*.c)
BASE_SRCS := $(wildcard base/linux/*.c base/kvm/*.c base/pvh/*.c base/virtio/*.c base/x86/*.c)
BASE_ASM := $(wildcard base/pvh/*.S base/x86/*.S)
KEEL_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(SYS_SRCS) $(BASE_SRCS)) \
	$(patsubst %.S,$(B)/obj/%.o,$(BASE_ASM))
KEEL_HDRS := $(wildcard include/keel/*.h sys/*.h fs/*.h base/*/*.h) sys/syscalls.def

# lwIP (scripts/build-lwip.sh: Debian's source, keel's lwipopts.h) and
# keel's glue over it (net/lwip/), two archives keel-cc links by
# reference only: an image that never starts the network has none of it.
LWIP_LIB := $(B)/lib/liblwip.a
NET_LIB := $(B)/lib/libkeelnet.a
NET_SRCS := $(wildcard net/lwip/*.c)
NET_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(NET_SRCS))
NET_HDRS := $(wildcard net/lwip/*.h net/lwip/arch/*.h) include/keel/net.h

TOOLS := $(B)/bin/keel-cc $(B)/bin/keel-run
APPS := $(B)/apps/hello $(B)/apps/httpd


.PHONY: all run hello test bench clean distclean deps deps-check docs unit guest lwip site debian-apps
all: deps-check $(TOOLS) $(B)/lib/keel.o $(APPS)

# A fresh machine needs no set-up step: this fast check (one dpkg-query)
# installs missing Debian packages as root, and only then (scripts/deps.sh).
deps-check:
	@scripts/deps.sh --if-missing

$(MUSL_STAMP): scripts/build-musl.sh scripts/fetch-src.sh $(wildcard libc/*/* libc/*/*/* libc/*/*/*/*) | deps-check
	@mkdir -p $(B)
	scripts/build-musl.sh $(B)

$(B)/obj/%.o: %.c $(KEEL_HDRS) $(MUSL_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c -o $@ $<

$(B)/obj/%.o: %.S $(KEEL_HDRS) $(MUSL_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c -o $@ $<

# All of keel in one relocatable object, linked whole into every image
# (its syscall table refers to every system_<name> anyway).
# (Debug info stays in build/lib/keel-debug.o; images carry none of it.)
$(B)/lib/keel.o: $(KEEL_OBJS)
	@mkdir -p $(dir $@)
	ld -r -o $(B)/lib/keel-debug.o $(KEEL_OBJS)
	objcopy --strip-debug $(B)/lib/keel-debug.o $@

lwip: $(LWIP_LIB) $(NET_LIB)

$(LWIP_LIB): scripts/build-lwip.sh scripts/fetch-src.sh net/lwip/lwipopts.h net/lwip/arch/cc.h $(MUSL_STAMP)
	CC="$(CC)" CFLAGS="$(KCFLAGS)" scripts/build-lwip.sh $(B)

# The glue sees lwIP's installed headers and keel's core (sys/).
$(B)/obj/net/%.o: net/%.c $(NET_HDRS) $(KEEL_HDRS) $(LWIP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -I. -c -o $@ $<

$(NET_LIB): $(NET_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $(NET_OBJS)
	strip --strip-debug $@

$(B)/bin/keel-cc: tools/keel-cc.in tools/keel-cc.specs $(B)/lib/keel.o $(MUSL_STAMP) $(LWIP_LIB) $(NET_LIB)
	@mkdir -p $(dir $@) $(B)/include/keel
	cp include/keel/keel.h include/keel/abi.h include/keel/platform.h include/keel/net.h \
	    $(B)/include/keel/
	cp tools/keel-cc.specs $(B)/lib/keel-cc.specs
	sed -e 's|@CC@|$(CC)|g' -e 's|@GCC_INCLUDE@|$(GCC_INCLUDE)|g' \
	    -e 's|@LIBGCC@|$(LIBGCC)|g' $< > $@
	chmod +x $@

MONITOR_SRCS := monitor/keel-run.c monitor/options.c monitor/image.c monitor/kvm.c \
	monitor/sandbox.c monitor/child.c monitor/qemu.c monitor/linux.c monitor/blk.c monitor/net.c \
	monitor/initrd.c fs/cpio.c
# keel-run is linked at 1 GiB, clear of the images it loads into itself
# (monitor/linux.c), and statically against the host's musl where Debian's
# musl-tools is installed: a static glibc program spends ~0.4 ms in
# cpuid before main on nested KVM. The kernel's uapi headers (linux/kvm.h)
# come from linux-libc-dev through a directory of links.
MUSL_GCC := $(shell command -v musl-gcc 2>/dev/null)
UAPI := $(B)/uapi
ifneq ($(MUSL_GCC),)
MONITOR_CC := $(MUSL_GCC) -isystem $(UAPI)
else
MONITOR_CC := $(HOSTCC)
endif

$(UAPI)/.stamp:
	@mkdir -p $(UAPI)
	ln -sfn /usr/include/linux $(UAPI)/linux
	ln -sfn /usr/include/asm-generic $(UAPI)/asm-generic
	ln -sfn /usr/include/$(shell $(HOSTCC) -dumpmachine)/asm $(UAPI)/asm
	@touch $@

$(B)/bin/keel-run: $(MONITOR_SRCS) $(wildcard monitor/*.h) fs/cpio.h include/keel/abi.h include/keel/kvm.h $(UAPI)/.stamp | deps-check
	@mkdir -p $(dir $@)
	$(MONITOR_CC) $(HCFLAGS) -static -Wl,-Ttext-segment=0x40000000 -o $@ $(MONITOR_SRCS)

$(B)/apps/%: apps/%/*.c $(B)/bin/keel-cc $(B)/lib/keel.o
	@mkdir -p $(dir $@)
	$(B)/bin/keel-cc -O2 -o $@ $(filter %.c,$^)

# keel's web server (apps/httpd): its files share one header.
$(B)/apps/httpd: $(wildcard apps/httpd/*.h)

# Real programs from Debian's source, built unmodified with keel-cc: Lua
# 5.4 and SQLite's shell (scripts/build-lua.sh, scripts/build-sqlite.sh;
# build trees in build/apps-build/). Not part of `all`: the apps tests
# (tests/guest/cases-apps.sh) make them when they first need them.
DEBIAN_APPS := $(B)/apps/lua $(B)/apps/sqlite3
debian-apps: $(DEBIAN_APPS)

$(B)/apps/lua: scripts/build-lua.sh scripts/fetch-src.sh $(B)/bin/keel-cc $(B)/lib/keel.o $(MUSL_STAMP)
	scripts/build-lua.sh $(B)

$(B)/apps/sqlite3: scripts/build-sqlite.sh scripts/fetch-src.sh $(B)/bin/keel-cc $(B)/lib/keel.o $(MUSL_STAMP)
	scripts/build-sqlite.sh $(B)

# The website unikernel (scripts/run-site.sh): apps/httpd serving
# build/site; TARGET=kvm runs it on KVM with lwIP in a network namespace.
TARGET ?= linux
run: all site
	scripts/run-site.sh $(TARGET)

# The first demo: hello, world on the best target this machine has.
hello: all
	$(B)/bin/keel-run $(B)/apps/hello

# Every test (tests/run.sh); `make unit` and `make guest` run a part.
# tests/run.sh PATTERN runs the tests whose names match PATTERN.
test: all site
	tests/run.sh

unit: all
	tests/run.sh '^unit/'

guest: all
	tests/run.sh '^guest/'

bench: all
	bench/run.sh

deps:
	scripts/deps.sh

# The website (site/ and the documents, Markdown rendered with cmark-gfm)
# into build/site; scripts/check-site.sh checks it.
site: deps-check
	scripts/build-site.sh $(B)/site

# docs/syscalls.md is generated from sys/syscalls.def; the committed copy
# must match (scripts/gen-syscall-doc.sh --check, run by the tests).
docs:
	scripts/gen-syscall-doc.sh

clean:
	rm -rf $(B)/obj $(B)/lib/keel.o $(LWIP_LIB) $(NET_LIB) $(B)/bin $(B)/apps $(B)/tests

distclean:
	rm -rf $(B)
