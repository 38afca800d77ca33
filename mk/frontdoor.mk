# The front door's test program links the front door itself (and the
# systemd glue when it is there) with its own echo router.
FRONTDOOR_OBJ := $(BUILD)/supervisor/frontdoor.o $(BUILD)/supervisor/frontdoor_clients.o \
                 $(BUILD)/supervisor/frontdoor_listen.o \
                 $(patsubst %.c,$(BUILD)/%.o,$(wildcard supervisor/notify.c))

$(BUILD)/tests/programs/frontdoor_echo: $(BUILD)/tests/programs/frontdoor_echo.o \
                                        $(FRONTDOOR_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
