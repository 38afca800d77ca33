/* Square sets and island shapes: which squares an island covers. */
#include "islands/game.h"

#include <stddef.h>

#include "names.h"

struct offset { int8_t drow, dcol; };

struct island_shape {
    int count;
    struct offset squares[5];
};

static const char *const island_names[ISL_ISLAND_KINDS] = {
    [ISL_ATOLL] = "atoll",
    [ISL_DOT] = "dot",
    [ISL_L_SHAPE] = "l_shape",
    [ISL_S_SHAPE] = "s_shape",
    [ISL_SQUARE] = "square",
};

/* Offsets from the upper-left square, as in PROTOCOL.md's table. */
static const struct island_shape shapes[ISL_ISLAND_KINDS] = {
    [ISL_ATOLL] = {5, {{0, 0}, {0, 1}, {1, 1}, {2, 0}, {2, 1}}},
    [ISL_DOT] = {1, {{0, 0}}},
    [ISL_L_SHAPE] = {4, {{0, 0}, {1, 0}, {2, 0}, {2, 1}}},
    [ISL_S_SHAPE] = {4, {{0, 1}, {0, 2}, {1, 0}, {1, 1}}},
    [ISL_SQUARE] = {4, {{0, 0}, {0, 1}, {1, 0}, {1, 1}}},
};

const char *isl_island_name(enum isl_island_type t)
{
    if ((int)t < 0 || t >= ISL_ISLAND_KINDS)
        return NULL;
    return island_names[t];
}

int isl_island_from_name(const char *s, enum isl_island_type *out)
{
    int i = isl_name_index(island_names, ISL_ISLAND_KINDS, s);
    if (i < 0)
        return -1;
    *out = (enum isl_island_type)i;
    return 0;
}

bool isl_coordinate_valid(int row, int col)
{
    return row >= 1 && row <= ISL_BOARD_SIZE && col >= 1 && col <= ISL_BOARD_SIZE;
}

enum isl_error isl_island_shape(enum isl_island_type t, int row, int col,
                                struct isl_squares *out)
{
    if ((int)t < 0 || t >= ISL_ISLAND_KINDS)
        return ISL_E_INVALID_ISLAND_TYPE;
    if (!isl_coordinate_valid(row, col))
        return ISL_E_INVALID_COORDINATE;   /* before any offset is added: no overflow */
    struct isl_squares squares = {{0, 0}};
    const struct island_shape *shape = &shapes[t];
    for (int i = 0; i < shape->count; i++) {
        int r = row + shape->squares[i].drow;
        int c = col + shape->squares[i].dcol;
        if (!isl_coordinate_valid(r, c))
            return ISL_E_INVALID_COORDINATE;
        isl_squares_add(&squares, r, c);
    }
    *out = squares;
    return ISL_OK;
}

/* Bit (row-1)*10 + (col-1) of the 128-bit set. */
static int square_index(int row, int col)
{
    return (row - 1) * ISL_BOARD_SIZE + (col - 1);
}

bool isl_squares_has(const struct isl_squares *s, int row, int col)
{
    if (!isl_coordinate_valid(row, col))
        return false;
    int i = square_index(row, col);
    return (s->bits[i / 64] >> (i % 64)) & 1u;
}

void isl_squares_add(struct isl_squares *s, int row, int col)
{
    if (!isl_coordinate_valid(row, col))
        return;
    int i = square_index(row, col);
    s->bits[i / 64] |= UINT64_C(1) << (i % 64);
}

int isl_squares_count(const struct isl_squares *s)
{
    return __builtin_popcountll(s->bits[0]) + __builtin_popcountll(s->bits[1]);
}

bool isl_squares_intersect(const struct isl_squares *a, const struct isl_squares *b)
{
    return ((a->bits[0] & b->bits[0]) | (a->bits[1] & b->bits[1])) != 0;
}

bool isl_squares_subset(const struct isl_squares *a, const struct isl_squares *b)
{
    return (a->bits[0] & ~b->bits[0]) == 0 && (a->bits[1] & ~b->bits[1]) == 0;
}

bool isl_squares_equal(const struct isl_squares *a, const struct isl_squares *b)
{
    return a->bits[0] == b->bits[0] && a->bits[1] == b->bits[1];
}

bool isl_island_forested(const struct isl_island *island)
{
    return island->positioned && isl_squares_equal(&island->hits, &island->squares);
}
