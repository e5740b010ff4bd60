#include "CFFmpegShim.h"
#include <errno.h>
#include <libavutil/error.h>
#include <libavutil/avutil.h>

int genlock_averror_eof(void) { return AVERROR_EOF; }
int genlock_averror_eagain(void) { return AVERROR(EAGAIN); }
int genlock_averror_errno(int errno_value) { return AVERROR(errno_value); }
int genlock_averror_to_errno(int code) {
    // AVERROR(e) is -e on every platform FFmpeg supports where EDOM > 0; FFERRTAG codes are
    // large negative tags, far outside errno's range.
    return (code < 0 && code > -4096) ? -code : 0;
}
int64_t genlock_nopts_value(void) { return AV_NOPTS_VALUE; }
