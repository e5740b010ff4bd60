#ifndef GENLOCK_CFFMPEG_HELPERS_H
#define GENLOCK_CFFMPEG_HELPERS_H
#include <stdint.h>

/// FFmpeg spells these as macros that Swift cannot import; the values come from the headers
/// this package builds against.
int genlock_averror_eof(void);
int genlock_averror_eagain(void);
/// AVERROR(errno_value).
int genlock_averror_errno(int errno_value);
/// The errno value inside an AVERROR(e) code, or 0 when the code is not errno-based.
int genlock_averror_to_errno(int code);
/// AV_NOPTS_VALUE.
int64_t genlock_nopts_value(void);
#endif
