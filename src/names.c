/* Lookup in the engine's tables of wire names. */
#include "names.h"

#include <stddef.h>
#include <string.h>

int isl_name_index(const char *const *names, int count, const char *s)
{
    if (s == NULL)
        return -1;
    for (int i = 0; i < count; i++)
        if (names[i] != NULL && strcmp(names[i], s) == 0)
            return i;
    return -1;
}
