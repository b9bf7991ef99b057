/*
 * The monotonic clock, for deadlines and waits: unlike the wall clock, it
 * does not jump when NTP or a person sets the time.
 */
#ifndef KEEPCERT_CLOCK_H
#define KEEPCERT_CLOCK_H

/* Microseconds on CLOCK_MONOTONIC. */
long long clock_us(void);

/* Milliseconds on CLOCK_MONOTONIC. */
long long clock_ms(void);

#endif
