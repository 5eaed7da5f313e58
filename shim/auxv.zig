//! The auxiliary vector on a freshly exec'd program's stack: hiding the vDSO, so that libc falls
//! back to real syscalls (which seccomp sees) for clock_gettime, gettimeofday and time.

const std = @import("std");
const memory = @import("memory.zig");
const sys = @import("sys.zig");

const AT_NULL: u64 = 0;
const AT_IGNORE: u64 = 1;
const AT_SYSINFO_EHDR: u64 = 33;

/// Words of stack read at most (argv, envp and auxv together); a larger one keeps its vDSO.
const words_max = 1 << 16;

/// Reads the tracee's stack word by word, a chunk at a time.
const StackReader = struct {
    pid: sys.pid_t,
    stack: u64,
    chunk: [512]u64 = undefined,
    first: usize = 0, // word index of chunk[0]
    loaded: usize = 0, // valid words in chunk

    fn word(reader: *StackReader, index: usize) ?u64 {
        if (index < reader.first or index >= reader.first + reader.loaded) {
            const got = memory.read(reader.pid, reader.stack + index * 8, std.mem.sliceAsBytes(reader.chunk[0..]));
            if (got < 8) return null;
            reader.first = index;
            reader.loaded = @intCast(@divTrunc(got, 8));
        }
        return reader.chunk[index - reader.first];
    }
};

/// At the exec stop, `stack` being the new program's stack pointer (at argc): turns the
/// AT_SYSINFO_EHDR entry into AT_IGNORE. Returns whether it found one.
pub fn hide_vdso(pid: sys.pid_t, stack: u64) bool {
    var reader: StackReader = .{ .pid = pid, .stack = stack };
    const argc = reader.word(0) orelse return false;
    var index: usize = @intCast(argc + 2); // argc, argv[argc], NULL
    while (index < words_max) : (index += 1) {
        if ((reader.word(index) orelse return false) == 0) break; // end of envp
    }
    index += 1;
    while (index + 1 < words_max) : (index += 2) {
        const kind = reader.word(index) orelse return false;
        if (kind == AT_NULL) return false;
        if (kind == AT_SYSINFO_EHDR) {
            const ignore: u64 = AT_IGNORE;
            return memory.write(pid, stack + index * 8, std.mem.asBytes(&ignore)) == 8;
        }
    }
    return false;
}
