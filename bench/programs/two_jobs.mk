# Row 13: two independent compiles that make -j2 runs at once.
HERE := $(dir $(lastword $(MAKEFILE_LIST)))
.PHONY: all first second
all: first second
first: ; @gcc -O2 -c $(HERE)fork_exec.c -o /dev/null
second: ; @gcc -O2 -c $(HERE)fork_exit.c -o /dev/null
