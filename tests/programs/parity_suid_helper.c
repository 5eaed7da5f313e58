// A set-user-ID helper for parity_nnp.c (the test copies it, owned by 65534, mode 4755): prints its real and
// effective uids, and whether the kernel ran it in secure mode (AT_SECURE).
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("%s: helper uid=%d euid=%d AT_SECURE=%lu\n", argc > 1 ? argv[1] : "?", (int)getuid(), (int)geteuid(),
           getauxval(AT_SECURE));
    return 0;
}
