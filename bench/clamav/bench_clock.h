/*
 * bench_clock: the clock and memory readings the bench/clamav programs
 * share: a monotonic time in seconds, and the process's resident memory.
 */
#ifndef TAMIS_BENCH_CLAMAV_BENCH_CLOCK_H
#define TAMIS_BENCH_CLAMAV_BENCH_CLOCK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double
bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS of this process in kB, or -1. */
static inline long
bench_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

#endif
