/* Touches: requests that changed nothing, which islandsd records so that a
 * game's idle time outlives a restart (docs/STORE.md, "The index").
 * {"t":"touch","games":[["g1",MS],...]} moves each game's `meta` time
 * forward, in a transaction of its own: a touch never shares the fate of
 * a batch of moves (a full store fails it alone), and costs one commit
 * per frame, which islandsd sends at most once a second. */
#include <stdio.h>
#include <string.h>

#include "islands/log.h"
#include "islands/request.h"
#include "writer.h"

static bool touch_entry(const json_t *entry, struct isl_store_write *w)
{
    const char *name = json_string_value(json_array_get(entry, 0));
    const json_t *ms = json_array_get(entry, 1);
    if (json_array_size(entry) != 2 || !name || !isl_game_name_valid(name, strlen(name)) ||
        !json_is_integer(ms) || json_integer_value(ms) < 0)
        return false;
    *w = (struct isl_store_write){ .kind = ISL_WRITE_TOUCH, .game = name,
                                   .active_ms = (int64_t)json_integer_value(ms) };
    return true;
}

int writer_touch(struct writer *wr, const json_t *frame)
{
    const json_t *games = json_object_get(frame, "games");
    size_t n = json_array_size(games);
    if (!json_is_array(games) || n == 0 || n > WRITER_TOUCH_MAX || json_object_size(frame) != 2)
        return -1;
    static struct isl_store_write writes[WRITER_TOUCH_MAX];
    for (size_t i = 0; i < n; i++)
        if (!touch_entry(json_array_get(games, i), &writes[i]))
            return -1;
    char err[256];
    int rc = isl_store_commit(wr->store, writes, n, err, sizeof err);
    if (rc != ISL_STORE_OK)
        isl_log(ISL_LOG_WARNING, "event=touch_failed games=%zu error=\"%s\"", n, err);
    writer_exit_if_corrupt(wr, rc);
    return 0;
}
