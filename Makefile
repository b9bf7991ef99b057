# keepcert: see README.md. `./build.sh` installs what the build needs and
# then runs `make`.

VERSION = 0.1.0
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
DESTDIR ?=

# The release build: musl, static, small. CC= picks another compiler,
# for example a musl cross compiler for a router.
ifeq ($(origin CC),default)
CC = musl-gcc
endif
BUILD ?= build
BR_SRC = build/bearssl-src

OPT ?= -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-stack-protector
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Wno-format-truncation
LDFLAGS ?= -static -Wl,--gc-sections -s
# The archiver that matches CC: a cross gcc names its own, the host gcc plain ar.
ifeq ($(origin AR),default)
AR := $(shell $(CC) -print-prog-name=ar)
endif
# The target triple that "keepcert version" prints. Debian's gcc says -gnu
# even when it links against musl through a specs file, so -gnu becomes
# -musl and the ABI after it stays: arm-linux-gnueabihf is arm-linux-musleabihf.
TARGET ?= $(shell $(CC) -dumpmachine 2>/dev/null | sed "s/-gnu/-musl/")
BEARSSL_VERSION := $(shell awk '$$1 == "version" { print $$2 }' third_party/bearssl.pin)
CPPFLAGS = -I$(BR_SRC)/inc -Isrc -D_GNU_SOURCE -DKEEPCERT_VERSION='"$(VERSION)"' \
	-DKEEPCERT_TARGET='"$(TARGET)"' \
	-DBEARSSL_VERSION='"$(BEARSSL_VERSION)"'
CFLAGS = -std=c11 $(OPT) $(WARN) $(EXTRA_CFLAGS)
BR_CFLAGS = $(OPT) $(EXTRA_CFLAGS) -w

SRC := $(sort $(wildcard src/*.c))
LIB_SRC := $(filter-out src/main.c,$(SRC))
OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC))
LIB_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(patsubst tests/unit/%.c,$(BUILD)/unit/%.o,$(UNIT_SRC))
BR_LIB = $(BUILD)/libbearssl.a
HEADERS := $(wildcard src/*.h) $(wildcard tests/unit/*.h)

# The release binary lands at ./keepcert; other builds keep theirs in $(BUILD).
ifeq ($(BUILD),build)
BIN = keepcert
else
BIN = $(BUILD)/keepcert
endif

.PHONY: all test test-unit test-integration sanitize install clean fuzz roots cross test-cross bench bench-peers
all: $(BIN)

# $(BUILD)/flags holds the compiler and flags of the last build in that
# directory; when they change, every object there is rebuilt, so switching
# between release, sanitizer and cross flags never links stale objects.
FLAGS_STAMP = $(BUILD)/flags
FLAGS_NOW = $(CC) $(CPPFLAGS) $(CFLAGS) $(BR_CFLAGS) $(LDFLAGS)
ifneq ($(file <$(FLAGS_STAMP)),$(FLAGS_NOW))
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_STAMP),$(FLAGS_NOW))
endif

$(BR_SRC)/.verified:
	third_party/fetch-bearssl.sh $(BR_SRC)

$(BR_LIB): $(BR_SRC)/.verified third_party/bearssl.mk $(FLAGS_STAMP)
	@echo "building BearSSL into $(BUILD)"
	@$(MAKE) --no-print-directory -f third_party/bearssl.mk BUILD=$(BUILD) BR_SRC=$(BR_SRC) FLAGS_STAMP=$(FLAGS_STAMP) \
		CC='$(CC)' AR='$(AR)' BR_CFLAGS='$(BR_CFLAGS)'

$(BUILD)/obj/%.o: src/%.c $(HEADERS) $(BR_SRC)/.verified $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c $(HEADERS) $(BR_SRC)/.verified $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<

$(BIN): $(OBJ) $(BR_LIB)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(BR_LIB)
	@echo "$@: $$(wc -c < $@) bytes"

$(BUILD)/unit-tests: $(UNIT_OBJ) $(LIB_OBJ) $(BR_LIB)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIB_OBJ) $(BR_LIB)

# A test-only front end to the format modules, which the integration tests
# compare with openssl; it is never installed.
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
$(BUILD)/kc-tool: $(TOOL_SRC) $(LIB_OBJ) $(BR_LIB) $(HEADERS)
	@echo "  LD      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(TOOL_SRC) $(LIB_OBJ) $(BR_LIB)

# Unit tests first, then integration tests, never both at once.
test:
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-integration

test-unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

test-integration: $(BIN) $(BUILD)/kc-tool
	KEEPCERT=$(abspath $(BIN)) KC_TOOL=$(abspath $(BUILD)/kc-tool) tests/integration/run.sh $(TESTS)

# A second build with the system compiler and AddressSanitizer plus
# UndefinedBehaviorSanitizer, running the unit and integration tests.
# BearSSL is built without the alignment check: on x86 it reads 64-bit
# words at unaligned addresses on purpose (BR_LE_UNALIGNED in its inner.h).
SAN_CC ?= gcc
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
sanitize:
	@KEEPCERT_DYNAMIC=1 $(MAKE) --no-print-directory BUILD=build/san CC=$(SAN_CC) OPT='$(SAN_FLAGS)' \
		BR_CFLAGS='$(SAN_FLAGS) -fno-sanitize=alignment -w' LDFLAGS='-fsanitize=address,undefined' \
		TARGET=$$($(SAN_CC) -dumpmachine) test

# libFuzzer targets: every tests/fuzz/fuzz_NAME.c is built with clang against
# the library sources and a clang-built BearSSL (in build/fuzz), then run for
# FUZZ_SECONDS on a scratch copy of its seed corpus tests/fuzz/corpus/NAME.
# A crashing input is kept as build/fuzz/NAME-crash-*, not in the source tree.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))

fuzz:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) OPT='$(FUZZ_FLAGS)' EXTRA_CFLAGS=-Wno-unknown-warning-option build/fuzz/libbearssl.a \
		$(patsubst src/%.c,build/fuzz/obj/%.o,$(LIB_SRC))
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) OPT='$(FUZZ_FLAGS)' EXTRA_CFLAGS=-Wno-unknown-warning-option $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		name=$${f#build/fuzz/fuzz_}; \
		rm -rf build/fuzz/corpus-$$name; mkdir -p build/fuzz/corpus-$$name; \
		cp tests/fuzz/corpus/$$name/* build/fuzz/corpus-$$name/ 2>/dev/null || \
			{ echo "tests/fuzz/corpus/$$name: no seed corpus; commit a few small inputs there"; exit 1; }; \
		echo "fuzzing $$name for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/$$name- \
			build/fuzz/corpus-$$name 2> build/fuzz/$$name.log || { tail -n 40 build/fuzz/$$name.log; \
			echo "the input that failed is in build/fuzz/$$name-*; add it to tests/unit as a case"; exit 1; }; \
		grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' build/fuzz/$$name.log; \
	done

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(patsubst src/%.c,build/fuzz/obj/%.o,$(LIB_SRC)) build/fuzz/libbearssl.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^

# Regenerate src/roots.c, the compiled-in trust anchors, from src/roots/*.pem (needs openssl).
roots:
	tools/mkroots.sh > src/roots.c.tmp && mv src/roots.c.tmp src/roots.c

# Router builds: one static musl binary per line of cross/targets, built by
# Debian's cross gcc and linked through a specs file against musl: Debian's
# musl-dev for that architecture, or for boards without an FPU a soft-float
# musl that cross/musl.sh builds. BearSSL is built by the same compiler.
# Each lands at build/ARCH/keepcert. ARCHS picks some of them.
CROSS_ALL := $(shell awk '$$1 ~ /^[a-z]/ { print $$1 }' cross/targets)
ARCHS ?= $(CROSS_ALL)
cross_field = $(shell awk -v name=$(1) '$$1 == name { print $$$(2) }' cross/targets)
cross_soft = $(filter soft,$(call cross_field,$(1),5))
cross_specs = $(if $(call cross_soft,$(1)),$(CURDIR)/build/$(1)/musl/lib,/usr/lib/$(call cross_field,$(1),3))/musl-gcc.specs
# No gcc names a soft-float musl triple, so those targets say theirs.
cross_make = $(MAKE) --no-print-directory BUILD=build/$(1) \
	CC='$(call cross_field,$(1),2)-gcc $(if $(call cross_soft,$(1)),-msoft-float )-specs $(call cross_specs,$(1))' \
	$(if $(call cross_soft,$(1)),TARGET=$(call cross_field,$(1),3))

cross:
	@cross/deps.sh $(ARCHS)
	@for arch in $(ARCHS); do $(MAKE) --no-print-directory cross-$$arch || exit 1; done

# cross-ARCH builds one target's keepcert, cross-unit-ARCH its unit test program too.
cross-%: cross-libc-%
	@$(call cross_make,$*) all
	@file build/$*/keepcert 2>/dev/null || true

cross-unit-%: cross-libc-%
	@$(call cross_make,$*) all build/$*/unit-tests

cross-libc-%:
	@case ' $(CROSS_ALL) ' in *' $* '*) ;; *) echo "no target '$*'; cross/targets lists: $(CROSS_ALL)" >&2; exit 2 ;; esac
	@[ -z '$(call cross_soft,$*)' ] || [ -f build/$*/musl/lib/musl-gcc.specs ] || cross/musl.sh $*

# Every target's unit tests under qemu-user, then the integration tests
# named by TESTS (default: cli and acme_pebble_issue, which obtains and
# verifies a certificate from Pebble) with $$KEEPCERT running the binary under qemu.
test-cross:
	@cross/deps.sh $(ARCHS)
	@tests/cross/run.sh $(ARCHS)

# Measure the release binary against a local Pebble and update BENCHMARKS.md;
# bench-peers adds certbot, lego and uacme from Debian's packages.
bench: $(BIN)
	KEEPCERT=$(abspath $(BIN)) bench/bench.sh

bench-peers: $(BIN)
	KEEPCERT=$(abspath $(BIN)) bench/bench.sh --peers

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/keepcert

clean:
	rm -rf $(filter-out $(BR_SRC),$(wildcard build/*)) keepcert
