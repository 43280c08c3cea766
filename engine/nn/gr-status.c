#include "gr-status.h"

const char *
gr_status_to_string (GrStatus status)
{
  switch (status)
    {
    case GR_OK: return "ok";
    case GR_ERR_NOMEM: return "out of memory";
    case GR_ERR_SHAPE: return "shapes do not fit";
    case GR_ERR_ARG: return "invalid argument";
    case GR_ERR_NONFINITE: return "a value became NaN or infinite";
    case GR_ERR_IO: return "input/output error";
    case GR_ERR_FORMAT: return "not a Gradlab file of this kind";
    case GR_ERR_VERSION: return "unsupported file version";
    case GR_ERR_CHECKSUM: return "checksum mismatch (the file is corrupted)";
    case GR_ERR_TRUNCATED: return "the file is truncated";
    case GR_ERR_MISMATCH: return "the file was written for a different network";
    case GR_ERR_STATE: return "not valid in the current state";
    default: return "unknown status";
    }
}
