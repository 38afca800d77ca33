# The client's unit tests (tests/unit/test_client*.c) also test the modules
# of the `islands` program: link them in, all but its main().
CLIENT_MODULE_OBJ := $(filter-out $(BUILD)/client/main.o,$(CLIENT_OBJ))
CLIENT_UNIT_TESTS := $(filter $(BUILD)/tests/unit/test_client%,$(UNIT_TESTS))

$(CLIENT_UNIT_TESTS): $(BUILD)/tests/unit/test_client%: $(BUILD)/tests/unit/test_client%.o \
		$(TEST_SUPPORT_OBJ) $(CLIENT_MODULE_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS)

# The CLI integration tests run the client and the fake daemon.
$(filter $(BUILD)/tests/integration/test_cli%,$(INTEGRATION_TESTS)): | $(CLIENT) \
		$(BUILD)/tests/programs/fake_islandsd
