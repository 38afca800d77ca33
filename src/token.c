/* Player tokens: 128 random bits from the kernel CSPRNG as lowercase hex,
 * and a comparison whose time does not reveal where two tokens differ. */
#include "islands/token.h"

#include <errno.h>
#include <stddef.h>
#include <sys/random.h>

#define TOKEN_BYTES (ISL_TOKEN_LEN / 2)

int isl_token_generate(char out[ISL_TOKEN_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[TOKEN_BYTES];
    size_t filled = 0;

    while (filled < sizeof raw) {
        ssize_t n = getrandom(raw + filled, sizeof raw - filled, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        filled += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 0x0f];
    }
    out[ISL_TOKEN_LEN] = '\0';
    return 0;
}

bool isl_token_equal(const char *expected, const char *given)
{
    /* Walk exactly strlen(expected) + 1 positions whatever `given` holds;
     * once `given` ends we keep reading its NUL, never past it. */
    unsigned diff = 0;
    size_t g = 0;
    size_t i = 0;
    for (;;) {
        unsigned char e = (unsigned char)expected[i];
        unsigned char c = (unsigned char)given[g];
        diff |= (unsigned)(e ^ c);
        g += (c != 0);
        if (e == 0)
            break;
        i++;
    }
    return diff == 0;
}
