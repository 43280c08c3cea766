#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Private helpers of datasets/; not part of the public API. */

/* Writes a printf-style message into the caller's @err buffer of
 * @err_len bytes (always terminated; nothing happens if @err is NULL or
 * @err_len is 0). Library code reports only this way. */
#if defined(__GNUC__)
__attribute__ ((format (printf, 3, 4)))
#endif
void  grd_error_set     (char        *err,
                         size_t       err_len,
                         const char  *fmt,
                         ...);

/* Parses all of the @len bytes at @s as a decimal floating-point number,
 * independent of the process locale (a GTK app sets LC_NUMERIC, which
 * would turn "0.5" into an error under a decimal-comma locale). Leading
 * and trailing blanks are allowed. Returns false if the text is not a
 * finite number. */
bool  grd_parse_double  (const char  *s,
                         size_t       len,
                         double      *out);

/* Reads the whole file at @path into a new buffer (*data, free () it)
 * of *len bytes plus a terminating NUL; refuses files larger than
 * @max_len. Returns false with "PATH: reason" in @err. */
bool  grd_read_file     (const char  *path,
                         size_t       max_len,
                         char       **data,
                         size_t      *len,
                         char        *err,
                         size_t       err_len);

/* Copies at most @len bytes of @s into @out of @out_len bytes for use in
 * a message, ending with "..." when cut. Returns @out. */
const char *grd_quote   (const char  *s,
                         size_t       len,
                         char        *out,
                         size_t       out_len);
