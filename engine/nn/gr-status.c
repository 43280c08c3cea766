#include "gr-status.h"
#include "gr-i18n.h"

const char *
gr_status_to_string (GrStatus status)
{
  switch (status)
    {
    case GR_OK: return GR_("ok");
    case GR_ERR_NOMEM: return GR_("out of memory");
    case GR_ERR_SHAPE: return GR_("shapes do not fit");
    case GR_ERR_ARG: return GR_("invalid argument");
    case GR_ERR_NONFINITE: return GR_("a value became NaN or infinite");
    case GR_ERR_IO: return GR_("input/output error");
    case GR_ERR_FORMAT: return GR_("not a Gradlab file of this kind");
    case GR_ERR_VERSION: return GR_("unsupported file version");
    case GR_ERR_CHECKSUM: return GR_("checksum mismatch (the file is corrupted)");
    case GR_ERR_TRUNCATED: return GR_("the file is truncated");
    case GR_ERR_MISMATCH: return GR_("the file was written for a different network");
    case GR_ERR_STATE: return GR_("not valid in the current state");
    default: return GR_("unknown status");
    }
}
