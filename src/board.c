/* One player's board: positioning islands and answering guesses. */
#include "islands/game.h"

/* Overlap is checked against the other islands only, so that positioning
 * a type again moves it (even onto squares it covered before). */
static bool overlaps_other_island(const struct isl_board *b, enum isl_island_type moving,
                                  const struct isl_squares *squares)
{
    for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
        const struct isl_island *other = &b->islands[t];
        if (t != (int)moving && other->positioned &&
            isl_squares_intersect(&other->squares, squares))
            return true;
    }
    return false;
}

enum isl_error isl_board_position_island(struct isl_board *b, enum isl_island_type t,
                                         int row, int col)
{
    struct isl_squares squares;
    enum isl_error e = isl_island_shape(t, row, col, &squares);
    if (e != ISL_OK)
        return e;
    if (overlaps_other_island(b, t, &squares))
        return ISL_E_OVERLAPPING_ISLAND;
    struct isl_island *island = &b->islands[t];
    island->positioned = true;
    island->row = (uint8_t)row;
    island->col = (uint8_t)col;
    island->squares = squares;
    island->hits.bits[0] = island->hits.bits[1] = 0;
    return ISL_OK;
}

bool isl_board_all_positioned(const struct isl_board *b)
{
    for (int t = 0; t < ISL_ISLAND_KINDS; t++)
        if (!b->islands[t].positioned)
            return false;
    return true;
}

bool isl_board_all_forested(const struct isl_board *b)
{
    for (int t = 0; t < ISL_ISLAND_KINDS; t++)
        if (!isl_island_forested(&b->islands[t]))
            return false;
    return true;
}

void isl_board_guess(struct isl_board *b, int row, int col, struct isl_guess_result *out)
{
    out->hit = false;
    out->forested_any = false;
    out->forested = ISL_ATOLL;
    out->win = false;
    for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
        struct isl_island *island = &b->islands[t];
        if (!island->positioned || !isl_squares_has(&island->squares, row, col))
            continue;
        isl_squares_add(&island->hits, row, col);
        out->hit = true;
        if (isl_island_forested(island)) {
            out->forested_any = true;
            out->forested = (enum isl_island_type)t;
        }
        break;
    }
    out->win = out->hit && isl_board_all_forested(b);
}
