#pragma once

#include <stddef.h>

/* Private to datasets/: writes a printf-style message into the caller's
 * @err buffer of @err_len bytes (always terminated; nothing happens if
 * @err is NULL or @err_len is 0). Library code reports only this way. */
#if defined(__GNUC__)
__attribute__ ((format (printf, 3, 4)))
#endif
void grd_error_set (char       *err,
                    size_t      err_len,
                    const char *fmt,
                    ...);
