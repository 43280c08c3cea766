#pragma once

/* Every fallible engine call returns one of these. Zero is success; errors
 * are negative so callers can write `if (st < 0)`. */
typedef enum
{
  GR_OK = 0,
  GR_ERR_NOMEM = -1,        /* an allocation failed */
  GR_ERR_SHAPE = -2,        /* layer inputs do not fit together */
  GR_ERR_ARG = -3,          /* an argument is out of its range */
  GR_ERR_NONFINITE = -4,    /* NaN or Inf appeared in a loss, activation or gradient */
  GR_ERR_IO = -5,           /* a file could not be read or written */
  GR_ERR_FORMAT = -6,       /* a file is not in the expected format */
  GR_ERR_VERSION = -7,      /* a file has an unsupported format version */
  GR_ERR_CHECKSUM = -8,     /* a file's checksum does not match its contents */
  GR_ERR_TRUNCATED = -9,    /* a file ends early */
  GR_ERR_MISMATCH = -10,    /* a file was written for a different network */
  GR_ERR_STATE = -11,       /* the call is not valid in the object's current state */
} GrStatus;

/* Returns a static, untranslated English description of @status. */
const char *gr_status_to_string (GrStatus status);
