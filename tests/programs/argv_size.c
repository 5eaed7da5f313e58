/* Prints how many arguments it got, their total size and a hash of them all (FNV-1a, each string
 * with its NUL), so that a run with a huge argv can be compared with native in one line. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  uint64_t hash = 14695981039346656037ull;
  size_t bytes = 0;
  for (int i = 1; i < argc; i++) {
    size_t length = strlen(argv[i]) + 1;
    bytes += length;
    for (size_t j = 0; j < length; j++) hash = (hash ^ (unsigned char)argv[i][j]) * 1099511628211ull;
  }
  printf("args=%d bytes=%zu hash=%016llx\n", argc - 1, bytes, (unsigned long long)hash);
  return 0;
}
