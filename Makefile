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

.PHONY: all test test-unit test-integration sanitize install clean fuzz
all: $(BIN)

$(BR_SRC)/.verified:
	third_party/fetch-bearssl.sh $(BR_SRC)

$(BR_LIB): $(BR_SRC)/.verified third_party/bearssl.mk
	@echo "building BearSSL into $(BUILD)"
	@$(MAKE) --no-print-directory -f third_party/bearssl.mk BUILD=$(BUILD) BR_SRC=$(BR_SRC) \
		CC='$(CC)' AR='$(AR)' BR_CFLAGS='$(BR_CFLAGS)'

$(BUILD)/obj/%.o: src/%.c $(HEADERS) $(BR_SRC)/.verified
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c $(HEADERS) $(BR_SRC)/.verified
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<

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
SAN_CC ?= gcc
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
sanitize:
	@KEEPCERT_DYNAMIC=1 $(MAKE) --no-print-directory BUILD=build/san CC=$(SAN_CC) OPT='$(SAN_FLAGS)' LDFLAGS='-fsanitize=address,undefined' TARGET=$$($(SAN_CC) -dumpmachine) test

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/keepcert

clean:
	rm -rf $(filter-out $(BR_SRC),$(wildcard build/*)) keepcert
