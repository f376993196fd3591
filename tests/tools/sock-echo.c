/*
 * The echo server and client of tests/guest/sock-echo.c built as a
 * plain Linux program: the baseline the host-mode guest is measured
 * against, and a host listener for guests to connect out to.
 */
#include "../guest/sock-echo.c"
