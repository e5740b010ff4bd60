// Linux interfaces that Swift's Glibc module does not export: timerfd, eventfd and the CPU_SET
// macros, renameat2, adjtimex. Kept to declarations and one-line helpers; the Swift side wraps each call once.
#ifndef CGENLOCK_LINUX_H
#define CGENLOCK_LINUX_H

#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <time.h>

/// Pins the calling thread to `cpu`. Returns 0 or an errno value.
int genlock_pin_current_thread(int cpu);

/// The number of CPUs this process may run on, or -1.
int genlock_allowed_cpu_count(void);

/// Sets the calling thread's timer slack (PR_SET_TIMERSLACK) to `ns` (0 restores the process
/// default). Returns 0 or an errno value. prctl is variadic, so Swift cannot call it directly.
int genlock_set_timer_slack_ns(unsigned long ns);

/// The calling thread's timer slack in nanoseconds (PR_GET_TIMERSLACK), or -1.
long genlock_timer_slack_ns(void);

/// Names the calling thread (15 characters at most are kept), for ps and debuggers.
void genlock_name_current_thread(const char *name);

/// Renames `from` to `to` only if `to` does not exist (renameat2 with RENAME_NOREPLACE, which
/// Swift's Glibc module does not export). Returns 0 or an errno value (EEXIST: `to` exists;
/// EINVAL: the file system cannot rename without replacing).
int genlock_rename_noreplace(const char *from, const char *to);

/// Reads (never sets) the kernel's frequency adjustment of CLOCK_REALTIME, which CLOCK_MONOTONIC
/// shares: adjtimex's `freq` (ppm with a 16-bit fraction) and `tick` (µs per clock tick). Swift's
/// Glibc module does not export struct timex. Returns 0 or an errno value.
int genlock_read_clock_adjustment(long *freq, long *tick);

#endif
