#include <errno.h>
#include <sys/timex.h>
#include "CGenlockLinux.h"

int genlock_read_clock_adjustment(long *freq, long *tick) {
    struct timex tx = {0};  // modes 0: read, change nothing
    if (adjtimex(&tx) == -1) return errno;
    *freq = tx.freq;
    *tick = tx.tick;
    return 0;
}
