/* UTF-8 decoding (utf8.h). */
#include "utf8.h"

long isl_utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char lead = s[*i];
    size_t extra;
    long cp, min;
    if (lead < 0x80) {
        (*i)++;
        return lead;
    } else if ((lead & 0xE0) == 0xC0) {
        extra = 1, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        extra = 2, cp = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        extra = 3, cp = lead & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (extra >= len - *i)
        return -1;
    for (size_t k = 1; k <= extra; k++) {
        if ((s[*i + k] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *i += extra + 1;
    return cp;
}
