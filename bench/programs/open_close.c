// Row 9: open("/etc/hostname") + close in a loop (default 20000); reports its own ns per pair. Every open stops
// twice under umbra (the /proc check at entry and exit), close not at all.
#include "common.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 20000);
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            perror("open");
            return 1;
        }
        close(fd);
    }
    report(now_ns() - start, n);
    return 0;
}
