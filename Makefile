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
# The target triple that "keepcert version" prints; musl builds use a gcc that says -gnu.
TARGET ?= $(shell $(CC) -dumpmachine 2>/dev/null | sed "s/-gnu[a-z]*$$/-musl/")
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

.PHONY: all test test-unit test-integration sanitize install clean fuzz roots
all: $(BIN)

$(BR_SRC)/.verified:
	third_party/fetch-bearssl.sh $(BR_SRC)

$(BR_LIB): $(BR_SRC)/.verified third_party/bearssl.mk
	@echo "building BearSSL into $(BUILD)"
	@$(MAKE) --no-print-directory -f third_party/bearssl.mk BUILD=$(BUILD) BR_SRC=$(BR_SRC) \
		CC='$(CC)' AR='$(AR)' BR_CFLAGS='$(BR_CFLAGS)'

$(BUILD)/obj/%.o: src/%.c $(HEADERS) $(BR_SRC)/.verified
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c $(HEADERS) $(BR_SRC)/.verified
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<

$(BIN): $(OBJ) $(BR_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(BR_LIB)
	@echo "$@: $$(wc -c < $@) bytes"

$(BUILD)/unit-tests: $(UNIT_OBJ) $(LIB_OBJ) $(BR_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIB_OBJ) $(BR_LIB)

# A test-only front end to the format modules, which the integration tests
# compare with openssl; it is never installed.
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
$(BUILD)/kc-tool: $(TOOL_SRC) $(LIB_OBJ) $(BR_LIB) $(HEADERS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(TOOL_SRC) $(LIB_OBJ) $(BR_LIB)

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
		cp tests/fuzz/corpus/$$name/* build/fuzz/corpus-$$name/ 2>/dev/null; \
		echo "fuzzing $$name for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/fuzz/corpus-$$name \
			2> build/fuzz/$$name.log || { tail -n 40 build/fuzz/$$name.log; exit 1; }; \
		grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' build/fuzz/$$name.log; \
	done

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(patsubst src/%.c,build/fuzz/obj/%.o,$(LIB_SRC)) build/fuzz/libbearssl.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^

# Regenerate src/roots.c, the compiled-in trust anchors, from src/roots/*.pem (needs openssl).
roots:
	tools/mkroots.sh > src/roots.c.tmp && mv src/roots.c.tmp src/roots.c

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/keepcert

clean:
	rm -rf $(filter-out $(BR_SRC),$(wildcard build/*)) keepcert
