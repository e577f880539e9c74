#ifndef SPINDLE_CNUMA_SHIM_H
#define SPINDLE_CNUMA_SHIM_H
// libnuma (Debian: libnuma-dev) for pinning worker threads to NUMA nodes.
#include <numa.h>

// glibc's sched_getcpu, declared here because Swift's Glibc module does not expose it
// (it is behind _GNU_SOURCE, which must not be defined in a module shared with Foundation).
extern int sched_getcpu(void);

static inline int spindle_current_cpu(void) { return sched_getcpu(); }
#endif
