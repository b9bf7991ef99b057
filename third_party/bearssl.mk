# Compile BearSSL's sources into $(BUILD)/libbearssl.a with the same
# compiler and code-generation flags as keepcert. Called by the top
# Makefile once the source is unpacked, so the source list can be read.
BR_SRC ?= build/bearssl-src
BUILD ?= build
BR_OBJ_DIR = $(BUILD)/bearssl
BR_SOURCES := $(sort $(shell find $(BR_SRC)/src -name '*.c'))
BR_OBJECTS := $(patsubst $(BR_SRC)/src/%.c,$(BR_OBJ_DIR)/%.o,$(BR_SOURCES))

$(BUILD)/libbearssl.a: $(BR_OBJECTS)
	@rm -f $@
	@$(AR) rcs $@ $(BR_OBJECTS)

$(BR_OBJ_DIR)/%.o: $(BR_SRC)/src/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(CC) $(BR_CFLAGS) -I$(BR_SRC)/inc -I$(BR_SRC)/src -c -o $@ $<
